/* SPDX-License-Identifier: MIT */
/*
 * A rule's predicates as a box of atoms.  A predicate is true, false or
 * unknown for each packet; the conjunction of a rule's predicates gives the
 * box `m` outside which the rule never matches, and the boxes `unk` inside
 * it where some predicate is unknown.  What a predicate means can depend on
 * where the chain is hooked: before routing there is no output interface,
 * before connection tracking no state, and an address's type depends on
 * whether the packet is for the host, from it or through it.
 */
#include <string.h>

#include "internal.h"

/* Types an address of each category can have (iptables addrtype, nft fib). */
#define ROUTED (PA_AT_UNICAST | PA_AT_UNREACHABLE | PA_AT_BLACKHOLE | PA_AT_PROHIBIT | PA_AT_THROW)
#define ALL_TYPES 0xfffu

enum { CAT_LOOP, CAT_HOST, CAT_MCAST, CAT_BCAST, CAT_OTHER, NCATS };

struct unk {
	int dim;           /* -1: the whole box */
	struct pa_ivs set;
};

struct build {
	struct pa_ctx *ctx;
	struct pa_crule *cr;
	struct unk unk[16];
	size_t nunk;
	bool failed;
	const char *text;
};

static bool map_set(struct pa_ctx *ctx, enum pa_dim d, const struct pa_set *s, struct pa_ivs *out)
{
	struct pa_iv *v = pa_arena_alloc(&ctx->arena, (s->n ? s->n : 1) * sizeof(*v));
	if (!v)
		return false;
	uint32_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		uint32_t lo = pa_atom_of(&ctx->atoms[d], s->r[i].lo);
		uint32_t hi = pa_atom_of(&ctx->atoms[d], s->r[i].hi);
		if (n && v[n - 1].hi + 1 >= lo) {
			if (hi > v[n - 1].hi)
				v[n - 1].hi = hi;
		} else {
			v[n].lo = lo;
			v[n].hi = hi;
			n++;
		}
	}
	out->v = v;
	out->n = n;
	out->cap = (uint32_t)(s->n ? s->n : 1);
	return true;
}

static bool complement(struct pa_ctx *ctx, enum pa_dim d, struct pa_ivs *s)
{
	struct pa_ivs out;
	if (!pa_ivs_subtract(&ctx->arena, &out, &ctx->full[d], s))
		return false;
	*s = out;
	return true;
}

static bool map_ifaces(struct pa_ctx *ctx, enum pa_dim d, const struct pa_pred *p,
		       struct pa_ivs *out)
{
	const struct pa_atoms *a = &ctx->atoms[d];
	struct pa_iv *v = pa_arena_alloc(&ctx->arena, a->n * sizeof(*v));
	if (!v)
		return false;
	uint32_t n = 0;
	for (uint32_t i = 0; i < a->n; i++) {
		bool in = false;
		for (size_t k = 0; k < p->npats && !in; k++) {
			const struct pa_iface_pat *pt = &p->pats[k];
			size_t len = strlen(pt->name);
			if (!pt->prefix)
				in = a->kinds[i] != PA_IFA_OTHER && a->kinds[i] != PA_IFA_PREFIX &&
				     !strcmp(a->names[i], pt->name);
			else if (len == 0)
				in = true;
			else
				in = (a->kinds[i] == PA_IFA_NAME || a->kinds[i] == PA_IFA_PREFIX) &&
				     !strncmp(a->names[i], pt->name, len);
		}
		if (!in)
			continue;
		if (n && v[n - 1].hi + 1 == i)
			v[n - 1].hi = i;
		else
			v[n].lo = v[n].hi = i, n++;
	}
	out->v = v;
	out->n = n;
	out->cap = a->n;
	return true;
}

/* States where a TCP flags predicate is true, and where it is unknown: the
 * first packet of a new or related connection is a SYN; later packets carry
 * ACK, replies begin with SYN-ACK; invalid and untracked packets can carry
 * anything. */
