/* SPDX-License-Identifier: MIT */
/*
 * pf: an OpenBSD pf.conf(5) ruleset, or a fragment loaded into an anchor
 * with `pfctl -a NAME -f FILE`.
 *
 * Zones become tables (`table <inside> const { ... }`); the complement zone
 * ("outside") is `! <inside>`.  A negated *table* is one address test; a
 * list of negations such as `{ ! <a>, ! <b> }` is not: pfctl expands a list
 * into one rule per item, and every address is outside at least one of two
 * sets, so that list would match everything.  With more than one networks
 * zone the complement is therefore one table holding all of them.
 *
 * Spec strings reach the output only inside comments, filtered to printable
 * ASCII without backslashes (a trailing backslash would continue the
 * comment onto the next line and swallow a rule).
 */
#include <string.h>

#include "windows-common.h"

#define PF_TABLE_MAX	    31 /* PF_TABLE_NAME_SIZE - 1 */
#define PF_COMPLEMENT_TABLE "all-networks"
#define PF_APPLIANCE_TABLE  "appliance"
#define PF_TEXT_MAX	    240

/* Printable ASCII without the backslash. */
static const char pf_comment_chars[] = " !\"#$%&'()*+,-./:;<=>?@[]^_`{|}~";

struct pf {
	struct ps_render *r;
	struct ps_buf *out;
	const struct portspec_policy *policy;
	const struct portspec_profile *profile;
	const struct portspec_spec *spec;
	bool gateway;
	bool fragment;
	size_t networks_zones; /* how many zones of kind networks */
	const char *complement_table;
	bool ftp_proxy; /* some flow goes through ftp-proxy(8) */
};

static bool valid_ifname(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 15)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* pf macro names: letters, digits and underscores, starting with a letter. */
static void put_macro_name(struct ps_buf *b, const char *zone)
{
	ps_buf_puts(b, "if_");
	for (const char *p = zone; *p; p++)
		ps_buf_putc(b, *p == '-' ? '_' : *p);
}

static const char *zone_if(const struct pf *pf, const struct portspec_zone *zone)
{
	return pf->gateway ? portspec_profile_zone_interface(pf->profile, portspec_zone_name(zone))
			   : NULL;
}

static const char *appliance_if(const struct pf *pf)
{
	return pf->gateway ? portspec_profile_zone_interface(pf->profile, "appliance") : NULL;
}

static size_t family_count(const struct portspec_profile *profile, const char *zone, unsigned fam)
{
	size_t n = 0;
	for (size_t i = 0; i < portspec_profile_zone_address_count(profile, zone); i++)
		n += portspec_profile_zone_address(profile, zone, i)->family == fam;
	return n;
}

static size_t appliance_family_count(const struct portspec_profile *profile, unsigned fam)
{
	size_t n = 0;
	for (size_t i = 0; i < portspec_profile_appliance_count(profile); i++)
		n += portspec_profile_appliance(profile, i)->family == fam;
	return n;
}

