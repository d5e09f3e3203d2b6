/* SPDX-License-Identifier: MIT */
/*
 * query: nanoseconds per portspec_is_allowed() call over three mixes of
 * prepared queries (hits, random, adversarial), and the allocations made.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct query {
	const char *zone; /* our own copy of the name, never the spec's pointer */
	uint8_t direction;
	uint8_t protocol;
	uint16_t port;
};

#define NQUERIES (1u << 16)

struct zone_names {
	char (*names)[64];
	size_t count;
};

/* The queries of a mix; returns how many. */
static size_t make_hits(const struct portspec_policy *policy, const struct zone_names *zn,
			struct query *q)
{
	size_t nflows = portspec_policy_flow_count(policy);
	if (nflows == 0)
		return 0;
	const struct portspec_spec *spec = portspec_policy_spec(policy);
	for (size_t i = 0; i < NQUERIES; i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, rng_below((unsigned)nflows));
		const char *z = portspec_zone_name(portspec_flow_zone(f));
		size_t zi = 0;
		while (zi < zn->count && strcmp(zn->names[zi], z) != 0)
			zi++;
		unsigned first = portspec_flow_port_first(f), last = portspec_flow_port_last(f);
		q[i].zone = zn->names[zi < zn->count ? zi : 0];
		q[i].direction = (uint8_t)portspec_flow_direction(f);
		q[i].protocol = (uint8_t)portspec_flow_protocol(f);
		q[i].port = (uint16_t)(first + rng_below(last - first + 1));
	}
	(void)spec;
	return NQUERIES;
}

static size_t make_random(const struct zone_names *zn, struct query *q)
{
	for (size_t i = 0; i < NQUERIES; i++) {
		q[i].zone = zn->names[rng_below((unsigned)zn->count)];
		q[i].direction = (uint8_t)(1 + rng_below(2));
		q[i].protocol = (uint8_t)(1 + rng_below(2));
		q[i].port = (uint16_t)(1 + rng_below(65535));
	}
	return NQUERIES;
}

/*
 * Adversarial: the edges (first-1, first, last, last+1) of every flow of the
 * (zone, direction, protocol) with the most flows, in random order: the
 * deepest lookups, alternating hit and miss so the branch predictor cannot
 * learn them, spread over the whole index so caches do not help.  The zone
 * is passed as the last-declared zone whenever that is the biggest one.
 */
static size_t make_adversarial(const struct portspec_policy *policy, const struct zone_names *zn,
			       struct query *q)
{
	size_t nflows = portspec_policy_flow_count(policy);
	if (nflows == 0)
		return 0;
	/* Count flows per key. */
	size_t nkeys = zn->count * 4;
	size_t *count = calloc(nkeys, sizeof(*count));
	if (!count)
		return 0;
	size_t best = 0;
	for (size_t i = 0; i < nflows; i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, i);
		size_t zi = 0;
		const char *z = portspec_zone_name(portspec_flow_zone(f));
		while (zi < zn->count && strcmp(zn->names[zi], z) != 0)
			zi++;
		size_t k = zi * 4 + (portspec_flow_direction(f) - 1) * 2 +
			   (portspec_flow_protocol(f) - 1);
		if (k < nkeys && ++count[k] > count[best])
			best = k;
	}
	free(count);
	size_t zi = best / 4;
	unsigned dir = (unsigned)(best % 4) / 2 + 1, proto = (unsigned)(best % 2) + 1;
	size_t n = 0;
	while (n < NQUERIES) {
		size_t before = n;
		for (size_t i = 0; i < nflows && n < NQUERIES; i++) {
			const struct portspec_flow *f = portspec_policy_flow(policy, i);
			if (strcmp(portspec_zone_name(portspec_flow_zone(f)), zn->names[zi]) != 0 ||
			    portspec_flow_direction(f) != dir || portspec_flow_protocol(f) != proto)
				continue;
			long edges[4] = { (long)portspec_flow_port_first(f) - 1,
					  portspec_flow_port_first(f), portspec_flow_port_last(f),
					  (long)portspec_flow_port_last(f) + 1 };
			for (int e = 0; e < 4 && n < NQUERIES; e++) {
				if (edges[e] < 1 || edges[e] > 65535)
					continue;
				q[n].zone = zn->names[zi];
				q[n].direction = (uint8_t)dir;
				q[n].protocol = (uint8_t)proto;
				q[n].port = (uint16_t)edges[e];
				n++;
			}
		}
		if (n == before)
			break;
	}
	/* Fisher-Yates. */
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below((unsigned)i);
		struct query t = q[i - 1];
		q[i - 1] = q[j];
		q[j] = t;
	}
	return n;
}

