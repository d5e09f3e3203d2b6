/* SPDX-License-Identifier: MIT */
/*
 * Address sets as sorted, disjoint, never adjacent ranges of one family:
 * the normal form of the rule plan.  Nested and adjacent networks fold into
 * one range, so every target gets a set it can load (nft rejects
 * overlapping interval elements), and a set compares equal to another
 * whatever order or nesting its networks were given in.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* The first allocation of a set's ranges: most zones hold a few networks. */
#define FIRST_RANGES 8u

size_t ps_addr_len(unsigned family)
{
	return family == PS_FAMILY_V4 ? PS_V4_BYTES : PS_ADDR_BYTES;
}

const struct portspec_addr_range ps_full_v4 = {PS_FAMILY_V4, {0}, {255, 255, 255, 255}};
const struct portspec_addr_range ps_full_v6 = {
	PS_FAMILY_V6, {0}, {255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255}};

const struct portspec_addr_range *ps_full_range(unsigned family)
{
	return family == PS_FAMILY_V4 ? &ps_full_v4 : &ps_full_v6;
}

void ps_cidr_bounds(const struct portspec_cidr *c, unsigned char *lo, unsigned char *hi)
{
	size_t len = ps_addr_len(c->family);
	unsigned prefix = c->prefix > len * CHAR_BIT ? (unsigned)len * CHAR_BIT : c->prefix;

	memset(lo, 0, PS_ADDR_BYTES);
	memset(hi, 0, PS_ADDR_BYTES);
	for (size_t i = 0; i < len; i++) {
		unsigned bits = prefix >= (i + 1) * CHAR_BIT ? CHAR_BIT
				: prefix > i * CHAR_BIT      ? prefix - (unsigned)i * CHAR_BIT
							     : 0;
		unsigned char mask = (unsigned char)(bits ? 0xffu << (CHAR_BIT - bits) : 0);
		lo[i] = c->addr[i] & mask;
		hi[i] = (unsigned char)(lo[i] | (unsigned char)~mask);
	}
}

/* a += 1; true on wrap-around (a was all ones). */
static bool addr_inc(unsigned char *a, size_t len)
{
	for (size_t i = len; i-- > 0;)
		if (++a[i] != 0)
			return false;
	return true;
}

/* a -= 1; false on wrap-around (a was all zeros). */
static bool addr_dec(unsigned char *a, size_t len)
{
	for (size_t i = len; i-- > 0;)
		if (a[i]-- != 0)
			return true;
	return false;
}

static int addr_cmp(const unsigned char *a, const unsigned char *b, unsigned family)
{
	return memcmp(a, b, ps_addr_len(family));
}

void ps_ranges_init(struct ps_ranges *r, unsigned family)
{
	memset(r, 0, sizeof(*r));
	r->family = family;
}