static enum portspec_status check_names(struct pf *pf)
{
	for (size_t z = 0; z < portspec_spec_zone_count(pf->spec); z++) {
		const struct portspec_zone *zone = portspec_spec_zone(pf->spec, z);
		const char *name = portspec_zone_name(zone);
		if (portspec_zone_kind(zone) == PORTSPEC_ZONE_NETWORKS)
			pf->networks_zones++;
		if (strlen(name) > PF_TABLE_MAX)
			return ps_error_set(pf->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
					    "pf: zone name '%s' is longer than %u characters, the "
					    "longest pf table name; shorten it in the spec",
					    name, PF_TABLE_MAX);
		if (strcmp(name, PF_APPLIANCE_TABLE) == 0 || strcmp(name, PF_COMPLEMENT_TABLE) == 0)
			return ps_error_set(pf->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
					    "pf: zone name '%s' clashes with the table pf output "
					    "uses for %s; rename the zone in the spec",
					    name,
					    strcmp(name, PF_APPLIANCE_TABLE) == 0
						    ? "the appliance's addresses"
						    : "every networks zone");
		const char *ifn = zone_if(pf, zone);
		if (ifn && !valid_ifname(ifn))
			return ps_error_set(pf->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
					    "pf: interface name '%.64s' for zone %s is not a pf "
					    "interface name",
					    ifn, name);
		/* Two zone names that differ only in '-' / '_' would share a macro. */
		for (size_t y = 0; ifn && y < z; y++) {
			const struct portspec_zone *other = portspec_spec_zone(pf->spec, y);
			const char *on = portspec_zone_name(other);
			if (!zone_if(pf, other) || strlen(on) != strlen(name))
				continue;
			bool same = true;
			for (size_t i = 0; same && name[i]; i++)
				same = (name[i] == '-' ? '_' : name[i]) ==
				       (on[i] == '-' ? '_' : on[i]);
			if (same)
				return ps_error_set(
					pf->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
					"pf: zones %s and %s would share the macro name "
					"for their interface; rename one",
					on, name);
		}
	}
	const char *host_if = portspec_profile_interface(pf->profile);
	if (!pf->gateway && !valid_ifname(host_if))
		return ps_error_set(pf->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				    "pf: interface name '%.64s' is not a pf interface name",
				    host_if ? host_if : "(none)");
	if (appliance_if(pf) && !valid_ifname(appliance_if(pf)))
		return ps_error_set(
			pf->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
			"pf: appliance interface name '%.64s' is not a pf interface name",
			appliance_if(pf));
	pf->complement_table = NULL;
	if (pf->networks_zones == 1) {
		for (size_t z = 0; z < portspec_spec_zone_count(pf->spec); z++)
			if (portspec_zone_kind(portspec_spec_zone(pf->spec, z)) ==
			    PORTSPEC_ZONE_NETWORKS)
				pf->complement_table =
					portspec_zone_name(portspec_spec_zone(pf->spec, z));
	} else if (pf->networks_zones > 1) {
		pf->complement_table = PF_COMPLEMENT_TABLE;
	}
	return PORTSPEC_OK;
}

static void comment_text(struct pf *pf, const char *text)
{
	ps_text_filtered(pf->out, text, pf_comment_chars, PF_TEXT_MAX);
}

static void header(struct pf *pf)
{
	struct ps_buf *o = pf->out;
	const char *name = pf->r->name;

	ps_buf_printf(o,
		      "# pf.conf(5) %s generated by libportspec %s; do not edit, render again.\n",
		      pf->fragment ? "anchor rules" : "ruleset", portspec_version());
	ps_buf_puts(o, "# Spec: ");
	comment_text(pf, portspec_spec_name(pf->spec) ? portspec_spec_name(pf->spec) : "(unnamed)");
	if (portspec_spec_version(pf->spec)) {
		ps_buf_puts(o, " ");
		comment_text(pf, portspec_spec_version(pf->spec));
	}
	ps_buf_puts(o, " (");
	comment_text(pf, portspec_spec_filename(pf->spec));
	ps_buf_puts(o, ")\n");
	ps_buf_printf(o, "# Profile: role %s, %s\n",
		      portspec_role_name(portspec_profile_role(pf->profile)),
		      portspec_profile_uses_examples(pf->profile)
			      ? "example addresses (documentation ranges): set your own"
			      : "site addresses");
	if (pf->gateway)
		ps_buf_puts(o, "# Mode: gateway, for a pf router between the zones and the "
			       "appliance; matches the appliance's addresses.\n");
	else
		ps_buf_printf(o, "# Mode: host, for pf on the appliance itself (interface %s).\n",
			      portspec_profile_interface(pf->profile));
	if (pf->fragment) {
		ps_buf_printf(o,
			      "# Shape: fragment for the anchor \"%s\".  The main ruleset needs\n"
			      "#   anchor \"%s\"\n"
			      "# Check: pfctl -n -a %s -f FILE   Load: pfctl -a %s -f FILE\n"
			      "# Show:  pfctl -a %s -s rules\n"
			      "# Remove: pfctl -a %s -F rules; pfctl -a %s -F Tables\n",
			      name, name, name, name, name, name, name);
	} else {
		ps_buf_puts(
			o,
			"# Shape: complete ruleset: default deny, loopback skipped, IPv6\n"
			"# neighbour discovery, replies through keep state, the flows below.\n"
			"# Check: pfctl -nf FILE   Load: pfctl -f FILE   Show: pfctl -s rules\n");
	}
	size_t nw = portspec_policy_warning_count(pf->policy);
	for (size_t i = 0; i < nw; i++) {
		ps_buf_puts(o, "# Note: ");
		comment_text(pf, portspec_policy_warning(pf->policy, i));
		ps_buf_putc(o, '\n');
	}
	ps_buf_putc(o, '\n');
}

