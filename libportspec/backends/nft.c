/* SPDX-License-Identifier: MIT */
/*
 * An `nft -f` file: one `table inet` for IPv4 and IPv6 alike, formatting the
 * policy's plan.  Each plan entry is one rule.  Address sets the plan names
 * (zones, the networks a complement excludes, the appliance) are named
 * interval sets (inside_v4, appliance_v6, ...), narrowing addresses are
 * anonymous sets, and the ports of each rule are a named set whose elements
 * name their services.  A complement is `ip saddr != @inside_v4`.  Helper
 * entries assign their conntrack helper (a `ct helper` object) in the rule
 * that accepts them.  The file deletes and recreates its table, so loading
 * it again replaces it atomically and touches no other table.
 */
#include <string.h>

#include "common.h"

#define NFT_MAX_COMMENT 127u /* NFTNL_UDATA_COMMENT_MAXLEN - 1 */
#define NFT_MAX_ELEMENTS 4096u
#define NFT_MAX_SET_NAME 200u
/* A chain name: a hook name or "NAME-out" (NAME: the fragment name, at most 28) */
#define NFT_CHAIN_BUF 64u

/* A named set written once and referred to by its rules. */
struct nft_set {
	char name[NFT_MAX_SET_NAME];
	const struct portspec_addrset *addr;   /* an address set, or */
	const struct portspec_plan_entry *ports; /* the ports of an entry */
	size_t first, count;                     /* the chunk of ports */
};

