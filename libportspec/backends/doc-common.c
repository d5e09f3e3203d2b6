/* SPDX-License-Identifier: MIT */
/* Helpers shared by the documentation backends. */
#include <stdlib.h>
#include <string.h>

#include "doc-common.h"

size_t ps_doc_groups(const struct portspec_policy *policy, struct ps_doc_group *out, size_t max)
{
	const struct portspec_spec *spec = policy->spec;
	size_t n = 0;

	/* Spec order first, then anything the policy has that no statement named. */
	for (size_t pass = 0; pass < 2; pass++) {
		size_t count = pass == 0 ? spec->nflows : policy->nflows;
		for (size_t i = 0; i < count && n < max; i++) {
			const struct portspec_zone *zone;
			enum portspec_direction dir;
			if (pass == 0) {
				zone = &spec->zones[spec->flows[i].zone];
				dir = spec->flows[i].direction;
			} else {
				zone = policy->flows[i].zone;
				dir = (enum portspec_direction)policy->flows[i].direction;
			}
			bool seen = false;
			for (size_t k = 0; k < n && !seen; k++)
				seen = out[k].zone == zone && out[k].direction == dir;
			if (seen)
				continue;
			const char *iface = NULL;
			bool used = false;
			for (size_t f = 0; f < policy->nflows; f++) {
				const struct portspec_flow *fl = &policy->flows[f];
				if (fl->zone == zone && fl->direction == dir) {
					used = true;
					iface = fl->interface;
					break;
				}
			}
			if (!used)
				continue;
			out[n].zone = zone;
			out[n].direction = dir;
			out[n].interface = iface;
			n++;
		}
	}
	return n;
}

struct port_item {
	unsigned first, last;
	bool either;
};

static int port_item_cmp(const void *a, const void *b)
{
	const struct port_item *x = a, *y = b;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	if (x->last != y->last)
		return x->last < y->last ? -1 : 1;
	return 0;
}

size_t ps_doc_ports(struct ps_buf *b, const struct portspec_policy *policy,
		    const struct ps_doc_group *g, unsigned levels)
{
	struct port_item *items = ps_calloc(policy->nflows ? policy->nflows : 1, sizeof(*items));
	if (!items) {
		b->failed = true;
		return 0;
	}
	size_t n = 0;
	for (size_t i = 0; i < policy->nflows; i++) {
		const struct portspec_flow *f = &policy->flows[i];
		if (f->zone != g->zone || f->direction != g->direction ||
		    !((unsigned)f->service->level & levels))
			continue;
		items[n].first = f->first;
		items[n].last = f->last;
		items[n].either = f->either;
		n++;
	}
	qsort(items, n, sizeof(*items), port_item_cmp);
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		bool either = items[i].either;
		while (i + 1 < n && port_item_cmp(&items[i], &items[i + 1]) == 0)
			either |= items[++i].either;
		ps_buf_puts(b, out ? ", " : "");
		if (items[i].first == items[i].last)
			ps_buf_printf(b, "%u", items[i].first);
		else
			ps_buf_printf(b, "%u-%u", items[i].first, items[i].last);
		if (either)
			ps_buf_putc(b, '*');
		out++;
	}
	ps_free(items);
	return out;
}

const char *ps_doc_interface_title(const struct portspec_spec *spec, const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < spec->nifaces; i++)
		if (strcmp(spec->ifaces[i].name, name) == 0)
			return spec->ifaces[i].title ? spec->ifaces[i].title : spec->ifaces[i].name;
	return name;
}

bool ps_doc_service_used(const struct portspec_policy *policy, const struct portspec_service *svc)
{
	size_t i = (size_t)(svc - policy->spec->services);
	return i < policy->spec->nservices && policy->service_used[i];
}

size_t ps_doc_utf8_len(const char *str)
{
	uint32_t cp;
	size_t len = ps_utf8_char(str, 4, &cp);
	return len && !ps_unicode_noncharacter(cp) ? len : 0;
}

void ps_doc_service_ports(struct ps_buf *b, const struct portspec_service *svc)
{
	for (size_t i = 0; i < svc->nports; i++) {
		const struct ps_portrange *p = &svc->ports[i];
		ps_buf_puts(b, i ? ", " : "");
		if (p->first == p->last)
			ps_buf_printf(b, "%u", (unsigned)p->first);
		else
			ps_buf_printf(b, "%u-%u", (unsigned)p->first, (unsigned)p->last);
		ps_buf_printf(b, "/%s", portspec_protocol_name((enum portspec_protocol)p->proto));
	}
}

