/* SPDX-License-Identifier: MIT */
/*
 * Compiling spec + profile into a policy, and the queries over it.  The
 * policy is immutable after portspec_policy_new(), so queries and rendering
 * may run from many threads at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "private.h"

struct build {
	struct portspec_flow *flows;
	size_t n, cap;
};

/* The first allocation of the flows: a spec has a few dozen, and grows by doubling. */
#define FIRST_FLOWS 64u

static bool push_flow(struct build *b, const struct portspec_flow *f)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : FIRST_FLOWS;
		struct portspec_flow *p = ps_reallocarray(b->flows, cap, sizeof(*p));
		if (!p)
			return false;
		b->flows = p;
		b->cap = cap;
	}
	b->flows[b->n++] = *f;
	return true;
}

static int cmp_flow(const void *pa, const void *pb)
{
	const struct portspec_flow *a = pa, *b = pb;
#define CMP(x, y) if ((x) != (y)) return (x) < (y) ? -1 : 1
	CMP(a->direction, b->direction);
	CMP(a->zone->index, b->zone->index);
	CMP(a->protocol, b->protocol);
	CMP(a->first, b->first);
	CMP(a->last, b->last);
	/* the spec's services live in one array (declaration order); ping comes after */
	CMP(a->service == &ps_ping_service, b->service == &ps_ping_service);
	CMP(a->service, b->service);
#undef CMP
	return 0;
}

static bool same_key(const struct portspec_flow *a, const struct portspec_flow *b)
{
	return a->direction == b->direction && a->zone == b->zone && a->protocol == b->protocol &&
	       a->first == b->first && a->last == b->last && a->service == b->service;
}

static void free_flows(struct portspec_flow *flows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ps_free(flows[i].addresses);
	ps_free(flows);
}

PORTSPEC_EXPORT void portspec_policy_free(struct portspec_policy *p)
{
	if (!p)
		return;
	ps_plan_free(p->plans[0]);
	ps_plan_free(p->plans[1]);
	free_flows(p->flows, p->nflows);
	ps_warnings_release(&p->warnings);
	ps_index_free(p->index);
	ps_free(p->service_used);
	portspec_profile_free(p->profile);
	portspec_spec_free(p->spec);
	ps_free(p);
}

/* The addresses that narrow a service's flows of this statement: its
 * servers for an outbound flow, its clients for an inbound one. */
static const struct ps_cidr_list *narrowing(const struct portspec_profile *pr,
					    const struct ps_spec_flow *sf, size_t si)
{
	return sf->direction == PORTSPEC_OUTBOUND ? &pr->servers[si] : &pr->clients[si];
}

/*
 * A spec of a few megabytes can list a thousand services with a thousand
 * ports each in every flow: bound the policy before building it, counting a
 * flow once per server or client address it copies.
 */
static enum portspec_status check_size(const struct portspec_profile *pr,
				       struct portspec_error *err)
{
	const struct portspec_spec *spec = pr->spec;
	size_t total = 0;
	for (size_t fi = 0; fi < spec->nflows; fi++) {
		const struct ps_spec_flow *sf = &spec->flows[fi];
		if (!(sf->roles & (unsigned)pr->role))
			continue;
		for (size_t k = 0; k < sf->nservices; k++) {
			size_t si = sf->services[k].service;
			if (!pr->enabled[si] ||
			    (sf->services[k].either && !(pr->served_from[si] & (1u << sf->zone))))
				continue;
			size_t addrs = narrowing(pr, sf, si)->count;
			total += spec->services[si].nports * (1 + addrs);
			if (total > PS_MAX_POLICY_FLOWS)
				return ps_error_set(err, PORTSPEC_E_LIMIT, spec->filename, sf->line, 1,
						    "the policy would have more than %u flows (each "
						    "server or client address counts as one); list fewer "
						    "services, ports, servers or clients",
						    PS_MAX_POLICY_FLOWS);
		}
	}
	return PORTSPEC_OK;
}

/*
 * A flow statement of the role needs a zone that has no addresses: the
 * error names the key to set, and stands where the role was set when the
 * statement is the role's (role=central with no cluster-peer), else at the
 * statement in the spec.
 */
