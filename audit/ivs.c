/* SPDX-License-Identifier: MIT */
/*
 * Sets of atoms as sorted interval lists, and boxes of them.  The lists of
 * one analysis live in an arena and are freed together; boxes share lists,
 * and only the box that owns a list changes it in place (a ruleset that
 * drops a few thousand single sources, one rule each, would otherwise copy
 * the ever longer list of what is left once per rule).
 */
#include <string.h>

#include "internal.h"

struct pa_arena_chunk {
	struct pa_arena_chunk *next;
	size_t size;
	max_align_t data[];
};

#define ARENA_CHUNK (256u * 1024u)

void pa_arena_init(struct pa_arena *a)
{
	memset(a, 0, sizeof(*a));
}

void pa_arena_release(struct pa_arena *a)
{
	struct pa_arena_chunk *c = a->head;
	while (c) {
		struct pa_arena_chunk *next = c->next;
		ps_free(c);
		c = next;
	}
	memset(a, 0, sizeof(*a));
}

void *pa_arena_alloc(struct pa_arena *a, size_t size)
{
	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (!a->head || a->used + size > a->size) {
		size_t want = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
		struct pa_arena_chunk *c = ps_malloc(sizeof(*c) + want);
		if (!c) {
			a->failed = true;
			return NULL;
		}
		c->size = want;
		if (size > ARENA_CHUNK / 4 && a->head) {
			/* A big block gets a chunk of its own, behind the current one. */
			c->next = a->head->next;
			a->head->next = c;
			return c->data;
		}
		c->next = a->head;
		a->head = c;
		a->used = 0;
		a->size = want;
	}
	void *p = (char *)a->head->data + a->used;
	a->used += size;
	return p;
}

static struct pa_iv *iv_alloc(struct pa_arena *ar, uint32_t n)
{
	return pa_arena_alloc(ar, (n ? n : 1) * sizeof(struct pa_iv));
}

bool pa_ivs_empty(const struct pa_ivs *s)
{
	return s->n == 0;
}

/* The first interval of s that ends at or after `atom`. */
static uint32_t lower(const struct pa_ivs *s, uint32_t atom)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].hi < atom)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool pa_ivs_has(const struct pa_ivs *s, uint32_t atom)
{
	uint32_t i = lower(s, atom);
	return i < s->n && s->v[i].lo <= atom;
}

bool pa_ivs_overlap(const struct pa_ivs *a, const struct pa_ivs *b)
{
	if (!a->n || !b->n)
		return false;
	if (a->v[a->n - 1].hi < b->v[0].lo || b->v[b->n - 1].hi < a->v[0].lo)
		return false;
	if (a->n > b->n) {
		const struct pa_ivs *t = a;
		a = b;
		b = t;
	}
	/* Every interval of the shorter list, looked up in the longer one. */
	for (uint32_t i = 0; i < a->n; i++) {
		uint32_t j = lower(b, a->v[i].lo);
		if (j < b->n && b->v[j].lo <= a->v[i].hi)
			return true;
	}
	return false;
}

static void push(struct pa_iv *out, uint32_t *n, uint32_t lo, uint32_t hi)
{
	if (*n && out[*n - 1].hi + 1 >= lo) {
		if (hi > out[*n - 1].hi)
			out[*n - 1].hi = hi;
		return;
	}
	out[*n].lo = lo;
	out[*n].hi = hi;
	(*n)++;
}

bool pa_ivs_intersect(struct pa_arena *ar, struct pa_ivs *out, const struct pa_ivs *a,
		      const struct pa_ivs *b)
{
	if (a->n > b->n) {
		const struct pa_ivs *t = a;
		a = b;
		b = t;
	}
	/* Driven by the shorter list: each of its intervals against the part
	 * of the longer one it overlaps, found by binary search; counted first,
	 * so that a narrow set cut from a long list costs what it keeps. */
	uint32_t room = 0;
	for (uint32_t i = 0; i < a->n; i++) {
		uint32_t j = lower(b, a->v[i].lo), k = j;
		while (k < b->n && b->v[k].lo <= a->v[i].hi)
			k++;
		room += k - j;
	}
	struct pa_iv *v = iv_alloc(ar, room);
	if (!v)
		return false;
	uint32_t n = 0;
	for (uint32_t i = 0; i < a->n; i++) {
		for (uint32_t j = lower(b, a->v[i].lo); j < b->n && b->v[j].lo <= a->v[i].hi; j++) {
			uint32_t lo = a->v[i].lo > b->v[j].lo ? a->v[i].lo : b->v[j].lo;
			uint32_t hi = a->v[i].hi < b->v[j].hi ? a->v[i].hi : b->v[j].hi;
			push(v, &n, lo, hi);
		}
	}
	out->v = v;
	out->n = n;
	out->cap = room ? room : 1;
	return true;
}