static void tcp_flags_states(unsigned mask, unsigned cmp, bool neg, unsigned *t, unsigned *u)
{
	static const uint8_t established[] = {
		PA_TCP_ACK, PA_TCP_ACK | PA_TCP_PSH, PA_TCP_ACK | PA_TCP_FIN,
		PA_TCP_ACK | PA_TCP_FIN | PA_TCP_PSH, PA_TCP_RST, PA_TCP_RST | PA_TCP_ACK};
	*t = *u = 0;
	for (unsigned s = 0; s < PA_NSTATES; s++) {
		bool any_true = false, any_false = false;
		for (unsigned f = 0; f < 256; f++) {
			bool possible;
			if (s == PA_ST_NEW || s == PA_ST_RELATED) {
				possible = f == PA_TCP_SYN;
			} else if (s == PA_ST_ESTABLISHED || s == PA_ST_REPLY) {
				possible = s == PA_ST_REPLY && f == (PA_TCP_SYN | PA_TCP_ACK);
				for (size_t i = 0; i < sizeof(established) && !possible; i++)
					possible = f == established[i];
			} else {
				possible = true;
			}
			if (!possible)
				continue;
			bool v = ((f & mask) == cmp) != neg;
			any_true |= v;
			any_false |= !v;
		}
		if (any_true && !any_false)
			*t |= PA_STBIT(s);
		else if (any_true)
			*u |= PA_STBIT(s);
	}
}

static bool state_ivs(struct pa_ctx *ctx, unsigned bits, struct pa_ivs *out)
{
	struct pa_set s = {0};
	bool ok = true;
	for (unsigned st = 0; ok && st < PA_NSTATES; st++)
		if (bits & PA_STBIT(st))
			ok = pa_set_add(&s, pa_u(st), pa_u(st));
	ok = ok && map_set(ctx, PA_STATE, &s, out);
	pa_set_release(&s);
	return ok;
}

/* The address categories of the family, as disjoint atom sets. */
static bool categories(struct pa_ctx *ctx, enum pa_dim d, struct pa_ivs cat[NCATS])
{
	const struct portspec_ruleset *rs = ctx->rs;
	unsigned f = pa_fam_index(ctx->family);
	struct pa_set raw[NCATS] = {{0}};
	bool ok = true;
	if (ctx->family == 4) {
		ok = pa_set_add(&raw[CAT_LOOP], pa_u(0x7f000000u), pa_u(0x7fffffffu)) &&
		     pa_set_add(&raw[CAT_MCAST], pa_u(0xe0000000u), pa_u(0xefffffffu)) &&
		     pa_set_add(&raw[CAT_BCAST], pa_u(0xffffffffu), pa_u(0xffffffffu));
	} else {
		ok = pa_set_add(&raw[CAT_LOOP], pa_u(1), pa_u(1)) &&
		     pa_set_add(&raw[CAT_MCAST], (struct pa_u128){0xff00000000000000ull, 0},
				(struct pa_u128){UINT64_MAX, UINT64_MAX});
	}
	ok = ok && pa_set_add_set(&raw[CAT_HOST], &rs->host[f]) &&
	     pa_set_add_set(&raw[CAT_BCAST], &rs->bcast[f]);
	struct pa_ivs taken = {0};
	for (int c = 0; ok && c < CAT_OTHER; c++) {
		struct pa_ivs s;
		ok = map_set(ctx, d, &raw[c], &s) && pa_ivs_subtract(&ctx->arena, &cat[c], &s, &taken) &&
		     pa_ivs_union(&ctx->arena, &taken, &taken, &s);
	}
	ok = ok && pa_ivs_subtract(&ctx->arena, &cat[CAT_OTHER], &ctx->full[d], &taken);
	for (int c = 0; c < NCATS; c++)
		pa_set_release(&raw[c]);
	return ok;
}

