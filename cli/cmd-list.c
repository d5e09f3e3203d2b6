/* SPDX-License-Identifier: MIT */
/* portspec list (and required): the policy's flows as a table, JSON or CSV. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static const char list_usage[] =
	"usage: portspec list [--zone ZONE] [--direction inbound|outbound] [--proto tcp|udp]\n"
	"                     [--level required,optional,cluster] [--format table|json|csv]\n"
	"                     [--spec FILE] [--profile FILE] [--set KEY=VALUE]... [--quiet]\n";
static const char required_usage[] =
	"usage: portspec required [--zone ZONE] [--direction inbound|outbound] [--proto tcp|udp]\n"
	"                         [--format table|json|csv]\n"
	"                         [--spec FILE] [--profile FILE] [--set KEY=VALUE]... [--quiet]\n";

static void help(const char *cmd, const char *usage)
{
	fputs(usage, stdout);
	if (!strcmp(cmd, "required"))
		fputs("\nThe required flows of the policy: what must be open for the appliance to\n"
		      "work (list_required).  Optional services and cluster ports are left out;\n"
		      "see 'portspec list' and 'portspec cluster'.\n", stdout);
	else
		fputs("\nThe flows of the policy: one line per service, port range, protocol,\n"
		      "direction and zone.  New connections in the direction shown are allowed;\n"
		      "replies ride on connection state.  '*' in the spec (either zone) shows as\n"
		      "EITHER yes.\n", stdout);
	fputs("\noptions:\n"
	      "  -z, --zone ZONE        only flows to or from ZONE (outside, inside, cluster)\n"
	      "  -d, --direction DIR    only inbound (to the appliance) or outbound flows\n"
	      "  -P, --proto PROTO      only tcp, udp, icmp or icmpv6\n", stdout);
	if (strcmp(cmd, "required"))
		fputs("  -l, --level LEVELS     only these levels: required, optional, cluster\n"
		      "                         (comma-separated)\n", stdout);
	fputs("  -f, --format FORMAT    table (default), json (docs/portspec-policy.schema.json,\n"
	      "                         an array of flow objects) or csv\n"
	      CLI_POLICY_HELP
	      "  -h, --help             this help\n"
	      "\nexamples:\n", stdout);
	if (!strcmp(cmd, "required"))
		fputs("  portspec required --zone outside\n"
		      "  portspec required --format csv > required.csv\n", stdout);
	else
		fputs("  portspec list --zone inside --direction inbound\n"
		      "  portspec list --set required-only=true --format json\n", stdout);
}

static bool parse_levels(const char *s, unsigned *out)
{
	unsigned mask = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		char word[16];
		if (n == 0 || n >= sizeof(word))
			return false;
		memcpy(word, s, n);
		word[n] = '\0';
		enum portspec_level l = portspec_level_from_name(word);
		if (!l)
			return false;
		mask |= (unsigned)l;
		s += n;
		if (*s == ',')
			s++;
	}
	*out = mask;
	return mask != 0;
}

static void list_help(void)
{
	help("list", list_usage);
}

static void required_help(void)
{
	help("required", required_usage);
}

struct list_args {
	const char *cmd, *usage;
	unsigned fixed_levels, levels;
	const char *zone, *dir, *proto;
	enum cli_format format;
};

static int take(void *ctx, int c, char *arg)
{
	struct list_args *a = ctx;
	switch (c) {
	case 'z': a->zone = arg; break;
	case 'd': a->dir = arg; break;
	case 'P': a->proto = arg; break;
	case 'l':
		if (a->fixed_levels || !parse_levels(arg, &a->levels))
			return cli_usage_error(a->cmd, a->usage,
					       a->fixed_levels ? "unknown option --level"
							       : "--level takes required, "
								 "optional, cluster, comma-separated");
		break;
	case 'f': return cli_parse_format(a->cmd, arg, &a->format) ? EXIT_OK : EXIT_USAGE;
	}
	return EXIT_OK;
}

static int list_main(const char *name, unsigned fixed_levels, int argc, char **argv)
{
	static const struct option opts[] = {
		{"zone", required_argument, NULL, 'z'},
		{"direction", required_argument, NULL, 'd'},
		{"proto", required_argument, NULL, 'P'},
		{"level", required_argument, NULL, 'l'},
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	const char *usage = fixed_levels ? required_usage : list_usage;
	const struct cli_command cmd = {.name = name, .usage = usage,
					.help = fixed_levels ? required_help : list_help,
					.opts = opts, .take = take};
	struct cli_policy_opts po = {0};
	struct list_args a = {
		.cmd = name, .usage = usage, .fixed_levels = fixed_levels,
		.levels = fixed_levels ? fixed_levels : (unsigned)PORTSPEC_LEVEL_ANY,
		.format = CLI_TABLE,
	};
	int rc;
	if (!cli_parse(&cmd, &a, &po, argc, argv, &rc))
		goto out;
	enum portspec_direction d = a.dir ? portspec_direction_from_name(a.dir) : PORTSPEC_DIR_ANY;
	enum portspec_protocol pr = a.proto ? portspec_protocol_from_name(a.proto) : PORTSPEC_PROTO_ANY;
	if (optind < argc || (a.dir && !d) || (a.proto && !pr)) {
		rc = cli_usage_error(name, usage,
				     optind < argc ? cli_unexpected(argv[optind], NULL)
				     : (a.dir && !d) ? "--direction is inbound or outbound"
						   : "--proto is tcp, udp, icmp or icmpv6");
		goto out;
	}
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	rc = cli_load_policy(&po, false, &spec, &policy);
	if (rc)
		goto out;
	if (a.zone && !portspec_spec_find_zone(spec, a.zone)) {
		fprintf(stderr, "portspec %s: unknown zone '%s'; the zones are:", name, a.zone);
		for (size_t i = 0; i < portspec_spec_zone_count(spec); i++)
			fprintf(stderr, " %s", portspec_zone_name(portspec_spec_zone(spec, i)));
		fprintf(stderr, "\n");
		rc = EXIT_USAGE;
	} else {
		struct cli_flows flows;
		cli_flows_init(&flows, a.format, false);
		cli_flows_policy(&flows, policy);
		size_t cursor = 0;
		const struct portspec_flow *f;
		const struct portspec_zone *z = a.zone ? portspec_spec_find_zone(spec, a.zone) : NULL;
		while ((f = portspec_policy_find(policy, a.levels, z, d, pr, &cursor)))
			cli_flows_add(&flows, f, NULL);
		rc = cli_flows_print(&flows, name);
		cli_flows_release(&flows);
	}
	portspec_policy_free(policy);
	portspec_spec_free(spec);
out:
	cli_policy_opts_release(&po);
	return rc;
}

int cmd_list(int argc, char **argv)
{
	return list_main("list", 0, argc, argv);
}

int cmd_required(int argc, char **argv)
{
	return list_main("required", PORTSPEC_REQUIRED, argc, argv);
}
