/* SPDX-License-Identifier: MIT */
/*
 * The analysis.  A box of packets enters a hook; each base chain of the
 * hook's path (in the kernel's order) splits it, rule by rule, into the part
 * a rule matches and the rest, until every piece has a verdict.  A packet is
 * accepted when every base chain on its way lets it through.
 *
 * Three-valued: where a rule's match is not known (a predicate no reader
 * models), both outcomes are followed.  The piece goes on as if the rule did
 * not match, remembering the verdict it would have had if it had (`alt`);
 * when it gets its own verdict, the two agree or the verdict is
 * indeterminate, naming the rule.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct outs {
	struct pa_plist *accepted; /* the base chain lets them through */
	struct pa_results *done;   /* dropped, rejected, indeterminate */
};

static bool failed(struct pa_ctx *ctx, enum portspec_status st)
{
	if (!ctx->status) {
		ctx->status = st;
		if (st == PORTSPEC_E_LIMIT)
			ps_error_set(ctx->err, st, NULL, 0, 0,
				     "the ruleset splits the packets of one question into more than "
				     "%u classes", PA_MAX_PIECES);
		else
			ps_error_set(ctx->err, st, NULL, 0, 0, "out of memory");
	}
	return false;
}

static bool plist_push(struct pa_ctx *ctx, struct pa_plist *l, const struct pa_piece *p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct pa_piece *v = ps_reallocarray(l->p, cap, sizeof(*v));
		if (!v)
			return failed(ctx, PORTSPEC_E_NOMEM);
		l->p = v;
		l->cap = cap;
	}
	l->p[l->n++] = *p;
	return true;
}

static void plist_release(struct pa_plist *l)
{
	ps_free(l->p);
	memset(l, 0, sizeof(*l));
}

bool pa_results_push(struct pa_results *r, const struct pa_result *x)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct pa_result *v = ps_reallocarray(r->r, cap, sizeof(*v));
		if (!v)
			return false;
		r->r = v;
		r->cap = cap;
	}
	r->r[r->n++] = *x;
	return true;
}

void pa_results_release(struct pa_results *r)
{
	ps_free(r->r);
	memset(r, 0, sizeof(*r));
}

bool pa_accepted(enum portspec_verdict v)
{
	return v == PORTSPEC_VERDICT_ACCEPT;
}

static const struct pa_step *step(struct pa_ctx *ctx, const struct pa_step *prev, uint32_t rule,
				  enum pa_step_kind kind)
{
	if (!ctx->trace)
		return NULL;
	struct pa_step *s = pa_arena_alloc(&ctx->arena, sizeof(*s));
	if (!s) {
		failed(ctx, PORTSPEC_E_NOMEM);
		return prev;
	}
	s->prev = prev;
	s->rule = rule;
	s->kind = kind;
	return s;
}

/* ---- splitting ---- */

static int by_length_desc(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b; /* (length << 8 | dim) */
	return *x < *y ? 1 : *x > *y ? -1 : 0;
}

/*
 * Splits piece p (consumed) by box m along the dimensions in `dims`: the
 * part inside m goes to *inter (and *hit is true), the rest is pushed to
 * `rest` as up to one piece per dimension.  The longest list is narrowed
 * first, so that the rest keeps it and changes it in place when p owns it.
 */
static bool split(struct pa_ctx *ctx, struct pa_piece *p, const struct pa_box *m, uint16_t dims,
		  struct pa_piece *inter, bool *hit, struct pa_plist *rest)
{
	uint32_t order[PA_NDIMS];
	size_t n = 0;
	for (int d = 0; d < PA_NDIMS; d++) {
		if (!(dims & (1u << d)))
			continue;
		if (!pa_ivs_overlap(&p->b.d[d], &m->d[d])) {
			*hit = false;
			return plist_push(ctx, rest, p);
		}
		uint32_t len = p->b.d[d].n > 0xffffff ? 0xffffff : p->b.d[d].n;
		order[n++] = len << 8 | (uint32_t)d;
	}
	*hit = true;
	qsort(order, n, sizeof(*order), by_length_desc);
	struct pa_piece cur = *p;
	for (size_t k = 0; k < n; k++) {
		int d = (int)(order[k] & 0xff);
		uint16_t bit = (uint16_t)(1u << d);
		struct pa_ivs in;
		if (!pa_ivs_intersect(&ctx->arena, &in, &cur.b.d[d], &m->d[d]))
			return failed(ctx, PORTSPEC_E_NOMEM);
		if (pa_ivs_equal(&in, &cur.b.d[d]))
			continue; /* inside m along d already */
		struct pa_piece r = cur;
		r.b.owned = 0;
		if (cur.b.owned & bit) {
			if (!pa_ivs_subtract_inplace(&ctx->arena, &r.b.d[d], &m->d[d]))
				return failed(ctx, PORTSPEC_E_NOMEM);
		} else if (!pa_ivs_subtract(&ctx->arena, &r.b.d[d], &cur.b.d[d], &m->d[d])) {
			return failed(ctx, PORTSPEC_E_NOMEM);
		}
		r.b.owned = bit;
		cur.b.d[d] = in;
		cur.b.owned = bit;
		/* A new piece: an evaluation that makes too many has no useful answer. */
		if (++ctx->live > PA_MAX_PIECES)
			return failed(ctx, PORTSPEC_E_LIMIT);
		if (!plist_push(ctx, rest, &r))
			return false;
	}
	*inter = cur;
	return true;
}

