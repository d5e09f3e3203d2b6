/* SPDX-License-Identifier: MIT */
/*
 * The query index: port maps built when the policy is compiled, so that a
 * query by zone costs two table lookups and a query by address two table
 * lookups plus a binary search over the remote addresses of the few
 * entries that hold the port, whatever the size of the policy.
 *
 * Zone maps: per (zone, direction, protocol), port -> the first flow (in
 * policy order) whose range holds the port, + 1.
 * Plan maps: per (mode, direction, protocol), port -> a candidate list: the
 * plan's FLOW entries whose ports hold it, per family, in plan order, so
 * that the first one whose remote set holds the address (and whose
 * interface fits) is the entry the scan of the plan would find.
 */
#include <stdlib.h>
#include <string.h>

#include "index.h"

_Static_assert(1u + PS_MAX_ZONES * PS_INDEX_ZONE_MAPS * PS_INDEX_CHUNKS +
			       PS_MAX_ZONES * PS_INDEX_ZONE_MAPS <=
		       65536u,
	       "leaf numbers fit in 16 bits");

/* The ICMP maps (index.h): where their tops begin, and a map's place among
 * those of its zone or mode. */
static size_t icmp_tops(size_t nzones)
{
	return (nzones * PS_INDEX_ZONE_MAPS + PS_INDEX_PLAN_MAPS) * PS_INDEX_CHUNKS;
}

static size_t icmp_slot(unsigned direction, unsigned protocol)
{
	return (direction - 1u) * 2 + (protocol - PORTSPEC_ICMP);
}

static unsigned icmp_family(unsigned protocol)
{
	return protocol == PORTSPEC_ICMP ? PS_FAMILY_V4 : PS_FAMILY_V6;
}

/* What the maps of @e's protocol hold: its ports, or for ICMP its types. */
static const struct portspec_plan_port *entry_keys(const struct portspec_plan_entry *e,
						   size_t *n)
{
	return ps_plan_entry_ranges(e, n);
}

/* ---- growing arrays ---- */

/* The first allocation of a growing array, then doubling. */
#define FIRST_CAP 16u
/* The first hash table of a pool: a small policy's few leaves and lists. */
#define FIRST_SLOTS 64u

/* Room for @more elements of @size bytes after the first @n of *@v. */
static bool reserve(void **v, size_t *cap, size_t n, size_t more, size_t size)
{
	return n + more <= *cap || ps_grow(v, cap, n + more, size, FIRST_CAP);
}

/* Shrinks *@v of capacity *@cap to its @n elements of @size bytes. */
static bool fit(void **v, size_t *cap, size_t n, size_t size)
{
	if (n == 0) {
		ps_free(*v);
		*v = NULL;
		*cap = 0;
		return true;
	}
	if (n == *cap)
		return true;
	void *g = ps_reallocarray(*v, n, size);
	if (!g)
		return false;
	*v = g;
	*cap = n;
	return true;
}

#define RESERVE(arr, cap, n, more) reserve((void **)&(arr), &(cap), (n), (more), sizeof(*(arr)))

/*
 * Blocks of bytes, each stored once: interning a block equal to one already
 * stored gives that one's offset.  Leaves (PS_INDEX_LEAF values of 4 or 2
 * bytes) and candidate lists (their length in their head) are the kinds; a
 * block is compared from byte @skip on (a list's values are not its
 * identity).  Blocks are multiples of 2 bytes.
 */
struct pool {
	unsigned char *v;
	size_t n, cap;
	uint32_t *slots; /* open addressing: offset + 1, 0 empty */
	size_t nslots, used;
	size_t skip;
	size_t (*len)(const struct pool *p, const unsigned char *block);
	size_t leaf; /* leaves: their size in bytes */
};

static size_t leaf_len(const struct pool *p, const unsigned char *block)
{
	(void)block;
	return p->leaf;
}

static size_t list_len(const struct pool *p, const unsigned char *block)
{
	uint32_t n;
	(void)p;
	memcpy(&n, block + PS_CAND_COUNT * sizeof(n), sizeof(n));
	return (PS_CAND_HEAD + (n & ~PS_CAND_SCAN)) * sizeof(n);
}

/* FNV-1a over 16-bit units, from the golden ratio's bits rather than FNV's
 * basis; the high bits are folded into the 32 kept. */
static uint32_t hash_block(const unsigned char *v, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i + 2 <= n; i += 2) {
		uint16_t x;
		memcpy(&x, v + i, sizeof(x));
		h = (h ^ x) * 0x100000001b3u;
	}
	return (uint32_t)(h ^ (h >> 29)); /* an odd shift: mixes bits of every unit */
}

static bool pool_rehash(struct pool *p)
{
	size_t n = p->nslots ? p->nslots * 2 : FIRST_SLOTS;
	uint32_t *s = ps_calloc(n, sizeof(*s));
	if (!s)
		return false;
	for (size_t i = 0; i < p->nslots; i++) {
		if (!p->slots[i])
			continue;
		const unsigned char *b = p->v + p->slots[i] - 1;
		size_t j = hash_block(b + p->skip, p->len(p, b) - p->skip) & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = p->slots[i];
	}
	ps_free(p->slots);
	p->slots = s;
	p->nslots = n;
	return true;
}

/* The offset of a block equal to v[0..n) (bytes), stored if new (*fresh);
 * SIZE_MAX: no memory. */
static size_t pool_intern(struct pool *p, const void *v, size_t n, bool *fresh)
{
	const unsigned char *x = v;
	*fresh = false;
	if ((p->used + 1) * 2 > p->nslots && !pool_rehash(p))
		return SIZE_MAX;
	size_t j = hash_block(x + p->skip, n - p->skip) & (p->nslots - 1);
	for (; p->slots[j]; j = (j + 1) & (p->nslots - 1)) {
		const unsigned char *b = p->v + p->slots[j] - 1;
		if (p->len(p, b) == n && memcmp(b + p->skip, x + p->skip, n - p->skip) == 0)
			return p->slots[j] - 1u;
	}
	if (p->n + n >= UINT32_MAX || !RESERVE(p->v, p->cap, p->n, n))
		return SIZE_MAX;
	memcpy(p->v + p->n, x, n);
	p->slots[j] = (uint32_t)(p->n + 1);
	p->used++;
	p->n += n;
	*fresh = true;
	return p->n - n;
}

/* ---- port maps ---- */

