/* SPDX-License-Identifier: MIT */
/*
 * pf: an OpenBSD pf.conf(5) ruleset, or a fragment loaded into an anchor
 * with `pfctl -a NAME -f FILE`, formatting the policy's plan: each entry is
 * one pass rule (in gateway mode one for the interface it enters and one for
 * the interface it leaves), with `quick`, so that the order of the entries
 * does not matter.
 *
 * Named address sets become tables (`table <inside> const { ... }`, both
 * families of one name in one table, since a rule of one family matches only
 * that family's entries); a complement is `! <inside>`: a negated *table* is
 * one address test.  Narrowing addresses are inline lists.  The host itself
 * is `(self)`.
 *
 * Spec strings reach the output only inside comments, filtered to printable
 * ASCII without backslashes (a trailing backslash would continue the
 * comment onto the next line and swallow a rule).
 */
#include <string.h>

#include "common.h"

#define PF_TABLE_MAX 31 /* PF_TABLE_NAME_SIZE - 1 */
/* The longest spec text a comment carries (ps_text_filtered()): a label list
 * of a rule stays one readable line of a few hundred bytes at most. */
#define PF_TEXT_MAX 240
/* A table's name while it is chosen: a label or zone name (PS_MAX_NAME),
 * "_servers", "_self" and a number, before the check against PF_TABLE_MAX */
#define PF_NAME_BUF 128u
/* Where ftp-proxy(8) listens by default: the control connections are
 * diverted there. */
#define PF_FTP_PROXY_PORT "8021"

/* Printable ASCII without the backslash. */
static const char pf_comment_chars[] = " !\"#$%&'()*+,-./:;<=>?@[]^_`{|}~";

/*
 * How a table holds the firewall's own addresses.  A gateway's rules are
 * about forwarded traffic only: the plan leaves the firewall's own (input,
 * output) to the ruleset around them.  pf has no forward hook, so in gateway
 * mode the remote side of every rule excludes `self`: a table of listed
 * addresses gets `!self`, the table a complement excludes gets `self`.
 * Table entries "self" and "!self" are pf.conf(5) TABLES syntax; they stand
 * for the addresses the firewall has when the ruleset is loaded.
 */
enum pf_self { PF_PLAIN, PF_NOT_SELF, PF_WITH_SELF };

/* A table: the sets of one name, at most one per family, and its self entry. */
struct pf_table {
	char name[PF_NAME_BUF + 16]; /* want and "_%u"; checked against PF_TABLE_MAX */
	const struct portspec_addrset *fam[2];
	enum pf_self self;
	const char *base; /* the label or zone it is named after */
};

struct pf {
	struct ps_render *r;
	struct ps_buf *out;
	const struct portspec_plan *plan;
	const struct portspec_spec *spec;
	bool gateway;
	bool fragment;
	struct pf_table *tables;
	size_t ntables;
	bool ftp_proxy; /* some entry goes through ftp-proxy(8) */
};

static void comment_text(struct pf *pf, const char *text)
{
	ps_text_filtered(pf->out, text, pf_comment_chars, PF_TEXT_MAX);
}

static unsigned fam_index(unsigned family)
{
	return family == 4 ? 0 : 1;
}

static bool same_set(const struct portspec_addrset *a, const struct portspec_addrset *b)
{
	return ps_ranges_equal(a->ranges, a->range_count, b->ranges, b->range_count);
}

/* How the address set @a of entry @e is written: its table's self entry. */
static enum pf_self self_of(const struct pf *pf, const struct portspec_plan_entry *e,
			    const struct portspec_addrset *a)
{
	if (!pf->gateway || a != &e->remote)
		return PF_PLAIN;
	return a->match == PORTSPEC_ADDR_NOT_IN ? PF_WITH_SELF : PF_NOT_SELF;
}

/* What a table of set @a is named after: its label, or for narrowing
 * addresses the zone. */
static const char *table_base(const struct portspec_plan_entry *e,
			      const struct portspec_addrset *a)
{
	return a->label ? a->label : portspec_zone_name(e->zone);
}

