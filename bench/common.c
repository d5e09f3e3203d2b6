/* SPDX-License-Identifier: MIT */
/*
 * What every measurement of portspec-bench uses: an allocator that counts
 * the library's allocations, the clocks and the statistics of repeated runs,
 * the report of the machine, and loading specs.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "bench.h"

#ifndef BENCH_BUILDTYPE
#define BENCH_BUILDTYPE "unknown"
#endif
#ifndef BENCH_OPTIMIZATION
#define BENCH_OPTIMIZATION "?"
#endif

/* Counting allocator, installed through portspec_set_allocator(). */

union alloc_hdr {
	max_align_t align;
	size_t size;
};

struct heap_counts heap;

static void heap_grow(size_t n)
{
	heap.live += n;
	if (heap.live > heap.peak)
		heap.peak = heap.live;
}

void *count_malloc(size_t n)
{
	union alloc_hdr *h = malloc(sizeof(*h) + n);
	if (!h)
		return NULL;
	h->size = n;
	heap.calls++;
	heap_grow(n);
	return h + 1;
}

void *count_realloc(void *p, size_t n)
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

void count_free(void *p)
{
	if (!p)
		return;
	union alloc_hdr *h = (union alloc_hdr *)p - 1;
	heap.frees++;
	heap.live -= h->size;
	free(h);
}

void heap_reset_peak(void)
{
	heap.peak = heap.live;
}

/* Timing and statistics. */

/*
 * In-process timings read the thread's CPU clock by default: on a shared
 * machine the thread is often descheduled, and wall time would count the
 * time other processes ran.  --clock wall switches to CLOCK_MONOTONIC.
 * Whole-process timings (process) are always wall time.
 */
clockid_t bench_clock = CLOCK_THREAD_CPUTIME_ID;

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t now_ns(void)
{
	return clock_ns(bench_clock);
}

uint64_t wall_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

const char *clock_name(void)
{
	return bench_clock == CLOCK_MONOTONIC ? "wall clock (CLOCK_MONOTONIC)"
					      : "thread CPU time (CLOCK_THREAD_CPUTIME_ID)";
}

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

struct stats summarize(double *v, size_t n)
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
const char *fmt_ns(double ns, char *buf, size_t size)
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

const char *fmt_bytes(double b, char *buf, size_t size)
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
const char *fmt_stats_ns(const struct stats *s, char *buf, size_t size)
{
	char a[32], b[32], c[32], d[32], e[32];
	snprintf(buf, size, "%s | %s..%s | %s..%s", fmt_ns(s->median, a, sizeof(a)),
		 fmt_ns(s->q1, b, sizeof(b)), fmt_ns(s->q3, c, sizeof(c)),
		 fmt_ns(s->min, d, sizeof(d)), fmt_ns(s->max, e, sizeof(e)));
	return buf;
}

/* Small deterministic PRNG (xorshift64*), so runs are repeatable. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1du;
}

unsigned rng_below(unsigned n)
{
	return (unsigned)(rng_next() % n);
}

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

void print_machine(void)
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

void print_load_end(void)
{
	char load[64];
	read_loadavg(load, sizeof(load));
	printf("\nload average at end: %s\n", load);
}

/* Loading. */

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

bool load_text(const char *path, struct text *t)
{
	if (path)
		return read_file(path, t);
	const char *def = portspec_default_spec_text();
	t->data = strdup(def);
	t->len = strlen(def);
	t->name = "<default>";
	return t->data != NULL;
}

void report(const char *what, const struct portspec_error *err)
{
	char buf[1024];
	fprintf(stderr, "portspec-bench: %s: %s\n", what,
		portspec_error_format(err, buf, sizeof(buf)));
}

bool load_policy(const struct text *t, struct portspec_spec **spec,
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
enum portspec_mode backend_mode(const char *backend)
{
	unsigned m = portspec_backend_modes(backend);
	return (m & PORTSPEC_MODE_HOST) ? PORTSPEC_MODE_HOST : PORTSPEC_MODE_GATEWAY;
}

int sink_discard(void *userdata, const char *data, size_t len)
{
	(void)userdata;
	(void)data;
	(void)len;
	return 0;
}

enum portspec_status apply_sets(const struct opts *o, const struct portspec_spec *spec,
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

