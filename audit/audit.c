/* SPDX-License-Identifier: MIT */
/*
 * The audit: an existing ruleset against the policy's plan.
 *
 * - Flows: every flow of the plan, per family the ruleset covers, is the box
 *   of its connections (the entries' addresses, ports and interfaces); its
 *   connections are evaluated (first packet, later packets, replies), and
 *   the flow is allowed, partial, blocked or indeterminate.  A flow with a
 *   conntrack helper also needs every accepted connection to get it.
 * - Baseline: loopback, replies and related packets, IPv6 neighbour
 *   discovery, each evaluated as the packets they are.
 * - Extra: new connections the ruleset accepts and the plan does not, from
 *   a comparison with the plan as a ruleset (plan.c) on shared atoms.
 *
 * Connections from remote addresses never use the loopback interface, so a
 * flow whose entry names no interface is every interface but lo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct item {
	const struct portspec_flow *flow;
	unsigned family;
	enum portspec_audit_verdict v;
};

struct portspec_audit {
	struct pa_rendered out;
	struct item *items;
	size_t nitems;
	size_t nextra, nbaseline, nbaseline_bad;
	bool clean;
};

PORTSPEC_AUDIT_EXPORT const char *portspec_audit_verdict_name(enum portspec_audit_verdict v)
{
	switch (v) {
	case PORTSPEC_AUDIT_ALLOWED: return "allowed";
	case PORTSPEC_AUDIT_PARTIAL: return "partial";
	case PORTSPEC_AUDIT_BLOCKED: return "blocked";
	case PORTSPEC_AUDIT_INDETERMINATE: return "indeterminate";
	}
	return NULL;
}

/* ---- building the audit ---- */

struct build {
	const struct portspec_plan *plan;
	const struct portspec_ruleset *rs;
	struct portspec_ruleset policy; /* the plan as a ruleset */
	struct portspec_error *err;
	struct ps_buf flows_text, flows_json, base_text, base_json, extra_text, extra_json;
	struct ps_buf indet_text, indet_json;
	size_t nflows_json, nbase_json, nextra_json, nindet_json;
	struct item *items;
	size_t nitems, capitems;
	size_t counts[5];
	size_t nextra, nindet, nbaseline, nbaseline_bad;
};

static void cut_lo(struct pa_atom_builder *ab, void *userdata)
{
	pa_atoms_name(ab, "lo", false);
	/* The link-local multicast groups of neighbour discovery, and IPv6's
	 * link scope (routable()). */
	if (*(const unsigned *)userdata == 4)
		pa_atoms_cut(ab, PA_DST, pa_u(0xe0000000u), pa_u(0xe00000ffu));
	if (*(const unsigned *)userdata == 6) {
		pa_atoms_cut(ab, PA_DST, (struct pa_u128){0xff02000000000000ull, 0},
			     (struct pa_u128){0xff02ffffffffffffull, UINT64_MAX});
		pa_atoms_cut(ab, PA_DST, (struct pa_u128){0xff01000000000000ull, 0},
			     (struct pa_u128){0xff01ffffffffffffull, UINT64_MAX});
		pa_atoms_cut(ab, PA_DST, (struct pa_u128){0xfe80000000000000ull, 0},
			     (struct pa_u128){0xfebfffffffffffffull, UINT64_MAX});
		pa_atoms_cut(ab, PA_DST, (struct pa_u128){0, 0}, (struct pa_u128){0, 0});
	}
}

/* The atoms of an address set's matched addresses. */
static bool addrset_atoms(struct pa_ctx *ctx, enum pa_dim d, const struct portspec_addrset *s,
			  struct pa_ivs *out)
{
	if (s->match == PORTSPEC_ADDR_ANY) {
		*out = ctx->full[d];
		return true;
	}
	struct pa_ivs acc = {0};
	for (size_t i = 0; i < s->matched_count; i++) {
		struct pa_ivs one, u;
		uint32_t lo = pa_atom_of(&ctx->atoms[d], pa_addr_value(s->family, s->matched[i].first));
		uint32_t hi = pa_atom_of(&ctx->atoms[d], pa_addr_value(s->family, s->matched[i].last));
		if (!pa_ivs_single(&ctx->arena, &one, lo, hi) ||
		    !pa_ivs_union(&ctx->arena, &u, &acc, &one))
			return false;
		acc = u;
	}
	*out = acc;
	return true;
}

/* Whether an interface name is a loopback: lo, or pf's lo0, lo1 (and the
 * group lo, read as every name that begins with it). */
static bool loopback_name(const char *name)
{
	if (strncmp(name, "lo", 2))
		return false;
	for (const char *c = name + 2; *c; c++)
		if (*c < '0' || *c > '9')
			return false;
	return true;
}

/* The atoms of loopback interfaces, which the audit leaves out. */
static bool loopback_atoms(struct pa_ctx *ctx, enum pa_dim d, struct pa_ivs *out)
{
	const struct pa_atoms *a = &ctx->atoms[d];
	struct pa_ivs acc = {0};
	for (uint32_t i = 0; i < a->n; i++) {
		if ((a->kinds[i] != PA_IFA_NAME && a->kinds[i] != PA_IFA_PREFIX) ||
		    !loopback_name(a->names[i]))
			continue;
		struct pa_ivs one, u;
		if (!pa_ivs_single(&ctx->arena, &one, i, i) ||
		    !pa_ivs_union(&ctx->arena, &u, &acc, &one))
			return false;
		acc = u;
	}
	*out = acc;
	return true;
}

static bool without_loopback(struct pa_ctx *ctx, struct pa_box *b, enum pa_dim d)
{
	struct pa_ivs lo, out;
	if (!loopback_atoms(ctx, d, &lo) || !pa_ivs_subtract(&ctx->arena, &out, &b->d[d], &lo))
		return false;
	b->d[d] = out;
	return true;
}

static bool restrict_iface(struct pa_ctx *ctx, struct pa_box *b, enum pa_dim d, const char *name)
{
	struct pa_ivs s;
	if (name) {
		uint32_t a = pa_atom_iface(&ctx->atoms[d], name);
		return pa_ivs_single(&ctx->arena, &s, a, a) && pa_box_restrict_atoms(ctx, b, d, &s);
	}
	/* Every interface but the loopback (and none, which the region has
	 * left out). */
	return without_loopback(ctx, b, d);
}

/* Leaves out of b's dimension d the addresses no connection is made to:
 * multicast and broadcast (the category cuts of every context). */
static bool unicast_only(struct pa_ctx *ctx, struct pa_box *b, enum pa_dim d)
{
	struct pa_set s = {0};
	bool ok;
	if (ctx->family == 4)
		ok = pa_set_add(&s, pa_u(0xe0000000u), pa_u(0xefffffffu)) &&
		     pa_set_add(&s, pa_u(0xffffffffu), pa_u(0xffffffffu)) &&
		     pa_set_add_set(&s, &ctx->rs->bcast[0]);
	else
		ok = pa_set_add(&s, (struct pa_u128){0xff00000000000000ull, 0},
				(struct pa_u128){UINT64_MAX, UINT64_MAX});
	for (size_t i = 0; ok && i < s.n; i++) {
		struct pa_ivs one, out;
		ok = pa_ivs_single(&ctx->arena, &one, pa_atom_of(&ctx->atoms[d], s.r[i].lo),
				   pa_atom_of(&ctx->atoms[d], s.r[i].hi)) &&
		     pa_ivs_subtract(&ctx->arena, &out, &b->d[d], &one);
		if (ok)
			b->d[d] = out;
	}
	pa_set_release(&s);
	return ok;
}

