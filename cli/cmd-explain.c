/* SPDX-License-Identifier: MIT */
/*
 * portspec explain: why a port is allowed or denied in the policy, and what
 * a service is.  For a denied port that a service of the spec uses, it tries
 * the profile changes that would allow it and names them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static const char usage[] =
	"usage: portspec explain SERVICE | [PROTO/]PORT [--zone ZONE] [--direction DIR]\n"
	"                        [--spec FILE] [--profile FILE] [--set KEY=VALUE]... [--quiet]\n";

static void help(void)
{
	fputs(usage, stdout);
	fputs("\nFor a SERVICE (ssh, dns, ...): its title, description, note, level, ports,\n"
	      "whether the profile turns it on, and its flows in the policy.\n"
	      "For a PORT (22, tcp/22, udp/53): for each zone and direction, whether a new\n"
	      "connection is allowed and by which service, or why not and which --set would\n"
	      "allow it.  Exit 0 if the port is allowed somewhere asked, 1 if not.\n"
	      "\noptions:\n"
	      "  -z, --zone ZONE        only this zone (outside, inside, cluster)\n"
	      "  -d, --direction DIR    only inbound (to the appliance) or outbound\n"
	      CLI_POLICY_HELP
	      "  -h, --help             this help\n"
	      "\nexamples:\n"
	      "  portspec explain tcp/22 --zone outside\n"
	      "  portspec explain ssh\n"
	      "  portspec explain 53 --set dns=inside\n",
	      stdout);
}

static void put_ports(const struct portspec_service *svc)
{
	for (size_t i = 0; i < portspec_service_port_count(svc); i++) {
		enum portspec_protocol p;
		unsigned a, b;
		portspec_service_port(svc, i, &p, &a, &b);
		printf("%s%s/%u", i ? ", " : "", portspec_protocol_name(p), a);
		if (b != a)
			printf("-%u", b);
	}
}

static void put_flow(const struct portspec_flow *f)
{
	printf("%s %s %s/%u", portspec_direction_name(portspec_flow_direction(f)),
	       portspec_zone_name(portspec_flow_zone(f)),
	       portspec_protocol_name(portspec_flow_protocol(f)), portspec_flow_port_first(f));
	if (portspec_flow_port_last(f) != portspec_flow_port_first(f))
		printf("-%u", portspec_flow_port_last(f));
	if (portspec_flow_interface(f))
		printf(" via %s", portspec_interface_name(portspec_flow_interface(f)));
	if (portspec_flow_either(f))
		printf(" (either zone)");
	for (size_t k = 0; k < portspec_flow_address_count(f); k++) {
		char buf[64];
		printf("%s%s", k ? ", " : " to ",
		       portspec_cidr_format(portspec_flow_address(f, k), buf, sizeof(buf)));
	}
}

static int explain_service(const struct portspec_spec *spec,
			   const struct portspec_policy *policy,
			   const struct portspec_service *svc)
{
	printf("%s: ", portspec_service_name(svc));
	cli_put_text(stdout, portspec_service_title(svc) ? portspec_service_title(svc) : "");
	printf("\n  level: %s\n  ports: ", portspec_level_name(portspec_service_level(svc)));
	put_ports(svc);
	printf("\n");
	if (portspec_service_helper(svc))
		printf("  helper: %s (connection tracking for its data connections)\n",
		       portspec_service_helper(svc));
	if (portspec_service_description(svc)) {
		printf("  description: ");
		cli_put_text(stdout, portspec_service_description(svc));
		printf("\n");
	}
	if (portspec_service_note(svc)) {
		printf("  note: ");
		cli_put_text(stdout, portspec_service_note(svc));
		printf("\n");
	}
	const struct portspec_profile *pr = portspec_policy_profile(policy);
	const char *name = portspec_service_name(svc);
	bool on = portspec_profile_enabled(pr, svc);
	if (!on)
		printf("  in this profile: off (--set enable=%s turns it on)\n", name);
	else if (portspec_service_level(svc) == PORTSPEC_CLUSTER)
		printf("  in this profile: follows the cluster role\n");
	else
		printf("  in this profile: on\n");
	size_t n = 0;
	for (size_t i = 0; i < portspec_policy_flow_count(policy); i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, i);
		if (portspec_flow_service(f) != svc)
			continue;
		printf("%s", n++ ? "\n         " : "  flows: ");
		put_flow(f);
	}
	/* Say why there is none: the service is off, or no flow of the role, or
	 * its servers or clients lie in no zone it is served to. */
	if (n == 0 && !on)
		printf("  flows: none in this policy (the profile turns %s off)", name);
	else if (n == 0)
		printf("  flows: none in this policy (role %s)",
		       portspec_role_name(portspec_profile_role(pr)));
	printf("\n");
	(void)spec;
	return EXIT_OK;
}

