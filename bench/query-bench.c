/* SPDX-License-Identifier: MIT */
/*
 * portspec-query-bench: the cost of a query against the one-lookup floor.
 * Not a test; docs/performance.md ("Queries against the floor") explains it.
 *
 *   portspec-query-bench run   [--spec FILE] [--mode host|gateway] [--reps N]
 *   portspec-query-bench count --kind KIND --mix MIX [--spec FILE] [--mode M] [--calls N]
 *
 * KIND: floor, zone (portspec_is_allowed_zone), zone-match (the same with the
 * matching flow asked for), name (portspec_is_allowed by name), address
 * (portspec_plan_check), or all (floor, zone, name, address in turn).  MIX:
 * hits, random, adversarial.
 *
 * The floor is a function the compiler may not inline or see into that
 * takes the same arguments and does one lookup in a 256-byte table indexed
 * by the port: what any query costs at least (the call, the arguments, one
 * load).  `run` times each query kind and the floor over the same prepared
 * queries, interleaved run by run so that the machine's noise hits both, and
 * reports ns per call and the median of the per-run ratios to the floor.
 * `count` makes the calls once, for callgrind (bench/query-instructions.sh).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <portspec/portspec.h>

#define NZQ (1u << 16) /* zone queries per mix */
#define NAQ (1u << 14) /* address queries per mix (a connection is 56 bytes) */

/* ---- allocations, counted to show that queries make none ---- */

static uint64_t alloc_calls;

static void *count_malloc(size_t n)
{
	alloc_calls++;
	return malloc(n);
}

static void *count_realloc(void *p, size_t n)
{
	alloc_calls++;
	return realloc(p, n);
}

/* ---- the floor ---- */

static unsigned char floor_table[256];

__attribute__((noinline, noipa)) int floor_lookup(const struct portspec_policy *p,
						  const struct portspec_zone *zone,
						  enum portspec_direction direction,
						  enum portspec_protocol protocol, unsigned port,
						  const struct portspec_flow **match);

int floor_lookup(const struct portspec_policy *p, const struct portspec_zone *zone,
		 enum portspec_direction direction, enum portspec_protocol protocol,
		 unsigned port, const struct portspec_flow **match)
{
	(void)p, (void)zone, (void)direction, (void)protocol, (void)match;
	return floor_table[port & 255u];
}

/* ---- deterministic random numbers (splitmix64) ---- */

static uint64_t rng = 1;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static unsigned below(size_t n)
{
	return (unsigned)(rnd() % n);
}

/* ---- zone queries ---- */

struct zq {
	const struct portspec_zone *zone;
	uint8_t direction, protocol;
	uint16_t port;
};

struct zset {
	struct zq *q;
	const char **names; /* per query: our own copy of the zone's name */
	size_t n;
};

struct ctx {
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	const struct portspec_plan *plan;
	char (*names)[64]; /* the zones' names, copied */
};

static void zq_set(const struct ctx *c, struct zset *s, size_t i, const struct portspec_zone *z,
		   unsigned d, unsigned proto, unsigned port)
{
	const struct portspec_spec *spec = c->spec;
	size_t zi = 0;
	while (portspec_spec_zone(spec, zi) != z)
		zi++;
	s->q[i] = (struct zq){z, (uint8_t)d, (uint8_t)proto, (uint16_t)port};
	s->names[i] = c->names[zi];
}

/* hits: a random flow, a random port of it; random: anything; adversarial:
 * the edges of every flow of the biggest bucket, shuffled. */
