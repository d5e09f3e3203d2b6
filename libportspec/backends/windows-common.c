/* SPDX-License-Identifier: MIT */
/* Address arithmetic and text filtering shared by the netsh, PowerShell and pf backends. */
#include <stdlib.h>
#include <string.h>

#include "windows-common.h"

static size_t addr_len(unsigned family)
{
	return family == 4 ? 4 : 16;
}

/* Network and broadcast ends of a CIDR, masking any host bits. */
static void cidr_bounds(const struct portspec_cidr *c, unsigned char *lo, unsigned char *hi)
{
	size_t len = addr_len(c->family);
	unsigned prefix = c->prefix > len * 8 ? (unsigned)len * 8 : c->prefix;

	memset(lo, 0, 16);
	memset(hi, 0, 16);
	for (size_t i = 0; i < len; i++) {
		unsigned bits = prefix >= (i + 1) * 8 ? 8
				: prefix > i * 8      ? prefix - (unsigned)i * 8
						      : 0;
		unsigned char mask = (unsigned char)(bits ? 0xffu << (8 - bits) : 0);
		lo[i] = c->addr[i] & mask;
		hi[i] = (unsigned char)(lo[i] | (unsigned char)~mask);
	}
}

/* a += 1; returns true on wrap-around (a was all ones). */
static bool addr_inc(unsigned char *a, size_t len)
{
	for (size_t i = len; i-- > 0;)
		if (++a[i] != 0)
			return false;
	return true;
}

/* a -= 1; the caller guarantees a is not all zeros. */
static void addr_dec(unsigned char *a, size_t len)
{
	for (size_t i = len; i-- > 0;)
		if (a[i]-- != 0)
			return;
}

struct interval {
	unsigned char lo[16];
	unsigned char hi[16];
};

static int interval_cmp(const void *pa, const void *pb)
{
	const struct interval *a = pa, *b = pb;
	int c = memcmp(a->lo, b->lo, 16);
	return c ? c : memcmp(a->hi, b->hi, 16);
}

enum portspec_status ps_addr_complement(const struct portspec_cidr *nets, size_t n, unsigned family,
					struct ps_addr_range **out, size_t *count)
{
	if (!out || !count || (family != 4 && family != 6) || (n && !nets))
		return PORTSPEC_E_INVALID;
	size_t len = addr_len(family);
	size_t m = 0;
	struct interval *iv = n ? ps_calloc(n, sizeof(*iv)) : NULL;
	if (n && !iv)
		return PORTSPEC_E_NOMEM;
	for (size_t i = 0; i < n; i++)
		if (nets[i].family == family)
			cidr_bounds(&nets[i], iv[m].lo, iv[m].hi), m++;
	if (m)
		qsort(iv, m, sizeof(*iv), interval_cmp);

	/* At most m + 1 gaps. */
	struct ps_addr_range *r = ps_calloc(m + 1, sizeof(*r));
	if (!r) {
		ps_free(iv);
		return PORTSPEC_E_NOMEM;
	}
	size_t k = 0;
	unsigned char cur[16] = {0}; /* the lowest address not yet covered */
	bool done = false;	     /* everything up to the top is covered */
	for (size_t i = 0; i < m && !done; i++) {
		if (memcmp(iv[i].lo, cur, len) > 0) {
			r[k].family = (unsigned char)family;
			memcpy(r[k].lo, cur, len);
			memcpy(r[k].hi, iv[i].lo, len);
			addr_dec(r[k].hi, len);
			k++;
		}
		if (memcmp(iv[i].hi, cur, len) >= 0) {
			memcpy(cur, iv[i].hi, len);
			done = addr_inc(cur, len);
		}
	}
	if (!done) {
		r[k].family = (unsigned char)family;
		memcpy(r[k].lo, cur, len);
		memset(r[k].hi, 0xff, len);
		k++;
	}
	ps_free(iv);
	*out = r;
	*count = k;
	return PORTSPEC_OK;
}