/* ---- verdicts ---- */

static uint8_t verdict_bits(enum portspec_verdict v)
{
	switch (v) {
	case PORTSPEC_VERDICT_ACCEPT: return PA_VB_ACCEPT;
	case PORTSPEC_VERDICT_DROP: return PA_VB_DROP;
	case PORTSPEC_VERDICT_REJECT: return PA_VB_REJECT;
	case PORTSPEC_VERDICT_DENY: return PA_VB_DROP | PA_VB_REJECT;
	default: return PA_VB_INDET;
	}
}

/* A piece's own verdict v, against what the other branches reached. */
static enum portspec_verdict resolve(const struct pa_piece *p, enum portspec_verdict v)
{
	uint8_t own = verdict_bits(v);
	if (!p->alt || (p->alt | own) == own)
		return v;
	if (!((p->alt | own) & (PA_VB_ACCEPT | PA_VB_INDET)))
		return PORTSPEC_VERDICT_DENY;
	return PORTSPEC_VERDICT_INDETERMINATE;
}

static bool finish(struct pa_ctx *ctx, struct pa_piece *p, enum portspec_verdict v, uint32_t rule,
		   struct pa_results *done)
{
	struct pa_result r = {0};
	r.b = p->b;
	r.b.owned = 0;
	r.v = resolve(p, v);
	r.rule = rule;
	/* The rule not modelled that makes it uncertain. */
	if (v == PORTSPEC_VERDICT_INDETERMINATE)
		r.unknown_rule = rule;
	else if (r.v != v)
		r.unknown_rule = p->unknown_rule;
	else
		r.unknown_rule = PA_NONE;
	r.helper = p->helper;
	r.nostate = p->nostate;
	r.path = p->path;
	if (!pa_results_push(done, &r))
		return failed(ctx, PORTSPEC_E_NOMEM);
	return true;
}

/* ---- chains ---- */

static bool eval_rules(struct pa_ctx *ctx, uint32_t chain, unsigned variant, struct pa_plist *in,
		       struct pa_plist *ret, struct outs *o);

/* What a matched piece does, when the match is certain. */
static bool act(struct pa_ctx *ctx, const struct pa_rule *r, uint32_t rule, unsigned variant,
		struct pa_piece *q, struct pa_plist *next, struct pa_plist *ret, struct outs *o)
{
	q->path = step(ctx, q->path, rule, PA_STEP_RULE);
	switch (r->action) {
	case PA_ACT_ACCEPT:
		q->decided = rule;
		q->nostate |= r->nostate;
		return plist_push(ctx, o->accepted, q);
	case PA_ACT_NAT_ACCEPT:
		return plist_push(ctx, o->accepted, q);
	case PA_ACT_DROP:
		return finish(ctx, q, PORTSPEC_VERDICT_DROP, rule, o->done);
	case PA_ACT_REJECT:
		return finish(ctx, q, PORTSPEC_VERDICT_REJECT, rule, o->done);
	case PA_ACT_INDET:
		return finish(ctx, q, PORTSPEC_VERDICT_INDETERMINATE, rule, o->done);
	case PA_ACT_RETURN:
		return plist_push(ctx, ret, q);
	case PA_ACT_HELPER:
		q->helper = rule;
		return plist_push(ctx, next, q);
	case PA_ACT_JUMP: {
		struct pa_plist sub = {0}, subret = {0};
		bool ok = plist_push(ctx, &sub, q) && eval_rules(ctx, r->target, variant, &sub,
								 &subret, o);
		for (size_t i = 0; ok && i < subret.n; i++)
			ok = plist_push(ctx, next, &subret.p[i]);
		plist_release(&subret);
		return ok;
	}
	case PA_ACT_GOTO: {
		struct pa_plist sub = {0};
		return plist_push(ctx, &sub, q) && eval_rules(ctx, r->target, variant, &sub, ret, o);
	}
	case PA_ACT_CONTINUE:
	case PA_ACT_POLICY:
		break;
	}
	return plist_push(ctx, next, q);
}

/* The other branch of an unknown match reached verdict bits `bits`; the
 * piece goes on as if the rule had not matched. */
