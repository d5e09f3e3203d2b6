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

void ps_windows_rule_name(struct ps_buf *b, const struct ps_render *r, size_t index)
{
	const struct portspec_plan *plan = ps_render_plan(r);
	const struct portspec_plan_entry *e = portspec_plan_entry(plan, index);
	unsigned k = 1;
	for (size_t i = 0; i < index; i++) {
		const struct portspec_plan_entry *f = portspec_plan_entry(plan, i);
		k += ps_windows_is_rule(r, f) && same_base(f, e);
	}
	ps_buf_printf(b, "%s-%s-%s-%s-v%u", r->name,
		      e->direction == PORTSPEC_INBOUND ? "in" : "out", portspec_zone_name(e->zone),
		      portspec_protocol_name(e->protocol), e->family);
	if (k > 1)
		ps_buf_printf(b, "-%u", k);
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
