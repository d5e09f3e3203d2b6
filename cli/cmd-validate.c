/* SPDX-License-Identifier: MIT */
/*
 * portspec validate: lint a spec, and a profile against it.  Errors (the file
 * cannot be used) exit 65 with file:line:column; findings (it can, but
 * something is probably wrong) are listed on stdout and exit 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static const char usage[] =
	"usage: portspec validate [SPEC] [--profile FILE] [--set KEY=VALUE]...\n";

static void help(void)
{
	fputs(usage, stdout);
	fputs("\nChecks the spec SPEC (default: the built-in spec, or --spec FILE) and, when\n"
	      "given, a profile against it.  An error (exit 65) is a file that cannot be\n"
	      "used: it names file:line:column and how to fix it.  Findings (exit 1) are\n"
	      "things that are probably mistakes:\n"
	      "  - a service, zone or interface that no flow uses, in any role;\n"
	      "  - a service without a title;\n"
	      "  - a role whose flows need addresses the default profile does not give;\n"
	      "  - with a profile: addresses still at their documentation examples.\n"
	      "Exit 0 and 'ok' when there is nothing to say.\n"
	      "\noptions:\n"
	      "  -s, --spec FILE        the spec to check (same as SPEC)\n"
	      "  -p, --profile FILE     a profile to check against the spec\n"
	      "  -S, --set KEY=VALUE    profile settings to check; repeatable\n"
	      "  -q, --quiet[=WHAT]     do not print the policy's notes and warnings on stderr\n"
	      "                         (WHAT: notes or warnings alone)\n"
	      "  -h, --help             this help\n"
	      "\nexamples:\n"
	      "  portspec validate my-appliance.portspec\n"
	      "  portspec validate --profile site.profile\n",
	      stdout);
}

struct lint {
	const char *file;
	unsigned findings;
};

static void finding(struct lint *l, const char *what, const char *name, const char *text)
{
	printf("%s: finding: %s", l->file, what);
	if (name)
		printf(" '%s'", name);
	printf(" %s\n", text);
	l->findings++;
}

/* Marks what the policy's flows use: services by index, zones and interfaces (at most 32 each). */
static void mark_used(const struct portspec_spec *spec, const struct portspec_policy *policy,
		      const struct cli_service_index *index, bool *svc_used, bool *zone_used,
		      bool *if_used)
{
	size_t nif = portspec_spec_interface_count(spec);
	for (size_t i = 0; i < portspec_policy_flow_count(policy); i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, i);
		size_t s = cli_service_index_of(index, portspec_flow_service(f));
		if (s != SIZE_MAX)
			svc_used[s] = true;
		size_t z = cli_zone_index(spec, portspec_flow_zone(f));
		if (z < 64)
			zone_used[z] = true;
		for (size_t k = 0; k < nif && k < 64; k++)
			if (portspec_flow_interface(f) == portspec_spec_interface(spec, k))
				if_used[k] = true;
	}
}

static void lint_spec(struct lint *l, const struct cli_policy_opts *none,
		      const struct portspec_spec *spec)
{
	size_t nsvc = portspec_spec_service_count(spec), nzone = portspec_spec_zone_count(spec);
	size_t nif = portspec_spec_interface_count(spec);
	bool zone_used[64] = {false}, if_used[64] = {false}; /* PS_MAX_ZONES, _INTERFACES: 32 */
	bool *svc_used = calloc(nsvc ? nsvc : 1, sizeof(*svc_used));
	struct cli_service_index index;
	if (!svc_used || !cli_service_index_init(&index, spec)) {
		fprintf(stderr, "portspec validate: out of memory\n");
		free(svc_used);
		return;
	}
	static const char *const roles[] = {"role=standalone", "role=central", "role=member"};

	for (size_t r = 0; r < 3; r++) {
		struct portspec_policy *policy = NULL;
		struct portspec_error err;
		const char *extra[] = {roles[r]};
		if (cli_build_policy(none, extra, 1, spec, &policy, &err)) {
			char buf[1024];
			printf("%s: finding: %s with the default profile cannot be compiled: %s\n",
			       l->file, roles[r] + 5, portspec_error_format(&err, buf, sizeof(buf)));
			l->findings++;
			continue;
		}
		mark_used(spec, policy, &index, svc_used, zone_used, if_used);
		portspec_policy_free(policy);
	}
	cli_service_index_release(&index);
	for (size_t s = 0; s < nsvc; s++) {
		const struct portspec_service *svc = portspec_spec_service(spec, s);
		if (!svc_used[s])
			finding(l, "service", portspec_service_name(svc),
				"is in no flow: add it to a flow statement or remove it");
		if (!portspec_service_title(svc))
			finding(l, "service", portspec_service_name(svc),
				"has no title: documents show only its name");
	}
	free(svc_used);
	for (size_t z = 0; z < nzone && z < 64; z++)
		if (!zone_used[z])
			finding(l, "zone", portspec_zone_name(portspec_spec_zone(spec, z)),
				"is in no flow");
	for (size_t k = 0; k < nif && k < 64; k++)
		if (!if_used[k])
			finding(l, "interface",
				portspec_interface_name(portspec_spec_interface(spec, k)),
				"is in no flow");
}

int cmd_validate(int argc, char **argv)
{
	static const struct cli_command cmd = {.name = "validate", .usage = usage, .help = help};
	struct cli_policy_opts po = {0};
	int rc;
	if (!cli_parse(&cmd, NULL, &po, argc, argv, &rc))
		goto out;
	if (argc - optind > 1 || (optind < argc && po.spec_path)) {
		rc = cli_usage_error("validate", usage, "expected one SPEC");
		goto out;
	}
	if (optind < argc)
		po.spec_path = argv[optind];
	struct portspec_spec *spec = NULL;
	rc = cli_load_spec(po.spec_path, &spec);
	if (rc)
		goto out;
	struct lint l = {.file = po.spec_path ? po.spec_path : "<default>"};
	struct cli_policy_opts none = {0};
	lint_spec(&l, &none, spec);

	if (po.profile_path || po.nsets) {
		struct portspec_policy *policy = NULL;
		struct portspec_error err;
		if (cli_build_policy(&po, NULL, 0, spec, &policy, &err)) {
			rc = cli_report(&err);
		} else {
			struct lint pl = {.file = po.profile_path ? po.profile_path : "--set"};
			if (portspec_profile_uses_examples(portspec_policy_profile(policy)))
				finding(&pl, "profile", NULL,
					"still uses documentation example addresses: set appliance "
					"and the zones' networks (portspec profile shows which)");
			for (size_t i = 0; i < portspec_policy_warning_count(policy); i++)
				cli_print_warning(&po, portspec_policy_warning_kind(policy, i),
						  portspec_policy_warning(policy, i));
			l.findings += pl.findings;
			portspec_policy_free(policy);
		}
	}
	portspec_spec_free(spec);
	if (!rc) {
		if (l.findings == 0)
			printf("%s: ok\n", l.file);
		rc = cli_finish_output("validate");
		if (!rc && l.findings)
			rc = EXIT_DENIED;
	}
out:
	cli_policy_opts_release(&po);
	return rc;
}
