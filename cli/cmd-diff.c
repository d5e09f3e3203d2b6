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
	"usage: portspec diff [FORMAT:]A [FORMAT:]B [--host-address ADDR/LEN]... [--format text|json]\n"
	"       portspec diff [FORMAT:]A --policy [--mode host|gateway]\n"
	"                     [--spec FILE] [--profile FILE] [--set KEY=VALUE]... [--format text|json]\n";

static void help(void)
{
	fputs(usage, stdout);
	fputs("\nThe packet classes one ruleset accepts and the other does not: at every hook\n"
	      "(input, forward, output), for every protocol and connection state, with the\n"
	      "rules that decide on both sides.  A and B are ruleset files as for 'portspec\n"
	      "trace --ruleset': iptables-save or ip6tables-save output, nft -j list ruleset\n"
	      "output, or pf.conf.  Give A,B (comma-separated) to join several files into one\n"
	      "side.  With --policy, B is the complete ruleset the policy renders for the\n"
	      "mode (its rule plan: 'portspec plan').\n"
	      "\noptions:\n"
	      "  -H, --host-address ADDR/LEN  one of the host's addresses, for address-type\n"
	      "                         matches; repeatable; applies to both sides\n"
	      "  -P, --policy           compare A with the policy instead of a second file\n"
	      "  -m, --mode MODE        with --policy: host (default) or gateway\n"
	      CLI_POLICY_HELP
	      "  -f, --format FORMAT    text (default) or json (docs/portspec-audit.schema.json)\n"
	      "  -h, --help             this help\n"
	      "\nexit status: 0 equal, 1 different, 2 usage, 3 no certain difference but some\n"
	      "classes indeterminate, 65 unreadable ruleset, 74 I/O error.\n"
	      "\nexamples:\n"
	      "  portspec diff rules.v4 rules-new.v4\n"
	      "  portspec diff old.json new.json --format json\n"
	      "  portspec diff rules.v4 --policy --set inside=10.0.0.0/8 --set appliance=10.0.0.5\n",
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

struct diff_args {
	struct cli_rulesets ra, rb;
	const char *format, *mode;
	bool with_policy;
};

static int take(void *ctx, int c, char *arg)
{
	struct diff_args *a = ctx;
	switch (c) {
	case 'H':
		if (!cli_rulesets_add_host(&a->ra, arg) || !cli_rulesets_add_host(&a->rb, arg))
			return EXIT_IOERR;
		break;
	case 'P': a->with_policy = true; break;
	case 'm': a->mode = arg; break;
	case 'f': a->format = arg; break;
	}
	return EXIT_OK;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{"host-address", required_argument, NULL, 'H'},
		{"policy", no_argument, NULL, 'P'},
		{"mode", required_argument, NULL, 'm'},
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {.name = "diff", .usage = usage, .help = help,
					       .opts = opts, .take = take};
	struct diff_args opt = {.format = "text"};
	struct cli_policy_opts po = {0};
	int rc;
	if (!cli_parse(&cmd, &opt, &po, argc, argv, &rc))
		goto out;
	enum portspec_audit_format fmt;
	bool quiet = po.quiet;
	int want = opt.with_policy ? 1 : 2;
	if (argc - optind != want) {
		rc = cli_usage_error("diff", usage, argc - optind < want
				     ? (opt.with_policy ? "a ruleset is needed" : "two rulesets are needed")
				     : "unexpected argument");
		goto out;
	}
	if (!opt.with_policy && (opt.mode || po.spec_path || po.profile_path || po.nsets)) {
		rc = cli_usage_error("diff", usage, "--mode, --spec, --profile and --set go with "
				     "--policy");
		goto out;
	}
	enum portspec_mode m = !opt.mode || !strcmp(opt.mode, "host") ? PORTSPEC_MODE_HOST
			       : !strcmp(opt.mode, "gateway") ? PORTSPEC_MODE_GATEWAY : 0;
	if (!m) {
		rc = cli_usage_error("diff", usage, "--mode is host or gateway");
		goto out;
	}
	if (!cli_audit_format("diff", opt.format, &fmt)) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (!split_side(argv[optind], &opt.ra) ||
	    (!opt.with_policy && !split_side(argv[optind + 1], &opt.rb))) {
		rc = EXIT_IOERR;
		goto out;
	}
	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_ruleset *a = NULL, *b = NULL;
	if (opt.with_policy && (rc = cli_load_policy(&po, quiet, &spec, &policy)))
		goto out;
	if ((rc = cli_rulesets_load(&opt.ra, quiet, &a)) ||
	    (!opt.with_policy && (rc = cli_rulesets_load(&opt.rb, quiet, &b)))) {
		portspec_ruleset_free(a);
		portspec_policy_free(policy);
		portspec_spec_free(spec);
		goto out;
	}
	struct portspec_ruleset_diff *d = NULL;
	struct portspec_error err = {0};
	enum portspec_status st = opt.with_policy
		? portspec_ruleset_diff_plan(a, portspec_policy_plan(policy, m), &d, &err)
		: portspec_ruleset_diff(a, b, &d, &err);
	rc = cli_diff_report("diff", st, d, &err, fmt);
	portspec_ruleset_free(a);
	portspec_ruleset_free(b);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
out:
	cli_rulesets_release(&opt.ra);
	cli_rulesets_release(&opt.rb);
	cli_policy_opts_release(&po);
	return rc;
}