/* What a byte of ASCII becomes in @target's text. */
static void escape_ascii(struct ps_buf *b, enum ps_doc_target target, unsigned char c)
{
	bool control = c < 0x20 || c == 0x7f;
	switch (target) {
	case PS_DOC_MARKDOWN:
		if (!control && strchr("\\`*_[]<>|#~&$", c))
			ps_buf_putc(b, '\\');
		break;
	case PS_DOC_DOT:
		if (c == '"' || c == '\\')
			ps_buf_putc(b, '\\');
		break;
	case PS_DOC_CSV:
		if (c == '"')
			ps_buf_putc(b, '"');
		break;
	case PS_DOC_JSON:
		switch (c) {
		case '"': ps_buf_puts(b, "\\\""); return;
		case '\\': ps_buf_puts(b, "\\\\"); return;
		case '\n': ps_buf_puts(b, "\\n"); return;
		case '\r': ps_buf_puts(b, "\\r"); return;
		case '\t': ps_buf_puts(b, "\\t"); return;
		default:
			if (control) {
				ps_buf_printf(b, "\\u%04x", (unsigned)c);
				return;
			}
		}
		break;
	}
	ps_buf_putc(b, control ? ' ' : (char)c);
}

/* U+2028 and U+2029, which end a line in JavaScript. */
static bool js_line_end(const char *s, size_t n)
{
	return n == 3 && (unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x80 &&
	       ((unsigned char)s[2] == 0xa8 || (unsigned char)s[2] == 0xa9);
}

static void escape(struct ps_buf *b, enum ps_doc_target target, const char *s, size_t len,
		   bool upper)
{
	if (!s)
		return;
	const char *end = s + len;
	while (s < end && *s) {
		unsigned char c = (unsigned char)*s;
		size_t n = ps_doc_utf8_len(s);
		if (n == 0 || (size_t)(end - s) < n) {
			ps_buf_puts(b, target == PS_DOC_JSON ? "\\ufffd" : "\xef\xbf\xbd");
			s++;
		} else if (target == PS_DOC_JSON && js_line_end(s, n)) {
			ps_buf_printf(b, "\\u%04x", (unsigned char)s[2] == 0xa8 ? 0x2028u : 0x2029u);
			s += n;
		} else if (n > 1) {
			ps_buf_add(b, s, n);
			s += n;
		} else {
			escape_ascii(b, target,
				     upper && c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c);
			s++;
		}
	}
}

void ps_doc_escape(struct ps_buf *b, enum ps_doc_target target, const char *s, size_t len)
{
	escape(b, target, s, len, false);
}

void ps_doc_text(struct ps_buf *b, enum ps_doc_target target, const char *s)
{
	escape(b, target, s, s ? strlen(s) : 0, false);
}

void ps_doc_text_upper(struct ps_buf *b, enum ps_doc_target target, const char *s)
{
	escape(b, target, s, s ? strlen(s) : 0, true);
}

void ps_doc_json_str(struct ps_buf *b, const char *s)
{
	if (!s) {
		ps_buf_puts(b, "null");
		return;
	}
	ps_buf_putc(b, '"');
	ps_doc_text(b, PS_DOC_JSON, s);
	ps_buf_putc(b, '"');
}

void ps_doc_json_warnings(struct ps_buf *b, size_t n,
			  enum portspec_warning_kind (*kind)(const void *owner, size_t i),
			  const char *(*text)(const void *owner, size_t i), const void *owner,
			  const char *indent)
{
	ps_buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		enum portspec_warning_kind k = kind(owner, i);
		ps_buf_printf(b, "%s\n%s{\"kind\": \"%s\", \"severity\": \"%s\", \"text\": ",
			      i ? "," : "", indent, portspec_warning_kind_name(k),
			      portspec_warning_kind_is_note(k) ? "note" : "warning");
		ps_doc_json_str(b, text(owner, i));
		ps_buf_putc(b, '}');
	}
	ps_buf_puts(b, "]");
}

