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
	if (c->protocol < PORTSPEC_TCP || c->protocol > PORTSPEC_ICMPV6)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the protocol is tcp, udp, icmp or icmpv6");
	if (ps_protocol_is_icmp(c->protocol) && (c->port < 1 || c->port > 255))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "ICMP type %u is not one the plan can admit; types are 1 to 255",
				    c->port);
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

/* The port range (for ICMP the type range) of @e that holds @port, or NULL. */
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
		*allowed = ps_index_zone_query(plan->policy->index, conn->zone->index,
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
	ps_error_clear(err);
	/* The hot path (index.h): no interface to compare, a small partition.
	 * It calls nothing and so saves no register; the rest goes the long way. */
	const struct ps_small *s;
	if (!plan || !conn || !allowed || !ps_index_hot(plan, conn, &s))
		return check_long(plan, conn, allowed, entry, err);
	const struct portspec_plan_entry *e = ps_index_small(s, ps_be64(conn->remote.addr));
	*allowed = e != NULL;
	if (entry)
		*entry = e;
	return PORTSPEC_OK;
}

/* ---- explanations ---- */

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
 * Compiles the policy with one more setting (and, if @extra_key is given,
 * a second one that it needs: the address as a server or client, or the
 * addresses of cluster peers); true if it allows @c.
 */
static enum portspec_status try_setting(const struct portspec_plan *plan,
					const struct portspec_connection *c, const char *key,
					const char *value, const char *extra_key,
					const char *extra_value, bool *allows)
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
	if (st == PORTSPEC_OK && extra_key)
		st = portspec_profile_set(alt, extra_key, extra_value, &ignored);
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

/* A second setting a change needs, as it is tried and as it is shown. */
struct extra {
	const char *key;
	char value[160]; /* what is tried */
	char shown[200]; /* "client=snmp:10.20.1.7", "cluster-peer=ADDRESS" */
	const char *why;
};

/* Whether the profile narrows service @s in the direction of @c. */
static bool narrowed(const struct portspec_plan *plan, const struct portspec_connection *c,
		     size_t s)
{
	const struct portspec_profile *pr = plan->policy->profile;
	return (c->direction == PORTSPEC_INBOUND ? pr->clients : pr->servers)[s].count != 0;
}

/*
 * The second setting a variant needs, if any: a narrowed service needs the
 * address as a server (client) too; a role needs its cluster peers when the
 * profile has none (the address asked about, or ADDRESS for a zone).
 */
static bool extra_for(const struct portspec_plan *plan, const struct portspec_connection *c,
		      size_t s, const struct variant *v, struct extra *e)
{
	const struct portspec_spec *spec = plan->policy->spec;
	const struct portspec_profile *pr = plan->policy->profile;
	char a[64] = "";
	if (c->remote.family)
		portspec_cidr_format(&c->remote, a, sizeof(a));
	if (c->remote.family && narrowed(plan, c, s)) {
		e->key = c->direction == PORTSPEC_INBOUND ? "client" : "server";
		snprintf(e->value, sizeof(e->value), "%s:%s", spec->services[s].name, a);
		snprintf(e->shown, sizeof(e->shown), "%s=%s", e->key, e->value);
		e->why = c->direction == PORTSPEC_INBOUND ? ", and narrowed to other clients"
							  : ", and narrowed to other servers";
		return true;
	}
	if (!v->key || strcmp(v->key, "role") != 0)
		return false;
	for (size_t z = 0; z < spec->nzones; z++) {
		if (spec->zones[z].kind != PORTSPEC_ZONE_PEERS || pr->zone_addresses[z].count)
			continue;
		/* the first peers zone is cluster-peer=, any other goes by its name */
		bool first = true;
		for (size_t k = 0; k < z; k++)
			first &= spec->zones[k].kind != PORTSPEC_ZONE_PEERS;
		e->key = first ? "cluster-peer" : spec->zones[z].name;
		/* a by-zone question holds for any address: try a documentation one */
		snprintf(e->value, sizeof(e->value), "%s", a[0] ? a : "192.0.2.1");
		snprintf(e->shown, sizeof(e->shown), "%s=%s", e->key, a[0] ? a : "ADDRESS");
		e->why = ", whose cluster peers need addresses";
		return true;
	}
	return false;
}

