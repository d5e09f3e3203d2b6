/* SPDX-License-Identifier: MIT */
/* 128-bit values, sets of them, addresses and ports. */
/* getservbyname_r() */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct pa_u128 pa_inc(struct pa_u128 v)
{
	if (++v.lo == 0)
		v.hi++;
	return v;
}

struct pa_u128 pa_dec(struct pa_u128 v)
{
	if (v.lo-- == 0)
		v.hi--;
	return v;
}

struct pa_u128 pa_addr_max(unsigned family)
{
	if (family == 6)
		return (struct pa_u128){UINT64_MAX, UINT64_MAX};
	return pa_u(UINT32_MAX);
}

void pa_set_release(struct pa_set *s)
{
	ps_free(s->r);
	memset(s, 0, sizeof(*s));
}

static bool set_reserve(struct pa_set *s, size_t n)
{
	if (n <= s->cap)
		return true;
	size_t cap = s->cap ? s->cap * 2 : 4;
	while (cap < n)
		cap *= 2;
	struct pa_range *r = ps_reallocarray(s->r, cap, sizeof(*r));
	if (!r)
		return false;
	s->r = r;
	s->cap = cap;
	return true;
}

/* Whether b starts right after a ends (a.hi + 1 == b.lo), without overflow. */
static bool touches(struct pa_u128 hi, struct pa_u128 lo)
{
	if (pa_cmp(lo, hi) <= 0)
		return true;
	return pa_cmp(pa_inc(hi), lo) == 0;
}

bool pa_set_add(struct pa_set *s, struct pa_u128 lo, struct pa_u128 hi)
{
	if (pa_cmp(lo, hi) > 0)
		return true;
	/* The first range that ends at or after lo - 1. */
	size_t i = 0, j = s->n;
	while (i < j) {
		size_t mid = (i + j) / 2;
		if (touches(s->r[mid].hi, lo))
			j = mid;
		else
			i = mid + 1;
	}
	/* Ranges i .. k-1 touch [lo, hi] and merge with it. */
	size_t k = i;
	while (k < s->n && touches(hi, s->r[k].lo)) {
		if (pa_cmp(s->r[k].lo, lo) < 0)
			lo = s->r[k].lo;
		if (pa_cmp(s->r[k].hi, hi) > 0)
			hi = s->r[k].hi;
		k++;
	}
	if (k == i) {
		if (!set_reserve(s, s->n + 1))
			return false;
		memmove(s->r + i + 1, s->r + i, (s->n - i) * sizeof(*s->r));
		s->n++;
	} else if (k > i + 1) {
		memmove(s->r + i + 1, s->r + k, (s->n - k) * sizeof(*s->r));
		s->n -= k - i - 1;
	}
	s->r[i].lo = lo;
	s->r[i].hi = hi;
	return true;
}

bool pa_set_add_set(struct pa_set *s, const struct pa_set *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (!pa_set_add(s, t->r[i].lo, t->r[i].hi))
			return false;
	return true;
}

bool pa_set_copy(struct pa_set *dst, const struct pa_set *src)
{
	dst->n = 0;
	if (!set_reserve(dst, src->n))
		return false;
	if (src->n)
		memcpy(dst->r, src->r, src->n * sizeof(*src->r));
	dst->n = src->n;
	return true;
}

bool pa_set_complement(struct pa_set *dst, const struct pa_set *src, struct pa_u128 max)
{
	struct pa_set out = {0};
	struct pa_u128 next = pa_u(0);
	bool more = true; /* next is still <= max */
	for (size_t i = 0; i < src->n && more; i++) {
		if (pa_cmp(src->r[i].lo, next) > 0 &&
		    !pa_set_add(&out, next, pa_dec(src->r[i].lo)))
			goto fail;
		if (pa_cmp(src->r[i].hi, max) >= 0)
			more = false;
		else
			next = pa_inc(src->r[i].hi);
	}
	if (more && !pa_set_add(&out, next, max))
		goto fail;
	pa_set_release(dst);
	*dst = out;
	return true;
fail:
	pa_set_release(&out);
	return false;
}

