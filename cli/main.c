/* SPDX-License-Identifier: MIT */
/* portspec: one dispatcher, one file per subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"list", cmd_list, "list the policy's flows (filter by zone, direction, protocol, level)"},
	{"check", cmd_check, "is a connection allowed? exit 0 allowed, 1 denied"},
	{"explain", cmd_explain, "why a port is allowed or denied; what a service is"},
	{"required", cmd_required, "the required flows: what must be open"},
	{"cluster", cmd_cluster, "the cluster ports for a central or member appliance"},
	{"plan", cmd_plan, "the rule plan: the packets every backend's rules let through"},
	{"render", cmd_render, "firewall rules: iptables, ip6tables, nft, pf, netsh, powershell"},
	{"apply", cmd_apply, "load nft or iptables rules; keep them only when confirmed"},
	{"doc", cmd_doc, "document the policy: markdown, csv, json, dot or svg"},
	{"validate", cmd_validate, "check a spec or profile file; exit 1 on findings"},
	{"fmt", cmd_fmt, "write a spec in canonical form"},
	{"profile", cmd_profile, "print the effective profile (text or json)"},
	{"backends", cmd_backends, "list the output backends"},
	{"audit", cmd_audit, "does an existing ruleset let the policy's flows through? what else?"},
	{"trace", cmd_trace, "what a ruleset does with a connection, and which rules decide"},
	{"diff", cmd_diff, "what one ruleset accepts and another does not"},
};

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: portspec [--version] [--help] COMMAND [OPTIONS]\n"
		"\n"
		"Firewall port requirements of an appliance as queries, firewall rules and\n"
		"documents.  The built-in spec is Lotus Protector for Mail Security 2.5.1;\n"
		"--spec FILE reads another (portspec(5)).  Site choices come from --profile FILE\n"
		"and --set KEY=VALUE (portspec-profile(5)).\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp,
		"\n"
		"examples:\n"
		"  portspec check --zone outside --direction inbound --proto tcp --port 22\n"
		"  portspec cluster --role central\n"
		"  portspec render --backend nft --set inside=10.0.0.0/8 --set appliance=10.0.0.25\n"
		"  portspec apply --backend nft --profile site.profile\n"
		"  portspec doc --profile site.profile > firewall-ports.md\n"
		"  portspec doc --format svg > firewall-ports.svg\n"
		"\n"
		"Data goes to stdout, diagnostics and warnings to stderr.  Exit status: 0 ok,\n"
		"1 denied or findings, 2 usage error, 65 bad spec or profile, 74 I/O error.\n"
		"Run 'portspec COMMAND --help' for a command's options; man portspec(1).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("portspec %s\n", portspec_version());
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			usage(stdout);
			return EXIT_OK;
		}
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (!strcmp(argv[2], commands[i].name)) {
				static char help[] = "--help";
				char *args[] = {argv[2], help, NULL};
				return commands[i].run(2, args);
			}
		fprintf(stderr, "portspec: unknown command '%s'\n", argv[2]);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "portspec: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
