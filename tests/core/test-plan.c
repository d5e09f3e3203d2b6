/* SPDX-License-Identifier: MIT */
/*
 * The rule plan: zone semantics resolved to packets once, for every backend
 * and query.  Each test states one rule of portspec-profile(5) ZONES and
 * checks the entries against addresses worked out by hand, and the queries
 * by address against the entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <portspec/portspec.h>

#include "testutil.h"

/* ---- helpers ---- */

/* A policy of the built-in spec with "key=value" settings (NULL-terminated). */
static struct portspec_policy *policy_with(const char *const *sets)
{
	struct portspec_spec *spec = NULL;
	struct portspec_error err = {0};
	char why[512];
	assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	struct portspec_policy *policy = tu_policy(spec, sets, why, sizeof(why));
	if (!policy)
		fail_msg("%s", why);
	portspec_spec_free(spec);
	return policy;
}

static const struct portspec_zone *zone_named(const struct portspec_policy *p, const char *name)
{
	return portspec_spec_find_zone(portspec_policy_spec(p), name);
}

/*
 * The only flow entry of @hook, @dir, @family, @protocol and zone @zone, with
 * or without a helper (fails if there are two).
 */
static const struct portspec_plan_entry *flow_entry_dir(const struct portspec_plan *plan,
							enum portspec_hook hook,
							enum portspec_direction dir,
							unsigned family,
							enum portspec_protocol proto,
							const char *zone, const char *helper)
{
	const struct portspec_plan_entry *found = NULL;
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		if (e->kind != PORTSPEC_ENTRY_FLOW || e->hook != hook || e->direction != dir ||
		    e->family != family ||
		    e->protocol != proto || strcmp(portspec_zone_name(e->zone), zone) != 0 ||
		    (e->helper == NULL) != (helper == NULL))
			continue;
		if (found)
			fail_msg("two %s entries for zone %s", portspec_hook_name(hook), zone);
		found = e;
	}
	return found;
}

/* The same, inbound for INPUT and FORWARD, outbound for OUTPUT. */
static const struct portspec_plan_entry *flow_entry(const struct portspec_plan *plan,
						    enum portspec_hook hook, unsigned family,
						    enum portspec_protocol proto, const char *zone,
						    const char *helper)
{
	return flow_entry_dir(plan, hook,
			      hook == PORTSPEC_HOOK_OUTPUT ? PORTSPEC_OUTBOUND : PORTSPEC_INBOUND,
			      family, proto, zone, helper);
}

static size_t count_flow_entries(const struct portspec_plan *plan, unsigned family)
{
	size_t n = 0;
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		n += e->kind == PORTSPEC_ENTRY_FLOW && (!family || e->family == family);
	}
	return n;
}

static char *cidrs_of(const struct portspec_addrset *s, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < s->cidr_count && off < size; i++) {
		char one[64];
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? "," : "",
					portspec_cidr_format(&s->cidrs[i], one, sizeof(one)));
	}
	return buf;
}

static struct portspec_cidr addr(const char *text)
{
	struct portspec_cidr c;
	struct portspec_error err;
	assert_int_equal(portspec_cidr_parse(text, &c, &err), PORTSPEC_OK);
	return c;
}

/* The kind of the first warning that says @needle; 0 if none does. */
static enum portspec_warning_kind warning_kind(const struct portspec_plan *plan,
					       const char *needle)
{
	for (size_t i = 0; i < portspec_plan_warning_count(plan); i++)
		if (strstr(portspec_plan_warning(plan, i), needle))
			return portspec_plan_warning_kind(plan, i);
	return (enum portspec_warning_kind)0;
}

static bool has_warning(const struct portspec_plan *plan, const char *needle)
{
	return warning_kind(plan, needle) != 0;
}

static bool allowed(const struct portspec_plan *plan, enum portspec_direction d, const char *a,
		    enum portspec_protocol p, unsigned port, const char *iface)
{
	struct portspec_connection c = {.direction = d, .remote = addr(a), .protocol = p,
					.port = port, .interface = iface};
	bool ok = false;
	const struct portspec_plan_entry *e = NULL;
	struct portspec_error err = {0};
	if (portspec_plan_check(plan, &c, &ok, &e, &err))
		fail_msg("check: %s", err.text);
	assert_true(ok == (e != NULL));
	if (e) {
		/* the entry really holds the connection */
		assert_true(portspec_addrset_contains(&e->remote, &c.remote));
		assert_int_equal(e->direction, d);
	}
	return ok;
}

#define H PORTSPEC_MODE_HOST
#define G PORTSPEC_MODE_GATEWAY
#define IN PORTSPEC_INBOUND
#define OUT PORTSPEC_OUTBOUND
#define TCP PORTSPEC_TCP
#define UDP PORTSPEC_UDP

