/* SPDX-License-Identifier: MIT */
/*
 * JSON: the policy as data.  The document is described by
 * docs/portspec-policy.schema.json and is stable: keys are only ever added,
 * in a new "portspec" format number when their meaning changes.  One array
 * element per line, keys in a fixed order, so that diffs read well.
 * A fragment is the bare array of flow objects.
 */
#include <string.h>

#include "doc-common.h"

/* Format number of the document (the "portspec" key). */
#define PS_JSON_FORMAT 1


static void json_cidrs(struct ps_buf *b, const struct portspec_cidr *items, size_t count)
{
	ps_buf_putc(b, '[');
	for (size_t i = 0; i < count; i++) {
		char text[PS_CIDR_TEXT_MAX];
		ps_buf_puts(b, i ? ", " : "");
		ps_doc_json_str(b, portspec_cidr_format(&items[i], text, sizeof(text)));
	}
	ps_buf_putc(b, ']');
}

static void json_flow(struct ps_buf *b, const struct portspec_flow *f)
{
	ps_buf_printf(b, "{\"direction\": \"%s\", \"zone\": ",
		      portspec_direction_name((enum portspec_direction)f->direction));
	ps_doc_json_str(b, f->zone->name);
	ps_buf_puts(b, ", \"interface\": ");
	ps_doc_json_str(b, f->interface);
	ps_buf_printf(b, ", \"protocol\": \"%s\", \"port\": %u, \"port_last\": %u, \"service\": ",
		      portspec_protocol_name((enum portspec_protocol)f->protocol),
		      (unsigned)f->first, (unsigned)f->last);
	ps_doc_json_str(b, f->service->name);
	ps_buf_printf(b, ", \"level\": \"%s\", \"either\": %s, \"addresses\": ",
		      portspec_level_name(f->service->level), f->either ? "true" : "false");
	json_cidrs(b, f->addresses, f->naddresses);
	ps_buf_putc(b, '}');
}

static void json_flows(struct ps_buf *b, const struct portspec_policy *p, const char *indent)
{
	ps_buf_putc(b, '[');
	for (size_t i = 0; i < p->nflows; i++) {
		ps_buf_printf(b, "%s\n%s  ", i ? "," : "", indent);
		json_flow(b, &p->flows[i]);
	}
	ps_buf_printf(b, "%s]", p->nflows ? "\n" : "");
	if (p->nflows)
		ps_buf_puts(b, indent);
}

static void json_spec(struct ps_buf *b, const struct portspec_spec *spec)
{
	ps_buf_puts(b, "  \"spec\": {\"name\": ");
	ps_doc_json_str(b, spec->name);
	ps_buf_puts(b, ", \"version\": ");
	ps_doc_json_str(b, spec->version);
	ps_buf_puts(b, ", \"source\": ");
	ps_doc_json_str(b, spec->source);
	ps_buf_puts(b, ", \"file\": ");
	ps_doc_json_str(b, spec->filename);
	ps_buf_puts(b, ", \"either_note\": ");
	ps_doc_json_str(b, spec->either_note);
	ps_buf_puts(b, "},\n");

	ps_buf_puts(b, "  \"zones\": [");
	for (size_t i = 0; i < spec->nzones; i++) {
		const struct portspec_zone *z = &spec->zones[i];
		ps_buf_printf(b, "%s\n    {\"name\": ", i ? "," : "");
		ps_doc_json_str(b, z->name);
		ps_buf_puts(b, ", \"title\": ");
		ps_doc_json_str(b, z->title);
		ps_buf_printf(b, ", \"kind\": \"%s\"}", portspec_zone_kind_name(z->kind));
	}
	ps_buf_puts(b, spec->nzones ? "\n  ],\n" : "],\n");

	ps_buf_puts(b, "  \"interfaces\": [");
	for (size_t i = 0; i < spec->nifaces; i++) {
		ps_buf_printf(b, "%s\n    {\"name\": ", i ? "," : "");
		ps_doc_json_str(b, spec->ifaces[i].name);
		ps_buf_puts(b, ", \"title\": ");
		ps_doc_json_str(b, spec->ifaces[i].title);
		ps_buf_puts(b, "}");
	}
	ps_buf_puts(b, spec->nifaces ? "\n  ],\n" : "],\n");
}

