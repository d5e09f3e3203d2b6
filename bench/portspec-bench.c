/* SPDX-License-Identifier: MIT */
/*
 * portspec-bench: measures libportspec.  It is not a test and never fails on
 * a slow result; docs/performance.md explains the method and the numbers.
 *
 *   portspec-bench machine
 *   portspec-bench query    [--spec FILE] [--reps N] [--warmup N]
 *   portspec-bench pipeline [--spec FILE] [--budget-ms MS]
 *   portspec-bench process  [--spec FILE] [--backend NAME] [--stage STAGE] [--reps N]
 *   portspec-bench rules    [--spec FILE]
 *   portspec-bench check    FILE [--services N]
 *   portspec-bench once     [--spec FILE] [--backend NAME] [--stage STAGE]
 *                           [--mode host|gateway] [--set KEY=VALUE]...
 *   portspec-bench pick     [--spec FILE] [--zone ZONE]
 *
 * Without --spec the built-in spec is used.  Every timed section is run
 * after warm-up runs that are thrown away, repeated, and reported as the
 * median with the interquartile range (q1..q3) and min/max.  Every report
 * starts with the machine: CPU, kernel, compiler, build type and load.
 */
#define _DEFAULT_SOURCE /* wait4() */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <portspec/portspec.h>

#ifndef BENCH_BUILDTYPE
#define BENCH_BUILDTYPE "unknown"
#endif
#ifndef BENCH_OPTIMIZATION
#define BENCH_OPTIMIZATION "?"
#endif

/* ------------------------------------------------------------------------ */
/* Counting allocator, installed through portspec_set_allocator(). */

union alloc_hdr {
	max_align_t align;
	size_t size;
};

static struct {
	uint64_t calls; /* malloc + realloc calls */
	uint64_t frees;
	size_t live;    /* bytes currently allocated */
	size_t peak;    /* high-water mark of live since the last reset */
} heap;

static void heap_grow(size_t n)
{
	heap.live += n;
	if (heap.live > heap.peak)
		heap.peak = heap.live;
}

static void *count_malloc(size_t n)
{
	union alloc_hdr *h = malloc(sizeof(*h) + n);
	if (!h)
		return NULL;
	h->size = n;
	heap.calls++;
	heap_grow(n);
	return h + 1;
}

static void *count_realloc(void *p, size_t n)
{
	if (!p)
		return count_malloc(n);
	union alloc_hdr *h = (union alloc_hdr *)p - 1;
	size_t old = h->size;
	union alloc_hdr *nh = realloc(h, sizeof(*h) + n);
	if (!nh)
		return NULL;
	nh->size = n;
	heap.calls++;
	heap.live -= old;
	heap_grow(n);
	return nh + 1;
}

static void count_free(void *p)
{
	if (!p)
		return;
	union alloc_hdr *h = (union alloc_hdr *)p - 1;
	heap.frees++;
	heap.live -= h->size;
	free(h);
}

static void heap_reset_peak(void)
{
	heap.peak = heap.live;
}

/* ------------------------------------------------------------------------ */
/* Timing and statistics. */

/*
 * In-process timings read the thread's CPU clock by default: on a shared
 * machine the thread is often descheduled, and wall time would count the
 * time other processes ran.  --clock wall switches to CLOCK_MONOTONIC.
 * Whole-process timings (process) are always wall time.
 */
static clockid_t bench_clock = CLOCK_THREAD_CPUTIME_ID;

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(bench_clock);
}

static uint64_t wall_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static const char *clock_name(void)
{
	return bench_clock == CLOCK_MONOTONIC ? "wall clock (CLOCK_MONOTONIC)"
					      : "thread CPU time (CLOCK_THREAD_CPUTIME_ID)";
}

