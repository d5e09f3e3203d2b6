/* SPDX-License-Identifier: MIT */
/*
 * iptables-restore input: the filter table (the flows) and the raw table
 * (explicit conntrack helper assignment).  The IPv4 renderer here is shared
 * with ip6tables.c; each renders the addresses of its own family only.
 *
 * Zones by address: a networks or peers zone is one rule per network; the
 * complement zone ("outside": every address in no networks zone) is a chain
 * of its own that RETURNs the networks zones' addresses first and then
 * accepts the zone's ports, so a packet from inside never matches an
 * outside rule.  Zones bound to interfaces match the interface instead.
 */
#include <string.h>

#include "common.h"

#define XT_MAX_CHAIN_NAME 28u    /* XT_EXTENSION_MAXNAMELEN - 1 */
#define XT_MAX_COMMENT 255u      /* XT_MAX_COMMENT_LEN - 1 */
#define XT_MULTIPORT_SLOTS 15u   /* a range takes two */
#define XT_MAX_CHAINS (PS_MAX_ZONES * 2u + 4u)
#define XT_MAX_LABELS 32u

struct xt_chain {
	char name[XT_MAX_CHAIN_NAME + 1];
	const char *policy; /* built-in chains: ACCEPT or DROP; NULL for user chains */
	struct ps_buf rules;
};

struct xt_table {
	const char *name;
	struct xt_chain chains[XT_MAX_CHAINS];
	size_t nchains;
};

struct xt_ctx {
	struct ps_render *r;
	const char *backend;
	int family;
	const struct portspec_profile *profile;
	const struct portspec_spec *spec;
	bool fragment;
	bool gateway;
	struct xt_table filter;
	struct xt_table raw;
};

/* One side of a rule: what selects the packets before the ports. */
struct xt_match {
	char src[64];
	char dst[64];
	const char *in;
	const char *out;
};

static struct xt_chain *chain_add(struct xt_table *t, const char *name, const char *policy)
{
	for (size_t i = 0; i < t->nchains; i++)
		if (strcmp(t->chains[i].name, name) == 0)
			return &t->chains[i];
	if (t->nchains == XT_MAX_CHAINS || strlen(name) > XT_MAX_CHAIN_NAME)
		return NULL;
	struct xt_chain *c = &t->chains[t->nchains++];
	strcpy(c->name, name);
	c->policy = policy;
	ps_buf_init(&c->rules);
	return c;
}

static struct xt_chain *chain_find(struct xt_table *t, const char *name)
{
	for (size_t i = 0; i < t->nchains; i++)
		if (strcmp(t->chains[i].name, name) == 0)
			return &t->chains[i];
	return NULL;
}

static void table_release(struct xt_table *t)
{
	for (size_t i = 0; i < t->nchains; i++)
		ps_buf_release(&t->chains[i].rules);
	t->nchains = 0;
}

static bool table_failed(const struct xt_table *t)
{
	for (size_t i = 0; i < t->nchains; i++)
		if (t->chains[i].rules.failed)
			return true;
	return false;
}

static bool is_raw(const struct xt_ctx *x, const struct xt_table *t)
{
	return t == &x->raw;
}

/* The chain a flow's rules start in. */
static const char *main_chain(const struct xt_ctx *x, const struct xt_table *t,
			      enum portspec_direction dir)
{
	if (x->fragment)
		return x->r->name;
	if (x->gateway)
		return is_raw(x, t) ? "PREROUTING" : "FORWARD";
	if (dir == PORTSPEC_INBOUND)
		return is_raw(x, t) ? "PREROUTING" : "INPUT";
	return "OUTPUT";
}

static void format_cidr(const struct portspec_cidr *c, char *buf, size_t size)
{
	portspec_cidr_format(c, buf, size);
}

