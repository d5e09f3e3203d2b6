/* SPDX-License-Identifier: MIT */
/* portspec backends: what render and doc can write. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "output.h"

static const char usage[] = "usage: portspec backends [--format table|json|csv]\n";

static void help(void)
{
	fputs(usage, stdout);
	fputs("\nThe backends of 'portspec render --backend NAME' (firewall rules) and\n"
	      "'portspec doc --format NAME' (documents), with the modes they support:\n"
	      "host (rules on the appliance) and gateway (rules on a firewall in front\n"
	      "of it).\n"
	      "\noptions:\n"
	      "  -f, --format FORMAT    table (default), json or csv\n"
	      "  -h, --help             this help\n",
	      stdout);
}

static int take(void *ctx, int c, char *arg)
{
	return cli_parse_format("backends", arg, ctx) ? EXIT_OK : EXIT_USAGE; /* -f, --format */
}

int cmd_backends(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {.name = "backends", .usage = usage, .help = help,
					       .opts = opts, .take = take};
	enum cli_format format = CLI_TABLE;
	int rc;
	if (!cli_parse(&cmd, &format, NULL, argc, argv, &rc))
		return rc;
	if (optind < argc)
		return cli_usage_error("backends", usage, cli_unexpected(argv[optind], NULL));
	static const struct cli_column cols[] = {
		{"name", "NAME", CLI_WORD, CLI_TABLE | CLI_JSON | CLI_CSV},
		{"kind", "KIND", CLI_WORD, CLI_TABLE | CLI_JSON | CLI_CSV},
		{"modes", "MODES", CLI_LIST, CLI_TABLE | CLI_JSON | CLI_CSV},
		{"description", "DESCRIPTION", CLI_STR, CLI_TABLE | CLI_JSON | CLI_CSV},
	};
	struct cli_rows rows;
	cli_rows_init(&rows, cols, 4);
	for (size_t i = 0; i < portspec_backend_count(); i++) {
		const char *name = portspec_backend_name(i);
		unsigned modes = portspec_backend_modes(name);
		cli_rows_add(&rows);
		cli_rows_set(&rows, 0, name);
		cli_rows_set(&rows, 1, portspec_backend_kind_name(portspec_backend_kind(name)));
		cli_rows_setf(&rows, 2, "%s%s%s", modes & PORTSPEC_MODE_HOST ? "host" : "",
			      modes == (PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY) ? " " : "",
			      modes & PORTSPEC_MODE_GATEWAY ? "gateway" : "");
		cli_rows_set(&rows, 3, portspec_backend_description(name));
	}
	rc = cli_rows_print(&rows, format, "backends");
	cli_rows_release(&rows);
	return rc;
}