/* ---- tests ---- */

/* The default plan: the vendor's matrix, with the baseline first. */
static void test_default_plan(void **state)
{
	(void)state;
	struct portspec_policy *p = policy_with(NULL);
	const struct portspec_plan *plan = portspec_policy_plan(p, H);
	assert_non_null(plan);
	assert_ptr_equal(portspec_plan_policy(plan), p);
	assert_int_equal(portspec_plan_mode(plan), H);
	assert_true(portspec_plan_hook_drops(plan, PORTSPEC_HOOK_INPUT));
	assert_true(portspec_plan_hook_drops(plan, PORTSPEC_HOOK_OUTPUT));
	assert_true(portspec_plan_hook_drops(plan, PORTSPEC_HOOK_FORWARD));
	/* baseline before flows */
	bool flows_started = false;
	size_t established = 0, loopback = 0, nd = 0;
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		if (e->kind == PORTSPEC_ENTRY_FLOW) {
			flows_started = true;
			assert_true(e->port_count > 0);
			assert_null(e->iif); /* no interface= set: any */
			assert_null(e->oif);
			assert_int_equal(e->local.match, PORTSPEC_ADDR_ANY);
			continue;
		}
		assert_false(flows_started);
		established += e->kind == PORTSPEC_ENTRY_ESTABLISHED;
		loopback += e->kind == PORTSPEC_ENTRY_LOOPBACK;
		nd += e->kind == PORTSPEC_ENTRY_NEIGHBOR_DISCOVERY;
		assert_int_equal(e->complete_only, e->kind == PORTSPEC_ENTRY_LOOPBACK);
		if (e->kind == PORTSPEC_ENTRY_NEIGHBOR_DISCOVERY)
			assert_int_equal(e->family, 6);
	}
	assert_int_equal(established, 4); /* input and output, both families */
	assert_int_equal(loopback, 4);
	assert_int_equal(nd, 2);
	/* inbound inside tcp: 22 25 443 465 4443 from 192.0.2.0/24 */
	const struct portspec_plan_entry *e =
		flow_entry(plan, PORTSPEC_HOOK_INPUT, 4, TCP, "inside", NULL);
	assert_non_null(e);
	static const unsigned ports[] = {22, 25, 443, 465, 4443};
	assert_int_equal(e->port_count, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(e->ports[i].first, ports[i]);
		assert_int_equal(e->ports[i].last, ports[i]);
		assert_int_equal(e->ports[i].flow_count, 1);
	}
	assert_string_equal(portspec_service_name(portspec_flow_service(e->ports[0].flows[0])),
			    "ssh");
	char buf[256];
	assert_int_equal(e->remote.match, PORTSPEC_ADDR_IN);
	assert_string_equal(cidrs_of(&e->remote, buf, sizeof(buf)), "192.0.2.0/24");
	assert_string_equal(e->remote.label, "inside");
	/* outside is the complement of inside, explicitly */
	e = flow_entry(plan, PORTSPEC_HOOK_INPUT, 6, TCP, "outside", NULL);
	assert_non_null(e);
	assert_int_equal(e->remote.match, PORTSPEC_ADDR_NOT_IN);
	assert_string_equal(cidrs_of(&e->remote, buf, sizeof(buf)), "2001:db8:2::/64");
	assert_string_equal(e->remote.label, "inside");
	assert_int_equal(e->remote.matched_count, 2);
	/* FTP is an entry of its own that carries its helper */
	e = flow_entry(plan, PORTSPEC_HOOK_OUTPUT, 4, TCP, "inside", "ftp");
	assert_non_null(e);
	assert_int_equal(e->port_count, 1);
	assert_int_equal(e->ports[0].first, 21);
	assert_string_equal(e->helper, "ftp");
	assert_non_null(flow_entry(plan, PORTSPEC_HOOK_OUTPUT, 4, TCP, "inside", NULL));
	/* standalone: no cluster entries */
	assert_null(flow_entry(plan, PORTSPEC_HOOK_INPUT, 4, TCP, "cluster", NULL));
	/* gateway: forward only; the firewall's own traffic is left alone */
	plan = portspec_policy_plan(p, G);
	assert_false(portspec_plan_hook_drops(plan, PORTSPEC_HOOK_INPUT));
	assert_false(portspec_plan_hook_drops(plan, PORTSPEC_HOOK_OUTPUT));
	assert_true(portspec_plan_hook_drops(plan, PORTSPEC_HOOK_FORWARD));
	e = flow_entry(plan, PORTSPEC_HOOK_FORWARD, 4, TCP, "inside", NULL);
	assert_non_null(e);
	assert_int_equal(e->local.match, PORTSPEC_ADDR_IN);
	assert_string_equal(cidrs_of(&e->local, buf, sizeof(buf)), "198.51.100.10");
	assert_string_equal(e->local.label, "appliance");
	assert_null(portspec_policy_plan(p, (enum portspec_mode)3));
	assert_null(portspec_plan_entry(plan, portspec_plan_entry_count(plan)));
	portspec_policy_free(p);
}