/* Disjoint, sorted ports first..last holding one nonzero value. */
struct seg {
	uint32_t first, last, value;
};

struct segs {
	struct seg *v;
	size_t n, cap;
};

static bool seg_push(struct segs *s, unsigned first, unsigned last, uint32_t value)
{
	if (s->n && s->v[s->n - 1].value == value && s->v[s->n - 1].last + 1 == first) {
		s->v[s->n - 1].last = last;
		return true;
	}
	if (!RESERVE(s->v, s->cap, s->n, 1))
		return false;
	s->v[s->n++] = (struct seg){first, last, value};
	return true;
}

/* Stores value @v of port @x (0..255) in a leaf of 4-, 2- or 1-byte values. */
static void leaf_set(unsigned char *leaf, size_t width, unsigned x, uint32_t v)
{
	if (width == 4) {
		memcpy(leaf + 4 * x, &v, 4);
	} else if (width == 1) {
		leaf[x] = (unsigned char)v;
	} else {
		uint16_t h = (uint16_t)v;
		memcpy(leaf + sizeof(h) * x, &h, sizeof(h));
	}
}

/*
 * Fills the 256 leaf numbers @top from @s: chunks no segment touches stay
 * leaf 0.  With @num, the leaves hold num[value], the values' numbers in a
 * palette.
 */
static bool map_fill(struct pool *leaves, const struct segs *s, uint16_t *top,
		     const uint16_t *num)
{
	uint32_t buf[PS_INDEX_LEAF]; /* written and copied as bytes */
	unsigned char *leaf = (unsigned char *)buf;
	size_t width = leaves->leaf / PS_INDEX_LEAF;
	unsigned c = 0;
	for (size_t i = 0; i < s->n; c++) {
		if (PS_PORT_CHUNK(s->v[i].first) > c)
			c = PS_PORT_CHUNK(s->v[i].first);
		unsigned base = c * PS_INDEX_LEAF, end = base + PS_INDEX_LEAF - 1;
		size_t j = i;
		memset(leaf, 0, leaves->leaf);
		while (j < s->n && s->v[j].first <= end) {
			unsigned a = s->v[j].first > base ? s->v[j].first : base;
			unsigned b = s->v[j].last < end ? s->v[j].last : end;
			uint32_t v = num ? num[s->v[j].value] : s->v[j].value;
			for (unsigned x = a; x <= b; x++)
				leaf_set(leaf, width, x - base, v);
			if (s->v[j].last > end)
				break; /* it goes on in the next chunk */
			j++;
		}
		bool fresh;
		size_t off = pool_intern(leaves, leaf, leaves->leaf, &fresh);
		if (off == SIZE_MAX)
			return false;
		top[c] = (uint16_t)(off / leaves->leaf);
		i = j;
	}
	return true;
}

/* ---- zone maps ---- */

/* A binary heap of flow indices, smallest first. */
struct heap {
	uint32_t *v;
	size_t n;
};

static void heap_push(struct heap *h, uint32_t x)
{
	size_t i = h->n++;
	while (i && h->v[(i - 1) / 2] > x) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = x;
}

static void heap_pop(struct heap *h)
{
	uint32_t x = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1] < h->v[c])
			c++;
		if (h->v[c] >= x)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = x;
}

/*
 * Segments of flows [lo, hi) of one bucket, which are sorted by first port:
 * each port goes to the lowest-index flow that holds it, the one a scan of
 * the flows would report, counted from lo + 1.  @h has room for hi - lo
 * indices.
 */
static bool zone_segments(const struct portspec_flow *flows, size_t lo, size_t hi,
			  struct heap *h, struct segs *out)
{
	size_t next = lo;
	unsigned port = flows[lo].first;
	h->n = 0;
	out->n = 0;
	while (port <= PS_MAX_PORT) {
		while (next < hi && flows[next].first <= port)
			heap_push(h, (uint32_t)next++);
		while (h->n && flows[h->v[0]].last < port)
			heap_pop(h);
		if (!h->n) {
			if (next == hi)
				break;
			port = flows[next].first;
			continue;
		}
		uint32_t top = h->v[0];
		/* until the top flow ends or a flow starts that may come first */
		unsigned end = flows[top].last;
		if (next < hi && flows[next].first <= end)
			end = flows[next].first - 1u;
		if (!seg_push(out, port, end, (uint32_t)(top - lo) + 1))
			return false;
		port = end + 1u;
	}
	return true;
}

struct build {
	struct ps_index *ix;
	uint32_t *zone_base; /* in the same block as ix */
	const struct portspec_policy *p;
	struct pool leaves, pleaves, cand; /* zone maps' leaves, plan maps', lists */
	struct pool hleaves; /* the TCP/UDP plan maps' byte leaves */
	struct segs psegs[PS_INDEX_PLAN_MAPS]; /* their segments, until filled */
	bool hot; /* they are byte leaves */
	struct ps_small *hsmall[2];
	size_t nhsmall[2];
	uint32_t *longv;
	size_t nlong, lcap;
	struct segs segs;
	struct ps_qentry *q;
	size_t nq, qcap;
	struct ps_arange *ranges;
	size_t nranges, rcap;
	struct ps_apart *parts;
	size_t nparts, pcap;
	struct ps_small *small;
	size_t nsmall, scap;
	struct heap heap; /* room for the most events of a partition */
	size_t heap_cap;
	bool *active;
	size_t active_cap;
};

/* The end of the bucket (a run of flows of one direction, zone, protocol) at @lo. */
static size_t bucket_end(const struct portspec_policy *p, size_t lo)
{
	const struct portspec_flow *f = &p->flows[lo];
	size_t hi = lo + 1;
	while (hi < p->nflows && p->flows[hi].direction == f->direction &&
	       p->flows[hi].zone == f->zone && p->flows[hi].protocol == f->protocol)
		hi++;
	return hi;
}

/* Leaves of 16-bit values, unless a bucket has more flows than they count. */
static bool zone_wide(const struct portspec_policy *p)
{
	for (size_t lo = 0, hi; lo < p->nflows; lo = hi)
		if ((hi = bucket_end(p, lo)) - lo > UINT16_MAX)
			return true;
	return false;
}