bool pa_set_intersect(struct pa_set *dst, const struct pa_set *a, const struct pa_set *b)
{
	struct pa_set out = {0};
	size_t i = 0, j = 0;
	while (i < a->n && j < b->n) {
		struct pa_u128 lo = pa_cmp(a->r[i].lo, b->r[j].lo) > 0 ? a->r[i].lo : b->r[j].lo;
		struct pa_u128 hi = pa_cmp(a->r[i].hi, b->r[j].hi) < 0 ? a->r[i].hi : b->r[j].hi;
		if (pa_cmp(lo, hi) <= 0 && !pa_set_add(&out, lo, hi)) {
			pa_set_release(&out);
			return false;
		}
		if (pa_cmp(a->r[i].hi, b->r[j].hi) < 0)
			i++;
		else
			j++;
	}
	pa_set_release(dst);
	*dst = out;
	return true;
}

bool pa_set_contains(const struct pa_set *s, struct pa_u128 v)
{
	size_t i = 0, j = s->n;
	while (i < j) {
		size_t mid = (i + j) / 2;
		if (pa_cmp(s->r[mid].hi, v) < 0)
			i = mid + 1;
		else
			j = mid;
	}
	return i < s->n && pa_cmp(s->r[i].lo, v) <= 0;
}

/* ---- addresses ---- */

/* An address in network byte order (4 or 16 bytes) as a value. */
struct pa_u128 pa_addr_value(unsigned family, const unsigned char *b)
{
	struct pa_u128 v = {0, 0};
	if (family == 4) {
		v.lo = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3];
		return v;
	}
	for (int i = 0; i < 8; i++) {
		v.hi = v.hi << 8 | b[i];
		v.lo = v.lo << 8 | b[8 + i];
	}
	return v;
}

bool pa_addr_parse(const char *text, unsigned family, unsigned *family_out,
		   struct pa_u128 *out)
{
	unsigned char bytes[16];
	if (strlen(text) >= 64)
		return false;
	if (family != 6 && inet_pton(AF_INET, text, bytes) == 1) {
		*out = pa_addr_value(4, bytes);
		if (family_out)
			*family_out = 4;
		return true;
	}
	if (family != 4 && inet_pton(AF_INET6, text, bytes) == 1) {
		*out = pa_addr_value(6, bytes);
		if (family_out)
			*family_out = 6;
		return true;
	}
	return false;
}

/* The mask of a prefix length: the top `len` bits of the family's width. */
static struct pa_u128 host_mask(unsigned family, unsigned len)
{
	unsigned width = family == 6 ? 128 : 32;
	unsigned host = width - len; /* bits that vary */
	struct pa_u128 m = {0, 0};
	if (host >= 128)
		return (struct pa_u128){UINT64_MAX, UINT64_MAX};
	if (host >= 64) {
		m.lo = UINT64_MAX;
		m.hi = host == 64 ? 0 : (UINT64_MAX >> (128 - host));
	} else if (host > 0) {
		m.lo = UINT64_MAX >> (64 - host);
	}
	return m;
}

/* A dotted IPv4 netmask as a prefix length; -1 if it is not contiguous. */
static int netmask_len(struct pa_u128 m)
{
	uint32_t v = (uint32_t)m.lo;
	int len = 0;
	while (len < 32 && (v & (0x80000000u >> len)))
		len++;
	uint32_t expect = len ? (uint32_t)(0xffffffffu << (32 - len)) : 0;
	return v == expect ? len : -1;
}

bool pa_cidr_parse(const char *text, unsigned family, unsigned *family_out,
		   struct pa_range *out)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	unsigned fam;
	struct pa_u128 v;
	if (!pa_addr_parse(addr, family, &fam, &v))
		return false;
	unsigned width = fam == 6 ? 128 : 32, len = width;
	if (slash) {
		const char *p = slash + 1;
		unsigned long n;
		struct pa_u128 m;
		if (pa_parse_uint(p, strlen(p), width, &n)) {
			len = (unsigned)n;
		} else if (fam == 4 && pa_addr_parse(p, 4, NULL, &m) && netmask_len(m) >= 0) {
			len = (unsigned)netmask_len(m);
		} else {
			return false;
		}
	}
	struct pa_u128 hm = host_mask(fam, len);
	out->lo = (struct pa_u128){v.hi & ~hm.hi, v.lo & ~hm.lo};
	out->hi = (struct pa_u128){out->lo.hi | hm.hi, out->lo.lo | hm.lo};
	if (fam == 4)
		out->hi.hi = 0, out->hi.lo &= UINT32_MAX;
	if (family_out)
		*family_out = fam;
	return true;
}

