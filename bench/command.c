/* SPDX-License-Identifier: MIT */
/*
 * command: any program as a whole process, e.g. each `portspec` command on
 * each generated spec: wall time, CPU time and peak RSS over repeated runs.
 * Exit status 1 counts as a run (validate's findings, explain's "denied").
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* The command line as a table cell: programs and files by their base names. */
static void put_command(char *const *argv)
{
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];
		const char *slash = strrchr(a, '/');
		printf("%s%s", i ? " " : "`", slash && a[0] != '-' ? slash + 1 : a);
	}
	printf("`");
}

int bench_command(const struct opts *o)
{
	if (!o->argv || !o->argv[0]) {
		fprintf(stderr, "portspec-bench command: give the program after --\n");
		return 2;
	}
	struct run_stats r;
	if (!measure_runs(o->argv, o, 1, &r))
		return 1;
	char buf[512];
	printf("| ");
	put_command(o->argv);
	printf(" | %s | %u |\n", fmt_run_stats(&r, buf, sizeof(buf)), o->reps);
	return 0;
}
