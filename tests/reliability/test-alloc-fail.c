/* SPDX-License-Identifier: MIT */
/*
 * Allocation-failure injection through the allocation hooks.  Each step of
 * the pipeline (parse, load, profile, compile, query, render, to_string) is
 * run once to count its allocations, then once more per allocation with that
 * one failing.  Every such run must return PORTSPEC_E_NOMEM, leave its output
 * pointers alone, write nothing to a sink, and free everything it allocated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <portspec/portspec.h>

#include "failalloc.h"
#include "testutil.h"

/* ---- fixture: the inputs of each step, made without failures ---- */
static const char profile_text[] =
	"# a site\n"
	"role = central\n"
	"cluster-peer = 192.0.2.20\n"
	"cluster-peer = 2001:db8::20\n"
	"inside = 10.0.0.0/8\n"
	"inside = 2001:db8:1::/48\n"
	"appliance = 192.0.2.1\n"
	"appliance = 2001:db8::1\n"
	"disable = ssh\n";

/* Twelve inside networks and an IPv6 server: the query index then builds
 * partitions of every kind but the scanned one. */
static const char partitions_text[] =
	"inside = 10.0.0.0/24, 10.0.2.0/24, 10.0.4.0/24, 10.0.6.0/24, 10.0.8.0/24\n"
	"inside = 10.0.10.0/24, 10.0.12.0/24, 10.0.14.0/24, 10.0.16.0/24, 10.0.18.0/24\n"
	"inside = 10.0.20.0/24, 10.0.22.0/24, 2001:db8:1::/48\n"
	"server = dns:2001:4860:4860::8888\n";

struct fixture {
	struct portspec_spec *spec;
	struct portspec_profile *profile;
	struct portspec_profile *partitions; /* partitions_text */
	struct portspec_policy *policy;
	const char *backend;
	enum portspec_mode mode;
	unsigned flags;
};

static struct fixture fx;

typedef enum portspec_status (*step_fn)(struct fixture *f);

/*
 * Runs @p step once to count, then with each allocation failing in turn.
 * Returns the number of allocations, or -1 when the step fails by itself
 * (with @p expect_ok false that is allowed, e.g. a mode a backend refuses).
 */
static long chaos(const char *what, step_fn step, bool expect_ok)
{
	long base = tu_fa.live;
	tu_fa_arm(SIZE_MAX);
	enum portspec_status st = step(&fx);
	size_t total = tu_fa.calls;
	if (tu_fa.live != base)
		fail_msg("%s: %ld blocks leaked on a normal run", what, tu_fa.live - base);
	if (st != PORTSPEC_OK) {
		if (expect_ok)
			fail_msg("%s: fails without injected failures: %s", what,
				 portspec_strerror(st));
		return -1;
	}
	for (size_t i = 0; i < total; i++) {
		tu_fa_arm(i);
		st = step(&fx);
		if (!tu_fa.injected)
			CHAOS_FAIL("%s: allocation %zu of %zu not reached on the second pass", what, i,
				 total);
		if (st != PORTSPEC_E_NOMEM)
			CHAOS_FAIL("%s: allocation %zu of %zu failed but the call returned %s", what,
				 i, total, st == PORTSPEC_OK ? "success" : portspec_strerror(st));
		if (tu_fa.live != base) {
			CHAOS_FAIL("%s: allocation %zu of %zu failed and %ld blocks leaked", what, i,
				   total, tu_fa.live - base);
			base = tu_fa.live;
		}
	}
	tu_fa_arm(SIZE_MAX);
	print_message("%-40s %4zu allocations, each failed once\n", what, total);
	return (long)total;
}

/* ---- steps ---- */
static enum portspec_status step_spec_parse(struct fixture *f)
{
	const char *text = portspec_default_spec_text();
	struct portspec_spec *s = NULL;
	struct portspec_error err;
	enum portspec_status st =
		portspec_spec_parse(text, strlen(text), "x.portspec", &s, tu_fa_poisoned(&err));
	if (!tu_fa_failed(st, &err, s))
		portspec_spec_free(s);
	return st;
}

static enum portspec_status step_spec_default(struct fixture *f)
{
	struct portspec_spec *s = NULL;
	struct portspec_error err;
	enum portspec_status st = portspec_spec_new_default(&s, tu_fa_poisoned(&err));
	if (!tu_fa_failed(st, &err, s))
		portspec_spec_free(s);
	return st;
}

static enum portspec_status step_spec_load(struct fixture *f)
{
	const char *path = getenv("PORTSPEC_DEFAULT_SPEC");
	assert_non_null(path);
	struct portspec_spec *s = NULL;
	struct portspec_error err;
	enum portspec_status st = portspec_spec_load(path, &s, tu_fa_poisoned(&err));
	if (!tu_fa_failed(st, &err, s))
		portspec_spec_free(s);
	return st;
}

static enum portspec_status step_spec_to_string(struct fixture *f)
{
	char *out = NULL;
	size_t len = 12345;
	enum portspec_status st = portspec_spec_to_string(f->spec, &out, &len, NULL);
	if (!tu_fa_failed(st, NULL, out))
		portspec_free(out);
	return st;
}

