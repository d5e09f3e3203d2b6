/* SPDX-License-Identifier: MIT */
/* What the netsh and PowerShell backends share. */
#include <string.h>

#include "windows.h"

bool ps_windows_is_rule(const struct ps_render *r, const struct portspec_plan_entry *e)
{
	return e->kind == PORTSPEC_ENTRY_FLOW && ps_render_has(r, e);
}

/* The slot of ps_windows.tags that counts the rules of @e's direction, zone,
 * protocol and family. */
static size_t tag_slot(const struct portspec_plan_entry *e)
{
	size_t slot = e->direction == PORTSPEC_INBOUND ? 0 : 1;
	slot = slot * PS_MAX_ZONES + e->zone->index;
	slot = slot * PS_WINDOWS_PROTOCOLS + (size_t)e->protocol;
	return slot * 2 + (e->family == 6);
}

void ps_windows_rule_tag(struct ps_buf *b, const struct ps_windows *w)
{
	const struct portspec_plan_entry *e = w->entry;
	ps_buf_cat(b, e->direction == PORTSPEC_INBOUND ? "in-" : "out-",
		   portspec_zone_name(e->zone), "-", portspec_protocol_name(e->protocol),
		   e->family == 4 ? "-v4" : "-v6", NULL);
	if (w->tag > 1) {
		ps_buf_putc(b, '-');
		ps_buf_put_uint(b, w->tag);
	}
}

void ps_windows_rule_name(struct ps_buf *b, const struct ps_windows *w)
{
	ps_buf_cat(b, w->r->name, "-", NULL);
	ps_windows_rule_tag(b, w);
}

/*
 * Every setting a run of either backend may change, per firewall profile.
 * The snapshot keeps them all, whichever shape the first run had, since a
 * later run of another shape may change more of them.
 */
const char ps_windows_settings[] =
	"$Settings = @('Enabled', 'DefaultInboundAction', 'DefaultOutboundAction', "
	"'AllowLocalFirewallRules', 'LogAllowed', 'LogBlocked', 'LogFileName', "
	"'LogMaxSizeKilobytes')";

const char ps_windows_have_snapshot[] =
	"((Test-Path -LiteralPath $Key) -and "
	"((Get-Item -LiteralPath $Key).Property -contains 'Complete'))";

/* Values as strings, as Get-NetFirewallProfile prints them ("NotConfigured"
 * included), so that Set-NetFirewallProfile takes them back as they were;
 * 'Complete' last, so that an interrupted snapshot is taken again. */
const char *const ps_windows_save_snapshot[] = {
	"New-Item -Path $Key -Force | Out-Null",
	"foreach ($p in @(Get-NetFirewallProfile @Store)) { foreach ($s in $Settings) { "
	"New-ItemProperty -LiteralPath $Key -Name ($p.Name + '.' + $s) -PropertyType String "
	"-Value ([string]$p.$s) -Force | Out-Null } }",
	"New-ItemProperty -LiteralPath $Key -Name 'Global.EnableStatefulFtp' -PropertyType String "
	"-Value ([string](Get-NetFirewallSetting @Store).EnableStatefulFtp) -Force | Out-Null",
	"New-ItemProperty -LiteralPath $Key -Name 'Complete' -PropertyType String -Value 'yes' "
	"-Force | Out-Null",
	NULL,
};

/* Only what differs is set: what a run never changed is never written. */
const char *const ps_windows_restore_snapshot[] = {
	"$Snap = Get-ItemProperty -LiteralPath $Key",
	"foreach ($p in @(Get-NetFirewallProfile @Store)) { foreach ($s in $Settings) { "
	"$v = $Snap.($p.Name + '.' + $s); if ([string]$p.$s -ne $v) { "
	"$a = @{ Name = $p.Name }; $a[$s] = $v; Set-NetFirewallProfile @a @Store } } }",
	"$v = $Snap.'Global.EnableStatefulFtp'",
	"if ([string](Get-NetFirewallSetting @Store).EnableStatefulFtp -ne $v) { "
	"Set-NetFirewallSetting -EnableStatefulFtp $v @Store }",
	NULL,
};

void ps_windows_snapshot_key(struct ps_buf *b, const struct ps_render *r, const char *backend,
			     bool provider)
{
	ps_buf_printf(b, "HKLM%s\\%s\\%s\\%s", provider ? ":" : "", PS_WINDOWS_SNAPSHOT_ROOT,
		      r->name, backend);
}

void ps_windows_replaces(struct ps_buf *b, const struct ps_render *r, const char *prefix,
			 const char *eol)
{
	if (r->flags & PORTSPEC_RENDER_FRAGMENT)
		ps_buf_printf(b,
			      "%sReplaces: every rule of an earlier run of %s, whatever its "
			      "profile; the default policies stay as they are.%s",
			      prefix, r->name, eol);
	else
		ps_buf_printf(b,
			      "%sReplaces: every rule of an earlier run of %s, whatever its "
			      "profile; then every firewall profile is on with default block "
			      "inbound and outbound: traffic no allow rule admits is dropped, "
			      "Windows Update and name resolution included.%s",
			      prefix, r->name, eol);
}