/* Nested, adjacent and unsorted networks fold before any backend sees them. */
static void test_networks_fold(void **state)
{
	(void)state;
	static const char *const sets[] = {"inside=10.1.0.0/16", "inside=10.0.0.0/8",
					   "inside=192.168.1.0/24", "inside=192.168.0.0/24",
					   "inside=172.16.0.0/24", "inside=172.16.2.0/24", NULL};
	struct portspec_policy *p = policy_with(sets);
	const struct portspec_plan_entry *e = flow_entry(portspec_policy_plan(p, H),
							 PORTSPEC_HOOK_INPUT, 4, UDP, "inside", NULL);
	char buf[256];
	assert_string_equal(cidrs_of(&e->remote, buf, sizeof(buf)),
			    "10.0.0.0/8,172.16.0.0/24,172.16.2.0/24,192.168.0.0/23");
	assert_int_equal(e->remote.range_count, 4);
	portspec_policy_free(p);
}

/* A family with no address of the zone (or, gateway, of the appliance) has no entry. */
static void test_family_without_addresses(void **state)
{
	(void)state;
	static const char *const v4_inside[] = {"inside=10.0.0.0/8", NULL};
	struct portspec_policy *p = policy_with(v4_inside);
	const struct portspec_plan *plan = portspec_policy_plan(p, H);
	assert_null(flow_entry(plan, PORTSPEC_HOOK_INPUT, 6, TCP, "inside", NULL));
	/* outside of IPv6 is then every IPv6 address */
	const struct portspec_plan_entry *e =
		flow_entry(plan, PORTSPEC_HOOK_INPUT, 6, TCP, "outside", NULL);
	assert_non_null(e);
	assert_int_equal(e->remote.match, PORTSPEC_ADDR_ANY);
	assert_null(e->remote.label);
	assert_false(has_warning(plan, "no rule"));
	portspec_policy_free(p);

	/* v4 appliance, v6 inside: the gateway's inside flows have no packets */
	static const char *const mixed[] = {"appliance=10.0.0.25", "inside=2001:db8:100::/48",
					    NULL};
	p = policy_with(mixed);
	plan = portspec_policy_plan(p, G);
	assert_null(flow_entry(plan, PORTSPEC_HOOK_FORWARD, 4, TCP, "inside", NULL));
	assert_null(flow_entry(plan, PORTSPEC_HOOK_FORWARD, 6, TCP, "inside", NULL));
	assert_non_null(flow_entry(plan, PORTSPEC_HOOK_FORWARD, 4, TCP, "outside", NULL));
	assert_int_equal(warning_kind(plan, "inbound inside tcp: no rule in gateway mode"),
			 PORTSPEC_WARNING_NO_RULE);
	assert_true(has_warning(plan, "for IPv4 the zone has no address"));
	assert_true(has_warning(plan, "for IPv6 the appliance has no address"));
	/* the host plan has them: the appliance's addresses do not matter there */
	assert_non_null(flow_entry(portspec_policy_plan(p, H), PORTSPEC_HOOK_INPUT, 6, TCP,
				   "inside", NULL));
	portspec_policy_free(p);
}

/* Narrowing addresses are intersected with the zone. */
static void test_narrowing_is_intersected(void **state)
{
	(void)state;
	/* a server network half inside: only its outside half is served outside */
	static const char *const sets[] = {"inside=10.0.0.0/8", "dns=outside",
					   "server=dns:10.0.0.0/7", "server=dns:8.8.8.8", NULL};
	struct portspec_policy *p = policy_with(sets);
	const struct portspec_plan *plan = portspec_policy_plan(p, H);
	/* ntp (the whole zone) and dns (narrowed) are two entries */
	size_t whole = 0, narrowed = 0;
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *x = portspec_plan_entry(plan, i);
		if (x->kind != PORTSPEC_ENTRY_FLOW || x->hook != PORTSPEC_HOOK_OUTPUT ||
		    x->family != 4 || x->protocol != UDP ||
		    strcmp(portspec_zone_name(x->zone), "outside") != 0)
			continue;
		if (x->remote.label) {
			assert_int_equal(x->port_count, 1);
			assert_int_equal(x->ports[0].first, 123);
			whole++;
			continue;
		}
		char buf[64];
		assert_string_equal(cidrs_of(&x->remote, buf, sizeof(buf)), "8.8.8.8,11.0.0.0/8");
		assert_int_equal(x->ports[0].first, 53);
		narrowed++;
	}
	assert_int_equal(whole, 1);
	assert_int_equal(narrowed, 1);
	assert_true(allowed(plan, OUT, "8.8.8.8", UDP, 53, NULL));
	assert_true(allowed(plan, OUT, "11.1.2.3", UDP, 53, NULL));
	assert_false(allowed(plan, OUT, "10.1.2.3", UDP, 53, NULL)); /* inside, not served there */
	assert_false(allowed(plan, OUT, "8.8.4.4", UDP, 53, NULL));
	assert_true(allowed(plan, OUT, "8.8.4.4", UDP, 123, NULL));
	portspec_policy_free(p);
}

