/* SPDX-License-Identifier: MIT */
/*
 * Markdown: the vendor's document regenerated from a policy.  The picture's
 * per-zone port lists, the required/optional/cluster tables, every flow, the
 * site's profile and the warnings.  A fragment leaves out the title, so the
 * text can be pasted into a larger document.
 */
#include <string.h>

#include "doc-common.h"

/* Spec strings can hold anything: the Markdown escaper of doc-common.h. */
static void md_text(struct ps_buf *b, const char *s)
{
	ps_doc_text(b, PS_DOC_MARKDOWN, s);
}

static void md_buf(struct ps_buf *b, struct ps_buf *raw)
{
	if (raw->failed)
		b->failed = true;
	else if (raw->data)
		md_text(b, raw->data);
}

static void put_picture(struct ps_buf *b, const struct portspec_policy *p)
{
	const struct portspec_spec *spec = p->spec;
	struct ps_doc_group groups[PS_DOC_MAX_GROUPS];
	size_t ngroups = ps_doc_groups(p, groups, PS_DOC_MAX_GROUPS);
	bool either = false;

	ps_buf_puts(b, "## How to set up the firewall\n\n");
	if (ngroups == 0)
		ps_buf_puts(b, "This policy opens no ports.\n\n");
	for (size_t z = 0; z < spec->nzones; z++) {
		const struct portspec_zone *zone = &spec->zones[z];
		bool heading = false;
		for (size_t g = 0; g < ngroups; g++) {
			if (groups[g].zone != zone)
				continue;
			if (!heading) {
				ps_buf_puts(b, "### ");
				ps_doc_text_upper(b, PS_DOC_MARKDOWN, zone->title ? zone->title : zone->name);
				ps_buf_puts(b, "\n\n");
				heading = true;
			}
			struct ps_buf ports;
			ps_buf_init(&ports);
			ps_doc_ports(&ports, p, &groups[g], PORTSPEC_LEVEL_ANY);
			either |= ports.data && strchr(ports.data, '*');
			const char *iface = ps_doc_interface_title(spec, groups[g].interface);
			bool in = groups[g].direction == PORTSPEC_INBOUND;
			ps_buf_puts(b, in ? "INBOUND PORTS: " : "OUTBOUND PORTS: ");
			md_buf(b, &ports);
			ps_buf_puts(b, "  \nSOURCE: ");
			if (in)
				ps_doc_text_upper(b, PS_DOC_MARKDOWN, zone->name);
			else
				md_text(b, iface ? iface : "the appliance");
			ps_buf_puts(b, "  \nDESTINATION: ");
			if (in)
				md_text(b, iface ? iface : "the appliance");
			else
				ps_doc_text_upper(b, PS_DOC_MARKDOWN, zone->name);
			ps_buf_puts(b, "\n\n");
			ps_buf_release(&ports);
		}
	}
	if (either) {
		struct ps_buf note;
		ps_buf_init(&note);
		ps_doc_either_footnote(&note, p);
		ps_buf_puts(b, "\\*");
		md_buf(b, &note);
		ps_buf_release(&note);
		ps_buf_puts(b, "\n\n");
	}
}

static void put_service_table(struct ps_buf *b, const struct portspec_policy *p,
			      enum portspec_level level, const char *heading)
{
	const struct portspec_spec *spec = p->spec;
	size_t cursor = 0;
	if (!portspec_spec_next_service(spec, (unsigned)level, &cursor))
		return;
	ps_buf_printf(b, "## %s\n\n", heading);
	ps_buf_puts(b, "| Port number | Protocol or service name | Protocol or service description "
		       "| Service | Transport | In this policy |\n");
	ps_buf_puts(b, "| --- | --- | --- | --- | --- | --- |\n");
	cursor = 0;
	const struct portspec_service *svc;
	while ((svc = portspec_spec_next_service(spec, (unsigned)level, &cursor))) {
		ps_buf_puts(b, "| ");
		for (size_t i = 0; i < svc->nports; i++) {
			const struct ps_portrange *r = &svc->ports[i];
			/* "53/udp, 53/tcp" is one port number in the vendor's table. */
			bool dup = false;
			for (size_t k = 0; k < i && !dup; k++)
				dup = svc->ports[k].first == r->first && svc->ports[k].last == r->last;
			if (dup)
				continue;
			ps_buf_puts(b, i ? ", " : "");
			if (r->first == r->last)
				ps_buf_printf(b, "%u", (unsigned)r->first);
			else
				ps_buf_printf(b, "%u-%u", (unsigned)r->first, (unsigned)r->last);
		}
		ps_buf_puts(b, " | ");
		md_text(b, svc->title ? svc->title : svc->name);
		ps_buf_puts(b, " | ");
		if (svc->note) {
			ps_buf_puts(b, "(");
			md_text(b, svc->note);
			ps_buf_puts(b, ") ");
		}
		md_text(b, svc->description);
		ps_buf_puts(b, " | ");
		md_text(b, svc->name);
		ps_buf_puts(b, " | ");
		struct ps_buf ports;
		ps_buf_init(&ports);
		ps_doc_service_ports(&ports, svc);
		md_buf(b, &ports);
		ps_buf_release(&ports);
		ps_buf_puts(b, ps_doc_service_used(p, svc) ? " | yes |\n" : " | no |\n");
	}
	ps_buf_puts(b, "\n");
}

