/* SPDX-License-Identifier: MIT */
/*
 * portspec explain: why a port is allowed or denied in the policy, and what
 * a service is.  For a denied port that a service of the spec uses, it tries
 * the profile changes that would allow it and names them.
 */
#include <getopt.h>
#include <stdint.h>
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
		printf(" via %s", portspec_flow_interface(f));
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
	bool on = portspec_profile_enabled(pr, svc);
	printf("  in this profile: %s\n",
	       portspec_service_level(svc) == PORTSPEC_CLUSTER
		       ? "follows the cluster role"
		       : on ? "on" : "off (--set enable=NAME turns it on)");
	size_t n = 0;
	for (size_t i = 0; i < portspec_policy_flow_count(policy); i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, i);
		if (portspec_flow_service(f) != svc)
			continue;
		printf("%s", n++ ? "\n         " : "  flows: ");
		put_flow(f);
	}
	if (n == 0)
		printf("  flows: none in this policy (role %s)",
		       portspec_role_name(portspec_profile_role(pr)));
	printf("\n");
	(void)spec;
	return EXIT_OK;
}

struct variant {
	const char *fmt;  /* one --set, %s = service name */
	const char *head; /* after the service name */
	const char *tail; /* after the setting */
};

static const struct variant variants[] = {
	{"enable=%s", " is turned off in this profile; --set ", " turns it on"},
	{"%s=all", " is served from another zone in this profile; --set ", " serves it here too"},
	{"role=central", " is opened here only on a central cluster appliance (--set ", ")"},
	{"role=member", " is opened here only on a cluster member (--set ", ")"},
	{"role=standalone", " is opened here only on a standalone appliance (--set ", ")"},
};

#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

/* The setting of variant v for a service, in set[128]. */
static const char *variant_set(size_t v, const struct portspec_service *svc, char *set)
{
	const char *fmt = variants[v].fmt;
	if (strncmp(fmt, "%s", 2) == 0)
		snprintf(set, 128, "%s%s", portspec_service_name(svc), fmt + 2);
	else if (strchr(fmt, '%'))
		snprintf(set, 128, "%.*s%s", (int)(strchr(fmt, '%') - fmt), fmt,
			 portspec_service_name(svc));
	else
		snprintf(set, 128, "%s", fmt);
	return set;
}

/*
 * Trying a profile change per denied port and service compiles a policy each
 * time: a port that k services use would cost k compiles per zone and
 * direction.  Instead each change is compiled once: the role changes as
 * they are, the changes that name a service for all the port's services at
 * once.  That gives the same answers because a service's flows depend only
 * on its own settings (enabled, served from, servers) and the role, and
 * because for a denied port every flow that allows it after the change
 * belongs to the service changed.  A service whose name is also a profile
 * key (`role=all` would set the role) is tried on its own, as before.
 */
enum how { HOW_REFUSED, HOW_COMBINED, HOW_ALONE };

struct variant_state {
	bool built;
	struct portspec_policy *policy; /* NULL: could not be compiled */
	unsigned char *how;             /* per service index, variants that name a service */
	uint32_t (*cover)[4];           /* per service index, per (direction, protocol): the
					 * zones where the combined policy's flows of it cover the port */
};

struct explainer {
	const struct cli_policy_opts *po;
	const struct portspec_spec *spec;
	unsigned port;
	const struct portspec_service **cand; /* the services that use the port (either protocol) */
	size_t ncand;
	struct cli_service_index index;
	struct variant_state v[NVARIANTS];
};

static size_t dp_slot(enum portspec_direction d, enum portspec_protocol p)
{
	return (size_t)(d - 1) * 2 + (size_t)(p - 1);
}

/* Whether NAME=VALUE means something other than the service NAME's setting. */
static bool name_is_a_key(const struct portspec_spec *spec, const char *name)
{
	static const char *const keys[] = {"enable", "disable", "required-only", "role",
					   "appliance", "cluster-peer", "cluster-peers",
					   "interface", "appliance-interface", "server"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(name, keys[i]))
			return true;
	size_t n = strlen(name);
	return portspec_spec_find_zone(spec, name) ||
	       (n >= 10 && !strcmp(name + n - 10, "-interface"));
}

