/* SPDX-License-Identifier: MIT */
/* portspec plan: the packets the policy lets through, as every backend renders them. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static const char usage[] =
	"usage: portspec plan [--mode host|gateway] [--format text|json]\n"
	"                     [--spec FILE] [--profile FILE] [--set KEY=VALUE]... [--quiet]\n";

static void help(void)
{
	fputs(usage, stdout);
	fputs("\nThe rule plan of the policy for one mode: the entries every rule backend\n"
	      "renders, each a resolved match (hook, family, protocol, ports, the remote\n"
	      "and local address sets, interfaces, conntrack helper, the services), after\n"
	      "the baseline a complete ruleset has (loopback, established and related\n"
	      "connections, IPv6 neighbour discovery) and the hooks' default verdicts.\n"
	      "The JSON form (also 'portspec doc --format plan') is described by\n"
	      "portspec-plan.schema.json.\n"
	      "\noptions:\n"
	      "  -m, --mode MODE        host (default: rules on the appliance) or gateway\n"
	      "  -f, --format FORMAT    text (default) or json\n"
	      CLI_POLICY_HELP
	      "  -h, --help             this help\n"
	      "\nexamples:\n"
	      "  portspec plan --set inside=10.0.0.0/8,10.1.0.0/16\n"
	      "  portspec plan --mode gateway --format json --profile site.profile\n",
	      stdout);
}

/* The services of an entry, each once, in order. */
static void put_services(const struct portspec_plan_entry *e)
{
	size_t n = 0;
	for (size_t p = 0; p < e->port_count; p++)
		for (size_t f = 0; f < e->ports[p].flow_count; f++) {
			const struct portspec_flow *const *all = e->ports[0].flows;
			const struct portspec_flow *const *here = &e->ports[p].flows[f];
			const struct portspec_service *svc = portspec_flow_service(*here);
			bool seen = false;
			for (const struct portspec_flow *const *g = all; g < here && !seen; g++)
				seen = portspec_flow_service(*g) == svc;
			if (!seen)
				printf("%s%s", n++ ? "," : "", portspec_service_name(svc));
		}
}

static void text_addrset(const char *label, const struct portspec_addrset *s)
{
	printf(" %s ", label);
	if (s->match == PORTSPEC_ADDR_ANY) {
		printf("any");
		return;
	}
	if (s->match == PORTSPEC_ADDR_NOT_IN)
		printf("not ");
	for (size_t i = 0; i < s->cidr_count; i++) {
		char buf[64];
		printf("%s%s", i ? "," : "", portspec_cidr_format(&s->cidrs[i], buf, sizeof(buf)));
	}
}

static void text_entry(size_t i, const struct portspec_plan_entry *e)
{
	printf("%3zu %-7s ipv%u %-18s", i, portspec_hook_name(e->hook), e->family,
	       portspec_entry_kind_name(e->kind));
	if (e->kind == PORTSPEC_ENTRY_FLOW) {
		printf(" %s %s %s ports ", portspec_direction_name(e->direction),
		       portspec_zone_name(e->zone), portspec_protocol_name(e->protocol));
		for (size_t p = 0; p < e->port_count; p++) {
			printf("%s%u", p ? "," : "", e->ports[p].first);
			if (e->ports[p].last != e->ports[p].first)
				printf("-%u", e->ports[p].last);
		}
		text_addrset("remote", &e->remote);
		if (e->local.match != PORTSPEC_ADDR_ANY)
			text_addrset("local", &e->local);
	}
	if (e->iif)
		printf(" iif %s", e->iif);
	if (e->oif)
		printf(" oif %s", e->oif);
	if (e->helper)
		printf(" helper %s", e->helper);
	if (e->complete_only)
		printf(" (complete rulesets only)");
	if (e->kind == PORTSPEC_ENTRY_FLOW) {
		printf(" [");
		put_services(e);
		printf("]");
	}
	printf("\n");
}

static void print_text(const struct portspec_plan *plan)
{
	static const enum portspec_hook hooks[] = {PORTSPEC_HOOK_INPUT, PORTSPEC_HOOK_FORWARD,
						   PORTSPEC_HOOK_OUTPUT};
	printf("# plan, %s mode; a complete ruleset's default:",
	       portspec_plan_mode(plan) == PORTSPEC_MODE_HOST ? "host" : "gateway");
	for (size_t h = 0; h < 3; h++)
		printf(" %s %s", portspec_hook_name(hooks[h]),
		       portspec_plan_hook_drops(plan, hooks[h]) ? "drop" : "accept");
	printf("\n");
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++)
		text_entry(i, portspec_plan_entry(plan, i));
}

int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		{"mode", required_argument, NULL, 'm'},
		{"format", required_argument, NULL, 'f'},
		CLI_POLICY_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_policy_opts po = {0};
	enum portspec_mode mode = PORTSPEC_MODE_HOST;
	bool json = false;
	int c, rc = EXIT_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "m:f:h" CLI_POLICY_SHORTOPTS, opts, NULL)) != -1) {
		int handled = cli_policy_opt(&po, c, optarg);
		if (handled < 0) {
			rc = EXIT_IOERR;
			goto out;
		}
		if (handled)
			continue;
		switch (c) {
		case 'm':
			if (!cli_parse_mode(optarg, &mode)) {
				rc = cli_usage_error("plan", usage, "--mode is host or gateway");
				goto out;
			}
			break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				rc = cli_usage_error("plan", usage, "--format is text or json");
				goto out;
			}
			json = optarg[0] == 'j';
			break;
		case 'h':
			help();
			goto out;
		default:
			rc = cli_bad_option("plan", usage, argv);
			goto out;
		}
	}
	if (optind < argc) {
		rc = cli_usage_error("plan", usage, "unexpected argument");
		goto out;
	}
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	rc = cli_load_policy_mode(&po, mode, &spec, &policy);
	if (rc)
		goto out;
	const struct portspec_plan *plan = portspec_policy_plan(policy, mode);
	struct portspec_error err = {0};
	if (json && portspec_render_to_file(policy, "plan", mode, 0, NULL, stdout, &err))
		rc = cli_report(&err);
	else if (!json)
		print_text(plan);
	if (!rc)
		rc = cli_finish_output("plan");
	portspec_policy_free(policy);
	portspec_spec_free(spec);
out:
	cli_policy_opts_release(&po);
	return rc;
}