static bool go_on(struct pa_ctx *ctx, struct pa_piece *q, uint8_t bits, uint32_t rule,
		  struct pa_plist *next)
{
	q->alt |= bits;
	if (q->unknown_rule == PA_NONE)
		q->unknown_rule = rule;
	return plist_push(ctx, next, q);
}

/* A matched piece where the match is not known. */
static bool act_unknown(struct pa_ctx *ctx, const struct pa_rule *r, uint32_t rule,
			unsigned variant, struct pa_piece *q, struct pa_plist *next,
			struct pa_plist *ret, struct outs *o)
{
	q->path = step(ctx, q->path, rule, PA_STEP_UNKNOWN);
	switch (r->action) {
	case PA_ACT_CONTINUE:
	case PA_ACT_POLICY:
		return plist_push(ctx, next, q);
	case PA_ACT_HELPER:
		q->helper = q->helper == rule ? rule : PA_HELPER_MIXED;
		return plist_push(ctx, next, q);
	case PA_ACT_ACCEPT:
	case PA_ACT_NAT_ACCEPT:
		return go_on(ctx, q, PA_VB_ACCEPT, rule, next);
	case PA_ACT_DROP:
		return go_on(ctx, q, PA_VB_DROP, rule, next);
	case PA_ACT_REJECT:
		return go_on(ctx, q, PA_VB_REJECT, rule, next);
	case PA_ACT_INDET:
		return go_on(ctx, q, PA_VB_INDET, rule, next);
	case PA_ACT_RETURN:
		/* One branch returns to the caller, the other goes on here. */
		return finish(ctx, q, PORTSPEC_VERDICT_INDETERMINATE, rule, o->done);
	case PA_ACT_JUMP:
	case PA_ACT_GOTO: {
		/* The branch that matches, followed into the chain on its own. */
		struct pa_plist sub = {0}, subret = {0}, acc = {0};
		struct pa_results done = {0};
		struct outs mine = {&acc, &done};
		struct pa_piece orig = *q;
		bool ok = plist_push(ctx, &sub, q) && eval_rules(ctx, r->target, variant, &sub,
								 &subret, &mine);
		for (size_t i = 0; ok && i < subret.n; i++) {
			struct pa_piece *s = &subret.p[i];
			if (r->action == PA_ACT_GOTO) {
				/* Returns to our caller, while the other branch goes on here. */
				ok = finish(ctx, s, PORTSPEC_VERDICT_INDETERMINATE, rule, o->done);
				continue;
			}
			if (s->helper != orig.helper)
				s->helper = PA_HELPER_MIXED;
			ok = plist_push(ctx, next, s);
		}
		for (size_t i = 0; ok && i < acc.n; i++)
			ok = go_on(ctx, &acc.p[i], PA_VB_ACCEPT, rule, next);
		for (size_t i = 0; ok && i < done.n; i++) {
			struct pa_piece p = orig;
			p.b = done.r[i].b;
			p.b.owned = 0;
			ok = go_on(ctx, &p, verdict_bits(done.r[i].v), rule, next);
		}
		plist_release(&subret);
		plist_release(&acc);
		pa_results_release(&done);
		return ok;
	}
	}
	return plist_push(ctx, next, q);
}

/* A matched piece: its part where the match is known, and the rest. */
static bool matched(struct pa_ctx *ctx, const struct pa_crule *cr, const struct pa_rule *r,
		    uint32_t rule, unsigned variant, struct pa_piece *q, struct pa_plist *next,
		    struct pa_plist *ret, struct outs *o)
{
	if (!cr->nunk)
		return act(ctx, r, rule, variant, q, next, ret, o);
	struct pa_plist known = {0}, tmp = {0};
	bool ok = plist_push(ctx, &known, q);
	for (uint32_t u = 0; ok && u < cr->nunk; u++) {
		uint16_t dims = cr->unk_dim[u] < 0 ? 0 : (uint16_t)(1u << cr->unk_dim[u]);
		tmp.n = 0;
		for (size_t i = 0; ok && i < known.n; i++) {
			struct pa_piece x;
			bool hit;
			if (!dims) {
				x = known.p[i];
				ok = act_unknown(ctx, r, rule, variant, &x, next, ret, o);
				continue;
			}
			ok = split(ctx, &known.p[i], &cr->unk[u], dims, &x, &hit, &tmp) &&
			     (!hit || act_unknown(ctx, r, rule, variant, &x, next, ret, o));
		}
		struct pa_plist t = known;
		known = tmp;
		tmp = t;
	}
	for (size_t i = 0; ok && i < known.n; i++)
		ok = act(ctx, r, rule, variant, &known.p[i], next, ret, o);
	plist_release(&known);
	plist_release(&tmp);
	return ok;
}