static void zone_mix(const struct ctx *c, const char *mix, struct zset *s)
{
	size_t nflows = portspec_policy_flow_count(c->policy);
	size_t nzones = portspec_spec_zone_count(c->spec);
	s->n = 0;
	if (strcmp(mix, "random") == 0 || nflows == 0) {
		for (; s->n < NZQ; s->n++)
			zq_set(c, s, s->n, portspec_spec_zone(c->spec, below(nzones)), 1 + below(2),
			       1 + below(2), 1 + below(65535));
		return;
	}
	if (strcmp(mix, "hits") == 0) {
		for (; s->n < NZQ; s->n++) {
			const struct portspec_flow *f = portspec_policy_flow(c->policy, below(nflows));
			unsigned first = portspec_flow_port_first(f), last = portspec_flow_port_last(f);
			zq_set(c, s, s->n, portspec_flow_zone(f), portspec_flow_direction(f),
			       portspec_flow_protocol(f), first + below(last - first + 1));
		}
		return;
	}
	/* the biggest run of flows of one (direction, zone, protocol) */
	size_t best = 0, best_n = 0;
	for (size_t lo = 0; lo < nflows;) {
		const struct portspec_flow *f = portspec_policy_flow(c->policy, lo);
		size_t hi = lo + 1;
		for (; hi < nflows; hi++) {
			const struct portspec_flow *g = portspec_policy_flow(c->policy, hi);
			if (portspec_flow_zone(g) != portspec_flow_zone(f) ||
			    portspec_flow_direction(g) != portspec_flow_direction(f) ||
			    portspec_flow_protocol(g) != portspec_flow_protocol(f))
				break;
		}
		if (hi - lo > best_n) {
			best = lo;
			best_n = hi - lo;
		}
		lo = hi;
	}
	while (s->n < NZQ) {
		for (size_t i = best; i < best + best_n && s->n < NZQ; i++) {
			const struct portspec_flow *f = portspec_policy_flow(c->policy, i);
			long edge[4] = {(long)portspec_flow_port_first(f) - 1,
					portspec_flow_port_first(f), portspec_flow_port_last(f),
					(long)portspec_flow_port_last(f) + 1};
			for (int e = 0; e < 4 && s->n < NZQ; e++)
				if (edge[e] >= 1 && edge[e] <= 65535)
					zq_set(c, s, s->n++, portspec_flow_zone(f),
					       portspec_flow_direction(f), portspec_flow_protocol(f),
					       (unsigned)edge[e]);
		}
	}
	for (size_t i = s->n; i > 1; i--) {
		size_t j = below(i);
		struct zq t = s->q[i - 1];
		const char *tn = s->names[i - 1];
		s->q[i - 1] = s->q[j];
		s->names[i - 1] = s->names[j];
		s->q[j] = t;
		s->names[j] = tn;
	}
}

/* ---- address queries ---- */

struct aset {
	struct portspec_connection *q;
	size_t n;
};

static bool entry_usable(const struct portspec_plan_entry *e)
{
	return e->kind == PORTSPEC_ENTRY_FLOW && e->port_count > 0 &&
	       (e->protocol == PORTSPEC_TCP || e->protocol == PORTSPEC_UDP);
}

/* An address of @family: @base + @delta (with carry), or random when @base is NULL. */
static struct portspec_cidr address(unsigned family, const unsigned char *base, int delta)
{
	struct portspec_cidr a = {(unsigned char)family, family == 4 ? 32 : 128, {0}};
	size_t len = family == 4 ? 4 : 16;
	if (!base) {
		for (size_t i = 0; i < len; i++)
			a.addr[i] = (unsigned char)rnd();
		return a;
	}
	memcpy(a.addr, base, len);
	for (size_t i = len; delta && i-- > 0;) {
		int v = a.addr[i] + delta;
		a.addr[i] = (unsigned char)v;
		delta = v < 0 ? -1 : v > 255 ? 1 : 0;
	}
	return a;
}

