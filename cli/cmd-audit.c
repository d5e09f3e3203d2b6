/* SPDX-License-Identifier: MIT */
/* portspec audit: what an existing ruleset does to the policy's flows, and
 * what it opens beyond them; --matrix: the service matrix of one port. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "rulesets.h"

static const char usage[] =
	"usage: portspec audit --ruleset [FORMAT:]FILE [--ruleset FILE]... [--mode host|gateway]\n"
	"                      [--spec FILE] [--profile FILE] [--set KEY=VALUE]... [--format text|json]\n"
	"       portspec audit --matrix tcp|udp/PORT --ruleset FILE... [--hook HOOK] [--chain NAME]\n"
	"                      [--family 4|6] [--format text|json]\n";

static void help(void)
{
	fputs(usage, stdout);
	fputs("\nDoes the firewall we already have let the appliance work, and what does it\n"
	      "open beyond that?  For every flow of the policy (with the profile's\n"
	      "addresses; see 'portspec plan') and every family the rulesets cover: allowed,\n"
	      "partial (what is missing), blocked or indeterminate, with the rules that\n"
	      "decide.  A connection works when its first packet, its later packets and\n"
	      "its replies pass (and, for FTP, the conntrack helper is assigned).  Then the\n"
	      "baseline a complete ruleset needs (loopback, replies, IPv6 neighbour\n"
	      "discovery), and every class of new connections accepted beyond the policy,\n"
	      "with the rules that accept it.\n", stdout);
	fputs("\nWith --matrix: the service matrix for one port, as in Diekmann et al.'s\n"
	      "verified iptables analysis: the address space split into the classes treated\n"
	      "alike as sources and as destinations, and the edges 'class A may open a\n"
	      "connection to class B' (every first packet accepted, whatever the source port\n"
	      "and interfaces).  Pairs only partly accepted, or that depend on a match not\n"
	      "modelled, are listed apart.\n"
	      "\noptions:\n"
	      CLI_RULESET_HELP
	      "  -m, --mode MODE        host (default: the rules on the appliance itself) or\n"
	      "                         gateway (a firewall between the zones and it)\n"
	      CLI_POLICY_HELP
	      "  -x, --matrix PROTO/PORT  the service matrix for tcp/N or udp/N\n"
	      "  -k, --hook HOOK        the matrix's hook: forward (default), input or output\n"
	      "  -c, --chain NAME       the matrix of one chain alone (TABLE:NAME if the name\n"
	      "                         is in several tables); falling off a user chain is\n"
	      "                         indeterminate\n"
	      "      --family 4|6       one family only\n"
	      "  -f, --format FORMAT    text (default) or json (docs/portspec-audit.schema.json)\n"
	      "  -h, --help             this help\n"
	      "\nexit status: 0 no findings, 1 findings, 2 usage, 65 unreadable ruleset or bad\n"
	      "spec or profile, 74 I/O error.\n"
	      "\nexamples:\n"
	      "  iptables-save > rules.v4; ip6tables-save > rules.v6\n"
	      "  portspec audit -r rules.v4 -r rules.v6 --set inside=10.0.0.0/8 --set appliance=10.0.0.5\n"
	      "  nft -j list ruleset > rules.json\n"
	      "  portspec audit -r rules.json --mode gateway --profile site.profile --format json\n"
	      "  portspec audit --matrix tcp/22 --ruleset rules.v4\n"
	      "  portspec audit --matrix tcp/443 -r rules.json --hook input --format json\n",
	      stdout);
}

static bool parse_service(const char *s, enum portspec_protocol *proto, unsigned *port)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	if (!slash)
		return false;
	char p[8];
	size_t n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(p))
		return false;
	memcpy(p, s, n);
	p[n] = '\0';
	*proto = portspec_protocol_from_name(p);
	return (*proto == PORTSPEC_TCP || *proto == PORTSPEC_UDP) && cli_parse_port(slash + 1, port);
}

static int matrix(const struct cli_rulesets *rr, const char *service, const char *hook,
		  const char *chain, const char *family, enum portspec_audit_format fmt, bool quiet)
{
	struct portspec_ruleset_matrix_query q = {.size = sizeof(q)};
	if (!parse_service(service, &q.protocol, &q.port))
		return cli_usage_error("audit", usage, "--matrix takes tcp/PORT or udp/PORT");
	if (hook && !(q.hook = cli_parse_hook(hook)))
		return cli_usage_error("audit", usage, "--hook is input, output or forward");
	if (family && strcmp(family, "4") && strcmp(family, "6"))
		return cli_usage_error("audit", usage, "--family is 4 or 6");
	q.families = !family ? 0 : !strcmp(family, "4") ? 1 : 2;
	q.chain = chain;
	struct portspec_ruleset *rs = NULL;
	int rc = cli_rulesets_load(rr, quiet, &rs);
	if (rc)
		return rc;
	struct portspec_ruleset_matrix *m = NULL;
	struct portspec_error err = {0};
	if (portspec_ruleset_matrix(rs, &q, &m, &err)) {
		fprintf(stderr, "portspec audit: %s\n", err.text);
		rc = err.status == PORTSPEC_E_INVALID ? EXIT_USAGE : cli_exit_code(err.status);
	} else if (portspec_ruleset_matrix_write(m, fmt, cli_stdout_sink, NULL)) {
		rc = EXIT_IOERR;
	}
	portspec_ruleset_matrix_free(m);
	portspec_ruleset_free(rs);
	int o = cli_finish_output("audit");
	return o ? o : rc;
}

static int policy_audit(const struct cli_rulesets *rr, const struct cli_policy_opts *po,
			const char *mode, enum portspec_audit_format fmt)
{
	enum portspec_mode m = !mode || !strcmp(mode, "host") ? PORTSPEC_MODE_HOST
			       : !strcmp(mode, "gateway") ? PORTSPEC_MODE_GATEWAY : 0;
	if (!m)
		return cli_usage_error("audit", usage, "--mode is host or gateway");
	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	int rc = cli_load_policy(po, po->quiet, &spec, &policy);
	if (rc)
		return rc;
	struct portspec_ruleset *rs = NULL;
	if ((rc = cli_rulesets_load(rr, po->quiet, &rs))) {
		portspec_policy_free(policy);
		portspec_spec_free(spec);
		return rc;
	}
	struct portspec_audit *a = NULL;
	struct portspec_error err = {0};
	if (portspec_audit_new(policy, m, rs, &a, &err)) {
		fprintf(stderr, "portspec audit: %s\n", err.text);
		rc = err.status == PORTSPEC_E_INVALID ? EXIT_USAGE : cli_exit_code(err.status);
	} else if (portspec_audit_write(a, fmt, cli_stdout_sink, NULL)) {
		rc = EXIT_IOERR;
	} else {
		rc = portspec_audit_clean(a) ? EXIT_OK : EXIT_DENIED;
	}
	portspec_audit_free(a);
	portspec_ruleset_free(rs);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	int o = cli_finish_output("audit");
	return o ? o : rc;
}

struct audit_args {
	struct cli_rulesets rr;
	const char *service, *hook, *chain, *family, *format, *mode;
};

static int take(void *ctx, int c, char *arg)
{
	struct audit_args *a = ctx;
	switch (c) {
	case 'r': return cli_rulesets_add(&a->rr, arg) ? EXIT_OK : EXIT_IOERR;
	case 'H': return cli_rulesets_add_host(&a->rr, arg) ? EXIT_OK : EXIT_IOERR;
	case 'x': a->service = arg; break;
	case 'k': a->hook = arg; break;
	case 'c': a->chain = arg; break;
	case 1: a->family = arg; break;
	case 'm': a->mode = arg; break;
	case 'f': a->format = arg; break;
	}
	return EXIT_OK;
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{"ruleset", required_argument, NULL, 'r'},
		{"host-address", required_argument, NULL, 'H'},
		{"matrix", required_argument, NULL, 'x'},
		{"hook", required_argument, NULL, 'k'},
		{"chain", required_argument, NULL, 'c'},
		{"family", required_argument, NULL, 1},
		{"mode", required_argument, NULL, 'm'},
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {.name = "audit", .usage = usage, .help = help,
					       .opts = opts, .take = take};
	struct audit_args a = {.format = "text"};
	struct cli_rulesets *rr = &a.rr;
	struct cli_policy_opts po = {0};
	int rc;
	if (!cli_parse(&cmd, &a, &po, argc, argv, &rc))
		goto out;
	enum portspec_audit_format fmt;
	if (optind < argc || !rr->nfiles) {
		rc = cli_usage_error("audit", usage, optind < argc ? "unexpected argument"
								   : "--ruleset is required");
		goto out;
	}
	if (!cli_audit_format("audit", a.format, &fmt)) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (a.service) {
		if (a.mode || po.spec_path || po.profile_path || po.nsets) {
			rc = cli_usage_error("audit", usage, "--matrix reads no policy: leave out "
					     "--mode, --spec, --profile and --set");
			goto out;
		}
		rc = matrix(rr, a.service, a.hook, a.chain, a.family, fmt, po.quiet);
		goto out;
	}
	rc = policy_audit(rr, &po, a.mode, fmt);
out:
	cli_rulesets_release(rr);
	cli_policy_opts_release(&po);
	return rc;
}
