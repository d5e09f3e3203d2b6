/* SPDX-License-Identifier: MIT */
/*
 * An `nft -f` file: one `table inet` for IPv4 and IPv6 alike.  Zone
 * networks, peers and the appliance's addresses are named interval sets
 * (<zone>_v4, <zone>_v6, appliance_v4, appliance_v6); the ports of each rule
 * are a named set whose elements name their service and level.  The
 * complement zone ("outside") is `ip saddr != @inside_v4` for every networks
 * zone.  Conntrack helpers are `ct helper` objects assigned explicitly with
 * `ct helper set`.  The file deletes and recreates its table, so loading it
 * again replaces it atomically and touches no other table.
 */
#include <string.h>

#include "common.h"

#define NFT_MAX_COMMENT 127u /* NFTNL_UDATA_COMMENT_MAXLEN - 1 */
#define NFT_MAX_ELEMENTS 4096u

struct nft_ctx {
	struct ps_render *r;
	const struct portspec_profile *profile;
	const struct portspec_spec *spec;
	bool fragment;
	bool gateway;
	struct ps_buf objects;  /* ct helpers and sets */
	struct ps_buf in;       /* rules of the input chain (or the fragment / forward chain) */
	struct ps_buf out;      /* rules of the output chain */
	struct ps_buf helpers_in;
	struct ps_buf helpers_out;
};

/*
 * Words nft 1.0 reads as keywords where a table or chain name is expected
 * (and does not accept quoted there): a fragment or table name must not be
 * one of them.
 */
static const char *const nft_keywords[] = {
	"accept", "add", "ah", "all", "arp", "bridge", "cgroup", "chain", "comment", "comp",
	"constant", "continue", "counter", "cpu", "create", "ct", "day", "dccp", "define",
	"delete", "describe", "device", "devices", "dnat", "drop", "dup", "dynamic", "ecn",
	"element", "elements", "esp", "ether", "export", "fib", "flags", "flow", "flowtable",
	"flush", "frag", "fwd", "gc-interval", "goto", "handle", "hook", "hour", "icmp",
	"icmpv6", "iif", "iifname", "import", "include", "index", "inet", "insert", "interval",
	"ip", "ip6", "jhash", "jump", "limit", "list", "log", "map", "mark", "masquerade",
	"meta", "monitor", "netdev", "notrack", "numgen", "offload", "oif", "oifname", "osf",
	"policy", "position", "priority", "queue", "quota", "redefine", "redirect", "reject",
	"replace", "reset", "return", "rt", "rule", "ruleset", "sctp", "secmark", "set",
	"size", "snat", "socket", "symhash", "synproxy", "table", "tcp", "th", "time",
	"timeout", "tproxy", "type", "udp", "udplite", "undefine", "vlan", "vmap",
};

static bool nft_keyword(const char *name)
{
	for (size_t i = 0; i < sizeof(nft_keywords) / sizeof(nft_keywords[0]); i++)
		if (strcmp(nft_keywords[i], name) == 0)
			return true;
	return false;
}

static struct ps_buf *rules_for(struct nft_ctx *x, enum portspec_direction dir, bool helper)
{
	bool in = x->fragment || x->gateway || dir == PORTSPEC_INBOUND;
	if (helper)
		return in ? &x->helpers_in : &x->helpers_out;
	return in ? &x->in : &x->out;
}

