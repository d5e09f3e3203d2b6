/* SPDX-License-Identifier: MIT */
/*
 * Queries over a plan: is a new connection allowed (by address, or by zone),
 * by which entry, and if not, why not and which profile change would allow
 * it.
 */
#include <stdio.h>
#include <string.h>

#include "index.h"
#include "private.h"

struct ps_explanation {
	struct portspec_explanation pub;
	char *reason;
	struct portspec_change *changes; /* strings owned */
	size_t nchanges;
};

static bool full_prefix(const struct portspec_cidr *c)
{
	return c->prefix == (c->family == 4 ? 32 : 128);
}

static enum portspec_status check_args(const struct portspec_plan *plan,
				       const struct portspec_connection *c,
				       struct portspec_error *err)
{
	if (!plan || !c)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no plan or connection given");
	if (c->direction != PORTSPEC_INBOUND && c->direction != PORTSPEC_OUTBOUND)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the direction is inbound or outbound");
	if (c->protocol != PORTSPEC_TCP && c->protocol != PORTSPEC_UDP)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "the protocol is tcp or udp");
	if (c->port < 1 || c->port > 65535)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "port %u is not a port; ports are 1 to 65535", c->port);
	if (c->remote.family == 0) {
		const struct portspec_spec *spec = plan->policy->spec;
		if (!c->zone || c->zone < spec->zones || c->zone >= spec->zones + spec->nzones)
			return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
					    "give a remote address, or a zone of the policy's spec");
		return PORTSPEC_OK;
	}
	if ((c->remote.family != 4 && c->remote.family != 6) || !full_prefix(&c->remote))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the remote side is one IPv4 or IPv6 address, not a network");
	return PORTSPEC_OK;
}

static enum portspec_hook hook_of(const struct portspec_plan *plan, enum portspec_direction d)
{
	if (plan->mode == PORTSPEC_MODE_GATEWAY)
		return PORTSPEC_HOOK_FORWARD;
	return d == PORTSPEC_INBOUND ? PORTSPEC_HOOK_INPUT : PORTSPEC_HOOK_OUTPUT;
}

/* The port range of @e that holds @port, or NULL. */
static const struct portspec_plan_port *entry_port(const struct portspec_plan_entry *e,
						   unsigned port)
{
	return ps_entry_port(e, port);
}

/* The interface an entry wants on the remote's side (NULL: any). */
static const char *remote_side_interface(const struct portspec_plan_entry *e)
{
	return e->direction == PORTSPEC_INBOUND ? e->iif : e->oif;
}

/* What to compare when looking for the entry of a connection. */
enum { MATCH_REMOTE = 1, MATCH_INTERFACE = 2, MATCH_ALL = 3 };

static const struct portspec_plan_entry *
find_entry(const struct portspec_plan *plan, const struct portspec_connection *c,
	   const struct portspec_zone *zone, unsigned what, const struct portspec_flow **flow)
{
	enum portspec_hook hook = hook_of(plan, c->direction);
	for (size_t i = 0; i < plan->nentries; i++) {
		const struct portspec_plan_entry *e = plan->entries[i];
		if (e->kind != PORTSPEC_ENTRY_FLOW || e->hook != hook || e->direction != c->direction ||
		    e->family != c->remote.family || e->protocol != c->protocol ||
		    (zone && e->zone != zone))
			continue;
		const struct portspec_plan_port *port = entry_port(e, c->port);
		if (!port)
			continue;
		if ((what & MATCH_REMOTE) && !portspec_addrset_contains(&e->remote, &c->remote))
			continue;
		const char *want = remote_side_interface(e);
		if ((what & MATCH_INTERFACE) && c->interface && want && strcmp(want, c->interface))
			continue;
		if (flow)
			*flow = port->flows[0];
		return e;
	}
	return NULL;
}

/* Kept out of portspec_plan_check(), so that its hot path saves no register. */
#if defined(__GNUC__) && !defined(__clang__)
#define PS_COLD __attribute__((noipa))
#elif defined(__GNUC__)
#define PS_COLD __attribute__((noinline))
#else
#define PS_COLD
#endif

