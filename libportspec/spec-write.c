/* SPDX-License-Identifier: MIT */
/* Writing a spec back out in canonical form, and comparing specs. */
#include <string.h>

#include "private.h"

static void put_string(struct ps_buf *b, const char *s)
{
	ps_buf_putc(b, '"');
	for (; *s; s++) {
		switch (*s) {
		case '"': ps_buf_puts(b, "\\\""); break;
		case '\\': ps_buf_puts(b, "\\\\"); break;
		case '\n': ps_buf_puts(b, "\\n"); break;
		case '\t': ps_buf_puts(b, "\\t"); break;
		default: ps_buf_putc(b, *s);
		}
	}
	ps_buf_putc(b, '"');
}

static void put_attr(struct ps_buf *b, const char *indent, const char *key, const char *value)
{
	if (!value)
		return;
	ps_buf_printf(b, "%s%s ", indent, key);
	put_string(b, value);
	ps_buf_putc(b, '\n');
}

static void put_roles(struct ps_buf *b, unsigned roles)
{
	static const enum portspec_role all[] = {PORTSPEC_ROLE_STANDALONE, PORTSPEC_ROLE_CENTRAL,
						 PORTSPEC_ROLE_MEMBER};
	bool first = true;
	for (size_t i = 0; i < 3; i++) {
		if (!(roles & (unsigned)all[i]))
			continue;
		ps_buf_printf(b, "%s%s", first ? "" : ",", portspec_role_name(all[i]));
		first = false;
	}
}