/* Whether every value of dimension d of the box is in [lo, hi]. */
static bool within(const struct pa_ctx *ctx, const struct pa_box *b, enum pa_dim d,
		   struct pa_u128 lo, struct pa_u128 hi)
{
	const struct pa_ivs *s = &b->d[d];
	for (uint32_t i = 0; i < s->n; i++)
		if (pa_cmp(pa_atom_first(&ctx->atoms[d], s->v[i].lo), lo) < 0 ||
		    pa_cmp(pa_atom_last(&ctx->atoms[d], s->v[i].hi), hi) > 0)
			return false;
	return s->n > 0;
}

/* Neighbour discovery at a hop limit other than 255: the host sends none,
 * and its IPv6 stack discards those it receives (RFC 4861, 7.1.1), so that
 * a firewall that cannot match the hop limit (pf) opens nothing by them. */
static bool nd_off_link(const struct pa_ctx *ctx, const struct pa_result *x)
{
	return ctx->family == 6 && within(ctx, &x->b, PA_PROTO, pa_u(58), pa_u(58)) &&
	       within(ctx, &x->b, PA_ICMP, pa_u(133u << 8), pa_u(137u << 8 | 0xff)) &&
	       within(ctx, &x->b, PA_TTL, pa_u(0), pa_u(254));
}

/* Leaves out of b what the kernel drops before any flow could use it:
 * loopback addresses off the loopback interface (martian), and at
 * forwarding the link scope, which a router never forwards: IPv4's
 * link-local groups 224.0.0.0/24 (RFC 5771), and in IPv6 (RFC 4291) from the
 * unspecified or a link-local address, to a link-local address or an
 * interface- or link-local group. */
static bool routable(struct pa_ctx *ctx, struct pa_box *b, enum portspec_hook hook)
{
	struct {
		enum pa_dim d;
		struct pa_u128 lo, hi;
	} v4[] = {
		{PA_SRC, {0, 0x7f000000u}, {0, 0x7fffffffu}},
		{PA_DST, {0, 0x7f000000u}, {0, 0x7fffffffu}},
		{PA_DST, {0, 0xe0000000u}, {0, 0xe00000ffu}},
	}, v6[] = {
		{PA_SRC, {0, 1}, {0, 1}},
		{PA_DST, {0, 1}, {0, 1}},
		{PA_SRC, {0, 0}, {0, 0}},
		{PA_SRC, {0xfe80000000000000ull, 0}, {0xfebfffffffffffffull, UINT64_MAX}},
		{PA_DST, {0xfe80000000000000ull, 0}, {0xfebfffffffffffffull, UINT64_MAX}},
		{PA_DST, {0xff01000000000000ull, 0}, {0xff02ffffffffffffull, UINT64_MAX}},
	};
	size_t n = ctx->family == 4 ? (hook == PORTSPEC_HOOK_FORWARD ? 3 : 2)
				    : hook == PORTSPEC_HOOK_FORWARD ? 6 : 2;
	for (size_t i = 0; i < n; i++) {
		enum pa_dim d = ctx->family == 4 ? v4[i].d : v6[i].d;
		struct pa_u128 lo = ctx->family == 4 ? v4[i].lo : v6[i].lo;
		struct pa_u128 hi = ctx->family == 4 ? v4[i].hi : v6[i].hi;
		struct pa_ivs one, out;
		if (!pa_ivs_single(&ctx->arena, &one, pa_atom_of(&ctx->atoms[d], lo),
				   pa_atom_of(&ctx->atoms[d], hi)) ||
		    !pa_ivs_subtract(&ctx->arena, &out, &b->d[d], &one))
			return false;
		b->d[d] = out;
	}
	return true;
}

/* The first packets of a FLOW entry's range: a port range of TCP or UDP, or
 * ICMP messages of a range of types with any code (PA_ICMP is type << 8 | code). */
static bool flow_packets(struct pa_ctx *ctx, const struct portspec_plan_entry *e,
			 const struct portspec_plan_port *p, struct pa_box *b)
{
	if (!pa_entry_is_icmp(e)) {
		unsigned proto = e->protocol == PORTSPEC_TCP ? 6 : 17;
		return pa_box_restrict(ctx, b, PA_PROTO, pa_u(proto), pa_u(proto)) &&
		       pa_box_restrict(ctx, b, PA_DPORT, pa_u(p->first), pa_u(p->last));
	}
	unsigned proto = e->protocol == PORTSPEC_ICMP ? 1 : 58;
	return pa_box_restrict(ctx, b, PA_PROTO, pa_u(proto), pa_u(proto)) &&
	       pa_box_restrict(ctx, b, PA_ICMP, pa_u(p->first << 8), pa_u(p->last << 8 | 0xffu));
}

/* The connections of a FLOW entry's port (or ICMP type) range. */
static bool flow_region(struct pa_ctx *ctx, const struct portspec_plan_entry *e,
			const struct portspec_plan_port *p, struct pa_box *b)
{
	bool inbound = e->direction == PORTSPEC_INBOUND;
	struct pa_ivs remote, local;
	bool ok = pa_ctx_region_all(ctx, e->hook, b) && flow_packets(ctx, e, p, b) &&
		  addrset_atoms(ctx, inbound ? PA_SRC : PA_DST, &e->remote, &remote) &&
		  addrset_atoms(ctx, inbound ? PA_DST : PA_SRC, &e->local, &local) &&
		  pa_box_restrict_atoms(ctx, b, inbound ? PA_SRC : PA_DST, &remote) &&
		  pa_box_restrict_atoms(ctx, b, inbound ? PA_DST : PA_SRC, &local);
	if (ok && e->hook != PORTSPEC_HOOK_OUTPUT)
		ok = restrict_iface(ctx, b, PA_IIF, e->iif);
	if (ok && e->hook != PORTSPEC_HOOK_INPUT)
		ok = restrict_iface(ctx, b, PA_OIF, e->oif);
	/* A connection to the host is to one of its unicast addresses. */
	if (ok && e->hook == PORTSPEC_HOOK_INPUT)
		ok = unicast_only(ctx, b, PA_DST);
	return ok && routable(ctx, b, e->hook);
}

/* The packets a baseline entry admits. */
static bool baseline_region(struct pa_ctx *ctx, const struct portspec_plan_entry *e,
			    struct pa_box *b)
{
	bool ok = pa_ctx_region_all(ctx, e->hook, b);
	struct pa_ivs s;
	if (ok && e->iif)
		ok = restrict_iface(ctx, b, PA_IIF, e->iif);
	if (ok && e->oif)
		ok = restrict_iface(ctx, b, PA_OIF, e->oif);
	if (!ok)
		return false;
	switch (e->kind) {
	case PORTSPEC_ENTRY_ESTABLISHED: {
		uint32_t a = pa_atom_of(&ctx->atoms[PA_STATE], pa_u(PA_ST_ESTABLISHED));
		uint32_t z = pa_atom_of(&ctx->atoms[PA_STATE], pa_u(PA_ST_RELATED));
		return pa_ivs_single(&ctx->arena, &s, a, z) &&
		       pa_box_restrict_atoms(ctx, b, PA_STATE, &s);
	}
	case PORTSPEC_ENTRY_NEIGHBOR_DISCOVERY: {
		ok = pa_box_restrict(ctx, b, PA_PROTO, pa_u(58), pa_u(58)) &&
			  pa_box_restrict(ctx, b, PA_ICMP, pa_u(133u << 8), pa_u(136u << 8 | 0xff)) &&
			  pa_box_restrict(ctx, b, PA_TTL, pa_u(255), pa_u(255));
		if (ok && e->hook == PORTSPEC_HOOK_INPUT) {
			/* Sent to a unicast address or a link-local group (RFC 4861). */
			const struct pa_atoms *a = &ctx->atoms[PA_DST];
			struct pa_ivs m1, m2, o1, o2;
			ok = pa_ivs_single(&ctx->arena, &m1,
					   pa_atom_of(a, (struct pa_u128){0xff00000000000000ull, 0}),
					   pa_atom_of(a, (struct pa_u128){0xff01ffffffffffffull,
									  UINT64_MAX})) &&
			     pa_ivs_single(&ctx->arena, &m2,
					   pa_atom_of(a, (struct pa_u128){0xff03000000000000ull, 0}),
					   a->n - 1) &&
			     pa_ivs_subtract(&ctx->arena, &o1, &b->d[PA_DST], &m1) &&
			     pa_ivs_subtract(&ctx->arena, &o2, &o1, &m2);
			if (ok)
				b->d[PA_DST] = o2;
		}
		return ok;
	}
	default:
		return true;
	}
}

