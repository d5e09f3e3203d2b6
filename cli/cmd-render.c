/* SPDX-License-Identifier: MIT */
/* portspec render: firewall rules for one backend. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/*
 * Renders into a temporary file next to @path and renames it over @path
 * only when everything was written: a failed render leaves no partial file
 * (and an existing file untouched).
 */
static int render_to_path(const struct portspec_policy *policy, const char *backend,
			  const struct portspec_render_options *opts, const char *path)
{
	struct portspec_error err = {0};
	size_t n = strlen(path);
	char *tmp = malloc(n + sizeof(".XXXXXX"));
	int rc = EXIT_OK;

	if (!tmp) {
		fprintf(stderr, "portspec: out of memory\n");
		return EXIT_IOERR;
	}
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".XXXXXX", sizeof(".XXXXXX"));
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "portspec: cannot create a file next to %s: %s\n", path,
			strerror(errno));
		free(tmp);
		return EXIT_IOERR;
	}
	/* mkstemp makes 0600; give the file the mode a plain create would. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0) {
		fprintf(stderr, "portspec: %s: %s\n", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return EXIT_IOERR;
	}
	FILE *fp = fdopen(fd, "w");
	if (!fp) {
		fprintf(stderr, "portspec: %s: %s\n", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return EXIT_IOERR;
	}
	if (portspec_render_to_file(policy, backend, opts, fp, &err) != PORTSPEC_OK) {
		rc = cli_report(&err);
		fclose(fp);
	} else if (fflush(fp) != 0 || fsync(fileno(fp)) != 0 || fclose(fp) != 0) {
		fprintf(stderr, "portspec: cannot write %s: %s\n", path, strerror(errno));
		rc = EXIT_IOERR;
	} else if (rename(tmp, path) != 0) {
		fprintf(stderr, "portspec: cannot rename %s to %s: %s\n", tmp, path,
			strerror(errno));
		rc = EXIT_IOERR;
	}
	if (rc != EXIT_OK)
		unlink(tmp);
	free(tmp);
	return rc;
}

static const char usage[] =
	"usage: portspec render [--backend NAME] [--mode host|gateway] [--fragment] [--name NAME]\n"
	"                       [--spec FILE] [--profile FILE] [--set KEY=VALUE]... [-o FILE]\n";

static void help(void)
{
	printf("%s\nRenders the policy as firewall rules (or documentation) for one backend.\n\n"
	       "  -b, --backend NAME     the target (default nft); see 'portspec backends'\n"
	       "  -m, --mode MODE        host: rules on the appliance itself (default);\n"
	       "                         gateway: rules on a firewall between the zones and it\n"
	       "  -F, --fragment         a named chain, anchor or rule group for an existing\n"
	       "                         ruleset instead of a complete ruleset\n"
	       "  -N, --name NAME        the fragment's name (default portspec)\n"
	       "  -o, --output FILE      write FILE, replaced only when the render succeeds\n"
	       CLI_POLICY_HELP
	       "\nbackends (rules):", usage);
	for (size_t i = 0; i < portspec_backend_count(); i++)
		if (portspec_backend_kind(portspec_backend_name(i)) == PORTSPEC_BACKEND_RULES)
			printf(" %s", portspec_backend_name(i));
	printf("\nand the documents of 'portspec doc':");
	for (size_t i = 0; i < portspec_backend_count(); i++)
		if (portspec_backend_kind(portspec_backend_name(i)) == PORTSPEC_BACKEND_DOCUMENT)
			printf(" %s", portspec_backend_name(i));
	printf("\n");
}

struct render_args {
	const char *backend, *name, *output;
	enum portspec_mode mode;
	bool bad_mode;
	unsigned flags;
};

static int take(void *ctx, int c, char *arg)
{
	struct render_args *a = ctx;
	switch (c) {
	case 'b': a->backend = arg; break;
	case 'm': a->bad_mode |= !cli_parse_mode(arg, &a->mode); break;
	case 'F': a->flags |= PORTSPEC_RENDER_FRAGMENT; break;
	case 'N': a->name = arg; break;
	case 'o': a->output = arg; break;
	}
	return EXIT_OK;
}

int cmd_render(int argc, char **argv)
{
	static const struct option opts[] = {
		{"backend", required_argument, NULL, 'b'},
		{"mode", required_argument, NULL, 'm'},
		{"fragment", no_argument, NULL, 'F'},
		{"name", required_argument, NULL, 'N'},
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {.name = "render", .usage = usage, .help = help,
					       .opts = opts, .take = take};
	struct cli_policy_opts po = {0};
	struct render_args a = {.backend = "nft", .mode = PORTSPEC_MODE_HOST};
	int rc;
	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	if (!cli_parse(&cmd, &a, &po, argc, argv, &rc))
		goto out;
	if (a.bad_mode || optind < argc) {
		rc = cli_usage_error("render", usage,
				     a.bad_mode ? "--mode is host or gateway"
					      : cli_unexpected(argv[optind], "--backend"));
		goto out;
	}
	rc = cli_load_policy_mode(&po, a.mode, &spec, &policy);
	if (rc)
		goto out;
	struct portspec_error err = {0};
	const struct portspec_render_options ro = {.mode = a.mode, .flags = a.flags, .name = a.name};
	if (a.output && strcmp(a.output, "-") != 0)
		rc = render_to_path(policy, a.backend, &ro, a.output);
	else if (portspec_render_to_file(policy, a.backend, &ro, stdout, &err))
		rc = cli_report(&err);
out:
	cli_policy_opts_release(&po);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	return rc;
}