/* Host mode: interface= names the appliance's interface, per zone if given. */
static void test_host_interfaces(void **state)
{
	(void)state;
	static const char *const sets[] = {"interface=eth9", "interface=outside:wan0",
					   "outside-interface=em0", NULL};
	struct portspec_policy *p = policy_with(sets);
	const struct portspec_plan *plan = portspec_policy_plan(p, H);
	const struct portspec_plan_entry *e =
		flow_entry(plan, PORTSPEC_HOOK_INPUT, 4, TCP, "outside", NULL);
	assert_string_equal(e->iif, "wan0");
	assert_null(e->oif);
	e = flow_entry(plan, PORTSPEC_HOOK_OUTPUT, 4, TCP, "inside", NULL);
	assert_null(e->iif);
	assert_string_equal(e->oif, "eth9");
	/* the gateway key is reported, not silently ignored */
	assert_int_equal(warning_kind(plan,
				      "host rules do not use the gateway keys outside-interface=em0"),
			 PORTSPEC_WARNING_UNUSED_KEY);
	assert_true(allowed(plan, IN, "203.0.113.9", TCP, 25, "wan0"));
	assert_false(allowed(plan, IN, "203.0.113.9", TCP, 25, "eth9"));
	assert_true(allowed(plan, IN, "203.0.113.9", TCP, 25, NULL));
	/* gateway mode reports the host keys */
	plan = portspec_policy_plan(p, G);
	assert_int_equal(warning_kind(plan,
				      "gateway rules do not use interface=eth9, interface=outside:wan0"),
			 PORTSPEC_WARNING_UNUSED_KEY);
	/* the policy's warnings come first, with their kinds */
	assert_int_equal(portspec_plan_warning_kind(plan, 0), PORTSPEC_WARNING_SERVICE_NOTE);
	assert_int_equal(portspec_plan_warning_kind(plan, portspec_plan_warning_count(plan)), 0);
	assert_int_equal(portspec_plan_warning_kind(NULL, 0), 0);
	e = flow_entry(plan, PORTSPEC_HOOK_FORWARD, 4, TCP, "outside", NULL);
	assert_string_equal(e->iif, "em0");
	portspec_policy_free(p);
}

/* Gateway mode: a zone known by address and interface matches both. */
static void test_gateway_interface_and_address(void **state)
{
	(void)state;
	static const char *const sets[] = {"inside=10.20.0.0/16", "appliance=10.20.5.25",
					   "inside-interface=lan0", "outside-interface=wan0",
					   "appliance-interface=dmz0", NULL};
	struct portspec_policy *p = policy_with(sets);
	const struct portspec_plan *plan = portspec_policy_plan(p, G);
	const struct portspec_plan_entry *e =
		flow_entry(plan, PORTSPEC_HOOK_FORWARD, 4, TCP, "inside", NULL);
	char buf[64];
	assert_string_equal(e->iif, "lan0");
	assert_string_equal(e->oif, "dmz0");
	assert_string_equal(cidrs_of(&e->remote, buf, sizeof(buf)), "10.20.0.0/16");
	e = flow_entry(plan, PORTSPEC_HOOK_FORWARD, 4, TCP, "outside", NULL);
	assert_string_equal(e->iif, "wan0");
	assert_int_equal(e->remote.match, PORTSPEC_ADDR_NOT_IN);
	/* outbound: the appliance side is the input */
	e = flow_entry_dir(plan, PORTSPEC_HOOK_FORWARD, PORTSPEC_OUTBOUND, 4, UDP, "inside", NULL);
	assert_string_equal(e->iif, "dmz0");
	assert_string_equal(e->oif, "lan0");
	/* ssh from inside on the inside interface; a spoofed outside source there, or an
	 * inside source on the outside interface, has no inside rights */
	assert_true(allowed(plan, IN, "10.20.9.5", TCP, 22, "lan0"));
	assert_false(allowed(plan, IN, "198.51.100.7", TCP, 22, "lan0"));
	assert_false(allowed(plan, IN, "10.20.9.5", TCP, 22, "wan0"));
	assert_false(allowed(plan, IN, "198.51.100.7", TCP, 25, "lan0"));
	assert_true(allowed(plan, IN, "198.51.100.7", TCP, 25, "wan0"));
	portspec_policy_free(p);
}