/* A random address inside range @r. */
static struct portspec_cidr address_in(const struct portspec_addr_range *r)
{
	size_t len = r->family == 4 ? 4 : 16;
	struct portspec_cidr a = address(r->family, r->first, 0);
	/* keep the common prefix, draw the rest until it is inside */
	for (int tries = 0; tries < 64; tries++) {
		bool differ = false;
		for (size_t i = 0; i < len; i++) {
			if (!differ && r->first[i] == r->last[i]) {
				a.addr[i] = r->first[i];
				continue;
			}
			a.addr[i] = differ ? (unsigned char)rnd()
					   : (unsigned char)(r->first[i] +
							     below((size_t)(r->last[i] - r->first[i]) + 1));
			differ = true;
		}
		if (memcmp(a.addr, r->first, len) >= 0 && memcmp(a.addr, r->last, len) <= 0)
			return a;
	}
	return address(r->family, r->first, 0);
}

static void aq_push(struct aset *s, const struct portspec_plan_entry *e, unsigned port,
		    struct portspec_cidr remote)
{
	struct portspec_connection *c = &s->q[s->n++];
	memset(c, 0, sizeof(*c));
	c->direction = e->direction;
	c->protocol = e->protocol;
	c->port = port;
	c->remote = remote;
}

static void address_mix(const struct ctx *c, const char *mix, struct aset *s)
{
	size_t n = portspec_plan_entry_count(c->plan);
	size_t *usable = calloc(n ? n : 1, sizeof(*usable)), nu = 0;
	for (size_t i = 0; i < n; i++)
		if (entry_usable(portspec_plan_entry(c->plan, i)))
			usable[nu++] = i;
	s->n = 0;
	if (strcmp(mix, "random") == 0 || nu == 0) {
		for (; s->n < NAQ; s->n++) {
			struct portspec_connection *q = &s->q[s->n];
			memset(q, 0, sizeof(*q));
			q->direction = (enum portspec_direction)(1 + below(2));
			q->protocol = (enum portspec_protocol)(1 + below(2));
			q->port = 1 + below(65535);
			q->remote = address(below(2) ? 6 : 4, NULL, 0);
		}
	} else if (strcmp(mix, "hits") == 0) {
		while (s->n < NAQ) {
			const struct portspec_plan_entry *e = portspec_plan_entry(c->plan, usable[below(nu)]);
			const struct portspec_plan_port *p = &e->ports[below(e->port_count)];
			const struct portspec_addr_range *r = &e->remote.matched[below(e->remote.matched_count)];
			aq_push(s, e, p->first + below(p->last - p->first + 1), address_in(r));
		}
	} else {
		/* every entry's port edges, each with an address on an edge of its
		 * remote ranges, shuffled: half of them just outside */
		while (s->n < NAQ) {
			for (size_t k = 0; k < nu && s->n < NAQ; k++) {
				const struct portspec_plan_entry *e = portspec_plan_entry(c->plan, usable[k]);
				for (size_t i = 0; i < e->port_count && s->n < NAQ; i++) {
					const struct portspec_plan_port *p = &e->ports[i];
					const struct portspec_addr_range *r =
						&e->remote.matched[below(e->remote.matched_count)];
					long port[4] = {(long)p->first - 1, p->first, p->last, (long)p->last + 1};
					for (int j = 0; j < 4 && s->n < NAQ; j++) {
						if (port[j] < 1 || port[j] > 65535)
							continue;
						int d = below(2) ? 0 : (j & 1 ? 1 : -1);
						aq_push(s, e, (unsigned)port[j],
							address(e->family, j < 2 ? r->first : r->last, d));
					}
				}
			}
		}
		for (size_t i = s->n; i > 1; i--) {
			size_t j = below(i);
			struct portspec_connection t = s->q[i - 1];
			s->q[i - 1] = s->q[j];
			s->q[j] = t;
		}
	}
	free(usable);
}

/* ---- the loops: one per function, the same shape ---- */

enum kind { K_FLOOR, K_ZONE, K_ZONE_MATCH, K_NAME, K_ADDRESS, K_AFLOOR };

static volatile long sink;

