/* SPDX-License-Identifier: MIT */
/*
 * The query index against plain scans.  For every zone, direction,
 * protocol and port 1..65535 (ICMP and ICMPv6: type 1..255) the zone query must return the flow a scan of
 * the policy's flows in order finds; for every port and a set of addresses
 * around every range boundary of the plan, with and without interfaces,
 * the address query must return the entry a scan of the plan in order
 * finds.  Varied profiles of the built-in spec, a large generated spec
 * (PORTSPEC_INDEX_SPEC), a spec whose lists exceed the index's budget and
 * one whose zone maps need 32-bit values, in both modes; and random
 * connections against a scan of the plan, with byte and with 16-bit plan
 * leaves.  The oracles answer all ports of one question at once by
 * painting: the flows or the candidate entries in order, each port taken by
 * the first that holds it, which is what the scan returns.
 *
 * Under the valgrind setup (PORTSPEC_TEST_WRAPPER set) every 17th port and
 * the ports around every boundary are asked instead of all of them; the
 * staircase, whose scanned bucket answers each question in time linear in
 * its 320 entries, is asked at 64 of its boundary addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "testutil.h"

#define NPORTS 65536

static bool sparse; /* under valgrind: a sample of the ports */
static size_t max_addrs = SIZE_MAX; /* of the boundary addresses, this many spread out */
static bool *asked; /* the ports asked: all, or the sample */

/* ---- building policies ---- */

static struct portspec_policy *policy_of(struct portspec_spec *spec, const char *const *sets)
{
	char why[512];
	struct portspec_policy *policy = tu_policy(spec, sets, why, sizeof(why));
	if (!policy)
		fail_msg("%s", why);
	return policy;
}

static struct portspec_spec *default_spec(void)
{
	struct portspec_spec *spec = NULL;
	struct portspec_error err = {0};
	assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	return spec;
}

/* ---- which ports to ask ---- */

static void mark(long port)
{
	if (port >= 1 && port < NPORTS)
		asked[port] = true;
}

/* All ports, or every 17th and those around every port range of @policy. */
static void choose_ports(const struct portspec_policy *policy)
{
	for (unsigned p = 1; p < NPORTS; p++)
		asked[p] = !sparse || p % 17 == 0 || (p & 255) == 0 || (p & 255) == 255;
	for (size_t i = 0; sparse && i < portspec_policy_flow_count(policy); i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, i);
		for (int d = -1; d <= 1; d++) {
			mark((long)portspec_flow_port_first(f) + d);
			mark((long)portspec_flow_port_last(f) + d);
		}
	}
}

/* ---- the zone query ---- */

static size_t check_zones(const struct portspec_policy *policy)
{
	const struct portspec_spec *spec = portspec_policy_spec(policy);
	size_t nflows = portspec_policy_flow_count(policy), asked_n = 0;
	const struct portspec_flow **paint = calloc(NPORTS, sizeof(*paint));
	assert_non_null(paint);
	for (size_t z = 0; z < portspec_spec_zone_count(spec); z++) {
		const struct portspec_zone *zone = portspec_spec_zone(spec, z);
		for (unsigned d = 1; d <= 2; d++)
			for (unsigned pr = 1; pr <= 4; pr++) {
				unsigned top = pr <= 2 ? NPORTS : 256; /* ICMP: types */
				memset(paint, 0, NPORTS * sizeof(*paint));
				for (size_t i = 0; i < nflows; i++) {
					const struct portspec_flow *f = portspec_policy_flow(policy, i);
					if (portspec_flow_zone(f) != zone ||
					    portspec_flow_direction(f) != d ||
					    portspec_flow_protocol(f) != pr)
						continue;
					for (unsigned p = portspec_flow_port_first(f);
					     p <= portspec_flow_port_last(f); p++)
						if (!paint[p])
							paint[p] = f;
				}
				for (unsigned p = 1; p < top; p++) {
					if (!asked[p])
						continue;
					const struct portspec_flow *m = (const void *)1, *n = NULL;
					int r = tu_allowed_zone(policy, zone, d, pr, p, &m);
					if (r != (paint[p] != NULL) || m != paint[p])
						fail_msg("zone %s %s %s port %u: index %d (flow %p), scan %p",
							 portspec_zone_name(zone),
							 portspec_direction_name(d),
							 portspec_protocol_name(pr), p, r, (const void *)m,
							 (const void *)paint[p]);
					/* by name: the spec's name and a copy of it */
					char name[64];
					snprintf(name, sizeof(name), "%s", portspec_zone_name(zone));
					assert_int_equal(tu_allowed(policy, name, d, pr, p, &n), r);
					assert_ptr_equal(n, m);
					asked_n++;
				}
			}
	}
	free(paint);
	return asked_n;
}

