/* SPDX-License-Identifier: MIT */
/* portspec diff: the semantic difference of two rulesets.  Exit 0 equal,
 * 1 different, 3 no difference found but some classes indeterminate. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "rulesets.h"

static const char usage[] =
	"usage: portspec diff [FORMAT:]A [FORMAT:]B [--host-address ADDR/LEN]... [--format text|json]\n";

static void help(void)
{
	fputs(usage, stdout);
	fputs("\nThe packet classes one ruleset accepts and the other does not: at every hook\n"
	      "(input, forward, output), for every protocol and connection state, with the\n"
	      "rules that decide on both sides.  A and B are ruleset files as for 'portspec\n"
	      "trace --ruleset': iptables-save or ip6tables-save output, nft -j list ruleset\n"
	      "output, or pf.conf.  Give A,B (comma-separated) to join several files into one\n"
	      "side.\n"
	      "\noptions:\n"
	      "  -H, --host-address ADDR/LEN  one of the host's addresses, for address-type\n"
	      "                         matches; repeatable; applies to both sides\n"
	      "  -f, --format FORMAT    text (default) or json (docs/portspec-audit.schema.json)\n"
	      "  -q, --quiet            no notes on stderr\n"
	      "  -h, --help             this help\n"
	      "\nexit status: 0 equal, 1 different, 2 usage, 3 no certain difference but some\n"
	      "classes indeterminate, 65 unreadable ruleset, 74 I/O error.\n"
	      "\nexamples:\n"
	      "  portspec diff rules.v4 rules-new.v4\n"
	      "  portspec diff old.json new.json --format json\n",
	      stdout);
}

/* "a,b,c" into the side's files; the strings are cut in place. */
static bool split_side(char *arg, struct cli_rulesets *r)
{
	for (char *p = arg; p;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (*p && !cli_rulesets_add(r, p))
			return false;
		p = comma ? comma + 1 : NULL;
	}
	return true;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{"host-address", required_argument, NULL, 'H'},
		{"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_rulesets ra = {0}, rb = {0};
	const char *format = "text";
	bool quiet = false;
	int c, rc = EXIT_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "H:f:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			if (!cli_rulesets_add_host(&ra, optarg) || !cli_rulesets_add_host(&rb, optarg))
				rc = EXIT_IOERR;
			break;
		case 'f': format = optarg; break;
		case 'q': quiet = true; break;
		case 'h':
			help();
			goto out;
		default:
			rc = cli_bad_option("diff", usage, argv);
			goto out;
		}
		if (rc)
			goto out;
	}
	enum portspec_audit_format fmt;
	if (argc - optind != 2) {
		rc = cli_usage_error("diff", usage, argc - optind < 2 ? "two rulesets are needed"
								  : "unexpected argument");
		goto out;
	}
	if (!cli_audit_format("diff", format, &fmt)) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (!split_side(argv[optind], &ra) || !split_side(argv[optind + 1], &rb)) {
		rc = EXIT_IOERR;
		goto out;
	}
	struct portspec_ruleset *a = NULL, *b = NULL;
	if ((rc = cli_rulesets_load(&ra, quiet, &a)))
		goto out;
	if ((rc = cli_rulesets_load(&rb, quiet, &b))) {
		portspec_ruleset_free(a);
		goto out;
	}
	struct portspec_ruleset_diff *d = NULL;
	struct portspec_error err = {0};
	if (portspec_ruleset_diff(a, b, &d, &err)) {
		fprintf(stderr, "portspec diff: %s\n", err.text);
		rc = err.status == PORTSPEC_E_INVALID ? EXIT_USAGE : cli_exit_code(err.status);
	} else if (portspec_ruleset_diff_write(d, fmt, cli_stdout_sink, NULL)) {
		rc = EXIT_IOERR;
	} else {
		rc = portspec_ruleset_diff_count(d) ? EXIT_DENIED : portspec_ruleset_diff_indeterminate_count(d) ? 3 : EXIT_OK;
	}
	portspec_ruleset_diff_free(d);
	portspec_ruleset_free(a);
	portspec_ruleset_free(b);
	int o = cli_finish_output("diff");
	rc = o ? o : rc;
out:
	cli_rulesets_release(&ra);
	cli_rulesets_release(&rb);
	return rc;
}