static bool eval_rules(struct pa_ctx *ctx, uint32_t chain, unsigned variant, struct pa_plist *in,
		       struct pa_plist *ret, struct outs *o)
{
	const struct pa_chain *ch = &ctx->rs->chains[chain];
	struct pa_plist cur = *in, next = {0};
	*in = (struct pa_plist){0};
	bool ok = true;
	for (size_t k = 0; ok && k < ch->nrules && cur.n; k++) {
		uint32_t rule = ch->rules[k];
		const struct pa_rule *r = &ctx->rs->rules[rule];
		if (r->needs_state & ctx->nostate)
			continue; /* pf: no state was made for this connection */
		const struct pa_crule *cr = pa_compile(ctx, rule, variant);
		if (!cr) {
			ok = failed(ctx, PORTSPEC_E_NOMEM);
			break;
		}
		if (cr->never)
			continue;
		next.n = 0;
		for (size_t i = 0; ok && i < cur.n; i++) {
			struct pa_piece q;
			bool hit;
			ok = split(ctx, &cur.p[i], &cr->m, cr->dims, &q, &hit, &next) &&
			     (!hit || matched(ctx, cr, r, rule, variant, &q, &next, ret, o));
		}
		struct pa_plist t = cur;
		cur = next;
		next = t;
	}
	for (size_t i = 0; ok && i < cur.n; i++)
		ok = plist_push(ctx, ret, &cur.p[i]);
	plist_release(&cur);
	plist_release(&next);
	return ok && !ctx->status;
}

/* ---- the path of a hook ---- */

static int stage_order(enum portspec_hook hook, enum pa_hook_stage s)
{
	switch (hook) {
	case PORTSPEC_HOOK_INPUT:
		return s == PA_HK_INGRESS ? 0 : s == PA_HK_PREROUTING ? 1 : s == PA_HK_INPUT ? 2 : -1;
	case PORTSPEC_HOOK_FORWARD:
		return s == PA_HK_INGRESS ? 0 : s == PA_HK_PREROUTING ? 1 : s == PA_HK_FORWARD ? 2
		       : s == PA_HK_POSTROUTING ? 3 : -1;
	case PORTSPEC_HOOK_OUTPUT:
		return s == PA_HK_OUTPUT ? 0 : s == PA_HK_POSTROUTING ? 1 : -1;
	}
	return -1;
}

static int by_stage(const void *a, const void *b)
{
	const struct pa_base *x = a, *y = b;
	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->chain < y->chain ? -1 : x->chain > y->chain;
}

static bool build_path(struct pa_ctx *ctx, enum portspec_hook hook)
{
	if (ctx->bases && ctx->hook == hook)
		return true;
	ps_free(ctx->bases);
	ctx->bases = NULL;
	ctx->nbases = 0;
	ctx->hook = hook;
	const struct portspec_ruleset *rs = ctx->rs;
	unsigned bit = ctx->family == 6 ? PA_FAM6 : PA_FAM4;
	ctx->bases = ps_calloc(rs->nchains + 1, sizeof(*ctx->bases));
	if (!ctx->bases)
		return failed(ctx, PORTSPEC_E_NOMEM);
	for (size_t i = 0; i < rs->nchains; i++) {
		const struct pa_chain *c = &rs->chains[i];
		if (c->hook == PA_HK_NONE || !(c->families & bit) || stage_order(hook, c->hook) < 0)
			continue;
		unsigned v = 0;
		if (c->hook == PA_HK_INGRESS || c->hook == PA_HK_PREROUTING)
			v |= PA_VAR_NO_OIF;
		/* Connection tracking runs at priority -200 of prerouting and output. */
		if (c->hook == PA_HK_INGRESS ||
		    ((c->hook == PA_HK_PREROUTING || c->hook == PA_HK_OUTPUT) && c->priority <= -200))
			v |= PA_VAR_NO_CT;
		ctx->bases[ctx->nbases].chain = (uint32_t)i;
		ctx->bases[ctx->nbases].variant = v;
		ctx->bases[ctx->nbases].stage = stage_order(hook, c->hook);
		ctx->bases[ctx->nbases].priority = c->priority;
		ctx->nbases++;
	}
	qsort(ctx->bases, ctx->nbases, sizeof(*ctx->bases), by_stage);
	return true;
}

/* The packets a base chain sees: nat chains only the first packet of a
 * connection, netdev chains only their device's. */