static enum portspec_audit_verdict classify(const struct pa_results *r, size_t from)
{
	bool acc = false, deny = false, indet = false;
	for (size_t i = from; i < r->n; i++) {
		if (r->r[i].v == PORTSPEC_VERDICT_ACCEPT)
			acc = true;
		else if (r->r[i].v == PORTSPEC_VERDICT_INDETERMINATE)
			indet = true;
		else
			deny = true;
	}
	if (acc && !deny && !indet)
		return PORTSPEC_AUDIT_ALLOWED;
	if (acc && deny)
		return PORTSPEC_AUDIT_PARTIAL;
	if (deny && !acc && !indet)
		return PORTSPEC_AUDIT_BLOCKED;
	return PORTSPEC_AUDIT_INDETERMINATE;
}

/* The rule a result names: what decided it, or the match not modelled. */
static uint32_t deciding(const struct pa_result *r)
{
	return r->v == PORTSPEC_VERDICT_INDETERMINATE || r->v == PORTSPEC_VERDICT_DENY
	       ? r->unknown_rule : r->rule;
}

static void rules_json(const struct pa_ctx *ctx, const struct pa_results *r, size_t from,
		       struct ps_buf *out)
{
	ps_buf_putc(out, '[');
	size_t n = 0;
	for (size_t i = from; i < r->n; i++) {
		uint32_t k = deciding(&r->r[i]);
		bool seen = false;
		for (size_t j = from; j < i && !seen; j++)
			seen = deciding(&r->r[j]) == k;
		if (seen || k == PA_NONE)
			continue;
		ps_buf_puts(out, n++ ? ", " : "");
		pa_rule_json(ctx->rs, k, out);
	}
	ps_buf_putc(out, ']');
}

static void rule_line(const struct portspec_ruleset *rs, uint32_t rule, struct ps_buf *out)
{
	pa_rule_line(rs, rule, "no rule (nothing filters this hook)", out);
}

static void rules_text(const struct pa_ctx *ctx, const struct pa_results *r, size_t from,
		       struct ps_buf *out)
{
	for (size_t i = from; i < r->n; i++) {
		uint32_t k = deciding(&r->r[i]);
		bool seen = false;
		for (size_t j = from; j < i && !seen; j++)
			seen = deciding(&r->r[j]) == k;
		if (seen)
			continue;
		ps_buf_printf(out, "      %s ", portspec_ruleset_verdict_name(r->r[i].v));
		if (r->r[i].stage)
			ps_buf_printf(out, "(%s) ", r->r[i].stage == 1 ? "later packets" : "replies");
		ps_buf_puts(out, "by ");
		rule_line(ctx->rs, k, out);
		ps_buf_putc(out, '\n');
	}
}

static const char *const stage_names[3] = {"new", "established", "reply"};

/* The parts of a flow's connections that do not work: remote addresses and
 * ports, with the rule that stops them. */
static void missing(const struct pa_ctx *ctx, const struct pa_results *r, size_t from, bool inbound,
		    struct ps_buf *json, struct ps_buf *text)
{
	enum pa_dim remote = inbound ? PA_SRC : PA_DST;
	ps_buf_puts(json, "[");
	size_t n = 0;
	for (size_t i = from; i < r->n; i++) {
		const struct pa_result *x = &r->r[i];
		if (x->v == PORTSPEC_VERDICT_ACCEPT)
			continue;
		ps_buf_puts(json, n++ ? ", " : "");
		ps_buf_printf(json, "{\"verdict\": \"%s\", \"stage\": \"%s\", \"addresses\": ",
			      portspec_ruleset_verdict_name(x->v), stage_names[x->stage]);
		pa_dim_json(ctx, &x->b, remote, json);
		ps_buf_puts(json, ", \"ports\": ");
		pa_dim_json(ctx, &x->b, PA_DPORT, json);
		ps_buf_puts(json, ", \"class\": {");
		bool first = true;
		for (int d = 0; d < PA_NDIMS; d++) {
			if (pa_dim_full(ctx, &x->b, (enum pa_dim)d) || d == PA_STATE)
				continue;
			ps_buf_printf(json, "%s\"%s\": ", first ? "" : ", ", pa_dim_name((enum pa_dim)d));
			pa_dim_json(ctx, &x->b, (enum pa_dim)d, json);
			first = false;
		}
		ps_buf_puts(json, "}, \"rule\": ");
		pa_rule_json(ctx->rs, deciding(x), json);
		ps_buf_putc(json, '}');
		if (!text)
			continue; /* the text only for a partial flow */
		ps_buf_puts(text, "      not: ");
		pa_class_text(ctx, &x->b, text);
		ps_buf_printf(text, "\n          %s", portspec_ruleset_verdict_name(x->v));
		if (x->stage)
			ps_buf_printf(text, " (%s)", x->stage == 1 ? "later packets" : "replies");
		ps_buf_puts(text, " by ");
		rule_line(ctx->rs, deciding(x), text);
		ps_buf_putc(text, '\n');
	}
	ps_buf_putc(json, ']');
}

/* Whether every accepted connection gets the entry's helper. */
static bool helper_ok(const struct pa_ctx *ctx, const struct pa_results *r, size_t from,
		      const char *helper)
{
	for (size_t i = from; i < r->n; i++) {
		const struct pa_result *x = &r->r[i];
		if (x->v != PORTSPEC_VERDICT_ACCEPT)
			continue;
		if (x->helper == PA_NONE || x->helper == PA_HELPER_MIXED)
			return false;
		const char *got = ctx->rs->rules[x->helper].arg;
		if (!got || strcmp(got, helper))
			return false;
	}
	return true;
}

static bool add_item(struct build *bd, const struct portspec_flow *f, unsigned family,
		     enum portspec_audit_verdict v)
{
	if (bd->nitems == bd->capitems) {
		size_t cap = bd->capitems ? bd->capitems * 2 : 32;
		struct item *n = ps_reallocarray(bd->items, cap, sizeof(*n));
		if (!n)
			return false;
		bd->items = n;
		bd->capitems = cap;
	}
	bd->items[bd->nitems++] = (struct item){f, family, v};
	bd->counts[v]++;
	return true;
}

/* Every (entry, port range) of one flow and family: a flow may be served by
 * several when ranges of flows overlap. */
/* pf: a divert-to rule in a ruleset with the anchor of ftp-proxy(8) hands
 * FTP control connections to the proxy, which connects to the server
 * itself: that connection's verdict is the flow's (the proxy taken as
 * running, as the anchor says). */
