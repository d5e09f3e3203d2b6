/* SPDX-License-Identifier: MIT */
/*
 * Atoms: per dimension, the values the ruleset tells apart.  Every range a
 * rule (or a question) mentions cuts its dimension at its first value and
 * after its last; the atoms are the pieces between cuts.  Two values in one
 * atom are treated alike by every rule, so the analysis works on atom
 * indices, never on single values.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const struct pa_u128 dim_max_small[PA_NDIMS] = {
	[PA_PROTO] = {0, 255},   [PA_SPORT] = {0, 65535}, [PA_DPORT] = {0, 65535},
	[PA_ICMP] = {0, 65535},  [PA_STATE] = {0, PA_NSTATES - 1}, [PA_TTL] = {0, 255},
};

static struct pa_u128 dim_max(enum pa_dim d, unsigned family)
{
	if (d == PA_SRC || d == PA_DST)
		return pa_addr_max(family);
	return dim_max_small[d];
}

void pa_atoms_begin(struct pa_atom_builder *ab)
{
	memset(ab, 0, sizeof(*ab));
	/* Every connection state is an atom of its own. */
	for (unsigned s = 0; s < PA_NSTATES; s++)
		pa_atoms_cut(ab, PA_STATE, pa_u(s), pa_u(s));
}

static void add_cut(struct pa_atom_builder *ab, enum pa_dim d, struct pa_u128 v)
{
	if (ab->failed)
		return;
	if (ab->ncuts[d] == ab->capcuts[d]) {
		size_t cap = ab->capcuts[d] ? ab->capcuts[d] * 2 : 64;
		struct pa_u128 *c = ps_reallocarray(ab->cuts[d], cap, sizeof(*c));
		if (!c) {
			ab->failed = true;
			return;
		}
		ab->cuts[d] = c;
		ab->capcuts[d] = cap;
	}
	ab->cuts[d][ab->ncuts[d]++] = v;
}

void pa_atoms_cut(struct pa_atom_builder *ab, enum pa_dim d, struct pa_u128 lo, struct pa_u128 hi)
{
	add_cut(ab, d, lo);
	/* The value after hi, unless hi is the largest value there is; cuts
	 * beyond the dimension's range are dropped at the end. */
	if (!(hi.hi == UINT64_MAX && hi.lo == UINT64_MAX))
		add_cut(ab, d, pa_inc(hi));
}

static void add_name(char ***list, size_t *n, size_t *cap, bool *failed, char *name)
{
	if (*failed)
		return;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		char **l = ps_reallocarray(*list, c, sizeof(*l));
		if (!l) {
			*failed = true;
			return;
		}
		*list = l;
		*cap = c;
	}
	(*list)[(*n)++] = name;
}

void pa_atoms_name(struct pa_atom_builder *ab, const char *name, bool prefix)
{
	if (!name[0])
		return; /* "" is the no-interface atom, and the empty prefix matches all */
	if (prefix)
		add_name(&ab->prefixes, &ab->nprefixes, &ab->capprefixes, &ab->failed, (char *)name);
	else
		add_name(&ab->names, &ab->nnames, &ab->capnames, &ab->failed, (char *)name);
}

void pa_atoms_ruleset(struct pa_atom_builder *ab, const struct portspec_ruleset *rs,
		      unsigned family)
{
	unsigned bit = family == 6 ? PA_FAM6 : PA_FAM4;
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct pa_rule *r = &rs->rules[i];
		if (!(r->families & bit))
			continue;
		for (size_t j = 0; j < r->npreds; j++) {
			const struct pa_pred *p = &r->preds[j];
			if (p->kind == PA_PRED_SET) {
				bool addr = p->dim == PA_SRC || p->dim == PA_DST;
				if (addr && p->family != family)
					continue;
				for (size_t k = 0; k < p->set.n; k++)
					pa_atoms_cut(ab, p->dim, p->set.r[k].lo, p->set.r[k].hi);
			} else if (p->kind == PA_PRED_IFACE) {
				for (size_t k = 0; k < p->npats; k++)
					pa_atoms_name(ab, p->pats[k].name, p->pats[k].prefix);
			} else if (p->kind == PA_PRED_UNKNOWN && p->proto) {
				pa_atoms_cut(ab, PA_PROTO, pa_u(p->proto), pa_u(p->proto));
			} else if (p->kind == PA_PRED_TCPFLAGS) {
				pa_atoms_cut(ab, PA_PROTO, pa_u(6), pa_u(6));
			}
		}
	}
	for (size_t i = 0; i < rs->nchains; i++)
		if (rs->chains[i].device)
			pa_atoms_name(ab, rs->chains[i].device, false);
}

static void same_cuts(struct pa_atom_builder *ab, enum pa_dim a, enum pa_dim b)
{
	size_t na = ab->ncuts[a], nb = ab->ncuts[b];
	for (size_t i = 0; i < na; i++)
		add_cut(ab, b, ab->cuts[a][i]);
	for (size_t i = 0; i < nb && !ab->failed; i++)
		add_cut(ab, a, ab->cuts[b][i]);
}

void pa_atoms_same_addresses(struct pa_atom_builder *ab)
{
	same_cuts(ab, PA_SRC, PA_DST);
}