static bool guard(struct pa_ctx *ctx, const struct pa_chain *c, struct pa_box *g, uint16_t *dims)
{
	*dims = 0;
	for (int d = 0; d < PA_NDIMS; d++)
		g->d[d] = ctx->full[d];
	g->owned = 0;
	if (c->type == PA_CHAIN_NAT) {
		struct pa_set s = {0};
		bool ok = pa_set_add(&s, pa_u(PA_ST_NEW), pa_u(PA_ST_NEW)) &&
			  pa_set_add(&s, pa_u(PA_ST_RELATED), pa_u(PA_ST_RELATED));
		struct pa_ivs iv = {0};
		if (ok) {
			uint32_t a = pa_atom_of(&ctx->atoms[PA_STATE], pa_u(PA_ST_NEW));
			uint32_t b = pa_atom_of(&ctx->atoms[PA_STATE], pa_u(PA_ST_RELATED));
			struct pa_ivs x, y;
			ok = pa_ivs_single(&ctx->arena, &x, a, a) && pa_ivs_single(&ctx->arena, &y, b, b) &&
			     pa_ivs_union(&ctx->arena, &iv, &x, &y);
		}
		pa_set_release(&s);
		if (!ok)
			return failed(ctx, PORTSPEC_E_NOMEM);
		g->d[PA_STATE] = iv;
		*dims |= 1u << PA_STATE;
	}
	if (c->device) {
		uint32_t a = pa_atom_iface(&ctx->atoms[PA_IIF], c->device);
		if (!pa_ivs_single(&ctx->arena, &g->d[PA_IIF], a, a))
			return failed(ctx, PORTSPEC_E_NOMEM);
		*dims |= 1u << PA_IIF;
	}
	return true;
}

/* Accepted by a base chain: on to the next one, unless the other branch of
 * an unknown match did something else. */
static bool passed(struct pa_ctx *ctx, struct pa_piece *p, struct pa_plist *next,
		   struct pa_results *out)
{
	if (p->alt & ~PA_VB_ACCEPT)
		return finish(ctx, p, PORTSPEC_VERDICT_ACCEPT, p->decided, out);
	p->alt = 0;
	p->unknown_rule = PA_NONE;
	return plist_push(ctx, next, p);
}

static bool run_base(struct pa_ctx *ctx, const struct pa_base *b, struct pa_plist *pieces,
		     struct pa_results *out)
{
	const struct pa_chain *c = &ctx->rs->chains[b->chain];
	const struct pa_rule *pol = &ctx->rs->rules[c->policy_rule];
	struct pa_box g;
	uint16_t gd;
	struct pa_plist in = {0}, next = {0}, ret = {0}, acc = {0};
	struct outs o = {&acc, out};
	bool ok = guard(ctx, c, &g, &gd);
	for (size_t i = 0; ok && i < pieces->n; i++) {
		struct pa_piece x;
		bool hit = true;
		if (!gd)
			ok = plist_push(ctx, &in, &pieces->p[i]);
		else
			ok = split(ctx, &pieces->p[i], &g, gd, &x, &hit, &next) &&
			     (!hit || plist_push(ctx, &in, &x));
	}
	ok = ok && eval_rules(ctx, b->chain, b->variant, &in, &ret, &o);
	for (size_t i = 0; ok && i < ret.n; i++) {
		struct pa_piece *p = &ret.p[i];
		p->path = step(ctx, p->path, c->policy_rule, PA_STEP_POLICY);
		if (pol->policy == PA_ACT_DROP) {
			ok = finish(ctx, p, PORTSPEC_VERDICT_DROP, c->policy_rule, out);
			continue;
		}
		if (p->decided == PA_NONE || ctx->rs->rules[p->decided].action == PA_ACT_POLICY)
			p->decided = c->policy_rule;
		p->nostate |= pol->nostate; /* pf passes what no rule matches, without state */
		ok = passed(ctx, p, &next, out);
	}
	for (size_t i = 0; ok && i < acc.n; i++)
		ok = passed(ctx, &acc.p[i], &next, out);
	plist_release(&in);
	plist_release(&ret);
	plist_release(&acc);
	plist_release(pieces);
	*pieces = next;
	return ok;
}

static bool start(struct pa_ctx *ctx, const struct pa_box *region, struct pa_plist *pieces)
{
	struct pa_piece p = {0};
	p.b = *region;
	p.b.owned = 0;
	p.unknown_rule = PA_NONE;
	p.decided = PA_NONE;
	p.helper = PA_NONE;
	return !pa_box_empty(region) ? plist_push(ctx, pieces, &p) : true;
}

enum portspec_status pa_eval(struct pa_ctx *ctx, enum portspec_hook hook,
			     const struct pa_box *region, struct pa_results *out)
{
	struct pa_plist pieces = {0};
	ctx->live = 0;
	bool ok = build_path(ctx, hook) && start(ctx, region, &pieces);
	for (size_t b = 0; ok && b < ctx->nbases && pieces.n; b++)
		ok = run_base(ctx, &ctx->bases[b], &pieces, out);
	for (size_t i = 0; ok && i < pieces.n; i++)
		ok = finish(ctx, &pieces.p[i], PORTSPEC_VERDICT_ACCEPT, pieces.p[i].decided, out);
	plist_release(&pieces);
	if (!ok && !ctx->status)
		failed(ctx, PORTSPEC_E_NOMEM);
	return ctx->status;
}

