/* SPDX-License-Identifier: MIT */
/*
 * The rule plan as JSON (docs/portspec-plan.schema.json): every entry of
 * the mode's plan, the hooks' default verdicts and the plan's warnings.  The
 * data every rule backend formats, for tools, tests and the audit.  Keys are
 * only ever added.
 */
#include <stdint.h>
#include <stdlib.h>

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

struct svc_at {
	const struct portspec_service *svc;
	size_t at; /* position of the flow in the entry */
};

static int by_service_then_position(const void *a, const void *b)
{
	const struct svc_at *x = a, *y = b;
	uintptr_t sx = (uintptr_t)x->svc, sy = (uintptr_t)y->svc;
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static int by_position(const void *a, const void *b)
{
	const struct svc_at *x = a, *y = b;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Each service of the ranges once, in the order of its first flow.  Sorting
 * keeps this n log n: an entry of a large spec serves thousands of flows,
 * and comparing each with all before it was quadratic. */
static void services(struct ps_buf *b, const struct portspec_plan_port *ports, size_t nports)
{
	size_t total;
	const struct portspec_flow *const *all = ps_ranges_flows(ports, nports, &total);
	if (!total)
		return;
	struct svc_at *v = ps_malloc(total * sizeof(*v));
	if (!v) {
		b->failed = true;
		return;
	}
	for (size_t i = 0; i < total; i++)
		v[i] = (struct svc_at){portspec_flow_service(all[i]), i};
	qsort(v, total, sizeof(*v), by_service_then_position);
	size_t n = 0;
	for (size_t i = 0; i < total; i++)
		if (i == 0 || v[i].svc != v[i - 1].svc)
			v[n++] = v[i];
	qsort(v, n, sizeof(*v), by_position);
	for (size_t i = 0; i < n; i++) {
		ps_buf_puts(b, i ? ", " : "");
		ps_doc_json_str(b, portspec_service_name(v[i].svc));
	}
	ps_free(v);
}

static void ranges_json(struct ps_buf *b, const struct portspec_plan_port *v, size_t n)
{
	ps_buf_putc(b, '[');
	for (size_t p = 0; p < n; p++) {
		ps_buf_printf(b, "%s{\"first\": %u, \"last\": %u, \"services\": [", p ? ", " : "",
			      v[p].first, v[p].last);
		services(b, &v[p], 1);
		ps_buf_puts(b, "]}");
	}
	ps_buf_putc(b, ']');
}

static void entry(struct ps_buf *b, const struct portspec_plan_entry *e)
{
	ps_buf_printf(b, "  {\"kind\": \"%s\", \"complete_only\": %s, \"hook\": \"%s\", \"direction\": ",
		      portspec_entry_kind_name(e->kind), e->complete_only ? "true" : "false",
		      portspec_hook_name(e->hook));
	ps_doc_json_str(b, portspec_direction_name(e->direction));
	ps_buf_printf(b, ", \"family\": %u, \"protocol\": ", e->family);
	ps_doc_json_str(b, portspec_protocol_name(e->protocol));
	ps_buf_puts(b, ",\n   \"ports\": ");
	ranges_json(b, e->ports, e->port_count);
	ps_buf_puts(b, ",\n   \"remote\": ");
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
	size_t nr;
	const struct portspec_plan_port *r = ps_plan_entry_ranges(e, &nr);
	services(b, r, nr);
	ps_buf_puts(b, "],\n   \"icmp_types\": ");
	ranges_json(b, e->icmp_types, e->icmp_type_count);
	ps_buf_puts(b, "}");
}

static enum portspec_warning_kind plan_warning_kind(const void *plan, size_t i)
{
	return portspec_plan_warning_kind(plan, i);
}

static const char *plan_warning_text(const void *plan, size_t i)
{
	return portspec_plan_warning(plan, i);
}

static enum portspec_status render_plan(struct ps_render *r)
{
	static const enum portspec_hook hooks[] = {PORTSPEC_HOOK_INPUT, PORTSPEC_HOOK_FORWARD,
						   PORTSPEC_HOOK_OUTPUT};
	const struct portspec_plan *plan = ps_render_plan(r);
	struct ps_buf *b = r->out;
	ps_buf_printf(b, "{\"mode\": \"%s\",\n \"hooks\": [",
		      r->mode == PORTSPEC_MODE_HOST ? "host" : "gateway");
	for (size_t h = 0; h < PS_COUNTOF(hooks); h++) {
		const char *log = portspec_plan_log_prefix(plan, hooks[h]);
		ps_buf_printf(b, "%s{\"hook\": \"%s\", \"drop\": %s, \"log\": ", h ? ", " : "",
			      portspec_hook_name(hooks[h]),
			      portspec_plan_hook_drops(plan, hooks[h]) ? "true" : "false");
		if (log) {
			ps_buf_puts(b, "{\"prefix\": ");
			ps_doc_json_str(b, log);
			ps_buf_printf(b, ", \"per_minute\": %u, \"burst\": %u}",
				      PORTSPEC_LOG_PER_MINUTE, PORTSPEC_LOG_BURST);
		} else {
			ps_buf_puts(b, "null");
		}
		ps_buf_putc(b, '}');
	}
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
	ps_buf_puts(b, "],\n \"diagnostics\": ");
	ps_doc_json_warnings(b, portspec_plan_warning_count(plan), plan_warning_kind,
			     plan_warning_text, plan, "  ");
	ps_buf_puts(b, "}\n");
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
