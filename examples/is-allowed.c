/* SPDX-License-Identifier: MIT */
/*
 * Is a new connection allowed?  One query against the built-in spec and the
 * default profile.
 *
 *   is-allowed [ZONE DIRECTION PROTOCOL PORT]    e.g. is-allowed outside inbound tcp 25
 *
 * Exits 0 if allowed, 1 if denied, 2 on bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>

#include <portspec/portspec.h>

int main(int argc, char **argv)
{
	const char *zone = argc > 1 ? argv[1] : "outside";
	const char *dir = argc > 2 ? argv[2] : "inbound";
	const char *proto = argc > 3 ? argv[3] : "tcp";
	unsigned port = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 25;

	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_error err;
	char msg[1024];
	if (portspec_spec_new_default(&spec, &err) != PORTSPEC_OK ||
	    portspec_policy_new(spec, NULL, &policy, &err) != PORTSPEC_OK) {
		fprintf(stderr, "%s\n", portspec_error_format(&err, msg, sizeof(msg)));
		portspec_spec_free(spec);
		return 2;
	}

	const struct portspec_flow *match = NULL;
	bool allowed = false;
	int status;
	if (portspec_is_allowed(policy, zone, portspec_direction_from_name(dir),
				portspec_protocol_from_name(proto), port, &allowed, &match,
				&err) != PORTSPEC_OK) {
		fprintf(stderr, "is-allowed: %s\n", portspec_error_format(&err, msg, sizeof(msg)));
		status = 2;
	} else if (allowed) {
		printf("%s/%u %s %s: allowed by %s\n", proto, port, dir, zone,
		       portspec_service_name(portspec_flow_service(match)));
		status = 0;
	} else {
		printf("%s/%u %s %s: denied\n", proto, port, dir, zone);
		status = 1;
	}
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	return status;
}