/* Several networks zones: outside excludes all of them, labelled "networks". */
static void test_two_networks_zones(void **state)
{
	(void)state;
	static const char spec_text[] =
		"portspec 1\nzone outside complement \"o\"\nzone inside networks \"i\"\n"
		"zone dmz networks \"d\"\n"
		"service web {\n\tlevel required\n\ttcp 443\n}\n"
		"flow inbound outside services web\nflow inbound dmz services web\n";
	struct portspec_spec *spec = NULL;
	struct portspec_profile *profile = NULL;
	struct portspec_policy *p = NULL;
	struct portspec_error err = {0};
	assert_int_equal(portspec_spec_parse(spec_text, strlen(spec_text), NULL, &spec, &err),
			 PORTSPEC_OK);
	assert_int_equal(portspec_profile_new(spec, &profile, NULL), PORTSPEC_OK);
	assert_int_equal(portspec_profile_set(profile, "inside", "10.0.0.0/9", &err), PORTSPEC_OK);
	assert_int_equal(portspec_profile_set(profile, "dmz", "10.128.0.0/9", &err), PORTSPEC_OK);
	assert_int_equal(portspec_policy_new(spec, profile, &p, &err), PORTSPEC_OK);
	const struct portspec_plan *plan = portspec_policy_plan(p, H);
	const struct portspec_plan_entry *e =
		flow_entry(plan, PORTSPEC_HOOK_INPUT, 4, TCP, "outside", NULL);
	char buf[64];
	assert_string_equal(cidrs_of(&e->remote, buf, sizeof(buf)), "10.0.0.0/8");
	assert_string_equal(e->remote.label, "networks");
	e = flow_entry(plan, PORTSPEC_HOOK_INPUT, 4, TCP, "dmz", NULL);
	assert_string_equal(cidrs_of(&e->remote, buf, sizeof(buf)), "10.128.0.0/9");
	assert_true(allowed(plan, IN, "10.200.0.1", TCP, 443, NULL));
	assert_true(allowed(plan, IN, "11.0.0.1", TCP, 443, NULL));
	assert_false(allowed(plan, IN, "10.1.0.1", TCP, 443, NULL)); /* inside has no flow */
	portspec_policy_free(p);
	portspec_profile_free(profile);
	portspec_spec_free(spec);
}

/* An inside of everything leaves outside no address: its flows get no entry. */
static void test_inside_everything(void **state)
{
	(void)state;
	static const char *const sets[] = {"inside=0.0.0.0/0", "inside=::/0", NULL};
	struct portspec_policy *p = policy_with(sets);
	const struct portspec_plan *plan = portspec_policy_plan(p, H);
	assert_null(flow_entry(plan, PORTSPEC_HOOK_INPUT, 4, TCP, "outside", NULL));
	assert_null(flow_entry(plan, PORTSPEC_HOOK_INPUT, 6, TCP, "outside", NULL));
	assert_true(has_warning(plan, "none is outside"));
	assert_int_equal(count_flow_entries(plan, 0), 10);
	portspec_policy_free(p);
}

/* Cluster peers are their own zone, with a role. */
static void test_cluster_entries(void **state)
{
	(void)state;
	static const char *const sets[] = {"role=central", "cluster-peer=192.0.2.77",
					   "inside=10.0.0.0/8", NULL};
	struct portspec_policy *p = policy_with(sets);
	const struct portspec_plan *plan = portspec_policy_plan(p, H);
	const struct portspec_plan_entry *e =
		flow_entry(plan, PORTSPEC_HOOK_INPUT, 4, TCP, "cluster", NULL);
	char buf[64];
	assert_string_equal(cidrs_of(&e->remote, buf, sizeof(buf)), "192.0.2.77");
	assert_string_equal(e->remote.label, "cluster");
	assert_null(flow_entry(plan, PORTSPEC_HOOK_INPUT, 6, TCP, "cluster", NULL));
	assert_true(allowed(plan, IN, "192.0.2.77", TCP, 5432, NULL));
	assert_false(allowed(plan, IN, "192.0.2.78", TCP, 5432, NULL));
	portspec_policy_free(p);
}

/* ping=: ICMP echo requests of one family each; the established entries name
 * the ICMP errors that pass with a connection. */
