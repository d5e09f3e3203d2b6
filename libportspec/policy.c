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
	/* service index of each flow, for sorting */
	const struct portspec_spec *spec;
};

static bool push_flow(struct build *b, const struct portspec_flow *f)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
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
	CMP(a->service, b->service); /* services live in one array: declaration order */
#undef CMP
	return 0;
}

static bool same_key(const struct portspec_flow *a, const struct portspec_flow *b)
{
	return a->direction == b->direction && a->zone == b->zone && a->protocol == b->protocol &&
	       a->first == b->first && a->last == b->last && a->service == b->service;
}

/* Does `addr` belong to zone z under this profile? */
static bool in_zone(const struct portspec_profile *pr, size_t z, const struct portspec_cidr *addr)
{
	const struct portspec_spec *spec = pr->spec;
	if (spec->zones[z].kind == PORTSPEC_ZONE_COMPLEMENT) {
		for (size_t k = 0; k < spec->nzones; k++) {
			if (spec->zones[k].kind != PORTSPEC_ZONE_NETWORKS)
				continue;
			const struct ps_cidr_list *l = &pr->zone_addresses[k];
			for (size_t i = 0; i < l->count; i++)
				if (ps_cidr_contains(&l->items[i], addr))
					return false;
		}
		return true;
	}
	const struct ps_cidr_list *l = &pr->zone_addresses[z];
	for (size_t i = 0; i < l->count; i++)
		if (ps_cidr_contains(&l->items[i], addr))
			return true;
	return false;
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
	for (size_t i = 0; i < p->nwarnings; i++)
		ps_free(p->warnings[i]);
	ps_free(p->warnings);
	ps_index_free(p->index);
	ps_free(p->service_used);
	portspec_profile_free(p->profile);
	portspec_spec_free(p->spec);
	ps_free(p);
}

/* The policy's (or plan's) warnings: a list of strings it owns. */
#define add_warning(p, err, ...) ps_strings_add(&(p)->warnings, &(p)->nwarnings, err, __VA_ARGS__)

/*
 * A spec of a few megabytes can list a thousand services with a thousand
 * ports each in every flow: bound the policy before building it, counting a
 * flow once per server address it copies.
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
			size_t addrs = sf->direction == PORTSPEC_OUTBOUND ? pr->servers[si].count : 0;
			total += spec->services[si].nports * (1 + addrs);
			if (total > PS_MAX_POLICY_FLOWS)
				return ps_error_set(err, PORTSPEC_E_LIMIT, spec->filename, sf->line, 1,
						    "the policy would have more than %u flows (each "
						    "server address counts as one); list fewer services, "
						    "ports or servers", PS_MAX_POLICY_FLOWS);
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
			return ps_error_set(err, PORTSPEC_E_PROFILE, spec->filename, sf->line, 1,
					    "zone '%s' has no addresses, but this flow needs it; set "
					    "%s=ADDRESS in the profile", zone->name,
					    zone->kind == PORTSPEC_ZONE_PEERS ? "cluster-peer"
									      : zone->name);
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
			const struct ps_cidr_list *servers = &pr->servers[si];
			if (sf->direction == PORTSPEC_OUTBOUND && servers->count) {
				addrs = ps_calloc(servers->count, sizeof(*addrs));
				if (!addrs)
					return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0,
							    "out of memory");
				for (size_t a = 0; a < servers->count; a++)
					if (in_zone(pr, sf->zone, &servers->items[a]))
						addrs[naddrs++] = servers->items[a];
				if (!naddrs) {
					/* the service's servers are all in other zones */
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
	return PORTSPEC_OK;
}