/* Compiles variant v once for all candidates; false when out of memory. */
static bool build_combined(struct explainer *x, size_t v)
{
	struct variant_state *vs = &x->v[v];
	size_t nsvc = portspec_spec_service_count(x->spec);
	vs->how = calloc(nsvc ? nsvc : 1, 1);
	vs->cover = calloc(nsvc ? nsvc : 1, sizeof(*vs->cover));
	char (*sets)[128] = calloc(x->ncand ? x->ncand : 1, sizeof(*sets));
	const char **extra = calloc(x->ncand ? x->ncand : 1, sizeof(*extra));
	bool *refused = calloc(x->ncand ? x->ncand : 1, sizeof(*refused));
	size_t *at = calloc(x->ncand ? x->ncand : 1, sizeof(*at));
	bool ok = vs->how && vs->cover && sets && extra && refused && at;
	size_t n = 0;
	for (size_t i = 0; ok && i < x->ncand; i++) {
		size_t s = cli_service_index_of(&x->index, x->cand[i]);
		if (v == 1 && name_is_a_key(x->spec, portspec_service_name(x->cand[i]))) {
			vs->how[s] = HOW_ALONE;
			continue;
		}
		extra[n] = variant_set(v, x->cand[i], sets[n]);
		at[n++] = s;
	}
	struct portspec_error err;
	if (ok && cli_build_policy_refusing(x->po, extra, n, refused, x->spec, &vs->policy, &err)) {
		vs->policy = NULL;
		for (size_t i = 0; i < n; i++)
			vs->how[at[i]] = HOW_ALONE; /* as before, one by one */
	} else if (ok) {
		for (size_t i = 0; i < n; i++)
			vs->how[at[i]] = refused[i] ? HOW_REFUSED : HOW_COMBINED;
		for (size_t i = 0; i < portspec_policy_flow_count(vs->policy); i++) {
			const struct portspec_flow *f = portspec_policy_flow(vs->policy, i);
			if (x->port < portspec_flow_port_first(f) || x->port > portspec_flow_port_last(f))
				continue;
			size_t s = cli_service_index_of(&x->index, portspec_flow_service(f));
			size_t z = cli_zone_index(x->spec, portspec_flow_zone(f));
			if (s != SIZE_MAX && z < 32)
				vs->cover[s][dp_slot(portspec_flow_direction(f),
						     portspec_flow_protocol(f))] |= UINT32_C(1) << z;
		}
	}
	free(sets);
	free(extra);
	free(refused);
	free(at);
	return ok;
}

/* Would variant v allow (zone z, d, p) through svc?  -1 when out of memory. */
static int variant_allows(struct explainer *x, size_t v, const struct portspec_service *svc,
			  size_t z, enum portspec_direction d, enum portspec_protocol p)
{
	struct variant_state *vs = &x->v[v];
	const char *zone = portspec_zone_name(portspec_spec_zone(x->spec, z));
	const struct portspec_flow *m = NULL;
	bool names_service = strchr(variants[v].fmt, '%') != NULL;
	if (!vs->built) {
		vs->built = true;
		if (names_service) {
			if (!build_combined(x, v))
				return -1;
		} else {
			const char *extra[] = {variants[v].fmt};
			struct portspec_error err;
			if (cli_build_policy(x->po, extra, 1, x->spec, &vs->policy, &err))
				vs->policy = NULL;
		}
	}
	if (!names_service)
		return vs->policy && portspec_is_allowed(vs->policy, zone, d, p, x->port, &m) == 1 &&
		       portspec_flow_service(m) == svc;
	size_t s = cli_service_index_of(&x->index, svc);
	if (vs->how[s] == HOW_COMBINED)
		return z < 32 && (vs->cover[s][dp_slot(d, p)] >> z) & 1;
	if (vs->how[s] == HOW_REFUSED)
		return 0;
	char set[128];
	const char *extra[] = {variant_set(v, svc, set)};
	struct portspec_policy *alt = NULL;
	struct portspec_error err;
	if (cli_build_policy(x->po, extra, 1, x->spec, &alt, &err))
		return 0;
	bool ok = portspec_is_allowed(alt, zone, d, p, x->port, &m) == 1 &&
		  portspec_flow_service(m) == svc;
	portspec_policy_free(alt);
	return ok;
}

