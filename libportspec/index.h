/* SPDX-License-Identifier: MIT */
/*
 * The query index (index.c): built once by portspec_policy_new(), after the
 * plans, and read by the zone query (ps_is_allowed_zone()) and the
 * address query of the plans (portspec_plan_check()).  Both answer in a
 * number of steps that does not depend on the policy's size.
 *
 * A port map sends each port 1..65535 of one bucket to a 32-bit value (0:
 * nothing) in two steps: the port's chunk of 256 ports gives a leaf number,
 * the leaf holds the 256 values.  Leaves live in one pool per policy and are
 * shared wherever two chunks hold the same values (every chunk without a
 * flow is leaf 0), so a small policy costs a few leaves, a large one at most
 * 256 per bucket that has flows.
 *
 * Zone maps ([zone][direction-1][protocol-1]): the value is the first flow
 * (policy order) whose range holds the port, + 1, counted from the map's
 * first flow (ps_index.zone_base): 16 bits, or 32 in a policy with a
 * bucket of more than 65535 flows (ps_index.zone_wide).
 *
 * ICMP maps: the same for ICMP (IPv4) and ICMPv6 message types, 1 to 255,
 * so one chunk each: [zone][direction-1][icmp, icmpv6] after the plan maps'
 * tops, then the plans' [mode][direction-1][icmp, icmpv6] (family 4 for
 * icmp, 6 for icmpv6).  The queries of the hot paths never reach them.
 *
 * Plan maps ([mode][direction-1][protocol-1][family]): the value names the
 * candidate list of the port, the plan's FLOW entries whose ports hold it,
 * in plan order, through a partition of the address space that gives for
 * each address the first candidate whose remote set holds it.  That is the
 * entry the scan of the plan finds, unless it and the connection name an
 * interface (a later candidate may fit), or the bucket is scanned.
 *
 * The TCP and UDP plan maps of a plan hold few distinct values (a candidate
 * list is a set of plan entries, which merge the services of a zone): when
 * neither plan's eight hold more than PS_INDEX_HOT, their leaves are of
 * bytes (ps_index.pool8), each a number of the plan's palette
 * (ps_index.hval[mode]; number 0 is value 0): first the small partitions,
 * copied in that order into ps_index.hsmall[mode] so that the hot path
 * reads the partition from the byte at once, then the other values.  Half
 * the bytes of 16-bit leaves, and no step between leaf and partition.
 * Otherwise they are 16-bit leaves like the ICMP maps' (ps_index.pool16).
 */
#ifndef PORTSPEC_INDEX_H
#define PORTSPEC_INDEX_H

#include <string.h>

#include "private.h"

/* Kept out of a query's hot path, so that it saves no register there. */
#if defined(__GNUC__) && !defined(__clang__)
#define PS_COLD __attribute__((noipa))
#elif defined(__GNUC__)
#define PS_COLD __attribute__((noinline))
#else
#define PS_COLD
#endif

#define PS_INDEX_CHUNKS 256u
#define PS_INDEX_LEAF 256u
/* A port's chunk (its leaf number's place in the map) and its place in the leaf. */
#define PS_PORT_CHUNK(port) ((port) >> 8)
#define PS_PORT_IN_LEAF(port) ((port) & (PS_INDEX_LEAF - 1u))
/* Per zone: [direction-1][protocol-1], 2 directions x 2 protocols (tcp and
 * udp; for the ICMP maps icmp and icmpv6, also per mode in the plans' ones). */
#define PS_INDEX_ZONE_MAPS 4u
#define PS_INDEX_PLAN_MAPS 16u
#define PS_INDEX_ICMP_PLAN_MAPS 8u
#define PS_INDEX_HOT 256u