static bool valid_set_base(const char *name)
{
	return (name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z');
}

/* One address set: @name_v4 or @name_v6 with the addresses of that family. */
static void put_address_set(struct nft_ctx *x, const char *name, int family,
			    const struct portspec_cidr *(*get)(const void *, size_t),
			    const void *arg, size_t n)
{
	struct ps_buf *b = &x->objects;
	size_t done = 0;

	ps_buf_printf(b, "\tset %s_v%d {\n\t\ttype %s\n\t\tflags interval\n", name, family,
		      family == 4 ? "ipv4_addr" : "ipv6_addr");
	for (size_t i = 0; i < n; i++) {
		const struct portspec_cidr *c = get(arg, i);
		char buf[64];
		if (c->family != family)
			continue;
		portspec_cidr_format(c, buf, sizeof(buf));
		ps_buf_printf(b, "%s%s", done ? ", " : "\t\telements = { ", buf);
		done++;
	}
	if (done)
		ps_buf_puts(b, " }\n");
	ps_buf_puts(b, "\t}\n\n");
}

struct zone_ref {
	const struct portspec_profile *profile;
	const char *zone;
};

static const struct portspec_cidr *get_zone_address(const void *ref, size_t i)
{
	const struct zone_ref *z = ref;
	return portspec_profile_zone_address(z->profile, z->zone, i);
}

static const struct portspec_cidr *get_appliance(const void *profile, size_t i)
{
	return portspec_profile_appliance(profile, i);
}

static enum portspec_status put_zone_sets(struct nft_ctx *x)
{
	for (size_t z = 0; z < portspec_spec_zone_count(x->spec); z++) {
		const struct portspec_zone *zone = portspec_spec_zone(x->spec, z);
		const char *name = portspec_zone_name(zone);
		struct zone_ref ref = {x->profile, name};
		size_t n;

		if (portspec_zone_kind(zone) == PORTSPEC_ZONE_COMPLEMENT)
			continue;
		if (!valid_set_base(name) || strcmp(name, "appliance") == 0)
			return ps_error_set(x->r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
					    "nft: zone '%s' cannot name an nft set; for this "
					    "backend zone names start with a letter and are not "
					    "'appliance'", name);
		n = portspec_profile_zone_address_count(x->profile, name);
		put_address_set(x, name, 4, get_zone_address, &ref, n);
		put_address_set(x, name, 6, get_zone_address, &ref, n);
	}
	if (x->gateway) {
		size_t n = portspec_profile_appliance_count(x->profile);
		put_address_set(x, "appliance", 4, get_appliance, x->profile, n);
		put_address_set(x, "appliance", 6, get_appliance, x->profile, n);
	}
	return PORTSPEC_OK;
}

/* Helpers the policy uses, one object each, named after the helper. */
static void put_helpers(struct nft_ctx *x)
{
	size_t n = portspec_policy_flow_count(x->r->policy);
	for (size_t i = 0; i < n; i++) {
		const struct portspec_flow *f = portspec_policy_flow(x->r->policy, i);
		const char *h = portspec_service_helper(portspec_flow_service(f));
		enum portspec_protocol p = portspec_flow_protocol(f);
		bool seen = false;
		if (!h)
			continue;
		for (size_t j = 0; j < i && !seen; j++) {
			const struct portspec_flow *g = portspec_policy_flow(x->r->policy, j);
			const char *hg = portspec_service_helper(portspec_flow_service(g));
			seen = hg && strcmp(hg, h) == 0 && portspec_flow_protocol(g) == p;
		}
		if (seen)
			continue;
		ps_buf_printf(&x->objects,
			      "\tct helper %s-%s {\n\t\ttype \"%s\" protocol %s\n\t\tl3proto inet\n"
			      "\t}\n\n",
			      h, portspec_protocol_name(p), h, portspec_protocol_name(p));
	}
}

/* A chunk of a group: the flows of one rule and its port set. */
struct nft_chunk {
	size_t start, count; /* into the group's flows */
};

static const char *flow_helper(const struct portspec_flow *f)
{
	return portspec_service_helper(portspec_flow_service(f));
}

/*
 * The services of the flows [start, start + count) (only those with @helper,
 * if given) as "name level, ..." into @labels.  It stops as soon as the text
 * is longer than an nft comment may be, so a large chunk costs no more than
 * a small one; returns whether the text fits.
 */
static bool collect_labels(struct ps_buf *labels, const struct ps_flow_group *g, size_t start,
			   size_t count, const char *helper)
{
	for (size_t i = start; i < start + count && labels->len <= NFT_MAX_COMMENT; i++) {
		const struct portspec_service *svc = portspec_flow_service(g->flows[i]);
		bool seen = false;
		if (helper) {
			const char *h = flow_helper(g->flows[i]);
			if (!h || strcmp(h, helper) != 0)
				continue;
		}
		for (size_t j = start; j < i && !seen; j++)
			seen = portspec_flow_service(g->flows[j]) == svc;
		if (!seen)
			ps_label_add(labels, g->flows[i]);
	}
	return labels->len <= NFT_MAX_COMMENT;
}

/*
 * comment "smtp required, smtps optional", or, when the names do not fit in
 * an nft comment, @what with the number of flows ("12 flows, services in set
 * in_outside_tcp"): the set elements still name their services.
 */
static void put_labels(struct ps_buf *b, const struct ps_flow_group *g, size_t start,
		       size_t count, const char *helper, const char *what)
{
	struct ps_buf labels;
	ps_buf_init(&labels);
	bool fits = collect_labels(&labels, g, start, count, helper);
	if (labels.failed)
		b->failed = true;
	else if (fits)
		ps_buf_printf(b, "comment \"%s\"", labels.data ? labels.data : "");
	else
		ps_buf_printf(b, "comment \"%zu flows%s\"", count, what);
	ps_buf_release(&labels);
}

/*
 * The next chunk of @g from @start: at most NFT_MAX_ELEMENTS flows, so that a
 * group is one rule and one set however many services it has.  Overlapping
 * ranges are merged into one set element (the flows of a group all accept).
 */
static size_t chunk_end(const struct ps_flow_group *g, size_t start)
{
	return g->count - start > NFT_MAX_ELEMENTS ? start + NFT_MAX_ELEMENTS : g->count;
}

/* The port set of a chunk: one element per range (overlapping ones merged), commented with its services. */
static void put_port_set(struct nft_ctx *x, const char *setname, const struct ps_flow_group *g,
			 size_t start, size_t end)
{
	struct ps_buf *b = &x->objects;
	ps_buf_printf(b, "\tset %s {\n\t\ttype inet_service\n\t\tflags interval\n\t\telements = { ",
		      setname);
	for (size_t i = start; i < end;) {
		unsigned first = portspec_flow_port_first(g->flows[i]);
		unsigned last = portspec_flow_port_last(g->flows[i]);
		size_t j = i + 1;
		/* flows are sorted by first port: merge every range that overlaps */
		while (j < end && portspec_flow_port_first(g->flows[j]) <= last) {
			if (portspec_flow_port_last(g->flows[j]) > last)
				last = portspec_flow_port_last(g->flows[j]);
			j++;
		}
		if (i > start)
			ps_buf_puts(b, ",\n\t\t\t     ");
		if (first == last)
			ps_buf_printf(b, "%u ", first);
		else
			ps_buf_printf(b, "%u-%u ", first, last);
		/* The element comment: the services of this range. */
		put_labels(b, g, i, j - i, NULL, "");
		i = j;
	}
	ps_buf_puts(b, " }\n\t}\n\n");
}

static void put_range(struct ps_buf *b, size_t n, unsigned first, unsigned last)
{
	if (first == last)
		ps_buf_printf(b, "%s%u", n ? ", " : "", first);
	else
		ps_buf_printf(b, "%s%u-%u", n ? ", " : "", first, last);
}

/* "tcp dport { 21, 990 }" for the flows of a chunk with @helper, overlaps merged. */
static void put_helper_ports(struct ps_buf *b, const struct ps_flow_group *g, size_t start,
			     size_t end, const char *helper)
{
	size_t n = 0;
	bool open = false;
	unsigned cf = 0, cl = 0;
	struct ps_buf list;
	ps_buf_init(&list);
	for (size_t i = start; i < end; i++) {
		const char *h = portspec_service_helper(portspec_flow_service(g->flows[i]));
		unsigned first = portspec_flow_port_first(g->flows[i]);
		unsigned last = portspec_flow_port_last(g->flows[i]);
		if (!h || strcmp(h, helper) != 0)
			continue;
		if (open && first <= cl) {
			if (last > cl)
				cl = last;
			continue;
		}
		if (open)
			put_range(&list, n++, cf, cl);
		cf = first;
		cl = last;
		open = true;
	}
	if (open)
		put_range(&list, n++, cf, cl);
	if (list.failed)
		b->failed = true;
	else if (n == 1)
		ps_buf_printf(b, "%s dport %s ",
			      portspec_protocol_name(portspec_flow_protocol(g->flows[start])),
			      list.data);
	else
		ps_buf_printf(b, "%s dport { %s } ",
			      portspec_protocol_name(portspec_flow_protocol(g->flows[start])),
			      list.data);
	ps_buf_release(&list);
}

/* The match of a rule before its ports, for family 4, 6, or 0 (no address match needed). */
static void put_match(struct nft_ctx *x, struct ps_buf *b, const struct ps_flow_group *g,
		      int family)
{
	const struct portspec_flow *head = g->flows[0];
	const struct portspec_zone *zone = portspec_flow_zone(head);
	bool inbound = portspec_flow_direction(head) == PORTSPEC_INBOUND;
	const char *bound = ps_zone_bound_interface(x->r, zone);
	const char *zone_if = bound ? bound
			      : x->gateway ? NULL : portspec_profile_interface(x->profile);
	const char *app_if =
		x->gateway ? portspec_profile_zone_interface(x->profile, "appliance") : NULL;
	const char *ip = family == 4 ? "ip" : "ip6";
	const char *zone_side = inbound ? "saddr" : "daddr";
	const char *app_side = inbound ? "daddr" : "saddr";
	size_t nserv = portspec_flow_address_count(head);

	const char *in_if = inbound ? zone_if : app_if;
	const char *out_if = inbound ? app_if : zone_if;
	if (in_if)
		ps_buf_printf(b, "iifname \"%s\" ", in_if);
	if (out_if)
		ps_buf_printf(b, "oifname \"%s\" ", out_if);
	if (!family)
		return;
	if (nserv) {
		size_t n = 0;
		ps_buf_printf(b, "%s %s { ", ip, zone_side);
		for (size_t i = 0; i < nserv; i++) {
			const struct portspec_cidr *c = portspec_flow_address(head, i);
			char buf[64];
			if (c->family != family)
				continue;
			portspec_cidr_format(c, buf, sizeof(buf));
			ps_buf_printf(b, "%s%s", n++ ? ", " : "", buf);
		}
		ps_buf_puts(b, " } ");
	} else if (!bound || portspec_zone_kind(zone) == PORTSPEC_ZONE_PEERS) {
		/* A bound interface is the zone; peers stay their addresses behind it. */
		if (portspec_zone_kind(zone) == PORTSPEC_ZONE_COMPLEMENT) {
			for (size_t z = 0; z < portspec_spec_zone_count(x->spec); z++) {
				const struct portspec_zone *nz = portspec_spec_zone(x->spec, z);
				if (portspec_zone_kind(nz) == PORTSPEC_ZONE_NETWORKS)
					ps_buf_printf(b, "%s %s != @%s_v%d ", ip, zone_side,
						      portspec_zone_name(nz), family);
			}
		} else {
			ps_buf_printf(b, "%s %s @%s_v%d ", ip, zone_side, portspec_zone_name(zone),
				      family);
		}
	}
	if (x->gateway)
		ps_buf_printf(b, "%s %s @appliance_v%d ", ip, app_side, family);
}

static size_t servers_of_family(const struct portspec_flow *f, int family)
{
	size_t n = 0;
	for (size_t i = 0; i < portspec_flow_address_count(f); i++)
		n += portspec_flow_address(f, i)->family == family;
	return n;
}


/* "comment "ftp optional"" for the flows of a chunk with @helper. */

/*
 * The rules of one chunk for @family (0: no address match): the helper
 * assignments first, since they must precede the accept, then the accept.
 */
static void put_chunk_rules(struct nft_ctx *x, const struct ps_flow_group *g, size_t start,
			    size_t end, const char *setname, int family)
{
	const struct portspec_flow *head = g->flows[0];
	enum portspec_direction dir = portspec_flow_direction(head);
	const char *proto = portspec_protocol_name(portspec_flow_protocol(head));

	if (portspec_flow_address_count(head) && !servers_of_family(head, family)) {
		ps_buf_printf(rules_for(x, dir, false),
			      "\t\t# %s %s %s: the profile names no IPv%d servers\n",
			      dir == PORTSPEC_INBOUND ? "inbound from" : "outbound to",
			      portspec_zone_name(portspec_flow_zone(head)), setname, family);
		return;
	}
	for (size_t i = start; i < end; i++) {
		const char *h = flow_helper(g->flows[i]);
		bool seen = false;
		if (!h)
			continue;
		for (size_t j = start; j < i; j++) {
			const char *hj = flow_helper(g->flows[j]);
			seen |= hj && strcmp(hj, h) == 0;
		}
		if (seen)
			continue;
		struct ps_buf *hb = rules_for(x, dir, true);
		ps_buf_puts(hb, "\t\t");
		put_match(x, hb, g, family);
		put_helper_ports(hb, g, start, end, h);
		ps_buf_printf(hb, "ct state new ct helper set \"%s-%s\" ", h, proto);
		put_labels(hb, g, start, end - start, h, " with this helper");
		ps_buf_putc(hb, '\n');
	}
	struct ps_buf *rb = rules_for(x, dir, false);
	ps_buf_puts(rb, "\t\t");
	put_match(x, rb, g, family);
	ps_buf_printf(rb, "%s dport @%s ct state new accept ", proto, setname);
	char what[96];
	snprintf(what, sizeof(what), ", services in set %s", setname);
	put_labels(rb, g, start, end - start, NULL, what);
	ps_buf_putc(rb, '\n');
}

static void render_group(struct nft_ctx *x, const struct ps_flow_group *g, size_t *set_counter)
{
	const struct portspec_flow *head = g->flows[0];
	const char *dir = portspec_flow_direction(head) == PORTSPEC_INBOUND ? "in" : "out";
	const struct portspec_zone *zone = portspec_flow_zone(head);
	const char *proto = portspec_protocol_name(portspec_flow_protocol(head));
	bool bound = ps_zone_bound_interface(x->r, zone) != NULL;
	/* Addresses need one rule per family; interfaces alone do not. */
	bool split = x->gateway || portspec_flow_address_count(head) || !bound ||
		     portspec_zone_kind(zone) == PORTSPEC_ZONE_PEERS;
	size_t nchunk = 0;

	for (size_t start = 0; start < g->count;) {
		size_t end = chunk_end(g, start);
		char setname[160];
		size_t n;

		n = (size_t)snprintf(setname, sizeof(setname), "%s_%s_%s", dir,
				     portspec_zone_name(zone), proto);
		if (nchunk++)
			n += (size_t)snprintf(setname + n, sizeof(setname) - n, "_%zu", nchunk);
		/* Several groups of the same direction, zone and protocol (narrowed to
		 * different servers) need distinct set names. */
		if (portspec_flow_address_count(head))
			snprintf(setname + n, sizeof(setname) - n, "_s%zu", ++*set_counter);
		put_port_set(x, setname, g, start, end);
		if (split) {
			put_chunk_rules(x, g, start, end, setname, 4);
			put_chunk_rules(x, g, start, end, setname, 6);
		} else {
			put_chunk_rules(x, g, start, end, setname, 0);
		}
		start = end;
	}
}

static void put_base_rules(struct nft_ctx *x, struct ps_buf *b, bool input)
{
	if (!x->fragment && !x->gateway)
		ps_buf_printf(b, "\t\t%s \"lo\" accept comment \"loopback\"\n",
			      input ? "iifname" : "oifname");
	ps_buf_puts(b, "\t\tct state established,related accept comment "
		       "\"replies and related connections (ftp data, icmp errors)\"\n");
	/* Neighbour discovery is untracked: without it the appliance's IPv6
	 * stops when its neighbour cache expires, fragment or not. */
	if (!x->gateway)
		ps_buf_puts(b, "\t\ticmpv6 type { nd-router-solicit, nd-router-advert, "
			       "nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept "
			       "comment \"IPv6 neighbour discovery\"\n");
}

static void put_chain(struct nft_ctx *x, const char *name, const char *hook, const char *policy,
		      struct ps_buf *helpers, struct ps_buf *rules, bool input)
{
	struct ps_buf *b = x->r->out;
	ps_buf_printf(b, "\tchain %s {\n", name);
	if (hook)
		ps_buf_printf(b, "\t\ttype filter hook %s priority filter; policy %s;\n", hook,
			      policy);
	if (rules) {
		put_base_rules(x, b, input);
		if (helpers->len)
			ps_buf_add(b, helpers->data, helpers->len);
		if (rules->len)
			ps_buf_add(b, rules->data, rules->len);
	}
	ps_buf_puts(b, "\t}\n");
}

static void put_hook_help(struct nft_ctx *x)
{
	const char *n = x->r->name;
	struct ps_buf *b = x->r->out;
	ps_buf_printf(b,
		      "# The chain %s in table inet %s accepts the policy's flows and returns the\n"
		      "# rest.  nft jumps only within a table: hook it with base chains in the\n"
		      "# same table, in a file that includes this one, e.g.\n"
		      "#   include \"/etc/nftables.d/%s.nft\"\n"
		      "#   table inet %s {\n",
		      n, n, n, n);
	if (x->gateway)
		ps_buf_printf(b, "#     chain forward {\n"
				 "#       type filter hook forward priority filter; policy drop;\n"
				 "#       jump %s\n#     }\n", n);
	else
		ps_buf_printf(b, "#     chain input {\n"
				 "#       type filter hook input priority filter; policy drop;\n"
				 "#       iifname \"lo\" accept\n#       jump %s\n#     }\n"
				 "#     chain output {\n"
				 "#       type filter hook output priority filter; policy drop;\n"
				 "#       oifname \"lo\" accept\n#       jump %s\n#     }\n", n, n);
	ps_buf_puts(b, "#   }\n");
}

static enum portspec_status render_nft(struct ps_render *r)
{
	struct nft_ctx x = {
		.r = r,
		.profile = portspec_policy_profile(r->policy),
		.spec = portspec_policy_spec(r->policy),
		.fragment = (r->flags & PORTSPEC_RENDER_FRAGMENT) != 0,
		.gateway = r->mode == PORTSPEC_MODE_GATEWAY,
	};
	struct ps_flow_groups groups = {0};
	enum portspec_status st;
	size_t set_counter = 0;

	ps_buf_init(&x.objects);
	ps_buf_init(&x.in);
	ps_buf_init(&x.out);
	ps_buf_init(&x.helpers_in);
	ps_buf_init(&x.helpers_out);
	if ((st = ps_linux_check(r, "nft")))
		goto out;
	if (nft_keyword(r->name)) {
		st = ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				  "nft: '%s' is an nft keyword and cannot name the table or chain; "
				  "choose another --name", r->name);
		goto out;
	}
	if (!ps_flow_groups_build(r->policy, &groups)) {
		st = ps_error_set(r->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
		goto out;
	}
	put_helpers(&x);
	if ((st = put_zone_sets(&x)))
		goto out;
	for (size_t i = 0; i < groups.count; i++)
		render_group(&x, &groups.groups[i], &set_counter);
	if (x.objects.failed || x.in.failed || x.out.failed || x.helpers_in.failed ||
	    x.helpers_out.failed) {
		st = ps_error_set(r->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
		goto out;
	}

	char what[160];
	snprintf(what, sizeof(what), "nft -f input (table inet %s, IPv4 and IPv6), %s mode, %s",
		 r->name, x.gateway ? "gateway" : "host",
		 x.fragment ? "fragment (a regular chain)" : "complete ruleset");
	ps_render_header(r, "# ", what);
	if (x.fragment)
		put_hook_help(&x);
	else if (x.gateway)
		ps_buf_puts(r->out, "# The firewall's own traffic (input, output) is not part of "
				    "this policy; this table leaves it alone.\n");
	ps_buf_printf(r->out, "\n# Loading this file replaces the table inet %s atomically.\n"
			      "table inet %s\ndelete table inet %s\n\ntable inet %s {\n",
		      r->name, r->name, r->name, r->name);
	ps_buf_add(r->out, x.objects.data ? x.objects.data : "", x.objects.len);
	if (x.fragment) {
		put_chain(&x, r->name, NULL, NULL, &x.helpers_in, &x.in, true);
	} else if (x.gateway) {
		put_chain(&x, "forward", "forward", "drop", &x.helpers_in, &x.in, true);
	} else {
		put_chain(&x, "input", "input", "drop", &x.helpers_in, &x.in, true);
		ps_buf_putc(r->out, '\n');
		put_chain(&x, "forward", "forward", "drop", NULL, NULL, false);
		ps_buf_putc(r->out, '\n');
		put_chain(&x, "output", "output", "drop", &x.helpers_out, &x.out, false);
	}
	ps_buf_puts(r->out, "}\n");
out:
	ps_flow_groups_release(&groups);
	ps_buf_release(&x.objects);
	ps_buf_release(&x.in);
	ps_buf_release(&x.out);
	ps_buf_release(&x.helpers_in);
	ps_buf_release(&x.helpers_out);
	return st;
}

const struct ps_backend ps_backend_nft = {
	.name = "nft",
	.description = "an nft -f file: table inet for IPv4 and IPv6, named sets for zones and "
		       "ports, ct helper objects; complete ruleset or a chain",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_nft,
};