/* "10.0.0.0/8, 192.0.2.1", or @none for no addresses. */
static void put_cidr_items(struct ps_buf *b, const struct portspec_cidr *items, size_t n,
			   const char *none)
{
	if (n == 0)
		ps_buf_puts(b, none);
	for (size_t i = 0; i < n; i++) {
		char addr[PS_CIDR_TEXT_MAX];
		portspec_cidr_format(&items[i], addr, sizeof(addr));
		ps_buf_puts(b, i ? ", " : "");
		md_text(b, addr);
	}
}

/* Source, destination and the interfaces of flow @i, as table cells. */
static void put_path(struct ps_buf *b, const struct ps_render *r, size_t i,
		     const struct portspec_plan_entry *const *entries)
{
	struct ps_buf f[PS_DOC_PATH_FIELDS];
	ps_doc_flow_path(r, i, entries, f);
	for (size_t k = 0; k < PS_DOC_PATH_FIELDS; k++) {
		ps_buf_puts(b, " ");
		if (k >= PS_DOC_IN && !f[k].len && !f[k].failed)
			ps_buf_puts(b, "any");
		else
			md_buf(b, &f[k]);
		ps_buf_puts(b, " |");
		ps_buf_release(&f[k]);
	}
}

static void put_flows(struct ps_buf *b, const struct ps_render *r)
{
	const struct portspec_policy *p = r->policy;
	ps_buf_puts(b, "## Flows\n\n");
	if (p->nflows == 0) {
		ps_buf_puts(b, "None.\n\n");
		return;
	}
	const struct portspec_plan_entry **entries = ps_doc_entries_by_flow(r);
	if (!entries) {
		b->failed = true;
		return;
	}
	ps_buf_printf(b, "New connections in the direction shown; replies are allowed by connection "
			 "state.  Source, destination and interfaces are those of the %s rules.\n\n",
		      r->mode == PORTSPEC_MODE_HOST ? "host (on the appliance)"
						    : "gateway (a firewall in front of the appliance)");
	ps_buf_puts(b, "| Direction | Zone | Interface | Protocol | Port | Service | Level "
		       "| Addresses | Source | Destination | In | Out |\n");
	ps_buf_puts(b, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < p->nflows; i++) {
		const struct portspec_flow *f = &p->flows[i];
		ps_buf_printf(b, "| %s | ",
			      portspec_direction_name((enum portspec_direction)f->direction));
		md_text(b, f->zone->name);
		ps_buf_puts(b, " | ");
		const char *iface = ps_doc_interface_title(p->spec, f->interface);
		md_text(b, iface ? iface : "any");
		ps_buf_printf(b, " | %s | ", portspec_protocol_name((enum portspec_protocol)f->protocol));
		if (f->first == f->last)
			ps_buf_printf(b, "%u", (unsigned)f->first);
		else
			ps_buf_printf(b, "%u-%u", (unsigned)f->first, (unsigned)f->last);
		if (f->either)
			ps_buf_puts(b, "\\*");
		ps_buf_puts(b, " | ");
		md_text(b, f->service->name);
		ps_buf_printf(b, " | %s | ", portspec_level_name(f->service->level));
		put_cidr_items(b, f->addresses, f->naddresses, "whole zone");
		ps_buf_puts(b, " |");
		put_path(b, r, i, entries);
		ps_buf_puts(b, "\n");
	}
	ps_free(entries);
	ps_buf_puts(b, "\n");
}

