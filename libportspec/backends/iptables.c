/* SPDX-License-Identifier: MIT */
/*
 * iptables-restore input: the filter table (the plan's entries) and the raw
 * table (explicit conntrack helper assignment), for one family.  The IPv4
 * renderer here is shared with ip6tables.c; each formats the plan entries
 * of its own family only.
 *
 * A remote side of listed addresses is one rule per CIDR; a complement
 * ("every address not in inside") is a chain of its own that RETURNs the
 * excluded addresses first and then accepts the entry's ports, so a packet
 * from inside never matches an outside rule.  Ports are multiport lists of
 * at most 15 slots.
 */
#include <string.h>

#include "common.h"

#define XT_MAX_CHAIN_NAME 28u  /* XT_EXTENSION_MAXNAMELEN - 1 */
#define XT_MAX_COMMENT 255u    /* XT_MAX_COMMENT_LEN - 1 */
#define XT_MULTIPORT_SLOTS 15u /* a range takes two */
/* A built-in or fragment chain's name: at most "NAME-out" and the NUL (checked
 * against XT_MAX_CHAIN_NAME) */
#define XT_CHAIN_BUF 64u
/* A complement chain's name while it is built, NAME-ZONE-out and a number:
 * the fragment name (28) and a zone name (PS_MAX_NAME) with room to spare,
 * before the check against XT_MAX_CHAIN_NAME */
#define XT_NAME_BUF 128u

/* The built-in hooks, in the order the chains are declared. */
static const enum portspec_hook xt_hooks[] = {PORTSPEC_HOOK_INPUT, PORTSPEC_HOOK_FORWARD,
					      PORTSPEC_HOOK_OUTPUT};

struct xt_chain {
	char name[XT_MAX_CHAIN_NAME + 1];
	const char *policy; /* built-in chains: ACCEPT or DROP; NULL for user chains */
	struct ps_buf rules;
	/* complement chains: the entry whose excluded set, interfaces and local
	 * side the chain's jump carries */
	const struct portspec_plan_entry *key;
};

struct xt_table {
	const char *name;
	struct xt_chain *chains;
	size_t nchains, cap;
	bool failed;
};

struct xt_ctx {
	struct ps_render *r;
	const struct portspec_plan *plan;
	const char *backend;
	unsigned family;
	bool fragment;
	bool gateway;
	struct xt_table filter;
	struct xt_table raw;
};

static struct xt_chain *chain_find(struct xt_table *t, const char *name)
{
	for (size_t i = 0; i < t->nchains; i++)
		if (strcmp(t->chains[i].name, name) == 0)
			return &t->chains[i];
	return NULL;
}

