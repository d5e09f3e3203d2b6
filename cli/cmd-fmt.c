/* SPDX-License-Identifier: MIT */
/* portspec fmt: a spec in canonical form (portspec_spec_to_string). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "usage: portspec fmt [FILE] [--check] [--output FILE]\n";

static void help(void)
{
	fputs(usage, stdout);
	fputs("\nWrites the spec FILE (default: the built-in spec) in canonical form:\n"
	      "statements in a fixed order and layout, comments dropped.  Parsing the\n"
	      "result gives the same spec.\n"
	      "\noptions:\n"
	      "  -c, --check            write nothing; exit 1 if FILE is not in canonical form\n"
	      "  -o, --output FILE      write to FILE instead of stdout (may be the input)\n"
	      "  -h, --help             this help\n"
	      "\nexamples:\n"
	      "  portspec fmt my-appliance.portspec --output my-appliance.portspec\n"
	      "  portspec fmt --check my-appliance.portspec\n",
	      stdout);
}

/* Reads a whole file; NULL (after a message) on failure. */
static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "portspec fmt: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	char *data = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n == cap) {
			char *d = realloc(data, cap ? cap * 2 : 65536);
			if (!d) {
				free(data);
				fclose(fp);
				fprintf(stderr, "portspec fmt: out of memory\n");
				return NULL;
			}
			data = d;
			cap = cap ? cap * 2 : 65536;
		}
		size_t r = fread(data + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	bool bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(data);
		fprintf(stderr, "portspec fmt: read error on %s\n", path);
		return NULL;
	}
	*len = n;
	return data;
}

struct fmt_args {
	const char *output;
	bool check;
};

static int take(void *ctx, int c, char *arg)
{
	struct fmt_args *a = ctx;
	if (c == 'c')
		a->check = true;
	else
		a->output = arg; /* -o, --output */
	return EXIT_OK;
}

int cmd_fmt(int argc, char **argv)
{
	static const struct option opts[] = {
		{"check", no_argument, NULL, 'c'},
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {.name = "fmt", .usage = usage, .help = help,
					       .opts = opts, .take = take};
	struct fmt_args a = {0};
	int rc;
	if (!cli_parse(&cmd, &a, NULL, argc, argv, &rc))
		return rc;
	const char *output = a.output;
	bool check = a.check;
	if (argc - optind > 1)
		return cli_usage_error("fmt", usage, "expected at most one FILE");
	if (check && output)
		return cli_usage_error("fmt", usage, "--check writes nothing; drop --output");
	const char *path = optind < argc ? argv[optind] : NULL;
	if (check && !path)
		return cli_usage_error("fmt", usage, "--check needs a FILE");
	struct portspec_spec *spec = NULL;
	rc = cli_load_spec(path, &spec);
	if (rc)
		return rc;
	char *text = NULL;
	size_t len = 0;
	enum portspec_status st = portspec_spec_to_string(spec, &text, &len, NULL);
	portspec_spec_free(spec);
	if (st) {
		fprintf(stderr, "portspec fmt: %s\n", portspec_strerror(st));
		return cli_exit_code(st);
	}
	if (check) {
		size_t olen = 0;
		char *orig = read_file(path, &olen);
		if (!orig)
			rc = EXIT_IOERR;
		else if (olen != len || memcmp(orig, text, len) != 0) {
			fprintf(stderr, "portspec fmt: %s is not in canonical form; run "
					"'portspec fmt %s --output %s'\n", path, path, path);
			rc = EXIT_DENIED;
		}
		free(orig);
		portspec_free(text);
		return rc;
	}
	FILE *fp = output ? fopen(output, "w") : stdout;
	if (!fp) {
		fprintf(stderr, "portspec fmt: cannot write %s: %s\n", output, strerror(errno));
		portspec_free(text);
		return EXIT_IOERR;
	}
	if (fwrite(text, 1, len, fp) != len || fflush(fp) != 0)
		rc = EXIT_IOERR;
	if (fp != stdout && fclose(fp) != 0)
		rc = EXIT_IOERR;
	if (rc)
		fprintf(stderr, "portspec fmt: write error on %s\n", output ? output : "stdout");
	portspec_free(text);
	return rc;
}