static bool ftp_proxied(const struct portspec_ruleset *rs)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (rs->rules[i].action == PA_ACT_ACCEPT && rs->rules[i].arg &&
		    !strncmp(rs->rules[i].arg, "ftp-proxy(8)", 12))
			return true;
	return false;
}

/* Whether x is a connection diverted to ftp-proxy(8). */
static bool diverted(const struct pa_ctx *ctx, const struct pa_result *x)
{
	const struct pa_rule *rule = x->rule != PA_NONE ? &ctx->rs->rules[x->rule] : NULL;
	return x->v == PORTSPEC_VERDICT_INDETERMINATE && rule && rule->action == PA_ACT_INDET &&
	       rule->arg && !strncmp(rule->arg, "divert-to", 9) &&
	       within(ctx, &x->b, PA_DPORT, pa_u(21), pa_u(21));
}

/* The proxy's own connection for the diverted x: from the host to x's
 * destination and port, out by x's output interface; its results, in x's
 * terms, are appended to out. */
static enum portspec_status proxy_connection(struct pa_ctx *ctx, const struct pa_result *x,
					     struct pa_results *out)
{
	struct pa_box b;
	struct pa_results y = {0};
	struct pa_result keep = *x;
	if (!pa_ctx_region_all(ctx, PORTSPEC_HOOK_OUTPUT, &b) ||
	    !pa_box_restrict_atoms(ctx, &b, PA_OIF, &keep.b.d[PA_OIF]))
		return PORTSPEC_E_NOMEM;
	b.d[PA_PROTO] = keep.b.d[PA_PROTO];
	b.d[PA_DST] = keep.b.d[PA_DST];
	b.d[PA_DPORT] = keep.b.d[PA_DPORT];
	enum portspec_status st = pa_eval_connection(ctx, PORTSPEC_HOOK_OUTPUT, &b, &y);
	for (size_t j = 0; !st && j < y.n; j++) {
		struct pa_result z = y.r[j];
		z.b.d[PA_SRC] = keep.b.d[PA_SRC];
		z.b.d[PA_SPORT] = keep.b.d[PA_SPORT];
		z.b.d[PA_IIF] = keep.b.d[PA_IIF];
		z.b.d[PA_STATE] = keep.b.d[PA_STATE];
		z.b.owned = 0;
		z.hook = keep.hook;
		z.v_b = keep.v_b;
		z.rule_b = keep.rule_b;
		if (!pa_results_push(out, &z))
			st = PORTSPEC_E_NOMEM;
	}
	pa_results_release(&y);
	return st;
}

static enum portspec_status follow_proxy(struct pa_ctx *ctx, struct pa_results *r, size_t from)
{
	struct pa_results out = {0};
	enum portspec_status st = PORTSPEC_OK;
	for (size_t i = from; !st && i < r->n; i++) {
		if (!diverted(ctx, &r->r[i]))
			st = pa_results_push(&out, &r->r[i]) ? PORTSPEC_OK : PORTSPEC_E_NOMEM;
		else
			st = proxy_connection(ctx, &r->r[i], &out);
	}
	if (!st) {
		r->n = from;
		for (size_t i = 0; !st && i < out.n; i++)
			if (!pa_results_push(r, &out.r[i]))
				st = PORTSPEC_E_NOMEM;
	}
	pa_results_release(&out);
	return st;
}