static void put_cidrs(struct ps_buf *b, const struct ps_cidr_list *l)
{
	put_cidr_items(b, l->items, l->count, "none");
	if (l->example && l->count)
		ps_buf_puts(b, " (example)");
}

static void put_profile(struct ps_buf *b, const struct portspec_policy *p)
{
	const struct portspec_profile *pr = p->profile;
	const struct portspec_spec *spec = p->spec;

	ps_buf_puts(b, "## Site profile\n\n");
	ps_buf_printf(b, "- Cluster role: %s\n", portspec_role_name(pr->role));
	ps_buf_puts(b, "- Appliance addresses: ");
	put_cidrs(b, &pr->appliance);
	ps_buf_puts(b, "\n");
	if (pr->interface) {
		ps_buf_puts(b, "- Appliance interface: ");
		md_text(b, pr->interface);
		ps_buf_puts(b, "\n");
	}
	for (size_t z = 0; z < spec->nzones; z++) {
		const struct portspec_zone *zone = &spec->zones[z];
		if (zone->kind == PORTSPEC_ZONE_COMPLEMENT) {
			ps_buf_puts(b, "- Zone ");
			md_text(b, zone->name);
			ps_buf_puts(b, ": every address not in another zone");
		} else {
			ps_buf_puts(b, "- Zone ");
			md_text(b, zone->name);
			ps_buf_puts(b, zone->kind == PORTSPEC_ZONE_PEERS ? " peers: " : " networks: ");
			if (pr->zone_addresses)
				put_cidrs(b, &pr->zone_addresses[z]);
		}
		if (pr->zone_interface && pr->zone_interface[z]) {
			ps_buf_puts(b, " (interface ");
			md_text(b, pr->zone_interface[z]);
			ps_buf_puts(b, ")");
		}
		ps_buf_puts(b, "\n");
	}
	if (portspec_profile_uses_examples(pr))
		ps_buf_puts(b, "\nAddresses marked (example) are documentation examples: set the "
			       "site's own in a profile (portspec-profile(5)).\n");
	ps_buf_puts(b, "\n");
}

static enum portspec_status render_markdown(struct ps_render *r)
{
	const struct portspec_policy *p = r->policy;
	const struct portspec_spec *spec = p->spec;
	struct ps_buf *b = r->out;

	if (!(r->flags & PORTSPEC_RENDER_FRAGMENT)) {
		ps_buf_puts(b, "# ");
		md_text(b, spec->name ? spec->name : "portspec policy");
		if (spec->version) {
			ps_buf_puts(b, " ");
			md_text(b, spec->version);
		}
		ps_buf_puts(b, ": firewall port requirements\n\n");
		if (spec->source) {
			ps_buf_puts(b, "From ");
			md_text(b, spec->source);
			ps_buf_puts(b, ".  ");
		}
		ps_buf_printf(b, "Cluster role %s; %zu flows.\n\n", portspec_role_name(p->profile->role),
			      p->nflows);
	}
	put_picture(b, p);
	put_service_table(b, p, PORTSPEC_REQUIRED, "Required ports");
	put_service_table(b, p, PORTSPEC_OPTIONAL, "Optional ports");
	put_service_table(b, p, PORTSPEC_CLUSTER, "Cluster communications");
	put_flows(b, r);
	put_profile(b, p);
	if (portspec_policy_warning_count(p)) {
		ps_buf_puts(b, "## Warnings\n\n");
		for (size_t i = 0; i < portspec_policy_warning_count(p); i++) {
			bool note = portspec_warning_kind_is_note(portspec_policy_warning_kind(p, i));
			ps_buf_puts(b, note ? "- Note: " : "- Warning: ");
			md_text(b, portspec_policy_warning(p, i));
			ps_buf_puts(b, "\n");
		}
		ps_buf_puts(b, "\n");
	}
	return PORTSPEC_OK;
}

const struct ps_backend ps_backend_markdown = {
	.name = "markdown",
	.kind = PORTSPEC_BACKEND_DOCUMENT,
	.description = "Markdown document: the vendor's tables and port lists, every flow, the profile",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_markdown,
};
