/* SPDX-License-Identifier: MIT */
/*
 * pipeline: parse, compile and each backend's render in process, timed by
 * the thread's CPU clock, with the heap they use.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct stage_result {
	struct stats time;
	size_t peak;     /* heap high-water mark during one run, above the baseline */
	size_t retained; /* heap held by the result */
	uint64_t allocs; /* malloc and realloc calls during one run */
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
	enum portspec_mode mode;
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
		st = portspec_render_to_string(c->policy, c->backend,
					       &(struct portspec_render_options){.mode = c->mode},
					       &out, &len, err);
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
	uint64_t calls = heap.calls;
	res->status = stage_once(kind, c, &ns, &retained, &out_len, &err);
	res->allocs = heap.calls - calls;
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
		printf("| %s | n/a: %s | | | | | | | |\n", name, r->error);
		return;
	}
	printf("| %s | %s | %zu | %s | %s | %" PRIu64 " | %s |\n", name,
	       fmt_stats_ns(&r->time, a, sizeof(a)), r->time.n, fmt_bytes((double)r->peak, b, sizeof(b)),
	       fmt_bytes((double)r->retained, c, sizeof(c)), r->allocs,
	       r->out_len ? fmt_bytes((double)r->out_len, d, sizeof(d)) : "-");
}

int bench_pipeline(const struct opts *o)
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
	printf("| stage | median | IQR | min..max | runs | heap peak | heap kept | allocations "
	       "| output |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
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
		c.mode = backend_mode(c.backend);
		run_stage(STAGE_RENDER, &c, o->budget_ms, &r);
		/* A backend that refuses this policy in host mode (pf with an ftp
		 * helper) is measured as a router's. */
		if (r.status == PORTSPEC_E_UNSUPPORTED && c.mode == PORTSPEC_MODE_HOST &&
		    (portspec_backend_modes(c.backend) & PORTSPEC_MODE_GATEWAY)) {
			c.mode = PORTSPEC_MODE_GATEWAY;
			run_stage(STAGE_RENDER, &c, o->budget_ms, &r);
		}
		char name[64];
		snprintf(name, sizeof(name), "render %s (%s)", c.backend,
			 c.mode == PORTSPEC_MODE_HOST ? "host" : "gateway");
		print_stage(name, &r);
	}
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	free(t.data);
	return 0;
}