/*
 * A plan map holds 16-bit values: an even one is the value itself, an odd
 * one v names the value ps_index.longv[v >> 1] (at most PS_INDEX_LONG).
 * A value is either
 *   (n << 1): small partition n (ps_index.small): at most 8 elements, each
 *     starting on a /64 boundary, so the first 64 bits of an address decide
 *     (every IPv4 partition: an IPv4 address is the first 32 bits); or
 *   (n << 8) | steps - 3 << 3 | PS_PLAN_WIDE? | PS_PLAN_SCAN? | PS_PLAN_LARGE:
 *     partition n of ps_index.parts, of 1 << steps elements.
 * Value 0 is small partition 0: no entry for any address (the empty list).
 * PS_PLAN_SCAN: the list is every entry of the bucket, each of which checks
 * its ports too, and its partition says nothing: a bucket whose lists would
 * cost more than the plan itself (index.c).
 *
 * A candidate list (ps_index.cand): [0] its value, [1] its 16-bit one, [2] n (|
 * PS_CAND_SCAN), then n entry numbers (ps_index.q) in plan order.
 * A large partition has at least 1 << PS_PLAN_MIN_STEPS elements (its value
 * holds steps - PS_PLAN_MIN_STEPS).
 */
#define PS_INDEX_LONG 32768u
#define PS_PLAN_LARGE 1u
#define PS_PLAN_SCAN 2u
#define PS_PLAN_WIDE 4u
#define PS_PLAN_STEPS_SHIFT 3u
#define PS_PLAN_STEPS 31u
#define PS_PLAN_SHIFT 8u
#define PS_CAND_SCAN 0x80000000u
#define PS_CAND_HEAD 3u
#define PS_CAND_VALUE 0u   /* a candidate list's [0] */
#define PS_CAND_VALUE16 1u /* its [1] */
#define PS_CAND_COUNT 2u   /* its [2] */
#define PS_PLAN_MIN_STEPS 3u
/* A small partition's elements, in pairs: key[PS_SMALL_PAIRS + q] is the
 * start of the second element of pair q. */
#define PS_SMALL_ELEMENTS 8u
#define PS_SMALL_PAIRS (PS_SMALL_ELEMENTS / 2u)

/* An address as a 128-bit number in two halves: IPv4 is the first 32 bits. */
struct ps_akey {
	uint64_t hi, lo;
};

struct ps_arange {
	struct ps_akey first, last;
};

/* A partition element: from start to the next element's start, the first
 * candidate (plan order) whose remote set holds the address.  The first
 * element starts at 0; its start is never read. */
struct ps_apart {
	struct ps_akey start;
	const struct portspec_plan_entry *entry; /* NULL: none */
	uint32_t list; /* the candidate list (offset in ps_index.cand) */
};

/*
 * A small partition: 8 elements (the last one repeated) in four pairs.
 * key[] holds the first 64 bits of element starts, UINT64_MAX past the last
 * element: key[1..3] those of elements 2, 4 and 6, where the pairs begin,
 * key[PS_SMALL_PAIRS + q] that of element 2q + 1, the second of pair q.  key[0] is not a
 * start: it holds the candidate list (offset in ps_index.cand).
 */
struct ps_small {
	uint64_t key[PS_SMALL_ELEMENTS];
	const struct portspec_plan_entry *entry[PS_SMALL_ELEMENTS];
};

/* One FLOW entry of a plan as the address query tests it; q[0] is none. */
struct ps_qentry {
	const struct portspec_plan_entry *entry;
	const char *iface; /* the interface the entry wants on the remote's side, or NULL */
	uint32_t off;      /* first range in ps_index.ranges */
	uint32_t n;        /* ranges: what the remote set matches, sorted */
};

struct ps_index {
	const struct portspec_zone *zones; /* the spec's, to check a zone handle */
	size_t nzones;
	const struct portspec_flow *flows;
	const uint16_t *zpool16; /* zone maps' leaves of PS_INDEX_LEAF values; leaf 0 is all zero */
	const uint32_t *zpool32; /* the same when zone_wide */
	const uint32_t *zone_base; /* per zone map: the index of its first flow */
	bool zone_wide;
	const uint16_t *pool16; /* plan maps' leaves, the same (ICMP maps: always) */
	const uint8_t *pool8; /* the TCP and UDP plan maps' leaves of palette numbers, or NULL */
	const struct ps_small *hsmall[2]; /* with pool8, per mode: its palette's small partitions */
	const uint32_t *longv;
	const uint32_t *cand;
	const struct ps_small *small;
	size_t nsmall;
	const struct ps_apart *parts;
	const struct ps_qentry *q;
	const struct ps_arange *ranges;
	/* what the index allocated, for docs/performance.md: in all, and of it
	 * the leaves of the zone maps and of the plan maps */
	size_t bytes, zone_leaf_bytes, plan_leaf_bytes;
	/* with pool8, per mode: the values of the palette's numbers */
	uint16_t hval[2][PS_INDEX_HOT];
	/* (nzones * 4 + PS_INDEX_PLAN_MAPS) * PS_INDEX_CHUNKS leaf numbers, then
	 * those of the ICMP maps, nzones * 4 + PS_INDEX_ICMP_PLAN_MAPS */
	uint16_t top[];
};