/* "# ..." line inside a chain's rules, e.g. for a zone with no addresses of this family. */
static void chain_note(struct xt_chain *c, const char *fmt, ...) PS_PRINTF(2, 3);
static void chain_note(struct xt_chain *c, const char *fmt, ...)
{
	va_list ap;
	ps_buf_puts(&c->rules, "# ");
	va_start(ap, fmt);
	ps_buf_vprintf(&c->rules, fmt, ap);
	va_end(ap);
	ps_buf_putc(&c->rules, '\n');
}

static void put_match(struct ps_buf *b, const struct xt_match *m)
{
	if (m->src[0])
		ps_buf_printf(b, " -s %s", m->src);
	if (m->dst[0])
		ps_buf_printf(b, " -d %s", m->dst);
	if (m->in)
		ps_buf_printf(b, " -i %s", m->in);
	if (m->out)
		ps_buf_printf(b, " -o %s", m->out);
}

/*
 * The complement zone's chain in table @t for direction @dir: created on
 * first use with a RETURN for every address of every networks zone.
 */
static enum portspec_status complement_chain(struct xt_ctx *x, struct xt_table *t,
					     const struct portspec_zone *zone,
					     enum portspec_direction dir, struct xt_chain **out,
					     bool *created)
{
	const char *suffix = dir == PORTSPEC_INBOUND ? "in" : "out";
	char name[128];

	snprintf(name, sizeof(name), "%s-%s-%s", x->r->name, portspec_zone_name(zone), suffix);
	if (strlen(name) > XT_MAX_CHAIN_NAME)
		snprintf(name, sizeof(name), "%s-z%zu-%s", x->r->name,
			 (size_t)(zone - portspec_spec_zone(x->spec, 0)), suffix);
	if (strlen(name) > XT_MAX_CHAIN_NAME)
		return ps_error_set(x->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				    "%s: the chain for zone %s would be called '%s', longer than "
				    "iptables' %u characters; choose a shorter --name",
				    x->backend, portspec_zone_name(zone), name, XT_MAX_CHAIN_NAME);
	struct xt_chain *c = chain_find(t, name);
	*created = c == NULL;
	if (c) {
		*out = c;
		return PORTSPEC_OK;
	}
	c = chain_add(t, name, NULL);
	if (!c)
		return ps_error_set(x->r->err, PORTSPEC_E_LIMIT, NULL, 0, 0,
				    "%s: too many chains", x->backend);
	chain_note(c, "%s: every address in no networks zone; those RETURN first",
		   portspec_zone_name(zone));
	for (size_t z = 0; z < portspec_spec_zone_count(x->spec); z++) {
		const struct portspec_zone *nz = portspec_spec_zone(x->spec, z);
		const char *zname = portspec_zone_name(nz);
		if (portspec_zone_kind(nz) != PORTSPEC_ZONE_NETWORKS)
			continue;
		size_t n = portspec_profile_zone_address_count(x->profile, zname);
		for (size_t i = 0; i < n; i++) {
			const struct portspec_cidr *cidr =
				portspec_profile_zone_address(x->profile, zname, i);
			char buf[64];
			if (cidr->family != x->family)
				continue;
			format_cidr(cidr, buf, sizeof(buf));
			ps_buf_printf(&c->rules,
				      "-A %s %s %s -m comment --comment \"%s\" -j RETURN\n", name,
				      dir == PORTSPEC_INBOUND ? "-s" : "-d", buf, zname);
		}
	}
	*out = c;
	return PORTSPEC_OK;
}

/* Ports of one group, in chunks that fit one rule: multiport slots and comment length. */
struct xt_chunk {
	const struct portspec_flow *flows[XT_MAX_LABELS * 2];
	size_t nflows;
};