static enum portspec_status no_addresses(const struct portspec_profile *pr,
					 const struct ps_spec_flow *sf, struct portspec_error *err)
{
	const struct portspec_spec *spec = pr->spec;
	const struct portspec_zone *zone = &spec->zones[sf->zone];
	const char *key = zone->kind == PORTSPEC_ZONE_PEERS ? "cluster-peer" : zone->name;
	if (sf->roles != PORTSPEC_ROLE_ANY)
		return ps_profile_error_at(pr, &pr->role_origin, err, PORTSPEC_E_PROFILE,
					   "role %s needs the addresses of zone %s (for its %s "
					   "flows, %s line %u), and the profile gives none; set "
					   "%s=ADDRESS",
					   portspec_role_name(pr->role), zone->name,
					   portspec_direction_name(sf->direction), spec->filename,
					   sf->line, key);
	return ps_error_set(err, PORTSPEC_E_PROFILE, spec->filename, sf->line, 1,
			    "zone '%s' has no addresses, but this flow needs them; set %s=ADDRESS "
			    "in the profile", zone->name, key);
}

static struct ps_portrange ping_types[] = {
	{PORTSPEC_ICMP, PS_ICMP_ECHO_REQUEST, PS_ICMP_ECHO_REQUEST},
	{PORTSPEC_ICMPV6, PS_ICMPV6_ECHO_REQUEST, PS_ICMPV6_ECHO_REQUEST},
};

const struct portspec_service ps_ping_service = {
	.name = (char *)"ping",
	.title = (char *)"ICMP echo request (ping)",
	.description = (char *)"Echo requests to the appliance from the zones the profile "
			       "names (ping=); replies ride on connection state",
	.level = PORTSPEC_OPTIONAL,
	.ports = ping_types,
	.nports = sizeof(ping_types) / sizeof(ping_types[0]),
};

/* The flows of profile key ping=: echo requests inbound from each zone it names. */
static enum portspec_status expand_ping(const struct portspec_profile *pr, struct build *b,
					struct portspec_error *err)
{
	const struct portspec_spec *spec = pr->spec;
	for (size_t z = 0; z < spec->nzones; z++) {
		const struct portspec_zone *zone = &spec->zones[z];
		if (!(pr->ping & (1u << z)))
			continue;
		if (zone->kind != PORTSPEC_ZONE_COMPLEMENT && pr->zone_addresses[z].count == 0)
			return ps_error_set(err, PORTSPEC_E_PROFILE, NULL, 0, 0,
					    "ping=%s: zone %s has no addresses; set %s=ADDRESS",
					    zone->name, zone->name,
					    zone->kind == PORTSPEC_ZONE_PEERS ? "cluster-peer"
									      : zone->name);
		for (size_t r = 0; r < ps_ping_service.nports; r++) {
			struct portspec_flow f = {
				.service = &ps_ping_service,
				.zone = zone,
				.protocol = ps_ping_service.ports[r].proto,
				.direction = PORTSPEC_INBOUND,
				.first = ps_ping_service.ports[r].first,
				.last = ps_ping_service.ports[r].last,
			};
			if (!push_flow(b, &f))
				return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
		}
	}
	return PORTSPEC_OK;
}