/*
 * An echo request from a zone that ping= does not name: ping=ZONE, one for
 * each zone of the question that would allow it.
 */
static enum portspec_status suggest_ping(struct ps_explanation *x,
					 const struct portspec_plan *plan,
					 const struct portspec_connection *c, struct ps_buf *reason,
					 bool *used, bool *said)
{
	const struct portspec_spec *spec = plan->policy->spec;
	if (c->direction != PORTSPEC_INBOUND || !service_uses(&ps_ping_service, c->protocol, c->port))
		return PORTSPEC_OK;
	*used = true;
	for (size_t z = 0; z < spec->nzones; z++) {
		if (!(x->pub.zones & (1ul << z)))
			continue;
		bool allows;
		uint32_t mask = plan->policy->profile->ping | (1u << z);
		struct ps_buf value;
		ps_buf_init(&value);
		for (size_t k = 0; k < spec->nzones; k++)
			if (mask & (1u << k))
				ps_buf_printf(&value, "%s%s", value.len ? "," : "", spec->zones[k].name);
		if (value.failed)
			return PORTSPEC_E_NOMEM;
		enum portspec_status st = try_setting(plan, c, "ping", value.data, NULL, NULL,
						      &allows);
		char setting[320], why[160];
		snprintf(setting, sizeof(setting), "ping=%s", value.data);
		ps_buf_release(&value);
		if (st)
			return st;
		if (!allows)
			continue;
		snprintf(why, sizeof(why), "echo requests from zone %s are not admitted (ping=)",
			 spec->zones[z].name);
		if (!add_change(x, setting, why))
			return PORTSPEC_E_NOMEM;
		if (!*said)
			ps_buf_printf(reason, ": %s", why);
		*said = true;
	}
	return PORTSPEC_OK;
}

/* A role variant's answers, without and with the cluster peers it needs. */
struct memo {
	signed char plain, peers; /* 0 not asked yet, 1 allows, -1 does not */
};

/*
 * Whether variant @v of service @s changes nothing, so that @c stays denied
 * without compiling: enabling an enabled service, serving a service that
 * has no "either" flows from every zone (the key does not exist), a role
 * the profile already has.
 */
static bool variant_is_noop(const struct portspec_plan *plan, size_t s, size_t v)
{
	const struct portspec_profile *pr = plan->policy->profile;
	const struct variant *var = &variants[v];
	if (var->key && !strcmp(var->key, "enable"))
		return pr->enabled[s];
	if (!var->key)
		return plan->policy->spec->services[s].either_zones == 0;
	return !strcmp(var->key, "role") && pr->role == portspec_role_from_name(var->value);
}

/*
 * try_setting() for variant @v of service @s.  A profile change compiles the
 * whole policy, so for a port that thousands of services use, asking each
 * service each variant was quadratic; no-ops are answered at once and a role
 * change (whose answer is the same for every service, unless the service's
 * own narrowing is the extra setting) is compiled once.
 */
static enum portspec_status try_variant(const struct portspec_plan *plan,
					const struct portspec_connection *c, size_t s, size_t v,
					const char *key, const char *value, const char *extra_key,
					const char *extra_value, struct memo *memo, bool *allows)
{
	*allows = false;
	if (!extra_key && variant_is_noop(plan, s, v))
		return PORTSPEC_OK;
	bool role = variants[v].key && !strcmp(variants[v].key, "role");
	/* the extra setting is the service's own narrowing (see extra_for) or the
	 * cluster peers, the same for every service */
	bool own = extra_key && c->remote.family && narrowed(plan, c, s);
	bool shared = role && !own;
	signed char *slot = shared ? (extra_key ? &memo[v].peers : &memo[v].plain) : NULL;
	if (slot && *slot) {
		*allows = *slot > 0;
		return PORTSPEC_OK;
	}
	enum portspec_status st = try_setting(plan, c, key, value, extra_key, extra_value, allows);
	if (!st && slot)
		*slot = *allows ? 1 : -1;
	return st;
}

