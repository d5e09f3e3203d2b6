/* SPDX-License-Identifier: MIT */
/* check: the smoke test that a generated spec parses, compiles and answers. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int bench_check(const struct opts *o)
{
	struct text t;
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	if (!o->spec) {
		fprintf(stderr, "portspec-bench check: a spec file is required\n");
		return 2;
	}
	if (!load_text(o->spec, &t) || !load_policy(&t, &spec, &policy))
		return 1;
	size_t n = portspec_spec_service_count(spec), nflows = portspec_policy_flow_count(policy);
	int rc = 0;
	printf("%s: %zu services, %zu zones, %zu flows\n", o->spec, n,
	       portspec_spec_zone_count(spec), nflows);
	if (o->services >= 0 && n != (size_t)o->services) {
		fprintf(stderr, "portspec-bench check: expected %ld services, parsed %zu\n",
			o->services, n);
		rc = 1;
	}
	if (nflows == 0) {
		fprintf(stderr, "portspec-bench check: the policy has no flows\n");
		rc = 1;
	}
	/* Every flow of the policy is allowed by is_allowed. */
	for (size_t i = 0; i < nflows; i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, i);
		bool ok = false;
		enum portspec_status st =
			portspec_is_allowed(policy, portspec_zone_name(portspec_flow_zone(f)),
					    portspec_flow_direction(f), portspec_flow_protocol(f),
					    portspec_flow_port_last(f), &ok, NULL, NULL);
		int a = st ? -(int)st : ok;
		if (a != 1) {
			fprintf(stderr, "portspec-bench check: flow %zu (%s) is not allowed: %d\n", i,
				portspec_service_name(portspec_flow_service(f)), a);
			rc = 1;
			break;
		}
	}
	/* Renders are reported, not judged: backends have their own tests. */
	for (size_t i = 0; i < portspec_backend_count(); i++) {
		const char *b = portspec_backend_name(i);
		struct portspec_error err;
		memset(&err, 0, sizeof(err));
		enum portspec_status st = portspec_render(
			policy, b, &(struct portspec_render_options){.mode = backend_mode(b)},
			sink_discard, NULL, &err);
		printf("render %s: %s%s%s\n", b, portspec_strerror(st), st ? ": " : "",
		       st ? err.text : "");
	}
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	free(t.data);
	return rc;
}