/* Expands the spec's flows that this profile turns on into concrete flows. */
static enum portspec_status expand(const struct portspec_profile *pr, struct build *b,
				   struct portspec_error *err)
{
	const struct portspec_spec *spec = pr->spec;
	enum portspec_status st = check_size(pr, err);
	if (st)
		return st;
	for (size_t fi = 0; fi < spec->nflows; fi++) {
		const struct ps_spec_flow *sf = &spec->flows[fi];
		if (!(sf->roles & (unsigned)pr->role))
			continue;
		const struct portspec_zone *zone = &spec->zones[sf->zone];
		if (zone->kind != PORTSPEC_ZONE_COMPLEMENT && pr->zone_addresses[sf->zone].count == 0)
			return no_addresses(pr, sf, err);
		for (size_t k = 0; k < sf->nservices; k++) {
			size_t si = sf->services[k].service;
			const struct portspec_service *svc = &spec->services[si];
			bool either = sf->services[k].either;
			if (!pr->enabled[si])
				continue;
			if (either && !(pr->served_from[si] & (1u << sf->zone)))
				continue;
			struct portspec_cidr *addrs = NULL;
			size_t naddrs = 0;
			const struct ps_cidr_list *narrow = narrowing(pr, sf, si);
			if (narrow->count) {
				addrs = ps_calloc(narrow->count, sizeof(*addrs));
				if (!addrs)
					return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0,
							    "out of memory");
				for (size_t a = 0; a < narrow->count; a++)
					if (ps_profile_in_zone(pr, sf->zone, &narrow->items[a]))
						addrs[naddrs++] = narrow->items[a];
				if (!naddrs) {
					/* the service's servers (clients) are all in other zones */
					ps_free(addrs);
					continue;
				}
			}
			for (size_t r = 0; r < svc->nports; r++) {
				struct portspec_flow f = {
					.service = svc,
					.zone = zone,
					.interface = sf->iface != SIZE_MAX ? spec->ifaces[sf->iface].name
									   : NULL,
					.iface = sf->iface != SIZE_MAX ? &spec->ifaces[sf->iface] : NULL,
					.protocol = svc->ports[r].proto,
					.direction = (uint8_t)sf->direction,
					.first = svc->ports[r].first,
					.last = svc->ports[r].last,
					.either = either,
					.naddresses = naddrs,
				};
				if (naddrs) {
					f.addresses = ps_calloc(naddrs, sizeof(*addrs));
					if (f.addresses)
						memcpy(f.addresses, addrs, naddrs * sizeof(*addrs));
				}
				if ((naddrs && !f.addresses) || !push_flow(b, &f)) {
					ps_free(f.addresses);
					ps_free(addrs);
					return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0,
							    "out of memory");
				}
			}
			ps_free(addrs);
		}
	}
	return expand_ping(pr, b, err);
}

/* Whether flow @fl is narrowed to address @a. */
static bool narrowed_to(const struct portspec_flow *fl, const struct portspec_cidr *a)
{
	for (size_t k = 0; k < fl->naddresses; k++)
		if (!memcmp(&fl->addresses[k], a, sizeof(*a)))
			return true;
	return false;
}

/* Whether service @svc has a flow in direction @d to or from a zone that holds @a. */
static bool served_at(const struct portspec_policy *p, const struct portspec_service *svc,
		      enum portspec_direction d, const struct portspec_cidr *a)
{
	for (size_t f = 0; f < p->nflows; f++) {
		const struct portspec_flow *fl = &p->flows[f];
		if (fl->service == svc && fl->direction == d &&
		    ps_profile_in_zone(p->profile, fl->zone->index, a))
			return true;
	}
	return false;
}

/*
 * Every server (client) address must lie in a zone its service is served to
 * outbound (from inbound).  The error stands where the address was set.
 */
static enum portspec_status check_narrowing(const struct portspec_policy *p, bool clients,
					    struct portspec_error *err)
{
	const struct portspec_profile *pr = p->profile;
	const struct portspec_spec *spec = p->spec;
	enum portspec_direction d = clients ? PORTSPEC_INBOUND : PORTSPEC_OUTBOUND;
	enum portspec_direction other = clients ? PORTSPEC_OUTBOUND : PORTSPEC_INBOUND;
	const char *key = clients ? "client" : "server";
	for (size_t si = 0; si < spec->nservices; si++) {
		const struct portspec_service *svc = &spec->services[si];
		const struct ps_cidr_list *l = clients ? &pr->clients[si] : &pr->servers[si];
		for (size_t a = 0; a < l->count; a++) {
			bool used = false;
			for (size_t f = 0; f < p->nflows && !used; f++)
				used = p->flows[f].service == svc && p->flows[f].direction == d &&
				       narrowed_to(&p->flows[f], &l->items[a]);
			if (used)
				continue;
			char buf[PS_CIDR_TEXT];
			portspec_cidr_format(&l->items[a], buf, sizeof(buf));
			if (served_at(p, svc, other, &l->items[a]))
				return ps_profile_error_at(
					pr, &l->origins[a], err, PORTSPEC_E_PROFILE,
					"%s=%s:%s: %s has no %s flow %s that address, only %s ones; "
					"%s=%s:%s narrows those (server= narrows outbound flows, "
					"client= inbound ones)", key, svc->name, buf, svc->name,
					portspec_direction_name(d), clients ? "from" : "to",
					portspec_direction_name(other), clients ? "server" : "client",
					svc->name, buf);
			return ps_profile_error_at(
				pr, &l->origins[a], err, PORTSPEC_E_PROFILE,
				"%s=%s:%s: the address is in no zone that %s is served %s in this "
				"profile; check the address%s the zones' networks%s", key, svc->name,
				buf, svc->name, clients ? "from inbound" : "to outbound",
				svc->either_zones ? "," : " and",
				svc->either_zones ? " and where it is served from" : "");
		}
	}
	return PORTSPEC_OK;
}