static bool zone_maps(struct build *b)
{
	const struct portspec_policy *p = b->p;
	struct heap h = {NULL, 0};
	bool ok = true;
	if (!p->nflows)
		return true;
	h.v = ps_calloc(p->nflows, sizeof(*h.v));
	if (!h.v)
		return false;
	/* flows are sorted by direction, zone, protocol: buckets are runs */
	for (size_t lo = 0, hi; lo < p->nflows && ok; lo = hi) {
		const struct portspec_flow *f = &p->flows[lo];
		hi = bucket_end(p, lo);
		size_t nz = b->ix->nzones, z = f->zone->index, map;
		uint16_t *top;
		if (ps_protocol_is_icmp(f->protocol)) {
			/* types: chunk 0 alone */
			map = (nz + z) * PS_INDEX_ZONE_MAPS + icmp_slot(f->direction, f->protocol);
			top = b->ix->top + icmp_tops(nz) + z * PS_INDEX_ZONE_MAPS +
			      icmp_slot(f->direction, f->protocol);
		} else {
			map = ps_index_zone_map(z, f->direction, f->protocol);
			top = b->ix->top + map * PS_INDEX_CHUNKS;
		}
		b->zone_base[map] = (uint32_t)lo;
		ok = zone_segments(p->flows, lo, hi, &h, &b->segs) &&
		     map_fill(&b->leaves, &b->segs, top, NULL);
	}
	ps_free(h.v);
	return ok;
}

/* ---- addresses as numbers ---- */

static struct ps_akey akey_of(unsigned family, const unsigned char *a)
{
	if (family == PS_FAMILY_V4) /* the first 32 bits; what follows is no address */
		return (struct ps_akey){ps_be64(a) & ~(uint64_t)0xffffffffu, 0};
	return (struct ps_akey){ps_be64(a), ps_be64(a + sizeof(uint64_t))};
}

static bool akey_le(struct ps_akey a, struct ps_akey b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo <= b.lo);
}