enum portspec_status ps_windows_check(const struct ps_render *r, const char *backend,
				      bool interfaces, bool *ftp)
{
	const struct portspec_plan *plan = ps_render_plan(r);
	if (r->mode != PORTSPEC_MODE_HOST)
		return ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				    "%s renders Windows host firewall rules only; use --mode host "
				    "(gateway mode needs a router backend)", backend);
	*ftp = false;
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		if (e->kind != PORTSPEC_ENTRY_FLOW)
			continue;
		const struct portspec_service *svc = ps_entry_service(e);
		if (e->helper && strcmp(e->helper, "ftp") != 0)
			return ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
					    "%s: service %s needs the '%.32s' connection helper, "
					    "which Windows firewall does not have",
					    backend, portspec_service_name(svc), e->helper);
		if (e->helper)
			*ftp = true;
		if (!interfaces && (e->iif || e->oif))
			return ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
					    "%s: the rules for zone %s match interface %s, and netsh "
					    "advfirewall cannot match an interface by name; use the "
					    "powershell backend (-InterfaceAlias), or leave interface= "
					    "unset",
					    backend, portspec_zone_name(e->zone),
					    e->iif ? e->iif : e->oif);
	}
	return PORTSPEC_OK;
}

/* The types of an ICMP entry as "8", "13", ..., each in @quote. */
static void icmp_type_list(struct ps_buf *out, const struct portspec_plan_entry *e,
			   const char *sep, const char *quote)
{
	size_t n = 0;
	for (size_t i = 0; i < e->icmp_type_count; i++)
		for (unsigned t = e->icmp_types[i].first; t <= e->icmp_types[i].last; t++) {
			ps_buf_cat(out, n++ ? sep : "", quote, NULL);
			ps_buf_put_uint(out, t);
			ps_buf_puts(out, quote);
		}
}

void ps_windows_protocol(struct ps_buf *out, const struct portspec_plan_entry *e, bool netsh)
{
	bool inbound = e->direction == PORTSPEC_INBOUND;
	if (ps_protocol_is_icmp(e->protocol)) {
		const char *v = e->protocol == PORTSPEC_ICMP ? "4" : "6";
		if (netsh) {
			ps_buf_cat(out, "protocol=icmpv", v, ":", NULL);
			icmp_type_list(out, e, ",", "");
			ps_buf_puts(out, ",any");
		} else {
			ps_buf_cat(out, "-Protocol ICMPv", v, " -IcmpType @(", NULL);
			icmp_type_list(out, e, ", ", "'");
			ps_buf_puts(out, ")");
		}
		return;
	}
	const char *proto = e->protocol == PORTSPEC_TCP ? "TCP" : "UDP";
	if (netsh) {
		ps_buf_cat(out, "protocol=", proto, inbound ? " localport=" : " remoteport=", NULL);
		ps_port_list(out, e->ports, e->port_count, ",", "-", "");
	} else {
		ps_buf_cat(out, "-Protocol ", proto, inbound ? " -LocalPort @(" : " -RemotePort @(",
			   NULL);
		ps_port_list(out, e->ports, e->port_count, ", ", "-", "'");
		ps_buf_puts(out, ")");
	}
}

enum portspec_status ps_windows_check_icmp(const struct ps_render *r, const char *backend)
{
	const struct portspec_plan *plan = ps_render_plan(r);
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		if (e->kind != PORTSPEC_ENTRY_FLOW || !ps_protocol_is_icmp(e->protocol) ||
		    (e->icmp_type_count == 1 && e->icmp_types[0].first == e->icmp_types[0].last))
			continue;
		return ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				    "%s: the %s rule %s zone %s admits several ICMP types, and a "
				    "netsh rule takes one; use the powershell backend (-IcmpType)",
				    backend, portspec_protocol_name(e->protocol), ps_entry_way(e),
				    portspec_zone_name(e->zone));
	}
	return PORTSPEC_OK;
}

void ps_windows_icmp_errors_note(struct ps_buf *out, const char *prefix, const char *eol)
{
	ps_buf_printf(out,
		      "%sICMP errors of existing connections: Windows firewall relates none to a%s"
		      "%sconnection; its predefined Core Networking rules admit the ones that%s"
		      "%skeep connections working (IPv4 fragmentation needed, IPv6 destination%s"
		      "%sunreachable, packet too big, time exceeded, parameter problem): keep%s"
		      "%sthat group enabled.%s",
		      prefix, eol, prefix, eol, prefix, eol, prefix, eol, prefix, eol);
}

/* ---- the shared render ---- */

