/* SPDX-License-Identifier: MIT */
/* portspec check: is a new connection allowed?  Exit 0 allowed, 1 denied. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static const char usage[] =
	"usage: portspec check (--zone ZONE | --address ADDR [--mode host|gateway] [--interface IF])\n"
	"                      --direction inbound|outbound --proto tcp|udp|icmp|icmpv6 --port N\n"
	"                      [--spec FILE] [--profile FILE] [--set KEY=VALUE]... [--quiet]\n";

/* By address: the plan's verdict, the entry, and the reason. */
static int check_address(const struct portspec_policy *policy, enum portspec_mode mode,
			 const struct portspec_connection *conn)
{
	const struct portspec_plan *plan = portspec_policy_plan(policy, mode);
	struct portspec_explanation *x = NULL;
	struct portspec_error err = {0};
	if (portspec_plan_explain(plan, conn, &x, &err))
		return cli_report(&err);
	cli_put_text(stdout, x->reason);
	printf("\n");
	if (x->entry) {
		size_t index = 0;
		while (portspec_plan_entry(plan, index) != x->entry)
			index++;
		printf("    plan entry %zu (portspec plan --mode %s)\n", index,
		       mode == PORTSPEC_MODE_HOST ? "host" : "gateway");
	}
	for (size_t i = 0; i < x->change_count; i++) {
		printf("    allowed with");
		cli_put_sets(stdout, x->changes[i].setting);
		printf(" (");
		cli_put_text(stdout, x->changes[i].reason);
		printf(")\n");
	}
	int rc = x->allowed ? EXIT_OK : EXIT_DENIED;
	portspec_explanation_free(x);
	return rc;
}

static void help(void)
{
	fputs(usage, stdout);
	fputs("\nIs a new connection allowed by the policy?  Prints the matching flow\n"
	      "and exits 0 if it is, prints 'denied' and exits 1 if not.  Directions\n"
	      "are relative to the appliance: inbound = the zone connects to it,\n"
	      "outbound = it connects to the zone.  With --address, the rule plan\n"
	      "answers for that remote address (the source of an inbound connection,\n"
	      "the destination of an outbound one): the zones it is in, the plan entry\n"
	      "that allows it, or why not and which --set would allow it.\n"
	      "\noptions:\n"
	      "  -z, --zone ZONE        outside, inside or cluster (the spec's zones)\n"
	      "  -a, --address ADDR     the remote IPv4 or IPv6 address instead of a zone\n"
	      "  -m, --mode MODE        with --address: host (default) or gateway rules\n"
	      "  -i, --interface IF     with --address: the interface on the remote's side\n"
	      "  -d, --direction DIR    inbound or outbound\n"
	      "  -P, --proto PROTO      tcp, udp, icmp or icmpv6\n"
	      "  -n, --port N           1 to 65535; for icmp and icmpv6 the message\n"
	      "                         type (8 and 128: echo request)\n"
	      CLI_POLICY_HELP
	      "  -h, --help             this help\n"
	      "\nexamples:\n"
	      "  portspec check --zone outside --direction inbound --proto tcp --port 22\n"
	      "  portspec check -z inside -d outbound -P udp -n 53 --set dns=outside\n"
	      "  portspec check --address 10.20.9.5 -d inbound -P udp -n 161 \\\n"
	      "      --set inside=10.20.0.0/16\n"
	      "  portspec check -z inside -d inbound -P icmp -n 8 --set ping=inside\n",
	      stdout);
}

struct check_args {
	const char *zone, *dir, *proto, *port, *address, *iface, *mode;
};

static int take(void *ctx, int c, char *arg)
{
	struct check_args *a = ctx;
	switch (c) {
	case 'z': a->zone = arg; break;
	case 'd': a->dir = arg; break;
	case 'P': a->proto = arg; break;
	case 'n': a->port = arg; break;
	case 'a': a->address = arg; break;
	case 'm': a->mode = arg; break;
	case 'i': a->iface = arg; break;
	}
	return EXIT_OK;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{"zone", required_argument, NULL, 'z'},
		{"direction", required_argument, NULL, 'd'},
		{"proto", required_argument, NULL, 'P'},
		{"port", required_argument, NULL, 'n'},
		{"address", required_argument, NULL, 'a'},
		{"mode", required_argument, NULL, 'm'},
		{"interface", required_argument, NULL, 'i'},
		{NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {.name = "check", .usage = usage, .help = help,
					       .opts = opts, .take = take};
	struct cli_policy_opts po = {0};
	struct check_args a = {0};
	int rc;
	if (!cli_parse(&cmd, &a, &po, argc, argv, &rc)) {
		cli_policy_opts_release(&po);
		return rc;
	}
	const char *zone = a.zone, *dir = a.dir, *proto = a.proto, *port = a.port;
	const char *address = a.address, *iface = a.iface, *mode_name = a.mode;
	enum portspec_direction d = portspec_direction_from_name(dir);
	enum portspec_protocol pr = portspec_protocol_from_name(proto);
	unsigned n = 0;
	enum portspec_mode mode = PORTSPEC_MODE_HOST;
	struct portspec_connection conn = {.direction = d, .protocol = pr, .interface = iface};
	struct portspec_error aerr = {0};
	const char *bad = optind < argc ? cli_unexpected(argv[optind], NULL)
			  : !zone == !address ? "give --zone or --address"
			  : zone && (mode_name || iface) ? "--mode and --interface go with --address"
			  : mode_name && !cli_parse_mode(mode_name, &mode) ? "--mode is host or gateway"
			  : address && portspec_cidr_parse(address, &conn.remote, &aerr)
				  ? "--address is one IPv4 or IPv6 address, as 10.20.9.5"
			  : address && conn.remote.prefix != (conn.remote.family == 4 ? 32 : 128)
				  ? "--address is one address, not a network"
			  : !d ? "--direction is inbound or outbound"
			  : !pr ? "--proto is tcp, udp, icmp or icmpv6"
			  : !cli_parse_port(port, &n) ? "--port is a number from 1 to 65535"
			  : pr >= PORTSPEC_ICMP && n > 255
				  ? "--port is the ICMP type for icmp and icmpv6, from 1 to 255"
				  : NULL;
	if (bad) {
		cli_policy_opts_release(&po);
		return cli_usage_error("check", usage, bad);
	}
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	rc = address ? cli_load_policy_mode(&po, mode, &spec, &policy)
	     : cli_load_policy(&po, false, &spec, &policy);
	cli_policy_opts_release(&po);
	if (rc)
		return rc;
	if (address) {
		conn.port = n;
		rc = check_address(policy, mode, &conn);
		portspec_policy_free(policy);
		portspec_spec_free(spec);
		return rc;
	}
	const struct portspec_flow *f;
	bool allowed = false;
	struct portspec_error err = {0};
	if (portspec_is_allowed(policy, zone, d, pr, n, &allowed, &f, &err)) {
		/* the library names the argument that is wrong and what it may be */
		fprintf(stderr, "portspec check: ");
		cli_put_text(stderr, err.text);
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