static void put_ports(struct ps_buf *b, const char *proto, const struct xt_chunk *ch)
{
	unsigned last_first = 0, last_last = 0;
	size_t nranges = 0;
	struct ps_buf list;

	ps_buf_init(&list);
	for (size_t i = 0; i < ch->nflows; i++) {
		unsigned first = portspec_flow_port_first(ch->flows[i]);
		unsigned last = portspec_flow_port_last(ch->flows[i]);
		if (nranges && first == last_first && last == last_last)
			continue;
		if (first == last)
			ps_buf_printf(&list, "%s%u", nranges ? "," : "", first);
		else
			ps_buf_printf(&list, "%s%u:%u", nranges ? "," : "", first, last);
		last_first = first;
		last_last = last;
		nranges++;
	}
	if (list.failed) {
		b->failed = true;
	} else if (nranges == 1) {
		ps_buf_printf(b, " -p %s -m %s --dport %s", proto, proto, list.data);
	} else {
		ps_buf_printf(b, " -p %s -m multiport --dports %s", proto, list.data);
	}
	ps_buf_release(&list);
}

static void put_labels(struct ps_buf *b, const struct xt_chunk *ch)
{
	struct ps_buf labels;
	ps_buf_init(&labels);
	ps_labels_of(&labels, ch->flows, ch->nflows);
	if (labels.failed)
		b->failed = true;
	else
		ps_buf_printf(b, " -m comment --comment \"%s\"", labels.data);
	ps_buf_release(&labels);
}

/* Length the chunk's comment would have with @flow added. */
static size_t label_len_with(const struct xt_chunk *ch, const struct portspec_flow *flow)
{
	size_t len = 0, n = 0;
	for (size_t i = 0; i <= ch->nflows; i++) {
		const struct portspec_flow *f = i < ch->nflows ? ch->flows[i] : flow;
		const struct portspec_service *svc = portspec_flow_service(f);
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen |= portspec_flow_service(ch->flows[j]) == svc;
		if (seen)
			continue;
		len += (n ? 2 : 0) + strlen(portspec_service_name(svc)) + 1 +
		       strlen(portspec_level_name(portspec_flow_level(f)));
		n++;
	}
	return len;
}

static size_t chunk_slots_with(const struct xt_chunk *ch, const struct portspec_flow *flow)
{
	size_t slots = 0;
	unsigned pf = 0, pl = 0;
	for (size_t i = 0; i <= ch->nflows; i++) {
		const struct portspec_flow *f = i < ch->nflows ? ch->flows[i] : flow;
		unsigned first = portspec_flow_port_first(f), last = portspec_flow_port_last(f);
		if (i && first == pf && last == pl)
			continue;
		slots += first == last ? 1 : 2;
		pf = first;
		pl = last;
	}
	return slots;
}

/* Emits one rule per chunk of @flows (those of @group that have @helper, or all). */
static void emit_chunks(struct xt_ctx *x, struct xt_chain *c, const struct xt_match *m,
			const struct ps_flow_group *group, const char *helper)
{
	const char *proto = portspec_protocol_name(portspec_flow_protocol(group->flows[0]));
	struct xt_chunk ch = {.nflows = 0};

	for (size_t i = 0; i <= group->count; i++) {
		const struct portspec_flow *f = i < group->count ? group->flows[i] : NULL;
		if (f && helper) {
			const char *h = portspec_service_helper(portspec_flow_service(f));
			if (!h || strcmp(h, helper) != 0)
				continue;
		}
		if (ch.nflows &&
		    (!f || ch.nflows == sizeof(ch.flows) / sizeof(ch.flows[0]) ||
		     chunk_slots_with(&ch, f) > XT_MULTIPORT_SLOTS ||
		     label_len_with(&ch, f) > XT_MAX_COMMENT)) {
			ps_buf_printf(&c->rules, "-A %s", c->name);
			put_match(&c->rules, m);
			put_ports(&c->rules, proto, &ch);
			if (!helper)
				ps_buf_puts(&c->rules, " -m conntrack --ctstate NEW");
			put_labels(&c->rules, &ch);
			if (helper)
				ps_buf_printf(&c->rules, " -j CT --helper %s\n", helper);
			else
				ps_buf_puts(&c->rules, " -j ACCEPT\n");
			ch.nflows = 0;
		}
		if (f)
			ch.flows[ch.nflows++] = f;
	}
}

static const char *family_name(const struct xt_ctx *x)
{
	return x->family == 4 ? "IPv4" : "IPv6";
}