PORTSPEC_EXPORT enum portspec_status portspec_spec_to_string(const struct portspec_spec *spec,
							     char **out, size_t *len)
{
	if (!spec || !out)
		return PORTSPEC_E_INVALID;
	struct ps_buf b;
	ps_buf_init(&b);
	ps_buf_puts(&b, "portspec 1\n");
	put_attr(&b, "", "name", spec->name);
	put_attr(&b, "", "version", spec->version);
	put_attr(&b, "", "source", spec->source);
	put_attr(&b, "", "either-note", spec->either_note);
	if (spec->nzones)
		ps_buf_putc(&b, '\n');
	for (size_t i = 0; i < spec->nzones; i++) {
		const struct portspec_zone *z = &spec->zones[i];
		ps_buf_printf(&b, "zone %s %s", z->name, portspec_zone_kind_name(z->kind));
		if (z->title) {
			ps_buf_putc(&b, ' ');
			put_string(&b, z->title);
		}
		ps_buf_putc(&b, '\n');
	}
	if (spec->nifaces)
		ps_buf_putc(&b, '\n');
	for (size_t i = 0; i < spec->nifaces; i++) {
		ps_buf_printf(&b, "interface %s", spec->ifaces[i].name);
		if (spec->ifaces[i].title) {
			ps_buf_putc(&b, ' ');
			put_string(&b, spec->ifaces[i].title);
		}
		ps_buf_putc(&b, '\n');
	}
	for (size_t i = 0; i < spec->nservices; i++) {
		const struct portspec_service *svc = &spec->services[i];
		ps_buf_printf(&b, "\nservice %s {\n", svc->name);
		put_attr(&b, "\t", "title", svc->title);
		put_attr(&b, "\t", "description", svc->description);
		put_attr(&b, "\t", "note", svc->note);
		for (size_t z = 0; svc->either_notes && z < spec->nzones; z++)
			if (svc->either_notes[z]) {
				ps_buf_printf(&b, "\teither-note %s ", spec->zones[z].name);
				put_string(&b, svc->either_notes[z]);
				ps_buf_putc(&b, '\n');
			}
		ps_buf_printf(&b, "\tlevel %s\n", portspec_level_name(svc->level));
		for (size_t k = 0; k < svc->nports;) {
			uint8_t proto = svc->ports[k].proto;
			ps_buf_printf(&b, "\t%s", portspec_protocol_name(proto));
			for (; k < svc->nports && svc->ports[k].proto == proto; k++) {
				const struct ps_portrange *r = &svc->ports[k];
				if (r->first == r->last)
					ps_buf_printf(&b, " %u", r->first);
				else
					ps_buf_printf(&b, " %u-%u", r->first, r->last);
			}
			ps_buf_putc(&b, '\n');
		}
		if (svc->helper)
			ps_buf_printf(&b, "\thelper %s\n", svc->helper);
		ps_buf_puts(&b, "}\n");
	}
	if (spec->nflows)
		ps_buf_putc(&b, '\n');
	for (size_t i = 0; i < spec->nflows; i++) {
		const struct ps_spec_flow *f = &spec->flows[i];
		ps_buf_printf(&b, "flow %s %s", portspec_direction_name(f->direction),
			      spec->zones[f->zone].name);
		if (f->iface != SIZE_MAX)
			ps_buf_printf(&b, " interface %s", spec->ifaces[f->iface].name);
		if (f->roles != PORTSPEC_ROLE_ANY) {
			ps_buf_puts(&b, " role ");
			put_roles(&b, f->roles);
		}
		ps_buf_puts(&b, " services");
		for (size_t k = 0; k < f->nservices; k++)
			ps_buf_printf(&b, " %s%s", spec->services[f->services[k].service].name,
				      f->services[k].either ? "*" : "");
		ps_buf_putc(&b, '\n');
	}
	char *text = ps_buf_steal(&b, len);
	if (!text)
		return PORTSPEC_E_NOMEM;
	*out = text;
	return PORTSPEC_OK;
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

PORTSPEC_EXPORT bool portspec_spec_equal(const struct portspec_spec *a,
					 const struct portspec_spec *b)
{
	if (!a || !b)
		return a == b;
	if (!str_eq(a->name, b->name) || !str_eq(a->version, b->version) ||
	    !str_eq(a->source, b->source) || !str_eq(a->either_note, b->either_note) ||
	    a->nservices != b->nservices || a->nzones != b->nzones ||
	    a->nifaces != b->nifaces || a->nflows != b->nflows)
		return false;
	for (size_t i = 0; i < a->nzones; i++)
		if (!str_eq(a->zones[i].name, b->zones[i].name) ||
		    !str_eq(a->zones[i].title, b->zones[i].title) ||
		    a->zones[i].kind != b->zones[i].kind)
			return false;
	for (size_t i = 0; i < a->nifaces; i++)
		if (!str_eq(a->ifaces[i].name, b->ifaces[i].name) ||
		    !str_eq(a->ifaces[i].title, b->ifaces[i].title))
			return false;
	for (size_t i = 0; i < a->nservices; i++) {
		const struct portspec_service *x = &a->services[i], *y = &b->services[i];
		if (!str_eq(x->name, y->name) || !str_eq(x->title, y->title) ||
		    !str_eq(x->description, y->description) || !str_eq(x->note, y->note) ||
		    !str_eq(x->helper, y->helper) || x->level != y->level ||
		    x->nports != y->nports)
			return false;
		for (size_t z = 0; z < a->nzones; z++)
			if (!str_eq(portspec_service_either_note(x, &a->zones[z]),
				    portspec_service_either_note(y, &b->zones[z])))
				return false;
		for (size_t k = 0; k < x->nports; k++)
			if (x->ports[k].proto != y->ports[k].proto ||
			    x->ports[k].first != y->ports[k].first ||
			    x->ports[k].last != y->ports[k].last)
				return false;
	}
	for (size_t i = 0; i < a->nflows; i++) {
		const struct ps_spec_flow *x = &a->flows[i], *y = &b->flows[i];
		if (x->direction != y->direction || x->zone != y->zone || x->iface != y->iface ||
		    x->roles != y->roles || x->nservices != y->nservices)
			return false;
		for (size_t k = 0; k < x->nservices; k++)
			if (x->services[k].service != y->services[k].service ||
			    x->services[k].either != y->services[k].either)
				return false;
	}
	return true;
}