void ps_addr_format(struct ps_buf *b, unsigned family, const unsigned char *a)
{
	if (family == 4) {
		ps_buf_printf(b, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	unsigned w[8];
	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	/* RFC 5952: compress the longest run (first if tied) of two or more zero words. */
	int best = -1, best_len = 0;
	for (int i = 0; i < 8;) {
		if (w[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && !w[j])
			j++;
		if (j - i > best_len && j - i >= 2)
			best = i, best_len = j - i;
		i = j;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			ps_buf_puts(b, "::");
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			ps_buf_putc(b, ':');
		ps_buf_printf(b, "%x", w[i]);
	}
}

void ps_addr_range_format(struct ps_buf *b, const struct ps_addr_range *r)
{
	ps_addr_format(b, r->family, r->lo);
	if (memcmp(r->lo, r->hi, addr_len(r->family)) != 0) {
		ps_buf_putc(b, '-');
		ps_addr_format(b, r->family, r->hi);
	}
}

void ps_addr_cidr_format(struct ps_buf *b, const struct portspec_cidr *c)
{
	unsigned char lo[16], hi[16];
	cidr_bounds(c, lo, hi);
	ps_addr_format(b, c->family, lo);
	if (c->prefix < addr_len(c->family) * 8)
		ps_buf_printf(b, "/%u", c->prefix);
}

static void put_item(struct ps_buf *out, const char *sep, const char *quote, size_t *items)
{
	if (*items)
		ps_buf_puts(out, sep);
	ps_buf_puts(out, quote);
	++*items;
}

static void put_cidrs(struct ps_buf *out, const struct portspec_cidr *const *list, size_t n,
		      const char *sep, const char *quote, size_t *items)
{
	for (unsigned fam = 4; fam <= 6; fam += 2)
		for (size_t i = 0; i < n; i++) {
			if (list[i]->family != fam)
				continue;
			put_item(out, sep, quote, items);
			ps_addr_cidr_format(out, list[i]);
			ps_buf_puts(out, quote);
		}
}

enum portspec_status ps_flow_remote_list(const struct portspec_policy *policy,
					 const struct portspec_flow *flow, struct ps_buf *out,
					 const char *sep, const char *quote, size_t *items)
{
	const struct portspec_profile *profile = portspec_policy_profile(policy);
	const struct portspec_spec *spec = portspec_policy_spec(policy);
	const struct portspec_zone *zone = portspec_flow_zone(flow);
	enum portspec_status st = PORTSPEC_OK;
	const struct portspec_cidr **list = NULL;
	size_t n = 0;

	*items = 0;
	if (portspec_flow_address_count(flow) > 0) {
		n = portspec_flow_address_count(flow);
		list = ps_calloc(n, sizeof(*list));
		if (!list)
			return PORTSPEC_E_NOMEM;
		for (size_t i = 0; i < n; i++)
			list[i] = portspec_flow_address(flow, i);
		put_cidrs(out, list, n, sep, quote, items);
		ps_free(list);
		return PORTSPEC_OK;
	}
	if (portspec_zone_kind(zone) != PORTSPEC_ZONE_COMPLEMENT) {
		n = portspec_profile_zone_address_count(profile, portspec_zone_name(zone));
		list = n ? ps_calloc(n, sizeof(*list)) : NULL;
		if (n && !list)
			return PORTSPEC_E_NOMEM;
		for (size_t i = 0; i < n; i++)
			list[i] =
				portspec_profile_zone_address(profile, portspec_zone_name(zone), i);
		put_cidrs(out, list, n, sep, quote, items);
		ps_free(list);
		return PORTSPEC_OK;
	}

	/* The complement of every networks zone. */
	size_t total = 0;
	for (size_t z = 0; z < portspec_spec_zone_count(spec); z++) {
		const struct portspec_zone *nz = portspec_spec_zone(spec, z);
		if (portspec_zone_kind(nz) == PORTSPEC_ZONE_NETWORKS)
			total += portspec_profile_zone_address_count(profile,
								     portspec_zone_name(nz));
	}
	struct portspec_cidr *nets = total ? ps_calloc(total, sizeof(*nets)) : NULL;
	if (total && !nets)
		return PORTSPEC_E_NOMEM;
	for (size_t z = 0, k = 0; z < portspec_spec_zone_count(spec); z++) {
		const struct portspec_zone *nz = portspec_spec_zone(spec, z);
		if (portspec_zone_kind(nz) != PORTSPEC_ZONE_NETWORKS)
			continue;
		const char *zn = portspec_zone_name(nz);
		for (size_t i = 0; i < portspec_profile_zone_address_count(profile, zn); i++)
			nets[k++] = *portspec_profile_zone_address(profile, zn, i);
	}
	for (unsigned fam = 4; fam <= 6 && st == PORTSPEC_OK; fam += 2) {
		struct ps_addr_range *r = NULL;
		size_t nr = 0;
		st = ps_addr_complement(nets, total, fam, &r, &nr);
		for (size_t i = 0; st == PORTSPEC_OK && i < nr; i++) {
			put_item(out, sep, quote, items);
			ps_addr_range_format(out, &r[i]);
			ps_buf_puts(out, quote);
		}
		ps_free(r);
	}
	ps_free(nets);
	return st;
}

void ps_text_filtered(struct ps_buf *b, const char *text, const char *extra, size_t max)
{
	size_t written = 0;
	bool pending_space = false;

	for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
		unsigned char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') ||
			  (c != 0 && c < 0x80 && extra && strchr(extra, c));
		if (!ok || c == ' ') {
			pending_space = written > 0;
			continue;
		}
		if (written + (pending_space ? 2 : 1) > max)
			break;
		if (pending_space) {
			ps_buf_putc(b, ' ');
			written++;
			pending_space = false;
		}
		ps_buf_putc(b, (char)c);
		written++;
	}
}

const char *ps_flow_dir_word(const struct portspec_flow *flow)
{
	return portspec_flow_direction(flow) == PORTSPEC_INBOUND ? "in" : "out";
}

const char *ps_empty_zone_hint(const struct portspec_zone *zone)
{
	return portspec_zone_kind(zone) == PORTSPEC_ZONE_COMPLEMENT
		       ? "the networks zones cover every address, so nothing is outside them; "
			 "narrow the networks or disable the flow's service"
		       : "give the zone addresses in the profile";
}

enum portspec_status ps_windows_check(const struct ps_render *r, const char *backend, bool *ftp)
{
	if (r->mode != PORTSPEC_MODE_HOST)
		return ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				    "%s renders Windows host firewall rules only; use --mode host "
				    "(gateway mode needs a router backend)", backend);
	*ftp = false;
	for (size_t i = 0; i < portspec_policy_flow_count(r->policy); i++) {
		const struct portspec_service *svc =
			portspec_flow_service(portspec_policy_flow(r->policy, i));
		const char *h = portspec_service_helper(svc);
		if (h && strcmp(h, "ftp") != 0)
			return ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
					    "%s: service %s needs the '%.32s' connection helper, "
					    "which Windows firewall does not have",
					    backend, portspec_service_name(svc), h);
		if (h)
			*ftp = true;
	}
	return PORTSPEC_OK;
}
