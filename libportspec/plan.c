/* SPDX-License-Identifier: MIT */
/*
 * The rule plan: a policy's flows resolved to packets, once per mode.  This
 * is the only place that decides which packets a zone means; every rule
 * backend formats the plan, and the queries by address read it.
 *
 * Zone semantics (portspec-profile(5) ZONES):
 *  - a networks or peers zone is its addresses, per family; the complement
 *    zone is every address of the family in no networks zone;
 *  - narrowing addresses (server=) are intersected with the zone;
 *  - a zone known by addresses and by an interface matches on both;
 *  - a family for which the remote side (or, in gateway mode, the
 *    appliance) has no address gets no entry, and a flow left with no entry
 *    at all is a warning;
 *  - host mode matches the appliance's interface (interface=, per zone with
 *    interface=ZONE:NAME) and no address on its own side; gateway mode
 *    matches the firewall's zone interfaces (ZONE-interface=,
 *    appliance-interface=) and the appliance's addresses;
 *  - ICMP flows are IPv4's, ICMPv6 flows IPv6's: one family each, their
 *    message types in icmp_types;
 *  - the ICMP errors that belong to a connection pass with it: the
 *    established entries name their types, for targets that cannot relate
 *    them (Windows admits them by type);
 *  - log=drops: a complete ruleset logs what its dropping hooks drop, with
 *    one prefix per hook, rate-limited where the target can.
 */
#include <stdio.h>
#include <string.h>

#include "private.h"

/* An entry and the arrays it owns (the public struct points into them). */
struct ps_entry {
	struct portspec_plan_entry pub;
	struct portspec_plan_port *ports;
	const struct portspec_flow **flows;
};

/* Per zone and family (0: IPv4, 1: IPv6): the zone's addresses, or for the
 * complement zone the addresses it excludes. */
struct zone_sets {
	struct ps_ranges fam[PS_NFAMILIES];
};

struct build {
	const struct portspec_policy *policy;
	const char *excluded_label; /* what the complement zone excludes, for names */
	const struct portspec_spec *spec;
	const struct portspec_profile *pr;
	struct portspec_plan *plan;
	struct zone_sets *zones;
	struct ps_ranges appliance[PS_NFAMILIES];
	size_t cap;
	struct portspec_error *err;
};

static unsigned fam_index(unsigned family)
{
	return family == PS_FAMILY_V4 ? 0 : 1;
}

static void addrset_release(struct portspec_addrset *s)
{
	if (s->matched != s->ranges && s->matched != ps_full_range(s->family))
		ps_free((void *)s->matched);
	ps_free((void *)s->ranges);
	ps_free((void *)s->cidrs);
	memset(s, 0, sizeof(*s));
}

static void entry_free(struct portspec_plan_entry *e)
{
	if (!e)
		return;
	struct ps_entry *x = (struct ps_entry *)e;
	addrset_release(&x->pub.remote);
	addrset_release(&x->pub.local);
	ps_free(x->ports);
	ps_free(x->flows);
	ps_free(x);
}

void ps_plan_free(struct portspec_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->nentries; i++)
		entry_free(plan->entries[i]);
	ps_free(plan->entries);
	ps_warnings_release(&plan->warnings);
	ps_free(plan);
}

