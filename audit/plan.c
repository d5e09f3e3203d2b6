/* SPDX-License-Identifier: MIT */
/*
 * The policy's rule plan as a ruleset of the model: one base chain per hook
 * with the plan's hook policy, one rule per entry that accepts what the
 * entry admits (and, for entries with a conntrack helper, a rule before it
 * that assigns the helper).  A complete ruleset rendered from the policy
 * does exactly this, so comparing an existing ruleset with it is comparing
 * with what the policy would render -- by construction, not by reading a
 * backend's text.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static bool add_set(struct pa_rule *r, enum pa_dim d, unsigned family, bool negate,
		    const struct portspec_addr_range *ranges, size_t n)
{
	struct pa_pred *p = pa_rule_add_pred(r, PA_PRED_SET);
	if (!p)
		return false;
	p->dim = (uint8_t)d;
	p->family = (uint8_t)family;
	p->negate = negate;
	for (size_t i = 0; i < n; i++)
		if (!pa_set_add(&p->set, pa_addr_value(family, ranges[i].first),
				pa_addr_value(family, ranges[i].last)))
			return false;
	return true;
}

static bool add_values(struct pa_rule *r, enum pa_dim d, unsigned lo, unsigned hi)
{
	struct pa_pred *p = pa_rule_add_pred(r, PA_PRED_SET);
	if (!p)
		return false;
	p->dim = (uint8_t)d;
	return pa_set_add(&p->set, pa_u(lo), pa_u(hi));
}

static bool add_iface(struct pa_rule *r, enum pa_dim d, const char *name)
{
	struct pa_pred *p = pa_rule_add_pred(r, PA_PRED_IFACE);
	if (!p)
		return false;
	p->dim = (uint8_t)d;
	p->pats = ps_calloc(1, sizeof(*p->pats));
	if (!p->pats)
		return false;
	p->npats = 1;
	return (p->pats[0].name = ps_strdup(name)) != NULL;
}

static bool add_state(struct pa_rule *r, unsigned mask)
{
	struct pa_pred *p = pa_rule_add_pred(r, PA_PRED_CTSTATE);
	if (!p)
		return false;
	p->mask = mask;
	return true;
}

static bool addrset(struct pa_rule *r, enum pa_dim d, const struct portspec_addrset *s)
{
	if (s->match == PORTSPEC_ADDR_ANY)
		return true;
	return add_set(r, d, s->family, s->match == PORTSPEC_ADDR_NOT_IN, s->ranges, s->range_count);
}

/* What the entry admits, as predicates of r. */
static bool entry_preds(struct pa_rule *r, const struct portspec_plan_entry *e)
{
	r->families = e->family == 6 ? PA_FAM6 : PA_FAM4;
	bool ok = true;
	if (e->iif)
		ok = add_iface(r, PA_IIF, e->iif);
	if (ok && e->oif)
		ok = add_iface(r, PA_OIF, e->oif);
	switch (e->kind) {
	case PORTSPEC_ENTRY_LOOPBACK:
		return ok;
	case PORTSPEC_ENTRY_ESTABLISHED:
		return ok && add_state(r, PA_ST_ANY_ESTABLISHED | PA_STBIT(PA_ST_RELATED));
	case PORTSPEC_ENTRY_NEIGHBOR_DISCOVERY:
		return ok && add_values(r, PA_PROTO, 58, 58) &&
		       add_values(r, PA_ICMP, 133u << 8, 136u << 8 | 0xff) &&
		       add_values(r, PA_TTL, 255, 255);
	case PORTSPEC_ENTRY_FLOW:
		break;
	}
	bool icmp = pa_entry_is_icmp(e);
	unsigned proto = e->protocol == PORTSPEC_TCP   ? 6
			 : e->protocol == PORTSPEC_UDP ? 17
			 : e->protocol == PORTSPEC_ICMP ? 1
							: 58;
	bool inbound = e->direction == PORTSPEC_INBOUND;
	/* The backends admit ICMP messages by type in any connection state (an
	 * echo request is its own exchange); TCP and UDP flows admit new
	 * connections, the rest being the established entry's. */
	ok = ok && (icmp || add_state(r, PA_STBIT(PA_ST_NEW))) &&
	     add_values(r, PA_PROTO, proto, proto) &&
	     addrset(r, inbound ? PA_SRC : PA_DST, &e->remote) &&
	     addrset(r, inbound ? PA_DST : PA_SRC, &e->local);
	struct pa_pred *p = ok ? pa_rule_add_pred(r, PA_PRED_SET) : NULL;
	if (!p)
		return false;
	p->dim = icmp ? PA_ICMP : PA_DPORT;
	size_t n;
	const struct portspec_plan_port *v = ps_plan_entry_ranges(e, &n);
	for (size_t i = 0; i < n; i++) {
		/* PA_ICMP holds type << 8 | code: every code of the types. */
		struct pa_u128 lo = pa_u(icmp ? v[i].first << 8 : v[i].first);
		struct pa_u128 hi = pa_u(icmp ? v[i].last << 8 | 0xffu : v[i].last);
		if (!pa_set_add(&p->set, lo, hi))
			return false;
	}
	return true;
}

