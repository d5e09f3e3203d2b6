/* SPDX-License-Identifier: MIT */
/*
 * portspec-bench: measures libportspec.  It is not a test and never fails on
 * a slow result; docs/performance.md explains the method and the numbers.
 *
 *   portspec-bench machine
 *   portspec-bench query    [--spec FILE] [--reps N] [--warmup N]        (query.c)
 *   portspec-bench pipeline [--spec FILE] [--budget-ms MS]               (pipeline.c)
 *   portspec-bench process  [--spec FILE] [--backend NAME] [--stage STAGE] [--reps N]
 *   portspec-bench once     [--spec FILE] [--backend NAME] [--stage STAGE]
 *                           [--mode host|gateway] [--set KEY=VALUE]...
 *   portspec-bench pick     [--spec FILE] [--zone ZONE]                  (process.c)
 *   portspec-bench command  [--reps N] [--warmup N] -- PROGRAM [ARG...]  (command.c)
 *   portspec-bench rules    [--spec FILE]                                (rules.c)
 *   portspec-bench check    FILE [--services N]                          (check.c)
 *   portspec-bench backends | default-bytes | default-services           (for scripts)
 *
 * Without --spec the built-in spec is used.  Every timed section is run
 * after warm-up runs that are thrown away, repeated, and reported as the
 * median with the interquartile range (q1..q3) and min/max.  Every report
 * starts with the machine: CPU, kernel, compiler, build type and load.
 * Instruction counts, the numbers to compare, come from callgrind through
 * bench/instructions.sh and bench/commands.sh.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

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
		"  command  [--reps N] -- PROGRAM [ARG...]\n"
		"                                any program: wall time, CPU time, peak RSS\n"
		"  backends | default-bytes | default-services\n"
		"                                the backends; the built-in spec's size (scripts)\n"
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
		if (strcmp(a, "--") == 0 && strcmp(cmd, "command") == 0) {
			o.argv = argv + i + 1;
			break;
		}
		if (strcmp(a, "--spec") == 0 && v)
			o.spec = v;
		else if (strcmp(a, "--backend") == 0 && v)
			o.backend = v;
		else if (strcmp(a, "--stage") == 0 && v)
			o.stage = v;
		else if (strcmp(a, "--zone") == 0 && v)
			o.zone = v;
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
	/* For the scripts: what they cannot read from a file. */
	if (strcmp(cmd, "backends") == 0) {
		for (size_t i = 0; i < portspec_backend_count(); i++)
			printf("%s\n", portspec_backend_name(i));
		return 0;
	}
	if (strcmp(cmd, "default-bytes") == 0) {
		printf("%zu\n", strlen(portspec_default_spec_text()));
		return 0;
	}
	if (strcmp(cmd, "default-services") == 0) {
		struct portspec_spec *spec;
		if (portspec_spec_new_default(&spec, NULL))
			return 1;
		printf("%zu\n", portspec_spec_service_count(spec));
		portspec_spec_free(spec);
		return 0;
	}
	if (strcmp(cmd, "pick") == 0)
		return bench_pick(&o);
	if (strcmp(cmd, "command") == 0) {
		if (!o.reps)
			o.reps = 11;
		setvbuf(stdout, NULL, _IOLBF, 0);
		printf("| command | wall median | wall IQR | wall min..max | CPU median | "
		       "CPU min..max | peak RSS median | RSS min..max | runs |\n"
		       "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		return bench_command(&o);
	}

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