static enum portspec_status nomem(struct build *b)
{
	return ps_error_set(b->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
}

/*
 * Fills @s from normalized ranges @r with match @m: its own copies of the
 * listed ranges, their CIDRs, and what the set matches.
 */
static bool addrset_make(struct portspec_addrset *s, enum portspec_addr_match m,
			 const struct ps_ranges *r)
{
	memset(s, 0, sizeof(*s));
	s->match = m;
	s->family = r->family;
	if (m == PORTSPEC_ADDR_ANY || r->n == 0) {
		/* the callers never make an empty IN or NOT_IN set */
		s->match = PORTSPEC_ADDR_ANY;
		s->matched = ps_full_range(r->family);
		s->matched_count = 1;
		return true;
	}
	struct portspec_addr_range *copy = ps_calloc(r->n, sizeof(*copy));
	if (!copy)
		return false;
	memcpy(copy, r->v, r->n * sizeof(*copy));
	s->ranges = copy;
	s->range_count = r->n;
	struct portspec_cidr *cidrs = NULL;
	size_t ncidrs = 0;
	if (!ps_ranges_to_cidrs(r->v, r->n, r->family, &cidrs, &ncidrs))
		return false;
	s->cidrs = cidrs;
	s->cidr_count = ncidrs;
	if (m == PORTSPEC_ADDR_IN) {
		s->matched = s->ranges;
		s->matched_count = s->range_count;
		return true;
	}
	struct ps_ranges c;
	ps_ranges_complement(r, &c);
	if (c.failed) {
		ps_ranges_release(&c);
		return false;
	}
	s->matched = c.v; /* owned: the array is handed over */
	s->matched_count = c.n;
	return true;
}

static enum portspec_status zone_sets_build(struct build *b)
{
	const struct portspec_spec *spec = b->spec;
	b->zones = ps_calloc(spec->nzones ? spec->nzones : 1, sizeof(*b->zones));
	if (!b->zones)
		return nomem(b);
	for (unsigned f = 0; f < PS_NFAMILIES; f++) {
		unsigned family = PS_FAMILY_AT(f);
		struct ps_ranges networks;
		ps_ranges_init(&networks, family);
		for (size_t z = 0; z < spec->nzones; z++) {
			struct ps_ranges *r = &b->zones[z].fam[f];
			const struct ps_cidr_list *l = &b->pr->zone_addresses[z];
			ps_ranges_init(r, family);
			if (spec->zones[z].kind == PORTSPEC_ZONE_COMPLEMENT)
				continue;
			for (size_t i = 0; i < l->count; i++) {
				ps_ranges_add_cidr(r, &l->items[i]);
				if (spec->zones[z].kind == PORTSPEC_ZONE_NETWORKS)
					ps_ranges_add_cidr(&networks, &l->items[i]);
			}
			ps_ranges_normalize(r);
		}
		ps_ranges_normalize(&networks);
		/* every complement zone excludes every networks zone */
		for (size_t z = 0; z < spec->nzones && !networks.failed; z++) {
			if (spec->zones[z].kind != PORTSPEC_ZONE_COMPLEMENT)
				continue;
			struct ps_ranges *r = &b->zones[z].fam[f];
			for (size_t i = 0; i < networks.n; i++)
				ps_ranges_add(r, &networks.v[i]);
		}
		bool failed = networks.failed;
		ps_ranges_release(&networks);
		ps_ranges_init(&b->appliance[f], family);
		for (size_t i = 0; i < b->pr->appliance.count; i++)
			ps_ranges_add_cidr(&b->appliance[f], &b->pr->appliance.items[i]);
		ps_ranges_normalize(&b->appliance[f]);
		for (size_t z = 0; z < spec->nzones; z++)
			failed |= b->zones[z].fam[f].failed;
		if (failed || b->appliance[f].failed)
			return nomem(b);
	}
	return PORTSPEC_OK;
}

static void zone_sets_release(struct build *b)
{
	for (size_t z = 0; b->zones && z < b->spec->nzones; z++)
		for (unsigned f = 0; f < PS_NFAMILIES; f++)
			ps_ranges_release(&b->zones[z].fam[f]);
	ps_free(b->zones);
	for (unsigned f = 0; f < PS_NFAMILIES; f++)
		ps_ranges_release(&b->appliance[f]);
}

/* The first allocation of a plan's entries: the baseline's, then doubling. */
#define FIRST_ENTRIES 16u

static bool push_entry(struct build *b, struct ps_entry *e)
{
	struct portspec_plan *p = b->plan;
	if (p->nentries == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : FIRST_ENTRIES;
		struct portspec_plan_entry **v = ps_reallocarray(p->entries, cap, sizeof(*v));
		if (!v)
			return false;
		p->entries = v;
		b->cap = cap;
	}
	p->entries[p->nentries++] = &e->pub;
	return true;
}

/* ---- baseline ---- */

/*
 * The ICMP errors that report on a connection and pass as related to it:
 * IPv4 3 (destination unreachable, fragmentation needed included), 11
 * (time exceeded) and 12 (parameter problem); IPv6 1 to 4 (destination
 * unreachable, packet too big, time exceeded, parameter problem).
 */
static const struct portspec_plan_port icmp_errors_v4[] = {{3, 3, 0, NULL}, {11, 12, 0, NULL}};
static const struct portspec_plan_port icmp_errors_v6[] = {{1, 4, 0, NULL}};

static enum portspec_status add_baseline(struct build *b, enum portspec_entry_kind kind,
					 enum portspec_hook hook, unsigned family,
					 bool complete_only)
{
	struct ps_entry *e = ps_calloc(1, sizeof(*e));
	if (!e)
		return nomem(b);
	struct ps_ranges none;
	ps_ranges_init(&none, family);
	e->pub.kind = kind;
	e->pub.complete_only = complete_only;
	e->pub.hook = hook;
	e->pub.direction = PORTSPEC_DIR_ANY;
	e->pub.family = family;
	e->pub.protocol = PORTSPEC_PROTO_ANY;
	addrset_make(&e->pub.remote, PORTSPEC_ADDR_ANY, &none);
	addrset_make(&e->pub.local, PORTSPEC_ADDR_ANY, &none);
	if (kind == PORTSPEC_ENTRY_LOOPBACK) {
		if (hook == PORTSPEC_HOOK_INPUT)
			e->pub.iif = "lo";
		else
			e->pub.oif = "lo";
	}
	if (kind == PORTSPEC_ENTRY_ESTABLISHED) {
		bool v4 = family == PS_FAMILY_V4;
		e->pub.icmp_types = v4 ? icmp_errors_v4 : icmp_errors_v6;
		e->pub.icmp_type_count = v4 ? PS_COUNT(icmp_errors_v4) : PS_COUNT(icmp_errors_v6);
	}
	if (!push_entry(b, e)) {
		entry_free(&e->pub);
		return nomem(b);
	}
	return PORTSPEC_OK;
}

static enum portspec_status build_baseline(struct build *b)
{
	enum portspec_status st = PORTSPEC_OK;
	if (b->plan->mode == PORTSPEC_MODE_GATEWAY) {
		for (unsigned f = 0; f < PS_NFAMILIES && !st; f++)
			st = add_baseline(b, PORTSPEC_ENTRY_ESTABLISHED, PORTSPEC_HOOK_FORWARD,
					  PS_FAMILY_AT(f), false);
		return st;
	}
	/* Per hook: each kind for both families, one after the other, so that a
	 * target that matches both families in one rule finds them together. */
	static const enum portspec_hook hooks[] = {PORTSPEC_HOOK_INPUT, PORTSPEC_HOOK_OUTPUT};
	for (size_t h = 0; h < PS_COUNT(hooks) && !st; h++) {
		for (unsigned f = 0; f < PS_NFAMILIES && !st; f++)
			st = add_baseline(b, PORTSPEC_ENTRY_LOOPBACK, hooks[h], PS_FAMILY_AT(f), true);
		for (unsigned f = 0; f < PS_NFAMILIES && !st; f++)
			st = add_baseline(b, PORTSPEC_ENTRY_ESTABLISHED, hooks[h], PS_FAMILY_AT(f),
					  false);
		/* The host's own IPv6 needs neighbour discovery, which conntrack
		 * does not track: fragments carry it too, so that they work in
		 * whatever ruleset they join. */
		if (!st)
			st = add_baseline(b, PORTSPEC_ENTRY_NEIGHBOR_DISCOVERY, hooks[h],
					  PS_FAMILY_V6, false);
	}
	return st;
}

/* ---- flows ---- */

static bool same_addresses(const struct portspec_flow *a, const struct portspec_flow *b)
{
	return a->naddresses == b->naddresses &&
	       (a->naddresses == 0 ||
		memcmp(a->addresses, b->addresses, a->naddresses * sizeof(*a->addresses)) == 0);
}

static bool same_helper(const struct portspec_flow *a, const struct portspec_flow *b)
{
	const char *x = a->service->helper, *y = b->service->helper;
	return x == y || (x && y && strcmp(x, y) == 0);
}

/* One group of flows: same direction, zone, protocol, narrowing and helper. */
struct group {
	const struct portspec_flow **flows;
	size_t n;
};

/* Why a family got no entry, for the warning of a flow with none at all. */
enum skip { SKIP_NONE, SKIP_ZONE, SKIP_EVERYTHING, SKIP_NARROWED, SKIP_APPLIANCE, SKIP_FAMILY };

static enum skip remote_set(struct build *b, const struct group *g, unsigned family,
			    struct portspec_addrset *out, bool *ok)
{
	const struct portspec_flow *head = g->flows[0];
	const struct portspec_zone *zone = head->zone;
	const struct ps_ranges *zr = &b->zones[zone->index].fam[fam_index(family)];
	struct ps_ranges zone_matched, narrowed, both;
	enum skip why = SKIP_NONE;