/* portspec_plan_check() but for the plain queries the index answers at once. */
PS_COLD static enum portspec_status check_long(const struct portspec_plan *plan,
					       const struct portspec_connection *conn,
					       bool *allowed,
					       const struct portspec_plan_entry **entry,
					       struct portspec_error *err)
{
	if (entry)
		*entry = NULL;
	enum portspec_status st = check_args(plan, conn, err);
	if (st)
		return st;
	if (!allowed)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no result pointer given");
	if (conn->remote.family == 0) {
		*allowed = ps_index_zone_allowed(plan->policy->index, conn->zone->index,
						 conn->direction, conn->protocol, conn->port,
						 NULL) == 1;
		return PORTSPEC_OK;
	}
	const struct portspec_plan_entry *e = ps_index_plan_find(plan, conn);
	*allowed = e != NULL;
	if (entry)
		*entry = e;
	return PORTSPEC_OK;
}

PORTSPEC_EXPORT enum portspec_status portspec_plan_check(const struct portspec_plan *plan,
							 const struct portspec_connection *conn,
							 bool *allowed,
							 const struct portspec_plan_entry **entry,
							 struct portspec_error *err)
{
	/* The hot path (index.h): no interface to compare, a small partition.
	 * It calls nothing and so saves no register; the rest goes the long way. */
	uint32_t v;
	if (!plan || !conn || !allowed || !ps_index_hot(plan, conn, &v))
		return check_long(plan, conn, allowed, entry, err);
	const struct portspec_plan_entry *e =
		ps_index_small(&plan->index_small[v >> 1], ps_be64(conn->remote.addr));
	*allowed = e != NULL;
	if (entry)
		*entry = e;
	return PORTSPEC_OK;
}

/* ---- explanations ---- */

/* Is @addr in zone @z under the policy's profile? */
static bool in_zone(const struct portspec_policy *p, size_t z, const struct portspec_cidr *addr)
{
	const struct portspec_spec *spec = p->spec;
	const struct portspec_profile *pr = p->profile;
	if (spec->zones[z].kind == PORTSPEC_ZONE_COMPLEMENT) {
		for (size_t k = 0; k < spec->nzones; k++) {
			if (spec->zones[k].kind != PORTSPEC_ZONE_NETWORKS)
				continue;
			for (size_t i = 0; i < pr->zone_addresses[k].count; i++)
				if (ps_cidr_contains(&pr->zone_addresses[k].items[i], addr))
					return false;
		}
		return true;
	}
	for (size_t i = 0; i < pr->zone_addresses[z].count; i++)
		if (ps_cidr_contains(&pr->zone_addresses[z].items[i], addr))
			return true;
	return false;
}

static bool add_change(struct ps_explanation *x, const char *setting, const char *reason)
{
	for (size_t i = 0; i < x->nchanges; i++)
		if (strcmp(x->changes[i].setting, setting) == 0)
			return true;
	char *a = ps_strdup(setting), *b = ps_strdup(reason);
	struct portspec_change *v =
		a && b ? ps_reallocarray(x->changes, x->nchanges + 1, sizeof(*v)) : NULL;
	if (!v) {
		ps_free(a);
		ps_free(b);
		return false;
	}
	x->changes = v;
	v[x->nchanges++] = (struct portspec_change){a, b};
	return true;
}

/* "inbound udp/161 from 10.20.9.5" or "... from zone inside" */
static void describe(struct ps_buf *b, const struct portspec_connection *c)
{
	char addr[64];
	ps_buf_printf(b, "%s %s/%u %s ", portspec_direction_name(c->direction),
		      portspec_protocol_name(c->protocol), c->port,
		      c->direction == PORTSPEC_INBOUND ? "from" : "to");
	if (c->remote.family)
		ps_buf_puts(b, portspec_cidr_format(&c->remote, addr, sizeof(addr)));
	else
		ps_buf_printf(b, "zone %s", c->zone->name);
	if (c->interface)
		ps_buf_printf(b, " on %s", c->interface);
}