/* The chain @name of @t, created (with @policy) on first use; NULL on failure. */
static struct xt_chain *chain_get(struct xt_table *t, const char *name, const char *policy)
{
	struct xt_chain *c = chain_find(t, name);
	if (c)
		return c;
	if (t->nchains == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct xt_chain *v = ps_reallocarray(t->chains, cap, sizeof(*v));
		if (!v) {
			t->failed = true;
			return NULL;
		}
		t->chains = v;
		t->cap = cap;
	}
	c = &t->chains[t->nchains++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->policy = policy;
	ps_buf_init(&c->rules);
	return c;
}

static void table_release(struct xt_table *t)
{
	for (size_t i = 0; i < t->nchains; i++)
		ps_buf_release(&t->chains[i].rules);
	ps_free(t->chains);
}

static bool table_failed(const struct xt_table *t)
{
	bool failed = t->failed;
	for (size_t i = 0; i < t->nchains; i++)
		failed |= t->chains[i].rules.failed;
	return failed;
}

/* The chain an entry's rules start in, in the filter or the raw table. */
static void start_chain(const struct xt_ctx *x, bool raw, enum portspec_hook hook, char *buf,
			size_t size)
{
	const char *n = x->r->name;
	if (x->fragment && hook == PORTSPEC_HOOK_FORWARD)
		snprintf(buf, size, "%s", n);
	else if (x->fragment)
		snprintf(buf, size, "%s-%s", n, hook == PORTSPEC_HOOK_INPUT ? "in" : "out");
	else if (raw)
		snprintf(buf, size, "%s", hook == PORTSPEC_HOOK_OUTPUT ? "OUTPUT" : "PREROUTING");
	else
		snprintf(buf, size, "%s",
			 hook == PORTSPEC_HOOK_INPUT ? "INPUT"
			 : hook == PORTSPEC_HOOK_OUTPUT ? "OUTPUT" : "FORWARD");
}

/* What selects the packets before the ports: interfaces and addresses. */
struct xt_match {
	const char *in, *out;
	const struct portspec_cidr *src, *dst;
	/* the raw table runs before filter: what filter would take first */
	const char *not_in, *not_out; /* the loopback entries' interface */
	bool forwarded_only;          /* gateway: not the firewall's own address */
};

static void put_match(struct ps_buf *b, const struct xt_match *m)
{
	if (m->in)
		ps_buf_cat(b, " -i ", m->in, NULL);
	if (m->not_in)
		ps_buf_cat(b, " ! -i ", m->not_in, NULL);
	if (m->out)
		ps_buf_cat(b, " -o ", m->out, NULL);
	if (m->not_out)
		ps_buf_cat(b, " ! -o ", m->not_out, NULL);
	if (m->forwarded_only)
		ps_buf_puts(b, " -m addrtype ! --dst-type LOCAL");
	if (m->src) {
		ps_buf_puts(b, " -s ");
		ps_addr_cidr_append(b, m->src);
	}
	if (m->dst) {
		ps_buf_puts(b, " -d ");
		ps_addr_cidr_append(b, m->dst);
	}
}

static void put_comment(struct ps_buf *b, const char *text)
{
	ps_buf_cat(b, " -m comment --comment \"", text, "\"", NULL);
}

/* Slots a port range takes in a multiport list. */
static size_t slots(const struct portspec_plan_port *p)
{
	return p->first == p->last ? 1 : 2;
}

static void put_ports(struct ps_buf *b, const struct portspec_plan_entry *e, size_t first,
		      size_t end)
{
	const char *proto = portspec_protocol_name(e->protocol);
	if (end - first == 1) {
		ps_buf_cat(b, " -p ", proto, " -m ", proto, " --dport ", NULL);
		ps_buf_put_range(b, e->ports[first].first, e->ports[first].last, ":");
		return;
	}
	ps_buf_cat(b, " -p ", proto, " -m multiport --dports ", NULL);
	ps_port_list(b, &e->ports[first], end - first, ",", ":", "");
}

/*
 * The rules of an entry are the same after their match for every match (each
 * local and remote address): @tails holds that part of each rule, a line
 * each, and put_rules() writes them behind "-A CHAIN" and each match.
 */
static void put_rules(struct xt_chain *c, const struct xt_match *m, const struct ps_buf *tails)
{
	const char *p = tails->data, *end = tails->data + tails->len;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		ps_buf_cat(&c->rules, "-A ", c->name, NULL);
		put_match(&c->rules, m);
		ps_buf_add(&c->rules, p, len);
		p += len;
	}
}

/* The comment of a port range whose services alone are too many to name. */
static void too_many(struct ps_buf *labels, size_t services)
{
	labels->len = 0;
	ps_buf_put_uint(labels, services);
	ps_buf_puts(labels, " services, see the spec");
}

/*
 * An ICMP entry's rules: one per message type, since the icmp and icmp6
 * matches take one.  Types, not connections: no state match (an echo
 * request is tracked anyway, and its reply passes as established).
 */
static void icmp_tails(struct ps_buf *tails, const struct portspec_plan_entry *e)
{
	bool v4 = e->protocol == PORTSPEC_ICMP;
	struct ps_buf labels;
	ps_buf_init(&labels);
	for (size_t i = 0; i < e->icmp_type_count; i++) {
		const struct portspec_plan_port *r = &e->icmp_types[i];
		labels.len = 0;
		ps_ports_labels(&labels, r, 1, XT_MAX_COMMENT);
		if (labels.len > XT_MAX_COMMENT)
			too_many(&labels, r->flow_count);
		for (unsigned t = r->first; t <= r->last; t++) {
			ps_buf_puts(tails, v4 ? " -p icmp -m icmp --icmp-type "
					      : " -p ipv6-icmp -m icmp6 --icmpv6-type ");
			ps_buf_put_uint(tails, t);
			put_comment(tails, labels.failed || !labels.data ? "" : labels.data);
			ps_buf_puts(tails, " -j ACCEPT\n");
		}
	}
	if (labels.failed)
		tails->failed = true;
	ps_buf_release(&labels);
}