static unsigned possible_types(enum portspec_hook hook, enum pa_dim d, int cat, bool given)
{
	if (hook == PORTSPEC_HOOK_OUTPUT && d == PA_SRC)
		return PA_AT_LOCAL; /* from a local process */
	switch (cat) {
	case CAT_LOOP: return PA_AT_LOCAL;
	case CAT_MCAST: return PA_AT_MULTICAST;
	case CAT_BCAST: return PA_AT_BROADCAST;
	case CAT_HOST: return hook == PORTSPEC_HOOK_FORWARD && d == PA_DST ? PA_AT_UNICAST
									: PA_AT_LOCAL;
	}
	if (hook == PORTSPEC_HOOK_INPUT && d == PA_DST)
		return given ? PA_AT_LOCAL : PA_AT_LOCAL | PA_AT_BROADCAST;
	if (hook == PORTSPEC_HOOK_FORWARD && d == PA_DST)
		return PA_AT_UNICAST;
	return given ? ROUTED : ROUTED | PA_AT_LOCAL | PA_AT_BROADCAST | PA_AT_ANYCAST;
}

static void add_unknown(struct build *bd, int dim, const struct pa_ivs *set, const char *text)
{
	if (bd->nunk == sizeof(bd->unk) / sizeof(bd->unk[0])) {
		/* Many unknown parts: the whole rule is unknown, which covers them. */
		bd->nunk = 1;
		bd->unk[0].dim = -1;
		return;
	}
	bd->unk[bd->nunk].dim = dim;
	if (set)
		bd->unk[bd->nunk].set = *set;
	bd->nunk++;
	if (!bd->text)
		bd->text = text;
}

/* m.d[d] &= set. */
static void constrain(struct build *bd, enum pa_dim d, const struct pa_ivs *set)
{
	struct pa_crule *cr = bd->cr;
	struct pa_ivs out;
	if (!pa_ivs_intersect(&bd->ctx->arena, &out, &cr->m.d[d], set)) {
		bd->failed = true;
		return;
	}
	cr->m.d[d] = out;
	cr->dims |= (uint16_t)(1u << d);
	if (!out.n)
		cr->never = true;
}

static void addrtype(struct build *bd, const struct pa_pred *p)
{
	struct pa_ctx *ctx = bd->ctx;
	struct pa_ivs cat[NCATS];
	if (!categories(ctx, p->dim, cat)) {
		bd->failed = true;
		return;
	}
	bool given = ctx->rs->host_given[pa_fam_index(ctx->family)] || ctx->assume_host;
	unsigned want = p->negate ? ALL_TYPES & ~p->mask : p->mask;
	struct pa_ivs t = {0}, u = {0};
	for (int c = 0; c < NCATS; c++) {
		unsigned can = possible_types(ctx->hook, p->dim, c, given || ctx->family == 6);
		if ((can & want) == 0)
			continue;
		bool ok = pa_ivs_union(&ctx->arena, &t, &t, &cat[c]);
		if (ok && (can & ~want))
			ok = pa_ivs_union(&ctx->arena, &u, &u, &cat[c]);
		if (!ok) {
			bd->failed = true;
			return;
		}
	}
	constrain(bd, p->dim, &t);
	if (u.n)
		add_unknown(bd, p->dim, &u, "an address type (give the host's addresses)");
}

