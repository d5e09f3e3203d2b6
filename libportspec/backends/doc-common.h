/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the documentation backends (markdown, csv, json, dot):
 * they draw the spec's "how to set up the firewall" picture from a policy.
 */
#ifndef PORTSPEC_BACKENDS_DOC_COMMON_H
#define PORTSPEC_BACKENDS_DOC_COMMON_H

#include "common.h"

/* One arrow of the picture: the flows between the appliance and a zone in one direction. */
struct ps_doc_group {
	const struct portspec_zone *zone;
	enum portspec_direction direction;
	const char *interface; /* spec interface name of the first flow, or NULL */
};

/*
 * The (zone, direction) pairs the policy has flows for, in the order the
 * spec's flow statements first name them (so "outside" lists outbound
 * first, as the vendor's picture does).  At most `max`; returns the count.
 */
size_t ps_doc_groups(const struct portspec_policy *policy, struct ps_doc_group *out, size_t max);

/* The largest number of groups a spec can have. */
#define PS_DOC_MAX_GROUPS (2u * PS_MAX_ZONES)

/*
 * Appends the distinct port ranges of the group's flows whose level is in
 * `levels` as "25, 53*, 123*, 443" (sorted; '*' marks a service servable
 * from either zone).  Returns the number of ranges appended.
 */
size_t ps_doc_ports(struct ps_buf *b, const struct portspec_policy *policy,
		    const struct ps_doc_group *g, unsigned levels);

/* The title the spec gives an interface ("ETH1"), or its name if it has none. */
const char *ps_doc_interface_title(const struct portspec_spec *spec, const char *name);

/* Whether any flow of the policy belongs to `svc`. */
bool ps_doc_service_used(const struct portspec_policy *policy, const struct portspec_service *svc);

/*
 * Length of the valid UTF-8 sequence at `s` (1..4), or 0 if the bytes there
 * are not one (including overlong forms and surrogates).  `s` is NUL-terminated.
 */
size_t ps_doc_utf8_len(const char *s);

/*
 * Appends a JSON string (or null for NULL).  Quotes, backslashes and control
 * characters are escaped; bytes that are not UTF-8 become U+FFFD; U+2028 and
 * U+2029 are escaped too, so the text is also safe to paste into JavaScript.
 */
void ps_doc_json_str(struct ps_buf *b, const char *s);

/* Appends the service's port ranges as "53/udp, 53/tcp". */
void ps_doc_service_ports(struct ps_buf *b, const struct portspec_service *svc);

#endif