static int explain_port(const struct portspec_spec *spec, const struct portspec_policy *policy,
			const char *zone, enum portspec_direction dir, enum portspec_protocol proto,
			unsigned port)
{
	const struct portspec_plan *plan = portspec_policy_plan(policy, PORTSPEC_MODE_HOST);
	bool any_allowed = false;
	for (size_t z = 0; z < portspec_spec_zone_count(spec); z++) {
		const char *zn = portspec_zone_name(portspec_spec_zone(spec, z));
		if (zone && strcmp(zone, zn))
			continue;
		for (int d = PORTSPEC_INBOUND; d <= PORTSPEC_OUTBOUND; d++) {
			if (dir && (int)dir != d)
				continue;
			for (int p = PORTSPEC_TCP; p <= PORTSPEC_ICMPV6; p++) {
				/* ICMP types only when asked for: icmp/8 */
				if ((proto && (int)proto != p) || (!proto && p >= PORTSPEC_ICMP))
					continue;
				const struct portspec_flow *m = NULL;
				bool a = false;
				/* the zone, direction and protocol are the spec's own: cannot fail */
				portspec_is_allowed_zone(policy, portspec_spec_zone(spec, z),
							 (enum portspec_direction)d,
							 (enum portspec_protocol)p, port, &a, &m, NULL);
				const char *what = d == PORTSPEC_INBOUND ? "from" : "to";
				if (a) {
					const struct portspec_service *svc = portspec_flow_service(m);
					any_allowed = true;
					printf("allowed: %s/%u %s %s %s: service %s (%s)",
					       portspec_protocol_name((enum portspec_protocol)p), port,
					       portspec_direction_name((enum portspec_direction)d),
					       what, zn, portspec_service_name(svc),
					       portspec_level_name(portspec_service_level(svc)));
					if (portspec_service_title(svc)) {
						printf(", ");
						cli_put_text(stdout, portspec_service_title(svc));
					}
					printf("\n");
					if (portspec_service_note(svc)) {
						printf("    note: ");
						cli_put_text(stdout, portspec_service_note(svc));
						printf("\n");
					}
					continue;
				}
				/* Denied: the library's explanation, with each setting
				 * that would allow it; the reason alone when the question
				 * names zone and direction and no setting helps. */
				struct portspec_connection conn = {
					.direction = (enum portspec_direction)d,
					.zone = portspec_spec_zone(spec, z),
					.protocol = (enum portspec_protocol)p,
					.port = port,
				};
				struct portspec_explanation *x = NULL;
				struct portspec_error err = {0};
				if (portspec_plan_explain(plan, &conn, &x, &err)) {
					cli_report(&err);
					return EXIT_IOERR;
				}
				bool exact = zone && dir && (proto || p == PORTSPEC_TCP);
				if (x->change_count || exact)
					printf("denied: %s/%u %s %s %s\n",
					       portspec_protocol_name((enum portspec_protocol)p), port,
					       portspec_direction_name((enum portspec_direction)d), what,
					       zn);
				for (size_t i = 0; i < x->change_count; i++) {
					printf("    ");
					cli_put_text(stdout, x->changes[i].reason);
					printf(";");
					cli_put_sets(stdout, x->changes[i].setting);
					printf(" allows it\n");
				}
				/* the reason's last part says why */
				const char *why = NULL;
				for (const char *c = strstr(x->reason, ": "); c; c = strstr(c + 1, ": "))
					why = c + 2;
				if (!x->change_count && exact && why) {
					printf("    ");
					cli_put_text(stdout, why);
					printf("\n");
				}
				portspec_explanation_free(x);
			}
		}
	}
	if (!any_allowed && !(zone && dir)) {
		printf("denied: no flow of this policy allows ");
		printf("%s%s%u", proto ? portspec_protocol_name(proto) : "", proto ? "/" : "port ",
		       port);
		if (dir)
			printf(" %s", portspec_direction_name(dir));
		if (zone)
			printf(" %s %s", dir == PORTSPEC_OUTBOUND ? "to" : "with zone", zone);
		printf("\n");
	}
	if (!any_allowed) {
		/* Where the port is open, if anywhere: the answer to "then where?" */
		for (size_t i = 0; i < portspec_policy_flow_count(policy); i++) {
			const struct portspec_flow *f = portspec_policy_flow(policy, i);
			if ((proto && portspec_flow_protocol(f) != proto) ||
			    port < portspec_flow_port_first(f) || port > portspec_flow_port_last(f))
				continue;
			printf("    open elsewhere: %s ", portspec_service_name(portspec_flow_service(f)));
			put_flow(f);
			printf("\n");
		}
	}
	return any_allowed ? EXIT_OK : EXIT_DENIED;
}

