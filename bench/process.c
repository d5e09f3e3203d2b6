/* SPDX-License-Identifier: MIT */
/*
 * once / process / pick: the library as a whole process runs it (like
 * `portspec render`), one stage after another, and the child processes that
 * measure it.
 */
#define _DEFAULT_SOURCE /* wait4() */

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/*
 * pick: the highest port allowed for new tcp connections inbound from a zone
 * (default "outside"), i.e. the one a linear ruleset sorted by port matches
 * last.  Used by netns-lab.sh.
 */
int bench_pick(const struct opts *o)
{
	struct text t;
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	if (!load_text(o->spec, &t) || !load_policy(&t, &spec, &policy))
		return 1;
	const char *zone = o->zone ? o->zone : "outside";
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
int bench_once(const struct opts *o)
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
		st = portspec_render_to_file(
			policy, b, &(struct portspec_render_options){.mode = mode}, stdout, &err);
	}
	if (st != PORTSPEC_OK)
		report(stage, &err);
	portspec_policy_free(policy);
	portspec_profile_free(profile);
	portspec_spec_free(spec);
	return st == PORTSPEC_OK ? 0 : 1;
}

bool spawn_measured(char *const *argv, bool quiet, uint64_t *wall, uint64_t *cpu,
		    long *maxrss_kib, int *status)
{
	fflush(stdout);
	uint64_t t0 = wall_ns();
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			if (quiet)
				dup2(fd, 2);
		}
		/* The benchmark itself by /proc/self/exe; another program by PATH. */
		if (strcmp(argv[0], "portspec-bench") == 0)
			execv("/proc/self/exe", argv);
		else
			execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) != pid)
		return false;
	*wall = wall_ns() - t0;
	*cpu = ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
	*maxrss_kib = ru.ru_maxrss;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return *status != 127;
}

bool measure_runs(char *const *argv, const struct opts *o, int max_status, struct run_stats *out)
{
	unsigned reps = o->reps;
	double *tv = calloc(reps, sizeof(*tv)), *cv = calloc(reps, sizeof(*cv)),
	       *mv = calloc(reps, sizeof(*mv));
	bool ok = tv && cv && mv;
	uint64_t ns, cpu;
	long rss;
	int status = 0;
	for (unsigned r = 0; ok && r < o->warmup + reps; r++) {
		ok = spawn_measured(argv, true, &ns, &cpu, &rss, &status) && status >= 0 &&
		     status <= max_status;
		if (ok && r >= o->warmup) {
			tv[r - o->warmup] = (double)ns;
			cv[r - o->warmup] = (double)cpu;
			mv[r - o->warmup] = (double)rss * 1024.0;
		}
	}
	if (!ok && status == 127)
		fprintf(stderr, "portspec-bench: cannot run %s\n", argv[0]);
	else if (!ok)
		fprintf(stderr, "portspec-bench: %s failed (exit status %d)\n", argv[0], status);
	else
		*out = (struct run_stats){.wall = summarize(tv, reps), .cpu = summarize(cv, reps),
					  .rss = summarize(mv, reps), .status = status};
	free(tv);
	free(cv);
	free(mv);
	return ok;
}

const char *fmt_run_stats(const struct run_stats *r, char *buf, size_t size)
{
	char a[128], b[32], c[32], d[32], e[32], f[32], g[32];
	snprintf(buf, size, "%s | %s | %s..%s | %s | %s..%s", fmt_stats_ns(&r->wall, a, sizeof(a)),
		 fmt_ns(r->cpu.median, b, sizeof(b)), fmt_ns(r->cpu.min, c, sizeof(c)),
		 fmt_ns(r->cpu.max, d, sizeof(d)), fmt_bytes(r->rss.median, e, sizeof(e)),
		 fmt_bytes(r->rss.min, f, sizeof(f)), fmt_bytes(r->rss.max, g, sizeof(g)));
	return buf;
}

int bench_process(const struct opts *o)
{
	char *argv[10];
	int n = 0;
	argv[n++] = (char *)"portspec-bench";
	argv[n++] = (char *)"once";
	if (o->spec) {
		argv[n++] = (char *)"--spec";
		argv[n++] = (char *)o->spec;
	}
	if (o->backend) {
		argv[n++] = (char *)"--backend";
		argv[n++] = (char *)o->backend;
	}
	if (o->stage) {
		argv[n++] = (char *)"--stage";
		argv[n++] = (char *)o->stage;
	}
	argv[n] = NULL;
	struct run_stats r;
	if (!measure_runs(argv, o, 0, &r))
		return 1;
	char buf[512];
	printf("| %s | %s | %s | %s |\n", o->spec ? o->spec : "<default>",
	       o->backend ? o->backend : "nft", o->stage ? o->stage : "render",
	       fmt_run_stats(&r, buf, sizeof(buf)));
	return 0;
}