static long run(enum kind k, const struct ctx *c, const struct zset *z, const struct aset *a,
		size_t passes)
{
	long sum = 0;
	const struct portspec_flow *m = NULL;
	for (size_t r = 0; r < passes; r++) {
		switch (k) {
		case K_FLOOR:
			for (size_t i = 0; i < z->n; i++)
				sum += floor_lookup(c->policy, z->q[i].zone, z->q[i].direction,
						    z->q[i].protocol, z->q[i].port, NULL);
			break;
		case K_ZONE:
			for (size_t i = 0; i < z->n; i++)
				sum += portspec_is_allowed_zone(c->policy, z->q[i].zone,
								z->q[i].direction,
								z->q[i].protocol, z->q[i].port, NULL);
			break;
		case K_ZONE_MATCH:
			for (size_t i = 0; i < z->n; i++) {
				sum += portspec_is_allowed_zone(c->policy, z->q[i].zone,
								z->q[i].direction,
								z->q[i].protocol, z->q[i].port, &m);
				sum += m != NULL;
			}
			break;
		case K_NAME:
			for (size_t i = 0; i < z->n; i++)
				sum += portspec_is_allowed(c->policy, z->names[i], z->q[i].direction,
							   z->q[i].protocol, z->q[i].port, NULL);
			break;
		case K_ADDRESS:
			for (size_t i = 0; i < a->n; i++) {
				bool ok = false;
				portspec_plan_check(c->plan, &a->q[i], &ok, NULL, NULL);
				sum += ok;
			}
			break;
		case K_AFLOOR:
			/* the floor, over the address queries' stream */
			for (size_t i = 0; i < a->n; i++)
				sum += floor_lookup(c->policy, a->q[i].zone, a->q[i].direction,
						    a->q[i].protocol, a->q[i].port, NULL);
			break;
		}
	}
	return sum;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorts v and gives its median, first and third quartile (nearest rank). */
static void quartiles(double *v, size_t n, double out[3])
{
	qsort(v, n, sizeof(*v), cmp_double);
	out[0] = v[n / 4];
	out[1] = v[n / 2];
	out[2] = v[(3 * n) / 4 < n ? (3 * n) / 4 : n - 1];
}

struct row {
	double ns[3], floor_ns[3], ratio[3];
	double allowed; /* share of queries allowed */
	uint64_t allocs;
};

/* Times kind @k against floor @f over the same queries, @reps interleaved runs. */
static struct row measure(enum kind k, enum kind f, const struct ctx *c, const struct zset *z,
			  const struct aset *a, unsigned reps)
{
	struct row out;
	size_t n = k == K_ADDRESS ? a->n : z->n;
	memset(&out, 0, sizeof(out));
	uint64_t t0 = cpu_ns();
	long allowed = run(k, c, z, a, 1);
	uint64_t one = cpu_ns() - t0;
	size_t passes = 5000000u / (one ? one : 1) + 1; /* about 5 ms per run */
	double *v = calloc(reps, sizeof(*v)), *fv = calloc(reps, sizeof(*fv)),
	       *rv = calloc(reps, sizeof(*rv));
	if (!v || !fv || !rv)
		exit(1);
	uint64_t before = alloc_calls;
	for (unsigned w = 0; w < 3; w++)
		sink += run(f, c, z, a, passes) + run(k, c, z, a, passes);
	for (unsigned r = 0; r < reps; r++) {
		t0 = cpu_ns();
		sink += run(f, c, z, a, passes);
		uint64_t t1 = cpu_ns();
		sink += run(k, c, z, a, passes);
		uint64_t t2 = cpu_ns();
		fv[r] = (double)(t1 - t0) / ((double)n * (double)passes);
		v[r] = (double)(t2 - t1) / ((double)n * (double)passes);
		rv[r] = v[r] / fv[r];
	}
	out.allocs = alloc_calls - before;
	if (k == K_ZONE_MATCH)
		allowed /= 2;
	out.allowed = (double)allowed / (double)n;
	quartiles(v, reps, out.ns);
	quartiles(fv, reps, out.floor_ns);
	quartiles(rv, reps, out.ratio);
	free(v);
	free(fv);
	free(rv);
	return out;
}

static const char *const mixes[] = {"hits", "random", "adversarial"};

static void print_row(const char *what, const char *mix, const struct row *r)
{
	printf("| %s | %s | %.1f %% | %.2f ns | %.2f ns | **%.2f×** | %.2f..%.2f× | %" PRIu64 " |\n",
	       what, mix, 100 * r->allowed, r->ns[1], r->floor_ns[1], r->ratio[1], r->ratio[0],
	       r->ratio[2], r->allocs);
}

static bool load(const char *path, const char *mode, struct ctx *c)
{
	struct portspec_error err = {0};
	enum portspec_status st = path ? portspec_spec_load(path, &c->spec, &err)
				       : portspec_spec_new_default(&c->spec, &err);
	struct portspec_profile *pr = NULL;
	if (!st)
		st = portspec_profile_new(c->spec, &pr);
	if (!st)
		st = portspec_policy_new(c->spec, pr, &c->policy, &err);
	portspec_profile_free(pr);
	if (st) {
		fprintf(stderr, "portspec-query-bench: %s: %s\n", path ? path : "built-in spec",
			err.text[0] ? err.text : portspec_strerror(st));
		return false;
	}
	c->plan = portspec_policy_plan(c->policy, mode && strcmp(mode, "gateway") == 0
							  ? PORTSPEC_MODE_GATEWAY
							  : PORTSPEC_MODE_HOST);
	size_t nz = portspec_spec_zone_count(c->spec);
	c->names = calloc(nz ? nz : 1, sizeof(*c->names));
	if (!c->names)
		return false;
	for (size_t i = 0; i < nz; i++)
		snprintf(c->names[i], sizeof(c->names[i]), "%s",
			 portspec_zone_name(portspec_spec_zone(c->spec, i)));
	return true;
}

static void load_average(const char *when)
{
	char buf[128] = "?";
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			snprintf(buf, sizeof(buf), "?\n");
		fclose(f);
	}
	printf("load average %s: %s", when, buf);
}