static enum portspec_status audit_flow(struct build *bd, struct pa_ctx *ctx,
				       const struct portspec_flow *f, unsigned family)
{
	struct pa_results r = {0};
	enum portspec_status st = PORTSPEC_OK;
	const char *helper = NULL;
	bool inbound = portspec_flow_direction(f) == PORTSPEC_INBOUND;
	for (size_t i = 0; !st && i < portspec_plan_entry_count(bd->plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(bd->plan, i);
		if (e->kind != PORTSPEC_ENTRY_FLOW || e->family != family)
			continue;
		size_t nranges;
		const struct portspec_plan_port *ranges = ps_plan_entry_ranges(e, &nranges);
		for (size_t k = 0; !st && k < nranges; k++) {
			const struct portspec_plan_port *p = &ranges[k];
			bool serves = false;
			for (size_t j = 0; j < p->flow_count && !serves; j++)
				serves = p->flows[j] == f;
			if (!serves)
				continue;
			if (e->helper)
				helper = e->helper;
			struct pa_box b;
			if (!flow_region(ctx, e, p, &b))
				st = ctx->status ? ctx->status : PORTSPEC_E_NOMEM;
			else {
				size_t from = r.n;
				st = pa_eval_connection(ctx, e->hook, &b, &r);
				if (!st && e->hook == PORTSPEC_HOOK_FORWARD && !bd->rs->helpers &&
				    ftp_proxied(bd->rs))
					st = follow_proxy(ctx, &r, from);
			}
		}
	}
	if (!st && (st = pa_results_merge(ctx, &r, true)))
		ps_error_set(bd->err, st, NULL, 0, 0, "out of memory");
	if (st || !r.n) {
		pa_results_release(&r);
		return st;
	}
	enum portspec_audit_verdict v = classify(&r, 0);
	bool helper_missing = helper && bd->rs->helpers && !helper_ok(ctx, &r, 0, helper);
	if (helper_missing && v == PORTSPEC_AUDIT_ALLOWED)
		v = PORTSPEC_AUDIT_PARTIAL;
	if (!add_item(bd, f, family, v)) {
		pa_results_release(&r);
		return ps_error_set(bd->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	}
	const struct portspec_service *svc = portspec_flow_service(f);
	const char *zone = portspec_zone_name(portspec_flow_zone(f));
	const char *proto = portspec_protocol_name(portspec_flow_protocol(f));
	unsigned first = portspec_flow_port_first(f), last = portspec_flow_port_last(f);
	/* JSON */
	struct ps_buf *j = &bd->flows_json;
	ps_buf_puts(j, bd->nflows_json++ ? ", " : "");
	ps_buf_puts(j, "{\"service\": ");
	pa_json_string(j, portspec_service_name(svc));
	ps_buf_printf(j, ", \"level\": \"%s\", \"direction\": \"%s\", \"zone\": ",
		      portspec_level_name(portspec_flow_level(f)),
		      portspec_direction_name(portspec_flow_direction(f)));
	pa_json_string(j, zone);
	ps_buf_printf(j, ", \"family\": %u, \"protocol\": \"%s\", \"port\": %u, \"port_last\": %u, "
		      "\"verdict\": \"%s\", \"rules\": ", family, proto, first, last,
		      portspec_audit_verdict_name(v));
	rules_json(ctx, &r, 0, j);
	ps_buf_puts(j, ", \"helper\": ");
	if (helper) {
		ps_buf_puts(j, "{\"name\": ");
		pa_json_string(j, helper);
		ps_buf_printf(j, ", \"assigned\": %s}", helper_missing ? "false" : "true");
	} else {
		ps_buf_puts(j, "null");
	}
	/* text */
	struct ps_buf *t = &bd->flows_text;
	char port[32];
	snprintf(port, sizeof(port), first == last ? "%s/%u" : "%s/%u-%u", proto, first, last);
	ps_buf_printf(t, "  %-13s %-8s %-8s IPv%u %-10s ", portspec_audit_verdict_name(v),
		      portspec_direction_name(portspec_flow_direction(f)), zone, family, port);
	pa_put_text(t, portspec_service_name(svc));
	ps_buf_printf(t, " (%s)\n", portspec_level_name(portspec_flow_level(f)));
	if (v == PORTSPEC_AUDIT_ALLOWED || v == PORTSPEC_AUDIT_INDETERMINATE ||
	    v == PORTSPEC_AUDIT_BLOCKED) {
		rules_text(ctx, &r, 0, t);
	} else {
		size_t acc = 0;
		for (size_t i = 0; i < r.n; i++)
			acc += r.r[i].v == PORTSPEC_VERDICT_ACCEPT;
		if (acc)
			ps_buf_puts(t, "      the rest is accepted\n");
	}
	if (helper_missing) {
		ps_buf_puts(t, "      the conntrack helper ");
		pa_put_text(t, helper);
		ps_buf_puts(t, " is not assigned to every accepted connection: its data "
			    "connections will not pass\n");
	}
	ps_buf_puts(j, ", \"missing\": ");
	missing(ctx, &r, 0, inbound, j, v == PORTSPEC_AUDIT_PARTIAL ? t : NULL);
	ps_buf_putc(j, '}');
	pa_results_release(&r);
	return PORTSPEC_OK;
}

static enum portspec_status audit_baseline(struct build *bd, struct pa_ctx *ctx,
					   const struct portspec_plan_entry *e)
{
	struct pa_results r = {0};
	struct pa_box b;
	enum portspec_status st = baseline_region(ctx, e, &b) ? pa_eval(ctx, e->hook, &b, &r)
							       : (ctx->status ? ctx->status
									      : PORTSPEC_E_NOMEM);
	if (!st && (st = pa_results_merge(ctx, &r, true)))
		ps_error_set(bd->err, st, NULL, 0, 0, "out of memory");
	if (st) {
		pa_results_release(&r);
		return st;
	}
	enum portspec_audit_verdict v = r.n ? classify(&r, 0) : PORTSPEC_AUDIT_ALLOWED;
	bd->nbaseline++;
	if (v != PORTSPEC_AUDIT_ALLOWED)
		bd->nbaseline_bad++;
	struct ps_buf *j = &bd->base_json;
	ps_buf_puts(j, bd->nbase_json++ ? ", " : "");
	ps_buf_printf(j, "{\"kind\": \"%s\", \"hook\": \"%s\", \"family\": %u, \"verdict\": \"%s\", "
		      "\"rules\": ", portspec_entry_kind_name(e->kind), portspec_hook_name(e->hook),
		      e->family, portspec_audit_verdict_name(v));
	rules_json(ctx, &r, 0, j);
	ps_buf_putc(j, '}');
	struct ps_buf *t = &bd->base_text;
	ps_buf_printf(t, "  %-13s %-6s IPv%u %s\n", portspec_audit_verdict_name(v),
		      portspec_hook_name(e->hook), e->family, portspec_entry_kind_name(e->kind));
	if (v != PORTSPEC_AUDIT_ALLOWED)
		rules_text(ctx, &r, 0, t);
	pa_results_release(&r);
	return PORTSPEC_OK;
}

/* ---- beyond the policy ---- */

/* The appliance's addresses (gateway mode) and the zones' addresses. */
static bool local_atoms(struct pa_ctx *ctx, const struct portspec_plan *plan, unsigned family,
			enum pa_dim d, struct pa_ivs *out)
{
	*out = (struct pa_ivs){0};
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		if (e->kind != PORTSPEC_ENTRY_FLOW || e->family != family ||
		    e->local.match != PORTSPEC_ADDR_IN)
			continue;
		struct pa_ivs s, u;
		if (!addrset_atoms(ctx, d, &e->local, &s) || !pa_ivs_union(&ctx->arena, &u, out, &s))
			return false;
		*out = u;
	}
	return true;
}

/* The zone whose addresses are exactly `remote`, or NULL. */
static const char *zone_of(struct pa_ctx *ctx, const struct portspec_plan *plan, unsigned family,
			   enum portspec_hook hook, enum pa_dim d, const struct pa_ivs *remote)
{
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		if (e->kind != PORTSPEC_ENTRY_FLOW || e->family != family || !e->zone)
			continue;
		/* The zone's addresses, as the audit's regions have them. */
		struct pa_box b;
		for (int k = 0; k < PA_NDIMS; k++)
			b.d[k] = ctx->full[k];
		b.owned = 0;
		if (addrset_atoms(ctx, d, &e->remote, &b.d[d]) && routable(ctx, &b, hook) &&
		    pa_ivs_equal(&b.d[d], remote))
			return portspec_zone_name(e->zone);
	}
	return NULL;
}

static void extra_item(struct build *bd, struct pa_ctx *ctx, const struct pa_result *x,
		       const char *direction, enum pa_dim remote, bool indet)
{
	struct ps_buf *j = indet ? &bd->indet_json : &bd->extra_json;
	struct ps_buf *t = indet ? &bd->indet_text : &bd->extra_text;
	size_t *n = indet ? &bd->nindet_json : &bd->nextra_json;
	const char *zone = zone_of(ctx, bd->plan, ctx->family, (enum portspec_hook)x->hook, remote,
				   &x->b.d[remote]);
	/* One item per protocol atom: "tcp", "udp", "icmp", or a range. */
	const struct pa_ivs *ps = &x->b.d[PA_PROTO];
	for (uint32_t i = 0; i < ps->n; i++)
		for (uint32_t a = ps->v[i].lo; a <= ps->v[i].hi; a++) {
			struct pa_u128 lo = pa_atom_first(&ctx->atoms[PA_PROTO], a);
			struct pa_u128 hi = pa_atom_last(&ctx->atoms[PA_PROTO], a);
			char proto[32];
			if (pa_cmp(lo, hi) == 0)
				pa_protocol_label((unsigned)lo.lo, proto, sizeof(proto));
			else
				snprintf(proto, sizeof(proto), "%u-%u", (unsigned)lo.lo, (unsigned)hi.lo);
			bool ported = pa_cmp(lo, hi) == 0 && (lo.lo == 6 || lo.lo == 17 ||
							      lo.lo == 132 || lo.lo == 33 ||
							      lo.lo == 136);
			struct pa_box b = x->b;
			struct pa_iv one = {a, a};
			b.d[PA_PROTO] = (struct pa_ivs){&one, 1, 1};
			ps_buf_puts(j, (*n)++ ? ", " : "");
			ps_buf_printf(j, "{\"hook\": \"%s\", \"direction\": \"%s\", \"family\": %u, "
				      "\"protocol\": \"%s\", \"ports\": ", portspec_hook_name(x->hook),
				      direction, ctx->family, proto);
			if (ported)
				pa_dim_json(ctx, &b, PA_DPORT, j);
			else
				ps_buf_puts(j, "[]");
			ps_buf_puts(j, ", \"addresses\": ");
			pa_dim_json(ctx, &b, remote, j);
			ps_buf_puts(j, ", \"zone\": ");
			pa_json_string(j, zone);
			ps_buf_puts(j, ", \"class\": {");
			bool first = true;
			for (int d = 0; d < PA_NDIMS; d++) {
				if (pa_dim_full(ctx, &b, (enum pa_dim)d) || d == PA_STATE)
					continue;
				ps_buf_printf(j, "%s\"%s\": ", first ? "" : ", ",
					      pa_dim_name((enum pa_dim)d));
				pa_dim_json(ctx, &b, (enum pa_dim)d, j);
				first = false;
			}
			ps_buf_puts(j, "}, \"rules\": [");
			pa_rule_json(ctx->rs, x->rule, j);
			ps_buf_puts(j, "]}");
			ps_buf_printf(t, "  %-8s IPv%u ", direction, ctx->family);
			pa_class_text(ctx, &b, t);
			if (zone)
				ps_buf_printf(t, " (zone %s)", zone);
			ps_buf_puts(t, indet ? "\n      depends on " : "\n      accepted by ");
			rule_line(ctx->rs, x->rule, t);
			ps_buf_putc(t, '\n');
			if (indet)
				bd->nindet++;
			else
				bd->nextra++;
		}
}