static void macros(struct pf *pf)
{
	struct ps_buf *o = pf->out;
	if (!pf->gateway) {
		ps_buf_printf(o, "ext_if = \"%s\"\n\n", portspec_profile_interface(pf->profile));
		return;
	}
	bool any = false;
	for (size_t z = 0; z < portspec_spec_zone_count(pf->spec); z++) {
		const struct portspec_zone *zone = portspec_spec_zone(pf->spec, z);
		const char *ifn = zone_if(pf, zone);
		if (!ifn)
			continue;
		put_macro_name(o, portspec_zone_name(zone));
		ps_buf_printf(o, " = \"%s\"\n", ifn);
		any = true;
	}
	if (appliance_if(pf)) {
		ps_buf_printf(o, "if_appliance = \"%s\"\n", appliance_if(pf));
		any = true;
	}
	if (!any)
		ps_buf_puts(o, "# No zone is bound to an interface: zones are matched by address\n"
			       "# on every interface.\n");
	ps_buf_putc(o, '\n');
}

static void table_line(struct pf *pf, const char *table, const struct portspec_cidr *const *list,
		       size_t n)
{
	struct ps_buf *o = pf->out;
	if (n == 0) {
		/* An empty table: nothing is in it, so its negation is everything. */
		ps_buf_printf(o, "table <%s> persist\n", table);
		return;
	}
	ps_buf_printf(o, "table <%s> const {", table);
	for (unsigned fam = 4; fam <= 6; fam += 2)
		for (size_t i = 0; i < n; i++) {
			if (list[i]->family != fam)
				continue;
			ps_buf_putc(o, ' ');
			ps_addr_cidr_format(o, list[i]);
		}
	ps_buf_puts(o, " }\n");
}

static bool zone_used(const struct pf *pf, const struct portspec_zone *zone)
{
	for (size_t i = 0; i < portspec_policy_flow_count(pf->policy); i++) {
		const struct portspec_flow *f = portspec_policy_flow(pf->policy, i);
		const struct portspec_zone *fz = portspec_flow_zone(f);
		if (fz == zone && portspec_flow_address_count(f) == 0)
			return true;
		/* The complement is written with the networks zones' table. */
		if (portspec_zone_kind(fz) == PORTSPEC_ZONE_COMPLEMENT &&
		    portspec_flow_address_count(f) == 0 &&
		    portspec_zone_kind(zone) == PORTSPEC_ZONE_NETWORKS && pf->networks_zones == 1)
			return true;
	}
	return false;
}

static enum portspec_status tables(struct pf *pf)
{
	struct ps_buf *o = pf->out;
	const struct portspec_cidr **list = NULL;
	size_t cap = 0;
	bool complement_used = false;

	for (size_t i = 0; i < portspec_policy_flow_count(pf->policy); i++) {
		const struct portspec_flow *f = portspec_policy_flow(pf->policy, i);
		if (portspec_zone_kind(portspec_flow_zone(f)) == PORTSPEC_ZONE_COMPLEMENT &&
		    portspec_flow_address_count(f) == 0)
			complement_used = true;
	}
	for (size_t z = 0; z < portspec_spec_zone_count(pf->spec); z++) {
		const char *zn = portspec_zone_name(portspec_spec_zone(pf->spec, z));
		size_t n = portspec_profile_zone_address_count(pf->profile, zn);
		cap += n;
	}
	cap += portspec_profile_appliance_count(pf->profile);
	list = cap ? ps_calloc(cap, sizeof(*list)) : NULL;
	if (cap && !list)
		return PORTSPEC_E_NOMEM;

