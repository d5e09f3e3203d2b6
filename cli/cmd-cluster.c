/* SPDX-License-Identifier: MIT */
/*
 * portspec cluster: the ports a cluster needs, per role.  Members connect to
 * the central appliance, so the central one accepts the cluster ports from
 * its peers and members open them outbound.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static const char usage[] =
	"usage: portspec cluster [--role central|member] [--all] [--format table|json|csv]\n"
	"                        [--spec FILE] [--profile FILE] [--set KEY=VALUE]... [--quiet]\n";

static void help(void)
{
	fputs(usage, stdout);
	fputs("\nThe flows an appliance in a cluster opens for the spec's cluster services\n"
	      "(cluster_ports), for the central appliance and for members, with a ROLE\n"
	      "column.  Cluster peers are the profile's cluster-peer addresses.\n"
	      "\noptions:\n"
	      "  -r, --role ROLE        only this role: central or member\n"
	      "  -a, --all              every flow of the role, not only the cluster ports:\n"
	      "                         everything that node must open\n"
	      "  -f, --format FORMAT    table (default), json or csv\n"
	      CLI_POLICY_HELP
	      "  -h, --help             this help\n"
	      "\nexamples:\n"
	      "  portspec cluster --role central\n"
	      "  portspec cluster --role member --all --set cluster-peer=10.0.1.26\n",
	      stdout);
}

struct cluster_args {
	enum cli_format format;
	const char *role;
	bool all;
};

static int take(void *ctx, int c, char *arg)
{
	struct cluster_args *a = ctx;
	switch (c) {
	case 'r': a->role = arg; break;
	case 'a': a->all = true; break;
	case 'f': return cli_parse_format("cluster", arg, &a->format) ? EXIT_OK : EXIT_USAGE;
	}
	return EXIT_OK;
}

int cmd_cluster(int argc, char **argv)
{
	static const struct option opts[] = {
		{"role", required_argument, NULL, 'r'},
		{"all", no_argument, NULL, 'a'},
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {.name = "cluster", .usage = usage, .help = help,
					       .opts = opts, .take = take};
	struct cli_policy_opts po = {0};
	struct cluster_args a = {.format = CLI_TABLE};
	int rc;
	struct portspec_spec *spec = NULL;
	if (!cli_parse(&cmd, &a, &po, argc, argv, &rc))
		goto out;
	enum portspec_role r = a.role ? portspec_role_from_name(a.role) : 0;
	if (optind < argc || (a.role && r != PORTSPEC_ROLE_CENTRAL && r != PORTSPEC_ROLE_MEMBER)) {
		rc = cli_usage_error("cluster", usage,
				     optind < argc ? cli_unexpected(argv[optind], NULL)
						   : "--role is central or member");
		goto out;
	}
	rc = cli_load_spec(po.spec_path, &spec);
	if (rc)
		goto out;
	size_t cursor = 0;
	if (!portspec_cluster_ports(spec, &cursor)) {
		fprintf(stderr, "portspec cluster: the spec has no cluster services\n");
		rc = EXIT_DENIED;
		goto out;
	}

	struct cli_flows flows;
	cli_flows_init(&flows, a.format, true);
	static const enum portspec_role roles[] = {PORTSPEC_ROLE_CENTRAL, PORTSPEC_ROLE_MEMBER};
	char *shown[64];
	size_t nshown = 0;
	for (size_t i = 0; i < 2 && !rc; i++) {
		if (r && roles[i] != r)
			continue;
		char set[32];
		const char *extra[] = {set};
		snprintf(set, sizeof(set), "role=%s", portspec_role_name(roles[i]));
		struct portspec_policy *policy = NULL;
		struct portspec_error err;
		if (cli_build_policy(&po, extra, 1, spec, &policy, &err)) {
			rc = cli_report(&err);
			break;
		}
		/* The warnings are about the other services: only with --all, once. */
		for (size_t w = 0; a.all && w < portspec_policy_warning_count(policy); w++) {
			const char *text = portspec_policy_warning(policy, w);
			bool seen = false;
			for (size_t k = 0; k < nshown && !seen; k++)
				seen = !strcmp(shown[k], text);
			if (seen)
				continue;
			cli_print_warning(&po, portspec_policy_warning_kind(policy, w), text);
			if (nshown < sizeof(shown) / sizeof(shown[0]) && (shown[nshown] = strdup(text)))
				nshown++;
		}
		cursor = 0;
		cli_flows_policy(&flows, policy);
		const struct portspec_flow *f;
		while ((f = portspec_policy_find(policy, a.all ? PORTSPEC_LEVEL_ANY : PORTSPEC_CLUSTER,
						 NULL, PORTSPEC_DIR_ANY, PORTSPEC_PROTO_ANY,
						 &cursor)))
			cli_flows_add(&flows, f, portspec_role_name(roles[i]));
		portspec_policy_free(policy);
	}
	for (size_t k = 0; k < nshown; k++)
		free(shown[k]);
	if (!rc)
		rc = cli_flows_print(&flows, "cluster");
	cli_flows_release(&flows);
out:
	portspec_spec_free(spec);
	cli_policy_opts_release(&po);
	return rc;
}