static enum portspec_status step_profile_new(struct fixture *f)
{
	struct portspec_profile *p = NULL;
	enum portspec_status st = portspec_profile_new(f->spec, &p, NULL);
	if (!tu_fa_failed(st, NULL, p))
		portspec_profile_free(p);
	return st;
}

/* The profile is made outside the armed region, so only parsing counts. */
static enum portspec_status step_profile_parse(struct fixture *f)
{
	size_t at = tu_fa.fail_at;
	tu_fa.fail_at = SIZE_MAX;
	struct portspec_profile *p = NULL;
	assert_int_equal(portspec_profile_new(f->spec, &p, NULL), PORTSPEC_OK);
	tu_fa.calls = 0;
	tu_fa.fail_at = at;
	struct portspec_error err;
	enum portspec_status st = portspec_profile_parse(p, profile_text, strlen(profile_text),
							 "site.profile", tu_fa_poisoned(&err));
	tu_fa_failed(st, &err, NULL);
	size_t seen = tu_fa.calls;
	tu_fa.fail_at = SIZE_MAX;
	portspec_profile_free(p);
	tu_fa.calls = seen;
	return st;
}

static enum portspec_status step_profile_to_string(struct fixture *f)
{
	char *out = NULL;
	size_t len = 0;
	enum portspec_status st = portspec_profile_to_string(f->profile, &out, &len, NULL);
	if (!tu_fa_failed(st, NULL, out))
		portspec_free(out);
	return st;
}

static enum portspec_status compile(struct fixture *f, const struct portspec_profile *profile)
{
	struct portspec_policy *p = NULL;
	struct portspec_error err;
	enum portspec_status st = portspec_policy_new(f->spec, profile, &p, tu_fa_poisoned(&err));
	if (!tu_fa_failed(st, &err, p))
		portspec_policy_free(p);
	return st;
}

static enum portspec_status step_policy_default(struct fixture *f)
{
	return compile(f, NULL);
}

static enum portspec_status step_policy_profile(struct fixture *f)
{
	return compile(f, f->profile);
}

static enum portspec_status step_policy_partitions(struct fixture *f)
{
	return compile(f, f->partitions);
}

struct sink {
	size_t calls;
};

static int count_sink(void *userdata, const char *data, size_t len)
{
	struct sink *s = userdata;
	s->calls++;
	return 0;
}

static struct portspec_error last_render_err;

static enum portspec_status step_render_string(struct fixture *f)
{
	char *out = NULL;
	size_t len = 0;
	struct portspec_error err;
	enum portspec_status st = portspec_render_to_string(
		f->policy, f->backend,
		&(struct portspec_render_options){
			.mode = f->mode, .flags = f->flags, .name = "chaosfrag"},
		&out, &len, tu_fa_poisoned(&err));
	if (tu_fa_failed(st, &err, out)) {
		last_render_err = err;
		return st;
	}
	assert_int_equal(strlen(out), len);
	portspec_free(out);
	return st;
}

static enum portspec_status step_render_sink(struct fixture *f)
{
	struct sink s = { 0 };
	struct portspec_error err;
	enum portspec_status st = portspec_render(
		f->policy, f->backend,
		&(struct portspec_render_options){.mode = f->mode, .flags = f->flags}, count_sink,
		&s, tu_fa_poisoned(&err));
	tu_fa_failed(st, &err, NULL);
	/* The whole text or nothing. */
	assert_int_equal(s.calls, st == PORTSPEC_OK ? 1 : 0);
	return st;
}

