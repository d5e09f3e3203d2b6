/* SPDX-License-Identifier: MIT */
/*
 * The audit on large rulesets (docs/performance.md, "Audit of existing
 * rulesets").  Reads the given rulesets into one (reading is part of the
 * cost: parse), then audits it against the built-in policy in host mode,
 * diffs it with itself, and traces one connection; prints one markdown row
 * with the median wall time of each step over --reps runs and the peak
 * resident memory of the process.
 *
 *   portspec-audit-bench [--reps N] [--once] FORMAT:FILE...
 *
 * --once: read, audit and trace once, without timing, for callgrind
 * (bench/audit-instructions.sh counts the instructions of each step).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <portspec/audit.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void die(const char *what, const struct portspec_error *err)
{
	char buf[1024];
	fprintf(stderr, "portspec-audit-bench: %s: %s\n", what,
		portspec_error_format(err, buf, sizeof(buf)));
	exit(1);
}

static struct portspec_ruleset *read_all(int n, char **files)
{
	struct portspec_ruleset *rs = NULL;
	struct portspec_error err;
	if (portspec_ruleset_new(&rs))
		exit(1);
	for (int i = 0; i < n; i++) {
		char *colon = strchr(files[i], ':');
		if (!colon) {
			fprintf(stderr, "portspec-audit-bench: %s: write FORMAT:FILE\n", files[i]);
			exit(2);
		}
		*colon = '\0';
		int f = portspec_ruleset_format_from_name(files[i]);
		*colon = ':';
		if (f < 0) {
			fprintf(stderr, "portspec-audit-bench: %s: unknown format\n", files[i]);
			exit(2);
		}
		if (portspec_ruleset_load(rs, (enum portspec_ruleset_format)f, colon + 1, &err))
			die(colon + 1, &err);
	}
	return rs;
}

static void audit_once(const struct portspec_policy *policy, const struct portspec_ruleset *rs)
{
	struct portspec_audit *a = NULL;
	struct portspec_error err;
	if (portspec_audit_new(policy, PORTSPEC_MODE_HOST, rs, &a, &err))
		die("audit", &err);
	portspec_audit_free(a);
}

static void diff_once(const struct portspec_ruleset *rs)
{
	struct portspec_ruleset_diff *d = NULL;
	struct portspec_error err;
	if (portspec_ruleset_diff(rs, rs, &d, &err))
		die("diff", &err);
	if (portspec_ruleset_diff_count(d)) {
		fprintf(stderr, "portspec-audit-bench: a ruleset differs from itself\n");
		exit(1);
	}
	portspec_ruleset_diff_free(d);
}

static void trace_once(const struct portspec_ruleset *rs)
{
	unsigned fam = portspec_ruleset_families(rs) & 1u ? 4 : 6;
	struct portspec_packet p = {.size = sizeof(p), .hook = PORTSPEC_HOOK_INPUT,
				    .protocol = PORTSPEC_TCP,
				    .src = fam == 4 ? "10.1.2.3" : "2001:db8:1000::3",
				    .dst = fam == 4 ? "192.0.2.1" : "2001:db8::1",
				    .dport_first = 443, .iif = "eth1"};
	struct portspec_ruleset_trace *t = NULL;
	struct portspec_error err;
	if (portspec_ruleset_trace(rs, &p, &t, &err))
		die("trace", &err);
	portspec_ruleset_trace_free(t);
}

int main(int argc, char **argv)
{
	int reps = 5, i = 1;
	int once = 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--once"))
			once = 1;
		else
			break;
	}
	if (i >= argc || reps < 1) {
		fprintf(stderr, "usage: portspec-audit-bench [--reps N] [--once] FORMAT:FILE...\n");
		return 2;
	}
	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_error err;
	if (portspec_spec_new_default(&spec, &err) ||
	    portspec_policy_new(spec, NULL, &policy, &err))
		die("policy", &err);
	if (once) {
		struct portspec_ruleset *rs = read_all(argc - i, argv + i);
		audit_once(policy, rs);
		trace_once(rs);
		portspec_ruleset_free(rs);
		portspec_policy_free(policy);
		portspec_spec_free(spec);
		return 0;
	}
	double *t[4];
	for (int k = 0; k < 4; k++)
		t[k] = calloc((size_t)reps, sizeof(double));
	size_t rules = 0, chains = 0;
	for (int r = 0; r < reps; r++) {
		double a = now_ms();
		struct portspec_ruleset *rs = read_all(argc - i, argv + i);
		double b = now_ms();
		audit_once(policy, rs);
		double c = now_ms();
		diff_once(rs);
		double d = now_ms();
		trace_once(rs);
		double e = now_ms();
		t[0][r] = b - a;
		t[1][r] = c - b;
		t[2][r] = d - c;
		t[3][r] = e - d;
		rules = portspec_ruleset_rule_count(rs);
		chains = portspec_ruleset_chain_count(rs);
		portspec_ruleset_free(rs);
	}
	for (int k = 0; k < 4; k++)
		qsort(t[k], (size_t)reps, sizeof(double), cmp_double);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("| %zu | %zu | %.1f | %.1f | %.1f | %.2f | %.0f |\n", rules, chains, t[0][reps / 2],
	       t[1][reps / 2], t[2][reps / 2], t[3][reps / 2], (double)ru.ru_maxrss / 1024.0);
	for (int k = 0; k < 4; k++)
		free(t[k]);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	return 0;
}
