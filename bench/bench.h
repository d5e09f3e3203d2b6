/* SPDX-License-Identifier: MIT */
/*
 * portspec-bench: what its measurements share.  One file per kind of
 * measurement (query.c, pipeline.c, process.c, command.c, rules.c, check.c);
 * the allocator that counts, the clocks, the statistics, the machine report
 * and loading specs are in common.c; options and dispatch in portspec-bench.c.
 */
#ifndef PORTSPEC_BENCH_H
#define PORTSPEC_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <portspec/portspec.h>

/* The command line; which fields a measurement reads is in its usage line. */
struct opts {
	const char *spec;
	const char *backend;
	const char *stage;
	const char *zone;     /* pick: the zone asked about (default "outside") */
	unsigned reps;
	unsigned warmup;
	unsigned budget_ms;
	long services;
	const char *mode;     /* "host" or "gateway"; NULL: host if the backend can */
	const char *sets[32]; /* --set KEY=VALUE for the profile */
	size_t nsets;
	char **argv;          /* command: the program and its arguments, after "--" */
};

/* ---- the counting allocator, installed with portspec_set_allocator() ---- */
struct heap_counts {
	uint64_t calls; /* malloc + realloc calls */
	uint64_t frees;
	size_t live;    /* bytes currently allocated */
	size_t peak;    /* high-water mark of live since the last reset */
};
extern struct heap_counts heap;
void *count_malloc(size_t n);
void *count_realloc(void *p, size_t n);
void count_free(void *p);
void heap_reset_peak(void);

/* ---- clocks and statistics ---- */
/* In-process timings: the thread's CPU clock unless --clock wall. */
extern clockid_t bench_clock;
uint64_t now_ns(void);
uint64_t wall_ns(void);
const char *clock_name(void);

struct stats {
	double median, q1, q3, min, max;
	size_t n;
};
/* Sorts v. */
struct stats summarize(double *v, size_t n);
const char *fmt_ns(double ns, char *buf, size_t size);
const char *fmt_bytes(double b, char *buf, size_t size);
/* "median | q1..q3 | min..max" */
const char *fmt_stats_ns(const struct stats *s, char *buf, size_t size);

/* A small deterministic generator (xorshift64*), so runs are repeatable. */
uint64_t rng_next(void);
unsigned rng_below(unsigned n);

/* ---- the machine: CPU, kernel, compiler, build type, load ---- */
void print_machine(void);
void print_load_end(void);

/* ---- specs ---- */
struct text {
	char *data;
	size_t len;
	const char *name;
};
/* The file, or the built-in spec when path is NULL; false after a message. */
bool load_text(const char *path, struct text *t);
void report(const char *what, const struct portspec_error *err);
bool load_policy(const struct text *t, struct portspec_spec **spec,
		 struct portspec_policy **policy);
/* The mode a backend is measured in: host if it can, else gateway. */
enum portspec_mode backend_mode(const char *backend);
/* A profile with the --set options applied. */
enum portspec_status apply_sets(const struct opts *o, const struct portspec_spec *spec,
				struct portspec_profile **profile, struct portspec_error *err);
/* A render sink that keeps nothing. */
int sink_discard(void *userdata, const char *data, size_t len);

/*
 * Runs argv with stdout (and with `quiet` stderr) on /dev/null; its wall
 * time, CPU time and peak RSS, and its exit status in *status (-1 for a
 * signal).  False when it could not be started.
 */
bool spawn_measured(char *const *argv, bool quiet, uint64_t *wall, uint64_t *cpu,
		    long *maxrss_kib, int *status);

/* Repeated runs of a child: warm-up runs thrown away, then o->reps timed. */
struct run_stats {
	struct stats wall, cpu, rss; /* ns, ns, bytes */
	int status;                  /* of the last run */
};
/* False (after a message) when a run failed or exited above max_status. */
bool measure_runs(char *const *argv, const struct opts *o, int max_status, struct run_stats *out);
/* "wall median | IQR | min..max | CPU median | min..max | RSS median | min..max" */
const char *fmt_run_stats(const struct run_stats *r, char *buf, size_t size);

/* ---- the measurements ---- */
int bench_query(const struct opts *o);
int bench_pipeline(const struct opts *o);
int bench_once(const struct opts *o);
int bench_process(const struct opts *o);
int bench_pick(const struct opts *o);
int bench_command(const struct opts *o);
int bench_rules(const struct opts *o);
int bench_check(const struct opts *o);

#endif
