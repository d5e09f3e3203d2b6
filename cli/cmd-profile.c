/* SPDX-License-Identifier: MIT */
/* portspec profile: the effective profile, as profile-file text or JSON. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static const char usage[] =
	"usage: portspec profile [--format text|json]\n"
	"                        [--spec FILE] [--profile FILE] [--set KEY=VALUE]... [--quiet]\n";

static void help(void)
{
	fputs(usage, stdout);
	fputs("\nThe profile in effect after the built-in defaults, the profile file and the\n"
	      "--set options, checked by compiling the policy.  The text form is a profile\n"
	      "file (portspec-profile(5)); addresses still at their documentation examples\n"
	      "are marked.  The JSON form is described by portspec-profile.schema.json.\n"
	      "\noptions:\n"
	      "  -f, --format FORMAT    text (default) or json\n"
	      CLI_POLICY_HELP
	      "  -h, --help             this help\n"
	      "\nexamples:\n"
	      "  portspec profile --set required-only=true > site.profile\n"
	      "  portspec profile --profile site.profile --format json\n",
	      stdout);
}

static void json_cidrs(const struct portspec_cidr *(*get)(const struct portspec_profile *,
							      const struct portspec_zone *, size_t),
		       const struct portspec_profile *pr, const struct portspec_zone *zone, size_t n)
{
	printf("[");
	for (size_t i = 0; i < n; i++) {
		char buf[64];
		printf("%s", i ? ", " : "");
		cli_json_string(stdout, portspec_cidr_format(get(pr, zone, i), buf, sizeof(buf)));
	}
	printf("]");
}

static const struct portspec_cidr *appliance_at(const struct portspec_profile *pr,
						const struct portspec_zone *zone, size_t i)
{
	(void)zone;
	return portspec_profile_appliance(pr, i);
}

/* Per service (by index): the zones (bit = zone index) its flows in the policy go to or come from. */
static uint32_t *service_zones(const struct portspec_policy *policy)
{
	const struct portspec_spec *spec = portspec_policy_spec(policy);
	size_t n = portspec_spec_service_count(spec);
	uint32_t *zones = calloc(n ? n : 1, sizeof(*zones));
	struct cli_service_index index;
	if (!zones || !cli_service_index_init(&index, spec)) {
		free(zones);
		return NULL;
	}
	for (size_t i = 0; i < portspec_policy_flow_count(policy); i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, i);
		size_t s = cli_service_index_of(&index, portspec_flow_service(f));
		size_t z = cli_zone_index(spec, portspec_flow_zone(f));
		if (s != SIZE_MAX && z < 32) /* PS_MAX_ZONES */
			zones[s] |= UINT32_C(1) << z;
	}
	cli_service_index_release(&index);
	return zones;
}

/* The servers or clients of a service, as a JSON array of addresses. */
static void json_narrowing(const struct portspec_profile *pr, const struct portspec_service *svc,
			   size_t (*count)(const struct portspec_profile *,
					   const struct portspec_service *),
			   const struct portspec_cidr *(*at)(const struct portspec_profile *,
							     const struct portspec_service *, size_t))
{
	printf("[");
	for (size_t k = 0; k < count(pr, svc); k++) {
		char buf[64];
		printf("%s", k ? ", " : "");
		cli_json_string(stdout, portspec_cidr_format(at(pr, svc, k), buf, sizeof(buf)));
	}
	printf("]");
}

