/* SPDX-License-Identifier: MIT */
/*
 * portspec-index-size: the memory the query index adds to a policy.  It
 * reads the index's own accounting (the library's internal structures: it
 * is built against the static copy the white-box tests use) and, through
 * the allocator hooks, what the whole policy keeps, for comparison.
 *
 *   portspec-index-size [SPEC...]     (none, or "default": the built-in spec)
 *
 * Prints a markdown table; docs/performance.md quotes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"

union hdr {
	max_align_t align;
	size_t size;
};

static size_t live;

static void *count_malloc(size_t n)
{
	union hdr *h = malloc(sizeof(*h) + n);
	if (!h)
		return NULL;
	h->size = n;
	live += n;
	return h + 1;
}

static void *count_realloc(void *p, size_t n)
{
	if (!p)
		return count_malloc(n);
	union hdr *h = (union hdr *)p - 1;
	size_t old = h->size;
	union hdr *g = realloc(h, sizeof(*g) + n);
	if (!g)
		return NULL;
	g->size = n;
	live = live - old + n;
	return g + 1;
}

static void count_free(void *p)
{
	if (!p)
		return;
	union hdr *h = (union hdr *)p - 1;
	live -= h->size;
	free(h);
}

static void kib(double bytes, char *buf, size_t size)
{
	if (bytes < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", bytes / 1024);
	else
		snprintf(buf, size, "%.2f MiB", bytes / (1024 * 1024));
}

static int one(const char *path)
{
	struct portspec_spec *spec = NULL;
	struct portspec_profile *profile = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_error err = {0};
	bool builtin = !path || strcmp(path, "default") == 0;
	if ((builtin ? portspec_spec_new_default(&spec, &err)
		     : portspec_spec_load(path, &spec, &err)) ||
	    portspec_profile_new(spec, &profile)) {
		fprintf(stderr, "portspec-index-size: %s: %s\n", builtin ? "built-in" : path, err.text);
		return 1;
	}
	size_t before = live;
	if (portspec_policy_new(spec, profile, &policy, &err)) {
		fprintf(stderr, "portspec-index-size: %s: %s\n", builtin ? "built-in" : path, err.text);
		return 1;
	}
	size_t kept = live - before;
	const struct ps_index *ix = policy->index;
	char a[32], b[32], c[32], d[32], e[32];
	kib((double)kept, a, sizeof(a));
	kib((double)ix->bytes, b, sizeof(b));
	kib((double)ix->zone_leaf_bytes, c, sizeof(c));
	kib((double)ix->plan_leaf_bytes, d, sizeof(d));
	kib((double)(ix->bytes - ix->zone_leaf_bytes - ix->plan_leaf_bytes), e, sizeof(e));
	const char *name = builtin ? "built-in" : strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	printf("| %s | %zu | %zu | %s | %s (%.0f %%) | %s | %s | %s |\n", name,
	       portspec_spec_service_count(spec), portspec_policy_flow_count(policy), a, b,
	       100.0 * (double)ix->bytes / (double)kept, c, d, e);
	portspec_policy_free(policy);
	portspec_profile_free(profile);
	portspec_spec_free(spec);
	return 0;
}

int main(int argc, char **argv)
{
	if (portspec_set_allocator(count_malloc, count_realloc, count_free) != PORTSPEC_OK)
		return 1;
	printf("| spec | services | flows | policy keeps | of it the index | zone-map leaves | "
	       "plan-map leaves | the rest (tops, lists, partitions, matchers) |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
	int rc = 0;
	if (argc < 2)
		rc = one(NULL);
	for (int i = 1; i < argc && !rc; i++)
		rc = one(argv[i]);
	return rc;
}