/* Every server address must lie in a zone its service is served to. */
static enum portspec_status check_servers(const struct portspec_policy *p,
					  struct portspec_error *err)
{
	const struct portspec_profile *pr = p->profile;
	const struct portspec_spec *spec = p->spec;
	for (size_t si = 0; si < spec->nservices; si++) {
		const struct ps_cidr_list *servers = &pr->servers[si];
		for (size_t a = 0; a < servers->count; a++) {
			bool used = false;
			for (size_t f = 0; f < p->nflows && !used; f++) {
				const struct portspec_flow *fl = &p->flows[f];
				if (fl->service != &spec->services[si] ||
				    fl->direction != PORTSPEC_OUTBOUND)
					continue;
				for (size_t k = 0; k < fl->naddresses && !used; k++)
					used = !memcmp(&fl->addresses[k], &servers->items[a],
						       sizeof(servers->items[a]));
			}
			if (!used) {
				char buf[64];
				return ps_error_set(err, PORTSPEC_E_PROFILE, NULL, 0, 0,
						    "server %s for %s is in no zone that %s is served "
						    "to outbound in this profile; check the address, "
						    "the zones' networks and where %s is served from",
						    portspec_cidr_format(&servers->items[a], buf,
									 sizeof(buf)),
						    spec->services[si].name, spec->services[si].name,
						    spec->services[si].name);
			}
		}
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
		size_t si = (size_t)(p->flows[f].service - spec->services);
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
		if (either[si] && served[si] != either[si]) {
			char zones[256] = "";
			size_t off = 0;
			for (size_t z = 0; z < spec->nzones && off < sizeof(zones); z++)
				if (served[si] & (1u << z))
					off += (size_t)snprintf(zones + off, sizeof(zones) - off,
								"%s%s", off ? " and " : "",
								spec->zones[z].name);
			st = add_warning(p, err, "%s is served from %s only. %s", svc->name,
					 off ? zones : "no zone",
					 spec->either_note ? spec->either_note : "");
		}
		if (!st && svc->note)
			st = add_warning(p, err, "%s: %s", svc->name, svc->note);
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
					st = add_warning(p, err,
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
	for (size_t i = 0; i < p->nflows; i++)
		p->service_used[p->flows[i].service - p->spec->services] = true;
	return PORTSPEC_OK;
}

PORTSPEC_EXPORT enum portspec_status portspec_policy_new(const struct portspec_spec *spec,
							 const struct portspec_profile *profile,
							 struct portspec_policy **out,
							 struct portspec_error *err)
{
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
					  : portspec_profile_new(spec, &p->profile);
	if (st) {
		ps_error_set(err, st, NULL, 0, 0, "%s", portspec_strerror(st));
		goto fail;
	}
	struct build b = {.spec = spec};
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
	st = check_servers(p, err);
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

PORTSPEC_EXPORT int portspec_is_allowed(const struct portspec_policy *p, const char *zone,
					enum portspec_direction direction,
					enum portspec_protocol protocol, unsigned port,
					const struct portspec_flow **match)
{
	if (match)
		*match = NULL;
	if (!p || !zone || port < 1 || port > 65535 ||
	    (direction != PORTSPEC_INBOUND && direction != PORTSPEC_OUTBOUND) ||
	    (protocol != PORTSPEC_TCP && protocol != PORTSPEC_UDP))
		return -PORTSPEC_E_INVALID;
	size_t z = query_zone_index(p->spec, zone);
	if (z == SIZE_MAX)
		return -PORTSPEC_E_UNKNOWN;
	return ps_index_zone_allowed(p->index, z, direction, protocol, port, match);
}

PORTSPEC_EXPORT const struct portspec_flow *
portspec_policy_find(const struct portspec_policy *p, unsigned levels, const char *zone,
		     enum portspec_direction direction, enum portspec_protocol protocol,
		     size_t *cursor)
{
	if (!p || !cursor)
		return NULL;
	while (*cursor < p->nflows) {
		const struct portspec_flow *f = &p->flows[(*cursor)++];
		if (!((unsigned)f->service->level & levels))
			continue;
		if (zone && strcmp(zone, f->zone->name) != 0)
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
	return p ? p->nwarnings : 0;
}

PORTSPEC_EXPORT const char *portspec_policy_warning(const struct portspec_policy *p, size_t index)
{
	return p && index < p->nwarnings ? p->warnings[index] : NULL;
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

PORTSPEC_EXPORT const char *portspec_flow_interface(const struct portspec_flow *f)
{
	return f ? f->interface : NULL;
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
