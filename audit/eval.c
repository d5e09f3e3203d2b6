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
	r.origin = p->origin;
	r.path = p->path;
	if (!pa_results_push(done, &r))
		return failed(ctx, PORTSPEC_E_NOMEM);
	return true;
}

/* Whether the box holds only first packets (state new): only they make
 * states, or make none (pa_piece.nostate). */
static bool first_packets(const struct pa_ctx *ctx, const struct pa_box *b)
{
	uint32_t a = pa_atom_of(&ctx->atoms[PA_STATE], pa_u(PA_ST_NEW));
	const struct pa_ivs *s = &b->d[PA_STATE];
	return s->n == 1 && s->v[0].lo == a && s->v[0].hi == a;
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
		if (r->nostate && first_packets(ctx, &q->b))
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

/* The pieces of cur through one rule: what goes on past it is appended to
 * next. */
static bool rule_pass(struct pa_ctx *ctx, const struct pa_crule *cr, const struct pa_rule *r,
		      uint32_t rule, unsigned variant, struct pa_plist *cur, struct pa_plist *next,
		      struct pa_plist *ret, struct outs *o)
{
	bool ok = true;
	for (size_t i = 0; ok && i < cur->n; i++) {
		struct pa_piece q;
		bool hit;
		if (r->needs_state & cur->p[i].nostate) {
			/* pf: no state was made for this piece's connection */
			ok = plist_push(ctx, next, &cur->p[i]);
			continue;
		}
		ok = split(ctx, &cur->p[i], &cr->m, cr->dims, &q, &hit, next) &&
		     (!hit || matched(ctx, cr, r, rule, variant, &q, next, ret, o));
	}
	return ok;
}

/* ---- runs ----
 * Many consecutive rules that each narrow one dimension to a few values
 * (a blocklist of single sources, per-host allow lists, published ports)
 * are indexed by that dimension: a piece meets only the rules of the run
 * whose values it has, in order, instead of every rule of the run.  A rule
 * the index leaves out cannot match any part of the piece, since the
 * analysis only ever narrows pieces. */
#define RUN_MIN 24       /* rules in a run */
#define RUN_MAX_IVS 4    /* intervals of a rule's set along the run's dimension */

struct run_ent {
	uint32_t lo, hi, k; /* an interval of the set of the rule at chain position k */
};

struct pa_run {
	uint32_t k0, k1;    /* chain positions [k0, k1) */
	uint8_t dim;
	uint32_t width;     /* the widest interval */
	struct run_ent *e;  /* sorted by lo */
	size_t n;
};

struct pa_runs {
	uint32_t *at;       /* per chain position: run index + 1, or 0 */
	struct pa_run *run;
	size_t n;
};

static void runs_free(struct pa_runs *rr)
{
	if (!rr)
		return;
	for (size_t i = 0; i < rr->n; i++)
		ps_free(rr->run[i].e);
	ps_free(rr->run);
	ps_free(rr->at);
	ps_free(rr);
}

static int by_lo(const void *a, const void *b)
{
	const struct run_ent *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : x->k < y->k ? -1 : x->k > y->k;
}

/* Whether the rule at position k can be in a run along d. */
static int run_member(struct pa_ctx *ctx, uint32_t rule, unsigned variant, int d)
{
	const struct pa_crule *cr = pa_compile(ctx, rule, variant);
	if (!cr)
		return -1;
	if (cr->never)
		return 1;
	if (ctx->rs->rules[rule].needs_state || !(cr->dims & (1u << d)) ||
	    cr->m.d[d].n > RUN_MAX_IVS || !cr->m.d[d].n)
		return 0;
	uint32_t limit = ctx->atoms[d].n / 64 + 1;
	for (uint32_t i = 0; i < cr->m.d[d].n; i++)
		if (cr->m.d[d].v[i].hi - cr->m.d[d].v[i].lo > limit)
			return 0;
	return 1;
}

static bool build_runs(struct pa_ctx *ctx, uint32_t chain, unsigned variant, struct pa_runs **out)
{
	static const int dims[] = {PA_SRC, PA_DST, PA_DPORT, PA_SPORT, PA_IIF, PA_OIF};
	const struct pa_chain *ch = &ctx->rs->chains[chain];
	struct pa_runs *rr = ps_calloc(1, sizeof(*rr));
	if (!rr || !(rr->at = ps_calloc(ch->nrules + 1, sizeof(*rr->at)))) {
		ps_free(rr);
		return false;
	}
	size_t k = 0;
	while (k < ch->nrules) {
		size_t best = k;
		int bd = -1;
		for (size_t t = 0; t < sizeof(dims) / sizeof(dims[0]); t++) {
			size_t j = k;
			int m = 1;
			while (j < ch->nrules && (m = run_member(ctx, ch->rules[j], variant, dims[t])) == 1)
				j++;
			if (j < ch->nrules && m < 0) {
				runs_free(rr);
				return false;
			}
			if (j > best) {
				best = j;
				bd = dims[t];
			}
		}
		if (bd < 0 || best - k < RUN_MIN) {
			k++;
			continue;
		}
		struct pa_run *v = ps_reallocarray(rr->run, rr->n + 1, sizeof(*v));
		if (!v) {
			runs_free(rr);
			return false;
		}
		rr->run = v;
		struct pa_run *run = &rr->run[rr->n];
		memset(run, 0, sizeof(*run));
		run->k0 = (uint32_t)k;
		run->k1 = (uint32_t)best;
		run->dim = (uint8_t)bd;
		rr->n++;
		size_t cap = (best - k) * RUN_MAX_IVS;
		if (!(run->e = ps_calloc(cap, sizeof(*run->e)))) {
			runs_free(rr);
			return false;
		}
		for (size_t j = k; j < best; j++) {
			const struct pa_crule *cr = pa_compile(ctx, ch->rules[j], variant);
			if (cr->never)
				continue;
			for (uint32_t i = 0; i < cr->m.d[bd].n; i++) {
				struct run_ent *e = &run->e[run->n++];
				e->lo = cr->m.d[bd].v[i].lo;
				e->hi = cr->m.d[bd].v[i].hi;
				e->k = (uint32_t)j;
				if (e->hi - e->lo > run->width)
					run->width = e->hi - e->lo;
			}
		}
		qsort(run->e, run->n, sizeof(*run->e), by_lo);
		for (size_t j = k; j < best; j++)
			rr->at[j] = (uint32_t)rr->n;
		k = best;
	}
	*out = rr;
	return true;
}

static const struct pa_runs *chain_runs(struct pa_ctx *ctx, uint32_t chain, unsigned variant)
{
	unsigned h = ctx->hook == PORTSPEC_HOOK_INPUT ? 0 : ctx->hook == PORTSPEC_HOOK_FORWARD ? 1 : 2;
	if (!ctx->runs[h] &&
	    !(ctx->runs[h] = ps_calloc(ctx->rs->nchains * PA_NVARIANTS, sizeof(*ctx->runs[h]))))
		return NULL;
	struct pa_runs **slot = &ctx->runs[h][(size_t)chain * PA_NVARIANTS + variant];
	if (!*slot && !build_runs(ctx, chain, variant, slot))
		return NULL;
	return *slot;
}

void pa_runs_release(struct pa_ctx *ctx)
{
	for (int h = 0; h < 3; h++) {
		if (!ctx->runs[h])
			continue;
		for (size_t i = 0; i < ctx->rs->nchains * PA_NVARIANTS; i++)
			runs_free(ctx->runs[h][i]);
		ps_free(ctx->runs[h]);
		ctx->runs[h] = NULL;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static bool ks_push(uint32_t **ks, size_t *nks, size_t *cap, uint32_t k)
{
	if (*nks == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		uint32_t *v = ps_reallocarray(*ks, c, sizeof(*v));
		if (!v)
			return false;
		*ks = v;
		*cap = c;
	}
	(*ks)[(*nks)++] = k;
	return true;
}

/* The positions of the run's rules whose sets meet s, ascending, unique. */
static bool run_candidates(const struct pa_run *run, const struct pa_ivs *s, uint32_t **ks,
			   size_t *nks, size_t *cap)
{
	*nks = 0;
	if (s->n <= run->n) {
		for (uint32_t i = 0; i < s->n; i++) {
			uint32_t a = s->v[i].lo, b = s->v[i].hi;
			uint32_t from = a > run->width ? a - run->width : 0;
			size_t lo = 0, hi = run->n;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (run->e[mid].lo < from)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (size_t j = lo; j < run->n && run->e[j].lo <= b; j++) {
				if (run->e[j].hi < a)
					continue;
				if (!ks_push(ks, nks, cap, run->e[j].k))
					return false;
			}
		}
	} else {
		for (size_t j = 0; j < run->n; j++) {
			struct pa_iv one = {run->e[j].lo, run->e[j].hi};
			struct pa_ivs t = {&one, 1, 1};
			if (!pa_ivs_overlap(s, &t))
				continue;
			if (!ks_push(ks, nks, cap, run->e[j].k))
				return false;
		}
	}
	if (*nks > 1)
		qsort(*ks, *nks, sizeof(**ks), cmp_u32);
	size_t o = 0;
	for (size_t i = 0; i < *nks; i++)
		if (!o || (*ks)[o - 1] != (*ks)[i])
			(*ks)[o++] = (*ks)[i];
	*nks = o;
	return true;
}

/* The pieces of cur through the run's rules, piece by piece; what goes on
 * past the run is appended to next. */
static bool eval_run(struct pa_ctx *ctx, const struct pa_chain *ch, const struct pa_run *run,
		     unsigned variant, struct pa_plist *cur, struct pa_plist *next,
		     struct pa_plist *ret, struct outs *o)
{
	uint32_t *ks = NULL;
	size_t nks = 0, cap = 0;
	struct pa_plist f = {0}, g = {0};
	bool ok = true;
	for (size_t i = 0; ok && i < cur->n; i++) {
		ok = run_candidates(run, &cur->p[i].b.d[run->dim], &ks, &nks, &cap) ||
		     failed(ctx, PORTSPEC_E_NOMEM);
		if (!ok)
			break;
		if (!nks) {
			ok = plist_push(ctx, next, &cur->p[i]);
			continue;
		}
		f.n = 0;
		ok = plist_push(ctx, &f, &cur->p[i]);
		for (size_t c = 0; ok && c < nks && f.n; c++) {
			uint32_t rule = ch->rules[ks[c]];
			const struct pa_rule *r = &ctx->rs->rules[rule];
			const struct pa_crule *cr = pa_compile(ctx, rule, variant);
			if (!cr) {
				ok = failed(ctx, PORTSPEC_E_NOMEM);
				break;
			}
			g.n = 0;
			ok = rule_pass(ctx, cr, r, rule, variant, &f, &g, ret, o);
			struct pa_plist t = f;
			f = g;
			g = t;
		}
		for (size_t j = 0; ok && j < f.n; j++)
			ok = plist_push(ctx, next, &f.p[j]);
	}
	plist_release(&f);
	plist_release(&g);
	ps_free(ks);
	return ok;
}

static bool eval_rules(struct pa_ctx *ctx, uint32_t chain, unsigned variant, struct pa_plist *in,
		       struct pa_plist *ret, struct outs *o)
{
	const struct pa_chain *ch = &ctx->rs->chains[chain];
	struct pa_plist cur = *in, next = {0};
	*in = (struct pa_plist){0};
	const struct pa_runs *runs = ch->nrules >= RUN_MIN ? chain_runs(ctx, chain, variant) : NULL;
	bool ok = ch->nrules < RUN_MIN || runs || failed(ctx, PORTSPEC_E_NOMEM);
	for (size_t k = 0; ok && k < ch->nrules && cur.n; k++) {
		if (runs && runs->at[k]) {
			const struct pa_run *run = &runs->run[runs->at[k] - 1];
			next.n = 0;
			ok = eval_run(ctx, ch, run, variant, &cur, &next, ret, o);
			struct pa_plist t = cur;
			cur = next;
			next = t;
			k = run->k1 - 1;
			continue;
		}
		uint32_t rule = ch->rules[k];
		const struct pa_rule *r = &ctx->rs->rules[rule];
		const struct pa_crule *cr = pa_compile(ctx, rule, variant);
		if (!cr) {
			ok = failed(ctx, PORTSPEC_E_NOMEM);
			break;
		}
		if (cr->never)
			continue;
		next.n = 0;
		ok = rule_pass(ctx, cr, r, rule, variant, &cur, &next, ret, o);
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
		if (pol->nostate && first_packets(ctx, &p->b))
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

static bool start(struct pa_ctx *ctx, const struct pa_box *region, uint32_t origin,
		  uint8_t nostate, struct pa_plist *pieces)
{
	struct pa_piece p = {0};
	p.b = *region;
	p.b.owned = 0;
	p.unknown_rule = PA_NONE;
	p.decided = PA_NONE;
	p.helper = PA_NONE;
	p.origin = origin;
	p.nostate = nostate;
	return !pa_box_empty(region) ? plist_push(ctx, pieces, &p) : true;
}

/* The pieces, started, through the hook's path. */
static enum portspec_status eval_pieces(struct pa_ctx *ctx, struct pa_plist *pieces,
					struct pa_results *out)
{
	bool ok = true;
	for (size_t b = 0; ok && b < ctx->nbases && pieces->n; b++)
		ok = run_base(ctx, &ctx->bases[b], pieces, out);
	for (size_t i = 0; ok && i < pieces->n; i++)
		ok = finish(ctx, &pieces->p[i], PORTSPEC_VERDICT_ACCEPT, pieces->p[i].decided, out);
	plist_release(pieces);
	if (!ok && !ctx->status)
		failed(ctx, PORTSPEC_E_NOMEM);
	return ctx->status;
}

enum portspec_status pa_eval(struct pa_ctx *ctx, enum portspec_hook hook,
			     const struct pa_box *region, struct pa_results *out)
{
	struct pa_plist pieces = {0};
	ctx->live = 0;
	bool ok = build_path(ctx, hook) && start(ctx, region, 0, 0, &pieces);
	if (ok)
		return eval_pieces(ctx, &pieces, out);
	plist_release(&pieces);
	if (!ctx->status)
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
	bool ok = start(ctx, region, 0, 0, &in) && eval_rules(ctx, chain, v, &in, &ret, &o);
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

static bool udp_only(struct pa_ctx *ctx, const struct pa_box *b)
{
	uint32_t a = pa_atom_of(&ctx->atoms[PA_PROTO], pa_u(17));
	const struct pa_ivs *p = &b->d[PA_PROTO];
	return p->n == 1 && p->v[0].lo == a && p->v[0].hi == a &&
	       pa_cmp(pa_atom_first(&ctx->atoms[PA_PROTO], a), pa_atom_last(&ctx->atoms[PA_PROTO], a)) == 0;
}

/* The three stages of connections are evaluated one batch each, every start
 * box tagged with the result it comes from (pa_piece.origin): one walk of
 * the rules per stage, however many pieces the first packets make. */
static bool push_start(struct pa_ctx *ctx, struct pa_plist *pl, const struct pa_box *b,
		       uint32_t origin, uint8_t nostate)
{
	return start(ctx, b, origin, nostate, pl) || failed(ctx, PORTSPEC_E_NOMEM);
}

/* A later packet's verdict that is not an accept, as the connection's. */
static bool later_refused(struct pa_ctx *ctx, const struct pa_result *first,
			  const struct pa_result *later, struct pa_results *out)
{
	struct pa_result x = *later;
	x.stage = 1;
	x.b.d[PA_STATE] = first->b.d[PA_STATE];
	x.path2 = later->path;
	x.path = first->path;
	x.origin = first->origin;
	return pa_results_push(out, &x) || failed(ctx, PORTSPEC_E_NOMEM);
}

/* The connection of `first` whose later packets `later` had, and whose
 * replies `t` had, back in the request's terms. */
static bool compose(struct pa_ctx *ctx, enum portspec_hook hook, const struct pa_result *first,
		    const struct pa_result *later, const struct pa_result *t, struct pa_results *out)
{
	struct pa_result x = *first;
	/* Back in the request's terms, narrowed to what the later packets and
	 * the replies split; the reply's own hop limit and ICMP type are not
	 * the request's. */
	reverse(ctx, reverse_hook(hook), &t->b, &x.b);
	x.b.owned = 0;
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
	return pa_results_push(out, &x) || failed(ctx, PORTSPEC_E_NOMEM);
}

enum portspec_status pa_eval_connection(struct pa_ctx *ctx, enum portspec_hook hook,
					const struct pa_box *region, struct pa_results *out)
{
	struct pa_results first = {0}, later = {0}, rep = {0};
	struct pa_plist pl = {0};
	/* later[i] of first[later[i].origin]; pairs[k]: the (first, later) of reply origin k */
	struct pa_result *pairs_later = NULL;
	uint32_t *pairs_first = NULL;
	size_t npairs = 0;
	struct pa_box r = *region;
	bool ok = state_only(ctx, &r, PA_ST_NEW) || failed(ctx, PORTSPEC_E_NOMEM);
	if (!ok || pa_eval(ctx, hook, &r, &first))
		goto out;
	/* The original direction's later packets, at the same hook.  A UDP
	 * exchange is a request and its reply: further requests are not needed
	 * for it to work. */
	ctx->live = 0;
	ok = build_path(ctx, hook);
	pairs_later = ps_calloc(first.n + 1, sizeof(*pairs_later));
	pairs_first = ps_calloc(first.n + 1, sizeof(*pairs_first));
	size_t cap = first.n + 1;
	if (!pairs_later || !pairs_first) {
		failed(ctx, PORTSPEC_E_NOMEM);
		goto out;
	}
	for (size_t i = 0; ok && i < first.n; i++) {
		struct pa_result *f = &first.r[i];
		f->origin = (uint32_t)i;
		if (!pa_accepted(f->v)) {
			ok = pa_results_push(out, f) || failed(ctx, PORTSPEC_E_NOMEM);
			continue;
		}
		if (udp_only(ctx, &f->b))
			continue; /* its replies come next */
		struct pa_box e = f->b;
		ok = (state_only(ctx, &e, PA_ST_ESTABLISHED) || failed(ctx, PORTSPEC_E_NOMEM)) &&
		     push_start(ctx, &pl, &e, (uint32_t)i, f->nostate);
	}
	if (!ok || eval_pieces(ctx, &pl, &later))
		goto out;
	/* The replies: addresses and ports swapped, at the reverse hook. */
	for (size_t i = 0; ok && i < first.n; i++) {
		const struct pa_result *f = &first.r[i];
		if (!pa_accepted(f->v) || !udp_only(ctx, &f->b))
			continue;
		struct pa_result l = *f;
		l.path = NULL;
		ok = state_only(ctx, &l.b, PA_ST_ESTABLISHED) || failed(ctx, PORTSPEC_E_NOMEM);
		if (ok) {
			pairs_later[npairs] = l;
			pairs_first[npairs++] = (uint32_t)i;
		}
	}
	for (size_t j = 0; ok && j < later.n; j++) {
		const struct pa_result *l = &later.r[j];
		const struct pa_result *f = &first.r[l->origin];
		if (!pa_accepted(l->v)) {
			ok = later_refused(ctx, f, l, out);
			continue;
		}
		if (npairs == cap) {
			size_t c = cap * 2;
			struct pa_result *a = ps_reallocarray(pairs_later, c, sizeof(*a));
			if (a)
				pairs_later = a;
			uint32_t *b = a ? ps_reallocarray(pairs_first, c, sizeof(*b)) : NULL;
			if (!b) {
				ok = failed(ctx, PORTSPEC_E_NOMEM);
				break;
			}
			pairs_first = b;
			cap = c;
		}
		pairs_later[npairs] = *l;
		pairs_first[npairs++] = l->origin;
	}
	pa_results_release(&later);
	ctx->live = 0;
	ok = ok && build_path(ctx, reverse_hook(hook));
	for (size_t k = 0; ok && k < npairs; k++) {
		struct pa_box rb;
		reverse(ctx, hook, &pairs_later[k].b, &rb);
		ok = (state_only(ctx, &rb, PA_ST_REPLY) || failed(ctx, PORTSPEC_E_NOMEM)) &&
		     push_start(ctx, &pl, &rb, (uint32_t)k, first.r[pairs_first[k]].nostate);
	}
	if (!ok || eval_pieces(ctx, &pl, &rep))
		goto out;
	for (size_t j = 0; ok && j < rep.n; j++) {
		const struct pa_result *t = &rep.r[j];
		ok = compose(ctx, hook, &first.r[pairs_first[t->origin]], &pairs_later[t->origin], t,
			     out);
	}
out:
	plist_release(&pl);
	pa_results_release(&first);
	pa_results_release(&later);
	pa_results_release(&rep);
	ps_free(pairs_later);
	ps_free(pairs_first);
	if (!ok && !ctx->status)
		failed(ctx, PORTSPEC_E_NOMEM);
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
	pa_runs_release(ctx);
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