static int cmd_run(const struct ctx *c, const char *spec, const char *mode, unsigned reps)
{
	struct zset z = {calloc(NZQ, sizeof(struct zq)), calloc(NZQ, sizeof(char *)), 0};
	struct aset a = {calloc(NAQ, sizeof(struct portspec_connection)), 0};
	if (!z.q || !z.names || !a.q)
		return 1;
	printf("## Queries against the floor: %s\n\n", spec ? spec : "built-in spec");
	printf("%zu services, %zu flows, %zu plan entries (%s mode); %u zone queries and %u "
	       "address queries per mix; %u runs of about 5 ms each, interleaved with the floor "
	       "over the same queries, after 3 warm-up pairs; thread CPU time. Ratio: the median "
	       "of the per-run ratios to the floor (and their IQR).\n\n",
	       portspec_spec_service_count(c->spec), portspec_policy_flow_count(c->policy),
	       portspec_plan_entry_count(c->plan), mode ? mode : "host", NZQ, NAQ, reps);
	load_average("at start");
	printf("\n| query | mix | allowed | median | floor | ratio | ratio IQR | allocations |\n");
	printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
	for (size_t m = 0; m < 3; m++) {
		zone_mix(c, mixes[m], &z);
		struct row r = measure(K_ZONE, K_FLOOR, c, &z, &a, reps);
		print_row("`is_allowed_zone`", mixes[m], &r);
		r = measure(K_ZONE_MATCH, K_FLOOR, c, &z, &a, reps);
		print_row("`is_allowed_zone`, with the flow", mixes[m], &r);
		r = measure(K_NAME, K_FLOOR, c, &z, &a, reps);
		print_row("`is_allowed` (by name)", mixes[m], &r);
	}
	for (size_t m = 0; m < 3; m++) {
		address_mix(c, mixes[m], &a);
		struct row r = measure(K_ADDRESS, K_AFLOOR, c, &z, &a, reps);
		print_row("`plan_check` (address)", mixes[m], &r);
	}
	printf("\n");
	load_average("at end");
	free(z.q);
	free(z.names);
	free(a.q);
	return 0;
}