	ps_buf_puts(o, "# Zones by address.\n");
	for (size_t z = 0; z < portspec_spec_zone_count(pf->spec); z++) {
		const struct portspec_zone *zone = portspec_spec_zone(pf->spec, z);
		const char *zn = portspec_zone_name(zone);
		if (portspec_zone_kind(zone) == PORTSPEC_ZONE_COMPLEMENT) {
			if (complement_used)
				ps_buf_printf(
					o, "# %s: every address not in <%s>, written ! <%s>\n", zn,
					pf->complement_table ? pf->complement_table
							     : PF_COMPLEMENT_TABLE,
					pf->complement_table ? pf->complement_table
							     : PF_COMPLEMENT_TABLE);
			continue;
		}
		if (!zone_used(pf, zone))
			continue;
		size_t n = portspec_profile_zone_address_count(pf->profile, zn);
		for (size_t i = 0; i < n; i++)
			list[i] = portspec_profile_zone_address(pf->profile, zn, i);
		table_line(pf, zn, list, n);
	}
	if (complement_used && pf->complement_table != NULL &&
	    strcmp(pf->complement_table, PF_COMPLEMENT_TABLE) == 0) {
		size_t n = 0;
		for (size_t z = 0; z < portspec_spec_zone_count(pf->spec); z++) {
			const struct portspec_zone *zone = portspec_spec_zone(pf->spec, z);
			const char *zn = portspec_zone_name(zone);
			if (portspec_zone_kind(zone) != PORTSPEC_ZONE_NETWORKS)
				continue;
			for (size_t i = 0; i < portspec_profile_zone_address_count(pf->profile, zn);
			     i++)
				list[n++] = portspec_profile_zone_address(pf->profile, zn, i);
		}
		table_line(pf, PF_COMPLEMENT_TABLE, list, n);
	} else if (complement_used && pf->complement_table == NULL) {
		/* No networks zone at all: the complement is everything. */
		table_line(pf, PF_COMPLEMENT_TABLE, list, 0);
		pf->complement_table = PF_COMPLEMENT_TABLE;
	}
	if (pf->gateway) {
		size_t n = portspec_profile_appliance_count(pf->profile);
		for (size_t i = 0; i < n; i++)
			list[i] = portspec_profile_appliance(pf->profile, i);
		ps_buf_puts(o, "# The appliance's own addresses.\n");
		table_line(pf, PF_APPLIANCE_TABLE, list, n);
	}
	ps_buf_putc(o, '\n');
	ps_free(list);
	return PORTSPEC_OK;
}

/* The flow's remote side for family @fam; false when it has no address there. */
static bool remote_expr(struct pf *pf, const struct portspec_flow *f, unsigned fam,
			struct ps_buf *e)
{
	size_t na = portspec_flow_address_count(f);
	const struct portspec_zone *zone = portspec_flow_zone(f);
	if (na) {
		size_t n = 0;
		for (size_t i = 0; i < na; i++)
			n += portspec_flow_address(f, i)->family == fam;
		if (!n)
			return false;
		if (n > 1)
			ps_buf_puts(e, "{ ");
		for (size_t i = 0, k = 0; i < na; i++) {
			const struct portspec_cidr *c = portspec_flow_address(f, i);
			if (c->family != fam)
				continue;
			if (k++)
				ps_buf_puts(e, ", ");
			ps_addr_cidr_format(e, c);
		}
		if (n > 1)
			ps_buf_puts(e, " }");
		return true;
	}
	if (portspec_zone_kind(zone) == PORTSPEC_ZONE_COMPLEMENT) {
		ps_buf_printf(e, "! <%s>", pf->complement_table);
		return true;
	}
	if (!family_count(pf->profile, portspec_zone_name(zone), fam))
		return false;
	ps_buf_printf(e, "<%s>", portspec_zone_name(zone));
	return true;
}

static bool local_expr(struct pf *pf, unsigned fam, struct ps_buf *e)
{
	if (!pf->gateway) {
		/* (self): every local address, kept current; unlike ($ext_if) it
		 * loads even where the interface does not exist yet. */
		ps_buf_puts(e, "(self)");
		return true;
	}
	if (!appliance_family_count(pf->profile, fam))
		return false;
	ps_buf_puts(e, "<" PF_APPLIANCE_TABLE ">");
	return true;
}

static void put_on(struct pf *pf, const char *ifn, const char *macro_zone)
{
	if (!pf->gateway) {
		ps_buf_puts(pf->out, " on $ext_if");
		return;
	}
	if (!ifn)
		return;
	ps_buf_puts(pf->out, " on $");
	put_macro_name(pf->out, macro_zone);
}