static void entry_text(const struct portspec_plan_entry *e, size_t index, struct ps_buf *b)
{
	ps_buf_printf(b, "plan entry %zu: %s %s IPv%u", index, portspec_hook_name(e->hook),
		      portspec_entry_kind_name(e->kind), e->family);
	if (e->kind == PORTSPEC_ENTRY_FLOW) {
		ps_buf_printf(b, " %s %s %s", portspec_direction_name(e->direction),
			      e->zone ? portspec_zone_name(e->zone) : "?",
			      portspec_protocol_name(e->protocol));
		size_t n;
		const struct portspec_plan_port *v = ps_plan_entry_ranges(e, &n);
		for (size_t i = 0; i < n; i++) {
			ps_buf_printf(b, "%s%u", i ? "," : " ", v[i].first);
			if (v[i].last != v[i].first)
				ps_buf_printf(b, "-%u", v[i].last);
		}
		ps_buf_puts(b, " (");
		bool first = true;
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < v[i].flow_count; k++) {
				const struct portspec_service *s =
					portspec_flow_service(v[i].flows[k]);
				ps_buf_printf(b, "%s", first ? "" : ", ");
				pa_put_text(b, portspec_service_name(s));
				first = false;
			}
		ps_buf_putc(b, ')');
		if (e->helper) {
			ps_buf_puts(b, " helper ");
			pa_put_text(b, e->helper);
		}
	}
	if (e->iif) {
		ps_buf_puts(b, " in ");
		pa_put_text(b, e->iif);
	}
	if (e->oif) {
		ps_buf_puts(b, " out ");
		pa_put_text(b, e->oif);
	}
}

static enum portspec_status add_entry(struct portspec_ruleset *rs, const uint32_t chains[3],
				      const struct portspec_plan_entry *e, size_t index)
{
	uint32_t c = chains[e->hook == PORTSPEC_HOOK_INPUT ? 0 : e->hook == PORTSPEC_HOOK_FORWARD ? 1 : 2];
	struct ps_buf text;
	ps_buf_init(&text);
	entry_text(e, index, &text);
	enum portspec_status st = text.failed ? PORTSPEC_E_NOMEM : PORTSPEC_OK;
	for (int pass = e->helper ? 0 : 1; !st && pass < 2; pass++) {
		struct pa_rule *r;
		st = pa_ruleset_add_rule(rs, c, SIZE_MAX, 0, (unsigned)index + 1, 1, &r);
		if (st)
			break;
		if (pass == 0)
			rs->nfirst_rules--; /* one entry */
		r->action = pass == 0 ? PA_ACT_HELPER : PA_ACT_ACCEPT;
		if ((pass == 0 && !(r->arg = ps_strdup(e->helper))) ||
		    !(r->text = ps_strdup(text.data ? text.data : "")) || !entry_preds(r, e))
			st = PORTSPEC_E_NOMEM;
	}
	ps_buf_release(&text);
	return st;
}

enum portspec_status pa_ruleset_from_plan(const struct portspec_plan *plan,
					  struct portspec_ruleset *out, struct portspec_error *err)
{
	static const struct {
		const char *name;
		enum portspec_hook hook;
		enum pa_hook_stage stage;
	} bases[3] = {{"input", PORTSPEC_HOOK_INPUT, PA_HK_INPUT},
		      {"forward", PORTSPEC_HOOK_FORWARD, PA_HK_FORWARD},
		      {"output", PORTSPEC_HOOK_OUTPUT, PA_HK_OUTPUT}};
	char file[64];
	snprintf(file, sizeof(file), "<policy, %s mode>",
		 portspec_plan_mode(plan) == PORTSPEC_MODE_GATEWAY ? "gateway" : "host");
	memset(out, 0, sizeof(*out));
	uint32_t f, chains[3];
	enum portspec_status st = pa_ruleset_add_file(out, file, &f);
	uint32_t table = pa_ruleset_add_table(out);
	for (int i = 0; !st && i < 3; i++) {
		st = pa_ruleset_add_chain(out, bases[i].name, "policy", table, &chains[i]);
		if (!st)
			st = pa_chain_set_base(out, chains[i], bases[i].stage, 0, PA_CHAIN_FILTER,
					       portspec_plan_hook_drops(plan, bases[i].hook)
					       ? PA_ACT_DROP : PA_ACT_ACCEPT);
	}
	for (size_t i = 0; !st && i < portspec_plan_entry_count(plan); i++)
		st = add_entry(out, chains, portspec_plan_entry(plan, i), i);
	if (st) {
		pa_ruleset_clear(out);
		return ps_error_set(err, st, NULL, 0, 0, st == PORTSPEC_E_LIMIT
				    ? "the plan has too many entries" : "out of memory");
	}
	out->families = PA_FAMS;
	out->helpers = true;
	return PORTSPEC_OK;
}