/* "outside", "outside and dmz": the zones of @mask. */
static void zone_list(char *buf, size_t size, const struct portspec_spec *spec, uint32_t mask)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t z = 0; z < spec->nzones && off < size; z++)
		if (mask & (1u << z))
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? " and " : "",
						spec->zones[z].name);
}

/*
 * An "either zone" service served from some of its zones only: the spec's
 * note for each zone it is served from, where it has one (for DNS from
 * outside only: FQDNs of internal hosts must be set up externally).
 */
static enum portspec_status zone_notes(struct portspec_policy *p,
				       const struct portspec_service *svc, uint32_t served,
				       uint32_t not_served, struct portspec_error *err)
{
	const struct portspec_spec *spec = p->spec;
	char from[PS_NAMES_TEXT], others[PS_NAMES_TEXT];
	zone_list(from, sizeof(from), spec, served);
	zone_list(others, sizeof(others), spec, not_served);
	for (size_t z = 0; z < spec->nzones; z++) {
		const char *note = (served & (1u << z)) && svc->either_notes ? svc->either_notes[z]
									  : NULL;
		if (!note)
			continue;
		enum portspec_status st = ps_warn(&p->warnings, PORTSPEC_WARNING_ZONE_NOTE, err,
						  "%s is served from %s, not from %s: %s", svc->name,
						  from, others, note);
		if (st)
			return st;
	}
	return PORTSPEC_OK;
}

static enum portspec_status collect_warnings(struct portspec_policy *p,
					     struct portspec_error *err)
{
	const struct portspec_spec *spec = p->spec;
	const struct portspec_profile *pr = p->profile;
	/* one pass over the flows: which services are in the policy, and from
	 * which zones their either-zone flows are served */
	bool *present = ps_calloc(spec->nservices, sizeof(*present));
	uint32_t *served = ps_calloc(spec->nservices, sizeof(*served));
	uint32_t *either = ps_calloc(spec->nservices, sizeof(*either));
	enum portspec_status st = PORTSPEC_OK;
	if (!present || !served || !either) {
		st = ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
		goto out;
	}
	for (size_t f = 0; f < p->nflows; f++) {
		size_t si = ps_spec_service_index(spec, p->flows[f].service);
		if (si == SIZE_MAX)
			continue; /* the profile's own (ping) */
		present[si] = true;
		if (p->flows[f].either)
			served[si] |= 1u << p->flows[f].zone->index;
	}
	/* the zones this role could serve them from */
	for (size_t i = 0; i < spec->nflows; i++) {
		const struct ps_spec_flow *sf = &spec->flows[i];
		if (!(sf->roles & (unsigned)pr->role))
			continue;
		for (size_t k = 0; k < sf->nservices; k++)
			if (sf->services[k].either)
				either[sf->services[k].service] |= 1u << sf->zone;
	}
	for (size_t si = 0; si < spec->nservices && !st; si++) {
		const struct portspec_service *svc = &spec->services[si];
		if (!present[si])
			continue;
		if (either[si] && served[si] != either[si])
			st = zone_notes(p, svc, served[si], either[si] & ~served[si], err);
		if (!st && svc->note)
			st = ps_warn(&p->warnings, PORTSPEC_WARNING_SERVICE_NOTE, err, "%s: %s",
				     svc->name, svc->note);
	}
	/* A networks zone of 0.0.0.0/0 or ::/0 leaves the complement zone no
	 * addresses of that family: its flows can then never match. */
	for (size_t z = 0; z < spec->nzones && !st; z++) {
		if (spec->zones[z].kind != PORTSPEC_ZONE_NETWORKS)
			continue;
		const struct ps_cidr_list *l = &pr->zone_addresses[z];
		for (size_t i = 0; i < l->count && !st; i++) {
			if (l->items[i].prefix != 0)
				continue;
			for (size_t c = 0; c < spec->nzones && !st; c++)
				if (spec->zones[c].kind == PORTSPEC_ZONE_COMPLEMENT)
					st = ps_warn(&p->warnings,
						     PORTSPEC_WARNING_ZONE_COVERS_FAMILY, err,
							 "zone %s covers every IPv%u address, so zone "
							 "%s has none: its IPv%u flows can never match",
							 spec->zones[z].name, l->items[i].family,
							 spec->zones[c].name, l->items[i].family);
		}
	}
out:
	ps_free(present);
	ps_free(served);
	ps_free(either);
	return st;
}