/* ---- the address query ---- */

struct addrs {
	struct portspec_cidr *v;
	size_t n, cap;
};

static void add_addr(struct addrs *a, unsigned family, const unsigned char *base, int delta)
{
	size_t len = family == 4 ? 4 : 16;
	struct portspec_cidr c = {(unsigned char)family, (unsigned char)(len * 8), {0}};
	memcpy(c.addr, base, len);
	/* base + delta with carry; past either end there is no address */
	int carry = delta;
	for (size_t i = len; carry && i-- > 0;) {
		int v = c.addr[i] + carry;
		c.addr[i] = (unsigned char)v;
		carry = v < 0 ? -1 : v > 255 ? 1 : 0;
	}
	if (carry)
		return;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].family == family && !memcmp(a->v[i].addr, c.addr, len))
			return;
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->v = realloc(a->v, a->cap * sizeof(*a->v));
		assert_non_null(a->v);
	}
	a->v[a->n++] = c;
}

/* Every range boundary of every remote set of @plan, one either side, and the
 * ends of the address space. */
static void boundary_addrs(const struct portspec_plan *plan, struct addrs *a)
{
	static const unsigned char zero[16], ones[16] = {255, 255, 255, 255, 255, 255, 255, 255,
							  255, 255, 255, 255, 255, 255, 255, 255};
	for (unsigned f = 4; f <= 6; f += 2) {
		add_addr(a, f, zero, 0);
		add_addr(a, f, ones, 0);
	}
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		for (size_t r = 0; r < e->remote.matched_count; r++) {
			const struct portspec_addr_range *x = &e->remote.matched[r];
			for (int d = -1; d <= 1; d++) {
				add_addr(a, x->family, x->first, d);
				add_addr(a, x->family, x->last, d);
			}
		}
	}
}

static enum portspec_hook hook_of(enum portspec_mode mode, unsigned d)
{
	if (mode == PORTSPEC_MODE_GATEWAY)
		return PORTSPEC_HOOK_FORWARD;
	return d == PORTSPEC_INBOUND ? PORTSPEC_HOOK_INPUT : PORTSPEC_HOOK_OUTPUT;
}

/* The interfaces to ask with: none, each one an entry names, and another. */
static size_t interfaces(const struct portspec_plan *plan, const char **v, size_t max)
{
	size_t n = 0;
	v[n++] = NULL;
	v[n++] = "zz9";
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		const char *names[2] = {e->iif, e->oif};
		for (int k = 0; k < 2; k++) {
			bool seen = !names[k];
			for (size_t j = 1; j < n && !seen; j++)
				seen = strcmp(v[j], names[k]) == 0;
			if (!seen && n < max)
				v[n++] = names[k];
		}
	}
	return n;
}

