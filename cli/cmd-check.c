/* SPDX-License-Identifier: MIT */
/* portspec check: is a new connection allowed?  Exit 0 allowed, 1 denied. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static const char usage[] =
	"usage: portspec check --zone ZONE --direction inbound|outbound --proto tcp|udp --port N\n"
	"                      [--spec FILE] [--profile FILE] [--set KEY=VALUE]... [--quiet]\n";

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{"zone", required_argument, NULL, 'z'},
		{"direction", required_argument, NULL, 'd'},
		{"proto", required_argument, NULL, 'P'},
		{"port", required_argument, NULL, 'n'},
		CLI_POLICY_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_policy_opts po = {0};
	const char *zone = NULL, *dir = NULL, *proto = NULL, *port = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "z:d:P:n:h" CLI_POLICY_SHORTOPTS, opts, NULL)) != -1) {
		int handled = cli_policy_opt(&po, c, optarg);
		if (handled < 0) {
			cli_policy_opts_release(&po);
			return EXIT_IOERR;
		}
		if (handled)
			continue;
		switch (c) {
		case 'z': zone = optarg; break;
		case 'd': dir = optarg; break;
		case 'P': proto = optarg; break;
		case 'n': port = optarg; break;
		case 'h':
			fputs(usage, stdout);
			fputs("\nIs a new connection allowed by the policy?  Prints the matching flow\n"
			      "and exits 0 if it is, prints 'denied' and exits 1 if not.  Directions\n"
			      "are relative to the appliance: inbound = the zone connects to it,\n"
			      "outbound = it connects to the zone.  'portspec explain' says why.\n"
			      "\noptions:\n"
			      "  -z, --zone ZONE        outside, inside or cluster (the spec's zones)\n"
			      "  -d, --direction DIR    inbound or outbound\n"
			      "  -P, --proto PROTO      tcp or udp\n"
			      "  -n, --port N           1 to 65535\n"
			      CLI_POLICY_HELP
			      "  -h, --help             this help\n"
			      "\nexamples:\n"
			      "  portspec check --zone outside --direction inbound --proto tcp --port 22\n"
			      "  portspec check -z inside -d outbound -P udp -n 53 --set dns=outside\n",
			      stdout);
			cli_policy_opts_release(&po);
			return EXIT_OK;
		default:
			cli_policy_opts_release(&po);
			return cli_bad_option("check", usage, argv);
		}
	}
	enum portspec_direction d = portspec_direction_from_name(dir);
	enum portspec_protocol pr = portspec_protocol_from_name(proto);
	unsigned n = 0;
	const char *bad = optind < argc ? "unexpected argument"
			  : !zone ? "--zone is required"
			  : !d ? "--direction is inbound or outbound"
			  : !pr ? "--proto is tcp or udp"
			  : !cli_parse_port(port, &n) ? "--port is a number from 1 to 65535" : NULL;
	if (bad) {
		cli_policy_opts_release(&po);
		return cli_usage_error("check", usage, bad);
	}
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	int rc = cli_load_policy(&po, false, &spec, &policy);
	cli_policy_opts_release(&po);
	if (rc)
		return rc;
	const struct portspec_flow *f;
	int allowed = portspec_is_allowed(policy, zone, d, pr, n, &f);
	if (allowed < 0) {
		fprintf(stderr, "portspec check: unknown zone '%s'; the zones are:", zone);
		for (size_t i = 0; i < portspec_spec_zone_count(spec); i++)
			fprintf(stderr, " %s", portspec_zone_name(portspec_spec_zone(spec, i)));
		fprintf(stderr, "\n");
		rc = EXIT_USAGE;
	} else if (allowed) {
		const struct portspec_service *svc = portspec_flow_service(f);
		printf("allowed: %s %s %s/%u matches service %s (%s, ", dir, zone, proto, n,
		       portspec_service_name(svc), portspec_level_name(portspec_service_level(svc)));
		cli_put_text(stdout, portspec_service_title(svc) ? portspec_service_title(svc) : "");
		printf(") in flow %s %s %s/%u", dir, zone, proto, portspec_flow_port_first(f));
		if (portspec_flow_port_last(f) != portspec_flow_port_first(f))
			printf("-%u", portspec_flow_port_last(f));
		printf("\n");
		rc = EXIT_OK;
	} else {
		printf("denied: no flow allows %s %s %s/%u\n", dir, zone, proto, n);
		rc = EXIT_DENIED;
	}
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	return rc;
}
