/* SPDX-License-Identifier: MIT */
/* portspec render: firewall rules for one backend. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_render(int argc, char **argv)
{
	static const struct option opts[] = {
		{"backend", required_argument, NULL, 'b'},
		{"mode", required_argument, NULL, 'm'},
		{"fragment", no_argument, NULL, 'F'},
		{"name", required_argument, NULL, 'N'},
		{"spec", required_argument, NULL, 's'},
		{"profile", required_argument, NULL, 'p'},
		{"set", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_policy_opts po = {0};
	const char *backend = "nft", *mode = "host", *name = NULL;
	unsigned flags = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "b:m:FN:s:p:S:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': backend = optarg; break;
		case 'm': mode = optarg; break;
		case 'F': flags |= PORTSPEC_RENDER_FRAGMENT; break;
		case 'N': name = optarg; break;
		case 's': po.spec_path = optarg; break;
		case 'p': po.profile_path = optarg; break;
		case 'S':
			if (!cli_add_set(&po, optarg))
				return EXIT_IOERR;
			break;
		case 'h':
			printf("usage: portspec render [--backend NAME] [--mode host|gateway] "
			       "[--fragment] [--name NAME] [--spec FILE] [--profile FILE] "
			       "[--set KEY=VALUE]...\n");
			cli_policy_opts_release(&po);
			return EXIT_OK;
		default:
			cli_policy_opts_release(&po);
			return EXIT_USAGE;
		}
	}
	enum portspec_mode m = !strcmp(mode, "host") ? PORTSPEC_MODE_HOST
			       : !strcmp(mode, "gateway") ? PORTSPEC_MODE_GATEWAY : 0;
	if (!m || optind < argc) {
		fprintf(stderr, "portspec render: %s\n",
			!m ? "--mode is host or gateway" : "unexpected argument");
		cli_policy_opts_release(&po);
		return EXIT_USAGE;
	}
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	int rc = cli_load_policy(&po, false, &spec, &policy);
	cli_policy_opts_release(&po);
	if (rc)
		return rc;
	struct portspec_error err = {0};
	if (portspec_render_to_file(policy, backend, m, flags, name, stdout, &err))
		rc = cli_report(&err);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	return rc;
}