/* The labels of a group, for notes; false when out of memory. */
static bool group_labels(const struct ps_flow_group *group, char *buf, size_t size)
{
	struct ps_buf b;
	ps_buf_init(&b);
	for (size_t i = 0; i < group->count; i++)
		ps_label_add(&b, group->flows[i]);
	bool ok = !b.failed && b.data;
	snprintf(buf, size, "%s", ok ? b.data : "");
	ps_buf_release(&b);
	return ok;
}

/*
 * The appliance side of a rule, variant @a of the group: its interface and,
 * in gateway mode, appliance address @a.  False if that address is of the
 * other family.
 */
static bool appliance_variant(const struct xt_ctx *x, const struct xt_match *base, size_t a,
			      bool inbound, struct xt_match *m)
{
	*m = *base;
	if (!x->gateway)
		return true;
	const struct portspec_cidr *cidr = portspec_profile_appliance(x->profile, a);
	if (cidr->family != x->family)
		return false;
	format_cidr(cidr, inbound ? m->dst : m->src, sizeof(m->dst));
	return true;
}

/* One rule set per address of @family in @list (servers or zone networks). */
static size_t emit_per_address(struct xt_ctx *x, struct xt_chain *c, const struct xt_match *m,
			       const struct ps_flow_group *group, const char *helper, bool inbound,
			       const struct portspec_cidr *(*get)(const void *, size_t),
			       const void *arg, size_t n)
{
	size_t done = 0;
	for (size_t i = 0; i < n; i++) {
		const struct portspec_cidr *cidr = get(arg, i);
		struct xt_match mm = *m;
		if (cidr->family != x->family)
			continue;
		format_cidr(cidr, inbound ? mm.src : mm.dst, sizeof(mm.src));
		emit_chunks(x, c, &mm, group, helper);
		done++;
	}
	return done;
}

static const struct portspec_cidr *get_server(const void *flow, size_t i)
{
	return portspec_flow_address(flow, i);
}

struct zone_ref {
	const struct portspec_profile *profile;
	const char *zone;
};

static const struct portspec_cidr *get_zone_address(const void *ref, size_t i)
{
	const struct zone_ref *z = ref;
	return portspec_profile_zone_address(z->profile, z->zone, i);
}

/*
 * Renders one group into table @t.  @helper NULL: the filter rules (NEW,
 * ACCEPT); otherwise the raw table's CT rules for the flows with that helper.
 */
