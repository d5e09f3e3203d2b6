/* SPDX-License-Identifier: MIT */
/*
 * The rule plan as JSON (docs/portspec-plan.schema.json): every entry of
 * the mode's plan, the hooks' default verdicts and the plan's warnings.  The
 * data every rule backend formats, for tools, tests and the audit.  Keys are
 * only ever added.
 */
#include "doc-common.h"

static void range(struct ps_buf *b, const struct portspec_addr_range *r)
{
	ps_buf_puts(b, "[\"");
	ps_addr_append(b, r->family, r->first);
	ps_buf_puts(b, "\", \"");
	ps_addr_append(b, r->family, r->last);
	ps_buf_puts(b, "\"]");
}

static void ranges(struct ps_buf *b, const struct portspec_addr_range *v, size_t n)
{
	ps_buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		ps_buf_puts(b, i ? ", " : "");
		range(b, &v[i]);
	}
	ps_buf_putc(b, ']');
}

static void addrset(struct ps_buf *b, const struct portspec_addrset *s)
{
	ps_buf_printf(b, "{\"match\": \"%s\", \"ranges\": ", portspec_addr_match_name(s->match));
	ranges(b, s->ranges, s->range_count);
	ps_buf_puts(b, ", \"cidrs\": [");
	for (size_t i = 0; i < s->cidr_count; i++) {
		ps_buf_puts(b, i ? ", \"" : "\"");
		ps_addr_cidr_append(b, &s->cidrs[i]);
		ps_buf_putc(b, '"');
	}
	ps_buf_puts(b, "], \"matched\": ");
	ranges(b, s->matched, s->matched_count);
	ps_buf_puts(b, ", \"label\": ");
	ps_doc_json_str(b, s->label);
	ps_buf_putc(b, '}');
}

static void services(struct ps_buf *b, const struct portspec_plan_port *ports, size_t nports)
{
	/* each service once: the flows of an entry are consecutive, check the earlier ones */
	size_t n = 0;
	const struct portspec_flow *const *all = nports ? ports[0].flows : NULL;
	size_t total = nports ? (size_t)(ports[nports - 1].flows - all) +
					ports[nports - 1].flow_count
			      : 0;
	for (size_t i = 0; i < total; i++) {
		const struct portspec_service *svc = portspec_flow_service(all[i]);
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = portspec_flow_service(all[j]) == svc;
		if (seen)
			continue;
		ps_buf_puts(b, n++ ? ", " : "");
		ps_doc_json_str(b, portspec_service_name(svc));
	}
}

static void entry(struct ps_buf *b, const struct portspec_plan_entry *e)
{
	ps_buf_printf(b, "  {\"kind\": \"%s\", \"complete_only\": %s, \"hook\": \"%s\", \"direction\": ",
		      portspec_entry_kind_name(e->kind), e->complete_only ? "true" : "false",
		      portspec_hook_name(e->hook));
	ps_doc_json_str(b, portspec_direction_name(e->direction));
	ps_buf_printf(b, ", \"family\": %u, \"protocol\": ", e->family);
	ps_doc_json_str(b, portspec_protocol_name(e->protocol));
	ps_buf_puts(b, ",\n   \"ports\": [");
	for (size_t p = 0; p < e->port_count; p++) {
		const struct portspec_plan_port *port = &e->ports[p];
		ps_buf_printf(b, "%s{\"first\": %u, \"last\": %u, \"services\": [", p ? ", " : "",
			      port->first, port->last);
		services(b, port, 1);
		ps_buf_puts(b, "]}");
	}
	ps_buf_puts(b, "],\n   \"remote\": ");
	addrset(b, &e->remote);
	ps_buf_puts(b, ",\n   \"local\": ");
	addrset(b, &e->local);
	ps_buf_puts(b, ",\n   \"iif\": ");
	ps_doc_json_str(b, e->iif);
	ps_buf_puts(b, ", \"oif\": ");
	ps_doc_json_str(b, e->oif);
	ps_buf_puts(b, ", \"helper\": ");
	ps_doc_json_str(b, e->helper);
	ps_buf_puts(b, ", \"zone\": ");
	ps_doc_json_str(b, e->zone ? portspec_zone_name(e->zone) : NULL);
	ps_buf_puts(b, ", \"services\": [");
	services(b, e->ports, e->port_count);
	ps_buf_puts(b, "]}");
}

static enum portspec_status render_plan(struct ps_render *r)
{
	static const enum portspec_hook hooks[] = {PORTSPEC_HOOK_INPUT, PORTSPEC_HOOK_FORWARD,
						   PORTSPEC_HOOK_OUTPUT};
	const struct portspec_plan *plan = ps_render_plan(r);
	struct ps_buf *b = r->out;
	ps_buf_printf(b, "{\"mode\": \"%s\",\n \"hooks\": [",
		      r->mode == PORTSPEC_MODE_HOST ? "host" : "gateway");
	for (size_t h = 0; h < 3; h++)
		ps_buf_printf(b, "%s{\"hook\": \"%s\", \"drop\": %s}", h ? ", " : "",
			      portspec_hook_name(hooks[h]),
			      portspec_plan_hook_drops(plan, hooks[h]) ? "true" : "false");
	ps_buf_puts(b, "],\n \"entries\": [\n");
	size_t n = 0;
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		if (!ps_render_has(r, e))
			continue;
		ps_buf_puts(b, n++ ? ",\n" : "");
		entry(b, e);
	}
	ps_buf_puts(b, "\n ],\n \"warnings\": [");
	for (size_t i = 0; i < portspec_plan_warning_count(plan); i++) {
		ps_buf_puts(b, i ? ",\n  " : "\n  ");
		ps_doc_json_str(b, portspec_plan_warning(plan, i));
	}
	ps_buf_puts(b, "]}\n");
	return PORTSPEC_OK;
}

const struct ps_backend ps_backend_plan = {
	.name = "plan",
	.kind = PORTSPEC_BACKEND_DOCUMENT,
	.description = "JSON: the rule plan of the mode, the packets every rule backend lets "
		       "through (docs/portspec-plan.schema.json)",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_plan,
};