static size_t check_plan(const struct portspec_plan *plan)
{
	enum portspec_mode mode = portspec_plan_mode(plan);
	size_t nentries = portspec_plan_entry_count(plan), asked_n = 0;
	const struct portspec_plan_entry **paint = calloc(NPORTS, sizeof(*paint));
	struct addrs a = {NULL, 0, 0};
	const char *ifs[16];
	size_t nifs = interfaces(plan, ifs, 16);
	assert_non_null(paint);
	boundary_addrs(plan, &a);
	if (a.n > max_addrs) {
		/* keep max_addrs of them, spread over the list */
		for (size_t i = 0; i < max_addrs; i++)
			a.v[i] = a.v[i * a.n / max_addrs];
		a.n = max_addrs;
	}
	for (unsigned d = 1; d <= 2; d++)
		for (unsigned pr = 1; pr <= 4; pr++)
			for (size_t ai = 0; ai < a.n; ai++)
				for (size_t k = 0; k < nifs; k++) {
					struct portspec_connection c;
					memset(&c, 0, sizeof(c));
					c.direction = d;
					c.protocol = pr;
					c.remote = a.v[ai];
					c.interface = ifs[k];
					/* the scan: entries in plan order that hold the address
					 * and fit the interface, each port to the first */
					memset(paint, 0, NPORTS * sizeof(*paint));
					for (size_t i = 0; i < nentries; i++) {
						const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
						const char *want = d == PORTSPEC_INBOUND ? e->iif : e->oif;
						if (e->kind != PORTSPEC_ENTRY_FLOW || e->hook != hook_of(mode, d) ||
						    e->direction != d || e->protocol != pr ||
						    e->family != c.remote.family ||
						    !portspec_addrset_contains(&e->remote, &c.remote) ||
						    (c.interface && want && strcmp(want, c.interface)))
							continue;
						bool icmp = pr > 2; /* ICMP: the types */
						const struct portspec_plan_port *keys = icmp ? e->icmp_types : e->ports;
						size_t nkeys = icmp ? e->icmp_type_count : e->port_count;
						for (size_t r = 0; r < nkeys; r++)
							for (unsigned p = keys[r].first; p <= keys[r].last; p++)
								if (!paint[p])
									paint[p] = e;
					}
					for (unsigned p = 1; p < (pr <= 2 ? NPORTS : 256u); p++) {
						if (!asked[p])
							continue;
						bool ok = false;
						const struct portspec_plan_entry *got = (const void *)1;
						c.port = p;
						assert_int_equal(portspec_plan_check(plan, &c, &ok, &got, NULL),
								 PORTSPEC_OK);
						if (ok != (paint[p] != NULL) || got != paint[p]) {
							char buf[64];
							fail_msg("%s %s %s %s port %u interface %s: index %p, scan %p",
								 mode == PORTSPEC_MODE_HOST ? "host" : "gateway",
								 portspec_direction_name(d),
								 portspec_protocol_name(pr),
								 portspec_cidr_format(&c.remote, buf, sizeof(buf)), p,
								 c.interface ? c.interface : "(none)", (const void *)got,
								 (const void *)paint[p]);
						}
						asked_n++;
					}
				}
	free(a.v);
	free(paint);
	return asked_n;
}

/* ---- random connections against the scan ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* The entry the scan of @plan in order finds for @c (valid, family 4 or 6). */
static const struct portspec_plan_entry *scan_ref(const struct portspec_plan *plan,
						  const struct portspec_connection *c)
{
	enum portspec_mode mode = portspec_plan_mode(plan);
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		const char *want = c->direction == PORTSPEC_INBOUND ? e->iif : e->oif;
		if (e->kind != PORTSPEC_ENTRY_FLOW || e->hook != hook_of(mode, c->direction) ||
		    e->direction != c->direction || e->protocol != c->protocol ||
		    e->family != c->remote.family ||
		    !portspec_addrset_contains(&e->remote, &c->remote) ||
		    (c->interface && want && strcmp(want, c->interface)))
			continue;
		bool icmp = c->protocol > 2;
		const struct portspec_plan_port *keys = icmp ? e->icmp_types : e->ports;
		size_t nkeys = icmp ? e->icmp_type_count : e->port_count;
		for (size_t r = 0; r < nkeys; r++)
			if (c->port >= keys[r].first && c->port <= keys[r].last)
				return e;
	}
	return NULL;
}