static void json_services(struct ps_buf *b, const struct portspec_policy *p)
{
	const struct portspec_spec *spec = p->spec;
	ps_buf_puts(b, "  \"services\": [");
	for (size_t i = 0; i < spec->nservices; i++) {
		const struct portspec_service *s = &spec->services[i];
		ps_buf_printf(b, "%s\n    {\"name\": ", i ? "," : "");
		ps_doc_json_str(b, s->name);
		ps_buf_printf(b, ", \"level\": \"%s\", \"in_policy\": %s, \"ports\": [",
			      portspec_level_name(s->level),
			      ps_doc_service_used(p, s) ? "true" : "false");
		for (size_t k = 0; k < s->nports; k++)
			ps_buf_printf(b, "%s{\"protocol\": \"%s\", \"first\": %u, \"last\": %u}",
				      k ? ", " : "",
				      portspec_protocol_name((enum portspec_protocol)s->ports[k].proto),
				      (unsigned)s->ports[k].first, (unsigned)s->ports[k].last);
		ps_buf_puts(b, "], \"helper\": ");
		ps_doc_json_str(b, s->helper);
		ps_buf_puts(b, ", \"title\": ");
		ps_doc_json_str(b, s->title);
		ps_buf_puts(b, ", \"description\": ");
		ps_doc_json_str(b, s->description);
		ps_buf_puts(b, ", \"note\": ");
		ps_doc_json_str(b, s->note);
		ps_buf_puts(b, ", \"either_notes\": [");
		for (size_t z = 0, n = 0; s->either_notes && z < spec->nzones; z++) {
			if (!s->either_notes[z])
				continue;
			ps_buf_puts(b, n++ ? ", {\"zone\": " : "{\"zone\": ");
			ps_doc_json_str(b, spec->zones[z].name);
			ps_buf_puts(b, ", \"text\": ");
			ps_doc_json_str(b, s->either_notes[z]);
			ps_buf_putc(b, '}');
		}
		ps_buf_puts(b, "]}");
	}
	ps_buf_puts(b, spec->nservices ? "\n  ],\n" : "],\n");
}

static void json_profile(struct ps_buf *b, const struct portspec_policy *p)
{
	const struct portspec_profile *pr = p->profile;
	const struct portspec_spec *spec = p->spec;
	ps_buf_printf(b, "  \"profile\": {\"role\": \"%s\", \"examples\": %s, \"interface\": ",
		      portspec_role_name(pr->role),
		      portspec_profile_uses_examples(pr) ? "true" : "false");
	ps_doc_json_str(b, pr->interface);
	ps_buf_puts(b, ", \"appliance_interface\": ");
	ps_doc_json_str(b, pr->appliance_interface);
	ps_buf_puts(b, ", \"appliance\": ");
	json_cidrs(b, pr->appliance.items, pr->appliance.count);
	ps_buf_puts(b, ", \"zones\": [");
	for (size_t z = 0; z < spec->nzones; z++) {
		ps_buf_printf(b, "%s\n    {\"zone\": ", z ? "," : "");
		ps_doc_json_str(b, spec->zones[z].name);
		ps_buf_puts(b, ", \"interface\": ");
		ps_doc_json_str(b, pr->zone_interface ? pr->zone_interface[z] : NULL);
		ps_buf_puts(b, ", \"addresses\": ");
		if (pr->zone_addresses)
			json_cidrs(b, pr->zone_addresses[z].items, pr->zone_addresses[z].count);
		else
			ps_buf_puts(b, "[]");
		ps_buf_puts(b, "}");
	}
	ps_buf_puts(b, spec->nzones ? "\n  ]},\n" : "]},\n");
}

static enum portspec_warning_kind policy_warning_kind(const void *p, size_t i)
{
	return portspec_policy_warning_kind(p, i);
}

static const char *policy_warning_text(const void *p, size_t i)
{
	return portspec_policy_warning(p, i);
}

static enum portspec_status render_json(struct ps_render *r)
{
	const struct portspec_policy *p = r->policy;
	struct ps_buf *b = r->out;

	if (r->flags & PORTSPEC_RENDER_FRAGMENT) {
		json_flows(b, p, "");
		ps_buf_putc(b, '\n');
		return PORTSPEC_OK;
	}
	ps_buf_printf(b, "{\n  \"portspec\": %d,\n", PS_JSON_FORMAT);
	json_spec(b, p->spec);
	json_services(b, p);
	json_profile(b, p);
	ps_buf_puts(b, "  \"flows\": ");
	json_flows(b, p, "  ");
	size_t nw = portspec_policy_warning_count(p);
	ps_buf_puts(b, ",\n  \"warnings\": [");
	for (size_t i = 0; i < nw; i++) {
		ps_buf_printf(b, "%s\n    ", i ? "," : "");
		ps_doc_json_str(b, portspec_policy_warning(p, i));
	}
	ps_buf_puts(b, nw ? "\n  ],\n  \"diagnostics\": " : "],\n  \"diagnostics\": ");
	ps_doc_json_warnings(b, nw, policy_warning_kind, policy_warning_text, p, "    ");
	ps_buf_puts(b, "\n}\n");
	return PORTSPEC_OK;
}

const struct ps_backend ps_backend_json = {
	.name = "json",
	.kind = PORTSPEC_BACKEND_DOCUMENT,
	.description = "JSON: the policy's flows, services, zones and profile "
		       "(docs/portspec-policy.schema.json)",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_json,
};
