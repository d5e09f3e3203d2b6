/* SPDX-License-Identifier: MIT */
/* portspec trace: the verdict of a ruleset for one new connection, and the
 * rules on its way.  Exit 0 accepted, 1 dropped or rejected, 3 indeterminate. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "rulesets.h"

enum { EXIT_INDETERMINATE = 3 };

static const char usage[] =
	"usage: portspec trace --ruleset [FORMAT:]FILE [--ruleset FILE]...\n"
	"                      --hook input|output|forward --proto tcp|udp\n"
	"                      [--src ADDR] [--dst ADDR] [--dport N[-M]] [--sport N[-M]]\n"
	"                      [--iif NAME] [--oif NAME] [--family 4|6]\n"
	"                      [--host-address ADDR/LEN]... [--format text|json] [--quiet]\n";

static void help(void)
{
	fputs(usage, stdout);
	fputs("\nWhat the ruleset does with new connections: the first packet at the hook,\n"
	      "the connection's later packets there, and the replies on their way back.\n"
	      "A connection is accepted when all of them pass.  Prints the verdict and\n"
	      "the rules each packet meets.  A field left out means every value: the\n"
	      "trace then lists the classes the verdict depends on.\n"
	      "\noptions:\n"
	      CLI_RULESET_HELP
	      "  -k, --hook HOOK        input (to the host), output (from it) or forward\n"
	      "  -P, --proto PROTO      tcp or udp\n"
	      "      --src ADDR         source address or network; default: any\n"
	      "      --dst ADDR         destination address or network; default: any\n"
	      "      --dport N[-M]      destination port(s); default: any\n"
	      "      --sport N[-M]      source port(s); default: any\n"
	      "      --iif NAME         input interface (not at output); default: any\n"
	      "      --oif NAME         output interface (not at input); default: any\n"
	      "      --family 4|6       without addresses: one family only\n"
	      "  -f, --format FORMAT    text (default) or json (docs/portspec-audit.schema.json)\n"
	      "  -q, --quiet            no notes on stderr\n"
	      "  -h, --help             this help\n"
	      "\nexit status: 0 accepted, 1 dropped or rejected, 2 usage, 3 indeterminate,\n"
	      "65 unreadable ruleset, 74 I/O error.\n"
	      "\nexamples:\n"
	      "  iptables-save > rules.v4\n"
	      "  portspec trace -r rules.v4 --hook input --src 192.0.2.10 --dst 198.51.100.1 \\\n"
	      "      --proto tcp --dport 22\n"
	      "  nft -j list ruleset > rules.json\n"
	      "  portspec trace -r rules.json --hook forward --proto udp --dport 53 --format json\n",
	      stdout);
}

struct trace_args {
	struct cli_rulesets rr;
	struct portspec_packet pk;
	const char *hook, *proto, *dport, *sport, *family, *format;
	bool quiet;
};

static int take(void *ctx, int c, char *arg)
{
	struct trace_args *a = ctx;
	switch (c) {
	case 'r': return cli_rulesets_add(&a->rr, arg) ? EXIT_OK : EXIT_IOERR;
	case 'H': return cli_rulesets_add_host(&a->rr, arg) ? EXIT_OK : EXIT_IOERR;
	case 'k': a->hook = arg; break;
	case 'P': a->proto = arg; break;
	case 1: a->pk.src = arg; break;
	case 2: a->pk.dst = arg; break;
	case 3: a->dport = arg; break;
	case 4: a->sport = arg; break;
	case 5: a->pk.iif = arg; break;
	case 6: a->pk.oif = arg; break;
	case 7: a->family = arg; break;
	case 'f': a->format = arg; break;
	case 'q': a->quiet = true; break;
	}
	return EXIT_OK;
}

int cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{"ruleset", required_argument, NULL, 'r'},
		{"host-address", required_argument, NULL, 'H'},
		{"hook", required_argument, NULL, 'k'},
		{"proto", required_argument, NULL, 'P'},
		{"src", required_argument, NULL, 1},
		{"dst", required_argument, NULL, 2},
		{"dport", required_argument, NULL, 3},
		{"sport", required_argument, NULL, 4},
		{"iif", required_argument, NULL, 5},
		{"oif", required_argument, NULL, 6},
		{"family", required_argument, NULL, 7},
		{"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {.name = "trace", .usage = usage, .help = help,
					       .opts = opts, .take = take};
	struct trace_args a = {.pk = {.size = sizeof(a.pk)}, .format = "text"};
	int rc;
	if (!cli_parse(&cmd, &a, NULL, argc, argv, &rc)) {
		cli_rulesets_release(&a.rr);
		return rc;
	}
	struct portspec_packet *pk = &a.pk;
	enum portspec_audit_format fmt;
	pk->hook = cli_parse_hook(a.hook);
	pk->protocol = a.proto ? portspec_protocol_from_name(a.proto) : PORTSPEC_PROTO_ANY;
	const char *bad = optind < argc ? "unexpected argument"
			  : !a.rr.nfiles ? "--ruleset is required"
			  : !pk->hook ? "--hook is input, output or forward"
			  : pk->protocol != PORTSPEC_TCP && pk->protocol != PORTSPEC_UDP ? "--proto is tcp or udp"
			  : a.dport && !cli_parse_port_range(a.dport, &pk->dport_first, &pk->dport_last)
				  ? "--dport is a port or a range N-M of ports from 1 to 65535"
			  : a.sport && !cli_parse_port_range(a.sport, &pk->sport_first, &pk->sport_last)
				  ? "--sport is a port or a range N-M of ports from 1 to 65535"
			  : a.family && strcmp(a.family, "4") && strcmp(a.family, "6") ? "--family is 4 or 6"
			  : NULL;
	if (bad) {
		cli_rulesets_release(&a.rr);
		return cli_usage_error("trace", usage, bad);
	}
	if (!cli_audit_format("trace", a.format, &fmt)) {
		cli_rulesets_release(&a.rr);
		return EXIT_USAGE;
	}
	pk->family = a.family ? (unsigned)atoi(a.family) : 0;
	struct portspec_ruleset *rs = NULL;
	rc = cli_rulesets_load(&a.rr, a.quiet, &rs);
	cli_rulesets_release(&a.rr);
	if (rc)
		return rc;
	struct portspec_ruleset_trace *t = NULL;
	struct portspec_error err = {0};
	if (portspec_ruleset_trace(rs, pk, &t, &err)) {
		portspec_ruleset_free(rs);
		fprintf(stderr, "portspec trace: %s\n", err.text);
		return err.status == PORTSPEC_E_INVALID ? EXIT_USAGE : cli_exit_code(err.status);
	}
	if (portspec_ruleset_trace_write(t, fmt, cli_stdout_sink, NULL)) {
		rc = EXIT_IOERR;
	} else {
		enum portspec_verdict v = portspec_ruleset_trace_verdict(t);
		rc = v == PORTSPEC_VERDICT_ACCEPT ? EXIT_OK
		     : v == PORTSPEC_VERDICT_INDETERMINATE ? EXIT_INDETERMINATE : EXIT_DENIED;
	}
	portspec_ruleset_trace_free(t);
	portspec_ruleset_free(rs);
	int out = cli_finish_output("trace");
	return out ? out : rc;
}