struct stats {
	double median, q1, q3, min, max;
	size_t n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Quantile of sorted values by linear interpolation between ranks. */
static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

static struct stats summarize(double *v, size_t n)
{
	struct stats s = { 0 };
	if (n == 0)
		return s;
	qsort(v, n, sizeof(*v), cmp_double);
	s.n = n;
	s.min = v[0];
	s.max = v[n - 1];
	s.median = quantile(v, n, 0.5);
	s.q1 = quantile(v, n, 0.25);
	s.q3 = quantile(v, n, 0.75);
	return s;
}

/* Formats a duration given in ns with a unit that keeps 3 significant digits. */
static const char *fmt_ns(double ns, char *buf, size_t size)
{
	if (ns < 1e3)
		snprintf(buf, size, "%.1f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, size, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, size, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.2f s", ns / 1e9);
	return buf;
}

static const char *fmt_bytes(double b, char *buf, size_t size)
{
	if (b < 1024)
		snprintf(buf, size, "%.0f B", b);
	else if (b < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", b / 1024);
	else
		snprintf(buf, size, "%.1f MiB", b / (1024 * 1024));
	return buf;
}

/* "median (IQR q1..q3, min..max)" */
static const char *fmt_stats_ns(const struct stats *s, char *buf, size_t size)
{
	char a[32], b[32], c[32], d[32], e[32];
	snprintf(buf, size, "%s | %s..%s | %s..%s", fmt_ns(s->median, a, sizeof(a)),
		 fmt_ns(s->q1, b, sizeof(b)), fmt_ns(s->q3, c, sizeof(c)),
		 fmt_ns(s->min, d, sizeof(d)), fmt_ns(s->max, e, sizeof(e)));
	return buf;
}

/* Small deterministic PRNG (xorshift64*), so runs are repeatable. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1du;
}

static unsigned rng_below(unsigned n)
{
	return (unsigned)(rng_next() % n);
}

/* ------------------------------------------------------------------------ */
/* Machine details. */

static void read_loadavg(char *buf, size_t size)
{
	snprintf(buf, size, "?");
	FILE *f = fopen("/proc/loadavg", "r");
	if (!f)
		return;
	double a, b, c;
	if (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
		snprintf(buf, size, "%.2f %.2f %.2f", a, b, c);
	fclose(f);
}

static void print_machine(void)
{
	char model[256] = "unknown";
	unsigned cpus = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f) {
		char line[512];
		while (fgets(line, sizeof(line), f)) {
			if (strncmp(line, "processor", 9) == 0)
				cpus++;
			if (strncmp(line, "model name", 10) == 0 && strcmp(model, "unknown") == 0) {
				char *p = strchr(line, ':');
				if (p) {
					p++;
					while (*p == ' ' || *p == '\t')
						p++;
					snprintf(model, sizeof(model), "%s", p);
					model[strcspn(model, "\n")] = '\0';
				}
			}
		}
		fclose(f);
	}
	struct utsname u;
	char kernel[400] = "unknown";
	if (uname(&u) == 0)
		snprintf(kernel, sizeof(kernel), "%s %s %s", u.sysname, u.release, u.machine);
	char load[64];
	read_loadavg(load, sizeof(load));
	printf("## Machine\n\n");
	printf("- CPU: %s, %u logical CPUs\n", model, cpus);
	printf("- kernel: %s\n", kernel);
#ifdef __VERSION__
#ifdef __clang__
	printf("- compiler: clang %s\n", __VERSION__);
#else
	printf("- compiler: gcc %s\n", __VERSION__);
#endif
#endif
	printf("- build type: %s (-O%s)\n", BENCH_BUILDTYPE, BENCH_OPTIMIZATION);
	printf("- libportspec: %s\n", portspec_version());
	printf("- load average at start: %s\n\n", load);
}

static void print_load_end(void)
{
	char load[64];
	read_loadavg(load, sizeof(load));
	printf("\nload average at end: %s\n", load);
}

/* ------------------------------------------------------------------------ */
/* Loading. */

struct text {
	char *data;
	size_t len;
	const char *name;
};

static bool read_file(const char *path, struct text *t)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "portspec-bench: %s: %s\n", path, strerror(errno));
		return false;
	}
	size_t cap = 1 << 16, len = 0;
	char *data = malloc(cap);
	for (;;) {
		if (!data) {
			fclose(f);
			fprintf(stderr, "portspec-bench: out of memory\n");
			return false;
		}
		len += fread(data + len, 1, cap - len, f);
		if (len < cap)
			break;
		cap *= 2;
		char *n = realloc(data, cap);
		if (!n)
			free(data);
		data = n;
	}
	fclose(f);
	t->data = data;
	t->len = len;
	t->name = path;
	return true;
}