enum portspec_status pa_eval_chain(struct pa_ctx *ctx, enum portspec_hook hook, uint32_t chain,
				   const struct pa_box *region, struct pa_results *out)
{
	const struct pa_chain *c = &ctx->rs->chains[chain];
	struct pa_plist in = {0}, ret = {0}, acc = {0};
	struct outs o = {&acc, out};
	ctx->hook = hook;
	ps_free(ctx->bases); /* the next pa_eval builds its path again */
	ctx->bases = NULL;
	unsigned v = c->hook == PA_HK_PREROUTING || c->hook == PA_HK_INGRESS ? PA_VAR_NO_OIF : 0;
	if (c->hook != PA_HK_NONE && c->priority <= -200 &&
	    (c->hook == PA_HK_PREROUTING || c->hook == PA_HK_OUTPUT))
		v |= PA_VAR_NO_CT;
	bool ok = start(ctx, region, &in) && eval_rules(ctx, chain, v, &in, &ret, &o);
	for (size_t i = 0; ok && i < acc.n; i++)
		ok = finish(ctx, &acc.p[i], PORTSPEC_VERDICT_ACCEPT, acc.p[i].decided, out);
	for (size_t i = 0; ok && i < ret.n; i++) {
		struct pa_piece *p = &ret.p[i];
		if (c->policy_rule == PA_NONE) {
			/* Off the end of a user chain: its caller decides. */
			ok = finish(ctx, p, PORTSPEC_VERDICT_INDETERMINATE, PA_NONE, out);
			continue;
		}
		enum pa_action pol = ctx->rs->rules[c->policy_rule].policy;
		ok = finish(ctx, p, pol == PA_ACT_DROP ? PORTSPEC_VERDICT_DROP : PORTSPEC_VERDICT_ACCEPT,
			    pol == PA_ACT_DROP || p->decided == PA_NONE ? c->policy_rule : p->decided,
			    out);
	}
	plist_release(&in);
	plist_release(&ret);
	plist_release(&acc);
	if (!ok && !ctx->status)
		failed(ctx, PORTSPEC_E_NOMEM);
	return ctx->status;
}

/* ---- connections ---- */

static enum portspec_hook reverse_hook(enum portspec_hook h)
{
	return h == PORTSPEC_HOOK_INPUT ? PORTSPEC_HOOK_OUTPUT
	       : h == PORTSPEC_HOOK_OUTPUT ? PORTSPEC_HOOK_INPUT : PORTSPEC_HOOK_FORWARD;
}

static bool state_only(struct pa_ctx *ctx, struct pa_box *b, enum pa_state s)
{
	uint32_t a = pa_atom_of(&ctx->atoms[PA_STATE], pa_u(s));
	b->owned = 0;
	return pa_ivs_single(&ctx->arena, &b->d[PA_STATE], a, a);
}

/* The replies of the connections in b: addresses and ports swapped, leaving
 * by the interface the request came in on (routing is taken as symmetric). */
static void reverse(struct pa_ctx *ctx, enum portspec_hook hook, const struct pa_box *b,
		    struct pa_box *out)
{
	*out = *b;
	out->owned = 0;
	out->d[PA_SRC] = b->d[PA_DST];
	out->d[PA_DST] = b->d[PA_SRC];
	out->d[PA_SPORT] = b->d[PA_DPORT];
	out->d[PA_DPORT] = b->d[PA_SPORT];
	out->d[PA_TTL] = ctx->full[PA_TTL]; /* the replier's, unknown */
	out->d[PA_ICMP] = ctx->full[PA_ICMP];
	out->d[PA_IIF] = b->d[PA_OIF];
	out->d[PA_OIF] = b->d[PA_IIF];
	if (hook == PORTSPEC_HOOK_INPUT) /* the reply leaves from the host: no input interface */
		out->d[PA_IIF] = ctx->none[PA_IIF];
	if (hook == PORTSPEC_HOOK_OUTPUT)
		out->d[PA_OIF] = ctx->none[PA_OIF];
}