/*
 * The services of the flows that would allow @c in @altp: of the zone's
 * flows for the port (a question by zone), or of the flows of every FLOW
 * entry of the plan that accepts the connection (by address); marked in
 * @mark.
 */
static void allowing_services(const struct portspec_policy *altp, enum portspec_mode mode,
			      const struct portspec_connection *c, bool *mark)
{
	const struct portspec_service *services = altp->spec->services;
	if (c->remote.family == 0) {
		for (size_t i = 0; i < altp->nflows; i++) {
			const struct portspec_flow *f = &altp->flows[i];
			if (f->zone->index == c->zone->index && f->direction == c->direction &&
			    f->protocol == c->protocol && c->port >= f->first && c->port <= f->last)
				mark[f->service - services] = true;
		}
		return;
	}
	const struct portspec_plan *plan = portspec_policy_plan(altp, mode);
	enum portspec_hook hook = hook_of(plan, c->direction);
	for (size_t i = 0; i < plan->nentries; i++) {
		const struct portspec_plan_entry *e = plan->entries[i];
		if (e->kind != PORTSPEC_ENTRY_FLOW || e->hook != hook || e->direction != c->direction ||
		    e->family != c->remote.family || e->protocol != c->protocol)
			continue;
		const struct portspec_plan_port *port = entry_port(e, c->port);
		if (!port || !portspec_addrset_contains(&e->remote, &c->remote))
			continue;
		const char *want = remote_side_interface(e);
		if (c->interface && want && strcmp(want, c->interface))
			continue;
		for (size_t k = 0; k < port->flow_count; k++)
			mark[port->flows[k]->service - services] = true;
	}
}

/*
 * Enabling a service, or serving it from every zone, is one profile change
 * per service that uses the port: for a port that thousands of disabled
 * services use, a compile each.  Instead the policy is compiled once with
 * the change for all of them (variant @v), and only the services whose
 * flows would then allow @c are tried one by one (each change adds its own
 * service's flows alone, so a service the batch does not find cannot allow
 * @c by itself).  *@batched: @candidate holds the answer; false when fewer
 * than two services would be tried or the batch does not compile, and each
 * is tried as before.
 */
static enum portspec_status batch_variant(const struct portspec_plan *plan,
					  const struct portspec_connection *c, size_t v,
					  bool *candidate, bool *batched)
{
	const struct portspec_policy *p = plan->policy;
	const struct portspec_spec *spec = p->spec;
	struct portspec_profile *alt = NULL;
	struct portspec_policy *altp = NULL;
	struct portspec_error ignored;
	size_t n = 0;
	*batched = false;
	for (size_t s = 0; s < spec->nservices; s++)
		n += service_uses(&spec->services[s], c->protocol, c->port) &&
		     !variant_is_noop(plan, s, v);
	if (n < 2)
		return PORTSPEC_OK;
	enum portspec_status st = ps_profile_clone(p->profile, &alt);
	if (st)
		return st;
	for (size_t s = 0; s < spec->nservices && st == PORTSPEC_OK; s++) {
		const struct portspec_service *svc = &spec->services[s];
		if (!service_uses(svc, c->protocol, c->port) || variant_is_noop(plan, s, v))
			continue;
		st = portspec_profile_set(alt, variants[v].key ? variants[v].key : svc->name,
					  variants[v].value ? variants[v].value : svc->name,
					  &ignored);
	}
	if (st == PORTSPEC_OK)
		st = portspec_policy_new(spec, alt, &altp, &ignored);
	portspec_profile_free(alt);
	if (st == PORTSPEC_E_NOMEM)
		return st;
	if (st) /* one of the changes does not apply: each is tried alone */
		return PORTSPEC_OK;
	struct portspec_connection cc = *c;
	if (c->zone)
		cc.zone = &altp->spec->zones[c->zone->index];
	memset(candidate, 0, spec->nservices * sizeof(*candidate));
	allowing_services(altp, plan->mode, &cc, candidate);
	portspec_policy_free(altp);
	*batched = true;
	return PORTSPEC_OK;
}