static volatile long query_sink;

static long run_queries(const struct portspec_policy *policy, const struct query *q, size_t n,
			unsigned passes)
{
	long sum = 0;
	for (unsigned p = 0; p < passes; p++)
		for (size_t i = 0; i < n; i++) {
			bool ok = false;
			portspec_is_allowed(policy, q[i].zone, (enum portspec_direction)q[i].direction,
					    (enum portspec_protocol)q[i].protocol, q[i].port, &ok, NULL,
					    NULL);
			sum += ok;
		}
	return sum;
}

int bench_query(const struct opts *o)
{
	struct text t;
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	if (!load_text(o->spec, &t) || !load_policy(&t, &spec, &policy))
		return 1;
	struct zone_names zn;
	zn.count = portspec_spec_zone_count(spec);
	zn.names = calloc(zn.count ? zn.count : 1, sizeof(*zn.names));
	for (size_t i = 0; i < zn.count; i++)
		snprintf(zn.names[i], sizeof(zn.names[i]), "%s",
			 portspec_zone_name(portspec_spec_zone(spec, i)));
	struct query *q = calloc(NQUERIES, sizeof(*q));
	double *v = calloc(o->reps, sizeof(*v)), *wv = calloc(o->reps, sizeof(*wv));
	if (!zn.names || !q || !v || !wv)
		return 1;

	printf("## is_allowed: %s\n\n", t.name);
	printf("%zu services, %zu flows in the policy, %zu zones; %u queries per mix;\n"
	       "%u warm-up runs, %u timed runs of about 5 ms; ns per query, %s;\n"
	       "wall: the median of the same runs by the wall clock.\n\n",
	       portspec_spec_service_count(spec), portspec_policy_flow_count(policy), zn.count,
	       NQUERIES, o->warmup, o->reps, clock_name());
	printf("| mix | allowed | median | IQR | min..max | wall | allocations |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|\n");

	static const char *const mixes[] = { "hits", "random", "adversarial" };
	for (size_t m = 0; m < 3; m++) {
		size_t n;
		if (m == 0)
			n = make_hits(policy, &zn, q);
		else if (m == 1)
			n = make_random(&zn, q);
		else
			n = make_adversarial(policy, &zn, q);
		if (n == 0) {
			printf("| %s | - | - | - | - | - | - |\n", mixes[m]);
			continue;
		}
		/* Calibrate: enough passes over the queries for ~5 ms per run. */
		uint64_t t0 = now_ns();
		long allowed = run_queries(policy, q, n, 1);
		uint64_t one = now_ns() - t0;
		unsigned passes = (unsigned)(5000000u / (one ? one : 1)) + 1;
		uint64_t calls_before = heap.calls;
		for (unsigned w = 0; w < o->warmup; w++)
			query_sink += run_queries(policy, q, n, passes);
		for (unsigned r = 0; r < o->reps; r++) {
			uint64_t w0 = wall_ns();
			t0 = now_ns();
			query_sink += run_queries(policy, q, n, passes);
			v[r] = (double)(now_ns() - t0) / ((double)n * passes);
			wv[r] = (double)(wall_ns() - w0) / ((double)n * passes);
		}
		uint64_t allocs = heap.calls - calls_before;
		struct stats s = summarize(v, o->reps), ws = summarize(wv, o->reps);
		printf("| %s | %.1f %% | %.1f ns | %.1f..%.1f ns | %.1f..%.1f ns | %.1f ns | %" PRIu64
		       " in %.3g calls |\n",
		       mixes[m], 100.0 * (double)allowed / (double)n, s.median, s.q1, s.q3, s.min,
		       s.max, ws.median, allocs, (double)n * passes * (o->reps + o->warmup));
		if (m == 0 && allowed != (long)n)
			printf("\nWARNING: %ld of %zu queries built from flows were denied\n\n",
			       (long)n - allowed, n);
	}
	free(v);
	free(wv);
	free(q);
	free(zn.names);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	free(t.data);
	return 0;
}