static enum portspec_status render_group(struct xt_ctx *x, struct xt_table *t,
					 const struct ps_flow_group *group, const char *helper)
{
	const struct portspec_flow *head = group->flows[0];
	enum portspec_direction dir = portspec_flow_direction(head);
	const struct portspec_zone *zone = portspec_flow_zone(head);
	const char *zname = portspec_zone_name(zone);
	const char *bound = ps_zone_bound_interface(x->r, zone);
	const char *where = dir == PORTSPEC_INBOUND ? "inbound from" : "outbound to";
	const char *proto = portspec_protocol_name(portspec_flow_protocol(head));
	bool inbound = dir == PORTSPEC_INBOUND;
	struct xt_chain *c = chain_find(t, main_chain(x, t, dir));
	char labels[512];
	enum portspec_status st;

	if (!c)
		return ps_error_set(x->r->err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "%s: no chain for the flows", x->backend);
	if (!group_labels(group, labels, sizeof(labels)))
		x->r->out->failed = true; /* a rule without its comment is not complete */

	/* Interfaces: the zone's side and, in gateway mode, the appliance's side. */
	struct xt_match base = {.src = "", .dst = "", .in = NULL, .out = NULL};
	const char *zone_if = bound;
	if (!zone_if && !x->gateway)
		zone_if = portspec_profile_interface(x->profile);
	const char *app_if =
		x->gateway ? portspec_profile_zone_interface(x->profile, "appliance") : NULL;
	base.in = inbound ? zone_if : app_if;
	base.out = inbound ? app_if : zone_if;
	/* The raw table's PREROUTING comes before routing: no output interface yet. */
	if (is_raw(x, t) && x->gateway)
		base.out = NULL;

	size_t napp = x->gateway ? portspec_profile_appliance_count(x->profile) : 1;
	size_t nvariants = 0;
	for (size_t a = 0; a < napp; a++) {
		struct xt_match m;
		if (appliance_variant(x, &base, a, inbound, &m))
			nvariants++;
	}
	if (!nvariants) {
		chain_note(c, "%s %s %s: the profile gives the appliance no %s address: "
			   "nothing to allow for %s", where, zname, proto, family_name(x), labels);
		return PORTSPEC_OK;
	}

	size_t nserv = portspec_flow_address_count(head);
	enum portspec_zone_kind kind = portspec_zone_kind(zone);
	if (nserv) {
		/* Narrowed to the given servers, which lie in the zone. */
		size_t done = 0;
		for (size_t a = 0; a < napp; a++) {
			struct xt_match m;
			if (appliance_variant(x, &base, a, inbound, &m))
				done += emit_per_address(x, c, &m, group, helper, inbound,
							 get_server, head, nserv);
		}
		if (!done)
			chain_note(c, "%s %s %s: the profile names no %s servers for %s", where,
				   zname, proto, family_name(x), labels);
	} else if (bound && kind != PORTSPEC_ZONE_PEERS) {
		/* The interface is the zone; peers stay their addresses behind it. */
		for (size_t a = 0; a < napp; a++) {
			struct xt_match m;
			if (appliance_variant(x, &base, a, inbound, &m))
				emit_chunks(x, c, &m, group, helper);
		}
	} else if (kind == PORTSPEC_ZONE_NETWORKS || kind == PORTSPEC_ZONE_PEERS) {
		struct zone_ref ref = {x->profile, zname};
		size_t n = portspec_profile_zone_address_count(x->profile, zname);
		size_t done = 0;
		for (size_t a = 0; a < napp; a++) {
			struct xt_match m;
			if (appliance_variant(x, &base, a, inbound, &m))
				done += emit_per_address(x, c, &m, group, helper, inbound,
							 get_zone_address, &ref, n);
		}
		if (!done)
			chain_note(c, "%s %s %s: the profile gives zone %s no %s addresses: "
				   "nothing to allow for %s",
				   where, zname, proto, zname, family_name(x), labels);
	} else if (kind == PORTSPEC_ZONE_COMPLEMENT) {
		struct xt_chain *cc = NULL;
		bool created = false;
		if ((st = complement_chain(x, t, zone, dir, &cc, &created)))
			return st;
		/* The jumps go in once per chain; the chain holds the ports. */
		for (size_t a = 0; created && a < napp; a++) {
			struct xt_match m;
			if (!appliance_variant(x, &base, a, inbound, &m))
				continue;
			ps_buf_printf(&c->rules, "-A %s", c->name);
			put_match(&c->rules, &m);
			ps_buf_printf(&c->rules, " -m comment --comment \"zone %s\" -j %s\n", zname,
				      cc->name);
		}
		struct xt_match none = {.src = "", .dst = "", .in = NULL, .out = NULL};
		emit_chunks(x, cc, &none, group, helper);
	} else {
		return ps_error_set(x->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				    "%s: zone %s is of a kind this backend does not know",
				    x->backend, zname);
	}
	return PORTSPEC_OK;
}

static const char *flow_helper(const struct portspec_flow *f)
{
	return portspec_service_helper(portspec_flow_service(f));
}

static bool group_has_helper(const struct ps_flow_group *g, const char *helper)
{
	for (size_t i = 0; i < g->count; i++) {
		const char *h = portspec_service_helper(portspec_flow_service(g->flows[i]));
		if (h && (!helper || strcmp(h, helper) == 0))
			return true;
	}
	return false;
}

