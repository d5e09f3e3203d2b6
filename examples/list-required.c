/* SPDX-License-Identifier: MIT */
/*
 * The ports a site must open: the required flows of the built-in spec with
 * the default profile, one per line.
 */
#include <stdio.h>

#include <portspec/portspec.h>

int main(void)
{
	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_error err;
	char msg[1024];
	if (portspec_spec_new_default(&spec, &err) != PORTSPEC_OK ||
	    portspec_policy_new(spec, NULL, &policy, &err) != PORTSPEC_OK) {
		fprintf(stderr, "%s\n", portspec_error_format(&err, msg, sizeof(msg)));
		portspec_spec_free(spec);
		return 1;
	}

	size_t cursor = 0;
	const struct portspec_flow *f;
	while ((f = portspec_list_required(policy, &cursor))) {
		printf("%-8s %-8s %s/%u", portspec_direction_name(portspec_flow_direction(f)),
		       portspec_zone_name(portspec_flow_zone(f)),
		       portspec_protocol_name(portspec_flow_protocol(f)), portspec_flow_port_first(f));
		if (portspec_flow_port_last(f) != portspec_flow_port_first(f))
			printf("-%u", portspec_flow_port_last(f));
		printf("  %s\n", portspec_service_name(portspec_flow_service(f)));
	}

	portspec_policy_free(policy);
	portspec_spec_free(spec);
	return 0;
}