	*ok = true;
	ps_ranges_init(&zone_matched, family);
	ps_ranges_init(&narrowed, family);
	ps_ranges_init(&both, family);
	if (zone->kind == PORTSPEC_ZONE_COMPLEMENT) {
		ps_ranges_complement(zr, &zone_matched);
		if (!zone_matched.failed && zone_matched.n == 0)
			why = SKIP_EVERYTHING;
	} else {
		for (size_t i = 0; i < zr->n; i++)
			ps_ranges_add(&zone_matched, &zr->v[i]);
		if (zr->n == 0)
			why = SKIP_ZONE;
	}
	if (!why && head->naddresses) {
		for (size_t i = 0; i < head->naddresses; i++)
			ps_ranges_add_cidr(&narrowed, &head->addresses[i]);
		ps_ranges_normalize(&narrowed);
		ps_ranges_intersect(&narrowed, &zone_matched, &both);
		if (!both.failed && both.n == 0)
			why = SKIP_NARROWED;
		else
			*ok = addrset_make(out, PORTSPEC_ADDR_IN, &both);
	} else if (!why) {
		enum portspec_addr_match m = zone->kind != PORTSPEC_ZONE_COMPLEMENT ? PORTSPEC_ADDR_IN
					     : zr->n ? PORTSPEC_ADDR_NOT_IN
						     : PORTSPEC_ADDR_ANY;
		*ok = addrset_make(out, m, zr);
		if (m != PORTSPEC_ADDR_ANY)
			out->label = m == PORTSPEC_ADDR_IN ? zone->name : b->excluded_label;
	}
	if (zone_matched.failed || narrowed.failed || both.failed)
		*ok = false;
	ps_ranges_release(&zone_matched);
	ps_ranges_release(&narrowed);
	ps_ranges_release(&both);
	return why;
}

/* The group's ports: its flows' ranges in order, overlapping ones merged. */
static bool group_ports(struct ps_entry *e, const struct group *g)
{
	e->flows = ps_calloc(g->n, sizeof(*e->flows));
	e->ports = ps_calloc(g->n, sizeof(*e->ports));
	if (!e->flows || !e->ports)
		return false;
	memcpy(e->flows, g->flows, g->n * sizeof(*e->flows));
	size_t np = 0;
	for (size_t i = 0; i < g->n;) {
		struct portspec_plan_port *port = &e->ports[np++];
		port->first = g->flows[i]->first;
		port->last = g->flows[i]->last;
		port->flows = &e->flows[i];
		size_t j = i + 1;
		while (j < g->n && g->flows[j]->first <= port->last) {
			if (g->flows[j]->last > port->last)
				port->last = g->flows[j]->last;
			j++;
		}
		port->flow_count = j - i;
		i = j;
	}
	/* ICMP has message types where the others have ports */
	if (ps_protocol_is_icmp(g->flows[0]->protocol)) {
		e->pub.icmp_types = e->ports;
		e->pub.icmp_type_count = np;
	} else {
		e->pub.ports = e->ports;
		e->pub.port_count = np;
	}
	return true;
}

static void interfaces(const struct build *b, const struct portspec_flow *head,
		       struct portspec_plan_entry *e)
{
	const struct portspec_profile *pr = b->pr;
	bool inbound = head->direction == PORTSPEC_INBOUND;
	const char *zone_side, *appliance_side;