static bool load_text(const char *path, struct text *t)
{
	if (path)
		return read_file(path, t);
	const char *def = portspec_default_spec_text();
	t->data = strdup(def);
	t->len = strlen(def);
	t->name = "<default>";
	return t->data != NULL;
}

static void report(const char *what, const struct portspec_error *err)
{
	char buf[1024];
	fprintf(stderr, "portspec-bench: %s: %s\n", what,
		portspec_error_format(err, buf, sizeof(buf)));
}

static bool load_policy(const struct text *t, struct portspec_spec **spec,
			struct portspec_policy **policy)
{
	struct portspec_error err;
	memset(&err, 0, sizeof(err));
	if (portspec_spec_parse(t->data, t->len, t->name, spec, &err) != PORTSPEC_OK) {
		report("parse", &err);
		return false;
	}
	if (portspec_policy_new(*spec, NULL, policy, &err) != PORTSPEC_OK) {
		report("compile", &err);
		portspec_spec_free(*spec);
		return false;
	}
	return true;
}

/* The mode a backend is measured in: host if it can, else gateway. */
static enum portspec_mode backend_mode(const char *backend)
{
	unsigned m = portspec_backend_modes(backend);
	return (m & PORTSPEC_MODE_HOST) ? PORTSPEC_MODE_HOST : PORTSPEC_MODE_GATEWAY;
}

/* ------------------------------------------------------------------------ */
/* query: portspec_is_allowed() per call. */

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

struct opts {
	const char *spec;
	const char *backend;
	const char *stage;
	unsigned reps;
	unsigned warmup;
	unsigned budget_ms;
	long services;
	const char *mode;  /* "host" or "gateway"; NULL: host if the backend can */
	const char *sets[32]; /* --set KEY=VALUE for the profile */
	size_t nsets;
};

static int bench_query(const struct opts *o)
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

/* ------------------------------------------------------------------------ */
/* pipeline: parse, compile and each backend's render, in process. */

struct stage_result {
	struct stats time;
	size_t peak;     /* heap high-water mark during one run, above the baseline */
	size_t retained; /* heap held by the result */
	size_t out_len;  /* rendered bytes */
	enum portspec_status status;
	char error[512];
};

enum stage_kind { STAGE_PARSE, STAGE_COMPILE, STAGE_RENDER };

struct stage_ctx {
	const struct text *text;
	const struct portspec_spec *spec;
	const struct portspec_policy *policy;
	const char *backend;
};

/* Runs a stage once; returns the status, the time and what it kept. */
static enum portspec_status stage_once(enum stage_kind kind, const struct stage_ctx *c,
				       uint64_t *ns, size_t *retained, size_t *out_len,
				       struct portspec_error *err)
{
	enum portspec_status st;
	size_t base = heap.live;
	uint64_t t0;
	switch (kind) {
	case STAGE_PARSE: {
		struct portspec_spec *s = NULL;
		t0 = now_ns();
		st = portspec_spec_parse(c->text->data, c->text->len, c->text->name, &s, err);
		*ns = now_ns() - t0;
		*retained = heap.live - base;
		portspec_spec_free(s);
		break;
	}
	case STAGE_COMPILE: {
		struct portspec_policy *p = NULL;
		t0 = now_ns();
		st = portspec_policy_new(c->spec, NULL, &p, err);
		*ns = now_ns() - t0;
		*retained = heap.live - base;
		portspec_policy_free(p);
		break;
	}
	default: {
		char *out = NULL;
		size_t len = 0;
		t0 = now_ns();
		st = portspec_render_to_string(c->policy, c->backend, backend_mode(c->backend), 0,
					       NULL, &out, &len, err);
		*ns = now_ns() - t0;
		*retained = heap.live - base;
		*out_len = len;
		portspec_free(out);
		break;
	}
	}
	return st;
}