static void test_ping_entries(void **state)
{
	(void)state;
	static const char *const sets[] = {"inside=10.20.0.0/16", "inside=fd12:3456::/48",
					   "ping=inside", NULL};
	struct portspec_policy *p = policy_with(sets);
	const struct portspec_plan *plan = portspec_policy_plan(p, H);
	const struct portspec_plan_entry *e =
		flow_entry(plan, PORTSPEC_HOOK_INPUT, 4, PORTSPEC_ICMP, "inside", NULL);
	assert_non_null(e);
	assert_int_equal(e->port_count, 0);
	assert_int_equal(e->icmp_type_count, 1);
	assert_int_equal(e->icmp_types[0].first, 8);
	assert_string_equal(portspec_service_name(portspec_flow_service(e->icmp_types[0].flows[0])),
			    "ping");
	assert_null(flow_entry(plan, PORTSPEC_HOOK_INPUT, 6, PORTSPEC_ICMP, "inside", NULL));
	e = flow_entry(plan, PORTSPEC_HOOK_INPUT, 6, PORTSPEC_ICMPV6, "inside", NULL);
	assert_non_null(e);
	assert_int_equal(e->icmp_types[0].first, 128);
	assert_null(flow_entry(plan, PORTSPEC_HOOK_INPUT, 4, PORTSPEC_ICMP, "outside", NULL));
	assert_true(allowed(plan, IN, "10.20.9.9", PORTSPEC_ICMP, 8, NULL));
	assert_true(allowed(plan, IN, "fd12:3456::9", PORTSPEC_ICMPV6, 128, NULL));
	assert_false(allowed(plan, IN, "10.20.9.9", PORTSPEC_ICMP, 13, NULL));
	assert_false(allowed(plan, IN, "203.0.113.9", PORTSPEC_ICMP, 8, NULL));
	/* the policy has the flows, and by zone the query agrees */
	assert_int_equal(tu_allowed(p, "inside", IN, PORTSPEC_ICMP, 8, NULL), 1);
	assert_int_equal(tu_allowed(p, "outside", IN, PORTSPEC_ICMP, 8, NULL), 0);
	assert_int_equal(tu_allowed(p, "inside", IN, PORTSPEC_ICMP, 256, NULL),
			 -PORTSPEC_E_INVALID);
	/* the ICMP errors of connections, by family */
	unsigned seen = 0;
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *b = portspec_plan_entry(plan, i);
		if (b->kind != PORTSPEC_ENTRY_ESTABLISHED)
			continue;
		assert_null(b->icmp_types[0].flows);
		if (b->family == 4) {
			assert_int_equal(b->icmp_type_count, 2);
			assert_int_equal(b->icmp_types[0].first, 3);
			assert_int_equal(b->icmp_types[1].first, 11);
			assert_int_equal(b->icmp_types[1].last, 12);
		} else {
			assert_int_equal(b->icmp_type_count, 1);
			assert_int_equal(b->icmp_types[0].first, 1); /* 2: packet too big */
			assert_int_equal(b->icmp_types[0].last, 4);
		}
		seen++;
	}
	assert_int_equal(seen, 4);
	portspec_policy_free(p);
	/* a zone that ping= names needs addresses */
	struct portspec_spec *spec = NULL;
	struct portspec_profile *pr = NULL;
	struct portspec_error err = {0};
	assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	assert_int_equal(portspec_profile_new(spec, &pr, NULL), PORTSPEC_OK);
	assert_int_equal(portspec_profile_set(pr, "inside", "10.0.0.0/8", &err), PORTSPEC_OK);
	assert_int_equal(portspec_profile_set(pr, "ping", "cluster", &err), PORTSPEC_OK);
	assert_int_equal(portspec_policy_new(spec, pr, &p, &err), PORTSPEC_E_PROFILE);
	assert_non_null(strstr(err.text, "set cluster-peer=ADDRESS"));
	assert_int_equal(portspec_profile_set(pr, "ping", "nowhere", &err), PORTSPEC_E_PROFILE);
	assert_int_equal(portspec_profile_set(pr, "ping", "none", &err), PORTSPEC_OK);
	assert_false(portspec_profile_ping(pr, portspec_spec_find_zone(spec, "cluster")));
	portspec_profile_free(pr);
	portspec_spec_free(spec);
}