static void put_ports(struct ps_buf *o, const struct portspec_flow *f)
{
	unsigned a = portspec_flow_port_first(f), b = portspec_flow_port_last(f);
	if (a == b)
		ps_buf_printf(o, " port %u", a);
	else
		ps_buf_printf(o, " port %u:%u", a, b);
}

static const char *state_opts(const struct portspec_flow *f)
{
	return portspec_flow_protocol(f) == PORTSPEC_TCP ? " flags S/SA keep state" : " keep state";
}

/* One pass rule: direction in/out, on an interface (or none), from/to. */
static void pass_rule(struct pf *pf, const struct portspec_flow *f, const char *dir,
		      const char *ifn, const char *macro_zone, unsigned fam, const char *from,
		      const char *to, const char *tail)
{
	struct ps_buf *o = pf->out;
	ps_buf_printf(o, "pass %s quick", dir);
	put_on(pf, ifn, macro_zone);
	ps_buf_printf(o, " %s proto %s from %s to %s", fam == 4 ? "inet" : "inet6",
		      portspec_protocol_name(portspec_flow_protocol(f)), from, to);
	put_ports(o, f);
	ps_buf_puts(o, tail ? tail : state_opts(f));
	ps_buf_putc(o, '\n');
}

static bool is_ftp(const struct portspec_flow *f)
{
	const char *h = portspec_service_helper(portspec_flow_service(f));
	return h && strcmp(h, "ftp") == 0;
}

static enum portspec_status flow_rules(struct pf *pf, const struct portspec_flow *f)
{
	struct ps_buf *o = pf->out;
	const struct portspec_service *svc = portspec_flow_service(f);
	const struct portspec_zone *zone = portspec_flow_zone(f);
	const char *zn = portspec_zone_name(zone);
	bool inbound = portspec_flow_direction(f) == PORTSPEC_INBOUND;
	const char *helper = portspec_service_helper(svc);
	unsigned first = portspec_flow_port_first(f), last = portspec_flow_port_last(f);

	if (helper && strcmp(helper, "ftp") != 0)
		return ps_error_set(pf->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				    "pf: service %s needs the '%.32s' connection helper, which pf "
				    "cannot provide",
				    portspec_service_name(svc), helper);
	bool ftp = is_ftp(f) && portspec_flow_protocol(f) == PORTSPEC_TCP;

	ps_buf_printf(o, "# %s (%s): %s %s %s, %s %u", portspec_service_name(svc),
		      portspec_level_name(portspec_flow_level(f)), inbound ? "inbound" : "outbound",
		      inbound ? "from" : "to", zn,
		      portspec_protocol_name(portspec_flow_protocol(f)), first);
	if (last != first)
		ps_buf_printf(o, "-%u", last);
	if (portspec_flow_either(f))
		ps_buf_puts(o, " (servable from either zone)");
	if (portspec_service_title(svc)) {
		ps_buf_puts(o, " - ");
		comment_text(pf, portspec_service_title(svc));
	}
	ps_buf_putc(o, '\n');
	if (ftp && !pf->gateway)
		ps_buf_puts(o,
			    "# FTP: pf has no FTP helper for the host's own connections\n"
			    "# (ftp-proxy(8) serves clients behind a pf router).  This passes the\n"
			    "# control connection; data connections need the server's passive\n"
			    "# port range in a rule of their own, or use gateway mode with\n"
			    "# ftp-proxy on the router.\n");
	if (ftp && pf->gateway)
		ps_buf_puts(o, "# FTP through ftp-proxy(8): the control connection is diverted to\n"
			       "# the proxy (ftp-proxy for inet, ftp-proxy -6 for inet6), which\n"
			       "# connects to the server itself and opens the data connections in\n"
			       "# its anchor \"ftp-proxy/*\".\n");