static void run_stage(enum stage_kind kind, const struct stage_ctx *c, unsigned budget_ms,
		      struct stage_result *res)
{
	struct portspec_error err;
	memset(&err, 0, sizeof(err));
	memset(res, 0, sizeof(*res));
	uint64_t ns;
	size_t retained = 0, out_len = 0;
	/* The first run is the warm-up; it also measures memory and picks the count. */
	heap_reset_peak();
	size_t base = heap.live;
	res->status = stage_once(kind, c, &ns, &retained, &out_len, &err);
	res->peak = heap.peak - base;
	res->retained = retained;
	res->out_len = out_len;
	if (res->status != PORTSPEC_OK) {
		snprintf(res->error, sizeof(res->error), "%s", err.text);
		return;
	}
	uint64_t budget = (uint64_t)budget_ms * 1000000u;
	unsigned reps = (unsigned)(budget / (ns ? ns : 1));
	if (reps < 5)
		reps = 5;
	if (reps > 51)
		reps = 51;
	double *v = calloc(reps, sizeof(*v));
	if (!v)
		return;
	for (unsigned r = 0; r < reps; r++) {
		stage_once(kind, c, &ns, &retained, &out_len, &err);
		v[r] = (double)ns;
	}
	res->time = summarize(v, reps);
	free(v);
}

static void print_stage(const char *name, const struct stage_result *r)
{
	char a[128], b[32], c[32], d[32];
	if (r->status != PORTSPEC_OK) {
		printf("| %s | n/a: %s | | | | |\n", name, r->error);
		return;
	}
	printf("| %s | %s | %zu | %s | %s | %s |\n", name, fmt_stats_ns(&r->time, a, sizeof(a)),
	       r->time.n, fmt_bytes((double)r->peak, b, sizeof(b)),
	       fmt_bytes((double)r->retained, c, sizeof(c)),
	       r->out_len ? fmt_bytes((double)r->out_len, d, sizeof(d)) : "-");
}

