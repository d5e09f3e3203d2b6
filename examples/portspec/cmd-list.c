/* SPDX-License-Identifier: MIT */
/* portspec list: the policy's flows, as a table or JSON. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void json_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", fp);
		else if (c == '\t')
			fputs("\\t", fp);
		else if (c < 0x20)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

static void list_json(const struct portspec_policy *policy)
{
	size_t n = portspec_policy_flow_count(policy);
	printf("[");
	for (size_t i = 0; i < n; i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, i);
		const struct portspec_service *svc = portspec_flow_service(f);
		printf("%s\n  {\"service\": ", i ? "," : "");
		json_string(stdout, portspec_service_name(svc));
		printf(", \"protocol\": \"%s\", \"port\": %u, \"port_last\": %u, "
		       "\"direction\": \"%s\", \"zone\": ",
		       portspec_protocol_name(portspec_flow_protocol(f)), portspec_flow_port_first(f),
		       portspec_flow_port_last(f),
		       portspec_direction_name(portspec_flow_direction(f)));
		json_string(stdout, portspec_zone_name(portspec_flow_zone(f)));
		printf(", \"level\": \"%s\", \"either\": %s, \"title\": ",
		       portspec_level_name(portspec_flow_level(f)),
		       portspec_flow_either(f) ? "true" : "false");
		json_string(stdout, portspec_service_title(svc));
		printf(", \"addresses\": [");
		for (size_t k = 0; k < portspec_flow_address_count(f); k++) {
			char buf[64];
			printf("%s\"%s\"", k ? ", " : "",
			       portspec_cidr_format(portspec_flow_address(f, k), buf, sizeof(buf)));
		}
		printf("]}");
	}
	printf("%s]\n", n ? "\n" : "");
}

static void list_table(const struct portspec_policy *policy)
{
	printf("%-9s %-8s %-5s %-11s %-16s %-8s %s\n", "DIRECTION", "ZONE", "PROTO", "PORT",
	       "SERVICE", "LEVEL", "NOTE");
	for (size_t i = 0; i < portspec_policy_flow_count(policy); i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, i);
		char port[16];
		unsigned a = portspec_flow_port_first(f), b = portspec_flow_port_last(f);
		if (a == b)
			snprintf(port, sizeof(port), "%u", a);
		else
			snprintf(port, sizeof(port), "%u-%u", a, b);
		printf("%-9s %-8s %-5s %-11s %-16s %-8s %s\n",
		       portspec_direction_name(portspec_flow_direction(f)),
		       portspec_zone_name(portspec_flow_zone(f)),
		       portspec_protocol_name(portspec_flow_protocol(f)), port,
		       portspec_service_name(portspec_flow_service(f)),
		       portspec_level_name(portspec_flow_level(f)),
		       portspec_flow_either(f) ? "either zone" : "");
	}
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"spec", required_argument, NULL, 's'},
		{"profile", required_argument, NULL, 'p'},
		{"set", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_policy_opts po = {0};
	const char *format = "table";
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:s:p:S:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 's': po.spec_path = optarg; break;
		case 'p': po.profile_path = optarg; break;
		case 'S':
			if (!cli_add_set(&po, optarg))
				return EXIT_IOERR;
			break;
		case 'h':
			printf("usage: portspec list [--format table|json] [--spec FILE] "
			       "[--profile FILE] [--set KEY=VALUE]...\n");
			cli_policy_opts_release(&po);
			return EXIT_OK;
		default:
			cli_policy_opts_release(&po);
			return EXIT_USAGE;
		}
	}
	if (optind < argc || (strcmp(format, "table") && strcmp(format, "json"))) {
		fprintf(stderr, "portspec list: %s\n", optind < argc ? "unexpected argument"
								   : "--format is table or json");
		cli_policy_opts_release(&po);
		return EXIT_USAGE;
	}
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	rc = cli_load_policy(&po, false, &spec, &policy);
	cli_policy_opts_release(&po);
	if (rc)
		return rc;
	if (!strcmp(format, "json"))
		list_json(policy);
	else
		list_table(policy);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "portspec list: write error\n");
		return EXIT_IOERR;
	}
	return EXIT_OK;
}