static bool combine(struct pa_ctx *ctx, enum portspec_hook hook, const struct pa_result *first,
		    const struct pa_result *later, const struct pa_box *orig, struct pa_results *out)
{
	struct pa_results rep = {0};
	struct pa_box back;
	if (!pa_accepted(later->v)) {
		struct pa_result x = *later;
		x.stage = 1;
		x.b.d[PA_STATE] = first->b.d[PA_STATE];
		x.path2 = later->path;
		x.path = first->path;
		return pa_results_push(out, &x) || failed(ctx, PORTSPEC_E_NOMEM);
	}
	struct pa_box rb;
	reverse(ctx, hook, &later->b, &rb);
	if (!state_only(ctx, &rb, PA_ST_REPLY))
		return failed(ctx, PORTSPEC_E_NOMEM);
	if (pa_eval(ctx, reverse_hook(hook), &rb, &rep))
		return false;
	bool ok = true;
	for (size_t i = 0; ok && i < rep.n; i++) {
		const struct pa_result *t = &rep.r[i];
		struct pa_result x = *first;
		reverse(ctx, reverse_hook(hook), &t->b, &back);
		x.b = *orig;
		x.b.owned = 0;
		/* Back in the request's terms, narrowed to what the replies split. */
		x.b.d[PA_SRC] = back.d[PA_SRC];
		x.b.d[PA_DST] = back.d[PA_DST];
		x.b.d[PA_SPORT] = back.d[PA_SPORT];
		x.b.d[PA_DPORT] = back.d[PA_DPORT];
		if (hook != PORTSPEC_HOOK_OUTPUT)
			x.b.d[PA_IIF] = back.d[PA_IIF];
		if (hook != PORTSPEC_HOOK_INPUT)
			x.b.d[PA_OIF] = back.d[PA_OIF];
		x.b.d[PA_STATE] = first->b.d[PA_STATE];
		x.b.d[PA_TTL] = later->b.d[PA_TTL];
		x.b.d[PA_ICMP] = later->b.d[PA_ICMP];
		x.path2 = later->path;
		x.path3 = t->path;
		if (!pa_accepted(t->v)) {
			x.v = t->v;
			x.rule = t->rule;
			x.unknown_rule = t->unknown_rule;
			x.stage = 2;
		} else if (!pa_dim_full(ctx, &t->b, PA_TTL)) {
			/* The replies' verdict depends on their hop limit. */
			x.v = PORTSPEC_VERDICT_INDETERMINATE;
			x.rule = t->rule;
			x.unknown_rule = t->rule;
			x.stage = 2;
		}
		ok = pa_results_push(out, &x) || failed(ctx, PORTSPEC_E_NOMEM);
	}
	pa_results_release(&rep);
	return ok;
}

static bool udp_only(struct pa_ctx *ctx, const struct pa_box *b)
{
	uint32_t a = pa_atom_of(&ctx->atoms[PA_PROTO], pa_u(17));
	const struct pa_ivs *p = &b->d[PA_PROTO];
	return p->n == 1 && p->v[0].lo == a && p->v[0].hi == a &&
	       pa_cmp(pa_atom_first(&ctx->atoms[PA_PROTO], a), pa_atom_last(&ctx->atoms[PA_PROTO], a)) == 0;
}

enum portspec_status pa_eval_connection(struct pa_ctx *ctx, enum portspec_hook hook,
					const struct pa_box *region, struct pa_results *out)
{
	struct pa_results first = {0};
	struct pa_box r = *region;
	ctx->nostate = 0;
	if (!state_only(ctx, &r, PA_ST_NEW))
		return failed(ctx, PORTSPEC_E_NOMEM), ctx->status;
	if (pa_eval(ctx, hook, &r, &first))
		goto out;
	for (size_t i = 0; i < first.n && !ctx->status; i++) {
		const struct pa_result *f = &first.r[i];
		if (!pa_accepted(f->v)) {
			if (!pa_results_push(out, f))
				failed(ctx, PORTSPEC_E_NOMEM);
			continue;
		}
		ctx->nostate = f->nostate;
		/* The connection's later packets, at the same hook.  A UDP
		 * exchange is a request and its reply: further requests are
		 * not needed for it to work. */
		if (udp_only(ctx, &f->b)) {
			struct pa_result later = *f;
			later.path = NULL;
			if (!state_only(ctx, &later.b, PA_ST_ESTABLISHED))
				failed(ctx, PORTSPEC_E_NOMEM);
			else
				combine(ctx, hook, f, &later, &f->b, out);
			continue;
		}
		struct pa_results later = {0};
		struct pa_box e = f->b;
		if (!state_only(ctx, &e, PA_ST_ESTABLISHED) || pa_eval(ctx, hook, &e, &later)) {
			pa_results_release(&later);
			failed(ctx, PORTSPEC_E_NOMEM);
			break;
		}
		for (size_t j = 0; j < later.n && !ctx->status; j++)
			combine(ctx, hook, f, &later.r[j], &f->b, out);
		pa_results_release(&later);
	}
out:
	ctx->nostate = 0;
	pa_results_release(&first);
	return ctx->status;
}

/* ---- contexts ---- */