/*
 * @n random connections: mostly TCP and UDP without an interface (the hot
 * path), random ports or the edges of an entry's ports, addresses random,
 * on the boundaries of the plan or next to them; some ICMP, some with an
 * interface.  Each answer must be the scan's.
 */
static size_t check_random(const struct portspec_plan *plan, size_t n)
{
	struct addrs a = {NULL, 0, 0};
	const char *ifs[16];
	size_t nifs = interfaces(plan, ifs, 16), nentries = portspec_plan_entry_count(plan);
	boundary_addrs(plan, &a);
	for (size_t i = 0; i < n; i++) {
		struct portspec_connection c;
		memset(&c, 0, sizeof(c));
		uint64_t r = rnd();
		c.direction = (enum portspec_direction)(1 + (r & 1));
		c.protocol = (enum portspec_protocol)(r >> 1 & 15 ? 1 + (r >> 5 & 1) : 3 + (r >> 5 & 1));
		c.port = 1 + (unsigned)(rnd() % 65535);
		if (c.protocol > 2)
			c.port = 1 + c.port % 255;
		if ((r >> 6 & 3) == 0 && nentries) {
			const struct portspec_plan_entry *e =
				portspec_plan_entry(plan, (size_t)(rnd() % nentries));
			if (e->port_count && c.protocol <= 2) {
				const struct portspec_plan_port *p = &e->ports[rnd() % e->port_count];
				long edge[4] = {(long)p->first - 1, p->first, p->last, (long)p->last + 1};
				long x = edge[rnd() % 4];
				if (x >= 1 && x <= 65535)
					c.port = (unsigned)x;
			}
		}
		if ((r >> 8 & 3) != 0 && a.n) {
			c.remote = a.v[rnd() % a.n];
		} else {
			unsigned f = r >> 10 & 1 ? 6 : 4;
			c.remote.family = (unsigned char)f;
			c.remote.prefix = (unsigned char)(f == 4 ? 32 : 128);
			uint64_t x = rnd(), y = rnd();
			memcpy(c.remote.addr, &x, 8);
			memcpy(c.remote.addr + 8, &y, 8);
			if (f == 4)
				memset(c.remote.addr + 4, 0, 12);
		}
		if ((r >> 12 & 7) == 0)
			c.interface = ifs[rnd() % nifs];
		bool ok = false;
		const struct portspec_plan_entry *got = (const void *)1,
						 *want = scan_ref(plan, &c);
		assert_int_equal(portspec_plan_check(plan, &c, &ok, &got, NULL), PORTSPEC_OK);
		if (ok != (want != NULL) || got != want) {
			char buf[64];
			fail_msg("random %zu: %s %s port %u %s interface %s: index %p, scan %p", i,
				 portspec_direction_name(c.direction),
				 portspec_protocol_name(c.protocol), c.port,
				 portspec_cidr_format(&c.remote, buf, sizeof(buf)),
				 c.interface ? c.interface : "(none)", (const void *)got,
				 (const void *)want);
		}
	}
	free(a.v);
	return n;
}

/* ---- the kinds of plan values the index made ---- */

struct kinds {
	size_t small, large, wide, scan, longv;
};

static void count_kinds(const struct portspec_policy *policy, struct kinds *k)
{
	for (int m = 0; m < 2; m++) {
		const struct portspec_plan *plan = policy->plans[m];
		const struct ps_index *ix = plan->index;
		for (size_t map = 0; map < PS_INDEX_PLAN_MAPS / 2; map++)
			for (unsigned port = 1; port < NPORTS; port++) {
				uint32_t v = ps_plan_value_at(plan, map, port);
				if (!v)
					continue;
				if (v & 1) {
					k->longv++;
					v = ix->longv[v >> 1];
				}
				if (!(v & PS_PLAN_LARGE))
					k->small++;
				else if (v & PS_PLAN_SCAN)
					k->scan++;
				else
					k->large++;
				if ((v & PS_PLAN_LARGE) && (v & PS_PLAN_WIDE))
					k->wide++;
			}
	}
}