/* Writes n (at most 255 for an octet, 128 for a prefix) at p; the end. */
static char *put_small(char *p, unsigned n)
{
	if (n >= 100)
		*p++ = (char)('0' + n / 100);
	if (n >= 10)
		*p++ = (char)('0' + n / 10 % 10);
	*p++ = (char)('0' + n % 10);
	return p;
}

void pa_addr_format(unsigned family, struct pa_u128 v, char *buf, size_t size)
{
	unsigned char b[16];
	if (family == 4) {
		/* By hand: classes list thousands of addresses, and inet_ntop's
		 * printf is most of the time they take to write. */
		if (size < 16) {
			snprintf(buf, size, "?");
			return;
		}
		char *p = buf;
		for (int i = 0; i < 4; i++) {
			p = put_small(p, (unsigned)(v.lo >> (24 - 8 * i)) & 0xff);
			*p++ = i < 3 ? '.' : '\0';
		}
		return;
	}
	for (int i = 0; i < 8; i++) {
		b[i] = (unsigned char)(v.hi >> (56 - 8 * i));
		b[8 + i] = (unsigned char)(v.lo >> (56 - 8 * i));
	}
	if (!inet_ntop(AF_INET6, b, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

/* The number of trailing zero bits of v (128 for 0). */
static unsigned trailing_zeros(struct pa_u128 v)
{
	if (v.lo)
		return (unsigned)__builtin_ctzll(v.lo);
	if (v.hi)
		return 64 + (unsigned)__builtin_ctzll(v.hi);
	return 128;
}

void pa_range_cidrs(struct ps_buf *b, unsigned family, struct pa_u128 lo, struct pa_u128 hi,
		    const char *sep, bool json)
{
	unsigned width = family == 6 ? 128 : 32;
	bool first = true;
	for (;;) {
		/* The largest block that starts at lo and stays within hi. */
		unsigned bits = trailing_zeros(lo);
		if (bits > width)
			bits = width;
		for (;;) {
			struct pa_u128 m = host_mask(family, width - bits);
			struct pa_u128 end = {lo.hi | m.hi, lo.lo | m.lo};
			if (family == 4)
				end.hi = 0, end.lo &= UINT32_MAX;
			if (pa_cmp(end, hi) <= 0)
				break;
			bits--;
		}
		char a[80];
		if (!first)
			ps_buf_puts(b, sep);
		char *p = a;
		if (json)
			*p++ = '"';
		pa_addr_format(family, lo, p, sizeof(a) - 8);
		p += strlen(p);
		if (bits > 0) {
			*p++ = '/';
			p = put_small(p, width - bits);
		}
		if (json)
			*p++ = '"';
		ps_buf_add(b, a, (size_t)(p - a));
		first = false;
		struct pa_u128 m = host_mask(family, width - bits);
		struct pa_u128 end = {lo.hi | m.hi, lo.lo | m.lo};
		if (family == 4)
			end.hi = 0, end.lo &= UINT32_MAX;
		if (pa_cmp(end, hi) >= 0)
			return;
		lo = pa_inc(end);
	}
}

bool pa_parse_uint(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	if (n == 0 || n > 20)
		return false;
	unsigned long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* The longest service name looked up; no name in /etc/services is longer. */
#define SERVICE_NAME_MAX 63u

bool pa_parse_port(const char *s, size_t n, const char *proto, unsigned *out)
{
	unsigned long v;
	if (pa_parse_uint(s, n, 65535, &v)) {
		*out = (unsigned)v;
		return true;
	}
	char name[SERVICE_NAME_MAX + 1];
	if (n == 0 || n >= sizeof(name))
		return false;
	memcpy(name, s, n);
	name[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-' || name[i] == '_'))
			return false;
	/* Service names, as the tools resolve them (/etc/services). */
	struct servent se, *res = NULL;
	char buf[1024]; /* getservbyname_r()'s scratch space: one line of /etc/services */
	if (getservbyname_r(name, proto, &se, buf, sizeof(buf), &res) == 0 && res) {
		*out = ntohs((uint16_t)res->s_port);
		return true;
	}
	return false;
}

/* ---- plan entries ---- */

bool pa_entry_is_icmp(const struct portspec_plan_entry *e)
{
	return e->protocol == PORTSPEC_ICMP || e->protocol == PORTSPEC_ICMPV6;
}


