/* SPDX-License-Identifier: MIT */
/*
 * The ports a Mail Security cluster needs: the spec's cluster services, then
 * the flows a central appliance opens for them.
 */
#include <stdio.h>

#include <portspec/portspec.h>

static int fail(const struct portspec_error *err)
{
	char msg[1024];
	fprintf(stderr, "%s\n", portspec_error_format(err, msg, sizeof(msg)));
	return 1;
}

int main(void)
{
	struct portspec_spec *spec = NULL;
	struct portspec_profile *profile = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_error err = {0};
	int status = 0;

	if (portspec_spec_new_default(&spec, &err) != PORTSPEC_OK)
		return fail(&err);

	size_t cursor = 0;
	const struct portspec_service *svc;
	while ((svc = portspec_cluster_ports(spec, &cursor))) {
		for (size_t i = 0; i < portspec_service_port_count(svc); i++) {
			enum portspec_protocol proto;
			unsigned first, last;
			portspec_service_port(svc, i, &proto, &first, &last);
			printf("%s/%u  %s: %s\n", portspec_protocol_name(proto), first,
			       portspec_service_name(svc), portspec_service_title(svc));
		}
	}

	/* A central appliance accepts its members' connections. */
	if (portspec_profile_new(spec, &profile) != PORTSPEC_OK ||
	    portspec_profile_set(profile, "role", "central", &err) != PORTSPEC_OK ||
	    portspec_profile_set(profile, "cluster-peer", "192.0.2.11,192.0.2.12", &err) != PORTSPEC_OK ||
	    portspec_profile_set(profile, "inside", "10.0.0.0/8", &err) != PORTSPEC_OK ||
	    portspec_policy_new(spec, profile, &policy, &err) != PORTSPEC_OK) {
		status = fail(&err);
		goto out;
	}
	printf("central appliance:\n");
	cursor = 0;
	const struct portspec_flow *f;
	while ((f = portspec_policy_find(policy, PORTSPEC_CLUSTER, NULL, PORTSPEC_DIR_ANY,
					 PORTSPEC_PROTO_ANY, &cursor)))
		printf("  %s %s %s/%u  %s\n", portspec_direction_name(portspec_flow_direction(f)),
		       portspec_zone_name(portspec_flow_zone(f)),
		       portspec_protocol_name(portspec_flow_protocol(f)), portspec_flow_port_first(f),
		       portspec_service_name(portspec_flow_service(f)));
out:
	portspec_policy_free(policy);
	portspec_profile_free(profile);
	portspec_spec_free(spec);
	return status;
}