	if (b->plan->mode == PORTSPEC_MODE_HOST) {
		zone_side = ps_profile_host_interface(pr, head->zone->index);
		appliance_side = NULL;
	} else {
		zone_side = pr->zone_interface[head->zone->index];
		appliance_side = pr->appliance_interface;
	}
	e->iif = inbound ? zone_side : appliance_side;
	e->oif = inbound ? appliance_side : zone_side;
}

static const char *skip_reason(enum skip why)
{
	switch (why) {
	case SKIP_ZONE: return "the zone has no address";
	case SKIP_EVERYTHING: return "the networks zones cover every address, so none is outside";
	case SKIP_NARROWED: return "none of the narrowing addresses lies in the zone";
	case SKIP_APPLIANCE: return "the appliance has no address (appliance=)";
	case SKIP_FAMILY: return "the protocol is the other family's";
	default: return "";
	}
}

/* "for IPv4 REASON; for IPv6 REASON": two skip_reason() texts, each under 64 bytes. */
#define REASONS_TEXT 256u

static enum portspec_status warn_no_packets(struct build *b, const struct group *g,
					    const enum skip why[PS_NFAMILIES])
{
	const struct portspec_flow *head = g->flows[0];
	struct ps_buf services;
	ps_buf_init(&services);
	for (size_t i = 0; i < g->n; i++)
		if (i == 0 || g->flows[i]->service != g->flows[i - 1]->service)
			ps_buf_printf(&services, "%s%s", services.len ? ", " : "",
				      g->flows[i]->service->name);
	if (services.failed) {
		ps_buf_release(&services);
		return nomem(b);
	}
	/* "for IPv4 ...; for IPv6 ...", or the one family of ICMP and ICMPv6 */
	char reasons[REASONS_TEXT];
	if (why[0] == SKIP_FAMILY || why[1] == SKIP_FAMILY)
		snprintf(reasons, sizeof(reasons), "%s", skip_reason(why[why[0] == SKIP_FAMILY]));
	else
		snprintf(reasons, sizeof(reasons), "for IPv4 %s; for IPv6 %s", skip_reason(why[0]),
			 skip_reason(why[1]));
	enum portspec_status st = ps_warn(
		&b->plan->warnings, PORTSPEC_WARNING_NO_RULE, b->err,
		"%s %s %s %s: no rule in %s mode, so no packet is allowed: %s", services.data,
		portspec_direction_name(head->direction), head->zone->name,
		portspec_protocol_name(head->protocol),
		b->plan->mode == PORTSPEC_MODE_HOST ? "host" : "gateway", reasons);
	ps_buf_release(&services);
	return st;
}

static enum portspec_status group_entries(struct build *b, const struct group *g)
{
	const struct portspec_flow *head = g->flows[0];
	bool gateway = b->plan->mode == PORTSPEC_MODE_GATEWAY;
	enum skip why[PS_NFAMILIES] = {SKIP_NONE, SKIP_NONE};
	size_t made = 0;