static bool akey_eq(struct ps_akey a, struct ps_akey b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

/* The next address of the family; false after the last one. */
static bool akey_next(unsigned family, struct ps_akey a, struct ps_akey *out)
{
	if (family == PS_FAMILY_V4) {
		out->hi = a.hi + ((uint64_t)1 << 32); /* IPv4: the first 32 bits */
		out->lo = 0;
		return out->hi != 0;
	}
	out->lo = a.lo + 1;
	out->hi = a.hi + (out->lo == 0);
	return a.lo != UINT64_MAX || a.hi != UINT64_MAX;
}

/* ---- plan maps ---- */

/* The list at @off (in 32-bit values) of the list pool. */
static uint32_t *list_at(const struct build *b, size_t off)
{
	return (uint32_t *)(void *)b->cand.v + off;
}

/* Interns list @list of @n entries; its offset in 32-bit values, SIZE_MAX: no memory. */
static size_t list_intern(struct build *b, const uint32_t *list, size_t n, bool *fresh)
{
	size_t off = pool_intern(&b->cand, list, (PS_CAND_HEAD + n) * sizeof(*list), fresh);
	return off == SIZE_MAX ? off : off / sizeof(*list);
}

/*
 * The 16-bit map value of the list at @off, in its [1]: its value itself
 * when that is a small partition below 32768, else a slot of
 * ps_index.longv.  The last PS_INDEX_PLAN_MAPS slots are kept for the
 * lists of scanned buckets (@scan).  1: no slot is left; -1: no memory.
 */
static int list_short(struct build *b, size_t off, bool scan)
{
	uint32_t *list = list_at(b, off);
	if (list[1]) /* only the empty list has 0, and it is never interned */
		return 0;
	uint32_t v = list[0];
	if (!(v & PS_PLAN_LARGE) && v <= UINT16_MAX) {
		list[1] = v;
		return 0;
	}
	if (b->nlong >= PS_INDEX_LONG - (scan ? 0 : PS_INDEX_PLAN_MAPS))
		return 1;
	if (!RESERVE(b->longv, b->lcap, b->nlong, 1))
		return -1;
	list = list_at(b, off);
	b->longv[b->nlong] = v;
	list[1] = (uint32_t)(b->nlong++ << 1 | 1);
	return 0;
}

/* The plan's hook for a direction: an entry of another can never match. */
static enum portspec_hook hook_for(enum portspec_mode mode, enum portspec_direction d)
{
	if (mode == PORTSPEC_MODE_GATEWAY)
		return PORTSPEC_HOOK_FORWARD;
	return d == PORTSPEC_INBOUND ? PORTSPEC_HOOK_INPUT : PORTSPEC_HOOK_OUTPUT;
}

/*
 * The entries the address query can return: FLOW entries with ports (ICMP:
 * types, of its family), at the hook of their direction.  Baseline entries
 * are not connections of the policy.
 */
static bool indexed(const struct portspec_plan *plan, const struct portspec_plan_entry *e)
{
	size_t n;
	entry_keys(e, &n);
	return e->kind == PORTSPEC_ENTRY_FLOW && e->protocol >= PORTSPEC_TCP &&
	       e->protocol <= PORTSPEC_ICMPV6 &&
	       (e->direction == PORTSPEC_INBOUND || e->direction == PORTSPEC_OUTBOUND) &&
	       (ps_protocol_is_icmp(e->protocol) ? e->family == icmp_family(e->protocol)
						 : e->family == PS_FAMILY_V4 ||
							   e->family == PS_FAMILY_V6) &&
	       n > 0 && e->hook == hook_for(plan->mode, e->direction);
}

/* Appends the matcher of @e (NULL: entry 0, none): its remote set's matched
 * ranges as numbers. */
static bool add_qentry(struct build *b, const struct portspec_plan_entry *e)
{
	const struct portspec_addrset *r = e ? &e->remote : NULL;
	size_t n = r ? r->matched_count : 0;
	if (!RESERVE(b->q, b->qcap, b->nq, 1) || !RESERVE(b->ranges, b->rcap, b->nranges, n))
		return false;
	struct ps_qentry *q = &b->q[b->nq++];
	q->entry = e;
	q->iface = !e ? NULL : e->direction == PORTSPEC_INBOUND ? e->iif : e->oif;
	q->off = (uint32_t)b->nranges;
	q->n = (uint32_t)n;
	for (size_t i = 0; i < n; i++)
		b->ranges[b->nranges++] = (struct ps_arange){akey_of(e->family, r->matched[i].first),
							     akey_of(e->family, r->matched[i].last)};
	return true;
}

/* Where a port range or an address range begins (start) or ends (one past its last). */
struct event {
	struct ps_akey key;
	uint32_t start; /* 0: ends, 1: starts */
	uint32_t member;
};

static int cmp_event(const void *pa, const void *pb)
{
	const struct event *a = pa, *b = pb;
	if (!akey_eq(a->key, b->key))
		return akey_le(a->key, b->key) ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->member < b->member ? -1 : a->member > b->member;
}

/* Partitions are numbered in 24 bits of a map value: a limit no policy within
 * portspec(5) LIMITS reaches, treated as memory running out. */
static bool parts_push(struct build *b, struct ps_akey start,
		       const struct portspec_plan_entry *e, uint32_t list)
{
	if (b->nparts >= (size_t)1 << (32 - PS_PLAN_SHIFT) ||
	    !RESERVE(b->parts, b->pcap, b->nparts, 1))
		return false;
	b->parts[b->nparts++] = (struct ps_apart){start, e, list};
	return true;
}

/*
 * Completes the large partition begun at @first: padded to a power of two
 * by repeating its last element (a search that lands on a copy finds the
 * same entry).  Its map value, without the steps beyond what the search of
 * a large partition needs, is returned in *value.
 */
static bool parts_finish(struct build *b, size_t first, uint32_t flags, uint32_t *value)
{
	uint32_t s = PS_PLAN_MIN_STEPS;
	while (((size_t)1 << s) < b->nparts - first)
		s++;
	while (b->nparts - first < (size_t)1 << s) {
		struct ps_apart last = b->parts[b->nparts - 1];
		if (!parts_push(b, last.start, last.entry, last.list))
			return false;
	}
	*value = (uint32_t)first << PS_PLAN_SHIFT | (s - PS_PLAN_MIN_STEPS) << PS_PLAN_STEPS_SHIFT |
		 flags |
		 PS_PLAN_LARGE;
	return true;
}

/*
 * The partition just built from @first, of list @off, as a small one if it
 * can be: at most 8 elements that start on /64 boundaries.  Its elements
 * are then dropped.
 */
static bool parts_small(struct build *b, size_t first, uint32_t off, uint32_t *value)
{
	size_t n = b->nparts - first;
	bool wide = false;
	for (size_t i = first + 1; i < b->nparts; i++)
		wide |= b->parts[i].start.lo != 0;
	if (n > PS_SMALL_ELEMENTS || wide)
		return parts_finish(b, first, wide ? PS_PLAN_WIDE : 0, value);
	if (b->nsmall >= (size_t)1 << 31 || !RESERVE(b->small, b->scap, b->nsmall, 1))
		return false;
	struct ps_small *s = &b->small[b->nsmall];
	const struct ps_apart *e = b->parts + first;
	/* UINT64_MAX past the end sends only the last address of the space
	 * there, which the entry repeated there holds */
	s->key[0] = off;
	for (size_t i = 0; i < PS_SMALL_ELEMENTS; i++) {
		uint64_t start = i < n ? e[i].start.hi : UINT64_MAX;
		if (i % 2)
			s->key[PS_SMALL_PAIRS + i / 2] = start;
		else if (i)
			s->key[i / 2] = start;
		s->entry[i] = e[i < n ? i : n - 1].entry;
	}
	*value = (uint32_t)b->nsmall++ << 1;
	b->nparts = first;
	return true;
}

/*
 * The address partition of the list at @off (PS_CAND_HEAD, then entry
 * numbers): sweeping the members' ranges in address order, each stretch
 * goes to the member of lowest rank (plan order) that holds it.  Stores the
 * list's map value in its [0].
 */
static bool list_partition(struct build *b, uint32_t off, size_t *work)
{
	const uint32_t *list = list_at(b, off); /* the pool does not grow here */
	size_t n = list[PS_CAND_COUNT], nev = 0;
	for (size_t r = 0; r < n; r++)
		nev += 2 * b->q[list[PS_CAND_HEAD + r]].n; /* a range starts and ends */
	struct event *ev = ps_calloc(nev ? nev : 1, sizeof(*ev));
	if (!ev || !RESERVE(b->heap.v, b->heap_cap, 0, nev) ||
	    !RESERVE(b->active, b->active_cap, 0, n)) {
		ps_free(ev);
		return false;
	}
	nev = 0;
	for (size_t r = 0; r < n; r++) {
		const struct ps_qentry *q = &b->q[list[PS_CAND_HEAD + r]];
		for (size_t i = 0; i < q->n; i++) {
			const struct ps_arange *x = &b->ranges[q->off + i];
			struct ps_akey end;
			ev[nev++] = (struct event){x->first, 1, (uint32_t)r};
			if (akey_next(q->entry->family, x->last, &end))
				ev[nev++] = (struct event){end, 0, (uint32_t)r};
		}
		b->active[r] = false;
	}
	*work += nev;
	qsort(ev, nev, sizeof(*ev), cmp_event);
	size_t first = b->nparts;
	bool ok = parts_push(b, (struct ps_akey){0, 0}, NULL, off);
	b->heap.n = 0;
	for (size_t i = 0; i < nev && ok;) {
		struct ps_akey key = ev[i].key;
		for (; i < nev && akey_eq(ev[i].key, key); i++) {
			b->active[ev[i].member] = ev[i].start != 0;
			if (ev[i].start)
				heap_push(&b->heap, ev[i].member);
		}
		/* members whose range ended leave the heap lazily */
		while (b->heap.n && !b->active[b->heap.v[0]])
			heap_pop(&b->heap);
		const struct portspec_plan_entry *e =
			b->heap.n ? b->q[list[PS_CAND_HEAD + b->heap.v[0]]].entry : NULL;
		struct ps_apart *last = &b->parts[b->nparts - 1];
		if (akey_eq(last->start, key))
			last->entry = e;
		else if (last->entry != e)
			ok = parts_push(b, key, e, off);
	}
	ps_free(ev);
	return ok && parts_small(b, first, off, &list_at(b, off)[0]);
}

/* One (mode, direction, protocol, family) bucket while it is built. */
struct bucket {
	uint32_t *members; /* entry numbers, in plan order */
	size_t n;
	struct event *ev;
	size_t nev;
	uint32_t *active; /* member numbers, sorted */
	size_t nactive;
	uint32_t *list;   /* room for a list of every member */
	size_t ranges;    /* of the members' remote sets */
};

static size_t find_active(const struct bucket *k, uint32_t m)
{
	size_t lo = 0, hi = k->nactive;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->active[mid] < m)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void apply_event(struct bucket *k, const struct event *e)
{
	size_t i = find_active(k, e->member);
	if (e->start) {
		memmove(k->active + i + 1, k->active + i, (k->nactive - i) * sizeof(*k->active));
		k->active[i] = e->member;
		k->nactive++;
	} else {
		k->nactive--;
		memmove(k->active + i, k->active + i + 1, (k->nactive - i) * sizeof(*k->active));
	}
}

/*
 * Every port of the bucket goes to the one list of all its entries, each of
 * which checks its ports: for a bucket whose per-port lists and partitions
 * would cost more than PS_LIST_BUDGET times the bucket's port and address
 * ranges (many narrowed services whose port ranges overlap in a
 * staircase), what a scan of the plan does.
 */
#define PS_LIST_BUDGET 32u
/* Added to the ranges the budget is counted in: a small bucket is never
 * scanned for want of budget. */
#define PS_LIST_BUDGET_FLOOR 2048u

static bool scan_bucket(struct build *b, struct bucket *k)
{
	bool fresh;
	k->list[PS_CAND_VALUE] = k->list[PS_CAND_VALUE16] = 0;
	k->list[PS_CAND_COUNT] = (uint32_t)k->n | PS_CAND_SCAN;
	memcpy(k->list + PS_CAND_HEAD, k->members, k->n * sizeof(*k->members));
	size_t off = list_intern(b, k->list, k->n, &fresh);
	b->segs.n = 0;
	if (off == SIZE_MAX)
		return false;
	/* its partition: one element, no entry */
	if (fresh && (!parts_push(b, (struct ps_akey){0, 0}, NULL, (uint32_t)off) ||
		      !parts_finish(b, b->nparts - 1, PS_PLAN_SCAN, &list_at(b, off)[0])))
		return false;
	return list_short(b, off, true) == 0 &&
	       seg_push(&b->segs, 1, PS_MAX_PORT, list_at(b, off)[PS_CAND_VALUE16]);
}

/* Sweeps the bucket's port boundaries: one list per run of ports. */
static bool plan_segments(struct build *b, struct bucket *k)
{
	const size_t budget = PS_LIST_BUDGET * (k->nev + k->ranges + PS_LIST_BUDGET_FLOOR);
	size_t work = 0;
	b->segs.n = 0;
	k->nactive = 0;
	qsort(k->ev, k->nev, sizeof(*k->ev), cmp_event);
	for (size_t i = 0; i < k->nev;) {
		uint64_t pos = k->ev[i].key.lo;
		for (; i < k->nev && k->ev[i].key.lo == pos; i++) {
			apply_event(k, &k->ev[i]);
			work += k->nactive;
		}
		if (!k->nactive || pos > PS_MAX_PORT)
			continue;
		work += k->nactive;
		k->list[PS_CAND_VALUE] = k->list[PS_CAND_VALUE16] = 0;
		k->list[PS_CAND_COUNT] = (uint32_t)k->nactive;
		for (size_t a = 0; a < k->nactive; a++)
			k->list[PS_CAND_HEAD + a] = k->members[k->active[a]];
		bool fresh;
		size_t off = list_intern(b, k->list, k->nactive, &fresh);
		if (off == SIZE_MAX || (fresh && !list_partition(b, (uint32_t)off, &work)))
			return false;
		int full = work > budget ? 1 : list_short(b, off, false);
		if (full)
			return full > 0 && scan_bucket(b, k);
		uint64_t next = i < k->nev ? k->ev[i].key.lo : PS_MAX_PORT + 1;
		if (!seg_push(&b->segs, (unsigned)pos, (unsigned)next - 1,
			      list_at(b, off)[PS_CAND_VALUE16]))
			return false;
	}
	return true;
}

static void bucket_release(struct bucket *k)
{
	ps_free(k->members);
	ps_free(k->ev);
	ps_free(k->active);
	ps_free(k->list);
	memset(k, 0, sizeof(*k));
}

/* Collects the members of bucket (d, proto, family) from entries [q0, nq). */
static bool bucket_collect(const struct build *b, size_t q0, unsigned d, unsigned proto,
			   unsigned family, struct bucket *k)
{
	size_t nev = 0;
	for (size_t i = q0; i < b->nq; i++) {
		const struct portspec_plan_entry *e = b->q[i].entry;
		if (e->direction == d && e->protocol == proto && e->family == family) {
			size_t nkeys;
			entry_keys(e, &nkeys);
			k->n++;
			k->ranges += b->q[i].n;
			nev += 2 * nkeys; /* a port range starts and ends */
		}
	}
	if (!k->n)
		return true;
	k->members = ps_calloc(k->n, sizeof(*k->members));
	k->ev = ps_calloc(nev, sizeof(*k->ev));
	k->active = ps_calloc(k->n, sizeof(*k->active));
	k->list = ps_calloc(k->n + PS_CAND_HEAD, sizeof(*k->list));
	if (!k->members || !k->ev || !k->active || !k->list)
		return false;
	k->n = 0;
	for (size_t i = q0; i < b->nq; i++) {
		const struct portspec_plan_entry *e = b->q[i].entry;
		if (e->direction != d || e->protocol != proto || e->family != family)
			continue;
		uint32_t m = (uint32_t)k->n;
		size_t nkeys;
		const struct portspec_plan_port *keys = entry_keys(e, &nkeys);
		k->members[k->n++] = (uint32_t)i;
		for (size_t r = 0; r < nkeys; r++) {
			k->ev[k->nev++] = (struct event){{0, keys[r].first}, 1, m};
			k->ev[k->nev++] = (struct event){{0, keys[r].last + 1u}, 0, m};
		}
	}
	return true;
}

/* Keeps the segments of @s at or below @last: an ICMP map has one chunk,
 * and a scanned bucket's segment runs to 65535. */
static bool segs_clip(struct segs *s, unsigned last)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].first <= last) {
			s->v[n] = s->v[i];
			if (s->v[n].last > last)
				s->v[n].last = last;
			n++;
		}
	s->n = n;
	return true;
}