void ps_windows_line(struct ps_windows *w, const char *s)
{
	ps_buf_puts(w->out, s);
	ps_buf_puts(w->out, w->t->eol);
}

void ps_windows_comment(struct ps_windows *w, const char *label, const char *text)
{
	ps_buf_puts(w->out, w->t->prefix);
	ps_buf_puts(w->out, label);
	ps_text_filtered(w->out, text, w->t->text_chars, w->t->text_max);
	ps_buf_puts(w->out, w->t->eol);
}

/* A comment line of fixed text. */
static void note_line(struct ps_windows *w, const char *text)
{
	ps_buf_puts(w->out, w->t->prefix);
	ps_windows_line(w, text);
}

/*
 * The header: the target's title, then what both scripts say of the spec,
 * the profile and the target, the target's shape and usage lines, and the
 * plan's notes.  (Not ps_render_header(): its lines keep every printable
 * character of the spec's strings, and cmd.exe expands % and ! and treats
 * & | < > ^ as operators even on rem lines; these keep the filter of the
 * target's comments.)
 */
static void header(struct ps_windows *w)
{
	const struct portspec_spec *spec = w->spec;
	w->t->title(w);
	ps_windows_comment(w, "Spec: ",
			   portspec_spec_name(spec) ? portspec_spec_name(spec) : "(unnamed)");
	if (portspec_spec_version(spec))
		ps_windows_comment(w, "Version: ", portspec_spec_version(spec));
	ps_windows_comment(w, "Spec file: ", portspec_spec_filename(spec));
	ps_buf_printf(w->out, "%sProfile: role %s, %s%s", w->t->prefix,
		      portspec_role_name(portspec_profile_role(w->profile)),
		      portspec_profile_uses_examples(w->profile)
			      ? "example addresses (documentation ranges): set your own"
			      : "site addresses",
		      w->t->eol);
	note_line(w, "Mode: host (the Windows host firewall of the appliance).");
	note_line(w, "Target: Windows Defender Firewall, which filters through the Windows "
		     "Filtering Platform.");
	w->t->about(w);
	for (size_t i = 0; i < portspec_plan_warning_count(w->plan); i++)
		ps_windows_comment(w, "Note: ", portspec_plan_warning(w->plan, i));
}

/* The comment line of the rule of entry @e, then the rule. */
static enum portspec_status put_rule(struct ps_windows *w, size_t index)
{
	const struct portspec_plan_entry *e = portspec_plan_entry(w->plan, index);
	struct ps_buf labels;

	w->entry = e;
	w->tag = ++w->tags[tag_slot(e)];

	ps_buf_init(&labels);
	ps_entry_labels(&labels, e, w->t->text_max);
	ps_entry_comment_start(w->out, w->t->prefix, e);
	ps_text_filtered(w->out, labels.data ? labels.data : "", w->t->text_chars,
			 w->t->text_max);
	ps_buf_puts(w->out, w->t->eol);
	enum portspec_status st = labels.failed ? PORTSPEC_E_NOMEM
						: w->t->rule(w, index, labels.data ? labels.data : "");
	ps_buf_release(&labels);
	return st;
}

void ps_windows_settings_lines(struct ps_windows *w)
{
	if (!w->ftp)
		return;
	note_line(w, "4. Settings. FTP data connections: the stateful FTP filter of Windows "
		     "firewall.");
	ps_windows_line(w, w->t->ftp_command);
}

void ps_windows_logging_lines(struct ps_windows *w)
{
	if (w->fragment)
		return;
	ps_windows_icmp_errors_note(w->out, w->t->prefix, w->t->eol);
	if (!portspec_plan_log_prefix(w->plan, PORTSPEC_HOOK_INPUT))
		return;
	note_line(w, "log=drops: Windows firewall logs the packets it drops (pfirewall.log).");
	ps_windows_line(w, w->t->log_command);
}

enum portspec_status ps_windows_render(struct ps_render *r, const struct ps_windows_target *t)
{
	struct ps_windows w = {
		.t = t,
		.r = r,
		.out = r->out,
		.plan = ps_render_plan(r),
		.spec = portspec_policy_spec(r->policy),
		.profile = portspec_policy_profile(r->policy),
		.fragment = (r->flags & PORTSPEC_RENDER_FRAGMENT) != 0,
	};
	enum portspec_status st = ps_windows_check(r, t->backend, t->interfaces, &w.ftp);
	size_t rules = 0;
	if (!st && t->one_icmp_type)
		st = ps_windows_check_icmp(r, t->backend);
	if (st)
		return st;
	header(&w);
	t->start(&w);
	for (size_t i = 0; i < portspec_plan_entry_count(w.plan); i++) {
		if (!ps_windows_is_rule(r, portspec_plan_entry(w.plan, i)))
			continue;
		st = put_rule(&w, i);
		if (st)
			return st;
		rules++;
	}
	t->finish(&w, rules);
	return PORTSPEC_OK;
}