static int bench_pipeline(const struct opts *o)
{
	struct text t;
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	if (!load_text(o->spec, &t) || !load_policy(&t, &spec, &policy))
		return 1;
	printf("## parse, compile, render: %s\n\n", t.name);
	printf("%zu bytes of spec text, %zu services, %zu flows in the policy.\n"
	       "First run is warm-up and measures heap; then 5..51 timed runs (about %u ms each "
	       "stage), %s.\n\n",
	       t.len, portspec_spec_service_count(spec), portspec_policy_flow_count(policy),
	       o->budget_ms, clock_name());
	printf("| stage | median | IQR | min..max | runs | heap peak | heap kept | output |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
	struct stage_ctx c = { .text = &t, .spec = spec, .policy = policy };
	struct stage_result r;
	run_stage(STAGE_PARSE, &c, o->budget_ms, &r);
	print_stage("parse", &r);
	run_stage(STAGE_COMPILE, &c, o->budget_ms, &r);
	print_stage("compile", &r);
	for (size_t i = 0; i < portspec_backend_count(); i++) {
		c.backend = portspec_backend_name(i);
		if (o->backend && strcmp(o->backend, c.backend) != 0)
			continue;
		char name[64];
		snprintf(name, sizeof(name), "render %s (%s)", c.backend,
			 backend_mode(c.backend) == PORTSPEC_MODE_HOST ? "host" : "gateway");
		run_stage(STAGE_RENDER, &c, o->budget_ms, &r);
		print_stage(name, &r);
	}
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	free(t.data);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* once / process: a whole process, as `portspec render` would run. */

static int sink_discard(void *userdata, const char *data, size_t len)
{
	(void)userdata;
	(void)data;
	(void)len;
	return 0;
}

/* A profile with the --set options applied. */
static enum portspec_status apply_sets(const struct opts *o, const struct portspec_spec *spec,
				       struct portspec_profile **profile, struct portspec_error *err)
{
	enum portspec_status st = portspec_profile_new(spec, profile, NULL);
	for (size_t i = 0; st == PORTSPEC_OK && i < o->nsets; i++) {
		char kv[512];
		snprintf(kv, sizeof(kv), "%s", o->sets[i]);
		char *eq = strchr(kv, '=');
		if (!eq) {
			fprintf(stderr, "portspec-bench: --set wants KEY=VALUE, not '%s'\n", kv);
			return PORTSPEC_E_INVALID;
		}
		*eq = '\0';
		st = portspec_profile_set(*profile, kv, eq + 1, err);
	}
	return st;
}

/*
 * pick: the highest port allowed for new tcp connections inbound from a zone
 * (default "outside"), i.e. the one a linear ruleset sorted by port matches
 * last.  Used by netns-lab.sh.
 */
static int bench_pick(const struct opts *o)
{
	struct text t;
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	if (!load_text(o->spec, &t) || !load_policy(&t, &spec, &policy))
		return 1;
	const char *zone = o->stage ? o->stage : "outside";
	unsigned best = 0;
	for (size_t i = 0; i < portspec_policy_flow_count(policy); i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, i);
		if (portspec_flow_direction(f) == PORTSPEC_INBOUND &&
		    portspec_flow_protocol(f) == PORTSPEC_TCP &&
		    strcmp(portspec_zone_name(portspec_flow_zone(f)), zone) == 0 &&
		    portspec_flow_port_last(f) > best)
			best = portspec_flow_port_last(f);
	}
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	free(t.data);
	if (!best)
		return 1;
	printf("%u\n", best);
	return 0;
}

/* Stages: "exec" (start and exit), "parse", "compile", "render" (the default). */
static int bench_once(const struct opts *o)
{
	const char *stage = o->stage ? o->stage : "render";
	if (strcmp(stage, "exec") == 0)
		return 0;
	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_error err;
	memset(&err, 0, sizeof(err));
	struct portspec_profile *profile = NULL;
	enum portspec_status st = o->spec ? portspec_spec_load(o->spec, &spec, &err)
					  : portspec_spec_new_default(&spec, &err);
	if (st == PORTSPEC_OK && o->nsets)
		st = apply_sets(o, spec, &profile, &err);
	if (st == PORTSPEC_OK && strcmp(stage, "parse") != 0)
		st = portspec_policy_new(spec, profile, &policy, &err);
	if (st == PORTSPEC_OK && strcmp(stage, "render") == 0) {
		const char *b = o->backend ? o->backend : "nft";
		enum portspec_mode mode = backend_mode(b);
		if (o->mode)
			mode = strcmp(o->mode, "gateway") == 0 ? PORTSPEC_MODE_GATEWAY
								: PORTSPEC_MODE_HOST;
		/* Write to stdout like the CLI; `process` points it at /dev/null. */
		st = portspec_render_to_file(policy, b, mode, 0, NULL, stdout, &err);
	}
	if (st != PORTSPEC_OK)
		report(stage, &err);
	portspec_policy_free(policy);
	portspec_profile_free(profile);
	portspec_spec_free(spec);
	return st == PORTSPEC_OK ? 0 : 1;
}

/* Runs `self once ...` with stdout on /dev/null; wall time and peak RSS. */
static bool spawn_once(const struct opts *o, uint64_t *ns, uint64_t *cpu_ns, long *maxrss_kib)
{
	const char *argv[10];
	int n = 0;
	argv[n++] = "portspec-bench";
	argv[n++] = "once";
	if (o->spec) {
		argv[n++] = "--spec";
		argv[n++] = o->spec;
	}
	if (o->backend) {
		argv[n++] = "--backend";
		argv[n++] = o->backend;
	}
	if (o->stage) {
		argv[n++] = "--stage";
		argv[n++] = o->stage;
	}
	argv[n] = NULL;
	fflush(stdout);
	uint64_t t0 = wall_ns();
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		execv("/proc/self/exe", (char *const *)argv);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) != pid)
		return false;
	*ns = wall_ns() - t0;
	*cpu_ns = ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
		  ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
	*maxrss_kib = ru.ru_maxrss;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int bench_process(const struct opts *o)
{
	unsigned reps = o->reps;
	double *tv = calloc(reps, sizeof(*tv)), *cv = calloc(reps, sizeof(*cv)),
	       *mv = calloc(reps, sizeof(*mv));
	if (!tv || !cv || !mv)
		return 1;
	uint64_t ns, cpu;
	long rss;
	for (unsigned w = 0; w < o->warmup; w++) {
		if (!spawn_once(o, &ns, &cpu, &rss)) {
			fprintf(stderr, "portspec-bench: the child process failed\n");
			return 1;
		}
	}
	for (unsigned r = 0; r < reps; r++) {
		if (!spawn_once(o, &ns, &cpu, &rss))
			return 1;
		tv[r] = (double)ns;
		cv[r] = (double)cpu;
		mv[r] = (double)rss * 1024.0;
	}
	struct stats ts = summarize(tv, reps), cs = summarize(cv, reps), ms = summarize(mv, reps);
	char a[128], b[32], c[32], d[32], e[32], f[32], g[32];
	printf("| %s | %s | %s | %s | %s | %s..%s | %s | %s..%s |\n",
	       o->spec ? o->spec : "<default>", o->backend ? o->backend : "nft",
	       o->stage ? o->stage : "render", fmt_stats_ns(&ts, a, sizeof(a)),
	       fmt_ns(cs.median, b, sizeof(b)), fmt_ns(cs.min, c, sizeof(c)),
	       fmt_ns(cs.max, d, sizeof(d)), fmt_bytes(ms.median, e, sizeof(e)),
	       fmt_bytes(ms.min, f, sizeof(f)), fmt_bytes(ms.max, g, sizeof(g)));
	free(tv);
	free(cv);
	free(mv);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* rules: how many rules each backend generates. */

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * What counts as one rule, per target: an `-A` line for iptables-restore; a
 * statement line inside an nft chain (not the chain's type/policy line, not a
 * set or map declaration or element); a pass/block/match line in pf; one
 * `add rule` in netsh; one New-NetFirewallRule in PowerShell.  Documentation
 * and data backends count their non-empty lines.
 */
static size_t count_rules(const char *backend, const char *text, size_t *lines, size_t *elements)
{
	size_t rules = 0;
	int depth = 0;
	bool in_chain = false, in_set = false;
	int chain_depth = 0, set_depth = 0;
	*lines = 0;
	*elements = 0;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char line[4096];
		size_t k = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
		memcpy(line, p, k);
		line[k] = '\0';
		p = e ? e + 1 : p + n;
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			continue;
		(*lines)++;
		if (strcmp(backend, "iptables") == 0 || strcmp(backend, "ip6tables") == 0) {
			if (starts_with(s, "-A "))
				rules++;
		} else if (strcmp(backend, "nft") == 0) {
			if (*s == '#')
				continue;
			if (starts_with(s, "chain ") && strchr(s, '{')) {
				in_chain = true;
				chain_depth = depth;
			} else if ((starts_with(s, "set ") || starts_with(s, "map ")) && strchr(s, '{')) {
				in_set = true;
				set_depth = depth;
			} else if (in_set) {
				if (starts_with(s, "elements")) {
					/* count comma-separated elements on this and
					 * following lines until the closing brace */
					*elements += 1;
				}
				for (char *c = s; *c; c++)
					if (*c == ',')
						(*elements)++;
			} else if (in_chain && *s != '}' && !starts_with(s, "type ") &&
				   !starts_with(s, "policy ")) {
				rules++;
			}
			for (char *c = s; *c; c++) {
				if (*c == '{')
					depth++;
				else if (*c == '}')
					depth--;
			}
			if (in_chain && depth <= chain_depth)
				in_chain = false;
			if (in_set && depth <= set_depth)
				in_set = false;
		} else if (strcmp(backend, "pf") == 0) {
			if (starts_with(s, "pass") || starts_with(s, "block") || starts_with(s, "match"))
				rules++;
		} else if (strcmp(backend, "netsh") == 0) {
			if (strstr(s, "add rule"))
				rules++;
		} else if (strcmp(backend, "powershell") == 0) {
			if (strstr(s, "New-NetFirewallRule"))
				rules++;
		} else if (*s != '#') {
			rules++;
		}
	}
	return rules;
}