static void cut_special(struct pa_atom_builder *ab, const struct portspec_ruleset *rs,
			unsigned family)
{
	/* The address categories of address-type matches (compile.c). */
	unsigned f = pa_fam_index(family);
	for (int d = PA_SRC; d <= PA_DST; d++) {
		if (family == 4) {
			pa_atoms_cut(ab, d, pa_u(0x7f000000u), pa_u(0x7fffffffu));
			pa_atoms_cut(ab, d, pa_u(0xe0000000u), pa_u(0xefffffffu));
			pa_atoms_cut(ab, d, pa_u(0xffffffffu), pa_u(0xffffffffu));
		} else {
			pa_atoms_cut(ab, d, pa_u(1), pa_u(1));
			pa_atoms_cut(ab, d, (struct pa_u128){0xff00000000000000ull, 0},
				     (struct pa_u128){UINT64_MAX, UINT64_MAX});
		}
		for (size_t i = 0; i < rs->host[f].n; i++)
			pa_atoms_cut(ab, d, rs->host[f].r[i].lo, rs->host[f].r[i].hi);
		for (size_t i = 0; i < rs->bcast[f].n; i++)
			pa_atoms_cut(ab, d, rs->bcast[f].r[i].lo, rs->bcast[f].r[i].hi);
	}
	/* The protocols a question names, so that classes are per protocol. */
	pa_atoms_cut(ab, PA_PROTO, pa_u(6), pa_u(6));
	pa_atoms_cut(ab, PA_PROTO, pa_u(17), pa_u(17));
}

enum portspec_status pa_ctx_init(struct pa_ctx *ctx, const struct portspec_ruleset *rs,
				 unsigned family, pa_cut_fn cuts, void *userdata,
				 struct portspec_error *err)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->rs = rs;
	ctx->family = family;
	ctx->err = err;
	pa_arena_init(&ctx->arena);
	struct pa_atom_builder ab;
	pa_atoms_begin(&ab);
	pa_atoms_ruleset(&ab, rs, family);
	cut_special(&ab, rs, family);
	if (cuts)
		cuts(&ab, userdata);
	if (pa_atoms_finish(&ab, family, ctx->atoms))
		return failed(ctx, PORTSPEC_E_NOMEM), ctx->status;
	for (int d = 0; d < PA_NDIMS; d++) {
		if (!pa_ivs_single(&ctx->arena, &ctx->full[d], 0, ctx->atoms[d].n - 1))
			return failed(ctx, PORTSPEC_E_NOMEM), ctx->status;
		ctx->none[d] = ctx->full[d];
	}
	if (!pa_ivs_single(&ctx->arena, &ctx->none[PA_IIF], 0, 0) ||
	    !pa_ivs_single(&ctx->arena, &ctx->none[PA_OIF], 0, 0))
		return failed(ctx, PORTSPEC_E_NOMEM), ctx->status;
	return PORTSPEC_OK;
}

void pa_ctx_release(struct pa_ctx *ctx)
{
	pa_atoms_release(ctx->atoms);
	pa_arena_release(&ctx->arena);
	for (int h = 0; h < 3; h++)
		ps_free(ctx->crules[h]);
	ps_free(ctx->bases);
	memset(ctx, 0, sizeof(*ctx));
}

bool pa_ctx_region_all(struct pa_ctx *ctx, enum portspec_hook hook, struct pa_box *out)
{
	for (int d = 0; d < PA_NDIMS; d++)
		out->d[d] = ctx->full[d];
	out->owned = 0;
	/* Packets that arrive have an input interface, packets that leave an
	 * output interface; the other side is none. */
	bool ok = true;
	if (hook != PORTSPEC_HOOK_OUTPUT)
		ok = pa_ivs_subtract(&ctx->arena, &out->d[PA_IIF], &ctx->full[PA_IIF], &ctx->none[PA_IIF]);
	else
		out->d[PA_IIF] = ctx->none[PA_IIF];
	if (ok && hook != PORTSPEC_HOOK_INPUT)
		ok = pa_ivs_subtract(&ctx->arena, &out->d[PA_OIF], &ctx->full[PA_OIF], &ctx->none[PA_OIF]);
	else
		out->d[PA_OIF] = ctx->none[PA_OIF];
	return ok || failed(ctx, PORTSPEC_E_NOMEM);
}

bool pa_box_restrict(struct pa_ctx *ctx, struct pa_box *b, enum pa_dim d, struct pa_u128 lo,
		     struct pa_u128 hi)
{
	struct pa_ivs s;
	if (!pa_ivs_single(&ctx->arena, &s, pa_atom_of(&ctx->atoms[d], lo),
			   pa_atom_of(&ctx->atoms[d], hi)))
		return failed(ctx, PORTSPEC_E_NOMEM);
	return pa_box_restrict_atoms(ctx, b, d, &s);
}

bool pa_box_restrict_atoms(struct pa_ctx *ctx, struct pa_box *b, enum pa_dim d,
			   const struct pa_ivs *set)
{
	struct pa_ivs out;
	if (!pa_ivs_intersect(&ctx->arena, &out, &b->d[d], set))
		return failed(ctx, PORTSPEC_E_NOMEM);
	b->d[d] = out;
	b->owned &= (uint16_t)~(1u << d);
	return true;
}
