/* SPDX-License-Identifier: MIT */
/*
 * What the netsh and PowerShell backends share: the check of what the
 * Windows host firewall can express, and the remote addresses of a plan
 * entry as Windows wants them.
 */
#ifndef PORTSPEC_BACKENDS_WINDOWS_COMMON_H
#define PORTSPEC_BACKENDS_WINDOWS_COMMON_H

#include "common.h"

/*
 * The remote addresses an entry matches, for a firewall without negation and
 * where an empty list means "any": listed networks as CIDRs, a complement as
 * the ranges it matches, "any" as the whole range of the entry's family
 * (never the word "any", which would take in the other family too).  Each
 * item is appended as @quote item @quote, separated by @sep.
 */
void ps_windows_remote_list(struct ps_buf *out, const struct portspec_plan_entry *e,
			    const char *sep, const char *quote);

/* The destination ports of an entry: "22,25,1000-2000", each item in @quote. */
void ps_windows_port_list(struct ps_buf *out, const struct portspec_plan_entry *e,
			  const char *sep, const char *quote);

/*
 * The tag of the rule for plan entry @index: in-inside-tcp-v4, with -2, -3
 * ... for further rules of that direction, zone, protocol and family.  Only
 * FLOW entries of the render's shape count.
 */
void ps_windows_rule_tag(struct ps_buf *b, const struct ps_render *r, size_t index);
/* NAME-TAG: the PowerShell display name of that rule. */
void ps_windows_rule_name(struct ps_buf *b, const struct ps_render *r, size_t index);
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

#endif