static size_t plan_map(size_t nzones, size_t mode_index, unsigned d, unsigned proto,
		       unsigned family)
{
	return nzones * 4 + mode_index * 8 + (d - 1u) * 4 + (proto - 1u) * 2 + (family == 6);
}

static bool plan_maps(struct build *b, size_t mode_index)
{
	const struct portspec_plan *plan = b->p->plans[mode_index];
	size_t q0 = b->nq;
	for (size_t i = 0; i < plan->nentries; i++)
		if (indexed(plan, plan->entries[i]) && !add_qentry(b, plan->entries[i]))
			return false;
	for (unsigned d = PORTSPEC_INBOUND; d <= PORTSPEC_OUTBOUND; d++)
		for (unsigned proto = PORTSPEC_TCP; proto <= PORTSPEC_ICMPV6; proto++)
			for (unsigned f = 0; f < PS_NFAMILIES; f++) {
				unsigned family = PS_FAMILY_AT(f);
				bool icmp = ps_protocol_is_icmp(proto);
				if (icmp && family != icmp_family(proto))
					continue;
				struct bucket k;
				memset(&k, 0, sizeof(k));
				bool ok = bucket_collect(b, q0, d, proto, family, &k);
				if (ok && k.n) {
					size_t nz = b->ix->nzones;
					uint16_t *top =
						icmp ? b->ix->top + icmp_tops(nz) +
							       nz * PS_INDEX_ZONE_MAPS +
							       mode_index * PS_INDEX_ZONE_MAPS +
							       icmp_slot(d, proto)
						     : b->ix->top + plan_map(nz, mode_index, d, proto,
									     family) * PS_INDEX_CHUNKS;
					ok = plan_segments(b, &k);
					if (ok && icmp) {
						ok = segs_clip(&b->segs, 255) &&
						     map_fill(&b->pleaves, &b->segs, top, NULL);
					} else if (ok) {
						/* filled when both plans are known */
						size_t m = plan_map(nz, mode_index, d, proto, family) -
							   nz * 4;
						struct segs t = b->psegs[m];
						b->psegs[m] = b->segs;
						b->segs = t;
					}
				}
				bucket_release(&k);
				if (!ok)
					return false;
			}
	return true;
}