enum portspec_status ps_index_build(struct portspec_policy *p, struct portspec_error *err);
void ps_index_free(struct ps_index *ix);

/* The most values a plan's palette may hold (PS_INDEX_HOT); tests lower it
 * to build the 16-bit leaves of policies that would not need them. */
extern size_t ps_index_hot_limit;

/* The zone query of any protocol, arguments checked (ICMP types 1..255). */
int ps_index_zone_query(const struct ps_index *ix, size_t z, unsigned direction,
			unsigned protocol, unsigned port, const struct portspec_flow **match);

/* The FLOW entry of @plan that accepts valid connection @c (an address of
 * family 4 or 6), as the scan of the plan in order finds it; NULL if none. */
const struct portspec_plan_entry *ps_index_plan_find(const struct portspec_plan *plan,
						      const struct portspec_connection *c);

/* The port range (ICMP: the type range) of plan entry @e that holds @port,
 * or NULL (a binary search). */
const struct portspec_plan_port *ps_entry_port(const struct portspec_plan_entry *e,
					       unsigned port);

/* Zone bucket z's map: direction and protocol are 1 or 2 (tcp, udp). */
static inline size_t ps_index_zone_map(size_t z, unsigned direction, unsigned protocol)
{
	return z * PS_INDEX_ZONE_MAPS + (direction - 1u) * 2 + (protocol - 1u);
}

/* The zone query of zone number @z, arguments checked: 1 allowed (*@match: the
 * first flow that allows it), 0 denied. */
static inline int ps_index_zone_allowed(const struct ps_index *ix, size_t z, unsigned direction,
					unsigned protocol, unsigned port,
					const struct portspec_flow **match)
{
	size_t map = ps_index_zone_map(z, direction, protocol);
	size_t i = (size_t)ix->top[map * PS_INDEX_CHUNKS + PS_PORT_CHUNK(port)] * PS_INDEX_LEAF +
		   PS_PORT_IN_LEAF(port);
	/* (the same for every query of a policy: predicted) */
	uint32_t v = ix->zone_wide ? ix->zpool32[i] : ix->zpool16[i];
	/* no branch on the answer: a stream of queries allowed and denied at
	 * random costs no misprediction */
	if (match) {
		/* the flow or NULL by a mask, as compilers make a branch of v ? : */
		uintptr_t f = (uintptr_t)ix->flows +
			      ((uintptr_t)ix->zone_base[map] + v - 1u) * sizeof(*ix->flows);
		*match = (const struct portspec_flow *)(f & ((uintptr_t)0 - (v != 0)));
	}
	return v != 0;
}

static inline uint64_t ps_be64(const unsigned char *a)
{
	return (uint64_t)a[0] << 56 | (uint64_t)a[1] << 48 | (uint64_t)a[2] << 40 |
	       (uint64_t)a[3] << 32 | (uint64_t)a[4] << 24 | (uint64_t)a[5] << 16 |
	       (uint64_t)a[6] << 8 | (uint64_t)a[7];
}

/*
 * The value of port @port (1..65535) in TCP/UDP map @map (0..7) of @plan:
 * through the plan's palette when the leaves are of bytes.
 */