/* Splits x by whether dimension d is in s. */
static bool split_by(struct pa_ctx *ctx, const struct pa_result *x, enum pa_dim d,
		     const struct pa_ivs *s, struct pa_result *in, struct pa_result *out)
{
	*in = *out = *x;
	return pa_ivs_intersect(&ctx->arena, &in->b.d[d], &x->b.d[d], s) &&
	       pa_ivs_subtract(&ctx->arena, &out->b.d[d], &x->b.d[d], s);
}

/* Gateway mode with zones on interfaces: routing is taken to agree with
 * the policy's topology, so that a packet to a zone's addresses (or the
 * appliance's) leaves by that zone's interface; the most specific
 * destination decides, as a route would.  `all` becomes boxes in *out. */
struct route {
	struct pa_ivs dst, oifs;
	double size;
};

static double ivs_size(const struct pa_ctx *ctx, enum pa_dim d, const struct pa_ivs *s)
{
	double n = 0;
	for (uint32_t i = 0; i < s->n; i++) {
		struct pa_u128 lo = pa_atom_first(&ctx->atoms[d], s->v[i].lo);
		struct pa_u128 hi = pa_atom_last(&ctx->atoms[d], s->v[i].hi);
		n += ((double)hi.hi - (double)lo.hi) * 18446744073709551616.0 +
		     ((double)hi.lo - (double)lo.lo) + 1;
	}
	return n;
}

static int by_size(const void *a, const void *b)
{
	const struct route *x = a, *y = b;
	return x->size < y->size ? -1 : x->size > y->size;
}

static bool routed(struct pa_ctx *ctx, const struct portspec_plan *plan, const struct pa_box *all,
		   struct pa_box **out, size_t *nout)
{
	struct route *rt = NULL;
	size_t nrt = 0;
	bool ok = true;
	for (size_t i = 0; ok && i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		if (e->kind != PORTSPEC_ENTRY_FLOW || e->family != ctx->family ||
		    e->hook != PORTSPEC_HOOK_FORWARD || !e->oif)
			continue;
		struct pa_ivs d, o;
		uint32_t a = pa_atom_iface(&ctx->atoms[PA_OIF], e->oif);
		ok = addrset_atoms(ctx, PA_DST, e->direction == PORTSPEC_INBOUND ? &e->local : &e->remote,
				   &d) && pa_ivs_single(&ctx->arena, &o, a, a);
		size_t k = 0;
		while (ok && k < nrt && !pa_ivs_equal(&rt[k].dst, &d))
			k++;
		if (ok && k < nrt) {
			ok = pa_ivs_union(&ctx->arena, &rt[k].oifs, &rt[k].oifs, &o);
			continue;
		}
		struct route *n = ok ? ps_reallocarray(rt, nrt + 1, sizeof(*rt)) : NULL;
		if (!n) {
			ok = false;
			break;
		}
		rt = n;
		rt[nrt].dst = d;
		rt[nrt].oifs = o;
		rt[nrt].size = ivs_size(ctx, PA_DST, &d);
		nrt++;
	}
	if (ok && nrt)
		qsort(rt, nrt, sizeof(*rt), by_size);
	struct pa_box *v = ps_calloc(1, sizeof(*v));
	size_t n = 1;
	ok = ok && v;
	if (ok)
		v[0] = *all;
	struct pa_ivs covered = {0};
	for (size_t r = 0; ok && r < nrt; r++) {
		struct pa_ivs eff;
		ok = pa_ivs_subtract(&ctx->arena, &eff, &rt[r].dst, &covered) &&
		     pa_ivs_union(&ctx->arena, &covered, &covered, &rt[r].dst);
		struct pa_box *w = ok ? ps_calloc(2 * n, sizeof(*w)) : NULL;
		size_t m = 0;
		ok = ok && w;
		for (size_t i = 0; ok && i < n; i++) {
			struct pa_box out1 = v[i], in1 = v[i];
			ok = pa_ivs_subtract(&ctx->arena, &out1.d[PA_DST], &v[i].d[PA_DST], &eff) &&
			     pa_ivs_intersect(&ctx->arena, &in1.d[PA_DST], &v[i].d[PA_DST], &eff) &&
			     pa_ivs_intersect(&ctx->arena, &in1.d[PA_OIF], &v[i].d[PA_OIF], &rt[r].oifs);
			out1.owned = in1.owned = 0;
			if (ok && !pa_box_empty(&out1))
				w[m++] = out1;
			if (ok && !pa_box_empty(&in1))
				w[m++] = in1;
		}
		ps_free(v);
		v = w;
		n = m;
	}
	ps_free(rt);
	if (!ok) {
		ps_free(v);
		return false;
	}
	*out = v;
	*nout = n;
	return true;
}