	for (unsigned f = 0; f < PS_NFAMILIES; f++) {
		unsigned family = PS_FAMILY_AT(f);
		/* ICMP is IPv4's, ICMPv6 IPv6's */
		if ((head->protocol == PORTSPEC_ICMP && family != PS_FAMILY_V4) ||
		    (head->protocol == PORTSPEC_ICMPV6 && family != PS_FAMILY_V6)) {
			why[f] = SKIP_FAMILY;
			continue;
		}
		struct ps_entry *e = ps_calloc(1, sizeof(*e));
		bool ok = e != NULL;
		if (!ok)
			return nomem(b);
		why[f] = remote_set(b, g, family, &e->pub.remote, &ok);
		if (ok && !why[f]) {
			if (gateway && b->appliance[f].n == 0)
				why[f] = SKIP_APPLIANCE;
			else
				ok = addrset_make(&e->pub.local,
						  gateway ? PORTSPEC_ADDR_IN : PORTSPEC_ADDR_ANY,
						  &b->appliance[f]);
			if (gateway)
				e->pub.local.label = "appliance";
		}
		if (!ok || why[f]) {
			entry_free(&e->pub);
			if (!ok)
				return nomem(b);
			continue;
		}
		e->pub.kind = PORTSPEC_ENTRY_FLOW;
		e->pub.hook = gateway ? PORTSPEC_HOOK_FORWARD
			      : head->direction == PORTSPEC_INBOUND ? PORTSPEC_HOOK_INPUT
								    : PORTSPEC_HOOK_OUTPUT;
		e->pub.direction = (enum portspec_direction)head->direction;
		e->pub.family = family;
		e->pub.protocol = (enum portspec_protocol)head->protocol;
		e->pub.helper = head->service->helper;
		e->pub.zone = head->zone;
		interfaces(b, head, &e->pub);
		if (!group_ports(e, g) || !push_entry(b, e)) {
			entry_free(&e->pub);
			return nomem(b);
		}
		made++;
	}
	return made ? PORTSPEC_OK : warn_no_packets(b, g, why);
}

static bool same_run(const struct portspec_flow *a, const struct portspec_flow *b)
{
	return a->direction == b->direction && a->zone == b->zone && a->protocol == b->protocol;
}

/* Flows come sorted by direction, zone, protocol and port: within each such
 * run, gather those that share their narrowing and helper, in order. */
static enum portspec_status build_flows(struct build *b)
{
	const struct portspec_policy *p = b->policy;
	enum portspec_status st = PORTSPEC_OK;
	if (!p->nflows)
		return PORTSPEC_OK;
	bool *taken = ps_calloc(p->nflows, sizeof(*taken));
	const struct portspec_flow **items = ps_calloc(p->nflows, sizeof(*items));
	if (!taken || !items) {
		ps_free(taken);
		ps_free(items);
		return nomem(b);
	}
	for (size_t start = 0; start < p->nflows && !st;) {
		size_t end = start + 1;
		while (end < p->nflows && same_run(&p->flows[start], &p->flows[end]))
			end++;
		for (size_t i = start; i < end && !st; i++) {
			if (taken[i])
				continue;
			struct group g = {items, 0};
			for (size_t j = i; j < end; j++) {
				if (taken[j] || !same_addresses(&p->flows[i], &p->flows[j]) ||
				    !same_helper(&p->flows[i], &p->flows[j]))
					continue;
				taken[j] = true;
				items[g.n++] = &p->flows[j];
			}
			st = group_entries(b, &g);
		}
		start = end;
	}
	ps_free(taken);
	ps_free(items);
	return st;
}

/* ---- keys a mode does not use ---- */

/* "outside-interface=wan0" (gateway keys) or "interface=outside:eth0" (host keys). */
static void list_interfaces(struct ps_buf *l, const struct portspec_spec *spec,
			    char *const *ifs, bool host)
{
	for (size_t z = 0; z < spec->nzones; z++) {
		if (!ifs[z])
			continue;
		ps_buf_puts(l, l->len ? ", " : "");
		if (host)
			ps_buf_printf(l, "interface=%s:%s", spec->zones[z].name, ifs[z]);
		else
			ps_buf_printf(l, "%s-interface=%s", spec->zones[z].name, ifs[z]);
	}
}

static enum portspec_status unused_keys(struct build *b)
{
	const struct portspec_profile *pr = b->pr;
	struct ps_buf keys;
	enum portspec_status st = PORTSPEC_OK;