/* The variants batch_variant() answers for all services at once. */
#define BATCHED_VARIANTS 2

/* The settings that would allow @c: services that use the port, each variant. */
static enum portspec_status suggest(struct ps_explanation *x, const struct portspec_plan *plan,
				    const struct portspec_connection *c, struct ps_buf *reason)
{
	const struct portspec_spec *spec = plan->policy->spec;
	bool used = false, said = false;
	enum portspec_status st = suggest_ping(x, plan, c, reason, &used, &said);
	if (st)
		return st;
	/* What a role change gives does not depend on the service: asked once. */
	struct memo memo[sizeof(variants) / sizeof(variants[0])] = {{0}};
	bool batched[BATCHED_VARIANTS];
	bool *candidate = ps_calloc(BATCHED_VARIANTS * (spec->nservices ? spec->nservices : 1),
				    sizeof(*candidate));
	if (!candidate)
		return PORTSPEC_E_NOMEM;
	for (size_t v = 0; v < BATCHED_VARIANTS && !st; v++)
		st = batch_variant(plan, c, v, candidate + v * spec->nservices, &batched[v]);
	for (size_t s = 0; s < spec->nservices && !st; s++) {
		const struct portspec_service *svc = &spec->services[s];
		if (!service_uses(svc, c->protocol, c->port))
			continue;
		used = true;
		for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
			const char *key = variants[v].key ? variants[v].key : svc->name;
			const char *value = variants[v].value ? variants[v].value : svc->name;
			bool allows = false, extra = false;
			if (v >= BATCHED_VARIANTS || !batched[v] || candidate[v * spec->nservices + s])
				st = try_variant(plan, c, s, v, key, value, NULL, NULL, memo,
						 &allows);
			if (st)
				break;
			struct extra e = {0};
			if (!allows && extra_for(plan, c, s, &variants[v], &e)) {
				extra = true;
				st = try_variant(plan, c, s, v, key, value, e.key, e.value, memo,
						 &allows);
				if (st)
					break;
			}
			if (!allows)
				continue;
			char setting[400], why[200];
			snprintf(setting, sizeof(setting), "%s=%s%s%s", key, value, extra ? " " : "",
				 extra ? e.shown : "");
			snprintf(why, sizeof(why), "%s %s%s", svc->name, variants[v].why,
				 extra ? e.why : "");
			if (!add_change(x, setting, why)) {
				st = PORTSPEC_E_NOMEM;
				break;
			}
			if (!said)
				ps_buf_printf(reason, ": %s", why);
			said = true;
		}
	}
	ps_free(candidate);
	if (st)
		return st;
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
		if (ps_is_allowed(plan->policy, spec->zones[z].name, c->direction, c->protocol,
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
		/* The address must be one of the service's servers (clients) as well. */
		const char *key = c->direction == PORTSPEC_OUTBOUND ? "server" : "client";
		ps_buf_printf(reason, " (%s=%s:...)", key, flow->service->name);
		snprintf(setting, sizeof(setting), "%s=%s:%s", key, flow->service->name, addr);
		if (!add_change(x, setting,
				c->direction == PORTSPEC_OUTBOUND
					? "the service is narrowed to other servers"
					: "the service is narrowed to other clients"))
			return PORTSPEC_E_NOMEM;
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
		if (ps_is_allowed(p, spec->zones[z].name, c->direction, c->protocol, c->port,
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
		if (ps_profile_in_zone(plan->policy->profile, z, &c->remote)) {
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
	ps_error_clear(err);
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
		allowed = ps_is_allowed(plan->policy, conn->zone->name, conn->direction,
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