static enum portspec_status audit_extra(struct build *bd, struct pa_ctx *ca, struct pa_ctx *cb,
					enum portspec_hook hook)
{
	struct pa_results c[PA_NKINDS] = {{0}};
	struct pa_box all;
	uint32_t a = pa_atom_of(&ca->atoms[PA_STATE], pa_u(PA_ST_NEW));
	struct pa_ivs s;
	enum portspec_status st = PORTSPEC_OK;
	/* Loopback traffic is the baseline's, not a flow's. */
	if (!pa_ctx_region_all(ca, hook, &all) || !pa_ivs_single(&ca->arena, &s, a, a) ||
	    !pa_box_restrict_atoms(ca, &all, PA_STATE, &s) ||
	    (hook != PORTSPEC_HOOK_OUTPUT && !without_loopback(ca, &all, PA_IIF)) ||
	    (hook != PORTSPEC_HOOK_INPUT && !without_loopback(ca, &all, PA_OIF)) ||
	    !routable(ca, &all, hook))
		st = ca->status ? ca->status : PORTSPEC_E_NOMEM;
	bool gateway = hook == PORTSPEC_HOOK_FORWARD;
	struct pa_box *boxes = NULL;
	size_t nboxes = 0;
	if (!st && gateway && !routed(ca, bd->plan, &all, &boxes, &nboxes))
		st = PORTSPEC_E_NOMEM;
	if (!st && !gateway)
		st = pa_compare(ca, cb, hook, &all, c);
	for (size_t i = 0; !st && i < nboxes; i++)
		st = pa_compare(ca, cb, hook, &boxes[i], c);
	ps_free(boxes);
	struct pa_ivs appl;
	if (!st && gateway && (!local_atoms(ca, bd->plan, ca->family, PA_DST, &appl)))
		st = PORTSPEC_E_NOMEM;
	if (!st && gateway && !bd->rs->helpers && ftp_proxied(bd->rs)) {
		/* Connections diverted to ftp-proxy(8): the proxy's own decides. */
		struct pa_results *u = &c[PA_UNKNOWN], rest = {0}, y = {0};
		for (size_t i = 0; !st && i < u->n; i++)
			st = diverted(ca, &u->r[i]) ? proxy_connection(ca, &u->r[i], &y)
				: pa_results_push(&rest, &u->r[i]) ? PORTSPEC_OK : PORTSPEC_E_NOMEM;
		for (size_t i = 0; !st && i < y.n; i++) {
			const struct pa_result *z = &y.r[i];
			bool za = pa_accepted(z->v), zb = pa_accepted((enum portspec_verdict)z->v_b);
			struct pa_results *to = z->v == PORTSPEC_VERDICT_INDETERMINATE ? &rest
						: za && !zb ? &c[PA_ONLY_A] : !za && zb ? &c[PA_ONLY_B]
						: NULL;
			if (to && !pa_results_push(to, z))
				st = PORTSPEC_E_NOMEM;
		}
		pa_results_release(&y);
		pa_results_release(u);
		*u = rest;
	}
	for (int k = 0; !st && k < PA_NKINDS; k++) {
		if (k == PA_ONLY_B)
			continue; /* what the policy wants and the ruleset does not: the flows */
		struct pa_results *r = &c[k];
		if (k == PA_UNKNOWN) {
			/* Only where the ruleset is indeterminate and the policy does
			 * not accept: beyond the policy, unknown. */
			size_t o = 0;
			for (size_t i = 0; i < r->n; i++)
				if (r->r[i].v == PORTSPEC_VERDICT_INDETERMINATE &&
				    !pa_accepted((enum portspec_verdict)r->r[i].v_b))
					r->r[o++] = r->r[i];
			r->n = o;
		}
		if (!gateway) {
			size_t o = 0;
			for (size_t i = 0; i < r->n; i++)
				if (!nd_off_link(ca, &r->r[i]))
					r->r[o++] = r->r[i];
			r->n = o;
		}
		if ((st = pa_results_merge(ca, r, true)))
			break;
		for (size_t i = 0; !st && i < r->n; i++) {
			const struct pa_result *x = &r->r[i];
			if (!gateway) {
				bool in = hook == PORTSPEC_HOOK_INPUT;
				extra_item(bd, ca, x, in ? "inbound" : "outbound", in ? PA_SRC : PA_DST,
					   k == PA_UNKNOWN);
				continue;
			}
			/* Gateway: to the appliance, from it, or between others; never
			 * from the appliance to itself, which it does not route. */
			struct pa_result to, to_self, to_others, rest, from, through;
			if (!split_by(ca, x, PA_DST, &appl, &to, &rest) ||
			    !split_by(ca, &to, PA_SRC, &appl, &to_self, &to_others) ||
			    !split_by(ca, &rest, PA_SRC, &appl, &from, &through)) {
				st = PORTSPEC_E_NOMEM;
				break;
			}
			if (!pa_box_empty(&to_others.b))
				extra_item(bd, ca, &to_others, "inbound", PA_SRC, k == PA_UNKNOWN);
			if (!pa_box_empty(&from.b))
				extra_item(bd, ca, &from, "outbound", PA_DST, k == PA_UNKNOWN);
			if (!pa_box_empty(&through.b))
				extra_item(bd, ca, &through, "through", PA_SRC, k == PA_UNKNOWN);
		}
	}
	for (int k = 0; k < PA_NKINDS; k++)
		pa_results_release(&c[k]);
	if (st && !bd->err->status)
		ps_error_set(bd->err, st, NULL, 0, 0, "out of memory");
	return st;
}

static enum portspec_status audit_family(struct build *bd, unsigned family)
{
	struct pa_ctx ca, cb;
	enum portspec_status st = pa_ctx_pair(&ca, &cb, bd->rs, &bd->policy, family, cut_lo, &family,
					      bd->err);
	if (st)
		return st;
	ca.err = cb.err = bd->err;
	ca.assume_host = cb.assume_host = true;
	const struct portspec_plan *plan = bd->plan;
	/* Flows, in the order of the plan's entries and ports. */
	for (size_t i = 0; !st && i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		if (e->family != family)
			continue;
		if (e->kind != PORTSPEC_ENTRY_FLOW) {
			st = audit_baseline(bd, &ca, e);
			continue;
		}
		size_t nranges;
		const struct portspec_plan_port *ranges = ps_plan_entry_ranges(e, &nranges);
		for (size_t k = 0; !st && k < nranges; k++)
			for (size_t j = 0; !st && j < ranges[k].flow_count; j++) {
				const struct portspec_flow *f = ranges[k].flows[j];
				bool done = false;
				for (size_t x = 0; x < bd->nitems && !done; x++)
					done = bd->items[x].flow == f && bd->items[x].family == family;
				if (!done)
					st = audit_flow(bd, &ca, f, family);
			}
	}
	bool gateway = portspec_plan_mode(plan) == PORTSPEC_MODE_GATEWAY;
	if (!st && gateway)
		st = audit_extra(bd, &ca, &cb, PORTSPEC_HOOK_FORWARD);
	if (!st && !gateway)
		st = audit_extra(bd, &ca, &cb, PORTSPEC_HOOK_INPUT);
	if (!st && !gateway)
		st = audit_extra(bd, &ca, &cb, PORTSPEC_HOOK_OUTPUT);
	pa_ctx_release(&ca);
	pa_ctx_release(&cb);
	return st;
}

static void section(struct ps_buf *out, const char *title, const struct ps_buf *body,
		    const char *empty)
{
	ps_buf_printf(out, "%s:\n", title);
	if (body->len || body->failed)
		pa_buf_append(out, body);
	else
		ps_buf_printf(out, "  %s\n", empty);
}