/* Which services have flows, so that renders ask in O(1) rather than O(flows). */
static enum portspec_status mark_used_services(struct portspec_policy *p,
					       struct portspec_error *err)
{
	p->service_used = ps_calloc(p->spec->nservices ? p->spec->nservices : 1, sizeof(bool));
	if (!p->service_used)
		return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	for (size_t i = 0; i < p->nflows; i++) {
		size_t s = ps_spec_service_index(p->spec, p->flows[i].service);
		if (s != SIZE_MAX)
			p->service_used[s] = true;
	}
	return PORTSPEC_OK;
}

PORTSPEC_EXPORT enum portspec_status portspec_policy_new(const struct portspec_spec *spec,
							 const struct portspec_profile *profile,
							 struct portspec_policy **out,
							 struct portspec_error *err)
{
	ps_error_clear(err);
	if (!spec || !out)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no spec given");
	if (profile && profile->spec != spec)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the profile belongs to another spec");
	struct portspec_policy *p = ps_calloc(1, sizeof(*p));
	if (!p)
		return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	p->spec = ps_spec_ref(spec);
	enum portspec_status st = profile ? ps_profile_clone(profile, &p->profile)
					  : portspec_profile_new(spec, &p->profile, NULL);
	if (st) {
		ps_error_set(err, st, NULL, 0, 0, "%s", portspec_strerror(st));
		goto fail;
	}
	struct build b = {0};
	st = expand(p->profile, &b, err);
	if (st) {
		free_flows(b.flows, b.n);
		goto fail;
	}
	if (b.n > UINT32_MAX) {
		free_flows(b.flows, b.n);
		st = ps_error_set(err, PORTSPEC_E_LIMIT, NULL, 0, 0, "too many flows");
		goto fail;
	}
	if (b.n)
		qsort(b.flows, b.n, sizeof(*b.flows), cmp_flow);
	/* deduplicate: the same service, port, zone and direction from two flow
	 * statements is one flow */
	size_t n = 0;
	for (size_t i = 0; i < b.n; i++) {
		if (n && same_key(&b.flows[n - 1], &b.flows[i])) {
			b.flows[n - 1].either |= b.flows[i].either;
			ps_free(b.flows[i].addresses);
			continue;
		}
		b.flows[n++] = b.flows[i];
	}
	p->flows = b.flows;
	p->nflows = n;
	st = check_narrowing(p, false, err);
	if (!st)
		st = check_narrowing(p, true, err);
	if (!st)
		st = collect_warnings(p, err);
	if (!st)
		st = mark_used_services(p, err);
	if (!st)
		st = ps_plan_build(p, PORTSPEC_MODE_HOST, &p->plans[0], err);
	if (!st)
		st = ps_plan_build(p, PORTSPEC_MODE_GATEWAY, &p->plans[1], err);
	if (!st)
		st = ps_index_build(p, err);
	if (st)
		goto fail;
	*out = p;
	return PORTSPEC_OK;
fail:
	portspec_policy_free(p);
	return st;
}

PORTSPEC_EXPORT const struct portspec_spec *portspec_policy_spec(const struct portspec_policy *p)
{
	return p ? p->spec : NULL;
}

PORTSPEC_EXPORT const struct portspec_profile *
portspec_policy_profile(const struct portspec_policy *p)
{
	return p ? p->profile : NULL;
}

PORTSPEC_EXPORT size_t portspec_policy_flow_count(const struct portspec_policy *p)
{
	return p ? p->nflows : 0;
}

PORTSPEC_EXPORT const struct portspec_flow *portspec_policy_flow(const struct portspec_policy *p,
								 size_t index)
{
	return p && index < p->nflows ? &p->flows[index] : NULL;
}

/*
 * The by-name query: the zone by name (the spec has at most 32; zone names
 * usually differ in their first byte, so strcmp() runs only for the one that
 * matches), then the by-handle one (index.c).
 */
