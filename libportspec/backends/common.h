/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the backends.  A rule backend formats the policy's plan
 * (portspec_policy_plan()) and nothing else decides what its rules match.
 */
#ifndef PORTSPEC_BACKENDS_COMMON_H
#define PORTSPEC_BACKENDS_COMMON_H

#include "addrlist.h"

/*
 * A buffer for portspec_cidr_format(), which wants at least 50 bytes (an
 * IPv6 address with an IPv4 tail, "/128" and the NUL take 49); 64 is that,
 * rounded up.
 */
#define PS_CIDR_TEXT_MAX 64

/*
 * A buffer for the @what or @replaces text of ps_render_header() that a
 * backend builds: its own fixed text (under 170 bytes) and the fragment
 * name (at most 28).
 */
#define PS_HEADER_TEXT_MAX 200u

/* The number of elements of array @a. */
#define PS_COUNTOF(a) (sizeof(a) / sizeof((a)[0]))

/* Arrays indexed by enum portspec_hook, whose values are 1 to 3: slot 0 is unused. */
#define PS_HOOK_SLOTS (PORTSPEC_HOOK_FORWARD + 1)

/*
 * Writes @text as the body of a one-line comment that starts with @prefix
 * ("# ", "// ", ...): control characters (newlines included) become spaces,
 * so a spec string can never end the comment and start a rule, and the text
 * is cut after at most PS_COMMENT_MAX bytes, between two UTF-8 characters,
 * because some readers split long lines
 * (iptables-restore reads at most 10240 bytes a line; the rest would become
 * a line of its own).  Enough for targets whose comments end only at a line
 * break (iptables-restore, nft, pf); a target that expands characters inside
 * comments (cmd's % in REM lines) must filter those itself.
 */
#define PS_COMMENT_MAX 200u
void ps_comment_line(struct ps_buf *b, const char *prefix, const char *text);

/*
 * Appends @text keeping only ASCII letters, digits, space and the characters
 * in @extra; every run of other bytes (quotes, control characters, newlines,
 * non-ASCII) becomes one space.  Leading and trailing spaces are dropped and
 * at most @max bytes are written.  This cannot inject: what comes out is
 * drawn from the whitelist only.
 */
void ps_text_filtered(struct ps_buf *b, const char *text, const char *extra, size_t max);

/*
 * The header every rule file starts with: what generated it, the spec's name
 * and version, the profile (role, services on and off, where the "either"
 * services are served, interfaces and addresses) and the plan's warnings, as
 * comment lines beginning with @prefix.  @what describes the output
 * ("iptables-restore input, host mode, complete ruleset"); @replaces, if not
 * NULL, says in one line what loading it replaces and what that cuts, as
 * "Replaces: ..." (every complete ruleset has one).
 */
void ps_render_header(const struct ps_render *r, const char *prefix, const char *what,
		      const char *replaces);

/* The plan the render formats. */
const struct portspec_plan *ps_render_plan(const struct ps_render *r);
/* Whether entry @e is part of this render's shape (a fragment leaves out the
 * complete_only baseline). */
bool ps_render_has(const struct ps_render *r, const struct portspec_plan_entry *e);

/* The service of a FLOW entry's first flow (for messages). */
const struct portspec_service *ps_entry_service(const struct portspec_plan_entry *e);
/* The flows that @n consecutive ranges of one entry serve, as one array of *@count. */
const struct portspec_flow *const *ps_ranges_flows(const struct portspec_plan_port *r, size_t n,
						    size_t *count);

/*
 * "smtp required, smtps optional": the services of @e (or of one port), each
 * once.  Stops once the text is longer than @max bytes (SIZE_MAX: all).
 */
void ps_entry_labels(struct ps_buf *b, const struct portspec_plan_entry *e, size_t max);
/* The same for @n consecutive ports of one entry. */
void ps_ports_labels(struct ps_buf *b, const struct portspec_plan_port *ports, size_t n,
		     size_t max);
/*
 * The labels of a run of ports that a caller grows one port at a time (and
 * may take back by one), as ps_ports_labels() would write them, without
 * writing them again for every length tried: the text of a longer run goes
 * on from the shorter one's.
 */
struct ps_run_labels {
	struct ps_buf text; /* the labels, cut as ps_ports_labels() cuts them */
	size_t max;
	const struct portspec_plan_port *first;
	size_t n, done;                   /* ports of the run; flows looked at */
	size_t prev_n, prev_done, prev_len; /* before the last growth */
};
void ps_run_labels_init(struct ps_run_labels *l, size_t max);
/* The run of @n ports from @first: one port more than the last call for the
 * same @first, the length before that, or anything (computed anew). */
void ps_run_labels_set(struct ps_run_labels *l, const struct portspec_plan_port *first, size_t n);
void ps_run_labels_release(struct ps_run_labels *l);

/* "inbound from outside" / "outbound to inside" */
const char *ps_entry_way(const struct portspec_plan_entry *e);
/* The start of an entry's comment line: "PREFIXinbound from outside, IPv4 tcp: ". */
void ps_entry_comment_start(struct ps_buf *b, const char *prefix,
			    const struct portspec_plan_entry *e);

/* Whether the kernel has a conntrack helper @helper for @proto. */
bool ps_helper_supports(const char *helper, enum portspec_protocol proto);
/*
 * Checks that every helper the plan's entries assign exists in Linux for the
 * entry's protocol; an error names the backend and the service.
 */
enum portspec_status ps_linux_check(const struct ps_render *r, const char *backend);

/* Two entries with the same ports (ranges and the flows they serve)? */
bool ps_same_ports(const struct portspec_plan_entry *a, const struct portspec_plan_entry *b);

/* iptables.c: the iptables-restore renderer for IPv4 (4) or IPv6 (6). */
enum portspec_status ps_xtables_render(struct ps_render *r, int family);

#endif