/* log=drops: every hook that drops logs, with a prefix of its own; none by default. */
static void test_log_prefixes(void **state)
{
	(void)state;
	struct portspec_policy *p = policy_with(NULL);
	for (unsigned h = PORTSPEC_HOOK_INPUT; h <= PORTSPEC_HOOK_FORWARD; h++) {
		assert_null(portspec_plan_log_prefix(portspec_policy_plan(p, H), h));
		assert_null(portspec_plan_log_prefix(portspec_policy_plan(p, G), h));
	}
	portspec_policy_free(p);
	static const char *const sets[] = {"log=drops", NULL};
	p = policy_with(sets);
	assert_true(portspec_profile_logs_drops(portspec_policy_profile(p)));
	const struct portspec_plan *plan = portspec_policy_plan(p, H);
	assert_string_equal(portspec_plan_log_prefix(plan, PORTSPEC_HOOK_INPUT),
			    "portspec drop input: ");
	assert_string_equal(portspec_plan_log_prefix(plan, PORTSPEC_HOOK_OUTPUT),
			    "portspec drop output: ");
	/* gateway mode leaves the firewall's own traffic alone, and does not log it */
	plan = portspec_policy_plan(p, G);
	assert_null(portspec_plan_log_prefix(plan, PORTSPEC_HOOK_INPUT));
	assert_null(portspec_plan_log_prefix(plan, PORTSPEC_HOOK_OUTPUT));
	assert_string_equal(portspec_plan_log_prefix(plan, PORTSPEC_HOOK_FORWARD),
			    "portspec drop forward: ");
	assert_null(portspec_plan_log_prefix(plan, (enum portspec_hook)9));
	assert_null(portspec_plan_log_prefix(NULL, PORTSPEC_HOOK_FORWARD));
	portspec_policy_free(p);
}

/* Queries: bad arguments, by zone, and the explanations. */
static void test_check_arguments(void **state)
{
	(void)state;
	struct portspec_policy *p = policy_with(NULL);
	const struct portspec_plan *plan = portspec_policy_plan(p, H);
	struct portspec_connection c = {.direction = IN, .remote = addr("192.0.2.9"),
					.protocol = TCP, .port = 22};
	struct portspec_error err = {0};
	bool ok = false;
	const struct portspec_plan_entry *e = (const void *)1;
	assert_int_equal(portspec_plan_check(NULL, &c, &ok, &e, &err), PORTSPEC_E_INVALID);
	assert_null(e);
	c.port = 0;
	assert_int_equal(portspec_plan_check(plan, &c, &ok, NULL, &err), PORTSPEC_E_INVALID);
	assert_non_null(strstr(err.text, "port"));
	c.port = 22;
	c.remote = addr("192.0.2.0/24");
	assert_int_equal(portspec_plan_check(plan, &c, &ok, NULL, &err), PORTSPEC_E_INVALID);
	assert_non_null(strstr(err.text, "not a network"));
	c.remote = addr("192.0.2.9");
	c.protocol = (enum portspec_protocol)9;
	assert_int_equal(portspec_plan_check(plan, &c, &ok, NULL, &err), PORTSPEC_E_INVALID);
	c.protocol = TCP;
	assert_int_equal(portspec_plan_check(plan, &c, NULL, NULL, &err), PORTSPEC_E_INVALID);
	/* by zone */
	struct portspec_connection z = {.direction = IN, .zone = zone_named(p, "inside"),
					.protocol = TCP, .port = 22};
	assert_int_equal(portspec_plan_check(plan, &z, &ok, &e, &err), PORTSPEC_OK);
	assert_true(ok);
	assert_null(e);
	z.zone = NULL;
	assert_int_equal(portspec_plan_check(plan, &z, &ok, &e, &err), PORTSPEC_E_INVALID);
	portspec_policy_free(p);
}

static struct portspec_explanation *explain(const struct portspec_plan *plan,
					    const struct portspec_connection *c)
{
	struct portspec_explanation *x = NULL;
	struct portspec_error err = {0};
	if (portspec_plan_explain(plan, c, &x, &err))
		fail_msg("explain: %s", err.text);
	assert_non_null(x->reason);
	return x;
}

static bool has_change(const struct portspec_explanation *x, const char *setting)
{
	for (size_t i = 0; i < x->change_count; i++)
		if (strcmp(x->changes[i].setting, setting) == 0 && x->changes[i].reason[0])
			return true;
	return false;
}