/* "22", "tcp/22", "udp/53": false if it is none of those. */
static bool parse_port_arg(const char *s, enum portspec_protocol *proto, unsigned *port)
{
	const char *slash = strchr(s, '/');
	if (slash) {
		char p[8];
		if ((size_t)(slash - s) >= sizeof(p))
			return false;
		memcpy(p, s, (size_t)(slash - s));
		p[slash - s] = '\0';
		if (!(*proto = portspec_protocol_from_name(p)))
			return false;
		s = slash + 1;
	}
	/* for icmp/TYPE and icmpv6/TYPE, the message type */
	return cli_parse_port(s, port) && (*proto < PORTSPEC_ICMP || *port <= 255);
}

struct explain_args {
	const char *zone, *dir, *proto;
};

static int take(void *ctx, int c, char *arg)
{
	struct explain_args *a = ctx;
	switch (c) {
	case 'z': a->zone = arg; break;
	case 'd': a->dir = arg; break;
	case 'P': a->proto = arg; break;
	}
	return EXIT_OK;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{"zone", required_argument, NULL, 'z'},
		{"direction", required_argument, NULL, 'd'},
		{"proto", required_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {.name = "explain", .usage = usage, .help = help,
					       .opts = opts, .take = take};
	struct cli_policy_opts po = {0};
	struct explain_args a = {0};
	int rc;
	if (!cli_parse(&cmd, &a, &po, argc, argv, &rc))
		goto out;
	enum portspec_direction d = a.dir ? portspec_direction_from_name(a.dir) : PORTSPEC_DIR_ANY;
	enum portspec_protocol p = a.proto ? portspec_protocol_from_name(a.proto) : PORTSPEC_PROTO_ANY;
	if (optind + 1 != argc || (a.dir && !d) || (a.proto && !p)) {
		rc = cli_usage_error("explain", usage,
				     optind + 1 != argc ? "expected one SERVICE or PORT"
				     : (a.dir && !d)      ? "--direction is inbound or outbound"
							: "--proto is tcp, udp, icmp or icmpv6");
		goto out;
	}
	const char *what = argv[optind];
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	rc = cli_load_policy(&po, false, &spec, &policy);
	if (rc)
		goto out;
	unsigned port = 0;
	enum portspec_protocol pp = p;
	const struct portspec_service *svc = portspec_spec_find_service(spec, what);
	if (a.zone && !portspec_spec_find_zone(spec, a.zone)) {
		fprintf(stderr, "portspec explain: unknown zone '%s'; the zones are:", a.zone);
		for (size_t i = 0; i < portspec_spec_zone_count(spec); i++)
			fprintf(stderr, " %s", portspec_zone_name(portspec_spec_zone(spec, i)));
		fprintf(stderr, "\n");
		rc = EXIT_USAGE;
	} else if (svc) {
		rc = explain_service(spec, policy, svc);
	} else if (parse_port_arg(what, &pp, &port)) {
		if (p && pp != p) {
			rc = cli_usage_error("explain", usage, "--proto contradicts PROTO/PORT");
		} else {
			rc = explain_port(spec, policy, a.zone, d, pp, port);
			rc = rc == EXIT_OK ? cli_finish_output("explain")
					   : (cli_finish_output("explain") ? EXIT_IOERR : rc);
		}
	} else {
		fprintf(stderr, "portspec explain: '%s' is neither a service of the spec nor a port "
				"(22, tcp/22); the services are:", what);
		for (size_t i = 0; i < portspec_spec_service_count(spec); i++)
			fprintf(stderr, " %s", portspec_service_name(portspec_spec_service(spec, i)));
		fprintf(stderr, "\n");
		rc = EXIT_USAGE;
	}
	portspec_policy_free(policy);
	portspec_spec_free(spec);
out:
	cli_policy_opts_release(&po);
	return rc;
}
