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
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_rulesets rr = {0};
	struct portspec_packet pk = {.size = sizeof(pk)};
	const char *hook = NULL, *proto = NULL, *dport = NULL, *sport = NULL, *family = NULL;
	const char *format = "text";
	bool quiet = false;
	int c, rc = EXIT_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "r:H:k:P:f:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': if (!cli_rulesets_add(&rr, optarg)) rc = EXIT_IOERR; break;
		case 'H': if (!cli_rulesets_add_host(&rr, optarg)) rc = EXIT_IOERR; break;
		case 'k': hook = optarg; break;
		case 'P': proto = optarg; break;
		case 1: pk.src = optarg; break;
		case 2: pk.dst = optarg; break;
		case 3: dport = optarg; break;
		case 4: sport = optarg; break;
		case 5: pk.iif = optarg; break;
		case 6: pk.oif = optarg; break;
		case 7: family = optarg; break;
		case 'f': format = optarg; break;
		case 'q': quiet = true; break;
		case 'h':
			help();
			cli_rulesets_release(&rr);
			return EXIT_OK;
		default:
			cli_rulesets_release(&rr);
			return cli_bad_option("trace", usage, argv);
		}
		if (rc) {
			cli_rulesets_release(&rr);
			return rc;
		}
	}
	enum portspec_audit_format fmt;
	pk.hook = cli_parse_hook(hook);
	pk.protocol = proto ? portspec_protocol_from_name(proto) : PORTSPEC_PROTO_ANY;
	const char *bad = optind < argc ? "unexpected argument"
			  : !rr.nfiles ? "--ruleset is required"
			  : !pk.hook ? "--hook is input, output or forward"
			  : pk.protocol != PORTSPEC_TCP && pk.protocol != PORTSPEC_UDP ? "--proto is tcp or udp"
			  : dport && !cli_parse_port_range(dport, &pk.dport_first, &pk.dport_last)
				  ? "--dport is a port or a range N-M of ports from 1 to 65535"
			  : sport && !cli_parse_port_range(sport, &pk.sport_first, &pk.sport_last)
				  ? "--sport is a port or a range N-M of ports from 1 to 65535"
			  : family && strcmp(family, "4") && strcmp(family, "6") ? "--family is 4 or 6"
			  : NULL;
	if (bad) {
		cli_rulesets_release(&rr);
		return cli_usage_error("trace", usage, bad);
	}
	if (!cli_audit_format("trace", format, &fmt)) {
		cli_rulesets_release(&rr);
		return EXIT_USAGE;
	}
	pk.family = family ? (unsigned)atoi(family) : 0;
	struct portspec_ruleset *rs = NULL;
	rc = cli_rulesets_load(&rr, quiet, &rs);
	cli_rulesets_release(&rr);
	if (rc)
		return rc;
	struct portspec_ruleset_trace *t = NULL;
	struct portspec_error err = {0};
	if (portspec_ruleset_trace(rs, &pk, &t, &err)) {
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