static inline size_t query_zone_index(const struct portspec_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->nzones; i++) {
		const char *z = spec->zones[i].name;
		if (z == name || (z[0] == name[0] && strcmp(z, name) == 0))
			return i;
	}
	return SIZE_MAX;
}

/* portspec_is_allowed() of ICMP and ICMPv6 (types 1 to 255), or of no protocol. */
PS_COLD static int is_allowed_icmp(const struct portspec_policy *p, const char *zone,
				   enum portspec_direction direction,
				   enum portspec_protocol protocol, unsigned port,
				   const struct portspec_flow **match)
{
	if (!ps_protocol_is_icmp(protocol) || port > PS_MAX_ICMP_TYPE)
		return -PORTSPEC_E_INVALID;
	size_t z = query_zone_index(p->spec, zone);
	if (z == SIZE_MAX)
		return -PORTSPEC_E_UNKNOWN;
	return ps_index_zone_query(p->index, z, direction, protocol, port, match);
}

int ps_is_allowed(const struct portspec_policy *p, const char *zone,
		  enum portspec_direction direction, enum portspec_protocol protocol, unsigned port,
		  const struct portspec_flow **match)
{
	if (match)
		*match = NULL;
	if (!p || !zone || port < 1 || port > PS_MAX_PORT ||
	    (direction != PORTSPEC_INBOUND && direction != PORTSPEC_OUTBOUND))
		return -PORTSPEC_E_INVALID;
	if (protocol != PORTSPEC_TCP && protocol != PORTSPEC_UDP)
		return is_allowed_icmp(p, zone, direction, protocol, port, match);
	size_t z = query_zone_index(p->spec, zone);
	if (z == SIZE_MAX)
		return -PORTSPEC_E_UNKNOWN;
	return ps_index_zone_allowed(p->index, z, direction, protocol, port, match);
}

/*
 * Why a zone query failed, in words a caller can act on: the argument that is
 * wrong and what it may be.  @zone is the name asked for, or NULL with
 * @handle the zone handle that was given.
 */
PS_COLD static enum portspec_status query_error(const struct portspec_policy *p, const char *zone,
						const struct portspec_zone *handle,
						enum portspec_direction direction,
						enum portspec_protocol protocol, unsigned port,
						bool *allowed, int r, struct portspec_error *err)
{
	bool icmp = ps_protocol_is_icmp(protocol);
	if (allowed)
		*allowed = false;
	if (!p || !allowed)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "no policy or result pointer given");
	if (direction != PORTSPEC_INBOUND && direction != PORTSPEC_OUTBOUND)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the direction is inbound or outbound");
	if (protocol == PORTSPEC_PROTO_ANY || !portspec_protocol_name(protocol))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the protocol is tcp, udp, icmp or icmpv6");
	unsigned max = icmp ? PS_MAX_ICMP_TYPE : PS_MAX_PORT;
	if (port < 1 || port > max)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "%u is not a %s; %s are 1 to %u", port,
				    icmp ? "message type" : "port", icmp ? "types" : "ports", max);
	if (r != -PORTSPEC_E_UNKNOWN && (zone || handle))
		return ps_error_set(err, (enum portspec_status)-r, NULL, 0, 0, "%s",
				    portspec_strerror((enum portspec_status)-r));
	struct ps_buf names;
	ps_buf_init(&names);
	for (size_t i = 0; i < p->spec->nzones; i++)
		ps_buf_printf(&names, "%s%s", i ? ", " : "", p->spec->zones[i].name);
	enum portspec_status st = zone || handle ? PORTSPEC_E_UNKNOWN : PORTSPEC_E_INVALID;
	ps_error_set(err, st, NULL, 0, 0, "%s%.64s%s; the zones are: %s",
		     zone ? "unknown zone '" : handle ? "a zone of another spec" : "no zone given",
		     zone ? zone : "", zone ? "'" : "",
		     names.data && !names.failed ? names.data : "");
	ps_buf_release(&names);
	return st;
}

PORTSPEC_EXPORT enum portspec_status
portspec_is_allowed(const struct portspec_policy *p, const char *zone,
		    enum portspec_direction direction, enum portspec_protocol protocol, unsigned port,
		    bool *allowed, const struct portspec_flow **match, struct portspec_error *err)
{
	int r = ps_is_allowed(p, zone, direction, protocol, port, match);
	if (r < 0 || !allowed)
		return query_error(p, zone, NULL, direction, protocol, port, allowed, r, err);
	ps_error_clear(err);
	*allowed = r;
	return PORTSPEC_OK;
}

