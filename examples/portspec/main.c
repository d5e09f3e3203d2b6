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
	{"list", cmd_list, "list the policy's flows"},
	{"check", cmd_check, "is a connection allowed? (exit 0 allowed, 1 denied)"},
	{"render", cmd_render, "render firewall rules for a backend"},
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: portspec [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\nRun 'portspec COMMAND --help' for a command's options.\n");
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
	if (!strcmp(argv[1], "--version")) {
		printf("portspec %s\n", portspec_version());
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "portspec: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