/* Both queries of @policy against the scans; the kinds of values seen. */
static void check_policy(const char *what, const struct portspec_policy *policy, struct kinds *k)
{
	choose_ports(policy);
	size_t n = check_zones(policy);
	for (int m = PORTSPEC_MODE_HOST; m <= PORTSPEC_MODE_GATEWAY; m++)
		n += check_plan(portspec_policy_plan(policy, (enum portspec_mode)m));
	memset(k, 0, sizeof(*k));
	count_kinds(policy, k);
	print_message("%-40s %zu flows, %zu questions; ports with a small partition %zu, "
		      "large %zu (wide %zu), scanned %zu, through the long table %zu\n",
		      what, portspec_policy_flow_count(policy), n, k->small, k->large, k->wide,
		      k->scan, k->longv);
}

/* ---- tests ---- */

static void test_builtin_profiles(void **state)
{
	(void)state;
	static const char *const site[] = {
		"role=central", "cluster-peer=192.0.2.20", "cluster-peer=2001:db8::20",
		"inside=10.0.0.0/8", "inside=2001:db8:1::/48", "appliance=192.0.2.1",
		"appliance=2001:db8::1", "dns=both", "ntp=inside",
		/* narrowed: an IPv6 server inside a /64 makes a partition wide */
		"server=dns:8.8.8.8", "server=dns:2001:4860:4860::8888", "server=ntp:10.1.2.3",
		"interface=outside:eth0,inside:eth1", "outside-interface=wan0",
		"inside-interface=lan0", "appliance-interface=dmz0", "ping=inside,outside", NULL};
	/* (a profile that sets addresses sets all it needs: the examples go) */
	static const char *const member[] = {"role=member", "cluster-peer=192.0.2.30",
					     "inside=10.0.0.0/8", "disable=ssh", "interface=eth1",
					     "ping=cluster", NULL};
	/* twelve inside networks: the outside partitions have more than 8 elements */
	static const char *const many[] = {
		"inside=10.0.0.0/24,10.0.2.0/24,10.0.4.0/24,10.0.6.0/24,10.0.8.0/24,10.0.10.0/24",
		"inside=10.0.12.0/24,10.0.14.0/24,10.0.16.0/24,10.0.18.0/24,10.0.20.0/24",
		"inside=10.0.22.0/24,fd00:1::/64,fd00:3::/64", "appliance=10.0.0.5", NULL};
	struct kinds k, all = {0, 0, 0, 0, 0};
	struct portspec_spec *spec = default_spec();
	const char *const *profiles[] = {NULL, site, member, many};
	const char *names[] = {"built-in, default profile", "built-in, site profile",
			       "built-in, cluster member", "built-in, twelve inside networks"};
	for (size_t i = 0; i < 4; i++) {
		struct portspec_policy *policy = policy_of(spec, profiles[i]);
		check_policy(names[i], policy, &k);
		/* the site answers pings from inside and outside, the default from neither */
		int ping = i == 1;
		assert_int_equal(tu_allowed(policy, "inside", PORTSPEC_INBOUND,
						     PORTSPEC_ICMP, 8, NULL), ping);
		assert_int_equal(tu_allowed(policy, "outside", PORTSPEC_INBOUND,
						     PORTSPEC_ICMPV6, 128, NULL), ping);
		assert_int_equal(tu_allowed(policy, "inside", PORTSPEC_INBOUND,
						     PORTSPEC_ICMP, 256, NULL), -PORTSPEC_E_INVALID);
		assert_int_equal(tu_allowed(policy, "nowhere", PORTSPEC_INBOUND,
						     PORTSPEC_ICMP, 8, NULL), -PORTSPEC_E_UNKNOWN);
		assert_int_equal(tu_allowed(policy, "inside", PORTSPEC_INBOUND,
						     (enum portspec_protocol)5, 8, NULL),
				 -PORTSPEC_E_INVALID);
		all.small += k.small;
		all.large += k.large;
		all.wide += k.wide;
		portspec_policy_free(policy);
	}
	portspec_spec_free(spec);
	/* the profiles reach each kind of partition */
	assert_true(all.small > 0);
	assert_true(all.large > 0);
	assert_true(all.wide > 0);
}