/*
 * Why is (zone z, dir, proto, port) denied although `svc` uses the port?
 * Writes the profile change that would allow it into `out`; 0 if none would,
 * -1 when out of memory.
 */
static int explain_denied(struct explainer *x, const struct portspec_service *svc, size_t z,
			  enum portspec_direction d, enum portspec_protocol p, char *out,
			  size_t size)
{
	for (size_t v = 0; v < NVARIANTS; v++) {
		int ok = variant_allows(x, v, svc, z, d, p);
		if (ok < 0)
			return -1;
		if (ok) {
			char set[128];
			snprintf(out, size, "%s%s%s%s", portspec_service_name(svc), variants[v].head,
				 variant_set(v, svc, set), variants[v].tail);
			return 1;
		}
	}
	snprintf(out, size, "the spec has no %s flow of %s with zone %s",
		 portspec_direction_name(d), portspec_service_name(svc),
		 portspec_zone_name(portspec_spec_zone(x->spec, z)));
	return 0;
}

static bool service_uses(const struct portspec_service *svc, enum portspec_protocol p,
			 unsigned port)
{
	for (size_t i = 0; i < portspec_service_port_count(svc); i++) {
		enum portspec_protocol sp;
		unsigned a, b;
		portspec_service_port(svc, i, &sp, &a, &b);
		if (sp == p && port >= a && port <= b)
			return true;
	}
	return false;
}

/* The services that use the port in either protocol, in spec order; false when out of memory. */
static bool explainer_init(struct explainer *x, const struct cli_policy_opts *po,
			   const struct portspec_spec *spec, unsigned port)
{
	*x = (struct explainer){.po = po, .spec = spec, .port = port};
	size_t n = portspec_spec_service_count(spec);
	x->cand = calloc(n ? n : 1, sizeof(*x->cand));
	if (!x->cand || !cli_service_index_init(&x->index, spec)) {
		free(x->cand);
		return false;
	}
	for (size_t s = 0; s < n; s++) {
		const struct portspec_service *svc = portspec_spec_service(spec, s);
		if (service_uses(svc, PORTSPEC_TCP, port) || service_uses(svc, PORTSPEC_UDP, port))
			x->cand[x->ncand++] = svc;
	}
	return true;
}

static void explainer_release(struct explainer *x)
{
	for (size_t v = 0; v < NVARIANTS; v++) {
		portspec_policy_free(x->v[v].policy);
		free(x->v[v].how);
		free(x->v[v].cover);
	}
	cli_service_index_release(&x->index);
	free(x->cand);
}