void ps_ranges_release(struct ps_ranges *r)
{
	ps_free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

static void push(struct ps_ranges *r, const unsigned char *lo, const unsigned char *hi)
{
	if (r->failed)
		return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : FIRST_RANGES;
		struct portspec_addr_range *v = ps_reallocarray(r->v, cap, sizeof(*v));
		if (!v) {
			r->failed = true;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	struct portspec_addr_range *x = &r->v[r->n++];
	memset(x, 0, sizeof(*x));
	x->family = (unsigned char)r->family;
	memcpy(x->first, lo, ps_addr_len(r->family));
	memcpy(x->last, hi, ps_addr_len(r->family));
}

void ps_ranges_add_cidr(struct ps_ranges *r, const struct portspec_cidr *c)
{
	unsigned char lo[PS_ADDR_BYTES], hi[PS_ADDR_BYTES];
	if (c->family != r->family)
		return;
	ps_cidr_bounds(c, lo, hi);
	push(r, lo, hi);
}

void ps_ranges_add(struct ps_ranges *r, const struct portspec_addr_range *x)
{
	if (x->family == r->family)
		push(r, x->first, x->last);
}

static int range_cmp(const void *pa, const void *pb)
{
	const struct portspec_addr_range *a = pa, *b = pb;
	int c = memcmp(a->first, b->first, PS_ADDR_BYTES);
	return c ? c : memcmp(a->last, b->last, PS_ADDR_BYTES);
}

void ps_ranges_normalize(struct ps_ranges *r)
{
	if (r->failed || r->n < 2)
		return;
	qsort(r->v, r->n, sizeof(*r->v), range_cmp);
	size_t len = ps_addr_len(r->family), out = 0;
	for (size_t i = 1; i < r->n; i++) {
		struct portspec_addr_range *cur = &r->v[out];
		unsigned char next[PS_ADDR_BYTES];
		memcpy(next, cur->last, PS_ADDR_BYTES);
		/* Overlapping or adjacent: cur->last + 1 >= first (no wrap at the top). */
		bool top = addr_inc(next, len);
		if (top || addr_cmp(r->v[i].first, next, r->family) <= 0) {
			if (addr_cmp(r->v[i].last, cur->last, r->family) > 0)
				memcpy(cur->last, r->v[i].last, PS_ADDR_BYTES);
			continue;
		}
		r->v[++out] = r->v[i];
	}
	r->n = out + 1;
}

void ps_ranges_complement(const struct ps_ranges *a, struct ps_ranges *out)
{
	size_t len = ps_addr_len(a->family);
	unsigned char cur[PS_ADDR_BYTES] = {0}; /* the lowest address not yet covered */
	bool done = false;

	ps_ranges_init(out, a->family);
	out->failed = a->failed;
	for (size_t i = 0; i < a->n && !done; i++) {
		if (addr_cmp(a->v[i].first, cur, a->family) > 0) {
			unsigned char hi[PS_ADDR_BYTES];
			memcpy(hi, a->v[i].first, PS_ADDR_BYTES);
			addr_dec(hi, len);
			push(out, cur, hi);
		}
		memcpy(cur, a->v[i].last, PS_ADDR_BYTES);
		done = addr_inc(cur, len);
	}
	if (!done)
		push(out, cur, ps_full_range(a->family)->last);
}

void ps_ranges_intersect(const struct ps_ranges *a, const struct ps_ranges *b,
			 struct ps_ranges *out)
{
	ps_ranges_init(out, a->family);
	out->failed = a->failed || b->failed;
	for (size_t i = 0, j = 0; i < a->n && j < b->n;) {
		const struct portspec_addr_range *x = &a->v[i], *y = &b->v[j];
		const unsigned char *lo = addr_cmp(x->first, y->first, a->family) > 0 ? x->first
										      : y->first;
		bool x_ends_first = addr_cmp(x->last, y->last, a->family) < 0;
		const unsigned char *hi = x_ends_first ? x->last : y->last;
		if (addr_cmp(lo, hi, a->family) <= 0)
			push(out, lo, hi);
		if (x_ends_first)
			i++;
		else
			j++;
	}
}

bool ps_ranges_equal(const struct portspec_addr_range *a, size_t na,
		     const struct portspec_addr_range *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (range_cmp(&a[i], &b[i]) != 0)
			return false;
	return true;
}

bool ps_ranges_contain(const struct portspec_addr_range *v, size_t n, unsigned family,
		       const unsigned char *addr)
{
	/* The first range that ends at or after addr. */
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (addr_cmp(v[mid].last, addr, family) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && addr_cmp(v[lo].first, addr, family) <= 0;
}

/* Number of trailing zero bits of a, counting from the family's last bit. */
static unsigned trailing_zero_bits(const unsigned char *a, size_t len)
{
	unsigned bits = 0;
	for (size_t i = len; i-- > 0;) {
		if (a[i] == 0) {
			bits += CHAR_BIT;
			continue;
		}
		for (unsigned char b = a[i]; !(b & 1u); b >>= 1)
			bits++;
		break;
	}
	return bits;
}

/* end = lo | (2^bits - 1): the last address of the block of 2^bits at lo. */
static void block_end(const unsigned char *lo, unsigned bits, size_t len, unsigned char *end)
{
	memcpy(end, lo, PS_ADDR_BYTES);
	for (size_t i = len; i-- > 0 && bits;) {
		unsigned take = bits >= CHAR_BIT ? CHAR_BIT : bits;
		end[i] = (unsigned char)(end[i] | ((1u << take) - 1u));
		bits -= take;
	}
}

/* hi - lo + 1 fits in a block of 2^bits addresses starting at lo? */
static bool block_fits(const unsigned char *lo, const unsigned char *hi, unsigned bits, size_t len)
{
	unsigned char end[PS_ADDR_BYTES];
	block_end(lo, bits, len, end);
	return memcmp(end, hi, len) <= 0;
}

bool ps_ranges_to_cidrs(const struct portspec_addr_range *v, size_t n, unsigned family,
			struct portspec_cidr **out, size_t *count)
{
	size_t len = ps_addr_len(family), cap = 0, k = 0;
	struct portspec_cidr *c = NULL;

	for (size_t i = 0; i < n; i++) {
		unsigned char lo[PS_ADDR_BYTES];
		memcpy(lo, v[i].first, PS_ADDR_BYTES);
		for (;;) {
			/* The largest aligned block at lo that ends within the range. */
			unsigned bits = trailing_zero_bits(lo, len);
			if (bits > len * CHAR_BIT)
				bits = (unsigned)len * CHAR_BIT;
			while (bits && !block_fits(lo, v[i].last, bits, len))
				bits--;
			if (k == cap) {
				size_t ncap = cap ? cap * 2 : FIRST_RANGES;
				struct portspec_cidr *g = ps_reallocarray(c, ncap, sizeof(*c));
				if (!g) {
					ps_free(c);
					return false;
				}
				c = g;
				cap = ncap;
			}
			memset(&c[k], 0, sizeof(c[k]));
			c[k].family = (unsigned char)family;
			c[k].prefix = (unsigned char)(len * CHAR_BIT - bits);
			memcpy(c[k].addr, lo, len);
			k++;
			/* next = lo + 2^bits; stop at the range's end or the top */
			unsigned char end[PS_ADDR_BYTES];
			block_end(lo, bits, len, end);
			if (memcmp(end, v[i].last, len) >= 0 || addr_inc(end, len))
				break;
			memcpy(lo, end, PS_ADDR_BYTES);
		}
	}
	*out = c;
	*count = k;
	return true;
}