static void test_explain(void **state)
{
	(void)state;
	static const char *const sets[] = {"inside=10.20.0.0/16", "disable=snmp", "dns=inside",
					   "server=dns:10.20.0.53", "cluster-peer=10.30.0.5", NULL};
	struct portspec_policy *p = policy_with(sets);
	const struct portspec_plan *plan = portspec_policy_plan(p, H);
	struct portspec_connection c = {.direction = IN, .remote = addr("10.20.9.5"),
					.protocol = UDP, .port = 161};
	struct portspec_explanation *x = explain(plan, &c);
	assert_false(x->allowed);
	assert_null(x->entry);
	assert_int_equal(x->zones, 1ul << 1); /* inside is zone 1 of the built-in spec */
	assert_non_null(strstr(x->reason, "snmp is turned off"));
	assert_true(has_change(x, "enable=snmp"));
	portspec_explanation_free(x);

	c = (struct portspec_connection){.direction = IN, .remote = addr("10.20.9.5"),
					 .protocol = TCP, .port = 443};
	x = explain(plan, &c);
	assert_true(x->allowed);
	assert_non_null(x->entry);
	assert_string_equal(portspec_service_name(portspec_flow_service(x->flow)), "https");
	assert_int_equal(x->change_count, 0);
	portspec_explanation_free(x);

	/* narrowed: the setting names the address asked about */
	c = (struct portspec_connection){.direction = OUT, .remote = addr("10.20.0.9"),
					 .protocol = UDP, .port = 53};
	x = explain(plan, &c);
	assert_false(x->allowed);
	assert_non_null(strstr(x->reason, "narrowed"));
	assert_true(has_change(x, "server=dns:10.20.0.9"));
	portspec_explanation_free(x);

	/* served from the other zone */
	c = (struct portspec_connection){.direction = OUT, .remote = addr("8.8.8.8"),
					 .protocol = UDP, .port = 53};
	x = explain(plan, &c);
	assert_false(x->allowed);
	assert_true(has_change(x, "dns=all server=dns:8.8.8.8"));
	portspec_explanation_free(x);

	/* nothing helps: where it is allowed instead */
	c = (struct portspec_connection){.direction = IN, .remote = addr("8.8.8.8"),
					 .protocol = TCP, .port = 22};
	x = explain(plan, &c);
	assert_false(x->allowed);
	assert_int_equal(x->change_count, 0);
	assert_non_null(strstr(x->reason, "no single profile change allows it"));
	assert_non_null(strstr(x->reason, "allowed from zone inside"));
	portspec_explanation_free(x);

	/* by zone, and a port no service uses */
	c = (struct portspec_connection){.direction = IN, .zone = zone_named(p, "cluster"),
					 .protocol = TCP, .port = 4990};
	x = explain(plan, &c);
	assert_true(has_change(x, "role=central"));
	portspec_explanation_free(x);
	c.port = 9;
	x = explain(plan, &c);
	assert_non_null(strstr(x->reason, "no service of the spec uses tcp/9"));
	portspec_explanation_free(x);
	portspec_explanation_free(NULL);
	portspec_policy_free(p);
}

/* Every address: the check by address agrees with a scan of the entries. */
static void test_check_agrees_with_entries(void **state)
{
	(void)state;
	static const char *const sets[] = {"inside=10.0.0.0/8", "inside=fd00::/8",
					   "role=central", "cluster-peer=10.9.9.9", NULL};
	struct portspec_policy *p = policy_with(sets);
	static const char *const addrs[] = {"9.255.255.255", "10.0.0.0", "10.9.9.9",
					    "10.255.255.255", "11.0.0.0", "fc00::1", "fd00::",
					    "fdff:ffff::1", "fe00::"};
	for (unsigned m = H; m <= G; m++) {
		const struct portspec_plan *plan = portspec_policy_plan(p, (enum portspec_mode)m);
		for (size_t a = 0; a < sizeof(addrs) / sizeof(addrs[0]); a++)
			for (unsigned d = IN; d <= OUT; d++)
				for (unsigned port = 20; port <= 5433; port += 1) {
					struct portspec_cidr r = addr(addrs[a]);
					bool want = false;
					for (size_t i = 0; i < portspec_plan_entry_count(plan) && !want;
					     i++) {
						const struct portspec_plan_entry *e =
							portspec_plan_entry(plan, i);
						if (e->kind != PORTSPEC_ENTRY_FLOW ||
						    e->direction != (enum portspec_direction)d ||
						    e->family != r.family || e->protocol != TCP ||
						    !portspec_addrset_contains(&e->remote, &r))
							continue;
						for (size_t k = 0; k < e->port_count; k++)
							want |= port >= e->ports[k].first &&
								port <= e->ports[k].last;
					}
					assert_int_equal(allowed(plan, (enum portspec_direction)d,
								 addrs[a], TCP, port, NULL),
							 want);
				}
	}
	portspec_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_plan),
		cmocka_unit_test(test_networks_fold),
		cmocka_unit_test(test_family_without_addresses),
		cmocka_unit_test(test_narrowing_is_intersected),
		cmocka_unit_test(test_host_interfaces),
		cmocka_unit_test(test_gateway_interface_and_address),
		cmocka_unit_test(test_two_networks_zones),
		cmocka_unit_test(test_inside_everything),
		cmocka_unit_test(test_cluster_entries),
		cmocka_unit_test(test_ping_entries),
		cmocka_unit_test(test_log_prefixes),
		cmocka_unit_test(test_check_arguments),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_check_agrees_with_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