/* explain_port, for every zone, direction and protocol asked. */
static int explain_zones(struct explainer *x, const struct portspec_policy *policy,
			 const char *zone, enum portspec_direction dir,
			 enum portspec_protocol proto)
{
	const struct portspec_spec *spec = x->spec;
	unsigned port = x->port;
	bool any_allowed = false;
	for (size_t z = 0; z < portspec_spec_zone_count(spec); z++) {
		const char *zn = portspec_zone_name(portspec_spec_zone(spec, z));
		if (zone && strcmp(zone, zn))
			continue;
		for (int d = PORTSPEC_INBOUND; d <= PORTSPEC_OUTBOUND; d++) {
			if (dir && (int)dir != d)
				continue;
			for (int p = PORTSPEC_TCP; p <= PORTSPEC_UDP; p++) {
				if (proto && (int)proto != p)
					continue;
				const struct portspec_flow *m = NULL;
				int a = portspec_is_allowed(policy, zn, (enum portspec_direction)d,
							    (enum portspec_protocol)p, port, &m);
				const char *what = d == PORTSPEC_INBOUND ? "from" : "to";
				if (a == 1) {
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
				/* Denied.  A line for each service of the spec that uses the
				 * port and a profile change would allow; every reason when the
				 * question names zone and direction. */
				bool exact = zone && dir;
				bool header = false;
				bool used = false;
				for (size_t c = 0; c < x->ncand; c++) {
					const struct portspec_service *svc = x->cand[c];
					if (!service_uses(svc, (enum portspec_protocol)p, port))
						continue;
					used = true;
					char why[512];
					int ok = explain_denied(x, svc, z, (enum portspec_direction)d,
								(enum portspec_protocol)p, why,
								sizeof(why));
					if (ok < 0) {
						fprintf(stderr, "portspec explain: out of memory\n");
						return EXIT_IOERR;
					}
					if (!ok && !exact)
						continue;
					if (!header)
						printf("denied: %s/%u %s %s %s\n",
						       portspec_protocol_name((enum portspec_protocol)p),
						       port,
						       portspec_direction_name((enum portspec_direction)d),
						       what, zn);
					header = true;
					printf("    %s\n", why);
				}
				if (!used && exact && (proto || p == PORTSPEC_TCP)) {
					printf("denied: %s%s%u %s %s %s\n", proto ? portspec_protocol_name(proto) : "",
					       proto ? "/" : "port ", port,
					       portspec_direction_name((enum portspec_direction)d), what, zn);
					printf("    no service of the spec uses %s%s%u\n",
					       proto ? portspec_protocol_name(proto) : "", proto ? "/" : "port ",
					       port);
				}
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

static int explain_port(const struct cli_policy_opts *po, const struct portspec_spec *spec,
			const struct portspec_policy *policy, const char *zone,
			enum portspec_direction dir, enum portspec_protocol proto, unsigned port)
{
	struct explainer x;
	if (!explainer_init(&x, po, spec, port)) {
		fprintf(stderr, "portspec explain: out of memory\n");
		return EXIT_IOERR;
	}
	int rc = explain_zones(&x, policy, zone, dir, proto);
	explainer_release(&x);
	return rc;
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
	return cli_parse_port(s, port);
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{"zone", required_argument, NULL, 'z'},
		{"direction", required_argument, NULL, 'd'},
		{"proto", required_argument, NULL, 'P'},
		CLI_POLICY_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_policy_opts po = {0};
	const char *zone = NULL, *dir = NULL, *proto = NULL;
	int c, rc = EXIT_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "z:d:P:h" CLI_POLICY_SHORTOPTS, opts, NULL)) != -1) {
		int handled = cli_policy_opt(&po, c, optarg);
		if (handled < 0) {
			rc = EXIT_IOERR;
			goto out;
		}
		if (handled)
			continue;
		switch (c) {
		case 'z': zone = optarg; break;
		case 'd': dir = optarg; break;
		case 'P': proto = optarg; break;
		case 'h':
			help();
			goto out;
		default:
			rc = cli_bad_option("explain", usage, argv);
			goto out;
		}
	}
	enum portspec_direction d = dir ? portspec_direction_from_name(dir) : PORTSPEC_DIR_ANY;
	enum portspec_protocol p = proto ? portspec_protocol_from_name(proto) : PORTSPEC_PROTO_ANY;
	if (optind + 1 != argc || (dir && !d) || (proto && !p)) {
		rc = cli_usage_error("explain", usage,
				     optind + 1 != argc ? "expected one SERVICE or PORT"
				     : (dir && !d)      ? "--direction is inbound or outbound"
							: "--proto is tcp or udp");
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
	if (zone && !portspec_spec_find_zone(spec, zone)) {
		fprintf(stderr, "portspec explain: unknown zone '%s'; the zones are:", zone);
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
			rc = explain_port(&po, spec, policy, zone, d, pp, port);
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