/*
 * Random connections against the scan, on the built-in spec's profiles and
 * the generated spec, with the plans' byte leaves and, the palette limit
 * lowered, with 16-bit leaves.
 */
static void test_random_queries(void **state)
{
	(void)state;
	static const char *const site[] = {
		"role=central", "cluster-peer=192.0.2.20", "inside=10.0.0.0/8",
		"inside=2001:db8:1::/48", "appliance=192.0.2.1", "appliance=2001:db8::1",
		"server=dns:2001:4860:4860::8888", "interface=outside:eth0,inside:eth1",
		"ping=inside,outside", NULL};
	static const char *const gsite[] = {"inside=10.0.0.0/8,172.16.0.0/12,2001:db8:1::/48",
					    "cluster-peer=192.0.2.20", "appliance=192.0.2.1",
					    "appliance=2001:db8::1", "interface=eth1", NULL};
	const char *const *sites[2] = {site, gsite};
	const char *path = getenv("PORTSPEC_INDEX_SPEC");
	struct portspec_spec *specs[2] = {default_spec(), NULL};
	struct portspec_error err = {0};
	size_t per_plan = getenv("PORTSPEC_TEST_WRAPPER") ? 1000 : 10000;
	if (!path)
		fail_msg("PORTSPEC_INDEX_SPEC (a spec written by bench/gen-spec.py) is not set");
	if (portspec_spec_load(path, &specs[1], &err))
		fail_msg("%s: %s", path, err.text);
	for (int narrow = 1; narrow >= 0; narrow--) {
		ps_index_hot_limit = narrow ? PS_INDEX_HOT : 1;
		for (size_t s = 0; s < 2; s++)
			for (int prof = 0; prof < 2; prof++) {
				struct portspec_policy *policy =
					policy_of(specs[s], prof ? sites[s] : NULL);
				/* the format asked for */
				assert_int_equal(policy->index->pool8 != NULL, narrow);
				for (int m = PORTSPEC_MODE_HOST; m <= PORTSPEC_MODE_GATEWAY; m++)
					check_random(portspec_policy_plan(policy, (enum portspec_mode)m),
						     per_plan);
				portspec_policy_free(policy);
			}
	}
	ps_index_hot_limit = PS_INDEX_HOT;
	portspec_spec_free(specs[0]);
	portspec_spec_free(specs[1]);
}

static void test_generated_spec(void **state)
{
	(void)state;
	const char *path = getenv("PORTSPEC_INDEX_SPEC");
	struct portspec_spec *spec = NULL;
	struct portspec_error err = {0};
	if (!path)
		fail_msg("PORTSPEC_INDEX_SPEC (a spec written by bench/gen-spec.py) is not set");
	if (portspec_spec_load(path, &spec, &err))
		fail_msg("%s: %s", path, err.text);
	static const char *const site[] = {"inside=10.0.0.0/8,172.16.0.0/12,2001:db8:1::/48",
					   "cluster-peer=192.0.2.20", "appliance=192.0.2.1",
					   "appliance=2001:db8::1", "interface=eth1", NULL};
	struct kinds k;
	struct portspec_policy *policy = policy_of(spec, NULL);
	check_policy("generated, default profile", policy, &k);
	assert_true(portspec_policy_flow_count(policy) > 1000);
	portspec_policy_free(policy);
	policy = policy_of(spec, site);
	check_policy("generated, site profile", policy, &k);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
}

