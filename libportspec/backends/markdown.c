/* SPDX-License-Identifier: MIT */
/*
 * Markdown: the vendor's document regenerated from a policy.  The picture's
 * per-zone port lists, the required/optional/cluster tables, every flow, the
 * site's profile and the warnings.  A fragment leaves out the title, so the
 * text can be pasted into a larger document.
 */
#include <string.h>

#include "doc-common.h"

/*
 * Spec strings can hold anything.  Characters with a meaning in Markdown (or
 * in the HTML it may contain) are backslash-escaped; control characters,
 * which could end a table row or start a block, become spaces; bytes that
 * are not UTF-8 become U+FFFD.
 */
static void md_text(struct ps_buf *b, const char *s)
{
	while (s && *s) {
		unsigned char c = (unsigned char)*s;
		size_t n = ps_doc_utf8_len(s);
		if (n == 0) {
			ps_buf_puts(b, "\xef\xbf\xbd");
			s++;
			continue;
		}
		if (n > 1) {
			ps_buf_add(b, s, n);
			s += n;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			ps_buf_putc(b, ' ');
		else if (strchr("\\`*_[]<>|#~&$", c))
			ps_buf_printf(b, "\\%c", c);
		else
			ps_buf_putc(b, (char)c);
		s++;
	}
}

/* The same, upper-cased (ASCII), for the picture's headings. */
static void md_upper(struct ps_buf *b, const char *s)
{
	struct ps_buf t;
	ps_buf_init(&t);
	ps_buf_puts(&t, s ? s : "");
	for (size_t i = 0; t.data && i < t.len; i++)
		if (t.data[i] >= 'a' && t.data[i] <= 'z')
			t.data[i] = (char)(t.data[i] - 'a' + 'A');
	if (t.failed)
		b->failed = true;
	else
		md_text(b, t.data);
	ps_buf_release(&t);
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
				md_upper(b, zone->title ? zone->title : zone->name);
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
				md_upper(b, zone->name);
			else
				md_text(b, iface ? iface : "the appliance");
			ps_buf_puts(b, "  \nDESTINATION: ");
			if (in)
				md_text(b, iface ? iface : "the appliance");
			else
				md_upper(b, zone->name);
			ps_buf_puts(b, "\n\n");
			ps_buf_release(&ports);
		}
	}
	if (either) {
		ps_buf_puts(b, "\\*");
		md_text(b, spec->either_note ? spec->either_note
					     : "Can be served from either zone.");
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

static void put_flows(struct ps_buf *b, const struct portspec_policy *p)
{
	ps_buf_puts(b, "## Flows\n\n");
	if (p->nflows == 0) {
		ps_buf_puts(b, "None.\n\n");
		return;
	}
	ps_buf_puts(b, "New connections in the direction shown; replies are allowed by connection "
		       "state.\n\n");
	ps_buf_puts(b, "| Direction | Zone | Interface | Protocol | Port | Service | Level "
		       "| Addresses |\n");
	ps_buf_puts(b, "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
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
		if (f->naddresses == 0)
			ps_buf_puts(b, "whole zone");
		for (size_t a = 0; a < f->naddresses; a++) {
			char addr[64];
			portspec_cidr_format(&f->addresses[a], addr, sizeof(addr));
			ps_buf_puts(b, a ? ", " : "");
			md_text(b, addr);
		}
		ps_buf_puts(b, " |\n");
	}
	ps_buf_puts(b, "\n");
}

static void put_cidrs(struct ps_buf *b, const struct ps_cidr_list *l)
{
	if (l->count == 0)
		ps_buf_puts(b, "none");
	for (size_t i = 0; i < l->count; i++) {
		char addr[64];
		portspec_cidr_format(&l->items[i], addr, sizeof(addr));
		ps_buf_puts(b, i ? ", " : "");
		md_text(b, addr);
	}
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
	put_flows(b, p);
	put_profile(b, p);
	if (p->nwarnings) {
		ps_buf_puts(b, "## Warnings\n\n");
		for (size_t i = 0; i < p->nwarnings; i++) {
			ps_buf_puts(b, "- ");
			md_text(b, p->warnings[i]);
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