static enum portspec_status render_raw_groups(struct xt_ctx *x, const struct ps_flow_groups *g)
{
	enum portspec_status st;
	for (size_t i = 0; i < g->count; i++) {
		const struct ps_flow_group *grp = &g->groups[i];
		/* Each distinct helper of the group, in flow order. */
		for (size_t f = 0; f < grp->count; f++) {
			const char *h = flow_helper(grp->flows[f]);
			bool seen = false;
			if (!h)
				continue;
			for (size_t e = 0; e < f; e++) {
				const char *he = flow_helper(grp->flows[e]);
				seen |= he && strcmp(he, h) == 0;
			}
			if (!seen && (st = render_group(x, &x->raw, grp, h)))
				return st;
		}
	}
	return PORTSPEC_OK;
}

static void base_rules(struct xt_ctx *x, struct xt_chain *c, bool input_side)
{
	if (!x->fragment && !x->gateway) {
		ps_buf_printf(&c->rules,
			      "-A %s %s lo -m comment --comment \"loopback\" -j ACCEPT\n", c->name,
			      input_side ? "-i" : "-o");
	}
	ps_buf_printf(&c->rules,
		      "-A %s -m conntrack --ctstate ESTABLISHED,RELATED -m comment --comment "
		      "\"replies and related connections (ftp data, icmp errors)\" -j ACCEPT\n",
		      c->name);
	/* The appliance's own IPv6 needs neighbour discovery, which conntrack
	 * does not track: a host fragment accepts it too, so that it works in
	 * whatever ruleset it drops into. */
	if (x->family == 6 && !x->gateway) {
		static const char *const nd[] = {"router-solicitation", "router-advertisement",
						  "neighbour-solicitation",
						  "neighbour-advertisement"};
		for (size_t i = 0; i < 4; i++)
			ps_buf_printf(&c->rules,
				      "-A %s -p ipv6-icmp -m icmp6 --icmpv6-type %s "
				      "-m hl --hl-eq 255 "
				      "-m comment --comment \"IPv6 neighbour discovery\" "
				      "-j ACCEPT\n",
				      c->name, nd[i]);
	}
}

static void put_table(struct ps_buf *out, const struct xt_table *t)
{
	ps_buf_printf(out, "*%s\n", t->name);
	for (size_t i = 0; i < t->nchains; i++)
		ps_buf_printf(out, ":%s %s [0:0]\n", t->chains[i].name,
			      t->chains[i].policy ? t->chains[i].policy : "-");
	for (size_t i = 0; i < t->nchains; i++)
		if (t->chains[i].rules.len)
			ps_buf_add(out, t->chains[i].rules.data, t->chains[i].rules.len);
	ps_buf_puts(out, "COMMIT\n");
}

static bool any_helper(const struct ps_flow_groups *g)
{
	for (size_t i = 0; i < g->count; i++)
		if (group_has_helper(&g->groups[i], NULL))
			return true;
	return false;
}

static void put_hook_help(struct xt_ctx *x, bool raw)
{
	const char *cmd = x->family == 4 ? "iptables" : "ip6tables";
	const char *restore = x->family == 4 ? "iptables-restore" : "ip6tables-restore";
	struct ps_buf *b = x->r->out;
	ps_buf_printf(b, "# Load it next to the existing rules (it only replaces its own chains):\n"
			 "#   %s --noflush < FILE\n"
			 "# then send the traffic through it once:\n", restore);
	if (x->gateway) {
		ps_buf_printf(b, "#   %s -A FORWARD -j %s\n", cmd, x->r->name);
		if (raw)
			ps_buf_printf(b, "#   %s -t raw -A PREROUTING -j %s\n", cmd, x->r->name);
	} else {
		ps_buf_printf(b, "#   %s -A INPUT -j %s\n#   %s -A OUTPUT -j %s\n", cmd, x->r->name,
			      cmd, x->r->name);
		if (raw)
			ps_buf_printf(b, "#   %s -t raw -A PREROUTING -j %s\n"
					 "#   %s -t raw -A OUTPUT -j %s\n",
				      cmd, x->r->name, cmd, x->r->name);
	}
	ps_buf_puts(b, "# It accepts the policy's flows and RETURNs everything else to the "
		       "caller.\n");
}