struct nft_ctx {
	struct ps_render *r;
	const struct portspec_plan *plan;
	bool fragment;
	struct ps_buf objects; /* ct helpers and sets */
	struct ps_buf chains[PS_HOOK_SLOTS]; /* rules by hook */
	struct nft_set *sets;
	size_t nsets, cap;
	bool failed;
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

static const char *ip_word(unsigned family)
{
	return family == 4 ? "ip" : "ip6";
}

/* The chain names: host fragments have one chain per direction. */
static void chain_name(const struct nft_ctx *x, enum portspec_hook hook, char *buf, size_t size)
{
	const char *n = x->r->name;
	if (!x->fragment)
		snprintf(buf, size, "%s", portspec_hook_name(hook));
	else if (hook == PORTSPEC_HOOK_FORWARD)
		snprintf(buf, size, "%s", n);
	else
		snprintf(buf, size, "%s-%s", n, hook == PORTSPEC_HOOK_INPUT ? "in" : "out");
}

static bool same_addrs(const struct portspec_addrset *a, const struct portspec_addrset *b)
{
	return a->family == b->family &&
	       ps_ranges_equal(a->ranges, a->range_count, b->ranges, b->range_count);
}

static bool same_chunk(const struct nft_set *s, const struct portspec_plan_entry *e, size_t first,
		       size_t count)
{
	if (!s->ports || s->count != count)
		return false;
	if (s->ports == e && s->first == first)
		return true;
	for (size_t i = 0; i < count; i++) {
		const struct portspec_plan_port *a = &s->ports->ports[s->first + i];
		const struct portspec_plan_port *b = &e->ports[first + i];
		if (a->first != b->first || a->last != b->last || a->flow_count != b->flow_count ||
		    memcmp(a->flows, b->flows, a->flow_count * sizeof(*a->flows)) != 0)
			return false;
	}
	return true;
}

static bool name_taken(const struct nft_ctx *x, const char *name)
{
	for (size_t i = 0; i < x->nsets; i++)
		if (strcmp(x->sets[i].name, name) == 0)
			return true;
	return false;
}

/* A new set named @base, or @base_2, @base_3... if another set has that name. */
static struct nft_set *set_new(struct nft_ctx *x, const char *base)
{
	if (x->nsets == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct nft_set *v = ps_reallocarray(x->sets, cap, sizeof(*v));
		if (!v) {
			x->failed = true;
			return NULL;
		}
		x->sets = v;
		x->cap = cap;
	}
	struct nft_set *s = &x->sets[x->nsets];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", base);
	for (unsigned k = 2; name_taken(x, s->name); k++)
		snprintf(s->name, sizeof(s->name), "%s_%u", base, k);
	x->nsets++;
	return s;
}

/*
 * Sets are found by index: the array moves as it grows, so a name is read
 * from it only where it is printed.
 */
static const char *set_name(const struct nft_ctx *x, size_t i)
{
	return i < x->nsets ? x->sets[i].name : "";
}

/* The named set of a labelled address set: found by content, else written. */
static size_t addr_set(struct nft_ctx *x, const struct portspec_addrset *a)
{
	for (size_t i = 0; i < x->nsets; i++)
		if (x->sets[i].addr && same_addrs(x->sets[i].addr, a))
			return i;
	/* nft names start with a letter; zone names may start with a digit */
	char base[NFT_MAX_SET_NAME];
	bool letter = (a->label[0] >= 'a' && a->label[0] <= 'z') ||
		      (a->label[0] >= 'A' && a->label[0] <= 'Z');
	snprintf(base, sizeof(base), "%s%s_v%u", letter ? "" : "zone_", a->label, a->family);
	struct nft_set *s = set_new(x, base);
	if (!s)
		return SIZE_MAX;
	s->addr = a;
	struct ps_buf *b = &x->objects;
	ps_buf_printf(b, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n\t\telements = { ", s->name,
		      a->family == 4 ? "ipv4_addr" : "ipv6_addr");
	ps_cidr_list(b, a->cidrs, a->cidr_count, ", ", "");
	ps_buf_puts(b, " }\n\t}\n\n");
	return x->nsets - 1;
}

/*
 * comment "..." for ports or an entry: the services (written into @labels,
 * which the caller may reuse), or how many when they do not fit.
 */
static void put_comment(struct ps_buf *b, struct ps_buf *labels,
			const struct portspec_plan_entry *e, const struct portspec_plan_port *port,
			size_t nports, const char *set)
{
	labels->len = 0;
	if (port)
		ps_ports_labels(labels, port, 1, NFT_MAX_COMMENT);
	else
		ps_entry_labels(labels, e, NFT_MAX_COMMENT);
	if (labels->failed) {
		b->failed = true;
	} else if (labels->len <= NFT_MAX_COMMENT) {
		ps_buf_cat(b, "comment \"", labels->data ? labels->data : "", "\"", NULL);
	} else {
		ps_buf_puts(b, "comment \"");
		ps_buf_put_uint(b, nports);
		ps_buf_cat(b, " port ranges, services in set ", set, "\"", NULL);
	}
}

/* The same with a buffer of its own, for one comment. */
static void put_one_comment(struct ps_buf *b, const struct portspec_plan_entry *e,
			    size_t nports, const char *set)
{
	struct ps_buf labels;
	ps_buf_init(&labels);
	put_comment(b, &labels, e, NULL, nports, set);
	ps_buf_release(&labels);
}

/* The port set of a chunk of an entry, shared with entries that have the same ports. */
static size_t port_set(struct nft_ctx *x, const struct portspec_plan_entry *e, size_t first,
		       size_t count, size_t chunk)
{
	for (size_t i = 0; i < x->nsets; i++)
		if (same_chunk(&x->sets[i], e, first, count))
			return i;
	char base[NFT_MAX_SET_NAME];
	size_t n = (size_t)snprintf(base, sizeof(base), "%s_%s_%s%s%s",
				    e->direction == PORTSPEC_INBOUND ? "in" : "out",
				    portspec_zone_name(e->zone), portspec_protocol_name(e->protocol),
				    e->helper ? "_" : "", e->helper ? e->helper : "");
	if (chunk)
		snprintf(base + n, sizeof(base) - n, "_part%zu", chunk + 1);
	struct nft_set *s = set_new(x, base);
	if (!s)
		return SIZE_MAX;
	s->ports = e;
	s->first = first;
	s->count = count;
	struct ps_buf *b = &x->objects;
	ps_buf_printf(b, "\tset %s {\n\t\ttype inet_service\n\t\tflags interval\n\t\telements = { ",
		      s->name);
	struct ps_buf labels;
	ps_buf_init(&labels);
	for (size_t i = first; i < first + count; i++) {
		const struct portspec_plan_port *p = &e->ports[i];
		if (i > first)
			ps_buf_puts(b, ",\n\t\t\t     ");
		ps_buf_put_range(b, p->first, p->last, "-");
		ps_buf_putc(b, ' ');
		put_comment(b, &labels, e, p, 1, s->name);
	}
	ps_buf_release(&labels);
	ps_buf_puts(b, " }\n\t}\n\n");
	return x->nsets - 1;
}

static void put_addr_match(struct nft_ctx *x, struct ps_buf *b, const struct portspec_addrset *a,
			   const char *side)
{
	if (a->match == PORTSPEC_ADDR_ANY)
		return;
	ps_buf_cat(b, ip_word(a->family), " ", side, " ",
		   a->match == PORTSPEC_ADDR_NOT_IN ? "!= " : "", NULL);
	if (a->label) {
		size_t set = addr_set(x, a);
		ps_buf_cat(b, "@", set_name(x, set), " ", NULL);
		return;
	}
	if (a->cidr_count > 1)
		ps_buf_puts(b, "{ ");
	ps_cidr_list(b, a->cidrs, a->cidr_count, ", ", "");
	ps_buf_puts(b, a->cidr_count > 1 ? " } " : " ");
}

/*
 * Entries @a (IPv4) and @b (IPv6) that differ only in their family and match
 * no address: one rule without a family match says both.
 */
static bool family_twins(const struct portspec_plan_entry *a, const struct portspec_plan_entry *b)
{
	return b && a->family == 4 && b->family == 6 && a->kind == b->kind && a->hook == b->hook &&
	       a->direction == b->direction && a->protocol == b->protocol && a->zone == b->zone &&
	       a->remote.match == PORTSPEC_ADDR_ANY && b->remote.match == PORTSPEC_ADDR_ANY &&
	       a->local.match == PORTSPEC_ADDR_ANY && b->local.match == PORTSPEC_ADDR_ANY &&
	       a->iif == b->iif && a->oif == b->oif && a->helper == b->helper &&
	       ps_same_ports(a, b);
}

/* Interfaces, addresses and, where no address says it, the family. */
static void put_match(struct nft_ctx *x, struct ps_buf *b, const struct portspec_plan_entry *e,
		      bool both_families)
{
	bool inbound = e->direction != PORTSPEC_OUTBOUND;
	if (e->iif)
		ps_buf_cat(b, "iifname \"", e->iif, "\" ", NULL);
	if (e->oif)
		ps_buf_cat(b, "oifname \"", e->oif, "\" ", NULL);
	if (!both_families && e->remote.match == PORTSPEC_ADDR_ANY &&
	    e->local.match == PORTSPEC_ADDR_ANY && e->kind != PORTSPEC_ENTRY_NEIGHBOR_DISCOVERY)
		ps_buf_puts(b, e->family == 4 ? "meta nfproto ipv4 " : "meta nfproto ipv6 ");
	put_addr_match(x, b, &e->remote, inbound ? "saddr" : "daddr");
	put_addr_match(x, b, &e->local, inbound ? "daddr" : "saddr");
}

static void put_baseline(struct nft_ctx *x, struct ps_buf *b, const struct portspec_plan_entry *e,
			 bool both)
{
	ps_buf_puts(b, "\t\t");
	put_match(x, b, e, both);
	switch (e->kind) {
	case PORTSPEC_ENTRY_LOOPBACK:
		ps_buf_puts(b, "accept comment \"loopback\"\n");
		break;
	case PORTSPEC_ENTRY_ESTABLISHED:
		ps_buf_puts(b, "ct state established,related accept comment "
			       "\"replies and related connections (ftp data, icmp errors)\"\n");
		break;
	default: /* neighbour discovery */
		ps_buf_puts(b, "icmpv6 type { nd-router-solicit, nd-router-advert, "
			       "nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept "
			       "comment \"IPv6 neighbour discovery\"\n");
		break;
	}
}

/*
 * An ICMP entry: its message types in one anonymous set ("icmp type { 8 }"),
 * types rather than connections, so no state match (an echo request is
 * tracked anyway, and its reply passes as established).
 */
static void put_icmp_flow(struct nft_ctx *x, struct ps_buf *b,
			  const struct portspec_plan_entry *e)
{
	ps_buf_puts(b, "\t\t");
	put_match(x, b, e, false);
	ps_buf_puts(b, e->protocol == PORTSPEC_ICMP ? "icmp type { " : "icmpv6 type { ");
	for (size_t i = 0; i < e->icmp_type_count; i++) {
		const struct portspec_plan_port *r = &e->icmp_types[i];
		if (i)
			ps_buf_puts(b, ", ");
		ps_buf_put_range(b, r->first, r->last, "-");
	}
	ps_buf_puts(b, " } accept ");
	put_one_comment(b, e, e->icmp_type_count, "(icmp types)");
	ps_buf_putc(b, '\n');
}

static void put_flow(struct nft_ctx *x, struct ps_buf *b, const struct portspec_plan_entry *e,
		     bool both)
{
	const char *proto = portspec_protocol_name(e->protocol);
	if (ps_protocol_is_icmp(e->protocol)) {
		put_icmp_flow(x, b, e);
		return;
	}
	for (size_t first = 0, chunk = 0; first < e->port_count; first += NFT_MAX_ELEMENTS, chunk++) {
		size_t count = e->port_count - first;
		if (count > NFT_MAX_ELEMENTS)
			count = NFT_MAX_ELEMENTS;
		size_t set = port_set(x, e, first, count, chunk);
		ps_buf_puts(b, "\t\t");
		put_match(x, b, e, both); /* may add sets: the name is read after it */
		ps_buf_cat(b, proto, " dport @", set_name(x, set), " ct state new ", NULL);
		if (e->helper)
			ps_buf_cat(b, "ct helper set \"", e->helper, "-", proto, "\" ", NULL);
		ps_buf_puts(b, "accept ");
		put_one_comment(b, e, count, set_name(x, set));
		ps_buf_putc(b, '\n');
	}
}

/* One ct helper object per helper and protocol the plan assigns. */
static void put_helpers(struct nft_ctx *x)
{
	size_t n = portspec_plan_entry_count(x->plan);
	for (size_t i = 0; i < n; i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(x->plan, i);
		bool seen = false;
		if (!e->helper)
			continue;
		for (size_t j = 0; j < i && !seen; j++) {
			const struct portspec_plan_entry *g = portspec_plan_entry(x->plan, j);
			seen = g->helper && strcmp(g->helper, e->helper) == 0 &&
			       g->protocol == e->protocol;
		}
		if (seen)
			continue;
		const char *proto = portspec_protocol_name(e->protocol);
		ps_buf_printf(&x->objects,
			      "\tct helper %s-%s {\n\t\ttype \"%s\" protocol %s\n\t\tl3proto inet\n"
			      "\t}\n\n",
			      e->helper, proto, e->helper, proto);
	}
}

static void put_rules(struct nft_ctx *x)
{
	size_t n = portspec_plan_entry_count(x->plan);
	for (size_t i = 0; i < n; i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(x->plan, i);
		const struct portspec_plan_entry *next = portspec_plan_entry(x->plan, i + 1);
		if (!ps_render_has(x->r, e))
			continue;
		bool both = family_twins(e, next);
		struct ps_buf *b = &x->chains[e->hook];
		if (e->kind == PORTSPEC_ENTRY_FLOW)
			put_flow(x, b, e, both);
		else
			put_baseline(x, b, e, both);
		if (both)
			i++;
	}
}

static void put_chain(struct nft_ctx *x, enum portspec_hook hook)
{
	struct ps_buf *b = x->r->out;
	char name[NFT_CHAIN_BUF];
	chain_name(x, hook, name, sizeof(name));
	ps_buf_printf(b, "\tchain %s {\n", name);
	if (!x->fragment)
		ps_buf_printf(b, "\t\ttype filter hook %s priority filter; policy %s;\n", name,
			      portspec_plan_hook_drops(x->plan, hook) ? "drop" : "accept");
	ps_buf_add(b, x->chains[hook].data ? x->chains[hook].data : "", x->chains[hook].len);
	/* log=drops: the last rule logs what the policy drops next; the counter
	 * shows how many */
	const char *prefix = x->fragment ? NULL : portspec_plan_log_prefix(x->plan, hook);
	if (prefix)
		ps_buf_printf(b, "\t\tlimit rate %u/minute burst %u packets counter log prefix \"%s\" "
				 "comment \"log=drops\"\n",
			      PORTSPEC_LOG_PER_MINUTE, PORTSPEC_LOG_BURST, prefix);
	ps_buf_puts(b, "\t}\n");
}

static void put_hook_help(struct nft_ctx *x, bool gateway)
{
	const char *n = x->r->name;
	struct ps_buf *b = x->r->out;
	ps_buf_printf(b,
		      "# The chains of table inet %s accept the policy's flows and return the\n"
		      "# rest.  nft jumps only within a table: hook them with base chains in the\n"
		      "# same table, in a file that includes this one, e.g.\n"
		      "#   include \"/etc/nftables.d/%s.nft\"\n"
		      "#   table inet %s {\n",
		      n, n, n);
	if (gateway)
		ps_buf_printf(b, "#     chain forward {\n"
				 "#       type filter hook forward priority filter; policy drop;\n"
				 "#       jump %s\n#     }\n", n);
	else
		ps_buf_printf(b, "#     chain input {\n"
				 "#       type filter hook input priority filter; policy drop;\n"
				 "#       iifname \"lo\" accept\n#       jump %s-in\n#     }\n"
				 "#     chain output {\n"
				 "#       type filter hook output priority filter; policy drop;\n"
				 "#       oifname \"lo\" accept\n#       jump %s-out\n#     }\n", n, n);
	ps_buf_puts(b, "#   }\n");
}

/* The header: what the file is, what loading it replaces, how to hook a fragment. */
static void put_header(struct nft_ctx *x, bool gateway)
{
	struct ps_render *r = x->r;
	char what[PS_HEADER_TEXT_MAX];
	snprintf(what, sizeof(what), "nft -f input (table inet %s, IPv4 and IPv6), %s mode, %s",
		 r->name, gateway ? "gateway" : "host",
		 x->fragment ? "fragment (regular chains)" : "complete ruleset");
	char replaces[PS_HEADER_TEXT_MAX];
	snprintf(replaces, sizeof(replaces),
		 "the table inet %s (and no other); its %s drop%s %s, whatever other tables "
		 "accept.",
		 r->name, gateway ? "forward chain" : "input, forward and output chains",
		 gateway ? "s" : "", gateway ? "all other forwarded traffic" : "what the policy "
		 "does not allow");
	ps_render_header(r, "# ", what, x->fragment ? NULL : replaces);
	if (x->fragment)
		put_hook_help(x, gateway);
	else if (gateway)
		ps_buf_puts(r->out, "# The firewall's own traffic (input, output) is not part of "
				    "this policy; this table leaves it alone.\n");
}

/* The table: its objects, then the chains of the mode and shape. */
static void put_table(struct nft_ctx *x, bool gateway)
{
	struct ps_render *r = x->r;
	ps_buf_printf(r->out, "\n# Loading this file replaces the table inet %s atomically.\n"
			      "table inet %s\ndelete table inet %s\n\ntable inet %s {\n",
		      r->name, r->name, r->name, r->name);
	ps_buf_add(r->out, x->objects.data ? x->objects.data : "", x->objects.len);
	if (gateway) {
		put_chain(x, PORTSPEC_HOOK_FORWARD);
	} else {
		put_chain(x, PORTSPEC_HOOK_INPUT);
		if (!x->fragment) {
			ps_buf_putc(r->out, '\n');
			put_chain(x, PORTSPEC_HOOK_FORWARD);
		}
		ps_buf_putc(r->out, '\n');
		put_chain(x, PORTSPEC_HOOK_OUTPUT);
	}
	ps_buf_puts(r->out, "}\n");
}

static enum portspec_status render_nft(struct ps_render *r)
{
	struct nft_ctx x = {
		.r = r,
		.plan = ps_render_plan(r),
		.fragment = (r->flags & PORTSPEC_RENDER_FRAGMENT) != 0,
	};
	bool gateway = r->mode == PORTSPEC_MODE_GATEWAY;
	enum portspec_status st;

	ps_buf_init(&x.objects);
	for (size_t i = 0; i < PS_HOOK_SLOTS; i++)
		ps_buf_init(&x.chains[i]);
	if ((st = ps_linux_check(r, "nft")))
		goto out;
	if (nft_keyword(r->name)) {
		st = ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				  "nft: '%s' is an nft keyword and cannot name the table or chain; "
				  "choose another --name", r->name);
		goto out;
	}
	put_helpers(&x);
	put_rules(&x);
	bool failed = x.failed || x.objects.failed;
	for (size_t i = 0; i < PS_HOOK_SLOTS; i++)
		failed |= x.chains[i].failed;
	if (failed) {
		st = ps_error_set(r->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
		goto out;
	}
	put_header(&x, gateway);
	put_table(&x, gateway);
out:
	ps_buf_release(&x.objects);
	for (size_t i = 0; i < PS_HOOK_SLOTS; i++)
		ps_buf_release(&x.chains[i]);
	ps_free(x.sets);
	return st;
}

const struct ps_backend ps_backend_nft = {
	.name = "nft",
	.kind = PORTSPEC_BACKEND_RULES,
	.description = "an nft -f file: table inet for IPv4 and IPv6, named sets for zones and "
		       "ports, ct helper objects; complete ruleset or regular chains",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_nft,
};
