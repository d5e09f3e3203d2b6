/* SPDX-License-Identifier: MIT */
/*
 * What the netsh and PowerShell backends share: one render (the context,
 * the header's common lines, the loop over the plan's rules and the
 * settings they need), with what differs between the two scripts in a
 * table of callbacks and texts (struct ps_windows_target); and the check
 * of what the Windows host firewall can express.
 */
#ifndef PORTSPEC_BACKENDS_WINDOWS_H
#define PORTSPEC_BACKENDS_WINDOWS_H

#include "common.h"

/* Whether the script has a rule for entry @e. */
bool ps_windows_is_rule(const struct ps_render *r, const struct portspec_plan_entry *e);

/*
 * What the Windows backends can express: host mode only; of the connection
 * helpers only ftp (the firewall's stateful FTP filter); interfaces only if
 * @interfaces (PowerShell's -InterfaceAlias; netsh has no such parameter).
 * Sets *ftp when an entry needs the FTP filter; errors name the backend.
 */
enum portspec_status ps_windows_check(const struct ps_render *r, const char *backend,
				      bool interfaces, bool *ftp);

/*
 * What a rule of entry @e admits: the protocol and its ports ("protocol=TCP
 * localport=22,25" for netsh, "-Protocol TCP -LocalPort @('22', '25')" for
 * PowerShell), or its ICMP types ("protocol=icmpv4:8,any", "-Protocol
 * ICMPv4 -IcmpType @('8')").  netsh takes one ICMP type a rule:
 * ps_windows_check_icmp() refuses more.
 */
void ps_windows_protocol(struct ps_buf *out, const struct portspec_plan_entry *e, bool netsh);
enum portspec_status ps_windows_check_icmp(const struct ps_render *r, const char *backend);

/*
 * The comment lines that say how the ICMP errors of existing connections
 * pass (the predefined Core Networking rules), each line after @prefix and
 * ending in @eol.
 */
void ps_windows_icmp_errors_note(struct ps_buf *out, const char *prefix, const char *eol);

/*
 * The settings snapshot (the lifecycle both Windows backends share).
 *
 * The first run of a script records the firewall settings that any run may
 * change, and `remove` restores them; reading them needs the NetSecurity
 * cmdlets (netsh prints them localized, which cmd cannot parse), so both
 * backends use the PowerShell statements below, with $Store (a splat of
 * -PolicyStore or -GPOSession), $Key (the registry key of the snapshot) and
 * $Settings (ps_windows_settings) defined.  The snapshot lives in the
 * registry under HKLM\PS_WINDOWS_SNAPSHOT_ROOT\NAME\BACKEND, which only
 * administrators can write; it is complete once its value 'Complete' exists,
 * which is written last.
 */
#define PS_WINDOWS_SNAPSHOT_ROOT "SOFTWARE\\libportspec\\firewall" /* under HKLM */
extern const char ps_windows_settings[];
/* An expression: whether a complete snapshot exists at $Key. */
extern const char ps_windows_have_snapshot[];
/* Statements (NULL-terminated): record the settings at $Key. */
extern const char *const ps_windows_save_snapshot[];
/* Statements: set every setting that differs from the snapshot back to it. */
extern const char *const ps_windows_restore_snapshot[];
/*
 * The registry key of the snapshot, HKLM\SOFTWARE\...\NAME\@backend, as
 * PowerShell's registry provider names it (@provider: "HKLM:\...") or as
 * reg.exe does.
 */
void ps_windows_snapshot_key(struct ps_buf *b, const struct ps_render *r, const char *backend,
			     bool provider);

/*
 * One line, for the header of a complete script: what running it replaces
 * and what its default block cuts.
 */
void ps_windows_replaces(struct ps_buf *b, const struct ps_render *r, const char *prefix,
			 const char *eol);

/* ---- the shared render ---- */

struct ps_windows;

/* The values of enum portspec_protocol (0 to PORTSPEC_ICMPV6), for counting by protocol. */
#define PS_WINDOWS_PROTOCOLS (PORTSPEC_ICMPV6 + 1)

/* What one script type (cmd.exe or PowerShell) writes where the two differ. */
struct ps_windows_target {
	const char *backend;    /* "netsh": in messages and the snapshot key */
	const char *prefix;     /* a comment line starts with it: "rem ", "# " */
	const char *eol;        /* line end: "\r\n" (cmd) or "\n" */
	const char *text_chars; /* what ps_text_filtered() keeps in comments */
	size_t text_max;        /* the longest spec text a comment carries */
	bool interfaces;        /* can match an interface by name */
	bool one_icmp_type;     /* a rule takes one ICMP type only */
	/* the command that turns on the stateful FTP filter, and the log of drops */
	const char *ftp_command;
	const char *log_command;
	/* The first lines, before the spec's. */
	void (*title)(struct ps_windows *w);
	/* The header after the spec's lines, before its notes: shape, what a
	 * run replaces, how to run it. */
	void (*about)(struct ps_windows *w);
	/* After the header, before the first rule. */
	void (*start)(struct ps_windows *w);
	/* The rule of plan entry @index after its comment line; @labels: the
	 * services it serves (ps_entry_labels(), at most text_max bytes). */
	enum portspec_status (*rule)(struct ps_windows *w, size_t index, const char *labels);
	/* After the last rule: settings, logging, the rest of the script. */
	void (*finish)(struct ps_windows *w, size_t rules);
};

/* The state of one render, for the target's callbacks. */
struct ps_windows {
	const struct ps_windows_target *t;
	struct ps_render *r;
	struct ps_buf *out;
	const struct portspec_plan *plan;
	const struct portspec_spec *spec;
	const struct portspec_profile *profile;
	bool fragment;
	bool ftp; /* some rule needs the stateful FTP filter */
	/* the rule being written: its entry, and its number among the rules of
	 * its direction, zone, protocol and family (1, 2, ...); tags counts them */
	const struct portspec_plan_entry *entry;
	unsigned tag;
	unsigned tags[2 * PS_MAX_ZONES * PS_WINDOWS_PROTOCOLS * 2];
};

/*
 * For the rule callback, the tag of the rule being written: in-inside-tcp-v4,
 * with -2, -3 ... for further rules of that direction, zone, protocol and
 * family.  Only FLOW entries of the render's shape count.
 */
void ps_windows_rule_tag(struct ps_buf *b, const struct ps_windows *w);
/* NAME-TAG: the PowerShell display name of that rule. */
void ps_windows_rule_name(struct ps_buf *b, const struct ps_windows *w);

/* Renders @r as a script of target @t. */
enum portspec_status ps_windows_render(struct ps_render *r, const struct ps_windows_target *t);

/* @s then the line end. */
void ps_windows_line(struct ps_windows *w, const char *s);
/* A comment line: the prefix, @label, @text filtered for comments, the line end. */
void ps_windows_comment(struct ps_windows *w, const char *label, const char *text);
/*
 * For the finish callback: the settings the rules need, in both shapes (the
 * FTP filter), and for a complete script logging and the ICMP errors note:
 * log=drops turns on Windows firewall's log of dropped packets (it has no
 * rate limit; removing the rules restores the setting of before); log=none
 * leaves the logging as it is.
 */
void ps_windows_settings_lines(struct ps_windows *w);
void ps_windows_logging_lines(struct ps_windows *w);

#endif