const struct portspec_plan_entry **ps_doc_entries_by_flow(const struct ps_render *r)
{
	const struct portspec_policy *p = r->policy;
	const struct portspec_plan *plan = ps_render_plan(r);
	const struct portspec_plan_entry **v = ps_calloc(2 * (p->nflows ? p->nflows : 1),
							 sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		size_t nr, nf;
		const struct portspec_plan_port *ranges = ps_plan_entry_ranges(e, &nr);
		const struct portspec_flow *const *flows = ps_ranges_flows(ranges, nr, &nf);
		for (size_t k = 0; e->kind == PORTSPEC_ENTRY_FLOW && k < nf; k++)
			v[2 * (size_t)(flows[k] - p->flows) + (e->family == 6)] = e;
	}
	return v;
}

/* One family's side of a flow: the set's addresses, for the appliance's
 * side in host mode its own addresses from the profile. */
static void side_text(struct ps_buf *b, const struct ps_render *r,
		      const struct portspec_addrset *a, bool appliance)
{
	const struct portspec_profile *pr = r->policy->profile;
	size_t n = 0;
	if (a->match == PORTSPEC_ADDR_ANY && appliance) {
		for (size_t i = 0; i < pr->appliance.count; i++)
			if (pr->appliance.items[i].family == a->family) {
				ps_buf_puts(b, n++ ? ", " : "");
				ps_addr_cidr_append(b, &pr->appliance.items[i]);
			}
		if (!n)
			ps_buf_printf(b, "the appliance (no IPv%u address set)", a->family);
		return;
	}
	if (a->match == PORTSPEC_ADDR_ANY) {
		ps_buf_printf(b, "any IPv%u", a->family);
		return;
	}
	if (a->match == PORTSPEC_ADDR_NOT_IN)
		ps_buf_printf(b, "all IPv%u but ", a->family);
	for (size_t i = 0; i < a->cidr_count; i++) {
		ps_buf_puts(b, i ? ", " : "");
		ps_addr_cidr_append(b, &a->cidrs[i]);
	}
}

void ps_doc_flow_path(const struct ps_render *r, size_t i,
		      const struct portspec_plan_entry *const *entries,
		      struct ps_buf path[PS_DOC_PATH_FIELDS])
{
	for (size_t k = 0; k < PS_DOC_PATH_FIELDS; k++)
		ps_buf_init(&path[k]);
	const struct portspec_plan_entry *const *e = &entries[2 * i];
	struct ps_buf *src = &path[PS_DOC_SOURCE], *dst = &path[PS_DOC_DESTINATION];
	struct ps_buf *in = &path[PS_DOC_IN], *out = &path[PS_DOC_OUT];
	bool inbound = r->policy->flows[i].direction == PORTSPEC_INBOUND;
	const struct portspec_plan_entry *first = e[0] ? e[0] : e[1];
	if (!first) {
		ps_buf_printf(src, "none: no rule in %s mode (see the warnings)",
			      r->mode == PORTSPEC_MODE_HOST ? "host" : "gateway");
		ps_buf_puts(dst, src->data ? src->data : "");
		dst->failed |= src->failed;
		return;
	}
	struct ps_buf *remote = inbound ? src : dst, *local = inbound ? dst : src;
	for (unsigned k = 0; k < 2; k++) {
		if (!e[k])
			continue;
		/* both families of a complement: "all IPv4 but ...; all IPv6 but ..." */
		if (remote->len)
			ps_buf_puts(remote, e[k]->remote.match == PORTSPEC_ADDR_IN ? ", " : "; ");
		if (local->len)
			ps_buf_puts(local, e[k]->local.match == PORTSPEC_ADDR_NOT_IN ? "; " : ", ");
		side_text(remote, r, &e[k]->remote, false);
		side_text(local, r, &e[k]->local, true);
	}
	ps_buf_puts(in, first->iif ? first->iif : "");
	ps_buf_puts(out, first->oif ? first->oif : "");
}

void ps_doc_either_footnote(struct ps_buf *b, const struct portspec_policy *p)
{
	const struct portspec_spec *spec = p->spec;
	ps_buf_puts(b, spec->either_note ? spec->either_note : "Can be served from either zone.");
	for (size_t s = 0; s < spec->nservices; s++) {
		const struct portspec_service *svc = &spec->services[s];
		for (size_t z = 0; svc->either_notes && z < spec->nzones; z++) {
			if (!svc->either_notes[z])
				continue;
			bool served = false;
			for (size_t f = 0; f < p->nflows && !served; f++)
				served = p->flows[f].service == svc && p->flows[f].either &&
					 p->flows[f].zone == &spec->zones[z];
			if (served)
				ps_buf_printf(b, " %s", svc->either_notes[z]);
		}
	}
}
