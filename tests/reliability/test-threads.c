/* SPDX-License-Identifier: MIT */
/*
 * A compiled policy is immutable: many threads query and render one policy at
 * once and all get the answers and the text a single thread gets.  Threads
 * also compile their own policies from one shared spec (its reference count
 * is shared).  Meant to run under ThreadSanitizer too (.ci/sanitizers.sh).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <portspec/portspec.h>

#include "testutil.h"

#define NTHREADS 8
#define ROUNDS 3

static struct portspec_policy *policy;
static struct portspec_spec *spec;

struct rendering {
	const char *backend;
	enum portspec_mode mode;
	unsigned flags;
	char *text;
	size_t len;
};

static struct rendering renderings[64];
static size_t nrenderings;

/*
 * FNV-1a over the answers of the queries for every zone, direction, protocol
 * and the ports 1-6000 and every 97th above.
 */
static uint64_t query_digest(const struct portspec_policy *p)
{
	const struct portspec_spec *s = portspec_policy_spec(p);
	uint64_t h = 1469598103934665603ull;
	for (size_t z = 0; z < portspec_spec_zone_count(s); z++) {
		const char *zone = portspec_zone_name(portspec_spec_zone(s, z));
		for (int d = PORTSPEC_INBOUND; d <= PORTSPEC_OUTBOUND; d++) {
			for (int pr = PORTSPEC_TCP; pr <= PORTSPEC_UDP; pr++) {
				for (unsigned port = 1; port <= 65535; port += port < 6000 ? 1 : 97) {
					const struct portspec_flow *m = NULL;
					int r = tu_allowed(p, zone, d, pr, port, &m);
					uintptr_t v = (uintptr_t)r ^ ((uintptr_t)m << 1);
					h = (h ^ v) * 1099511628211ull;
				}
			}
		}
	}
	size_t cursor = 0;
	const struct portspec_flow *f;
	while ((f = portspec_list_required(p, &cursor)))
		h = (h ^ (uintptr_t)f) * 1099511628211ull;
	return h;
}

static uint64_t reference_digest;

static void *worker(void *arg)
{
	uintptr_t failures = 0;
	for (int round = 0; round < ROUNDS; round++) {
		if (query_digest(policy) != reference_digest)
			failures++;
		for (size_t i = 0; i < nrenderings; i++) {
			struct rendering *r = &renderings[i];
			char *out = NULL;
			size_t len = 0;
			struct portspec_error err;
			if (portspec_render_to_string(policy, r->backend,
						      &(struct portspec_render_options){
							      .mode = r->mode, .flags = r->flags},
						      &out, &len, &err) != PORTSPEC_OK ||
			    len != r->len || memcmp(out, r->text, len) != 0) {
				fprintf(stderr, "%s: a thread rendered something else\n",
					r->backend);
				failures++;
			}
			portspec_free(out);
		}
		/* Compile from the shared spec: reference counts change under us. */
		struct portspec_policy *mine = NULL;
		struct portspec_profile *profile = NULL;
		struct portspec_error err;
		if (portspec_profile_new(portspec_policy_spec(policy), &profile, NULL) != PORTSPEC_OK ||
		    portspec_profile_required_only(profile, NULL) != PORTSPEC_OK ||
		    portspec_policy_new(portspec_policy_spec(policy), profile, &mine, &err) !=
			    PORTSPEC_OK) {
			fprintf(stderr, "compiling in a thread failed\n");
			failures++;
		}
		portspec_profile_free(profile);
		portspec_policy_free(mine);
	}
	return (void *)failures;
}

int main(void)
{
	struct portspec_error err;
	if (portspec_spec_new_default(&spec, &err) != PORTSPEC_OK ||
	    portspec_policy_new(spec, NULL, &policy, &err) != PORTSPEC_OK) {
		fprintf(stderr, "setup: %s\n", err.text);
		return 1;
	}
	/* The policy keeps the spec alive. */
	portspec_spec_free(spec);
	spec = NULL;

	reference_digest = query_digest(policy);
	static const enum portspec_mode modes[] = { PORTSPEC_MODE_HOST, PORTSPEC_MODE_GATEWAY };
	for (size_t b = 0; b < portspec_backend_count(); b++) {
		for (size_t m = 0; m < 2; m++) {
			for (unsigned fl = 0; fl <= PORTSPEC_RENDER_FRAGMENT; fl++) {
				struct rendering *r = &renderings[nrenderings];
				r->backend = portspec_backend_name(b);
				r->mode = modes[m];
				r->flags = fl;
				if (nrenderings + 1 < sizeof(renderings) / sizeof(renderings[0]) &&
				    portspec_render_to_string(policy, r->backend,
							      &(struct portspec_render_options){
								      .mode = r->mode, .flags = fl},
							      &r->text, &r->len,
							      &err) == PORTSPEC_OK)
					nrenderings++;
			}
		}
	}
	printf("%zu renderings, %d threads x %d rounds\n", nrenderings, NTHREADS, ROUNDS);

	pthread_t threads[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		if (pthread_create(&threads[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	}
	uintptr_t failures = 0;
	for (int i = 0; i < NTHREADS; i++) {
		void *r;
		pthread_join(threads[i], &r);
		failures += (uintptr_t)r;
	}
	for (size_t i = 0; i < nrenderings; i++)
		portspec_free(renderings[i].text);
	portspec_policy_free(policy);
	if (failures) {
		fprintf(stderr, "%zu failures\n", (size_t)failures);
		return 1;
	}
	return 0;
}