	ps_buf_init(&keys);
	if (b->plan->mode == PORTSPEC_MODE_HOST) {
		list_interfaces(&keys, b->spec, pr->zone_interface, false);
		if (pr->appliance_interface)
			ps_buf_printf(&keys, "%sappliance-interface=%s", keys.len ? ", " : "",
				      pr->appliance_interface);
		if (keys.len && !keys.failed)
			st = ps_warn(&b->plan->warnings, PORTSPEC_WARNING_UNUSED_KEY, b->err,
					 "host rules do not use the gateway keys %s; they match the "
					 "appliance's own interface (%s%s), set with interface=IFNAME or "
					 "interface=ZONE:IFNAME",
					 keys.data, pr->interface ? "interface=" : "",
					 pr->interface ? pr->interface : "any interface until it is set");
	} else {
		if (pr->interface)
			ps_buf_printf(&keys, "interface=%s", pr->interface);
		list_interfaces(&keys, b->spec, pr->host_interface, true);
		if (keys.len && !keys.failed)
			st = ps_warn(&b->plan->warnings, PORTSPEC_WARNING_UNUSED_KEY, b->err,
					 "gateway rules do not use %s (the appliance's own interface, "
					 "for host rules); they match the firewall's interfaces, set "
					 "with ZONE-interface=IFNAME and appliance-interface=IFNAME",
					 keys.data);
	}
	if (keys.failed)
		st = nomem(b);
	ps_buf_release(&keys);
	return st;
}

enum portspec_status ps_plan_build(const struct portspec_policy *policy, enum portspec_mode mode,
				   struct portspec_plan **out, struct portspec_error *err)
{
	struct build b = {
		.policy = policy,
		.spec = policy->spec,
		.pr = policy->profile,
		.err = err,
	};
	b.plan = ps_calloc(1, sizeof(*b.plan));
	if (!b.plan)
		return nomem(&b);
	b.plan->policy = policy;
	b.plan->mode = mode;
	for (size_t z = 0; z < b.spec->nzones; z++)
		if (b.spec->zones[z].kind == PORTSPEC_ZONE_NETWORKS)
			b.excluded_label = b.excluded_label ? "networks" : b.spec->zones[z].name;
	b.plan->drops[PORTSPEC_HOOK_FORWARD] = true;
	b.plan->drops[PORTSPEC_HOOK_INPUT] = b.plan->drops[PORTSPEC_HOOK_OUTPUT] =
		mode == PORTSPEC_MODE_HOST;
	/* log=drops: every hook that drops logs it, each with a prefix of its own */
	static const char *const prefixes[] = {NULL, "portspec drop input: ",
					       "portspec drop output: ", "portspec drop forward: "};
	for (unsigned h = PORTSPEC_HOOK_INPUT; h <= PORTSPEC_HOOK_FORWARD; h++)
		b.plan->log_prefix[h] =
			b.pr->log == PS_LOG_DROPS && b.plan->drops[h] ? prefixes[h] : NULL;
	enum portspec_status st = zone_sets_build(&b);
	if (!st)
		st = build_baseline(&b);
	if (!st)
		st = build_flows(&b);
	if (!st)
		st = unused_keys(&b);
	zone_sets_release(&b);
	if (st) {
		ps_plan_free(b.plan);
		return st;
	}
	*out = b.plan;
	return PORTSPEC_OK;
}

/* ---- accessors ---- */

PORTSPEC_EXPORT const struct portspec_plan *portspec_policy_plan(const struct portspec_policy *p,
								 enum portspec_mode mode)
{
	if (!p || (mode != PORTSPEC_MODE_HOST && mode != PORTSPEC_MODE_GATEWAY))
		return NULL;
	return p->plans[mode == PORTSPEC_MODE_HOST ? 0 : 1];
}

PORTSPEC_EXPORT enum portspec_mode portspec_plan_mode(const struct portspec_plan *plan)
{
	return plan ? plan->mode : (enum portspec_mode)0;
}

PORTSPEC_EXPORT const struct portspec_policy *portspec_plan_policy(const struct portspec_plan *plan)
{
	return plan ? plan->policy : NULL;
}

PORTSPEC_EXPORT size_t portspec_plan_entry_count(const struct portspec_plan *plan)
{
	return plan ? plan->nentries : 0;
}

PORTSPEC_EXPORT const struct portspec_plan_entry *
portspec_plan_entry(const struct portspec_plan *plan, size_t index)
{
	return plan && index < plan->nentries ? plan->entries[index] : NULL;
}

PORTSPEC_EXPORT bool portspec_plan_hook_drops(const struct portspec_plan *plan,
					      enum portspec_hook hook)
{
	if (!plan || hook < PORTSPEC_HOOK_INPUT || hook > PORTSPEC_HOOK_FORWARD)
		return false;
	return plan->drops[hook];
}

PORTSPEC_EXPORT const char *portspec_plan_log_prefix(const struct portspec_plan *plan,
						     enum portspec_hook hook)
{
	if (!plan || hook < PORTSPEC_HOOK_INPUT || hook > PORTSPEC_HOOK_FORWARD)
		return NULL;
	return plan->log_prefix[hook];
}

PORTSPEC_EXPORT size_t portspec_plan_warning_count(const struct portspec_plan *plan)
{
	return plan ? plan->policy->warnings.n + plan->warnings.n : 0;
}

/* The policy's warnings first, then the mode's own. */
static const struct ps_warning *plan_warning(const struct portspec_plan *plan, size_t index)
{
	if (!plan)
		return NULL;
	if (index < plan->policy->warnings.n)
		return &plan->policy->warnings.v[index];
	index -= plan->policy->warnings.n;
	return index < plan->warnings.n ? &plan->warnings.v[index] : NULL;
}

PORTSPEC_EXPORT const char *portspec_plan_warning(const struct portspec_plan *plan, size_t index)
{
	const struct ps_warning *w = plan_warning(plan, index);
	return w ? w->text : NULL;
}

PORTSPEC_EXPORT enum portspec_warning_kind portspec_plan_warning_kind(const struct portspec_plan *plan,
								       size_t index)
{
	const struct ps_warning *w = plan_warning(plan, index);
	return w ? w->kind : (enum portspec_warning_kind)0;
}

PORTSPEC_EXPORT bool portspec_addrset_contains(const struct portspec_addrset *set,
					       const struct portspec_cidr *addr)
{
	if (!set || !addr || addr->family != set->family)
		return false;
	return ps_ranges_contain(set->matched, set->matched_count, set->family, addr->addr);
}
