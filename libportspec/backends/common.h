/* SPDX-License-Identifier: MIT */
/* Helpers shared by the backends. */
#ifndef PORTSPEC_BACKENDS_COMMON_H
#define PORTSPEC_BACKENDS_COMMON_H

#include "private.h"

/*
 * Writes @text as the body of a one-line comment that starts with @prefix
 * ("# ", "// ", ...): control characters (newlines included) become spaces,
 * so a spec string can never end the comment and start a rule, and the text
 * is cut after PS_COMMENT_MAX bytes, because some readers split long lines
 * (iptables-restore reads at most 10240 bytes a line; the rest would become
 * a line of its own).  Enough for targets whose comments end only at a line
 * break (iptables-restore, nft, pf); a target that expands characters inside
 * comments (cmd's % in REM lines) must filter those itself.
 */
#define PS_COMMENT_MAX 200u
void ps_comment_line(struct ps_buf *b, const char *prefix, const char *text);

/*
 * The header every rule file starts with: what generated it, the spec's name
 * and version, and the profile (role, the zones the "either" services are
 * served from, enabled and disabled services, warnings), as comment lines
 * beginning with @prefix.  @what describes the output ("iptables-restore
 * input, host mode, complete ruleset").
 */
void ps_render_header(const struct ps_render *r, const char *prefix, const char *what);

/* True if @name is usable as a Linux interface name in generated rules. */
bool ps_valid_ifname(const char *name);

/*
 * The interface a flow's zone is bound to (zones by interface), or NULL when
 * the zone is matched by address.
 */
const char *ps_zone_bound_interface(const struct ps_render *r, const struct portspec_zone *zone);

/*
 * Checks every interface name the profile gives (appliance interface, zone
 * interfaces) and every helper the policy's services name.  Returns an
 * error for anything a Linux backend could not express.
 */
enum portspec_status ps_linux_check(const struct ps_render *r, const char *backend);

/* Whether the kernel has a conntrack helper @helper for @proto. */
bool ps_helper_supports(const char *helper, enum portspec_protocol proto);

/* Two flows narrowed to the same addresses (or both to none)? */
bool ps_flow_same_addresses(const struct portspec_flow *a, const struct portspec_flow *b);

/* "smtp required" style labels, joined: appends ", " between them. */
void ps_label_add(struct ps_buf *b, const struct portspec_flow *flow);
/* The labels of @n flows, each service once, in order. */
void ps_labels_of(struct ps_buf *b, const struct portspec_flow *const *flows, size_t n);

/* Flows of the policy that the Linux backends render as one rule group. */
struct ps_flow_group {
	const struct portspec_flow **flows; /* points into ps_flow_groups.items */
	size_t count;
};

/*
 * The policy's flows split into groups of the same direction, zone,
 * protocol and narrowing addresses, in flow order: flows that share a group
 * can share one rule (multiport, a port set).
 */
struct ps_flow_groups {
	const struct portspec_flow **items;
	struct ps_flow_group *groups;
	size_t count;
};
bool ps_flow_groups_build(const struct portspec_policy *policy, struct ps_flow_groups *g);
void ps_flow_groups_release(struct ps_flow_groups *g);

/* iptables.c: the iptables-restore renderer for IPv4 (4) or IPv6 (6). */
enum portspec_status ps_xtables_render(struct ps_render *r, int family);

#endif
