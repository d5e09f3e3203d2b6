/* SPDX-License-Identifier: MIT */
/* portspec plan: the packets the policy lets through, as every backend renders them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
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

/* An entry's port ranges, or its ICMP types when it has those instead. */
static const struct portspec_plan_port *ranges_of(const struct portspec_plan_entry *e, size_t *n)
{
	*n = e->icmp_type_count ? e->icmp_type_count : e->port_count;
	return e->icmp_type_count ? e->icmp_types : e->ports;
}

/*
 * Which services an entry has named already: an entry merges the flows of
 * up to every service, so each is marked with the entry's number instead of
 * being looked for among the flows before it.
 */
struct seen_services {
	struct cli_service_index index;
	size_t *mark; /* per service index: the entry that printed it, plus one */
};

/* The services of entry i, each once, in order. */
static void put_services(struct seen_services *seen, size_t i, const struct portspec_plan_entry *e)
{
	size_t n = 0, nr;
	const struct portspec_plan_port *r = ranges_of(e, &nr);
	for (size_t p = 0; p < nr; p++)
		for (size_t f = 0; f < r[p].flow_count; f++) {
			const struct portspec_flow *const *here = &r[p].flows[f];
			const struct portspec_service *svc = portspec_flow_service(*here);
			size_t s = cli_service_index_of(&seen->index, svc);
			bool again = false;
			if (s != SIZE_MAX) {
				again = seen->mark[s] == i + 1;
				seen->mark[s] = i + 1;
			} else { /* the policy's own (ping): few flows, looked for before */
				for (const struct portspec_flow *const *g = r[0].flows; g < here && !again;
				     g++)
					again = portspec_flow_service(*g) == svc;
			}
			if (!again)
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

static void text_entry(struct seen_services *seen, size_t i, const struct portspec_plan_entry *e)
{
	printf("%3zu %-7s ipv%u %-18s", i, portspec_hook_name(e->hook), e->family,
	       portspec_entry_kind_name(e->kind));
	size_t nr;
	const struct portspec_plan_port *r = ranges_of(e, &nr);
	if (e->kind == PORTSPEC_ENTRY_FLOW)
		printf(" %s %s %s", portspec_direction_name(e->direction),
		       portspec_zone_name(e->zone), portspec_protocol_name(e->protocol));
	if (nr)
		printf(" %s ", !e->icmp_type_count                 ? "ports"
			       : e->kind == PORTSPEC_ENTRY_FLOW ? "types"
								: "related icmp errors");
	for (size_t p = 0; p < nr; p++) {
		printf("%s%u", p ? "," : "", r[p].first);
		if (r[p].last != r[p].first)
			printf("-%u", r[p].last);
	}
	if (e->kind == PORTSPEC_ENTRY_FLOW) {
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
		put_services(seen, i, e);
		printf("]");
	}
	printf("\n");
}

static int print_text(const struct portspec_plan *plan)
{
	const struct portspec_spec *spec = portspec_policy_spec(portspec_plan_policy(plan));
	size_t nsvc = portspec_spec_service_count(spec);
	struct seen_services seen = {.mark = calloc(nsvc ? nsvc : 1, sizeof(*seen.mark))};
	if (!seen.mark || !cli_service_index_init(&seen.index, spec)) {
		free(seen.mark);
		fprintf(stderr, "portspec plan: out of memory\n");
		return EXIT_IOERR;
	}
	static const enum portspec_hook hooks[] = {PORTSPEC_HOOK_INPUT, PORTSPEC_HOOK_FORWARD,
						   PORTSPEC_HOOK_OUTPUT};
	printf("# plan, %s mode; a complete ruleset's default:",
	       portspec_plan_mode(plan) == PORTSPEC_MODE_HOST ? "host" : "gateway");
	for (size_t h = 0; h < 3; h++)
		printf(" %s %s%s", portspec_hook_name(hooks[h]),
		       portspec_plan_hook_drops(plan, hooks[h]) ? "drop" : "accept",
		       portspec_plan_log_prefix(plan, hooks[h]) ? " (logged)" : "");
	printf("\n");
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++)
		text_entry(&seen, i, portspec_plan_entry(plan, i));
	cli_service_index_release(&seen.index);
	free(seen.mark);
	return EXIT_OK;
}

struct plan_args {
	enum portspec_mode mode;
	bool json;
};

static int take(void *ctx, int c, char *arg)
{
	struct plan_args *a = ctx;
	switch (c) {
	case 'm':
		if (!cli_parse_mode(arg, &a->mode))
			return cli_usage_error("plan", usage, "--mode is host or gateway");
		break;
	case 'f':
		if (strcmp(arg, "json") && strcmp(arg, "text"))
			return cli_usage_error("plan", usage, "--format is text or json");
		a->json = arg[0] == 'j';
		break;
	}
	return EXIT_OK;
}

int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		{"mode", required_argument, NULL, 'm'},
		{"format", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {.name = "plan", .usage = usage, .help = help,
					       .opts = opts, .take = take};
	struct cli_policy_opts po = {0};
	struct plan_args a = {.mode = PORTSPEC_MODE_HOST};
	int rc;
	if (!cli_parse(&cmd, &a, &po, argc, argv, &rc))
		goto out;
	if (optind < argc) {
		rc = cli_usage_error("plan", usage, cli_unexpected(argv[optind], NULL));
		goto out;
	}
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	rc = cli_load_policy_mode(&po, a.mode, &spec, &policy);
	if (rc)
		goto out;
	const struct portspec_plan *plan = portspec_policy_plan(policy, a.mode);
	struct portspec_error err = {0};
	if (a.json &&
	    portspec_render_to_file(policy, "plan", &(struct portspec_render_options){.mode = a.mode},
				    stdout, &err))
		rc = cli_report(&err);
	else if (!a.json)
		rc = print_text(plan);
	if (!rc)
		rc = cli_finish_output("plan");
	portspec_policy_free(policy);
	portspec_spec_free(spec);
out:
	cli_policy_opts_release(&po);
	return rc;
}
