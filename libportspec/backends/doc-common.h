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
 * are not one (including overlong forms and surrogates) or are a
 * noncharacter (U+FFFE, U+FFFF, ...: XML, so SVG, forbids them).  `s` is
 * NUL-terminated.
 */
size_t ps_doc_utf8_len(const char *s);

/*
 * The text escapers of the document targets, one family.  Every target
 * writes bytes that are not UTF-8 as U+FFFD (JSON: \ufffd) and control
 * characters as spaces (JSON: \n, \r, \t, \u00XX); then
 *   PS_DOC_MARKDOWN  backslash-escapes the characters with a meaning in
 *                    Markdown or the HTML it may hold: \ ` * _ [ ] < > | # ~ & $
 *   PS_DOC_DOT       backslash-escapes " and \ (so "\N" stays literal) in a
 *                    double-quoted DOT string
 *   PS_DOC_CSV       doubles " in a quoted RFC 4180 field
 *   PS_DOC_JSON      backslash-escapes " and \, and escapes U+2028 and U+2029,
 *                    so the text is also safe to paste into JavaScript.
 */
enum ps_doc_target { PS_DOC_MARKDOWN, PS_DOC_DOT, PS_DOC_CSV, PS_DOC_JSON };
/* At most @len bytes of @s, escaped for @target (stops at a NUL). */
void ps_doc_escape(struct ps_buf *b, enum ps_doc_target target, const char *s, size_t len);
/* The NUL-terminated @s (NULL: nothing), escaped for @target. */
void ps_doc_text(struct ps_buf *b, enum ps_doc_target target, const char *s);
/* The same with ASCII letters upper-cased (UTF-8 sequences stay whole), for headings. */
void ps_doc_text_upper(struct ps_buf *b, enum ps_doc_target target, const char *s);

/*
 * Appends a JSON string (or null for NULL).  Quotes, backslashes and control
 * characters are escaped; bytes that are not UTF-8 become U+FFFD; U+2028 and
 * U+2029 are escaped too, so the text is also safe to paste into JavaScript.
 */
void ps_doc_json_str(struct ps_buf *b, const char *s);

/*
 * Appends the JSON array of @n warnings, each {"kind", "severity", "text"}
 * (severity "note" or "warning"), one a line after @indent, as
 * docs/portspec-plan.schema.json and portspec-policy.schema.json describe.
 */
void ps_doc_json_warnings(struct ps_buf *b, size_t n,
			  enum portspec_warning_kind (*kind)(const void *owner, size_t i),
			  const char *(*text)(const void *owner, size_t i), const void *owner,
			  const char *indent);

/*
 * The plan entries of the render's mode that each flow of the policy is in,
 * by the flow's index: entries[2 * i] for IPv4, [2 * i + 1] for IPv6 (NULL:
 * no rule of that family).  NULL on allocation failure; free with ps_free().
 */
const struct portspec_plan_entry **ps_doc_entries_by_flow(const struct ps_render *r);

/*
 * Where the connections of flow @i go, from its entries (@entries as
 * ps_doc_entries_by_flow() gives them), into four new buffers: the source
 * and the destination as addresses ("10.20.0.0/16, fd12:3456::/48", "all
 * IPv4 but 10.20.0.0/16", the appliance's own addresses in host mode), and
 * the interfaces they come in and leave on (empty: any).  A flow with no
 * rule in the mode says so as source and destination.  Release the buffers
 * with ps_buf_release().
 */
enum { PS_DOC_SOURCE, PS_DOC_DESTINATION, PS_DOC_IN, PS_DOC_OUT, PS_DOC_PATH_FIELDS };
void ps_doc_flow_path(const struct ps_render *r, size_t i,
		      const struct portspec_plan_entry *const *entries,
		      struct ps_buf path[PS_DOC_PATH_FIELDS]);

/*
 * The footnote of the '*' mark (the spec's either-note), followed by the
 * either-notes of the zones the policy serves such services from: the
 * vendor's footnote whole for the default profile, without the DNS sentence
 * when DNS is served from inside only.  Nothing when the spec has neither.
 */
void ps_doc_either_footnote(struct ps_buf *b, const struct portspec_policy *policy);

/* Appends the service's port ranges as "53/udp, 53/tcp". */
void ps_doc_service_ports(struct ps_buf *b, const struct portspec_service *svc);

#endif