/*
 * The table of set @a of entry @e: one of the same base and self entry that
 * holds it or has room for its family, else a new one.  Named after the base,
 * with "_self" when it holds the firewall's addresses, "_servers" for
 * narrowing addresses, and a number when the name is taken.
 */
static enum portspec_status table_for(struct pf *pf, const struct portspec_plan_entry *e,
				      const struct portspec_addrset *a, const char **name)
{
	unsigned f = fam_index(a->family);
	enum pf_self self = self_of(pf, e, a);
	const char *base = table_base(e, a);
	for (size_t i = 0; i < pf->ntables; i++) {
		struct pf_table *t = &pf->tables[i];
		if (t->self == self && t->fam[f] && same_set(t->fam[f], a)) {
			*name = t->name;
			return PORTSPEC_OK;
		}
	}
	for (size_t i = 0; i < pf->ntables; i++) {
		struct pf_table *t = &pf->tables[i];
		if (t->self == self && !t->fam[f] && strcmp(t->base, base) == 0 &&
		    (t->fam[1 - f]->label != NULL) == (a->label != NULL)) {
			t->fam[f] = a;
			*name = t->name;
			return PORTSPEC_OK;
		}
	}
	struct pf_table *v = ps_reallocarray(pf->tables, pf->ntables + 1, sizeof(*v));
	if (!v)
		return ps_error_set(pf->r->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	pf->tables = v;
	struct pf_table *t = &v[pf->ntables];
	memset(t, 0, sizeof(*t));
	char want[PF_NAME_BUF];
	snprintf(want, sizeof(want), "%s%s%s", base, a->label ? "" : "_servers",
		 self == PF_WITH_SELF ? "_self" : "");
	snprintf(t->name, sizeof(t->name), "%s", want);
	for (unsigned k = 2;; k++) {
		bool taken = false;
		for (size_t i = 0; i < pf->ntables && !taken; i++)
			taken = strcmp(pf->tables[i].name, t->name) == 0;
		if (!taken)
			break;
		snprintf(t->name, sizeof(t->name), "%s_%u", want, k);
	}
	if (strlen(t->name) > PF_TABLE_MAX || strcmp(t->name, "self") == 0)
		return ps_error_set(pf->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				    "pf: the table for '%s' would be called '%s', which pf cannot "
				    "take (at most %u characters, not 'self'); rename the zone in "
				    "the spec",
				    base, t->name, PF_TABLE_MAX);
	t->fam[f] = a;
	t->self = self;
	t->base = base;
	pf->ntables++;
	*name = t->name;
	return PORTSPEC_OK;
}

/* Does the side need a table: a label, or (gateway) narrowing addresses that
 * must leave out the firewall's own? */
static bool needs_table(const struct pf *pf, const struct portspec_plan_entry *e,
			const struct portspec_addrset *a)
{
	return a->match != PORTSPEC_ADDR_ANY && (a->label || self_of(pf, e, a) != PF_PLAIN);
}

/* Every table the entries use, found before the rules so they come first. */
static enum portspec_status collect_tables(struct pf *pf)
{
	for (size_t i = 0; i < portspec_plan_entry_count(pf->plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(pf->plan, i);
		const char *name;
		enum portspec_status st;
		if (!ps_render_has(pf->r, e) || e->kind != PORTSPEC_ENTRY_FLOW)
			continue;
		if (needs_table(pf, e, &e->remote) && (st = table_for(pf, e, &e->remote, &name)))
			return st;
		if (needs_table(pf, e, &e->local) && (st = table_for(pf, e, &e->local, &name)))
			return st;
	}
	return PORTSPEC_OK;
}

static void put_tables(struct pf *pf)
{
	struct ps_buf *o = pf->out;
	if (!pf->ntables)
		return;
	ps_buf_puts(o, "# Address sets of the plan, both families of a name in one table.\n");
	if (pf->gateway)
		ps_buf_puts(o, "# Forwarded traffic only: \"!self\" leaves the firewall's own addresses\n"
			       "# out of a zone, \"self\" adds them to what a complement excludes\n"
			       "# (reload the ruleset when the firewall's addresses change).\n");
	for (size_t i = 0; i < pf->ntables; i++) {
		const struct pf_table *t = &pf->tables[i];
		ps_buf_cat(o, "table <", t->name, "> const {", NULL);
		for (unsigned f = 0; f < 2; f++)
			if (t->fam[f] && t->fam[f]->cidr_count) {
				ps_buf_putc(o, ' ');
				ps_cidr_list(o, t->fam[f]->cidrs, t->fam[f]->cidr_count, " ", "");
			}
		if (t->self != PF_PLAIN)
			ps_buf_puts(o, t->self == PF_WITH_SELF ? " self" : " !self");
		ps_buf_puts(o, " }\n");
	}
	ps_buf_putc(o, '\n');
}

/*
 * An address side of rule @e: "<inside>", "! <inside_self>", "{ a, b }",
 * "any", "(self)" for the host itself, "! (self)" for any address but the
 * firewall's in gateway mode.
 */
static void put_side(struct pf *pf, const struct portspec_plan_entry *e,
		     const struct portspec_addrset *a)
{
	struct ps_buf *o = pf->out;
	const char *table = NULL;
	if (a->match == PORTSPEC_ADDR_ANY) {
		if (a == &e->local && !pf->gateway)
			ps_buf_puts(o, "(self)");
		else
			ps_buf_puts(o, pf->gateway ? "! (self)" : "any");
		return;
	}
	if (needs_table(pf, e, a))
		table_for(pf, e, a, &table); /* found: collect_tables made them all */
	if (a->match == PORTSPEC_ADDR_NOT_IN)
		ps_buf_puts(o, "! ");
	if (table) {
		ps_buf_cat(o, "<", table, ">", NULL);
		return;
	}
	if (a->cidr_count > 1)
		ps_buf_puts(o, "{ ");
	ps_cidr_list(o, a->cidrs, a->cidr_count, ", ", "");
	if (a->cidr_count > 1)
		ps_buf_puts(o, " }");
}

/* ICMP entries: "icmp-type 8", "icmp6-type { 128, 129 }" (pf has no type ranges). */
static void put_icmp_types(struct ps_buf *o, const struct portspec_plan_entry *e)
{
	size_t n = 0;
	for (size_t i = 0; i < e->icmp_type_count; i++)
		n += e->icmp_types[i].last - e->icmp_types[i].first + 1u;
	ps_buf_cat(o, e->protocol == PORTSPEC_ICMP ? " icmp-type " : " icmp6-type ",
		   n > 1 ? "{ " : "", NULL);
	n = 0;
	for (size_t i = 0; i < e->icmp_type_count; i++)
		for (unsigned t = e->icmp_types[i].first; t <= e->icmp_types[i].last; t++) {
			if (n++)
				ps_buf_puts(o, ", ");
			ps_buf_put_uint(o, t);
		}
	if (n > 1)
		ps_buf_puts(o, " }");
}

static void put_ports(struct ps_buf *o, const struct portspec_plan_entry *e)
{
	if (ps_protocol_is_icmp(e->protocol)) {
		put_icmp_types(o, e);
		return;
	}
	ps_buf_puts(o, e->port_count > 1 ? " port { " : " port ");
	ps_port_list(o, e->ports, e->port_count, ", ", ":", "");
	if (e->port_count > 1)
		ps_buf_puts(o, " }");
}

static const char *state_opts(const struct portspec_plan_entry *e)
{
	return e->protocol == PORTSPEC_TCP ? " flags S/SA keep state" : " keep state";
}

/*
 * One pass rule for entry @e: direction "in"/"out", on @ifname (or none),
 * from the client's side to the server's.  @from_self: the source is the
 * firewall itself (ftp-proxy's own connection).
 */
static void pass_rule(struct pf *pf, const struct portspec_plan_entry *e, const char *dir,
		      const char *ifname, bool from_self, const char *tail)
{
	struct ps_buf *o = pf->out;
	bool inbound = e->direction == PORTSPEC_INBOUND;
	ps_buf_cat(o, "pass ", dir, " quick", NULL);
	if (ifname)
		ps_buf_cat(o, " on ", ifname, NULL);
	ps_buf_cat(o, e->family == 4 ? " inet proto " : " inet6 proto ",
		   e->protocol == PORTSPEC_ICMPV6 ? "icmp6" : portspec_protocol_name(e->protocol),
		   " from ", NULL);
	if (from_self)
		ps_buf_puts(o, "(self)");
	else
		put_side(pf, e, inbound ? &e->remote : &e->local);
	ps_buf_puts(o, " to ");
	put_side(pf, e, inbound ? &e->local : &e->remote);
	put_ports(o, e);
	ps_buf_puts(o, tail ? tail : state_opts(e));
	ps_buf_putc(o, '\n');
}

static bool is_ftp(const struct portspec_plan_entry *e)
{
	return e->helper && strcmp(e->helper, "ftp") == 0 && e->protocol == PORTSPEC_TCP;
}

static void entry_comment(struct pf *pf, const struct portspec_plan_entry *e)
{
	struct ps_buf labels;
	ps_buf_init(&labels);
	ps_entry_labels(&labels, e, PF_TEXT_MAX);
	ps_entry_comment_start(pf->out, "# ", e);
	comment_text(pf, labels.data ? labels.data : "");
	if (labels.len > PF_TEXT_MAX)
		ps_buf_puts(pf->out, " [...]");
	if (labels.failed)
		pf->out->failed = true;
	ps_buf_release(&labels);
	ps_buf_putc(pf->out, '\n');
}

static void flow_rules(struct pf *pf, const struct portspec_plan_entry *e)
{
	struct ps_buf *o = pf->out;
	bool ftp = is_ftp(e);

	entry_comment(pf, e);
	if (!pf->gateway) {
		pass_rule(pf, e, e->direction == PORTSPEC_INBOUND ? "in" : "out",
			  e->direction == PORTSPEC_INBOUND ? e->iif : e->oif, false, NULL);
	} else if (ftp) {
		ps_buf_puts(o, "# FTP through ftp-proxy(8): the control connection is diverted to\n"
			       "# the proxy (ftp-proxy for inet, ftp-proxy -6 for inet6), which\n"
			       "# connects to the server itself and opens the data connections in\n"
			       "# its anchor \"ftp-proxy/*\".\n");
		pass_rule(pf, e, "in", e->iif, false,
			  e->family == 4 ? " divert-to 127.0.0.1 port " PF_FTP_PROXY_PORT
					 : " divert-to ::1 port " PF_FTP_PROXY_PORT);
		pass_rule(pf, e, "out", e->oif, true, NULL);
	} else {
		pass_rule(pf, e, "in", e->iif, false, NULL);
		pass_rule(pf, e, "out", e->oif, false, NULL);
	}
	ps_buf_putc(o, '\n');
}

static enum portspec_status check_helpers(struct pf *pf)
{
	for (size_t i = 0; i < portspec_plan_entry_count(pf->plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(pf->plan, i);
		if (!e->helper || (is_ftp(e) && pf->gateway))
			continue;
		if (is_ftp(e))
			return ps_error_set(
				pf->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				"pf: service %s needs its FTP data connections tracked for the "
				"host's own connections, which pf cannot do (ftp-proxy(8) serves "
				"clients behind a pf router); render --mode gateway for a pf "
				"router, or --set disable=%s",
				portspec_service_name(ps_entry_service(e)),
				portspec_service_name(ps_entry_service(e)));
		return ps_error_set(pf->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				    "pf: service %s needs the '%.32s' connection helper, which pf "
				    "cannot provide",
				    portspec_service_name(ps_entry_service(e)),
				    e->helper);
	}
	return PORTSPEC_OK;
}

/* How to load an anchor now and at every boot, and what loading it replaces. */
static void header_fragment(struct pf *pf)
{
	const char *name = pf->r->name;
	ps_buf_printf(pf->out,
		      "# Shape: fragment for the anchor \"%s\".\n"
		      "# Replaces: only the anchor's rules and tables.\n"
		      "# Check: pfctl -n -a %s -f FILE   Load now: pfctl -a %s -f FILE\n"
		      "# Load at every boot: save FILE as /etc/pf.%s.conf and put into "
		      "/etc/pf.conf\n"
		      "#   anchor \"%s\"\n"
		      "#   load anchor \"%s\" from \"/etc/pf.%s.conf\"\n"
		      "# Show:  pfctl -a %s -s rules\n"
		      "# Remove: pfctl -a %s -F rules; pfctl -a %s -F Tables\n",
		      name, name, name, name, name, name, name, name, name, name);
}

static void header_complete(struct pf *pf)
{
	ps_buf_printf(pf->out,
		      "# Shape: complete ruleset: default deny%s, loopback skipped,\n"
		      "# IPv6 neighbour discovery, replies through keep state, the flows "
		      "below.\n",
		      pf->gateway ? " for forwarded traffic (the router's own passes)" : "");
	ps_buf_puts(pf->out,
		    pf->gateway
			    ? "# Replaces: the whole pf ruleset (every rule, table and anchor): all "
			      "other forwarded traffic is blocked and logged; the router's own "
			      "traffic passes.\n"
			    : "# Replaces: the whole pf ruleset (every rule, table and anchor): all "
			      "the host's other traffic is blocked and logged.\n");
	ps_buf_puts(pf->out, "# Check: pfctl -nf FILE   Load now: pfctl -f FILE   Show: pfctl -s "
			     "rules\n"
			     "# Load at every boot: save FILE as /etc/pf.conf (pf loads it at "
			     "startup).\n");
}

static void header(struct pf *pf)
{
	struct ps_buf *o = pf->out;
	const struct portspec_profile *profile = portspec_policy_profile(pf->r->policy);

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
		      portspec_role_name(portspec_profile_role(profile)),
		      portspec_profile_uses_examples(profile)
			      ? "example addresses (documentation ranges): set your own"
			      : "site addresses");
	if (pf->gateway)
		ps_buf_puts(o, "# Mode: gateway, for a pf router between the zones and the "
			       "appliance; matches the appliance's addresses.\n");
	else
		ps_buf_puts(o, "# Mode: host, for pf on the appliance itself.\n");
	if (pf->fragment)
		header_fragment(pf);
	else
		header_complete(pf);
	const struct portspec_plan *plan = pf->plan;
	for (size_t i = 0; i < portspec_plan_warning_count(plan); i++) {
		ps_buf_puts(o, "# Note: ");
		comment_text(pf, portspec_plan_warning(plan, i));
		ps_buf_putc(o, '\n');
	}
	ps_buf_putc(o, '\n');
}

/*
 * A complete ruleset of a router (gateway mode) leaves the router's own
 * traffic alone: what is addressed to it or sent by it, and link-local
 * multicast (224.0.0.0/24, ff02::/16: OSPF, RIP, CARP and VRRP, pfsync,
 * IGMP and MLD), which is the router's own by definition since it is never
 * forwarded: it passes in, and out only from the router (MLD also from ::,
 * during duplicate address detection), so that pf forwards none of it even
 * if the stack did; allow-opts lets IGMP and MLD carry their router-alert
 * option.
 * These come before the `from (self)` rule, which would otherwise match the
 * router's own multicast first (quick) without allow-opts.  DHCP clients and
 * servers on OpenBSD read and send through bpf(4), which pf does not filter.
 */
static void router_own(struct pf *pf)
{
	struct ps_buf *o = pf->out;
	bool in = !portspec_plan_hook_drops(pf->plan, PORTSPEC_HOOK_INPUT);
	bool out = !portspec_plan_hook_drops(pf->plan, PORTSPEC_HOOK_OUTPUT);
	if (!in && !out)
		return;
	ps_buf_puts(o, "# The router's own traffic is not part of this policy: link-local "
		       "multicast\n# (routing protocols, CARP, IGMP, MLD; never forwarded), "
		       "then what is for it or from it.\n");
	if (in)
		ps_buf_puts(o, "pass in quick inet to 224.0.0.0/24 allow-opts no state\n"
			       "pass in quick inet6 to ff02::/16 allow-opts no state\n");
	if (out)
		ps_buf_puts(o, "pass out quick inet from (self) to 224.0.0.0/24 allow-opts no state\n"
			       "pass out quick inet6 from { (self), :: } to ff02::/16 allow-opts no "
			       "state\n");
	if (in)
		ps_buf_puts(o, "pass in quick to (self) keep state\n");
	if (out)
		ps_buf_puts(o, "pass out quick from (self) keep state\n");
}

/* The baseline: loopback, what a complete ruleset drops, and neighbour discovery. */
static void baseline(struct pf *pf)
{
	struct ps_buf *o = pf->out;
	bool nd = false;
	for (size_t i = 0; i < portspec_plan_entry_count(pf->plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(pf->plan, i);
		nd |= e->kind == PORTSPEC_ENTRY_NEIGHBOR_DISCOVERY && ps_render_has(pf->r, e);
	}
	if (!pf->fragment) {
		/* log=drops: pf logs blocked packets to pflog0 (no rate limit) */
		ps_buf_puts(o, portspec_plan_log_prefix(pf->plan, pf->gateway ? PORTSPEC_HOOK_FORWARD
									       : PORTSPEC_HOOK_INPUT)
				       ? "set skip on lo\nblock log all\n"
				       : "set skip on lo\nblock all\n");
		ps_buf_puts(o, "# ICMP errors of a connection (packet too big, fragmentation needed\n"
			       "# included) pass with its state: pf matches them to the state entry.\n");
		router_own(pf);
		nd |= pf->gateway; /* the router's own interfaces */
	}
	/* To and from this host only (its addresses, the link-local multicast
	 * groups, the unspecified source of duplicate address detection): never
	 * forwarded. */
	if (nd)
		ps_buf_puts(o, "# IPv6 cannot work without neighbour and router discovery.\n"
			       "pass in quick inet6 proto icmp6 from any to { (self), ff02::/16 } "
			       "icmp6-type { neighbrsol, neighbradv, routersol, routeradv } no state\n"
			       "pass out quick inet6 proto icmp6 from { (self), :: } to any "
			       "icmp6-type { neighbrsol, neighbradv, routersol, routeradv } no state\n");
	if (pf->ftp_proxy)
		ps_buf_puts(o, pf->fragment
				       ? "# FTP: run ftp-proxy(8) on this router, and evaluate its "
					 "anchor\n# in the main ruleset:   anchor \"ftp-proxy/*\"\n"
				       : "# Data connections of FTP sessions through ftp-proxy(8).\n"
					 "anchor \"ftp-proxy/*\"\n");
	ps_buf_putc(o, '\n');
}

static enum portspec_status render_pf(struct ps_render *r)
{
	struct pf pf = {
		.r = r,
		.out = r->out,
		.plan = ps_render_plan(r),
		.spec = portspec_policy_spec(r->policy),
		.gateway = r->mode == PORTSPEC_MODE_GATEWAY,
		.fragment = (r->flags & PORTSPEC_RENDER_FRAGMENT) != 0,
	};
	enum portspec_status st = check_helpers(&pf);
	if (!st)
		st = collect_tables(&pf);
	if (st) {
		ps_free(pf.tables);
		return st;
	}
	for (size_t i = 0; i < portspec_plan_entry_count(pf.plan); i++)
		pf.ftp_proxy |= pf.gateway && is_ftp(portspec_plan_entry(pf.plan, i));
	header(&pf);
	put_tables(&pf);
	baseline(&pf);
	for (size_t i = 0; i < portspec_plan_entry_count(pf.plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(pf.plan, i);
		if (e->kind == PORTSPEC_ENTRY_FLOW && ps_render_has(r, e))
			flow_rules(&pf, e);
	}
	ps_buf_puts(r->out, "# End of portspec rules.\n");
	ps_free(pf.tables);
	return PORTSPEC_OK;
}

const struct ps_backend ps_backend_pf = {
	.name = "pf",
	.kind = PORTSPEC_BACKEND_RULES,
	.description = "OpenBSD pf.conf ruleset or anchor (tables for zones, keep state)",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_pf,
};
