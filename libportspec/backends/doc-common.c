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
	const unsigned char *s = (const unsigned char *)str;
	if (s[0] < 0x80)
		return 1;
	size_t len;
	unsigned cp;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
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

/*
 * A JSON string.  Quotes, backslashes and control characters are escaped;
 * bytes that are not UTF-8 become U+FFFD; U+2028 and U+2029 are escaped too,
 * so the text is also safe to paste into JavaScript.
 */
void ps_doc_json_str(struct ps_buf *b, const char *s)
{
	if (!s) {
		ps_buf_puts(b, "null");
		return;
	}
	ps_buf_putc(b, '"');
	while (*s) {
		unsigned char c = (unsigned char)*s;
		size_t n = ps_doc_utf8_len(s);
		if (n == 0) {
			ps_buf_puts(b, "\\ufffd");
			s++;
			continue;
		}
		if (n == 3 && (unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x80 &&
		    ((unsigned char)s[2] == 0xa8 || (unsigned char)s[2] == 0xa9)) {
			ps_buf_printf(b, "\\u%04x", (unsigned char)s[2] == 0xa8 ? 0x2028u : 0x2029u);
			s += 3;
			continue;
		}
		if (n > 1) {
			ps_buf_add(b, s, n);
			s += n;
			continue;
		}
		switch (c) {
		case '"': ps_buf_puts(b, "\\\""); break;
		case '\\': ps_buf_puts(b, "\\\\"); break;
		case '\n': ps_buf_puts(b, "\\n"); break;
		case '\r': ps_buf_puts(b, "\\r"); break;
		case '\t': ps_buf_puts(b, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				ps_buf_printf(b, "\\u%04x", (unsigned)c);
			else
				ps_buf_putc(b, (char)c);
		}
		s++;
	}
	ps_buf_putc(b, '"');
}