/* ---- tests ---- */
static int setup(void **state)
{
	if (portspec_set_allocator(tu_fa_malloc, tu_fa_realloc, tu_fa_free) != PORTSPEC_OK)
		return -1;
	struct portspec_error err;
	memset(&err, 0xff, sizeof(err)); /* a failure must fill it */
	if (portspec_spec_new_default(&fx.spec, &err) != PORTSPEC_OK ||
	    portspec_profile_new(fx.spec, &fx.profile, NULL) != PORTSPEC_OK ||
	    portspec_profile_parse(fx.profile, profile_text, strlen(profile_text), "site.profile",
				   &err) != PORTSPEC_OK ||
	    portspec_policy_new(fx.spec, fx.profile, &fx.policy, &err) != PORTSPEC_OK ||
	    portspec_profile_new(fx.spec, &fx.partitions, NULL) != PORTSPEC_OK ||
	    portspec_profile_parse(fx.partitions, partitions_text, strlen(partitions_text),
				   "partitions.profile", &err) != PORTSPEC_OK) {
		fprintf(stderr, "fixture: %s:%u:%u: %s\n", err.file, err.line, err.column,
			err.text);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	if (tu_fa_broken) {
		fprintf(stderr, "%u broken allocation sites\n", tu_fa_broken);
		return -1;
	}
	portspec_policy_free(fx.policy);
	portspec_profile_free(fx.profile);
	portspec_profile_free(fx.partitions);
	portspec_spec_free(fx.spec);
	memset(&fx, 0, sizeof(fx));
	long left = tu_fa.live;
	portspec_set_allocator(NULL, NULL, NULL);
	if (left != 0) {
		fprintf(stderr, "%ld blocks still allocated after freeing everything\n", left);
		return -1;
	}
	return 0;
}

static void test_allocator_hooks(void **state)
{
	assert_int_equal(portspec_set_allocator(tu_fa_malloc, NULL, tu_fa_free), PORTSPEC_E_INVALID);
	assert_int_equal(portspec_set_allocator(NULL, NULL, tu_fa_free), PORTSPEC_E_INVALID);
	assert_int_equal(portspec_set_allocator(tu_fa_malloc, tu_fa_realloc, tu_fa_free), PORTSPEC_OK);
	/* Memory the library hands out comes from the hooks. */
	long before = tu_fa.live;
	char *s = NULL;
	assert_int_equal(portspec_spec_to_string(fx.spec, &s, NULL, NULL), PORTSPEC_OK);
	assert_true(tu_fa.live > before);
	portspec_free(s);
	assert_int_equal(tu_fa.live, before);
	portspec_free(NULL);
}

static void test_spec(void **state)
{
	assert_true(chaos("spec_parse", step_spec_parse, true) > 0);
	assert_true(chaos("spec_new_default", step_spec_default, true) > 0);
	assert_true(chaos("spec_load", step_spec_load, true) > 0);
	assert_true(chaos("spec_to_string", step_spec_to_string, true) > 0);
}

static void test_profile(void **state)
{
	assert_true(chaos("profile_new", step_profile_new, true) > 0);
	assert_true(chaos("profile_parse", step_profile_parse, true) > 0);
	assert_true(chaos("profile_to_string", step_profile_to_string, true) > 0);
}

static void test_policy(void **state)
{
	assert_true(chaos("policy_new (default profile)", step_policy_default, true) > 0);
	assert_true(chaos("policy_new (site profile)", step_policy_profile, true) > 0);
	assert_true(chaos("policy_new (index partitions)", step_policy_partitions, true) > 0);
}

/* Queries allocate nothing, so they cannot fail for lack of memory. */
static void test_queries(void **state)
{
	tu_fa_arm(0);
	const struct portspec_flow *m = NULL;
	assert_int_equal(tu_allowed(fx.policy, "outside", PORTSPEC_INBOUND, PORTSPEC_TCP,
					     25, &m), 1);
	assert_non_null(m);
	assert_int_equal(tu_allowed(fx.policy, "outside", PORTSPEC_INBOUND, PORTSPEC_TCP,
					     26, &m), 0);
	size_t cursor = 0, n = 0;
	while (portspec_list_required(fx.policy, &cursor))
		n++;
	assert_true(n > 0);
	cursor = 0;
	while (portspec_policy_find(fx.policy, PORTSPEC_LEVEL_ANY,
				    portspec_spec_find_zone(fx.spec, "inside"), 0, 0, &cursor))
		;
	cursor = 0;
	while (portspec_cluster_ports(fx.spec, &cursor))
		;
	for (size_t i = 0; i < portspec_policy_warning_count(fx.policy); i++)
		assert_non_null(portspec_policy_warning(fx.policy, i));
	assert_int_equal(tu_fa.calls, 0);
	assert_false(tu_fa.injected);
	tu_fa_arm(SIZE_MAX);
}

static void test_render(void **state)
{
	static const enum portspec_mode modes[] = { PORTSPEC_MODE_HOST, PORTSPEC_MODE_GATEWAY };
	size_t tested = 0;
	for (size_t b = 0; b < portspec_backend_count(); b++) {
		fx.backend = portspec_backend_name(b);
		for (size_t m = 0; m < 2; m++) {
			fx.mode = modes[m];
			for (unsigned fl = 0; fl <= PORTSPEC_RENDER_FRAGMENT; fl++) {
				fx.flags = fl;
				char what[96];
				snprintf(what, sizeof(what), "render %s %s%s", fx.backend,
					 m ? "gateway" : "host", fl ? " fragment" : "");
				bool supported = portspec_backend_modes(fx.backend) & modes[m];
				long n = chaos(what, step_render_string, false);
				if (n < 0 && supported &&
				    last_render_err.status != PORTSPEC_E_UNSUPPORTED)
					fail_msg("%s: fails without injected failures: %s", what,
						 last_render_err.text);
				if (n < 0) {
					print_message("%-40s fails by itself (%s: %s), not tested\n",
						      what, supported ? "supported" : "unsupported",
						      last_render_err.text);
					continue;
				}
				strncat(what, " (sink)", sizeof(what) - strlen(what) - 1);
				assert_true(chaos(what, step_render_sink, true) >= 0);
				tested++;
			}
		}
	}
	print_message("%zu backend/mode/flag combinations tested\n", tested);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allocator_hooks),
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_profile),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_render),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