/*
 * Narrowed services whose port ranges overlap in a staircase: each is an
 * entry of its own, and the candidate lists of the ports would grow with
 * the square of the services.  The index scans that bucket instead.  Their
 * ICMP types overlap in a staircase too, in the one chunk of an ICMP map.
 */
static void test_staircase(void **state)
{
	(void)state;
	enum { N = 320 };
	size_t cap = 64 * 1024;
	char *text = malloc(cap), *sets[N + 1];
	size_t len = (size_t)snprintf(text, cap,
				      "portspec 1\nname \"staircase\"\nversion \"1\"\n"
				      "zone outside complement \"Outside\"\n"
				      "zone inside networks \"Inside\"\n");
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"service s%d {\n\tlevel required\n\ttcp %d-%d\n"
					"\ticmp %d-%d\n}\n",
					i, 1 + 10 * i, 8000 + 10 * i, 1 + i / 2, 96 + i / 2);
	len += (size_t)snprintf(text + len, cap - len, "flow outbound outside services");
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len, " s%d", i);
	snprintf(text + len, cap - len, "\n");
	struct portspec_spec *spec = NULL;
	struct portspec_error err = {0};
	if (portspec_spec_parse(text, strlen(text), "staircase.portspec", &spec, &err))
		fail_msg("%s:%u:%u: %s", err.file, err.line, err.column, err.text);
	for (int i = 0; i < N; i++) {
		sets[i] = malloc(64);
		snprintf(sets[i], 64, "server=s%d:198.18.%d.%d", i, i / 250, i % 250 + 1);
	}
	sets[N] = NULL;
	struct kinds k;
	struct portspec_policy *policy = policy_of(spec, (const char *const *)sets);
	max_addrs = 64;
	check_policy("staircase of narrowed services", policy, &k);
	max_addrs = SIZE_MAX;
	assert_true(k.scan > 0);
	/* the ICMP bucket is a staircase too */
	struct portspec_connection c = {.direction = PORTSPEC_OUTBOUND,
					.protocol = PORTSPEC_ICMP,
					.port = 255,
					.remote = {.family = 4, .prefix = 32, .addr = {198, 18, 1, 70}}};
	const struct portspec_plan_entry *e = NULL;
	bool ok = false;
	assert_int_equal(portspec_plan_check(portspec_policy_plan(policy, PORTSPEC_MODE_HOST), &c,
					     &ok, &e, NULL),
			 PORTSPEC_OK);
	assert_true(ok && e && e->protocol == PORTSPEC_ICMP); /* s319: 160-255 */
	c.port = 100;
	assert_int_equal(portspec_plan_check(portspec_policy_plan(policy, PORTSPEC_MODE_HOST), &c,
					     &ok, &e, NULL),
			 PORTSPEC_OK);
	assert_false(ok); /* s319 starts at 160 */
	portspec_policy_free(policy);
	for (int i = 0; i < N; i++)
		free(sets[i]);
	portspec_spec_free(spec);
	free(text);
}

/* More than 65535 flows in one bucket: the zone maps hold 32-bit values. */
static void test_wide_zone_maps(void **state)
{
	(void)state;
	enum { SERVICES = 70, PORTS = 1000 };
	size_t cap = 1u << 20, len = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len,
				"portspec 1\nname \"wide\"\nversion \"1\"\n"
				"zone outside complement \"Outside\"\n"
				"zone inside networks \"Inside\"\n");
	for (int i = 0; i < SERVICES; i++) {
		len += (size_t)snprintf(text + len, cap - len, "service w%d {\n\tlevel required\n", i);
		for (int j = 0; j < PORTS; j++)
			len += (size_t)snprintf(text + len, cap - len, "\ttcp %d\n",
						1 + (i * 7 + j * 65) % 65535);
		len += (size_t)snprintf(text + len, cap - len, "}\n");
	}
	len += (size_t)snprintf(text + len, cap - len, "flow inbound outside services");
	for (int i = 0; i < SERVICES; i++)
		len += (size_t)snprintf(text + len, cap - len, " w%d", i);
	snprintf(text + len, cap - len, "\n");
	struct portspec_spec *spec = NULL;
	struct portspec_error err = {0};
	if (portspec_spec_parse(text, strlen(text), "wide.portspec", &spec, &err))
		fail_msg("%s:%u:%u: %s", err.file, err.line, err.column, err.text);
	struct kinds k;
	struct portspec_policy *policy = policy_of(spec, NULL);
	assert_true(portspec_policy_flow_count(policy) > 65535);
	assert_true(policy->index->zone_wide);
	check_policy("one bucket of 70,000 flows", policy, &k);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	free(text);
}