static bool service_uses(const struct portspec_service *svc, enum portspec_protocol p,
			 unsigned port)
{
	for (size_t i = 0; i < svc->nports; i++)
		if (svc->ports[i].proto == p && port >= svc->ports[i].first &&
		    port <= svc->ports[i].last)
			return true;
	return false;
}

/* Profile changes worth trying for a service, and what each one says. */
struct variant {
	const char *key;   /* NULL: the service's own name (an "either zone" key) */
	const char *value; /* NULL: the service's name */
	const char *why;   /* after the service name */
};

static const struct variant variants[] = {
	{"enable", NULL, "is turned off in this profile"},
	{NULL, "all", "is served from another zone in this profile"},
	{"role", "central", "is opened here only on a central cluster appliance"},
	{"role", "member", "is opened here only on a cluster member"},
	{"role", "standalone", "is opened here only on a standalone appliance"},
};

/*
 * Compiles the policy with one more setting (and, if @server is given, the
 * narrowing address server=@server too); true if it allows @c.
 */
static enum portspec_status try_setting(const struct portspec_plan *plan,
					const struct portspec_connection *c, const char *key,
					const char *value, const char *server, bool *allows)
{
	const struct portspec_policy *p = plan->policy;
	struct portspec_profile *alt = NULL;
	struct portspec_policy *altp = NULL;
	struct portspec_error ignored;

	*allows = false;
	enum portspec_status st = ps_profile_clone(p->profile, &alt);
	if (st)
		return st;
	st = portspec_profile_set(alt, key, value, &ignored);
	if (st == PORTSPEC_OK && server)
		st = portspec_profile_set(alt, "server", server, &ignored);
	if (st == PORTSPEC_OK)
		st = portspec_policy_new(p->spec, alt, &altp, &ignored);
	portspec_profile_free(alt);
	if (st == PORTSPEC_E_NOMEM)
		return st;
	if (st) /* the change does not apply to this spec or profile */
		return PORTSPEC_OK;
	const struct portspec_plan *ap = portspec_policy_plan(altp, plan->mode);
	struct portspec_connection cc = *c;
	if (c->zone)
		cc.zone = &altp->spec->zones[c->zone->index];
	bool ok = false;
	st = portspec_plan_check(ap, &cc, &ok, NULL, NULL);
	portspec_policy_free(altp);
	*allows = st == PORTSPEC_OK && ok;
	return PORTSPEC_OK;
}

/* The settings that would allow @c: services that use the port, each variant. */
static enum portspec_status suggest(struct ps_explanation *x, const struct portspec_plan *plan,
				    const struct portspec_connection *c, struct ps_buf *reason)
{
	const struct portspec_spec *spec = plan->policy->spec;
	bool used = false, said = false;
	for (size_t s = 0; s < spec->nservices; s++) {
		const struct portspec_service *svc = &spec->services[s];
		if (!service_uses(svc, c->protocol, c->port))
			continue;
		used = true;
		for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
			const char *key = variants[v].key ? variants[v].key : svc->name;
			const char *value = variants[v].value ? variants[v].value : svc->name;
			bool allows;
			enum portspec_status st = try_setting(plan, c, key, value, NULL, &allows);
			if (st)
				return st;
			/* A narrowed service needs the address as a server too. */
			char server[160] = "";
			if (!allows && c->remote.family && c->direction == PORTSPEC_OUTBOUND &&
			    plan->policy->profile->servers[s].count) {
				char a[64];
				snprintf(server, sizeof(server), "%s:%s", svc->name,
					 portspec_cidr_format(&c->remote, a, sizeof(a)));
				st = try_setting(plan, c, key, value, server, &allows);
				if (st)
					return st;
			}
			if (!allows)
				continue;
			char setting[320], why[160];
			snprintf(setting, sizeof(setting), "%s=%s%s%s", key, value,
				 server[0] ? " server=" : "", server);
			snprintf(why, sizeof(why), "%s %s%s", svc->name, variants[v].why,
				 server[0] ? ", and narrowed to other servers" : "");
			if (!add_change(x, setting, why))
				return PORTSPEC_E_NOMEM;
			if (!said)
				ps_buf_printf(reason, ": %s", why);
			said = true;
		}
	}
	if (!used) {
		ps_buf_printf(reason, ": no service of the spec uses %s/%u",
			      portspec_protocol_name(c->protocol), c->port);
		return PORTSPEC_OK;
	}
	if (said)
		return PORTSPEC_OK;
	/* No setting helps here: say where the port is open, if anywhere. */
	ps_buf_puts(reason, ": no single profile change allows it");
	size_t n = 0;
	for (size_t z = 0; z < spec->nzones; z++)
		if (portspec_is_allowed(plan->policy, spec->zones[z].name, c->direction, c->protocol,
					c->port, NULL) == 1)
			ps_buf_printf(reason, "%s%s", n++ ? ", " : c->direction == PORTSPEC_INBOUND
									? "; it is allowed from zone "
									: "; it is allowed to zone ",
				      spec->zones[z].name);
	return PORTSPEC_OK;
}

