/* SPDX-License-Identifier: MIT */
/*
 * rules: how many rules each backend writes, counted by reading its output
 * the way its target tool would evaluate it.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * What counts as one rule, per target: an `-A` line for iptables-restore; a
 * statement line inside an nft chain (not the chain's type/policy line, not a
 * set or map declaration or element); a pass/block/match line in pf; one
 * `add rule` in netsh; one New-NetFirewallRule in PowerShell.  Documentation
 * and data backends count their non-empty lines.
 */
static size_t count_rules(const char *backend, const char *text, size_t *lines, size_t *elements)
{
	size_t rules = 0;
	int depth = 0;
	bool in_chain = false, in_set = false;
	int chain_depth = 0, set_depth = 0;
	*lines = 0;
	*elements = 0;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char line[4096];
		size_t k = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
		memcpy(line, p, k);
		line[k] = '\0';
		p = e ? e + 1 : p + n;
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			continue;
		(*lines)++;
		if (strcmp(backend, "iptables") == 0 || strcmp(backend, "ip6tables") == 0) {
			if (starts_with(s, "-A "))
				rules++;
		} else if (strcmp(backend, "nft") == 0) {
			if (*s == '#')
				continue;
			if (starts_with(s, "chain ") && strchr(s, '{')) {
				in_chain = true;
				chain_depth = depth;
			} else if ((starts_with(s, "set ") || starts_with(s, "map ")) && strchr(s, '{')) {
				in_set = true;
				set_depth = depth;
			} else if (in_set) {
				if (starts_with(s, "elements")) {
					/* count comma-separated elements on this and
					 * following lines until the closing brace */
					*elements += 1;
				}
				for (char *c = s; *c; c++)
					if (*c == ',')
						(*elements)++;
			} else if (in_chain && *s != '}' && !starts_with(s, "type ") &&
				   !starts_with(s, "policy ")) {
				rules++;
			}
			for (char *c = s; *c; c++) {
				if (*c == '{')
					depth++;
				else if (*c == '}')
					depth--;
			}
			if (in_chain && depth <= chain_depth)
				in_chain = false;
			if (in_set && depth <= set_depth)
				in_set = false;
		} else if (strcmp(backend, "pf") == 0) {
			if (starts_with(s, "pass") || starts_with(s, "block") || starts_with(s, "match"))
				rules++;
		} else if (strcmp(backend, "netsh") == 0) {
			if (strstr(s, "add rule"))
				rules++;
		} else if (strcmp(backend, "powershell") == 0) {
			if (strstr(s, "New-NetFirewallRule"))
				rules++;
		} else if (*s != '#') {
			rules++;
		}
	}
	return rules;
}

int bench_rules(const struct opts *o)
{
	struct text t;
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	if (!load_text(o->spec, &t) || !load_policy(&t, &spec, &policy))
		return 1;
	printf("## rule counts: %s\n\n", t.name);
	printf("%zu services, %zu flows in the policy (default profile).\n\n",
	       portspec_spec_service_count(spec), portspec_policy_flow_count(policy));
	printf("| backend | mode | rules | set/map elements | non-empty lines | bytes |\n");
	printf("|---|---|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < portspec_backend_count(); i++) {
		const char *b = portspec_backend_name(i);
		for (unsigned mode = PORTSPEC_MODE_HOST; mode <= PORTSPEC_MODE_GATEWAY; mode <<= 1) {
			if (!(portspec_backend_modes(b) & mode))
				continue;
			char *out = NULL;
			size_t len = 0, lines = 0, elements = 0;
			struct portspec_error err;
			memset(&err, 0, sizeof(err));
			const char *mname = mode == PORTSPEC_MODE_HOST ? "host" : "gateway";
			if (portspec_render_to_string(policy, b,
						      &(struct portspec_render_options){
							      .mode = (enum portspec_mode)mode},
						      &out, &len, &err) != PORTSPEC_OK) {
				printf("| %s | %s | n/a: %s | | | |\n", b, mname, err.text);
				continue;
			}
			size_t rules = count_rules(b, out, &lines, &elements);
			printf("| %s | %s | %zu | %zu | %zu | %zu |\n", b, mname, rules, elements,
			       lines, len);
			portspec_free(out);
		}
	}
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	free(t.data);
	return 0;
}