static int cmp_u128(const void *a, const void *b)
{
	return pa_cmp(*(const struct pa_u128 *)a, *(const struct pa_u128 *)b);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t sort_unique(char **v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_str);
	size_t k = 1;
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i], v[k - 1]))
			v[k++] = v[i];
	return k;
}

static bool finish_numeric(struct pa_atom_builder *ab, enum pa_dim d, unsigned family,
			   struct pa_atoms *a)
{
	struct pa_u128 max = dim_max(d, family);
	add_cut(ab, d, pa_u(0));
	if (ab->failed)
		return false;
	struct pa_u128 *c = ab->cuts[d];
	size_t n = ab->ncuts[d];
	qsort(c, n, sizeof(*c), cmp_u128);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (pa_cmp(c[i], max) > 0)
			break;
		if (k == 0 || pa_cmp(c[i], c[k - 1]) != 0)
			c[k++] = c[i];
	}
	a->cut = ps_reallocarray(NULL, k, sizeof(*a->cut));
	if (!a->cut)
		return false;
	memcpy(a->cut, c, k * sizeof(*c));
	a->n = (uint32_t)k;
	a->max = max;
	return true;
}

static bool finish_iface(struct pa_atom_builder *ab, struct pa_atoms *iif, struct pa_atoms *oif)
{
	size_t nn = sort_unique(ab->names, ab->nnames);
	size_t np = sort_unique(ab->prefixes, ab->nprefixes);
	size_t n = 1 + nn + np + 1;
	for (int side = 0; side < 2; side++) {
		struct pa_atoms *a = side ? oif : iif;
		a->names = ps_calloc(n, sizeof(*a->names));
		a->kinds = ps_calloc(n, sizeof(*a->kinds));
		if (!a->names || !a->kinds)
			return false;
		a->n = (uint32_t)n;
		a->max = pa_u(n - 1);
		size_t k = 0;
		a->kinds[k] = PA_IFA_NONE;
		a->names[k++] = ps_strdup("");
		for (size_t i = 0; i < nn; i++) {
			a->kinds[k] = PA_IFA_NAME;
			a->names[k++] = ps_strdup(ab->names[i]);
		}
		for (size_t i = 0; i < np; i++) {
			a->kinds[k] = PA_IFA_PREFIX;
			a->names[k++] = ps_strdup(ab->prefixes[i]);
		}
		a->kinds[k] = PA_IFA_OTHER;
		a->names[k++] = ps_strdup("*");
		for (size_t i = 0; i < n; i++)
			if (!a->names[i])
				return false;
	}
	return true;
}

enum portspec_status pa_atoms_finish(struct pa_atom_builder *ab, unsigned family,
				     struct pa_atoms atoms[PA_NDIMS])
{
	/* A reply swaps source and destination: both dimensions of a pair
	 * must have the same atoms, so that a box can be turned around. */
	same_cuts(ab, PA_SRC, PA_DST);
	same_cuts(ab, PA_SPORT, PA_DPORT);
	memset(atoms, 0, sizeof(struct pa_atoms) * PA_NDIMS);
	bool ok = !ab->failed;
	for (int d = 0; ok && d < PA_NDIMS; d++)
		if (d != PA_IIF && d != PA_OIF)
			ok = finish_numeric(ab, (enum pa_dim)d, family, &atoms[d]);
	ok = ok && finish_iface(ab, &atoms[PA_IIF], &atoms[PA_OIF]);
	for (int d = 0; d < PA_NDIMS; d++)
		ps_free(ab->cuts[d]);
	ps_free(ab->names);
	ps_free(ab->prefixes);
	memset(ab, 0, sizeof(*ab));
	if (!ok) {
		pa_atoms_release(atoms);
		return PORTSPEC_E_NOMEM;
	}
	return PORTSPEC_OK;
}

void pa_atoms_release(struct pa_atoms atoms[PA_NDIMS])
{
	for (int d = 0; d < PA_NDIMS; d++) {
		struct pa_atoms *a = &atoms[d];
		ps_free(a->cut);
		for (uint32_t i = 0; a->names && i < a->n; i++)
			ps_free(a->names[i]);
		ps_free(a->names);
		ps_free(a->kinds);
		memset(a, 0, sizeof(*a));
	}
}

uint32_t pa_atom_of(const struct pa_atoms *a, struct pa_u128 v)
{
	/* The last cut at or below v. */
	uint32_t lo = 0, hi = a->n;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (pa_cmp(a->cut[mid], v) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

uint32_t pa_atom_iface(const struct pa_atoms *a, const char *name)
{
	if (!name[0])
		return 0;
	uint32_t best = a->n - 1; /* any other name */
	size_t best_len = 0;
	for (uint32_t i = 1; i + 1 < a->n; i++) {
		size_t n = strlen(a->names[i]);
		if (a->kinds[i] == PA_IFA_NAME && !strcmp(a->names[i], name))
			return i;
		if (a->kinds[i] == PA_IFA_PREFIX && !strncmp(a->names[i], name, n) && n > best_len) {
			best = i;
			best_len = n;
		}
	}
	return best;
}

struct pa_u128 pa_atom_first(const struct pa_atoms *a, uint32_t atom)
{
	return a->cut ? a->cut[atom] : pa_u(atom);
}

struct pa_u128 pa_atom_last(const struct pa_atoms *a, uint32_t atom)
{
	if (!a->cut)
		return pa_u(atom);
	return atom + 1 < a->n ? pa_dec(a->cut[atom + 1]) : a->max;
}