static inline uint32_t ps_plan_value_at(const struct portspec_plan *plan, size_t map,
					unsigned port)
{
	size_t i = (size_t)plan->index_top[map * PS_INDEX_CHUNKS + (port >> 8)] * PS_INDEX_LEAF +
		   (port & 255u);
	if (plan->index_leaves8)
		return plan->index_hval[plan->index_leaves8[i]];
	return plan->index_leaves[i];
}

/* Family and prefix of a connection's address, as one number. */
#define PS_FP(family, prefix) ((family) | (prefix) << 8)

/*
 * The hot path's first half: if @c is a connection the index answers at
 * once (direction, protocol and port valid, one IPv4 or IPv6 address, no
 * interface, a small partition), true and its small partition in *@out
 * (two table lookups); otherwise false, and the query goes the long way, to
 * its error message or to ps_index_plan_find().  Every connection of a
 * stream of valid ones takes the same branches: they are predicted.  *@out
 * is computed before the test and so as a number (it may lie past the
 * partitions when the answer is false; it is then not read).
 */
static inline bool ps_index_hot(const struct portspec_plan *plan,
				const struct portspec_connection *c, const struct ps_small **out)
{
	size_t d = (unsigned)c->direction - 1u, p = (unsigned)c->protocol - 1u, port = c->port;
	size_t fp = PS_FP(c->remote.family, (unsigned)c->remote.prefix);
	if (c->interface || (d | p) > 1u || port - 1u > 65534u)
		return false;
	if (fp != PS_FP(4u, 32u) && fp != PS_FP(6u, 128u))
		return false;
	/* the map's top, then the leaf: (map << 16 | port) >> 8 is the chunk
	 * in the tops (fp >> 15: 1 for IPv6, whose prefix 128 is the only one
	 * with bit 7) */
	size_t i = (size_t)plan->index_top[((d * 4 + p * 2 + (fp >> 15)) << 16 | port) >> 8] *
			   PS_INDEX_LEAF +
		   (port & 255u);
	if (plan->index_leaves8) {
		size_t n = plan->index_leaves8[i];
		*out = (const struct ps_small *)((uintptr_t)plan->index_hsmall +
						 n * sizeof(struct ps_small));
		return n < plan->index_hsmalls;
	}
	size_t v = plan->index_leaves[i];
	*out = (const struct ps_small *)((uintptr_t)plan->index_small +
					 (v >> 1) * sizeof(struct ps_small));
	return !(v & 1);
}

/* A valid connection's 16-bit value in @plan's maps. */
static inline uint32_t ps_index_plan_value(const struct portspec_plan *plan,
					   const struct portspec_connection *c)
{
	size_t map = ((unsigned)c->direction - 1u) * 4 + ((unsigned)c->protocol - 1u) * 2 +
		     (c->remote.family == 6);
	return ps_plan_value_at(plan, map, c->port);
}

/*
 * The entry of small partition @s for an address whose first 64 bits are
 * @hi: the pair is the number of pair starts at or below it (three
 * independent comparisons), the element one more comparison in the pair.
 * For IPv4 the last 32 of the 64 bits may be anything: every key of an
 * IPv4 partition is a multiple of 2^32, so they never decide a comparison.
 */
static inline const struct portspec_plan_entry *ps_index_small(const struct ps_small *s,
							       uint64_t hi)
{
	size_t q = (size_t)(s->key[1] <= hi) + (s->key[2] <= hi) + (s->key[3] <= hi);
	return s->entry[2 * q + (s->key[PS_SMALL_PAIRS + q] <= hi)];
}

/*
 * The zone query: 1 allowed (and *match the first flow that allows it), 0
 * denied, or -PORTSPEC_E_INVALID / -PORTSPEC_E_UNKNOWN for bad arguments;
 * the public portspec_is_allowed*() say which in an error.
 */
int ps_is_allowed_zone(const struct portspec_policy *p, const struct portspec_zone *zone,
		       enum portspec_direction direction, enum portspec_protocol protocol,
		       unsigned port, const struct portspec_flow **match);
int ps_is_allowed(const struct portspec_policy *p, const char *zone,
		  enum portspec_direction direction, enum portspec_protocol protocol, unsigned port,
		  const struct portspec_flow **match);

#endif /* PORTSPEC_INDEX_H */