static void assemble(struct build *bd, unsigned fams, struct ps_buf *text, struct ps_buf *json,
		     bool clean)
{
	const struct portspec_policy *policy = portspec_plan_policy(bd->plan);
	const struct portspec_spec *spec = portspec_policy_spec(policy);
	const char *mode = portspec_plan_mode(bd->plan) == PORTSPEC_MODE_GATEWAY ? "gateway" : "host";
	ps_buf_printf(text, "audit (%s mode) of ", mode);
	for (size_t i = 0; i < bd->rs->nfiles; i++) {
		ps_buf_puts(text, i ? ", " : "");
		pa_put_text(text, bd->rs->files[i]);
	}
	ps_buf_puts(text, " against ");
	pa_put_text(text, portspec_spec_name(spec) ? portspec_spec_name(spec) : "the spec");
	if (portspec_spec_version(spec)) {
		ps_buf_putc(text, ' ');
		pa_put_text(text, portspec_spec_version(spec));
	}
	ps_buf_printf(text, "%s\n", fams == PA_FAMS ? " (IPv4 and IPv6)" : fams == PA_FAM4
		      ? " (IPv4)" : " (IPv6)");
	section(text, "flows", &bd->flows_text, "none");
	section(text, "baseline", &bd->base_text, "none");
	section(text, "open beyond the policy", &bd->extra_text, "nothing");
	if (bd->indet_text.len || bd->indet_text.failed)
		section(text, "indeterminate beyond the policy", &bd->indet_text, "nothing");
	ps_buf_printf(json, "{\"mode\": \"%s\", \"rulesets\": [", mode);
	for (size_t i = 0; i < bd->rs->nfiles; i++) {
		ps_buf_puts(json, i ? ", " : "");
		pa_json_string(json, bd->rs->files[i]);
	}
	ps_buf_puts(json, "], \"families\": [");
	ps_buf_puts(json, fams == PA_FAMS ? "4, 6" : fams == PA_FAM4 ? "4" : "6");
	ps_buf_printf(json, "], \"clean\": %s, \"flows\": [", clean ? "true" : "false");
	pa_buf_append(json, &bd->flows_json);
	ps_buf_puts(json, "], \"baseline\": [");
	pa_buf_append(json, &bd->base_json);
	ps_buf_puts(json, "], \"extra\": [");
	pa_buf_append(json, &bd->extra_json);
	ps_buf_puts(json, "], \"indeterminate\": [");
	pa_buf_append(json, &bd->indet_json);
	ps_buf_printf(json, "], \"summary\": {\"flows\": %zu, \"allowed\": %zu, \"partial\": %zu, "
		      "\"blocked\": %zu, \"indeterminate\": %zu, \"baseline_failures\": %zu, "
		      "\"extra\": %zu, \"extra_indeterminate\": %zu}, \"notes\": [",
		      bd->nitems, bd->counts[PORTSPEC_AUDIT_ALLOWED], bd->counts[PORTSPEC_AUDIT_PARTIAL],
		      bd->counts[PORTSPEC_AUDIT_BLOCKED], bd->counts[PORTSPEC_AUDIT_INDETERMINATE],
		      bd->nbaseline_bad, bd->nextra, bd->nindet);
	bool first = true;
	for (unsigned f = 4; f <= 6; f += 2) {
		unsigned bit = f == 4 ? PA_FAM4 : PA_FAM6;
		if (fams & bit)
			continue;
		char note[128];
		snprintf(note, sizeof(note), "IPv%u is not audited: no ruleset covers it", f);
		ps_buf_printf(text, "note: %s\n", note);
		ps_buf_puts(json, first ? "" : ", ");
		pa_json_string(json, note);
		first = false;
	}
	for (size_t i = 0; i < bd->rs->nnotes; i++) {
		ps_buf_puts(text, "note: ");
		pa_put_text(text, bd->rs->notes[i]);
		ps_buf_putc(text, '\n');
		ps_buf_puts(json, first ? "" : ", ");
		pa_json_string(json, bd->rs->notes[i]);
		first = false;
	}
	if (!bd->rs->helpers) {
		const char *n = ftp_proxied(bd->rs)
				? "pf assigns no conntrack helpers: FTP goes through ftp-proxy(8) "
				  "(divert-to, and its anchor for the data connections), which the "
				  "audit takes as running"
				: "pf assigns no conntrack helpers: FTP data connections need "
				  "ftp-proxy(8), which the audit does not check";
		ps_buf_printf(text, "note: %s\n", n);
		ps_buf_puts(json, first ? "" : ", ");
		pa_json_string(json, n);
	}
	ps_buf_printf(text, "summary: %zu flows: %zu allowed, %zu partial, %zu blocked, %zu "
		      "indeterminate; baseline: %zu of %zu allowed; %zu %s open beyond the "
		      "policy%s\n", bd->nitems, bd->counts[PORTSPEC_AUDIT_ALLOWED],
		      bd->counts[PORTSPEC_AUDIT_PARTIAL], bd->counts[PORTSPEC_AUDIT_BLOCKED],
		      bd->counts[PORTSPEC_AUDIT_INDETERMINATE], bd->nbaseline - bd->nbaseline_bad,
		      bd->nbaseline, bd->nextra, bd->nextra == 1 ? "class" : "classes",
		      bd->nindet ? ", and some indeterminate" : "");
	ps_buf_puts(json, "]}\n");
}

static void build_release(struct build *bd)
{
	struct ps_buf *bufs[] = {&bd->flows_text, &bd->flows_json, &bd->base_text, &bd->base_json,
				 &bd->extra_text, &bd->extra_json, &bd->indet_text, &bd->indet_json};
	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		ps_buf_release(bufs[i]);
	pa_ruleset_clear(&bd->policy);
	ps_free(bd->items);
}

PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_audit_new(const struct portspec_policy *policy,
							      enum portspec_mode mode,
							      const struct portspec_ruleset *rs,
							      struct portspec_audit **out,
							      struct portspec_error *err)
{
	struct portspec_error local;
	if (!err)
		err = &local;
	memset(err, 0, sizeof(*err));
	if (!policy || !rs || !out)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "no policy or ruleset given");
	if (mode != PORTSPEC_MODE_HOST && mode != PORTSPEC_MODE_GATEWAY)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "the mode is host or gateway");
	if (!rs->families)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no ruleset read yet");
	struct build bd;
	memset(&bd, 0, sizeof(bd));
	bd.plan = portspec_policy_plan(policy, mode);
	bd.rs = rs;
	bd.err = err;
	enum portspec_status st = bd.plan ? pa_ruleset_from_plan(bd.plan, &bd.policy, err)
					  : ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
							 "the policy has no plan for this mode");
	for (unsigned f = 4; !st && f <= 6; f += 2)
		if (rs->families & (f == 4 ? PA_FAM4 : PA_FAM6))
			st = audit_family(&bd, f);
	struct portspec_audit *a = NULL;
	if (!st) {
		bool clean = bd.counts[PORTSPEC_AUDIT_ALLOWED] == bd.nitems && !bd.nbaseline_bad &&
			     !bd.nextra && !bd.nindet;
		struct ps_buf text, json;
		ps_buf_init(&text);
		ps_buf_init(&json);
		assemble(&bd, rs->families, &text, &json, clean);
		a = ps_calloc(1, sizeof(*a));
		if (a && pa_rendered_take(&a->out, &text, &json)) {
			a->items = bd.items;
			a->nitems = bd.nitems;
			bd.items = NULL;
			a->nextra = bd.nextra;
			a->nbaseline = bd.nbaseline;
			a->nbaseline_bad = bd.nbaseline_bad;
			a->clean = clean;
		} else {
			ps_free(a);
			a = NULL;
			st = ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
		}
		ps_buf_release(&text);
		ps_buf_release(&json);
	} else if (!err->status || !err->text[0]) {
		ps_error_set(err, st, NULL, 0, 0, "%s", portspec_strerror(st));
	}
	build_release(&bd);
	if (!st)
		*out = a;
	return st;
}

PORTSPEC_AUDIT_EXPORT void portspec_audit_free(struct portspec_audit *a)
{
	if (!a)
		return;
	pa_rendered_release(&a->out);
	ps_free(a->items);
	ps_free(a);
}

PORTSPEC_AUDIT_EXPORT bool portspec_audit_clean(const struct portspec_audit *a)
{
	return a && a->clean;
}

PORTSPEC_AUDIT_EXPORT size_t portspec_audit_flow_count(const struct portspec_audit *a)
{
	return a ? a->nitems : 0;
}

PORTSPEC_AUDIT_EXPORT const struct portspec_flow *portspec_audit_flow(const struct portspec_audit *a,
								      size_t index)
{
	return a && index < a->nitems ? a->items[index].flow : NULL;
}

PORTSPEC_AUDIT_EXPORT unsigned portspec_audit_flow_family(const struct portspec_audit *a,
							  size_t index)
{
	return a && index < a->nitems ? a->items[index].family : 0;
}

PORTSPEC_AUDIT_EXPORT enum portspec_audit_verdict portspec_audit_flow_verdict(const struct portspec_audit *a,
									      size_t index)
{
	return a && index < a->nitems ? a->items[index].v : PORTSPEC_AUDIT_INDETERMINATE;
}

PORTSPEC_AUDIT_EXPORT size_t portspec_audit_extra_count(const struct portspec_audit *a)
{
	return a ? a->nextra : 0;
}

PORTSPEC_AUDIT_EXPORT size_t portspec_audit_baseline_count(const struct portspec_audit *a)
{
	return a ? a->nbaseline : 0;
}

PORTSPEC_AUDIT_EXPORT size_t portspec_audit_baseline_failures(const struct portspec_audit *a)
{
	return a ? a->nbaseline_bad : 0;
}

PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_audit_write(const struct portspec_audit *a,
								enum portspec_audit_format format,
								portspec_sink_fn sink, void *userdata)
{
	return a ? pa_rendered_write(&a->out, format, sink, userdata) : PORTSPEC_E_INVALID;
}