enum portspec_status ps_xtables_render(struct ps_render *r, int family)
{
	struct xt_ctx *x = ps_calloc(1, sizeof(*x));
	struct ps_flow_groups groups;
	enum portspec_status st = PORTSPEC_OK;
	const char *backend = family == 4 ? "iptables" : "ip6tables";

	if (!x)
		return ps_error_set(r->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	x->r = r;
	x->backend = backend;
	x->family = family;
	x->profile = portspec_policy_profile(r->policy);
	x->spec = portspec_policy_spec(r->policy);
	x->fragment = (r->flags & PORTSPEC_RENDER_FRAGMENT) != 0;
	x->gateway = r->mode == PORTSPEC_MODE_GATEWAY;
	x->filter.name = "filter";
	x->raw.name = "raw";

	if ((st = ps_linux_check(r, backend)))
		goto out_free;
	if (!ps_flow_groups_build(r->policy, &groups)) {
		st = ps_error_set(r->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
		goto out_free;
	}
	bool helpers = any_helper(&groups);

	/* The chains, in the order they are declared and printed. */
	if (x->fragment) {
		base_rules(x, chain_add(&x->filter, r->name, NULL), true);
		if (helpers)
			chain_add(&x->raw, r->name, NULL);
	} else if (x->gateway) {
		chain_add(&x->filter, "INPUT", "ACCEPT");
		base_rules(x, chain_add(&x->filter, "FORWARD", "DROP"), true);
		chain_add(&x->filter, "OUTPUT", "ACCEPT");
		chain_add(&x->raw, "PREROUTING", "ACCEPT");
		chain_add(&x->raw, "OUTPUT", "ACCEPT");
	} else {
		base_rules(x, chain_add(&x->filter, "INPUT", "DROP"), true);
		chain_add(&x->filter, "FORWARD", "DROP");
		base_rules(x, chain_add(&x->filter, "OUTPUT", "DROP"), false);
		chain_add(&x->raw, "PREROUTING", "ACCEPT");
		chain_add(&x->raw, "OUTPUT", "ACCEPT");
	}

	for (size_t i = 0; i < groups.count && st == PORTSPEC_OK; i++)
		st = render_group(x, &x->filter, &groups.groups[i], NULL);
	if (st == PORTSPEC_OK && helpers)
		st = render_raw_groups(x, &groups);
	if (st != PORTSPEC_OK)
		goto out;
	if (table_failed(&x->filter) || table_failed(&x->raw)) {
		st = ps_error_set(r->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
		goto out;
	}

	char what[160];
	snprintf(what, sizeof(what), "%s-restore input (%s only), %s mode, %s", backend,
		 family == 4 ? "IPv4" : "IPv6", x->gateway ? "gateway" : "host",
		 x->fragment ? "fragment (chain " : "complete ruleset");
	if (x->fragment) {
		size_t n = strlen(what);
		snprintf(what + n, sizeof(what) - n, "%s)", r->name);
	}
	ps_render_header(r, "# ", what);
	if (x->fragment)
		put_hook_help(x, helpers);
	else if (x->gateway)
		ps_buf_puts(r->out, "# The firewall's own traffic (INPUT, OUTPUT) is not part of "
				    "this policy and stays accepted.\n");
	if (x->raw.nchains)
		put_table(r->out, &x->raw);
	put_table(r->out, &x->filter);
out:
	ps_flow_groups_release(&groups);
out_free:
	table_release(&x->filter);
	table_release(&x->raw);
	ps_free(x);
	return st;
}

static enum portspec_status render_iptables(struct ps_render *r)
{
	return ps_xtables_render(r, 4);
}

const struct ps_backend ps_backend_iptables = {
	.name = "iptables",
	.description = "iptables-restore input for IPv4: filter table, raw table for "
		       "conntrack helpers; complete ruleset or a chain",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_iptables,
};