/*
 * The longest run of ports from @first that fits multiport and whose
 * comment fits iptables' (at least one port); its labels in @l.
 */
static size_t chunk_end(const struct portspec_plan_entry *e, size_t first,
			struct ps_run_labels *l)
{
	size_t end = first + 1, used = slots(&e->ports[first]);
	ps_run_labels_set(l, &e->ports[first], 1);
	while (end < e->port_count && used + slots(&e->ports[end]) <= XT_MULTIPORT_SLOTS) {
		ps_run_labels_set(l, &e->ports[first], end + 1 - first);
		if (l->text.len > XT_MAX_COMMENT) {
			ps_run_labels_set(l, &e->ports[first], end - first);
			break;
		}
		used += slots(&e->ports[end]);
		end++;
	}
	return end;
}

/*
 * The accept (filter) or helper (raw) rules of entry @e after their match:
 * one rule per chunk of ports that fits multiport and a comment.
 */
static void port_tails(struct ps_buf *tails, const struct portspec_plan_entry *e, bool raw)
{
	if (ps_protocol_is_icmp(e->protocol)) {
		icmp_tails(tails, e);
		return;
	}
	struct ps_run_labels l;
	ps_run_labels_init(&l, XT_MAX_COMMENT);
	for (size_t first = 0; first < e->port_count;) {
		size_t end = chunk_end(e, first, &l);
		if (l.text.len > XT_MAX_COMMENT)
			too_many(&l.text, e->ports[first].flow_count);
		put_ports(tails, e, first, end);
		if (!raw)
			ps_buf_puts(tails, " -m conntrack --ctstate NEW");
		put_comment(tails, l.text.failed || !l.text.data ? "" : l.text.data);
		if (raw)
			ps_buf_cat(tails, " -j CT --helper ", e->helper, "\n", NULL);
		else
			ps_buf_puts(tails, " -j ACCEPT\n");
		if (l.text.failed)
			tails->failed = true;
		first = end;
		l.first = NULL; /* too_many() may have changed the text */
	}
	ps_run_labels_release(&l);
}

/* The local side's CIDRs (gateway: the appliance's), or one "any". */
static size_t local_count(const struct portspec_plan_entry *e)
{
	return e->local.match == PORTSPEC_ADDR_ANY ? 1 : e->local.cidr_count;
}

static const struct portspec_cidr *local_at(const struct portspec_plan_entry *e, size_t i)
{
	return e->local.match == PORTSPEC_ADDR_ANY ? NULL : &e->local.cidrs[i];
}

/*
 * Interfaces and the local side of a rule.  In the raw table, which sees a
 * connection before filter decides, a helper goes only to what the entry
 * itself accepts: not to loopback traffic, which the loopback entry takes
 * first in a complete ruleset, and in a gateway not to connections to the
 * firewall itself; and PREROUTING comes before routing, so no output
 * interface is known yet.
 */
static struct xt_match base_match(const struct xt_ctx *x, const struct portspec_plan_entry *e,
				  bool raw, size_t local)
{
	bool inbound = e->direction == PORTSPEC_INBOUND;
	struct xt_match m = {.in = e->iif, .out = e->oif};
	if (raw && e->hook == PORTSPEC_HOOK_FORWARD) {
		m.out = NULL;
		m.forwarded_only = true;
	}
	if (raw && !x->fragment && e->hook == PORTSPEC_HOOK_INPUT && !m.in)
		m.not_in = "lo";
	if (raw && !x->fragment && e->hook == PORTSPEC_HOOK_OUTPUT && !m.out)
		m.not_out = "lo";
	if (inbound)
		m.dst = local_at(e, local);
	else
		m.src = local_at(e, local);
	return m;
}