size_t ps_index_hot_limit = PS_INDEX_HOT;

/*
 * The palette of mode @m's TCP/UDP plan maps, its values in @val: 0, the
 * other small partitions, then the other values; the number of small ones
 * in *@nsmall, each value's number in @num (65536 entries, zero on entry;
 * number + 1 while it is built).  False if there are more than
 * PS_INDEX_HOT.
 */
static bool palette(const struct build *b, size_t m, uint16_t *val, uint16_t *num, size_t *n,
		    size_t *nsmall)
{
	*n = 1;
	val[0] = 0;
	num[0] = 1;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = m * 8; k < m * 8 + 8; k++)
			for (size_t i = 0; i < b->psegs[k].n; i++) {
				uint32_t v = b->psegs[k].v[i].value;
				if ((v & 1) != (uint32_t)pass || num[v])
					continue; /* small ones first; each once */
				if (*n >= ps_index_hot_limit || *n == PS_INDEX_HOT)
					return false;
				val[*n] = (uint16_t)v;
				num[v] = (uint16_t)++*n;
			}
		if (pass == 0)
			*nsmall = *n;
	}
	for (size_t i = 0; i < *n; i++)
		num[val[i]]--;
	return true;
}

/* Fills the TCP/UDP plan maps: of byte leaves when both palettes fit. */
static bool plan_fill(struct build *b)
{
	size_t nz = b->ix->nzones, n[2], nsmall[2];
	uint16_t *num = ps_calloc(2 * 65536, sizeof(*num));
	if (!num)
		return false;
	bool hot = palette(b, 0, b->ix->hval[0], num, &n[0], &nsmall[0]) &&
		   palette(b, 1, b->ix->hval[1], num + 65536, &n[1], &nsmall[1]);
	bool ok = true;
	for (size_t m = 0; hot && ok && m < 2; m++) {
		struct ps_small *s = ps_calloc(nsmall[m], sizeof(*s));
		ok = s != NULL;
		for (size_t i = 0; ok && i < nsmall[m]; i++)
			s[i] = b->small[b->ix->hval[m][i] >> 1];
		b->hsmall[m] = s;
		b->nhsmall[m] = s ? nsmall[m] : 0;
	}
	for (size_t k = 0; ok && k < PS_INDEX_PLAN_MAPS; k++) {
		uint16_t *top = b->ix->top + (nz * 4 + k) * PS_INDEX_CHUNKS;
		ok = hot ? map_fill(&b->hleaves, &b->psegs[k], top, num + (k / 8) * 65536)
			 : map_fill(&b->pleaves, &b->psegs[k], top, NULL);
	}
	ps_free(num);
	if (!hot)
		memset(b->ix->hval, 0, sizeof(b->ix->hval));
	b->hot = hot;
	return ok;
}

/* ---- building ---- */

static const void *zone_pool(const struct ps_index *ix)
{
	return ix->zone_wide ? (const void *)ix->zpool32 : (const void *)ix->zpool16;
}

void ps_index_free(struct ps_index *ix)
{
	if (!ix)
		return;
	ps_free((void *)zone_pool(ix));
	ps_free((void *)ix->pool16);
	ps_free((void *)ix->pool8);
	ps_free((void *)ix->hsmall[0]);
	ps_free((void *)ix->hsmall[1]);
	ps_free((void *)ix->cand);
	ps_free((void *)ix->longv);
	ps_free((void *)ix->small);
	ps_free((void *)ix->parts);
	ps_free((void *)ix->q);
	ps_free((void *)ix->ranges);
	ps_free(ix);
}

/* Leaf 0 of each pool, entry 0, the empty list and its small partition 0:
 * "nothing". */
static bool build_nothing(struct build *b)
{
	uint32_t zero[PS_INDEX_LEAF] = {0};
	bool fresh;
	if (pool_intern(&b->leaves, zero, b->leaves.leaf, &fresh) != 0 ||
	    pool_intern(&b->pleaves, zero, b->pleaves.leaf, &fresh) != 0 ||
	    pool_intern(&b->hleaves, zero, b->hleaves.leaf, &fresh) != 0 || !add_qentry(b, NULL) ||
	    !RESERVE(b->small, b->scap, 0, 1) ||
	    !RESERVE(b->cand.v, b->cand.cap, 0, PS_CAND_HEAD * sizeof(uint32_t)))
		return false;
	memset(&b->small[0], 0, sizeof(b->small[0]));
	for (size_t i = 1; i < 8; i++)
		b->small[0].key[i] = UINT64_MAX;
	b->nsmall = 1;
	/* not interned: no list of the plan is empty */
	memset(b->cand.v, 0, PS_CAND_HEAD * sizeof(uint32_t));
	b->cand.n = PS_CAND_HEAD * sizeof(uint32_t);
	return true;
}