/*
 * One pass of @calls (rounded up to whole passes over the queries) per
 * kind, or for "all" of floor, zone, name and address one after the other,
 * each function called by its own kind only; prints the calls per kind.
 */
static int cmd_count(const struct ctx *c, const char *kind, const char *mix, unsigned long calls)
{
	static const char *const kinds[] = {"floor", "zone", "zone-match", "name", "address"};
	bool all = strcmp(kind, "all") == 0;
	size_t k = 0, m = 0;
	while (k < 5 && strcmp(kinds[k], kind) != 0)
		k++;
	while (m < 3 && strcmp(mixes[m], mix) != 0)
		m++;
	if ((k == 5 && !all) || m == 3) {
		fprintf(stderr, "portspec-query-bench: unknown kind '%s' or mix '%s'\n", kind, mix);
		return 2;
	}
	struct zset z = {calloc(NZQ, sizeof(struct zq)), calloc(NZQ, sizeof(char *)), 0};
	struct aset a = {calloc(NAQ, sizeof(struct portspec_connection)), 0};
	if (!z.q || !z.names || !a.q)
		return 1;
	zone_mix(c, mix, &z);
	address_mix(c, mix, &a);
	static const enum kind every[] = {K_FLOOR, K_ZONE, K_NAME, K_ADDRESS};
	for (size_t i = 0; i < (all ? 4 : 1); i++) {
		enum kind e = all ? every[i] : (enum kind)k;
		size_t n = e == K_ADDRESS ? a.n : z.n;
		size_t passes = calls / n + 1;
		sink += run(e, c, &z, &a, passes);
		printf("%s %zu calls\n", kinds[e], passes * n);
	}
	free(z.q);
	free(z.names);
	free(a.q);
	return 0;
}

int main(int argc, char **argv)
{
	const char *spec = NULL, *mode = NULL, *kind = "zone", *mix = "hits";
	unsigned reps = 21;
	unsigned long calls = 1000000;
	if (argc < 2) {
		fprintf(stderr, "usage: portspec-query-bench run|count [options]\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		if (strcmp(o, "--spec") == 0)
			spec = v;
		else if (strcmp(o, "--mode") == 0)
			mode = v;
		else if (strcmp(o, "--reps") == 0)
			reps = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(o, "--kind") == 0)
			kind = v;
		else if (strcmp(o, "--mix") == 0)
			mix = v;
		else if (strcmp(o, "--calls") == 0)
			calls = strtoul(v, NULL, 10);
		else {
			fprintf(stderr, "portspec-query-bench: unknown option '%s'\n", o);
			return 2;
		}
	}
	if ((argc - 2) % 2 || reps == 0 || calls == 0) {
		fprintf(stderr, "portspec-query-bench: options are --name VALUE pairs\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(floor_table); i++)
		floor_table[i] = (unsigned char)(rnd() & 1);
	if (portspec_set_allocator(count_malloc, count_realloc, free) != PORTSPEC_OK)
		return 1;
	struct ctx c;
	memset(&c, 0, sizeof(c));
	if (!load(spec, mode, &c))
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	int rc;
	if (strcmp(argv[1], "run") == 0)
		rc = cmd_run(&c, spec, mode, reps);
	else if (strcmp(argv[1], "count") == 0)
		rc = cmd_count(&c, kind, mix, calls);
	else {
		fprintf(stderr, "portspec-query-bench: unknown command '%s'\n", argv[1]);
		rc = 2;
	}
	free(c.names);
	portspec_policy_free(c.policy);
	portspec_spec_free(c.spec);
	return rc;
}