/* out = a \ b into `v` (room for a->n + b->n). */
static uint32_t subtract_into(struct pa_iv *v, const struct pa_ivs *a, const struct pa_ivs *b)
{
	uint32_t n = 0, j = 0;
	for (uint32_t i = 0; i < a->n; i++) {
		uint32_t lo = a->v[i].lo, hi = a->v[i].hi;
		j = j < b->n ? j : b->n;
		while (j < b->n && b->v[j].hi < lo)
			j++;
		uint32_t k = j;
		bool gone = false;
		while (k < b->n && b->v[k].lo <= hi) {
			if (b->v[k].lo > lo)
				push(v, &n, lo, b->v[k].lo - 1);
			if (b->v[k].hi >= hi) {
				gone = true;
				break;
			}
			lo = b->v[k].hi + 1;
			k++;
		}
		if (!gone)
			push(v, &n, lo, hi);
	}
	return n;
}

bool pa_ivs_subtract(struct pa_arena *ar, struct pa_ivs *out, const struct pa_ivs *a,
		     const struct pa_ivs *b)
{
	struct pa_iv *v = iv_alloc(ar, a->n + b->n);
	if (!v)
		return false;
	out->n = subtract_into(v, a, b);
	out->v = v;
	out->cap = a->n + b->n;
	return true;
}

/* Removes [lo, hi] from a in place; a has room for one more interval. */
static void remove_range(struct pa_ivs *a, uint32_t lo, uint32_t hi)
{
	uint32_t i = lower(a, lo);
	if (i >= a->n || a->v[i].lo > hi)
		return;
	if (a->v[i].lo < lo && a->v[i].hi > hi) {
		/* Splits one interval in two. */
		memmove(a->v + i + 1, a->v + i, (a->n - i) * sizeof(*a->v));
		a->n++;
		a->v[i].hi = lo - 1;
		a->v[i + 1].lo = hi + 1;
		return;
	}
	uint32_t first = i;
	if (a->v[i].lo < lo) {
		a->v[i].hi = lo - 1;
		first = i + 1;
	}
	uint32_t last = first; /* one past the intervals wholly inside [lo, hi] */
	while (last < a->n && a->v[last].hi <= hi)
		last++;
	if (last < a->n && a->v[last].lo <= hi)
		a->v[last].lo = hi + 1;
	memmove(a->v + first, a->v + last, (a->n - last) * sizeof(*a->v));
	a->n -= last - first;
}

bool pa_ivs_subtract_inplace(struct pa_arena *ar, struct pa_ivs *a, const struct pa_ivs *b)
{
	if (b->n > 4) {
		struct pa_ivs out;
		if (!pa_ivs_subtract(ar, &out, a, b))
			return false;
		*a = out;
		return true;
	}
	for (uint32_t k = 0; k < b->n; k++) {
		if (a->n + 1 > a->cap) {
			uint32_t cap = a->cap ? a->cap * 2 : 4;
			struct pa_iv *v = iv_alloc(ar, cap);
			if (!v)
				return false;
			memcpy(v, a->v, a->n * sizeof(*v));
			a->v = v;
			a->cap = cap;
		}
		remove_range(a, b->v[k].lo, b->v[k].hi);
	}
	return true;
}

bool pa_ivs_single(struct pa_arena *ar, struct pa_ivs *out, uint32_t lo, uint32_t hi)
{
	struct pa_iv *v = iv_alloc(ar, 1);
	if (!v)
		return false;
	v->lo = lo;
	v->hi = hi;
	out->v = v;
	out->n = 1;
	out->cap = 1;
	return true;
}

bool pa_ivs_union(struct pa_arena *ar, struct pa_ivs *out, const struct pa_ivs *a,
		  const struct pa_ivs *b)
{
	struct pa_iv *v = iv_alloc(ar, a->n + b->n);
	if (!v)
		return false;
	uint32_t n = 0, i = 0, j = 0;
	while (i < a->n || j < b->n) {
		const struct pa_iv *x = j >= b->n || (i < a->n && a->v[i].lo <= b->v[j].lo)
					? &a->v[i++] : &b->v[j++];
		push(v, &n, x->lo, x->hi);
	}
	out->v = v;
	out->n = n;
	out->cap = a->n + b->n;
	return true;
}

bool pa_ivs_equal(const struct pa_ivs *a, const struct pa_ivs *b)
{
	return a->n == b->n && (a->v == b->v || !memcmp(a->v, b->v, a->n * sizeof(*a->v)));
}

int pa_ivs_compare(const struct pa_ivs *a, const struct pa_ivs *b)
{
	if (a->v == b->v && a->n == b->n)
		return 0; /* one shared list: sorting the pieces of one evaluation */
	for (uint32_t i = 0; i < a->n && i < b->n; i++) {
		if (a->v[i].lo != b->v[i].lo)
			return a->v[i].lo < b->v[i].lo ? -1 : 1;
		if (a->v[i].hi != b->v[i].hi)
			return a->v[i].hi < b->v[i].hi ? -1 : 1;
	}
	return a->n == b->n ? 0 : a->n < b->n ? -1 : 1;
}

void pa_box_share(struct pa_box *dst, struct pa_box *src)
{
	*dst = *src;
	src->owned = 0;
	dst->owned = 0;
}

bool pa_box_empty(const struct pa_box *b)
{
	for (int d = 0; d < PA_NDIMS; d++)
		if (!b->d[d].n)
			return true;
	return false;
}