static void build_release(struct build *b, bool keep)
{
	ps_free(b->segs.v);
	ps_free(b->heap.v);
	ps_free(b->active);
	ps_free(b->leaves.slots);
	ps_free(b->pleaves.slots);
	ps_free(b->hleaves.slots);
	ps_free(b->cand.slots);
	for (size_t m = 0; m < PS_INDEX_PLAN_MAPS; m++)
		ps_free(b->psegs[m].v);
	if (keep)
		return;
	ps_free(b->hleaves.v);
	ps_free(b->hsmall[0]);
	ps_free(b->hsmall[1]);
	ps_free(b->leaves.v);
	ps_free(b->pleaves.v);
	ps_free(b->cand.v);
	ps_free(b->longv);
	ps_free(b->small);
	ps_free(b->parts);
	ps_free(b->q);
	ps_free(b->ranges);
	ps_free(b->ix);
}

enum portspec_status ps_index_build(struct portspec_policy *p, struct portspec_error *err)
{
	size_t nzones = p->spec->nzones;
	size_t ntop = icmp_tops(nzones) + nzones * PS_INDEX_ZONE_MAPS + PS_INDEX_ICMP_PLAN_MAPS;
	/* the tops, then the zone maps' bases, those of the ICMP maps last
	 * (aligned: ntop is a multiple of 4) */
	size_t top_bytes =
		ntop * sizeof(uint16_t) + nzones * 2 * PS_INDEX_ZONE_MAPS * sizeof(uint32_t);
	struct build b;
	memset(&b, 0, sizeof(b));
	b.p = p;
	b.leaves.len = b.pleaves.len = b.hleaves.len = leaf_len;
	b.hleaves.leaf = PS_INDEX_LEAF;
	bool wide = zone_wide(p);
	b.leaves.leaf = PS_INDEX_LEAF * (wide ? sizeof(uint32_t) : sizeof(uint16_t));
	b.pleaves.leaf = PS_INDEX_LEAF * sizeof(uint16_t);
	b.cand.len = list_len;
	b.cand.skip = 2 * sizeof(uint32_t);
	b.ix = ps_calloc(1, sizeof(*b.ix) + top_bytes);
	if (b.ix)
		b.zone_base = (uint32_t *)(void *)(b.ix->top + ntop);
	bool ok = b.ix && build_nothing(&b);
	if (ok) {
		b.ix->zones = p->spec->zones;
		b.ix->nzones = nzones;
		b.ix->flows = p->flows;
		ok = zone_maps(&b) && plan_maps(&b, 0) && plan_maps(&b, 1) && plan_fill(&b);
	}
	/* the arrays grew by doubling: give back what they do not use */
	ok = ok && fit((void **)&b.leaves.v, &b.leaves.cap, b.leaves.n, 1) &&
	     fit((void **)&b.pleaves.v, &b.pleaves.cap, b.pleaves.n, 1) &&
	     fit((void **)&b.hleaves.v, &b.hleaves.cap, b.hleaves.n, 1) &&
	     fit((void **)&b.cand.v, &b.cand.cap, b.cand.n, 1) &&
	     fit((void **)&b.longv, &b.lcap, b.nlong, sizeof(*b.longv)) &&
	     fit((void **)&b.small, &b.scap, b.nsmall, sizeof(*b.small)) &&
	     fit((void **)&b.parts, &b.pcap, b.nparts, sizeof(*b.parts)) &&
	     fit((void **)&b.q, &b.qcap, b.nq, sizeof(*b.q)) &&
	     fit((void **)&b.ranges, &b.rcap, b.nranges, sizeof(*b.ranges));
	build_release(&b, ok);
	if (!ok)
		return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	struct ps_index *ix = b.ix;
	ix->zone_wide = wide;
	ix->zone_base = b.zone_base;
	if (wide)
		ix->zpool32 = (const uint32_t *)(void *)b.leaves.v;
	else
		ix->zpool16 = (const uint16_t *)(void *)b.leaves.v;
	ix->pool16 = (const uint16_t *)(void *)b.pleaves.v;
	if (b.hot) {
		ix->pool8 = b.hleaves.v;
		ix->hsmall[0] = b.hsmall[0];
		ix->hsmall[1] = b.hsmall[1];
	} else {
		ps_free(b.hleaves.v);
		b.hleaves.cap = 0;
	}
	ix->cand = (const uint32_t *)(void *)b.cand.v;
	ix->longv = b.longv;
	ix->small = b.small;
	ix->nsmall = b.nsmall;
	ix->parts = b.parts;
	ix->q = b.q;
	ix->ranges = b.ranges;
	ix->bytes = sizeof(*ix) + top_bytes + b.leaves.cap + b.pleaves.cap + b.hleaves.cap +
		    (b.nhsmall[0] + b.nhsmall[1]) * sizeof(struct ps_small) + b.cand.cap +
		    b.lcap * sizeof(*b.longv) + b.scap * sizeof(*b.small) +
		    b.pcap * sizeof(*b.parts) + b.qcap * sizeof(*b.q) +
		    b.rcap * sizeof(*b.ranges);
	ix->zone_leaf_bytes = b.leaves.cap;
	ix->plan_leaf_bytes = b.pleaves.cap + b.hleaves.cap;
	for (size_t m = 0; m < 2; m++) {
		p->plans[m]->index = ix;
		p->plans[m]->index_top = ix->top + plan_map(nzones, m, 1, 1, 4) * PS_INDEX_CHUNKS;
		p->plans[m]->index_leaves = ix->pool16;
		p->plans[m]->index_leaves8 = ix->pool8;
		p->plans[m]->index_hval = ix->hval[m];
		p->plans[m]->index_hsmall = ix->hsmall[m];
		p->plans[m]->index_hsmalls = (uint32_t)b.nhsmall[m];
		p->plans[m]->index_small = ix->small;
	}
	p->index = ix;
	return PORTSPEC_OK;
}

/* ---- queries ---- */

