/* SPDX-License-Identifier: MIT */
/* What the netsh and PowerShell backends share. */
#include <string.h>

#include "windows-common.h"

static void item(struct ps_buf *out, size_t i, const char *sep, const char *quote)
{
	if (i)
		ps_buf_puts(out, sep);
	ps_buf_puts(out, quote);
}

void ps_windows_remote_list(struct ps_buf *out, const struct portspec_plan_entry *e,
			    const char *sep, const char *quote)
{
	const struct portspec_addrset *a = &e->remote;
	if (a->match == PORTSPEC_ADDR_IN) {
		for (size_t i = 0; i < a->cidr_count; i++) {
			item(out, i, sep, quote);
			ps_addr_cidr_append(out, &a->cidrs[i]);
			ps_buf_puts(out, quote);
		}
		return;
	}
	for (size_t i = 0; i < a->matched_count; i++) {
		item(out, i, sep, quote);
		ps_addr_range_append(out, &a->matched[i]);
		ps_buf_puts(out, quote);
	}
}

void ps_windows_port_list(struct ps_buf *out, const struct portspec_plan_entry *e,
			  const char *sep, const char *quote)
{
	for (size_t i = 0; i < e->port_count; i++) {
		item(out, i, sep, quote);
		if (e->ports[i].first == e->ports[i].last)
			ps_buf_printf(out, "%u", e->ports[i].first);
		else
			ps_buf_printf(out, "%u-%u", e->ports[i].first, e->ports[i].last);
		ps_buf_puts(out, quote);
	}
}

bool ps_windows_is_rule(const struct ps_render *r, const struct portspec_plan_entry *e)
{
	return e->kind == PORTSPEC_ENTRY_FLOW && ps_render_has(r, e);
}

static bool same_base(const struct portspec_plan_entry *a, const struct portspec_plan_entry *b)
{
	return a->direction == b->direction && a->zone == b->zone && a->protocol == b->protocol &&
	       a->family == b->family;
}

void ps_windows_rule_tag(struct ps_buf *b, const struct ps_render *r, size_t index)
{
	const struct portspec_plan *plan = ps_render_plan(r);
	const struct portspec_plan_entry *e = portspec_plan_entry(plan, index);
	unsigned k = 1;
	for (size_t i = 0; i < index; i++) {
		const struct portspec_plan_entry *f = portspec_plan_entry(plan, i);
		k += ps_windows_is_rule(r, f) && same_base(f, e);
	}
	ps_buf_printf(b, "%s-%s-%s-v%u", e->direction == PORTSPEC_INBOUND ? "in" : "out",
		      portspec_zone_name(e->zone), portspec_protocol_name(e->protocol), e->family);
	if (k > 1)
		ps_buf_printf(b, "-%u", k);
}

void ps_windows_rule_name(struct ps_buf *b, const struct ps_render *r, size_t index)
{
	ps_buf_printf(b, "%s-", r->name);
	ps_windows_rule_tag(b, r, index);
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
		const struct portspec_service *svc = portspec_flow_service(e->ports[0].flows[0]);
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
