/* SPDX-License-Identifier: MIT */
/*
 * Renders the built-in spec's default policy for one backend onto stdout.
 *
 *   render [BACKEND [host|gateway]]     default: nft host
 */
#include <stdio.h>
#include <string.h>

#include <portspec/portspec.h>

int main(int argc, char **argv)
{
	const char *backend = argc > 1 ? argv[1] : "nft";
	struct portspec_render_options opts = PORTSPEC_RENDER_OPTIONS_INIT;
	opts.mode = argc > 2 && strcmp(argv[2], "gateway") == 0 ? PORTSPEC_MODE_GATEWAY
								: PORTSPEC_MODE_HOST;
	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_error err;
	char msg[1024];
	int status = 0;

	if (portspec_spec_new_default(&spec, &err) != PORTSPEC_OK ||
	    portspec_policy_new(spec, NULL, &policy, &err) != PORTSPEC_OK ||
	    portspec_render_to_file(policy, backend, &opts, stdout, &err) != PORTSPEC_OK) {
		fprintf(stderr, "%s\n", portspec_error_format(&err, msg, sizeof(msg)));
		status = 1;
	}
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	return status;
}
