/* SPDX-License-Identifier: MIT */
/* Address and port text for the rule backends. */
#include <string.h>

#include "addrlist.h"

void ps_addr_append(struct ps_buf *b, unsigned family, const unsigned char *a)
{
	if (family == 4)
		ps_buf_put_ipv4(b, a);
	else
		ps_buf_put_ipv6(b, a);
}

void ps_addr_range_append(struct ps_buf *b, const struct portspec_addr_range *r)
{
	ps_addr_append(b, r->family, r->first);
	if (memcmp(r->first, r->last, ps_addr_len(r->family)) != 0) {
		ps_buf_putc(b, '-');
		ps_addr_append(b, r->family, r->last);
	}
}

void ps_addr_cidr_append(struct ps_buf *b, const struct portspec_cidr *c)
{
	unsigned char lo[16], hi[16];
	ps_cidr_bounds(c, lo, hi);
	ps_addr_append(b, c->family, lo);
	if (c->prefix < ps_addr_len(c->family) * 8) {
		ps_buf_putc(b, '/');
		ps_buf_put_uint(b, c->prefix);
	}
}

/* @sep before every item but the first, then the opening @quote. */
static void item(struct ps_buf *b, size_t i, const char *sep, const char *quote)
{
	if (i)
		ps_buf_puts(b, sep);
	ps_buf_puts(b, quote);
}

void ps_cidr_list(struct ps_buf *b, const struct portspec_cidr *c, size_t n, const char *sep,
		  const char *quote)
{
	for (size_t i = 0; i < n; i++) {
		item(b, i, sep, quote);
		ps_addr_cidr_append(b, &c[i]);
		ps_buf_puts(b, quote);
	}
}

void ps_addrset_list(struct ps_buf *b, const struct portspec_addrset *a, const char *sep,
		     const char *quote)
{
	if (a->match == PORTSPEC_ADDR_IN) {
		ps_cidr_list(b, a->cidrs, a->cidr_count, sep, quote);
		return;
	}
	for (size_t i = 0; i < a->matched_count; i++) {
		item(b, i, sep, quote);
		ps_addr_range_append(b, &a->matched[i]);
		ps_buf_puts(b, quote);
	}
}

void ps_port_list(struct ps_buf *b, const struct portspec_plan_port *p, size_t n,
		  const char *sep, const char *range, const char *quote)
{
	for (size_t i = 0; i < n; i++) {
		item(b, i, sep, quote);
		ps_buf_put_range(b, p[i].first, p[i].last, range);
		ps_buf_puts(b, quote);
	}
}