	size_t emitted = 0;
	for (unsigned fam = 4; fam <= 6; fam += 2) {
		struct ps_buf rem, loc;
		ps_buf_init(&rem);
		ps_buf_init(&loc);
		bool ok = remote_expr(pf, f, fam, &rem) && local_expr(pf, fam, &loc);
		if (ok && (rem.failed || loc.failed)) {
			ps_buf_release(&rem);
			ps_buf_release(&loc);
			return PORTSPEC_E_NOMEM;
		}
		if (ok) {
			emitted++;
			const char *src = inbound ? rem.data : loc.data;
			const char *dst = inbound ? loc.data : rem.data;
			const char *zif = zone_if(pf, zone), *aif = appliance_if(pf);
			/* The client's side is where a connection enters the router. */
			const char *in_if = inbound ? zif : aif;
			const char *in_macro = inbound ? zn : "appliance";
			const char *out_if = inbound ? aif : zif;
			const char *out_macro = inbound ? "appliance" : zn;
			if (!pf->gateway) {
				pass_rule(pf, f, inbound ? "in" : "out", NULL, NULL, fam, src, dst,
					  NULL);
			} else if (ftp) {
				pass_rule(pf, f, "in", in_if, in_macro, fam, src, dst,
					  fam == 4 ? " divert-to 127.0.0.1 port 8021"
						   : " divert-to ::1 port 8021");
				pass_rule(pf, f, "out", out_if, out_macro, fam, "(self)", dst,
					  NULL);
			} else {
				pass_rule(pf, f, "in", in_if, in_macro, fam, src, dst, NULL);
				pass_rule(pf, f, "out", out_if, out_macro, fam, src, dst, NULL);
			}
		}
		ps_buf_release(&rem);
		ps_buf_release(&loc);
	}
	if (!emitted)
		return ps_error_set(pf->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				    "pf: the %s flow %s %s matches no address: %s; set %s",
				    portspec_service_name(svc), inbound ? "from" : "to", zn,
				    pf->gateway ? "no address family has both an appliance address "
						  "and an address of the zone"
						: "the zone has no address",
				    pf->gateway
					    ? "appliance= and the zone's addresses in the profile"
					    : "the zone's addresses in the profile");
	ps_buf_putc(o, '\n');
	return PORTSPEC_OK;
}

static enum portspec_status render_pf(struct ps_render *r)
{
	struct pf pf = {
		.r = r,
		.out = r->out,
		.policy = r->policy,
		.profile = portspec_policy_profile(r->policy),
		.spec = portspec_policy_spec(r->policy),
		.gateway = r->mode == PORTSPEC_MODE_GATEWAY,
		.fragment = (r->flags & PORTSPEC_RENDER_FRAGMENT) != 0,
	};
	enum portspec_status st = check_names(&pf);
	if (st)
		return st;
	for (size_t i = 0; i < portspec_policy_flow_count(r->policy); i++)
		if (is_ftp(portspec_policy_flow(r->policy, i)) && pf.gateway)
			pf.ftp_proxy = true;

	header(&pf);
	macros(&pf);
	st = tables(&pf);
	if (st)
		return st;
	if (!pf.fragment) {
		ps_buf_puts(r->out,
			    "set skip on lo\n"
			    "block log all\n"
			    "# IPv6 cannot work without neighbour and router discovery.\n"
			    "pass quick inet6 proto icmp6 icmp6-type { neighbrsol, neighbradv, "
			    "routersol, routeradv } no state\n");
		if (pf.ftp_proxy)
			ps_buf_puts(r->out,
				    "# Data connections of FTP sessions through ftp-proxy(8).\n"
				    "anchor \"ftp-proxy/*\"\n");
		ps_buf_putc(r->out, '\n');
	} else if (pf.ftp_proxy) {
		ps_buf_puts(r->out,
			    "# FTP: run ftp-proxy(8) on this router, and evaluate its anchor\n"
			    "# in the main ruleset:   anchor \"ftp-proxy/*\"\n\n");
	}
	for (size_t i = 0; i < portspec_policy_flow_count(r->policy); i++) {
		st = flow_rules(&pf, portspec_policy_flow(r->policy, i));
		if (st)
			return st;
	}
	ps_buf_puts(r->out, "# End of portspec rules.\n");
	return PORTSPEC_OK;
}

const struct ps_backend ps_backend_pf = {
	.name = "pf",
	.description = "OpenBSD pf.conf ruleset or anchor (tables for zones, keep state)",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_pf,
};