/* Does one of the sorted ranges r[0..n) hold a? */
static bool ranges_hold(const struct ps_arange *r, size_t n, struct ps_akey a)
{
	if (!n)
		return false;
	while (n > 1) {
		size_t half = n / 2;
		r = akey_le(r[half].first, a) ? r + half : r;
		n -= half;
	}
	return akey_le(r->first, a) && akey_le(a, r->last);
}

const struct portspec_plan_port *ps_entry_port(const struct portspec_plan_entry *e,
					       unsigned port)
{
	size_t n;
	const struct portspec_plan_port *v = entry_keys(e, &n);
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].last < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].first <= port ? &v[lo] : NULL;
}

static bool iface_fits(const char *want, const char *given)
{
	return !given || !want || strcmp(want, given) == 0;
}

/* The list's members in plan order, tested as the plan's scan tests them:
 * address, interface, and for a scanned bucket the ports. */
static const struct portspec_plan_entry *scan_list(const struct ps_index *ix,
						   const uint32_t *list, struct ps_akey a,
						   const struct portspec_connection *c)
{
	uint32_t n = list[PS_CAND_COUNT] & ~PS_CAND_SCAN;
	bool ports = (list[PS_CAND_COUNT] & PS_CAND_SCAN) != 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct ps_qentry *q = &ix->q[list[PS_CAND_HEAD + i]];
		if ((!ports || ps_entry_port(q->entry, c->port)) &&
		    ranges_hold(ix->ranges + q->off, q->n, a) && iface_fits(q->iface, c->interface))
			return q->entry;
	}
	return NULL;
}

/* The last element of large partition @v that starts at or before @a. */
static const struct ps_apart *large_search(const struct ps_index *ix, uint32_t v,
					   struct ps_akey a)
{
	const struct ps_apart *part = ix->parts + (v >> PS_PLAN_SHIFT);
	for (uint32_t s = ((v >> PS_PLAN_STEPS_SHIFT) & PS_PLAN_STEPS) + PS_PLAN_MIN_STEPS; s-- > 0;) {
		size_t half = (size_t)1 << s;
		part = akey_le(part[half].start, a) ? part + half : part;
	}
	return part;
}

/* ps_index_plan_value() for an ICMP connection: 0 (nothing) for the other family. */
static uint32_t icmp_plan_value(const struct portspec_plan *plan,
				const struct portspec_connection *c)
{
	const struct ps_index *ix = plan->index;
	unsigned d = (unsigned)c->direction, proto = (unsigned)c->protocol;
	if (c->remote.family != icmp_family(proto))
		return 0;
	size_t m = plan->mode == PORTSPEC_MODE_GATEWAY; /* plans[1] */
	size_t leaf = ix->top[icmp_tops(ix->nzones) + (ix->nzones + m) * PS_INDEX_ZONE_MAPS +
			      icmp_slot(d, proto)];
	return ix->pool16[leaf * PS_INDEX_LEAF + PS_PORT_IN_LEAF(c->port)];
}

const struct portspec_plan_entry *ps_index_plan_find(const struct portspec_plan *plan,
						      const struct portspec_connection *c)
{
	const struct ps_index *ix = plan->index;
	uint32_t v = ps_protocol_is_icmp(c->protocol) ? icmp_plan_value(plan, c)
						      : ps_index_plan_value(plan, c);
	if (v & 1)
		v = ix->longv[v >> 1];
	struct ps_akey a = akey_of(c->remote.family, c->remote.addr);
	const struct portspec_plan_entry *e;
	const uint32_t *list;
	if (v & PS_PLAN_LARGE) {
		const struct ps_apart *part = large_search(ix, v, a);
		e = part->entry;
		list = ix->cand + part->list;
	} else {
		const struct ps_small *s = &ix->small[v >> 1];
		e = ps_index_small(s, a.hi);
		list = ix->cand + s->key[0];
	}
	/* the first candidate by address wants another interface: a later one may not */
	const char *want = !e ? NULL : e->direction == PORTSPEC_INBOUND ? e->iif : e->oif;
	if ((v & PS_PLAN_SCAN) || !iface_fits(want, c->interface))
		return scan_list(ix, list, a, c);
	return e;
}

int ps_index_zone_query(const struct ps_index *ix, size_t z, unsigned direction,
			unsigned protocol, unsigned port, const struct portspec_flow **match)
{
	if (!ps_protocol_is_icmp(protocol))
		return ps_index_zone_allowed(ix, z, direction, protocol, port, match);
	size_t s = z * PS_INDEX_ZONE_MAPS + icmp_slot(direction, protocol);
	size_t i = (size_t)ix->top[icmp_tops(ix->nzones) + s] * PS_INDEX_LEAF + PS_PORT_IN_LEAF(port);
	uint32_t v = ix->zone_wide ? ix->zpool32[i] : ix->zpool16[i];
	if (match)
		*match = v ? &ix->flows[ix->zone_base[ix->nzones * PS_INDEX_ZONE_MAPS + s] + v - 1u]
			   : NULL;
	return v != 0;
}

/* ps_is_allowed_zone() of ICMP and ICMPv6 (types 1 to 255), or of no protocol. */
PS_COLD static int zone_query_icmp(const struct portspec_policy *p,
				   const struct portspec_zone *zone, unsigned d, unsigned proto,
				   unsigned port, const struct portspec_flow **match)
{
	if (!ps_protocol_is_icmp(proto) || port > PS_MAX_ICMP_TYPE)
		return -PORTSPEC_E_INVALID;
	const struct ps_index *ix = p->index;
	size_t z = zone->index;
	if (z >= ix->nzones || ix->zones + z != zone)
		return -PORTSPEC_E_UNKNOWN;
	return ps_index_zone_query(ix, z, d, proto, port, match);
}

int ps_is_allowed_zone(const struct portspec_policy *p, const struct portspec_zone *zone,
		       enum portspec_direction direction, enum portspec_protocol protocol,
		       unsigned port, const struct portspec_flow **match)
{
	unsigned d = (unsigned)direction, proto = (unsigned)protocol;
	if (match)
		*match = NULL;
	if (!p || !zone || port - 1u > 65534u || d - 1u > 1u)
		return -PORTSPEC_E_INVALID;
	if (proto - 1u > 1u)
		return zone_query_icmp(p, zone, d, proto, port, match);
	const struct ps_index *ix = p->index;
	size_t z = zone->index;
	if (z >= ix->nzones || ix->zones + z != zone)
		return -PORTSPEC_E_UNKNOWN;
	return ps_index_zone_allowed(ix, z, d, proto, port, match);
}