/* A zone of another spec, bad arguments, and the match cleared on denial. */
static void test_zone_handles(void **state)
{
	(void)state;
	struct portspec_spec *a = default_spec(), *b = default_spec();
	struct portspec_policy *policy = policy_of(a, NULL);
	const struct portspec_zone *inside = portspec_spec_find_zone(a, "inside");
	const struct portspec_zone *other = portspec_spec_find_zone(b, "inside");
	const struct portspec_flow *m = (const void *)1;
	assert_int_equal(tu_allowed_zone(policy, inside, PORTSPEC_INBOUND, PORTSPEC_TCP,
						  22, &m), 1);
	assert_non_null(m);
	assert_string_equal(portspec_service_name(portspec_flow_service(m)), "ssh");
	assert_int_equal(tu_allowed_zone(policy, other, PORTSPEC_INBOUND, PORTSPEC_TCP,
						  22, &m), -PORTSPEC_E_UNKNOWN);
	assert_null(m);
	assert_int_equal(tu_allowed_zone(policy, NULL, PORTSPEC_INBOUND, PORTSPEC_TCP,
						  22, &m), -PORTSPEC_E_INVALID);
	assert_int_equal(tu_allowed_zone(NULL, inside, PORTSPEC_INBOUND, PORTSPEC_TCP,
						  22, &m), -PORTSPEC_E_INVALID);
	assert_int_equal(tu_allowed_zone(policy, inside, PORTSPEC_DIR_ANY, PORTSPEC_TCP,
						  22, &m), -PORTSPEC_E_INVALID);
	assert_int_equal(tu_allowed_zone(policy, inside, PORTSPEC_INBOUND,
						  PORTSPEC_PROTO_ANY, 22, &m), -PORTSPEC_E_INVALID);
	assert_int_equal(tu_allowed_zone(policy, inside, PORTSPEC_INBOUND, PORTSPEC_TCP,
						  0, &m), -PORTSPEC_E_INVALID);
	assert_int_equal(tu_allowed_zone(policy, inside, PORTSPEC_INBOUND, PORTSPEC_TCP,
						  65536, &m), -PORTSPEC_E_INVALID);
	m = (const void *)1;
	assert_int_equal(tu_allowed_zone(policy, inside, PORTSPEC_INBOUND, PORTSPEC_TCP,
						  23, &m), 0);
	assert_null(m);
	assert_int_equal(tu_allowed_zone(policy, inside, PORTSPEC_INBOUND, PORTSPEC_TCP,
						  22, NULL), 1);
	portspec_policy_free(policy);
	portspec_spec_free(a);
	portspec_spec_free(b);
}

int main(void)
{
	sparse = getenv("PORTSPEC_TEST_WRAPPER") != NULL;
	asked = calloc(NPORTS, sizeof(*asked));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_handles),
		cmocka_unit_test(test_builtin_profiles),
		cmocka_unit_test(test_generated_spec),
		cmocka_unit_test(test_random_queries),
		cmocka_unit_test(test_staircase),
		cmocka_unit_test(test_wide_zone_maps),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(asked);
	return rc;
}