PORTSPEC_EXPORT enum portspec_status
portspec_is_allowed_zone(const struct portspec_policy *p, const struct portspec_zone *zone,
			 enum portspec_direction direction, enum portspec_protocol protocol,
			 unsigned port, bool *allowed, const struct portspec_flow **match,
			 struct portspec_error *err)
{
	int r = ps_is_allowed_zone(p, zone, direction, protocol, port, match);
	if (r < 0 || !allowed)
		return query_error(p, NULL, zone, direction, protocol, port, allowed, r, err);
	ps_error_clear(err);
	*allowed = r;
	return PORTSPEC_OK;
}

PORTSPEC_EXPORT const struct portspec_flow *
portspec_policy_find(const struct portspec_policy *p, unsigned levels,
		     const struct portspec_zone *zone,
		     enum portspec_direction direction, enum portspec_protocol protocol,
		     size_t *cursor)
{
	if (!p || !cursor)
		return NULL;
	while (*cursor < p->nflows) {
		const struct portspec_flow *f = &p->flows[(*cursor)++];
		if (!((unsigned)f->service->level & levels))
			continue;
		if (zone && zone != f->zone)
			continue;
		if (direction && f->direction != direction)
			continue;
		if (protocol && f->protocol != protocol)
			continue;
		return f;
	}
	return NULL;
}

PORTSPEC_EXPORT const struct portspec_flow *portspec_list_required(const struct portspec_policy *p,
								   size_t *cursor)
{
	return portspec_policy_find(p, PORTSPEC_REQUIRED, NULL, PORTSPEC_DIR_ANY,
				    PORTSPEC_PROTO_ANY, cursor);
}

PORTSPEC_EXPORT size_t portspec_policy_warning_count(const struct portspec_policy *p)
{
	return p ? p->warnings.n : 0;
}

PORTSPEC_EXPORT const char *portspec_policy_warning(const struct portspec_policy *p, size_t index)
{
	return p && index < p->warnings.n ? p->warnings.v[index].text : NULL;
}

PORTSPEC_EXPORT enum portspec_warning_kind
portspec_policy_warning_kind(const struct portspec_policy *p, size_t index)
{
	return p && index < p->warnings.n ? p->warnings.v[index].kind
					  : (enum portspec_warning_kind)0;
}

PORTSPEC_EXPORT const struct portspec_service *portspec_flow_service(const struct portspec_flow *f)
{
	return f ? f->service : NULL;
}

PORTSPEC_EXPORT enum portspec_protocol portspec_flow_protocol(const struct portspec_flow *f)
{
	return f ? (enum portspec_protocol)f->protocol : PORTSPEC_PROTO_ANY;
}

PORTSPEC_EXPORT unsigned portspec_flow_port_first(const struct portspec_flow *f)
{
	return f ? f->first : 0;
}

PORTSPEC_EXPORT unsigned portspec_flow_port_last(const struct portspec_flow *f)
{
	return f ? f->last : 0;
}

PORTSPEC_EXPORT enum portspec_direction portspec_flow_direction(const struct portspec_flow *f)
{
	return f ? (enum portspec_direction)f->direction : PORTSPEC_DIR_ANY;
}

PORTSPEC_EXPORT const struct portspec_zone *portspec_flow_zone(const struct portspec_flow *f)
{
	return f ? f->zone : NULL;
}

PORTSPEC_EXPORT enum portspec_level portspec_flow_level(const struct portspec_flow *f)
{
	return f ? f->service->level : (enum portspec_level)0;
}

PORTSPEC_EXPORT const struct portspec_interface *
portspec_flow_interface(const struct portspec_flow *f)
{
	return f ? f->iface : NULL;
}

PORTSPEC_EXPORT bool portspec_flow_either(const struct portspec_flow *f)
{
	return f && f->either;
}

PORTSPEC_EXPORT size_t portspec_flow_address_count(const struct portspec_flow *f)
{
	return f ? f->naddresses : 0;
}

PORTSPEC_EXPORT const struct portspec_cidr *portspec_flow_address(const struct portspec_flow *f,
								  size_t index)
{
	return f && index < f->naddresses ? &f->addresses[index] : NULL;
}