/*
 * A zone of the address has a flow for the port, yet no entry matched:
 * the narrowing addresses, the interface or (gateway) the appliance's
 * addresses leave it out.  Says which, and the setting that would change it.
 */
static enum portspec_status near_miss(struct ps_explanation *x, const struct portspec_plan *plan,
				      const struct portspec_connection *c,
				      const struct portspec_zone *zone,
				      const struct portspec_flow *flow, struct ps_buf *reason)
{
	const struct portspec_plan_entry *e = find_entry(plan, c, zone, 0, NULL);
	char setting[160], addr[64];

	portspec_cidr_format(&c->remote, addr, sizeof(addr));
	if (!e) {
		ps_buf_printf(reason, ": %s %s zone %s has no IPv%u rule in %s mode (%s)",
			      flow->service->name, c->direction == PORTSPEC_INBOUND ? "from" : "to",
			      zone->name, c->remote.family,
			      plan->mode == PORTSPEC_MODE_HOST ? "host" : "gateway",
			      plan->mode == PORTSPEC_MODE_GATEWAY
				      ? "the appliance has no address of that family; set appliance="
				      : "see the plan's warnings");
		return PORTSPEC_OK;
	}
	if (!portspec_addrset_contains(&e->remote, &c->remote)) {
		ps_buf_printf(reason, ": %s %s zone %s is narrowed to other addresses",
			      flow->service->name, c->direction == PORTSPEC_INBOUND ? "from" : "to",
			      zone->name);
		if (c->direction == PORTSPEC_OUTBOUND) {
			ps_buf_printf(reason, " (server=%s:...)", flow->service->name);
			snprintf(setting, sizeof(setting), "server=%s:%s", flow->service->name, addr);
			if (!add_change(x, setting, "the service is narrowed to other servers"))
				return PORTSPEC_E_NOMEM;
		}
		return PORTSPEC_OK;
	}
	const char *want = remote_side_interface(e);
	ps_buf_printf(reason, ": zone %s is reached through interface %s, not %s", zone->name,
		      want ? want : "(any)", c->interface ? c->interface : "(any)");
	if (plan->mode == PORTSPEC_MODE_HOST)
		snprintf(setting, sizeof(setting), "interface=%s:%s", zone->name, c->interface);
	else
		snprintf(setting, sizeof(setting), "%s-interface=%s", zone->name, c->interface);
	return add_change(x, setting, "the zone is reached through another interface")
		       ? PORTSPEC_OK
		       : PORTSPEC_E_NOMEM;
}

