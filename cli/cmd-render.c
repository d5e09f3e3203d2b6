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
			  enum portspec_mode mode, unsigned flags, const char *name,
			  const char *path)
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
	if (portspec_render_to_file(policy, backend, mode, flags, name, fp, &err) != PORTSPEC_OK) {
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

int cmd_render(int argc, char **argv)
{
	static const struct option opts[] = {
		{"backend", required_argument, NULL, 'b'},
		{"mode", required_argument, NULL, 'm'},
		{"fragment", no_argument, NULL, 'F'},
		{"name", required_argument, NULL, 'N'},
		{"output", required_argument, NULL, 'o'},
		CLI_POLICY_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_policy_opts po = {0};
	const char *backend = "nft", *name = NULL, *output = NULL;
	enum portspec_mode m = PORTSPEC_MODE_HOST;
	bool bad_mode = false;
	unsigned flags = 0;
	int c, rc = EXIT_OK;
	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "b:m:FN:o:h" CLI_POLICY_SHORTOPTS, opts, NULL)) != -1) {
		int handled = cli_policy_opt(&po, c, optarg);
		if (handled < 0) {
			rc = EXIT_IOERR;
			goto out;
		}
		if (handled)
			continue;
		switch (c) {
		case 'b': backend = optarg; break;
		case 'm': bad_mode |= !cli_parse_mode(optarg, &m); break;
		case 'F': flags |= PORTSPEC_RENDER_FRAGMENT; break;
		case 'N': name = optarg; break;
		case 'o': output = optarg; break;
		case 'h':
			help();
			goto out;
		default:
			rc = cli_bad_option("render", usage, argv);
			goto out;
		}
	}
	if (bad_mode || optind < argc) {
		rc = cli_usage_error("render", usage,
				     bad_mode ? "--mode is host or gateway" : "unexpected argument");
		goto out;
	}
	rc = cli_load_policy_mode(&po, m, &spec, &policy);
	if (rc)
		goto out;
	struct portspec_error err = {0};
	if (output && strcmp(output, "-") != 0)
		rc = render_to_path(policy, backend, m, flags, name, output);
	else if (portspec_render_to_file(policy, backend, m, flags, name, stdout, &err))
		rc = cli_report(&err);
out:
	cli_policy_opts_release(&po);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	return rc;
}