/* Two entries whose complement chains would hold the same RETURNs behind the same jump? */
static bool same_jump(const struct portspec_plan_entry *a, const struct portspec_plan_entry *b)
{
	return a->hook == b->hook && a->direction == b->direction && a->iif == b->iif &&
	       a->oif == b->oif &&
	       ps_ranges_equal(a->remote.ranges, a->remote.range_count, b->remote.ranges,
			       b->remote.range_count) &&
	       ps_ranges_equal(a->local.ranges, a->local.range_count, b->local.ranges,
			       b->local.range_count) &&
	       a->local.match == b->local.match;
}

/*
 * The complement chain for entry @e in table @t: found by what its jump and
 * RETURNs say, else created with them, the jump going into @from.
 */
static enum portspec_status complement_chain(struct xt_ctx *x, struct xt_table *t,
					     struct xt_chain *from,
					     const struct portspec_plan_entry *e, bool raw,
					     struct xt_chain **out)
{
	bool inbound = e->direction == PORTSPEC_INBOUND;
	for (size_t i = 0; i < t->nchains; i++)
		if (t->chains[i].key && same_jump(t->chains[i].key, e)) {
			*out = &t->chains[i];
			return PORTSPEC_OK;
		}
	char base[XT_NAME_BUF], name[XT_NAME_BUF];
	snprintf(base, sizeof(base), "%s-%s-%s", x->r->name, portspec_zone_name(e->zone),
		 inbound ? "in" : "out");
	if (strlen(base) > XT_MAX_CHAIN_NAME)
		snprintf(base, sizeof(base), "%s-z%zu-%s", x->r->name,
			 (size_t)(e->zone - portspec_spec_zone(portspec_policy_spec(x->r->policy), 0)),
			 inbound ? "in" : "out");
	snprintf(name, sizeof(name), "%s", base);
	for (unsigned k = 2; chain_find(t, name); k++)
		snprintf(name, sizeof(name), "%s%u", base, k);
	if (strlen(name) > XT_MAX_CHAIN_NAME)
		return ps_error_set(x->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				    "%s: the chain for zone %s would be called '%s', longer than "
				    "iptables' %u characters; choose a shorter --name",
				    x->backend, portspec_zone_name(e->zone), name, XT_MAX_CHAIN_NAME);
	size_t from_index = (size_t)(from - t->chains);
	struct xt_chain *c = chain_get(t, name, NULL);
	if (!c)
		return ps_error_set(x->r->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	from = &t->chains[from_index]; /* chain_get may have moved the array */
	c->key = e;
	ps_buf_printf(&c->rules, "# %s: every address not in %s; those RETURN first\n",
		      portspec_zone_name(e->zone), e->remote.label ? e->remote.label : "the list");
	for (size_t i = 0; i < e->remote.cidr_count; i++) {
		struct xt_match m = {0};
		if (inbound)
			m.src = &e->remote.cidrs[i];
		else
			m.dst = &e->remote.cidrs[i];
		ps_buf_cat(&c->rules, "-A ", c->name, NULL);
		put_match(&c->rules, &m);
		put_comment(&c->rules, e->remote.label ? e->remote.label : "excluded");
		ps_buf_puts(&c->rules, " -j RETURN\n");
	}
	for (size_t a = 0; a < local_count(e); a++) {
		struct xt_match m = base_match(x, e, raw, a);
		ps_buf_cat(&from->rules, "-A ", from->name, NULL);
		put_match(&from->rules, &m);
		ps_buf_cat(&from->rules, " -m comment --comment \"zone ", portspec_zone_name(e->zone),
			   "\" -j ", c->name, "\n", NULL);
	}
	*out = c;
	return PORTSPEC_OK;
}

/* The rules of FLOW entry @e in table @t (raw: its helper assignment). */
static enum portspec_status put_flow(struct xt_ctx *x, struct xt_table *t,
				     const struct portspec_plan_entry *e, bool raw)
{
	char start[XT_CHAIN_BUF];
	start_chain(x, raw, e->hook, start, sizeof(start));
	struct xt_chain *c = chain_find(t, start);
	if (!c)
		return ps_error_set(x->r->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	bool inbound = e->direction == PORTSPEC_INBOUND;
	struct ps_buf tails;
	ps_buf_init(&tails);
	port_tails(&tails, e, raw);
	if (tails.failed) {
		ps_buf_release(&tails);
		return ps_error_set(x->r->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	}
	if (e->remote.match == PORTSPEC_ADDR_NOT_IN) {
		struct xt_chain *cc = NULL;
		enum portspec_status st = complement_chain(x, t, c, e, raw, &cc);
		if (!st)
			put_rules(cc, &(struct xt_match){0}, &tails);
		ps_buf_release(&tails);
		return st;
	}
	size_t nremote = e->remote.match == PORTSPEC_ADDR_ANY ? 1 : e->remote.cidr_count;
	for (size_t a = 0; a < local_count(e); a++)
		for (size_t i = 0; i < nremote; i++) {
			struct xt_match m = base_match(x, e, raw, a);
			const struct portspec_cidr *rc =
				e->remote.match == PORTSPEC_ADDR_ANY ? NULL : &e->remote.cidrs[i];
			if (inbound)
				m.src = rc;
			else
				m.dst = rc;
			put_rules(c, &m, &tails);
		}
	ps_buf_release(&tails);
	return PORTSPEC_OK;
}

static void put_baseline(struct xt_ctx *x, const struct portspec_plan_entry *e)
{
	char start[XT_CHAIN_BUF];
	start_chain(x, false, e->hook, start, sizeof(start));
	struct xt_chain *c = chain_find(&x->filter, start);
	if (!c)
		return;
	struct ps_buf *b = &c->rules;
	switch (e->kind) {
	case PORTSPEC_ENTRY_LOOPBACK:
		ps_buf_printf(b, "-A %s %s lo -m comment --comment \"loopback\" -j ACCEPT\n",
			      c->name, e->iif ? "-i" : "-o");
		break;
	case PORTSPEC_ENTRY_ESTABLISHED:
		ps_buf_printf(b,
			      "-A %s -m conntrack --ctstate ESTABLISHED,RELATED -m comment --comment "
			      "\"replies and related connections (ftp data, icmp errors)\" -j ACCEPT\n",
			      c->name);
		break;
	default: {
		static const char *const nd[] = {"router-solicitation", "router-advertisement",
						  "neighbour-solicitation", "neighbour-advertisement"};
		for (size_t i = 0; i < PS_COUNTOF(nd); i++)
			ps_buf_printf(b,
				      "-A %s -p ipv6-icmp -m icmp6 --icmpv6-type %s -m hl --hl-eq 255 "
				      "-m comment --comment \"IPv6 neighbour discovery\" -j ACCEPT\n",
				      c->name, nd[i]);
		break;
	}
	}
}

/*
 * log=drops: the last rule of each built-in chain that drops logs what
 * reaches the policy, at most PORTSPEC_LOG_PER_MINUTE lines a minute (LOG
 * does not end the packet's way: the policy drops it next).
 */
static void put_log_rules(struct xt_ctx *x)
{
	char name[XT_CHAIN_BUF];
	for (size_t h = 0; h < PS_COUNTOF(xt_hooks); h++) {
		const char *prefix = portspec_plan_log_prefix(x->plan, xt_hooks[h]);
		start_chain(x, false, xt_hooks[h], name, sizeof(name));
		struct xt_chain *c = prefix ? chain_find(&x->filter, name) : NULL;
		if (c)
			ps_buf_printf(&c->rules,
				      "-A %s -m limit --limit %u/min --limit-burst %u -m comment "
				      "--comment \"log=drops\" -j LOG --log-prefix \"%s\"\n",
				      c->name, PORTSPEC_LOG_PER_MINUTE, PORTSPEC_LOG_BURST, prefix);
	}
}

static void put_table(struct ps_buf *out, const struct xt_table *t)
{
	ps_buf_printf(out, "*%s\n", t->name);
	for (size_t i = 0; i < t->nchains; i++)
		ps_buf_printf(out, ":%s %s [0:0]\n", t->chains[i].name,
			      t->chains[i].policy ? t->chains[i].policy : "-");
	for (size_t i = 0; i < t->nchains; i++)
		ps_buf_add(out, t->chains[i].rules.data ? t->chains[i].rules.data : "",
			   t->chains[i].rules.len);
	ps_buf_puts(out, "COMMIT\n");
}

static bool entry_here(const struct xt_ctx *x, const struct portspec_plan_entry *e)
{
	return e->family == x->family && ps_render_has(x->r, e);
}

/* The starting chains, declared in this order; raw only for helper entries. */
static enum portspec_status declare_chains(struct xt_ctx *x, bool *raw_hooks)
{
	char name[XT_CHAIN_BUF];
	for (size_t h = 0; h < PS_COUNTOF(xt_hooks); h++) {
		enum portspec_hook hook = xt_hooks[h];
		bool used = !x->fragment ||
			    (x->gateway ? hook == PORTSPEC_HOOK_FORWARD : hook != PORTSPEC_HOOK_FORWARD);
		if (!used)
			continue;
		start_chain(x, false, hook, name, sizeof(name));
		if (strlen(name) > XT_MAX_CHAIN_NAME)
			return ps_error_set(x->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
					    "%s: the chain '%s' would be longer than iptables' %u "
					    "characters; choose a shorter --name",
					    x->backend, name, XT_MAX_CHAIN_NAME);
		chain_get(&x->filter, name,
			  x->fragment ? NULL
			  : portspec_plan_hook_drops(x->plan, hook) ? "DROP" : "ACCEPT");
	}
	/* A complete ruleset always replaces the raw table too, so that the
	 * helper rules of an earlier load do not stay behind. */
	if (!x->fragment) {
		chain_get(&x->raw, "PREROUTING", "ACCEPT");
		chain_get(&x->raw, "OUTPUT", "ACCEPT");
	} else {
		for (size_t h = 0; h < PS_COUNTOF(xt_hooks); h++)
			if (raw_hooks[xt_hooks[h]]) {
				start_chain(x, true, xt_hooks[h], name, sizeof(name));
				chain_get(&x->raw, name, NULL);
			}
	}
	return x->filter.failed || x->raw.failed
		       ? ps_error_set(x->r->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory")
		       : PORTSPEC_OK;
}

static void put_hook_help(struct xt_ctx *x, const bool *raw_hooks)
{
	const char *cmd = x->family == 4 ? "iptables" : "ip6tables";
	const char *restore = x->family == 4 ? "iptables-restore" : "ip6tables-restore";
	const char *n = x->r->name;
	struct ps_buf *b = x->r->out;
	ps_buf_printf(b, "# Load it next to the existing rules (it only replaces its own chains):\n"
			 "#   %s --noflush < FILE\n"
			 "# then send the traffic through it once:\n", restore);
	if (x->gateway) {
		ps_buf_printf(b, "#   %s -A FORWARD -j %s\n", cmd, n);
		if (raw_hooks[PORTSPEC_HOOK_FORWARD])
			ps_buf_printf(b, "#   %s -t raw -A PREROUTING -j %s\n", cmd, n);
	} else {
		ps_buf_printf(b, "#   %s -A INPUT -j %s-in\n#   %s -A OUTPUT -j %s-out\n", cmd, n,
			      cmd, n);
		if (raw_hooks[PORTSPEC_HOOK_INPUT])
			ps_buf_printf(b, "#   %s -t raw -A PREROUTING -j %s-in\n", cmd, n);
		if (raw_hooks[PORTSPEC_HOOK_OUTPUT])
			ps_buf_printf(b, "#   %s -t raw -A OUTPUT -j %s-out\n", cmd, n);
	}
	ps_buf_puts(b, "# It accepts the policy's flows and RETURNs everything else to the "
		       "caller.\n");
}

/* What loading a complete ruleset replaces (iptables-restore without
 * --noflush flushes every table the file names). */
static const char *xt_replaces(const struct xt_ctx *x)
{
	if (x->fragment)
		return NULL;
	if (x->gateway)
		return x->family == 4
			       ? "the whole filter and raw tables (every chain and rule in them), "
				 "FORWARD included: all other forwarded traffic is dropped; INPUT "
				 "and OUTPUT accept everything."
			       : "the whole ip6tables filter and raw tables (every chain and rule "
				 "in them), FORWARD included: all other forwarded traffic is "
				 "dropped; INPUT and OUTPUT accept everything.";
	return x->family == 4 ? "the whole filter and raw tables (every chain and rule in them); "
				"INPUT, FORWARD and OUTPUT then drop what the policy does not "
				"allow."
			      : "the whole ip6tables filter and raw tables (every chain and rule "
				"in them); INPUT, FORWARD and OUTPUT then drop what the policy does "
				"not allow.";
}

/* The hooks whose entries assign a helper: they need raw table chains. */
static void find_raw_hooks(const struct xt_ctx *x, bool *raw_hooks)
{
	for (size_t i = 0; i < portspec_plan_entry_count(x->plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(x->plan, i);
		if (entry_here(x, e) && e->helper)
			raw_hooks[e->hook] = true;
	}
}

/* The rules of every entry of the family, into the chains of both tables. */
static enum portspec_status put_entries(struct xt_ctx *x)
{
	enum portspec_status st = PORTSPEC_OK;
	for (size_t i = 0; i < portspec_plan_entry_count(x->plan) && !st; i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(x->plan, i);
		if (!entry_here(x, e))
			continue;
		if (e->kind != PORTSPEC_ENTRY_FLOW) {
			put_baseline(x, e);
			continue;
		}
		st = put_flow(x, &x->filter, e, false);
		if (!st && e->helper)
			st = put_flow(x, &x->raw, e, true);
	}
	return st;
}

/* The header, how to hook a fragment, then the tables. */
static void put_output(struct xt_ctx *x, const bool *raw_hooks)
{
	struct ps_render *r = x->r;
	char what[PS_HEADER_TEXT_MAX];
	snprintf(what, sizeof(what), "%s-restore input (%s only), %s mode, %s%s%s", x->backend,
		 x->family == 4 ? "IPv4" : "IPv6", x->gateway ? "gateway" : "host",
		 x->fragment ? "fragment (chains " : "complete ruleset", x->fragment ? r->name : "",
		 x->fragment ? "*)" : "");
	ps_render_header(r, "# ", what, xt_replaces(x));
	if (x->fragment)
		put_hook_help(x, raw_hooks);
	else if (x->gateway)
		ps_buf_puts(r->out, "# The firewall's own traffic (INPUT, OUTPUT) is not part "
				    "of this policy and stays accepted.\n");
	if (x->raw.nchains)
		put_table(r->out, &x->raw);
	put_table(r->out, &x->filter);
}

enum portspec_status ps_xtables_render(struct ps_render *r, int family)
{
	struct xt_ctx x = {
		.r = r,
		.plan = ps_render_plan(r),
		.backend = family == 4 ? "iptables" : "ip6tables",
		.family = (unsigned)family,
		.fragment = (r->flags & PORTSPEC_RENDER_FRAGMENT) != 0,
		.gateway = r->mode == PORTSPEC_MODE_GATEWAY,
		.filter = {.name = "filter"},
		.raw = {.name = "raw"},
	};
	bool raw_hooks[PS_HOOK_SLOTS] = {false};
	enum portspec_status st = ps_linux_check(r, x.backend);

	if (!st) {
		find_raw_hooks(&x, raw_hooks);
		st = declare_chains(&x, raw_hooks);
	}
	if (!st)
		st = put_entries(&x);
	if (!st && !x.fragment)
		put_log_rules(&x);
	if (!st && (table_failed(&x.filter) || table_failed(&x.raw)))
		st = ps_error_set(r->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	if (!st)
		put_output(&x, raw_hooks);
	table_release(&x.filter);
	table_release(&x.raw);
	return st;
}

static enum portspec_status render_iptables(struct ps_render *r)
{
	return ps_xtables_render(r, 4);
}

const struct ps_backend ps_backend_iptables = {
	.name = "iptables",
	.kind = PORTSPEC_BACKEND_RULES,
	.description = "iptables-restore input for IPv4: filter table, raw table for "
		       "conntrack helpers; complete ruleset or chains",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_iptables,
};