static enum portspec_status explain_denied(struct ps_explanation *x,
					   const struct portspec_plan *plan,
					   const struct portspec_connection *c, struct ps_buf *reason)
{
	const struct portspec_policy *p = plan->policy;
	const struct portspec_spec *spec = p->spec;
	if (c->remote.family == 0)
		return suggest(x, plan, c, reason);
	/* A zone that has a flow for the port but no entry for this address. */
	for (size_t z = 0; z < spec->nzones; z++) {
		if (!(x->pub.zones & (1ul << z)))
			continue;
		const struct portspec_flow *f = NULL;
		if (portspec_is_allowed(p, spec->zones[z].name, c->direction, c->protocol, c->port,
					&f) == 1)
			return near_miss(x, plan, c, &spec->zones[z], f, reason);
	}
	return suggest(x, plan, c, reason);
}

static void zones_of(struct ps_explanation *x, const struct portspec_plan *plan,
		     const struct portspec_connection *c, struct ps_buf *reason)
{
	const struct portspec_spec *spec = plan->policy->spec;
	if (c->remote.family == 0) {
		x->pub.zones = 1ul << c->zone->index;
		return;
	}
	size_t n = 0;
	for (size_t z = 0; z < spec->nzones; z++)
		if (in_zone(plan->policy, z, &c->remote)) {
			x->pub.zones |= 1ul << z;
			ps_buf_printf(reason, "%s%s", n++ ? ", " : " (zone ", spec->zones[z].name);
		}
	ps_buf_puts(reason, n ? ")" : " (in no zone of the spec)");
}

PORTSPEC_EXPORT void portspec_explanation_free(struct portspec_explanation *e)
{
	if (!e)
		return;
	struct ps_explanation *x = (struct ps_explanation *)e;
	ps_free(x->reason);
	for (size_t i = 0; i < x->nchanges; i++) {
		ps_free((char *)x->changes[i].setting);
		ps_free((char *)x->changes[i].reason);
	}
	ps_free(x->changes);
	ps_free(x);
}

PORTSPEC_EXPORT enum portspec_status portspec_plan_explain(const struct portspec_plan *plan,
							   const struct portspec_connection *conn,
							   struct portspec_explanation **out,
							   struct portspec_error *err)
{
	enum portspec_status st = check_args(plan, conn, err);
	if (st)
		return st;
	if (!out)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no result pointer given");
	struct ps_explanation *x = ps_calloc(1, sizeof(*x));
	if (!x)
		return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	struct ps_buf reason;
	ps_buf_init(&reason);

	const struct portspec_flow *flow = NULL;
	bool allowed = false;
	if (conn->remote.family) {
		x->pub.entry = find_entry(plan, conn, NULL, MATCH_ALL, &flow);
		allowed = x->pub.entry != NULL;
	} else {
		allowed = portspec_is_allowed(plan->policy, conn->zone->name, conn->direction,
					      conn->protocol, conn->port, &flow) == 1;
	}
	x->pub.allowed = allowed;
	x->pub.flow = allowed ? flow : NULL;
	ps_buf_puts(&reason, allowed ? "allowed: " : "denied: ");
	describe(&reason, conn);
	zones_of(x, plan, conn, &reason);
	if (allowed) {
		const struct portspec_service *svc = flow->service;
		ps_buf_printf(&reason, ": service %s (%s)", svc->name, portspec_level_name(svc->level));
		if (svc->title)
			ps_buf_printf(&reason, ", %s", svc->title);
	} else {
		st = explain_denied(x, plan, conn, &reason);
	}
	if (!st && reason.failed)
		st = PORTSPEC_E_NOMEM;
	if (st) {
		ps_buf_release(&reason);
		portspec_explanation_free(&x->pub);
		return ps_error_set(err, st, NULL, 0, 0, "%s", portspec_strerror(st));
	}
	x->reason = ps_buf_steal(&reason, NULL);
	if (!x->reason) {
		portspec_explanation_free(&x->pub);
		return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	}
	x->pub.reason = x->reason;
	x->pub.changes = x->changes;
	x->pub.change_count = x->nchanges;
	*out = &x->pub;
	return PORTSPEC_OK;
}