static int print_json(const struct portspec_policy *policy)
{
	const struct portspec_profile *pr = portspec_policy_profile(policy);
	const struct portspec_spec *spec = portspec_policy_spec(policy);
	uint32_t *used_zones = service_zones(policy);
	if (!used_zones) {
		fprintf(stderr, "portspec profile: out of memory\n");
		return EXIT_IOERR;
	}
	printf("{\n  \"role\": \"%s\",\n  \"examples\": %s,\n  \"interface\": ",
	       portspec_role_name(portspec_profile_role(pr)),
	       portspec_profile_uses_examples(pr) ? "true" : "false");
	cli_json_string(stdout, portspec_profile_interface(pr));
	printf(",\n  \"appliance_interface\": ");
	cli_json_string(stdout, portspec_profile_gateway_interface(pr, NULL));
	printf(",\n  \"appliance\": ");
	json_cidrs(appliance_at, pr, NULL, portspec_profile_appliance_count(pr));
	printf(",\n  \"log\": \"%s\",\n  \"ping\": [",
	       portspec_profile_logs_drops(pr) ? "drops" : "none");
	for (size_t z = 0, n = 0; z < portspec_spec_zone_count(spec); z++)
		if (portspec_profile_ping(pr, portspec_spec_zone(spec, z)))
			printf("%s\"%s\"", n++ ? ", " : "",
			       portspec_zone_name(portspec_spec_zone(spec, z)));
	printf("]");
	printf(",\n  \"zones\": [");
	for (size_t z = 0; z < portspec_spec_zone_count(spec); z++) {
		const struct portspec_zone *zone = portspec_spec_zone(spec, z);
		const char *name = portspec_zone_name(zone);
		printf("%s\n    {\"zone\": \"%s\", \"kind\": \"%s\", \"interface\": ", z ? "," : "",
		       name, portspec_zone_kind_name(portspec_zone_kind(zone)));
		cli_json_string(stdout, portspec_profile_gateway_interface(pr, zone));
		printf(", \"host_interface\": ");
		cli_json_string(stdout, portspec_profile_host_interface(pr, zone));
		printf(", \"addresses\": ");
		json_cidrs(portspec_profile_zone_address, pr, zone,
			   portspec_profile_zone_address_count(pr, zone));
		printf("}");
	}
	printf("\n  ],\n  \"services\": [");
	for (size_t s = 0; s < portspec_spec_service_count(spec); s++) {
		const struct portspec_service *svc = portspec_spec_service(spec, s);
		printf("%s\n    {\"name\": \"%s\", \"level\": \"%s\", \"enabled\": %s, \"zones\": [",
		       s ? "," : "", portspec_service_name(svc),
		       portspec_level_name(portspec_service_level(svc)),
		       portspec_profile_enabled(pr, svc) ? "true" : "false");
		/* The zones the policy opens the service to or from, in zone order. */
		bool first = true;
		for (size_t z = 0; z < portspec_spec_zone_count(spec) && z < 32; z++) {
			if (used_zones[s] & (UINT32_C(1) << z)) {
				printf("%s\"%s\"", first ? "" : ", ",
				       portspec_zone_name(portspec_spec_zone(spec, z)));
				first = false;
			}
		}
		printf("], \"servers\": ");
		json_narrowing(pr, svc, portspec_profile_server_count, portspec_profile_server);
		printf(", \"clients\": ");
		json_narrowing(pr, svc, portspec_profile_client_count, portspec_profile_client);
		printf("}");
	}
	printf("\n  ],\n  \"warnings\": [");
	for (size_t i = 0; i < portspec_policy_warning_count(policy); i++) {
		printf("%s\n    ", i ? "," : "");
		cli_json_string(stdout, portspec_policy_warning(policy, i));
	}
	printf("%s],\n  \"diagnostics\": [", portspec_policy_warning_count(policy) ? "\n  " : "");
	for (size_t i = 0; i < portspec_policy_warning_count(policy); i++) {
		enum portspec_warning_kind k = portspec_policy_warning_kind(policy, i);
		printf("%s\n    {\"kind\": \"%s\", \"severity\": \"%s\", \"text\": ", i ? "," : "",
		       portspec_warning_kind_name(k),
		       portspec_warning_kind_is_note(k) ? "note" : "warning");
		cli_json_string(stdout, portspec_policy_warning(policy, i));
		printf("}");
	}
	printf("%s]\n}\n", portspec_policy_warning_count(policy) ? "\n  " : "");
	free(used_zones);
	return EXIT_OK;
}

static int take(void *ctx, int c, char *arg)
{
	*(const char **)ctx = arg; /* -f, --format */
	return EXIT_OK;
}

int cmd_profile(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {.name = "profile", .usage = usage, .help = help,
					       .opts = opts, .take = take};
	struct cli_policy_opts po = {0};
	const char *format = "text";
	int rc;
	if (!cli_parse(&cmd, &format, &po, argc, argv, &rc))
		goto out;
	bool json = !strcmp(format, "json");
	if (optind < argc || (!json && strcmp(format, "text"))) {
		rc = cli_usage_error("profile", usage,
				     optind < argc ? cli_unexpected(argv[optind], NULL)
						   : "--format is text or json");
		goto out;
	}
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	rc = cli_load_policy(&po, false, &spec, &policy);
	if (rc)
		goto out;
	if (json) {
		rc = print_json(policy);
	} else {
		char *text = NULL;
		size_t len = 0;
		enum portspec_status st =
			portspec_profile_to_string(portspec_policy_profile(policy), &text, &len, NULL);
		if (st) {
			fprintf(stderr, "portspec profile: %s\n", portspec_strerror(st));
			rc = cli_exit_code(st);
		} else {
			fwrite(text, 1, len, stdout);
		}
		portspec_free(text);
	}
	if (!rc)
		rc = cli_finish_output("profile");
	portspec_policy_free(policy);
	portspec_spec_free(spec);
out:
	cli_policy_opts_release(&po);
	return rc;
}