static void predicate(struct build *bd, const struct pa_pred *p, unsigned variant)
{
	struct pa_ctx *ctx = bd->ctx;
	struct pa_ivs s;
	switch (p->kind) {
	case PA_PRED_SET:
		if ((p->dim == PA_SRC || p->dim == PA_DST) && p->family != ctx->family) {
			bd->cr->never = true;
			return;
		}
		if (!map_set(ctx, p->dim, &p->set, &s) || (p->negate && !complement(ctx, p->dim, &s))) {
			bd->failed = true;
			return;
		}
		constrain(bd, p->dim, &s);
		return;
	case PA_PRED_IFACE:
		if (!map_ifaces(ctx, p->dim, p, &s) || (p->negate && !complement(ctx, p->dim, &s))) {
			bd->failed = true;
			return;
		}
		if (p->dim == PA_OIF && (variant & PA_VAR_NO_OIF)) {
			/* Before routing the output interface is none. */
			if (!pa_ivs_has(&s, 0))
				bd->cr->never = true;
			return;
		}
		constrain(bd, p->dim, &s);
		return;
	case PA_PRED_CTSTATE:
		if (variant & PA_VAR_NO_CT) {
			add_unknown(bd, -1, NULL, "a connection state before connection tracking");
			return;
		}
		if (!state_ivs(ctx, p->negate ? ~p->mask : p->mask, &s)) {
			bd->failed = true;
			return;
		}
		constrain(bd, PA_STATE, &s);
		return;
	case PA_PRED_TCPFLAGS: {
		unsigned t, u;
		struct pa_ivs tcp, su;
		tcp_flags_states(p->mask, p->cmp, p->negate, &t, &u);
		uint32_t a = pa_atom_of(&ctx->atoms[PA_PROTO], pa_u(6));
		if (!pa_ivs_single(&ctx->arena, &tcp, a, a) || !state_ivs(ctx, t | u, &s) ||
		    !state_ivs(ctx, u, &su)) {
			bd->failed = true;
			return;
		}
		constrain(bd, PA_PROTO, &tcp);
		constrain(bd, PA_STATE, &s);
		if (su.n)
			add_unknown(bd, PA_STATE, &su, "TCP flags of invalid or untracked packets");
		return;
	}
	case PA_PRED_ADDRTYPE:
		addrtype(bd, p);
		return;
	case PA_PRED_UNKNOWN:
		if (p->proto) {
			uint32_t a = pa_atom_of(&ctx->atoms[PA_PROTO], pa_u(p->proto));
			if (!pa_ivs_single(&ctx->arena, &s, a, a)) {
				bd->failed = true;
				return;
			}
			constrain(bd, PA_PROTO, &s);
		}
		add_unknown(bd, -1, NULL, p->text);
		return;
	}
}

static void build_unknown_boxes(struct build *bd)
{
	struct pa_crule *cr = bd->cr;
	if (cr->never || !bd->nunk)
		return;
	cr->unk = pa_arena_alloc(&bd->ctx->arena, bd->nunk * sizeof(*cr->unk));
	cr->unk_dim = pa_arena_alloc(&bd->ctx->arena, bd->nunk);
	if (!cr->unk || !cr->unk_dim) {
		bd->failed = true;
		return;
	}
	for (size_t i = 0; i < bd->nunk; i++) {
		struct pa_box *b = &cr->unk[cr->nunk];
		*b = cr->m;
		b->owned = 0;
		if (bd->unk[i].dim >= 0) {
			struct pa_ivs out;
			int d = bd->unk[i].dim;
			if (!pa_ivs_intersect(&bd->ctx->arena, &out, &cr->m.d[d], &bd->unk[i].set)) {
				bd->failed = true;
				return;
			}
			if (!out.n)
				continue;
			b->d[d] = out;
			cr->unk_dim[cr->nunk] = (int8_t)d;
		} else {
			/* The whole rule is unknown: one box covers every other. */
			cr->unk[0] = *b;
			cr->unk_dim[0] = -1;
			cr->nunk = 1;
			return;
		}
		cr->nunk++;
	}
}

const struct pa_crule *pa_compile(struct pa_ctx *ctx, uint32_t rule, unsigned variant)
{
	size_t h = ctx->hook == PORTSPEC_HOOK_OUTPUT ? 1 : ctx->hook == PORTSPEC_HOOK_FORWARD ? 2 : 0;
	if (!ctx->crules[h]) {
		ctx->crules[h] = ps_calloc(ctx->rs->nrules * PA_NVARIANTS, sizeof(struct pa_crule));
		if (!ctx->crules[h])
			return NULL;
	}
	struct pa_crule *cr = &ctx->crules[h][(size_t)rule * PA_NVARIANTS + variant];
	if (cr->ready)
		return cr;
	const struct pa_rule *r = &ctx->rs->rules[rule];
	struct build bd = {ctx, cr, .nunk = 0};
	memset(cr, 0, sizeof(*cr));
	for (int d = 0; d < PA_NDIMS; d++)
		cr->m.d[d] = ctx->full[d];
	unsigned bit = ctx->family == 6 ? PA_FAM6 : PA_FAM4;
	cr->never = !(r->families & bit);
	for (size_t i = 0; i < r->npreds && !cr->never && !bd.failed; i++)
		predicate(&bd, &r->preds[i], variant);
	build_unknown_boxes(&bd);
	if (bd.failed)
		return NULL;
	cr->unk_text = bd.text;
	cr->ready = true;
	return cr;
}