static int bench_rules(const struct opts *o)
{
	struct text t;
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	if (!load_text(o->spec, &t) || !load_policy(&t, &spec, &policy))
		return 1;
	printf("## rule counts: %s\n\n", t.name);
	printf("%zu services, %zu flows in the policy (default profile).\n\n",
	       portspec_spec_service_count(spec), portspec_policy_flow_count(policy));
	printf("| backend | mode | rules | set/map elements | non-empty lines | bytes |\n");
	printf("|---|---|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < portspec_backend_count(); i++) {
		const char *b = portspec_backend_name(i);
		for (unsigned mode = PORTSPEC_MODE_HOST; mode <= PORTSPEC_MODE_GATEWAY; mode <<= 1) {
			if (!(portspec_backend_modes(b) & mode))
				continue;
			char *out = NULL;
			size_t len = 0, lines = 0, elements = 0;
			struct portspec_error err;
			memset(&err, 0, sizeof(err));
			const char *mname = mode == PORTSPEC_MODE_HOST ? "host" : "gateway";
			if (portspec_render_to_string(policy, b, (enum portspec_mode)mode, 0, NULL, &out,
						      &len, &err) != PORTSPEC_OK) {
				printf("| %s | %s | n/a: %s | | | |\n", b, mname, err.text);
				continue;
			}
			size_t rules = count_rules(b, out, &lines, &elements);
			printf("| %s | %s | %zu | %zu | %zu | %zu |\n", b, mname, rules, elements,
			       lines, len);
			portspec_free(out);
		}
	}
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	free(t.data);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* check: the smoke test that a generated spec parses and compiles. */

static int bench_check(const struct opts *o)
{
	struct text t;
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	if (!o->spec) {
		fprintf(stderr, "portspec-bench check: a spec file is required\n");
		return 2;
	}
	if (!load_text(o->spec, &t) || !load_policy(&t, &spec, &policy))
		return 1;
	size_t n = portspec_spec_service_count(spec), nflows = portspec_policy_flow_count(policy);
	int rc = 0;
	printf("%s: %zu services, %zu zones, %zu flows\n", o->spec, n,
	       portspec_spec_zone_count(spec), nflows);
	if (o->services >= 0 && n != (size_t)o->services) {
		fprintf(stderr, "portspec-bench check: expected %ld services, parsed %zu\n",
			o->services, n);
		rc = 1;
	}
	if (nflows == 0) {
		fprintf(stderr, "portspec-bench check: the policy has no flows\n");
		rc = 1;
	}
	/* Every flow of the policy is allowed by is_allowed. */
	for (size_t i = 0; i < nflows; i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, i);
		bool ok = false;
		enum portspec_status st =
			portspec_is_allowed(policy, portspec_zone_name(portspec_flow_zone(f)),
					    portspec_flow_direction(f), portspec_flow_protocol(f),
					    portspec_flow_port_last(f), &ok, NULL, NULL);
		int a = st ? -(int)st : ok;
		if (a != 1) {
			fprintf(stderr, "portspec-bench check: flow %zu (%s) is not allowed: %d\n", i,
				portspec_service_name(portspec_flow_service(f)), a);
			rc = 1;
			break;
		}
	}
	/* Renders are reported, not judged: backends have their own tests. */
	for (size_t i = 0; i < portspec_backend_count(); i++) {
		const char *b = portspec_backend_name(i);
		struct portspec_error err;
		memset(&err, 0, sizeof(err));
		enum portspec_status st =
			portspec_render(policy, b, backend_mode(b), 0, NULL, sink_discard, NULL, &err);
		printf("render %s: %s%s%s\n", b, portspec_strerror(st), st ? ": " : "",
		       st ? err.text : "");
	}
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	free(t.data);
	return rc;
}

/* ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: portspec-bench COMMAND [options]\n"
		"  machine                       print the machine details\n"
		"  query    [--spec F]           ns per portspec_is_allowed() call, allocations\n"
		"  pipeline [--spec F]           parse, compile, render per backend: time, heap\n"
		"  process  [--spec F] [--backend B] [--stage S]\n"
		"                                whole process: wall time and peak RSS\n"
		"  rules    [--spec F]           rule counts per backend and mode\n"
		"  check    F [--services N]     F parses, compiles and has N services\n"
		"  once     [--spec F] [--backend B] [--stage exec|parse|compile|render]\n"
		"           [--mode host|gateway] [--set KEY=VALUE]...\n"
		"                                one run, rules on stdout\n"
		"  pick     [--spec F] [--zone Z] highest tcp port allowed inbound from Z\n"
		"options: --reps N (timed runs), --warmup N, --budget-ms MS (pipeline time per stage),\n"
		"         --clock cpu|wall (in-process timings; default cpu)\n");
}

static bool parse_uint(const char *s, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > 100000)
		return false;
	*out = (unsigned)v;
	return true;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	struct opts o = { .reps = 0, .warmup = 3, .budget_ms = 1000, .services = -1 };
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = true;
		if (strcmp(a, "--spec") == 0 && v)
			o.spec = v;
		else if (strcmp(a, "--backend") == 0 && v)
			o.backend = v;
		else if ((strcmp(a, "--stage") == 0 || strcmp(a, "--zone") == 0) && v)
			o.stage = v;
		else if (strcmp(a, "--clock") == 0 && v && strcmp(v, "wall") == 0)
			bench_clock = CLOCK_MONOTONIC;
		else if (strcmp(a, "--clock") == 0 && v && strcmp(v, "cpu") == 0)
			bench_clock = CLOCK_THREAD_CPUTIME_ID;
		else if (strcmp(a, "--mode") == 0 && v)
			o.mode = v;
		else if (strcmp(a, "--set") == 0 && v && o.nsets < 32)
			o.sets[o.nsets++] = v;
		else if (strcmp(a, "--reps") == 0 && v)
			ok = parse_uint(v, &o.reps) && o.reps > 0;
		else if (strcmp(a, "--warmup") == 0 && v)
			ok = parse_uint(v, &o.warmup);
		else if (strcmp(a, "--budget-ms") == 0 && v)
			ok = parse_uint(v, &o.budget_ms);
		else if (strcmp(a, "--services") == 0 && v)
			o.services = strtol(v, NULL, 10);
		else if (a[0] != '-' && !o.spec) {
			o.spec = a;
			continue;
		} else
			ok = false;
		if (!ok) {
			fprintf(stderr, "portspec-bench: bad option '%s'\n", a);
			usage(stderr);
			return 2;
		}
		i++;
	}

	if (strcmp(cmd, "once") == 0)
		return bench_once(&o);
	if (strcmp(cmd, "pick") == 0)
		return bench_pick(&o);

	/* Everything below counts the library's allocations. */
	if (portspec_set_allocator(count_malloc, count_realloc, count_free) != PORTSPEC_OK)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	int rc;
	if (strcmp(cmd, "machine") == 0) {
		print_machine();
		return 0;
	} else if (strcmp(cmd, "query") == 0) {
		if (!o.reps)
			o.reps = 25;
		print_machine();
		rc = bench_query(&o);
	} else if (strcmp(cmd, "pipeline") == 0) {
		print_machine();
		rc = bench_pipeline(&o);
	} else if (strcmp(cmd, "process") == 0) {
		if (!o.reps)
			o.reps = 21;
		if (o.warmup > 3)
			o.warmup = 3;
		printf("| spec | backend | stage | wall median | wall IQR | wall min..max | "
		       "CPU median | CPU min..max | peak RSS median | RSS min..max |\n"
		       "|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
		rc = bench_process(&o);
		return rc;
	} else if (strcmp(cmd, "rules") == 0) {
		rc = bench_rules(&o);
		return rc;
	} else if (strcmp(cmd, "check") == 0) {
		return bench_check(&o);
	} else if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		usage(stdout);
		return 0;
	} else {
		usage(stderr);
		return 2;
	}
	print_load_end();
	return rc;
}
