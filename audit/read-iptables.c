/* SPDX-License-Identifier: MIT */
/*
 * The iptables-save / ip6tables-save reader (both the nft and the legacy
 * variants print the same format, which iptables-restore reads).
 *
 *   *TABLE
 *   :CHAIN POLICY [packets:bytes]       built-in chains: ACCEPT or DROP; user chains: -
 *   [packets:bytes] -A CHAIN OPTIONS... a rule (also -I CHAIN [N], -N CHAIN, -P CHAIN POLICY)
 *   COMMIT
 *
 * Every table is read; the analysis evaluates each table's built-in chains
 * at their hook in the kernel's order (raw, mangle, nat, filter, security).
 * Matches and targets the analysis models become predicates and actions;
 * every other match becomes an "unknown" predicate that makes the verdicts
 * it touches indeterminate, and every other target an indeterminate action.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define MAX_TOKENS 512

struct token {
	char *s;         /* unquoted text, NUL-terminated (points into `store`) */
	unsigned column; /* from 1 */
};

struct line {
	struct token tok[MAX_TOKENS];
	size_t n;
	char store[PS_MAX_LINE + 8];
	unsigned number;
};

struct builtin {
	const char *table, *chain;
	enum pa_hook_stage hook;
	int priority;
	enum pa_chain_type type;
};

/* The kernel's order within a hook: raw -300, mangle -150, nat (dst) -100,
 * filter 0, security 50, nat (src) 100. */
static const struct builtin builtins[] = {
	{"raw", "PREROUTING", PA_HK_PREROUTING, -300, PA_CHAIN_FILTER},
	{"raw", "OUTPUT", PA_HK_OUTPUT, -300, PA_CHAIN_FILTER},
	{"mangle", "PREROUTING", PA_HK_PREROUTING, -150, PA_CHAIN_FILTER},
	{"mangle", "INPUT", PA_HK_INPUT, -150, PA_CHAIN_FILTER},
	{"mangle", "FORWARD", PA_HK_FORWARD, -150, PA_CHAIN_FILTER},
	{"mangle", "OUTPUT", PA_HK_OUTPUT, -150, PA_CHAIN_ROUTE},
	{"mangle", "POSTROUTING", PA_HK_POSTROUTING, -150, PA_CHAIN_FILTER},
	{"nat", "PREROUTING", PA_HK_PREROUTING, -100, PA_CHAIN_NAT},
	{"nat", "INPUT", PA_HK_INPUT, 100, PA_CHAIN_NAT},
	{"nat", "OUTPUT", PA_HK_OUTPUT, -100, PA_CHAIN_NAT},
	{"nat", "POSTROUTING", PA_HK_POSTROUTING, 100, PA_CHAIN_NAT},
	{"filter", "INPUT", PA_HK_INPUT, 0, PA_CHAIN_FILTER},
	{"filter", "FORWARD", PA_HK_FORWARD, 0, PA_CHAIN_FILTER},
	{"filter", "OUTPUT", PA_HK_OUTPUT, 0, PA_CHAIN_FILTER},
	{"security", "INPUT", PA_HK_INPUT, 50, PA_CHAIN_FILTER},
	{"security", "FORWARD", PA_HK_FORWARD, 50, PA_CHAIN_FILTER},
	{"security", "OUTPUT", PA_HK_OUTPUT, 50, PA_CHAIN_FILTER},
};

static const struct builtin *find_builtin(const char *table, const char *chain)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(builtins[i].table, table) && (!chain || !strcmp(builtins[i].chain, chain)))
			return &builtins[i];
	return NULL;
}

/* A jump whose target is resolved at COMMIT: chains may be declared later. */
struct pending {
	uint32_t rule;
	char *target;
	unsigned line, column;
	bool is_goto;
};

struct reader {
	struct portspec_ruleset *rs;
	unsigned family;
	uint32_t file;
	const char *filename;
	struct portspec_error *err;
	/* the table being read */
	bool in_table;
	char table[32];
	uint32_t table_id;
	unsigned table_line;
	char seen[8][32]; /* tables read so far */
	size_t nseen;
	struct pending *pend;
	size_t npend, cappend;
	struct line *ln;
	size_t at; /* next token of the rule */
};

static enum portspec_status fail(struct reader *rd, unsigned column, const char *fmt, ...)
	PS_PRINTF(3, 4);
static enum portspec_status fail(struct reader *rd, unsigned column, const char *fmt, ...)
{
	char text[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return ps_error_set(rd->err, PORTSPEC_E_PARSE, rd->filename, rd->ln->number, column, "%s",
			    text);
}

static enum portspec_status nomem(struct reader *rd)
{
	return ps_error_set(rd->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
}

/* ---- tokens ---- */

/* Splits one line as iptables-restore does: blanks separate, double or
 * single quotes group, a backslash takes the next character literally. */
static enum portspec_status tokenize(struct reader *rd, const char *p, size_t len)
{
	struct line *ln = rd->ln;
	char *out = ln->store;
	ln->n = 0;
	size_t i = 0;
	while (i < len) {
		while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
			i++;
		if (i >= len)
			break;
		if (ln->n >= MAX_TOKENS)
			return fail(rd, (unsigned)i + 1, "more than %d words in one line", MAX_TOKENS);
		ln->tok[ln->n].s = out;
		ln->tok[ln->n].column = (unsigned)i + 1;
		char quote = 0;
		unsigned start = (unsigned)i + 1;
		while (i < len) {
			char c = p[i];
			if (!quote && (c == ' ' || c == '\t' || c == '\r'))
				break;
			if ((c == '"' || c == '\'') && (!quote || quote == c)) {
				quote = quote ? 0 : c;
				i++;
				continue;
			}
			if (c == '\\' && i + 1 < len) {
				i++;
				c = p[i];
			}
			unsigned char uc = (unsigned char)c;
			/* Inside quotes (a comment) anything goes, as for iptables;
			 * what is printed is escaped. */
			if (uc < 0x20 && c != '\t' && !quote)
				return fail(rd, (unsigned)i + 1, "a control character (0x%02x)", uc);
			*out++ = c;
			i++;
		}
		if (quote)
			return fail(rd, start, "a quote that is not closed");
		*out++ = '\0';
		ln->n++;
	}
	return PORTSPEC_OK;
}

static bool tok_is(const struct token *t, const char *a, const char *b)
{
	return !strcmp(t->s, a) || (b && !strcmp(t->s, b));
}

/* ---- values ---- */

/* A port number, or a service name as iptables resolves it: of any protocol. */
static bool parse_port(const char *s, size_t n, unsigned *out)
{
	return pa_parse_port(s, n, NULL, out);
}

/* "N", "N:M", ":M", "N:" into set; false if s is none of them (*nomem:
 * it is, but the set could not grow). */
static bool add_port_range(struct pa_set *set, const char *s, bool *nomem)
{
	const char *colon = strchr(s, ':');
	unsigned lo = 0, hi = 65535;
	if (!colon) {
		if (!parse_port(s, strlen(s), &lo))
			return false;
		hi = lo;
	} else {
		if (colon > s && !parse_port(s, (size_t)(colon - s), &lo))
			return false;
		if (colon[1] && !parse_port(colon + 1, strlen(colon + 1), &hi))
			return false;
		if (lo > hi)
			return false;
	}
	if (!pa_set_add(set, pa_u(lo), pa_u(hi)))
		*nomem = true;
	return true;
}

/* ---- predicates ---- */

static struct pa_pred *add_set_pred(struct reader *rd, struct pa_rule *r, enum pa_dim d,
				    bool neg)
{
	struct pa_pred *p = pa_rule_add_pred(r, PA_PRED_SET);
	if (p) {
		p->dim = (uint8_t)d;
		p->negate = neg;
		if (d == PA_SRC || d == PA_DST)
			p->family = (uint8_t)rd->family;
	}
	return p;
}

static enum portspec_status addr_pred(struct reader *rd, struct pa_rule *r, enum pa_dim d,
				      bool neg, const struct token *t)
{
	struct pa_pred *p = add_set_pred(rd, r, d, neg);
	if (!p)
		return nomem(rd);
	char item[128];
	const char *s = t->s;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		struct pa_range rg;
		if (n == 0 || n >= sizeof(item))
			return fail(rd, t->column, "'%s' is not an address list", t->s);
		memcpy(item, s, n);
		item[n] = '\0';
		if (!pa_cidr_parse(item, rd->family, NULL, &rg)) {
			unsigned other;
			struct pa_range x;
			if (pa_cidr_parse(item, 0, &other, &x))
				return fail(rd, t->column, "'%s' is an IPv%u address in an IPv%u "
					    "ruleset (%s-save output)", item, other, rd->family,
					    rd->family == 6 ? "ip6tables" : "iptables");
			return fail(rd, t->column, "'%s' is not an address or network (host "
				    "names are resolved when rules are loaded, never here)", item);
		}
		if (!pa_set_add(&p->set, rg.lo, rg.hi))
			return nomem(rd);
		s += n;
		if (*s == ',')
			s++;
	}
	if (neg && strchr(t->s, ','))
		return fail(rd, t->column, "! cannot be used with several addresses");
	return PORTSPEC_OK;
}

static enum portspec_status iface_pred(struct reader *rd, struct pa_rule *r, enum pa_dim d,
				       bool neg, const struct token *t)
{
	size_t n = strlen(t->s);
	if (n == 0 || n > 15)
		return fail(rd, t->column, "'%s' is not an interface name (1 to 15 characters)",
			    t->s);
	struct pa_pred *p = pa_rule_add_pred(r, PA_PRED_IFACE);
	if (!p)
		return nomem(rd);
	p->dim = (uint8_t)d;
	p->negate = neg;
	p->pats = ps_calloc(1, sizeof(*p->pats));
	if (!p->pats)
		return nomem(rd);
	bool prefix = t->s[n - 1] == '+';
	p->pats[0].name = ps_strndup(t->s, prefix ? n - 1 : n);
	p->pats[0].prefix = prefix;
	p->npats = 1;
	return p->pats[0].name ? PORTSPEC_OK : nomem(rd);
}

/* The rule's state so far, for checks the tools make. */
struct rule_ctx {
	struct pa_rule *r;
	int proto;       /* -p, or -1 */
	bool proto_neg;
	char module[32]; /* current -m */
	bool module_known;
	unsigned module_column;
};

static const struct token *value(struct reader *rd, const struct token *opt)
{
	struct line *ln = rd->ln;
	if (rd->at >= ln->n)
		return NULL;
	(void)opt;
	return &ln->tok[rd->at++];
}

#define NEED_VALUE(v, opt)                                                          \
	do {                                                                        \
		if (!((v) = value(rd, (opt))))                                      \
			return fail(rd, (opt)->column, "%s needs a value", (opt)->s); \
	} while (0)

static enum portspec_status proto_pred(struct reader *rd, struct rule_ctx *rc, bool neg,
				       const struct token *opt)
{
	const struct token *v;
	NEED_VALUE(v, opt);
	if (!strcasecmp(v->s, "all") || !strcmp(v->s, "0")) {
		if (neg) /* ! -p all matches nothing */
			return add_set_pred(rd, rc->r, PA_PROTO, false) ? PORTSPEC_OK : nomem(rd);
		return PORTSPEC_OK;
	}
	int p = pa_protocol_number(v->s);
	if (p < 0)
		return fail(rd, v->column, "unknown protocol '%s'", v->s);
	if ((p == 58 && rd->family == 4) || (p == 1 && rd->family == 6))
		return fail(rd, v->column, "protocol %s in an IPv%u ruleset", v->s, rd->family);
	rc->proto = p;
	rc->proto_neg = neg;
	struct pa_pred *pr = add_set_pred(rd, rc->r, PA_PROTO, neg);
	if (!pr || !pa_set_add(&pr->set, pa_u((unsigned)p), pa_u((unsigned)p)))
		return nomem(rd);
	return PORTSPEC_OK;
}

/* The protocol a port or flag match needs: -p must name it. */
static enum portspec_status need_proto(struct reader *rd, struct rule_ctx *rc,
				       const struct token *opt, const char *want)
{
	int p = pa_protocol_number(want);
	if (rc->proto != p || rc->proto_neg)
		return fail(rd, opt->column, "%s needs -p %s before it", opt->s, want);
	return PORTSPEC_OK;
}

static enum portspec_status port_pred(struct reader *rd, struct rule_ctx *rc, enum pa_dim d,
				      bool neg, const struct token *opt, bool list)
{
	const struct token *v;
	NEED_VALUE(v, opt);
	struct pa_pred *p = add_set_pred(rd, rc->r, d, neg);
	if (!p)
		return nomem(rd);
	char item[64];
	const char *s = v->s;
	size_t count = 0;
	while (*s) {
		const char *comma = list ? strchr(s, ',') : NULL;
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		if (n == 0 || n >= sizeof(item))
			return fail(rd, v->column, "'%s' is not a port list", v->s);
		memcpy(item, s, n);
		item[n] = '\0';
		bool oom = false;
		if (!add_port_range(&p->set, item, &oom))
			return fail(rd, v->column, "'%s' is not a port or a range of ports "
				    "(N, N:M)", item);
		if (oom)
			return nomem(rd);
		count++;
		s += n;
		if (*s == ',')
			s++;
	}
	if (count == 0)
		return fail(rd, v->column, "an empty port list");
	if (count > 15)
		return fail(rd, v->column, "multiport takes at most 15 ports");
	return PORTSPEC_OK;
}

static enum portspec_status multiport_either(struct reader *rd, struct rule_ctx *rc, bool neg,
					     const struct token *opt)
{
	/* --ports P: the source or the destination port is in P.  Negated:
	 * neither is, a box.  Otherwise two rules, the second for the packets
	 * whose source port is not in P: the same packets as one rule. */
	size_t before = rc->r->npreds;
	enum portspec_status st = port_pred(rd, rc, PA_SPORT, neg, opt, true);
	if (st)
		return st;
	struct pa_pred *sp = &rc->r->preds[before];
	struct pa_pred *dp = add_set_pred(rd, rc->r, PA_DPORT, neg);
	if (!dp)
		return nomem(rd);
	sp = &rc->r->preds[before];
	if (!pa_set_copy(&dp->set, &sp->set))
		return nomem(rd);
	if (neg)
		return PORTSPEC_OK;
	/* Mark the pair: the rule is split when it is complete (split_either). */
	dp->mask = 1;
	return PORTSPEC_OK;
}

static enum portspec_status state_pred(struct reader *rd, struct rule_ctx *rc, bool neg,
				       const struct token *opt)
{
	const struct token *v;
	NEED_VALUE(v, opt);
	unsigned mask = 0;
	bool nat = false;
	char item[32];
	const char *s = v->s;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		if (n == 0 || n >= sizeof(item))
			return fail(rd, v->column, "'%s' is not a list of states", v->s);
		memcpy(item, s, n);
		item[n] = '\0';
		if (!strcasecmp(item, "INVALID"))
			mask |= PA_STBIT(PA_ST_INVALID);
		else if (!strcasecmp(item, "NEW"))
			mask |= PA_STBIT(PA_ST_NEW);
		else if (!strcasecmp(item, "ESTABLISHED"))
			mask |= PA_ST_ANY_ESTABLISHED;
		else if (!strcasecmp(item, "RELATED"))
			mask |= PA_STBIT(PA_ST_RELATED);
		else if (!strcasecmp(item, "UNTRACKED"))
			mask |= PA_STBIT(PA_ST_UNTRACKED);
		else if (!strcasecmp(item, "SNAT") || !strcasecmp(item, "DNAT"))
			nat = true;
		else
			return fail(rd, v->column, "unknown state '%s' (INVALID, NEW, ESTABLISHED, "
				    "RELATED, UNTRACKED, SNAT, DNAT)", item);
		s += n;
		if (*s == ',')
			s++;
	}
	if (nat)
		return pa_rule_add_unknown(rc->r, 0, "--ctstate %s%s (whether a connection is "
					   "NATed)", neg ? "! " : "", v->s) ? PORTSPEC_OK : nomem(rd);
	struct pa_pred *p = pa_rule_add_pred(rc->r, PA_PRED_CTSTATE);
	if (!p)
		return nomem(rd);
	p->mask = mask;
	p->negate = neg;
	return PORTSPEC_OK;
}

static enum portspec_status range_pred(struct reader *rd, struct rule_ctx *rc, enum pa_dim d,
				       bool neg, const struct token *opt)
{
	const struct token *v;
	NEED_VALUE(v, opt);
	char a[64], b[64];
	const char *dash = strchr(v->s, '-');
	size_t n = dash ? (size_t)(dash - v->s) : strlen(v->s);
	if (n == 0 || n >= sizeof(a) || (dash && strlen(dash + 1) >= sizeof(b)))
		return fail(rd, v->column, "'%s' is not an address range (A-B)", v->s);
	memcpy(a, v->s, n);
	a[n] = '\0';
	snprintf(b, sizeof(b), "%s", dash ? dash + 1 : a);
	struct pa_u128 lo, hi;
	if (!pa_addr_parse(a, rd->family, NULL, &lo) || !pa_addr_parse(b, rd->family, NULL, &hi) ||
	    pa_cmp(lo, hi) > 0)
		return fail(rd, v->column, "'%s' is not an IPv%u address range (A-B, A <= B)",
			    v->s, rd->family);
	struct pa_pred *p = add_set_pred(rd, rc->r, d, neg);
	if (!p || !pa_set_add(&p->set, lo, hi))
		return nomem(rd);
	return PORTSPEC_OK;
}

static enum portspec_status addrtype_pred(struct reader *rd, struct rule_ctx *rc, enum pa_dim d,
					  bool neg, const struct token *opt)
{
	const struct token *v;
	NEED_VALUE(v, opt);
	unsigned mask = 0;
	char item[32];
	const char *s = v->s;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		unsigned bit = 0;
		if (n > 0 && n < sizeof(item)) {
			memcpy(item, s, n);
			item[n] = '\0';
			bit = pa_addrtype_bit(item);
		}
		if (!bit)
			return fail(rd, v->column, "'%s' is not a list of address types (UNICAST, "
				    "LOCAL, BROADCAST, MULTICAST, ...)", v->s);
		mask |= bit;
		s += n;
		if (*s == ',')
			s++;
	}
	struct pa_pred *p = pa_rule_add_pred(rc->r, PA_PRED_ADDRTYPE);
	if (!p)
		return nomem(rd);
	p->dim = (uint8_t)d;
	p->mask = mask;
	p->negate = neg;
	p->family = (uint8_t)rd->family;
	return PORTSPEC_OK;
}

static enum portspec_status icmp_pred(struct reader *rd, struct rule_ctx *rc, bool neg,
				      const struct token *opt, bool v6)
{
	const struct token *v;
	NEED_VALUE(v, opt);
	enum portspec_status st = need_proto(rd, rc, opt, v6 ? "icmpv6" : "icmp");
	if (st)
		return st;
	unsigned type;
	int code;
	if (pa_icmp_type(v->s, v6, &type, &code) < 0)
		return fail(rd, v->column, "unknown ICMP%s type '%s'", v6 ? "v6" : "", v->s);
	struct pa_pred *p = add_set_pred(rd, rc->r, PA_ICMP, neg);
	if (!p)
		return nomem(rd);
	unsigned lo = code == -2 ? 0 : type << 8 | (code < 0 ? 0 : (unsigned)code);
	unsigned hi = code == -2 ? 0xffff : type << 8 | (code < 0 ? 0xff : (unsigned)code);
	return pa_set_add(&p->set, pa_u(lo), pa_u(hi)) ? PORTSPEC_OK : nomem(rd);
}

static bool tcp_flag_list(const char *s, unsigned *out)
{
	static const struct {
		const char *name;
		unsigned bits;
	} names[] = {{"FIN", PA_TCP_FIN}, {"SYN", PA_TCP_SYN}, {"RST", PA_TCP_RST},
		     {"PSH", PA_TCP_PSH}, {"ACK", PA_TCP_ACK}, {"URG", PA_TCP_URG},
		     {"ECE", PA_TCP_ECE}, {"CWR", PA_TCP_CWR}, {"ALL", 0x3f}, {"NONE", 0}};
	unsigned bits = 0;
	char item[16];
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		bool found = false;
		if (n > 0 && n < sizeof(item)) {
			memcpy(item, s, n);
			item[n] = '\0';
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (!strcasecmp(item, names[i].name)) {
					bits |= names[i].bits;
					found = true;
				}
		}
		if (!found)
			return false;
		s += n;
		if (*s == ',')
			s++;
	}
	*out = bits;
	return true;
}

static enum portspec_status flags_pred(struct reader *rd, struct rule_ctx *rc, bool neg,
				       unsigned mask, unsigned cmp)
{
	struct pa_pred *p = pa_rule_add_pred(rc->r, PA_PRED_TCPFLAGS);
	if (!p)
		return nomem(rd);
	p->mask = mask;
	p->cmp = cmp;
	p->negate = neg;
	return PORTSPEC_OK;
}

static enum portspec_status hl_pred(struct reader *rd, struct rule_ctx *rc, bool neg,
				    const struct token *opt, char kind)
{
	const struct token *v;
	NEED_VALUE(v, opt);
	unsigned long n;
	if (!pa_parse_uint(v->s, strlen(v->s), 255, &n))
		return fail(rd, v->column, "'%s' is not a number from 0 to 255", v->s);
	unsigned lo = (unsigned)n, hi = (unsigned)n;
	if (kind == 'l') {
		if (n == 0) /* less than 0: nothing */
			return add_set_pred(rd, rc->r, PA_TTL, neg) ? PORTSPEC_OK : nomem(rd);
		lo = 0, hi = (unsigned)n - 1;
	} else if (kind == 'g') {
		if (n == 255)
			return add_set_pred(rd, rc->r, PA_TTL, neg) ? PORTSPEC_OK : nomem(rd);
		lo = (unsigned)n + 1, hi = 255;
	}
	struct pa_pred *p = add_set_pred(rd, rc->r, PA_TTL, neg);
	return p && pa_set_add(&p->set, pa_u(lo), pa_u(hi)) ? PORTSPEC_OK : nomem(rd);
}

/* ---- modules ---- */

/* Skips the values of an option the analysis does not read. */
static void skip_values(struct reader *rd)
{
	struct line *ln = rd->ln;
	while (rd->at < ln->n && ln->tok[rd->at].s[0] != '-' && strcmp(ln->tok[rd->at].s, "!"))
		rd->at++;
}

static enum portspec_status unknown_option(struct reader *rd, struct rule_ctx *rc, bool neg,
					   const struct token *opt)
{
	/* An option of a module that is modelled, but this option is not. */
	size_t first = rd->at;
	skip_values(rd);
	char what[200];
	snprintf(what, sizeof(what), "-m %s %s%s%s%s", rc->module, neg ? "! " : "", opt->s,
		 rd->at > first ? " " : "", rd->at > first ? rd->ln->tok[first].s : "");
	return pa_rule_add_unknown(rc->r, 0, "%s", what) ? PORTSPEC_OK : nomem(rd);
}

static enum portspec_status module_option(struct reader *rd, struct rule_ctx *rc, bool neg,
					  const struct token *opt)
{
	const char *m = rc->module, *o = opt->s;
	bool tcp = !strcmp(m, "tcp"), udp = !strcmp(m, "udp") || !strcmp(m, "udplite");
	bool ports = tcp || udp || !strcmp(m, "sctp") || !strcmp(m, "dccp");
	if (ports && (!strcmp(o, "--sport") || !strcmp(o, "--source-port") ||
		      !strcmp(o, "--dport") || !strcmp(o, "--destination-port"))) {
		enum portspec_status st = need_proto(rd, rc, opt, m);
		if (st)
			return st;
		bool src = !strcmp(o, "--sport") || !strcmp(o, "--source-port");
		return port_pred(rd, rc, src ? PA_SPORT : PA_DPORT, neg, opt, false);
	}
	if (tcp && !strcmp(o, "--syn")) {
		enum portspec_status st = need_proto(rd, rc, opt, "tcp");
		return st ? st : flags_pred(rd, rc, neg, PA_TCP_FIN | PA_TCP_SYN | PA_TCP_RST |
					    PA_TCP_ACK, PA_TCP_SYN);
	}
	if (tcp && !strcmp(o, "--tcp-flags")) {
		const struct token *mask, *cmp;
		NEED_VALUE(mask, opt);
		NEED_VALUE(cmp, opt);
		unsigned mb, cb;
		if (!tcp_flag_list(mask->s, &mb))
			return fail(rd, mask->column, "'%s' is not a list of TCP flags", mask->s);
		if (!tcp_flag_list(cmp->s, &cb))
			return fail(rd, cmp->column, "'%s' is not a list of TCP flags", cmp->s);
		enum portspec_status st = need_proto(rd, rc, opt, "tcp");
		return st ? st : flags_pred(rd, rc, neg, mb, cb);
	}
	if (!strcmp(m, "multiport")) {
		if (rc->proto < 0 || rc->proto_neg)
			return fail(rd, opt->column, "multiport needs -p tcp, udp, udplite, sctp or "
				    "dccp before it");
		if (!strcmp(o, "--sports") || !strcmp(o, "--source-ports"))
			return port_pred(rd, rc, PA_SPORT, neg, opt, true);
		if (!strcmp(o, "--dports") || !strcmp(o, "--destination-ports"))
			return port_pred(rd, rc, PA_DPORT, neg, opt, true);
		if (!strcmp(o, "--ports"))
			return multiport_either(rd, rc, neg, opt);
	}
	if (!strcmp(m, "iprange")) {
		if (!strcmp(o, "--src-range"))
			return range_pred(rd, rc, PA_SRC, neg, opt);
		if (!strcmp(o, "--dst-range"))
			return range_pred(rd, rc, PA_DST, neg, opt);
	}
	if ((!strcmp(m, "conntrack") && !strcmp(o, "--ctstate")) ||
	    (!strcmp(m, "state") && !strcmp(o, "--state")))
		return state_pred(rd, rc, neg, opt);
	if (!strcmp(m, "comment") && !strcmp(o, "--comment")) {
		const struct token *v;
		NEED_VALUE(v, opt);
		return PORTSPEC_OK;
	}
	if (!strcmp(m, "addrtype") && (!strcmp(o, "--src-type") || !strcmp(o, "--dst-type")))
		return addrtype_pred(rd, rc, !strcmp(o, "--src-type") ? PA_SRC : PA_DST, neg, opt);
	if (!strcmp(m, "icmp") && !strcmp(o, "--icmp-type"))
		return icmp_pred(rd, rc, neg, opt, false);
	if ((!strcmp(m, "icmp6") || !strcmp(m, "icmpv6")) && !strcmp(o, "--icmpv6-type"))
		return icmp_pred(rd, rc, neg, opt, true);
	if ((!strcmp(m, "hl") && !strncmp(o, "--hl-", 5) && strlen(o) == 7) ||
	    (!strcmp(m, "ttl") && !strncmp(o, "--ttl-", 6) && strlen(o) == 8)) {
		const char *k = o + strlen(o) - 2; /* "eq", "lt", "gt" */
		if (!strcmp(k, "eq") || !strcmp(k, "lt") || !strcmp(k, "gt"))
			return hl_pred(rd, rc, neg, opt, k[0]);
	}
	return unknown_option(rd, rc, neg, opt);
}

static bool module_modelled(const char *m)
{
	static const char *const known[] = {"tcp", "udp", "udplite", "sctp", "dccp",
					     "multiport", "iprange", "conntrack", "state",
					     "comment", "addrtype", "icmp", "icmp6", "icmpv6",
					     "hl", "ttl"};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(m, known[i]))
			return true;
	return false;
}

/* A module no reader models: the whole match is unknown. */
static enum portspec_status unknown_module(struct reader *rd, struct rule_ctx *rc, bool neg)
{
	struct line *ln = rd->ln;
	struct ps_buf b;
	ps_buf_init(&b);
	ps_buf_printf(&b, "-m %s", rc->module);
	bool negs = neg;
	/* Its options: everything up to the next option of iptables itself. */
	while (rd->at < ln->n) {
		const char *s = ln->tok[rd->at].s;
		bool global = s[0] == '-' && s[1] != '-';
		if (!strcmp(s, "!")) {
			const char *next = rd->at + 1 < ln->n ? ln->tok[rd->at + 1].s : "";
			global = next[0] == '-' && next[1] != '-';
		}
		if (global)
			break;
		ps_buf_printf(&b, " %s", s);
		if (!strcmp(s, "!"))
			negs = true;
		rd->at++;
	}
	(void)negs;
	bool ok = !b.failed && pa_rule_add_unknown(rc->r, 0, "%.200s", b.data);
	ps_buf_release(&b);
	return ok ? PORTSPEC_OK : nomem(rd);
}

/* ---- targets ---- */

struct target_kind {
	const char *name;
	enum pa_action action;
	const char *what;
};

static const struct target_kind targets[] = {
	{"ACCEPT", PA_ACT_ACCEPT, NULL},
	{"DROP", PA_ACT_DROP, NULL},
	{"REJECT", PA_ACT_REJECT, NULL},
	{"RETURN", PA_ACT_RETURN, NULL},
	/* Targets that let the packet go on to the next rule. */
	{"LOG", PA_ACT_CONTINUE, NULL}, {"NFLOG", PA_ACT_CONTINUE, NULL},
	{"ULOG", PA_ACT_CONTINUE, NULL}, {"TRACE", PA_ACT_CONTINUE, NULL},
	{"AUDIT", PA_ACT_CONTINUE, NULL}, {"MARK", PA_ACT_CONTINUE, NULL},
	{"CONNMARK", PA_ACT_CONTINUE, NULL}, {"CONNSECMARK", PA_ACT_CONTINUE, NULL},
	{"SECMARK", PA_ACT_CONTINUE, NULL}, {"TOS", PA_ACT_CONTINUE, NULL},
	{"DSCP", PA_ACT_CONTINUE, NULL}, {"TTL", PA_ACT_CONTINUE, NULL},
	{"HL", PA_ACT_CONTINUE, NULL}, {"TCPMSS", PA_ACT_CONTINUE, NULL},
	{"CLASSIFY", PA_ACT_CONTINUE, NULL}, {"CHECKSUM", PA_ACT_CONTINUE, NULL},
	{"TEE", PA_ACT_CONTINUE, NULL}, {"IDLETIMER", PA_ACT_CONTINUE, NULL},
	{"LED", PA_ACT_CONTINUE, NULL}, {"SET", PA_ACT_CONTINUE, NULL},
	{"RATEEST", PA_ACT_CONTINUE, NULL}, {"ECN", PA_ACT_CONTINUE, NULL},
	{"TCPOPTSTRIP", PA_ACT_CONTINUE, NULL},
	/* Source NAT ends the nat chain; the packet goes on. */
	{"SNAT", PA_ACT_NAT_ACCEPT, NULL}, {"MASQUERADE", PA_ACT_NAT_ACCEPT, NULL},
	{"SNPT", PA_ACT_NAT_ACCEPT, NULL},
	/* What the analysis does not follow. */
	{"DNAT", PA_ACT_INDET, "DNAT changes the destination before the filter sees it"},
	{"REDIRECT", PA_ACT_INDET, "REDIRECT sends the packet to a local port instead"},
	{"NETMAP", PA_ACT_INDET, "NETMAP translates the address"},
	{"DNPT", PA_ACT_INDET, "DNPT translates the destination prefix"},
	{"TPROXY", PA_ACT_INDET, "TPROXY diverts the packet to a local socket"},
	{"NOTRACK", PA_ACT_INDET, "NOTRACK exempts the packet from connection tracking"},
	{"QUEUE", PA_ACT_INDET, "a user-space program decides (QUEUE)"},
	{"NFQUEUE", PA_ACT_INDET, "a user-space program decides (NFQUEUE)"},
	{"SYNPROXY", PA_ACT_INDET, "SYNPROXY answers the handshake itself"},
	{"CLUSTERIP", PA_ACT_INDET, "CLUSTERIP decides by a hash of the source"},
};

static enum portspec_status reject_with(struct reader *rd, struct rule_ctx *rc,
					const struct token *opt)
{
	const struct token *v;
	NEED_VALUE(v, opt);
	static const char *const v4[] = {"icmp-net-unreachable", "icmp-host-unreachable",
					  "icmp-port-unreachable", "icmp-proto-unreachable",
					  "icmp-net-prohibited", "icmp-host-prohibited",
					  "icmp-admin-prohibited", "tcp-reset", "net-unreach",
					  "host-unreach", "port-unreach", "proto-unreach",
					  "net-prohib", "host-prohib", "admin-prohib", "tcp-rst"};
	static const char *const v6[] = {"icmp6-no-route", "no-route", "icmp6-adm-prohibited",
					  "adm-prohibited", "icmp6-addr-unreachable", "addr-unreach",
					  "icmp6-port-unreachable", "port-unreach", "tcp-reset",
					  "icmp6-policy-fail", "policy-fail", "icmp6-reject-route",
					  "reject-route", "tcp-rst"};
	const char *const *list = rd->family == 6 ? v6 : v4;
	size_t n = rd->family == 6 ? sizeof(v6) / sizeof(v6[0]) : sizeof(v4) / sizeof(v4[0]);
	bool ok = false;
	for (size_t i = 0; i < n && !ok; i++)
		ok = !strcmp(v->s, list[i]);
	if (!ok)
		return fail(rd, v->column, "unknown --reject-with '%s' for IPv%u", v->s, rd->family);
	if (strstr(v->s, "tcp-") && (rc->proto != 6 || rc->proto_neg))
		return fail(rd, v->column, "--reject-with %s needs -p tcp", v->s);
	ps_free(rc->r->arg);
	return (rc->r->arg = ps_strdup(v->s)) ? PORTSPEC_OK : nomem(rd);
}

static enum portspec_status target_options(struct reader *rd, struct rule_ctx *rc,
					   const char *target)
{
	struct line *ln = rd->ln;
	while (rd->at < ln->n) {
		const struct token *t = &ln->tok[rd->at];
		if (t->s[0] != '-' || t->s[1] != '-')
			break; /* an option of iptables itself follows the target */
		rd->at++;
		if (!strcmp(target, "REJECT") && !strcmp(t->s, "--reject-with")) {
			enum portspec_status st = reject_with(rd, rc, t);
			if (st)
				return st;
			continue;
		}
		if (!strcmp(target, "CT") && (!strcmp(t->s, "--notrack"))) {
			rc->r->action = PA_ACT_INDET;
			ps_free(rc->r->arg);
			if (!(rc->r->arg = ps_strdup("CT --notrack exempts the packet from "
						     "connection tracking")))
				return nomem(rd);
			continue;
		}
		if (!strcmp(target, "CT") && !strcmp(t->s, "--helper")) {
			const struct token *v;
			NEED_VALUE(v, t);
			if (rc->r->action != PA_ACT_INDET) {
				rc->r->action = PA_ACT_HELPER;
				ps_free(rc->r->arg);
				if (!(rc->r->arg = ps_strdup(v->s)))
					return nomem(rd);
			}
			continue;
		}
		skip_values(rd);
	}
	return PORTSPEC_OK;
}

static enum portspec_status set_target(struct reader *rd, struct rule_ctx *rc,
				       const struct token *opt, bool is_goto)
{
	const struct token *v;
	NEED_VALUE(v, opt);
	struct pa_rule *r = rc->r;
	if (r->action != PA_ACT_CONTINUE || r->target != PA_NONE || r->arg)
		return fail(rd, opt->column, "a second target");
	if (!is_goto) {
		for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
			if (!strcmp(v->s, targets[i].name)) {
				r->action = targets[i].action;
				if (targets[i].what && !(r->arg = ps_strdup(targets[i].what)))
					return nomem(rd);
				if (r->action == PA_ACT_REJECT && !(r->arg = ps_strdup(
					    rd->family == 6 ? "icmp6-port-unreachable"
							    : "icmp-port-unreachable")))
					return nomem(rd);
				return target_options(rd, rc, v->s);
			}
		if (!strcmp(v->s, "CT")) {
			r->action = PA_ACT_CONTINUE; /* --zone and the like */
			return target_options(rd, rc, v->s);
		}
	}
	/* A chain of this table, resolved at COMMIT. */
	struct pending *p;
	if (rd->npend == rd->cappend) {
		size_t cap = rd->cappend ? rd->cappend * 2 : 64;
		p = ps_reallocarray(rd->pend, cap, sizeof(*p));
		if (!p)
			return nomem(rd);
		rd->pend = p;
		rd->cappend = cap;
	}
	p = &rd->pend[rd->npend];
	if (!(p->target = ps_strdup(v->s)))
		return nomem(rd);
	p->rule = (uint32_t)(r - rd->rs->rules);
	p->line = rd->ln->number;
	p->column = v->column;
	p->is_goto = is_goto;
	rd->npend++;
	r->action = is_goto ? PA_ACT_GOTO : PA_ACT_JUMP;
	return target_options(rd, rc, v->s);
}

/* ---- rules ---- */

static bool is_global(const char *s)
{
	static const char *const opts[] = {"-s", "--source", "--src", "-d", "--destination",
					    "--dst", "-p", "--protocol", "-i", "--in-interface",
					    "-o", "--out-interface", "-f", "--fragment", "-m",
					    "--match", "-j", "--jump", "-g", "--goto", "-c",
					    "--set-counters", "-4", "--ipv4", "-6", "--ipv6"};
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strcmp(s, opts[i]))
			return true;
	return false;
}

static enum portspec_status global_option(struct reader *rd, struct rule_ctx *rc, bool neg,
					  const struct token *t, bool *skip_rule)
{
	const struct token *v;
	const char *o = t->s;
	if (tok_is(t, "-s", "--source") || !strcmp(o, "--src")) {
		NEED_VALUE(v, t);
		return addr_pred(rd, rc->r, PA_SRC, neg, v);
	}
	if (tok_is(t, "-d", "--destination") || !strcmp(o, "--dst")) {
		NEED_VALUE(v, t);
		return addr_pred(rd, rc->r, PA_DST, neg, v);
	}
	if (tok_is(t, "-p", "--protocol"))
		return proto_pred(rd, rc, neg, t);
	if (tok_is(t, "-i", "--in-interface") || tok_is(t, "-o", "--out-interface")) {
		NEED_VALUE(v, t);
		return iface_pred(rd, rc->r, o[1] == 'i' || !strcmp(o, "--in-interface") ? PA_IIF
											: PA_OIF,
				  neg, v);
	}
	if (tok_is(t, "-f", "--fragment")) {
		/* The filter sees reassembled packets; a connection's first packet
		 * is never a later fragment. */
		if (!neg && !add_set_pred(rd, rc->r, PA_PROTO, false))
			return nomem(rd);
		return PORTSPEC_OK;
	}
	if (tok_is(t, "-m", "--match")) {
		NEED_VALUE(v, t);
		if (neg)
			return fail(rd, t->column, "! before -m; put it before the module's option");
		snprintf(rc->module, sizeof(rc->module), "%s", v->s);
		rc->module_known = module_modelled(v->s);
		rc->module_column = v->column;
		return rc->module_known ? PORTSPEC_OK : unknown_module(rd, rc, false);
	}
	if (tok_is(t, "-j", "--jump") || tok_is(t, "-g", "--goto")) {
		if (neg)
			return fail(rd, t->column, "! before a target");
		return set_target(rd, rc, t, o[1] == 'g' || !strcmp(o, "--goto"));
	}
	if (tok_is(t, "-c", "--set-counters")) {
		if (!value(rd, t) || !value(rd, t))
			return fail(rd, t->column, "%s needs two numbers", o);
		return PORTSPEC_OK;
	}
	/* -4 / -6: the rule is for one family only; the other's tool skips it. */
	bool want4 = tok_is(t, "-4", "--ipv4");
	if ((want4 && rd->family == 6) || (!want4 && rd->family == 4))
		*skip_rule = true;
	return PORTSPEC_OK;
}

/* A --ports match made two rules: the first for the source port, the second
 * (a copy) for the destination port with the source port outside. */
static enum portspec_status split_either(struct reader *rd, uint32_t rule)
{
	struct pa_rule *r = &rd->rs->rules[rule];
	size_t k = 0;
	while (k < r->npreds && !(r->preds[k].kind == PA_PRED_SET &&
				  r->preds[k].dim == PA_DPORT && r->preds[k].mask == 1))
		k++;
	if (k == r->npreds)
		return PORTSPEC_OK;
	uint32_t copy;
	enum portspec_status st = pa_ruleset_dup_rule(rd->rs, rule, &copy);
	if (st)
		return st == PORTSPEC_E_LIMIT ? fail(rd, 1, "too many rules") : nomem(rd);
	/* A jump resolved at COMMIT: the copy's too. */
	for (size_t i = rd->npend; i-- > 0;) {
		if (rd->pend[i].rule != rule)
			continue;
		if (rd->npend == rd->cappend) {
			size_t cap = rd->cappend * 2;
			struct pending *p = ps_reallocarray(rd->pend, cap, sizeof(*p));
			if (!p)
				return nomem(rd);
			rd->pend = p;
			rd->cappend = cap;
		}
		rd->pend[rd->npend] = rd->pend[i];
		rd->pend[rd->npend].rule = copy;
		if (!(rd->pend[rd->npend].target = ps_strdup(rd->pend[i].target)))
			return nomem(rd);
		rd->npend++;
		break;
	}
	/* In the first: drop the destination-port half. */
	r = &rd->rs->rules[rule];
	struct pa_pred *dp = &r->preds[k];
	pa_set_release(&dp->set);
	dp->dim = PA_DPORT;
	dp->mask = 0;
	dp->negate = true; /* dport not in {} = any: no constraint */
	/* In the second: the source-port half becomes "not in". */
	struct pa_rule *c = &rd->rs->rules[copy];
	c->preds[k].mask = 0;
	c->preds[k - 1].negate = true;
	return PORTSPEC_OK;
}

static enum portspec_status read_rule(struct reader *rd, size_t first, bool insert)
{
	struct line *ln = rd->ln;
	const struct token *cmd = &ln->tok[first];
	if (first + 1 >= ln->n)
		return fail(rd, cmd->column, "%s needs a chain", cmd->s);
	const struct token *ct = &ln->tok[first + 1];
	uint32_t c = pa_chain_find(rd->rs, rd->table_id, ct->s);
	if (c == PA_NONE)
		return fail(rd, ct->column, "no chain '%s' in table %s; declare it with ':%s - "
			    "[0:0]' first", ct->s, rd->table, ct->s);
	rd->at = first + 2;
	size_t pos = SIZE_MAX;
	if (insert) {
		pos = 0;
		unsigned long n;
		if (rd->at < ln->n && pa_parse_uint(ln->tok[rd->at].s, strlen(ln->tok[rd->at].s),
						    1000000, &n)) {
			if (n == 0)
				return fail(rd, ln->tok[rd->at].column, "rule numbers start at 1");
			pos = n - 1;
			rd->at++;
		}
	}
	struct pa_rule *r;
	enum portspec_status st = pa_ruleset_add_rule(rd->rs, c, pos, rd->file, ln->number,
						      cmd->column, &r);
	if (st == PORTSPEC_E_LIMIT)
		return ps_error_set(rd->err, st, rd->filename, ln->number, cmd->column,
				    "more than %u rules", PA_MAX_RULES);
	if (st)
		return nomem(rd);
	uint32_t rule = (uint32_t)(r - rd->rs->rules);
	r->families = rd->family == 6 ? PA_FAM6 : PA_FAM4;
	struct rule_ctx rc = {r, -1, false, "", false, 0};
	bool skip_rule = false;
	while (rd->at < ln->n) {
		r = rc.r = &rd->rs->rules[rule];
		const struct token *t = &ln->tok[rd->at++];
		bool neg = false;
		if (!strcmp(t->s, "!")) {
			if (rd->at >= ln->n)
				return fail(rd, t->column, "! at the end of the rule");
			neg = true;
			t = &ln->tok[rd->at++];
		}
		if (is_global(t->s)) {
			st = global_option(rd, &rc, neg, t, &skip_rule);
		} else if (t->s[0] == '-' && t->s[1] == '-') {
			if (!rc.module[0]) {
				/* -p tcp --dport 22: iptables loads the protocol's module. */
				const char *name = rc.proto == 6 ? "tcp" : rc.proto == 17 ? "udp"
						 : rc.proto == 1 ? "icmp" : rc.proto == 58 ? "icmp6" : NULL;
				if (!name)
					return fail(rd, t->column, "unknown option '%s' (no -m "
						    "before it)", t->s);
				snprintf(rc.module, sizeof(rc.module), "%s", name);
				rc.module_known = true;
			}
			st = module_option(rd, &rc, neg, t);
		} else {
			return fail(rd, t->column, "unknown option '%s'", t->s);
		}
		if (st)
			return st;
	}
	r = &rd->rs->rules[rule];
	/* The rule as written, for people, quoted as iptables-save quotes. */
	struct ps_buf b;
	ps_buf_init(&b);
	for (size_t i = first; i < ln->n; i++) {
		const char *s = ln->tok[i].s;
		bool quote = !*s || strpbrk(s, " \t\"'\\") != NULL;
		if (i > first)
			ps_buf_putc(&b, ' ');
		if (quote)
			ps_buf_putc(&b, '"');
		for (; *s; s++) {
			if (quote && (*s == '"' || *s == '\\'))
				ps_buf_putc(&b, '\\');
			ps_buf_putc(&b, *s);
		}
		if (quote)
			ps_buf_putc(&b, '"');
	}
	if (b.failed) {
		ps_buf_release(&b);
		return nomem(rd);
	}
	r->text = ps_buf_steal(&b, NULL);
	if (!r->text)
		return nomem(rd);
	if (skip_rule) {
		/* The other family's tool takes it: it never matches here. */
		if (!add_set_pred(rd, r, PA_PROTO, false))
			return nomem(rd);
		r->action = PA_ACT_CONTINUE;
		return PORTSPEC_OK;
	}
	return split_either(rd, rule);
}

/* ---- tables and chains ---- */

static enum portspec_status begin_table(struct reader *rd, const struct token *t)
{
	const char *name = t->s + 1;
	if (rd->in_table)
		return fail(rd, t->column, "a new table before COMMIT of table %s (line %u)",
			    rd->table, rd->table_line);
	if (!find_builtin(name, NULL))
		return fail(rd, t->column, "unknown table '%s' (filter, nat, mangle, raw, security)",
			    name);
	for (size_t i = 0; i < rd->nseen; i++)
		if (!strcmp(rd->seen[i], name))
			return fail(rd, t->column, "table %s a second time; iptables-restore would "
				    "replace the first one: merge them", name);
	snprintf(rd->seen[rd->nseen++], sizeof(rd->seen[0]), "%s", name);
	snprintf(rd->table, sizeof(rd->table), "%s", name);
	rd->table_id = pa_ruleset_add_table(rd->rs);
	rd->table_line = rd->ln->number;
	rd->in_table = true;
	return PORTSPEC_OK;
}

static enum portspec_status set_policy(struct reader *rd, uint32_t c, const struct token *pol)
{
	const struct builtin *bi = find_builtin(rd->table, rd->rs->chains[c].name);
	enum pa_action policy;
	if (!strcmp(pol->s, "ACCEPT"))
		policy = PA_ACT_ACCEPT;
	else if (!strcmp(pol->s, "DROP"))
		policy = PA_ACT_DROP;
	else if (!strcmp(pol->s, "-") && !bi)
		return PORTSPEC_OK;
	else
		return fail(rd, pol->column, "policy '%s': built-in chains take ACCEPT or DROP, "
			    "user chains '-'", pol->s);
	if (!bi)
		return fail(rd, pol->column, "a policy for user chain '%s'; only built-in chains "
			    "have one", rd->rs->chains[c].name);
	struct pa_chain *ch = &rd->rs->chains[c];
	ch->file = rd->file;
	ch->line = rd->ln->number;
	ch->column = pol->column;
	enum portspec_status st = pa_chain_set_base(rd->rs, c, bi->hook, bi->priority, bi->type,
						    policy);
	return st ? nomem(rd) : PORTSPEC_OK;
}

static enum portspec_status declare_chain(struct reader *rd, const struct token *name,
					  const struct token *pol)
{
	size_t n = strlen(name->s);
	if (n == 0 || n > 28)
		return fail(rd, name->column, "chain names have 1 to 28 characters");
	if (pa_chain_find(rd->rs, rd->table_id, name->s) != PA_NONE)
		return fail(rd, name->column, "chain '%s' declared twice", name->s);
	const struct builtin *bi = find_builtin(rd->table, name->s);
	if (!bi) {
		for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
			if (!strcmp(name->s, targets[i].name))
				return fail(rd, name->column, "'%s' is a target, not a chain name",
					    name->s);
	}
	char table[48];
	snprintf(table, sizeof(table), "%s %s", rd->family == 6 ? "ip6" : "ip", rd->table);
	uint32_t c;
	enum portspec_status st = pa_ruleset_add_chain(rd->rs, name->s, table, rd->table_id, &c);
	if (st)
		return st == PORTSPEC_E_LIMIT ? fail(rd, name->column, "too many chains") : nomem(rd);
	struct pa_chain *ch = &rd->rs->chains[c];
	ch->families = rd->family == 6 ? PA_FAM6 : PA_FAM4;
	ch->file = rd->file;
	ch->line = rd->ln->number;
	ch->column = name->column;
	if (bi && !pol) /* -N of a built-in name is refused by iptables */
		return fail(rd, name->column, "'%s' is a built-in chain", name->s);
	return pol ? set_policy(rd, c, pol) : PORTSPEC_OK;
}

static enum portspec_status chain_line(struct reader *rd)
{
	struct line *ln = rd->ln;
	/* ":NAME POLICY [p:b]"; the counters are optional. */
	struct token name = ln->tok[0];
	name.s++;
	name.column++;
	if (ln->n < 2)
		return fail(rd, ln->tok[0].column, "a chain line needs a policy: ':%s ACCEPT' or "
			    "':%s - [0:0]'", name.s, name.s);
	if (ln->n > 3 || (ln->n == 3 && ln->tok[2].s[0] != '['))
		return fail(rd, ln->tok[ln->n - 1].column, "unexpected '%s' after the policy",
			    ln->tok[ln->n - 1].s);
	return declare_chain(rd, &name, &ln->tok[1]);
}

static enum portspec_status commit(struct reader *rd, const struct token *t)
{
	if (!rd->in_table)
		return fail(rd, t->column, "COMMIT outside a table");
	if (rd->ln->n > 1)
		return fail(rd, rd->ln->tok[1].column, "unexpected '%s' after COMMIT",
			    rd->ln->tok[1].s);
	for (size_t i = 0; i < rd->npend; i++) {
		struct pending *p = &rd->pend[i];
		uint32_t c = pa_chain_find(rd->rs, rd->table_id, p->target);
		if (c == PA_NONE) {
			rd->ln->number = p->line;
			bool upper = true;
			for (const char *s = p->target; *s; s++)
				upper = upper && ((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
						  *s == '_');
			if (!upper || p->is_goto)
				return fail(rd, p->column, "no chain '%s' in table %s", p->target,
					    rd->table);
			/* An extension target the analysis does not know. */
			struct pa_rule *r = &rd->rs->rules[p->rule];
			r->action = PA_ACT_INDET;
			char what[128];
			snprintf(what, sizeof(what), "target %.64s is not modelled", p->target);
			if (!(r->arg = ps_strdup(what)))
				return nomem(rd);
		} else if (find_builtin(rd->table, p->target)) {
			rd->ln->number = p->line;
			return fail(rd, p->column, "a jump to built-in chain %s", p->target);
		} else {
			rd->rs->rules[p->rule].target = c;
		}
		ps_free(p->target);
		p->target = NULL;
	}
	rd->npend = 0;
	rd->in_table = false;
	return PORTSPEC_OK;
}

static enum portspec_status command(struct reader *rd, size_t first)
{
	struct line *ln = rd->ln;
	const struct token *t = &ln->tok[first];
	if (!rd->in_table)
		return fail(rd, t->column, "a rule outside a table: '*filter' first");
	if (tok_is(t, "-A", "--append"))
		return read_rule(rd, first, false);
	if (tok_is(t, "-I", "--insert"))
		return read_rule(rd, first, true);
	if (tok_is(t, "-N", "--new-chain")) {
		if (first + 2 != ln->n)
			return fail(rd, t->column, "-N takes one chain name");
		return declare_chain(rd, &ln->tok[first + 1], NULL);
	}
	if (tok_is(t, "-P", "--policy")) {
		if (first + 3 != ln->n)
			return fail(rd, t->column, "-P takes a chain and a policy");
		uint32_t c = pa_chain_find(rd->rs, rd->table_id, ln->tok[first + 1].s);
		if (c == PA_NONE)
			return fail(rd, ln->tok[first + 1].column, "no chain '%s'",
				    ln->tok[first + 1].s);
		return set_policy(rd, c, &ln->tok[first + 2]);
	}
	return fail(rd, t->column, "'%s' is not part of iptables-save output (-A rules and "
		    ":chain lines)", t->s);
}

static enum portspec_status read_line(struct reader *rd, const char *p, size_t len)
{
	struct line *ln = rd->ln;
	size_t i = 0;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
		i++;
	if (i == len || p[i] == '#')
		return PORTSPEC_OK;
	enum portspec_status st = tokenize(rd, p, len);
	if (st || ln->n == 0)
		return st;
	const struct token *t = &ln->tok[0];
	if (t->s[0] == '*')
		return ln->n > 1 ? fail(rd, ln->tok[1].column, "unexpected '%s' after the table",
					ln->tok[1].s)
				 : begin_table(rd, t);
	if (t->s[0] == ':') {
		if (!rd->in_table)
			return fail(rd, t->column, "a chain outside a table");
		return chain_line(rd);
	}
	if (!strcmp(t->s, "COMMIT"))
		return commit(rd, t);
	size_t first = 0;
	if (t->s[0] == '[') /* iptables-save -c: [packets:bytes] -A ... */
		first = 1;
	if (first >= ln->n)
		return fail(rd, t->column, "counters without a rule");
	return command(rd, first);
}

/* The next word of a line, quotes and all; *q is set past it. */
static size_t next_word(const char *p, size_t n, size_t *q)
{
	size_t i = *q;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	size_t start = i;
	char quote = 0;
	for (; i < n && (quote || (p[i] != ' ' && p[i] != '\t')); i++) {
		if (p[i] == '\\' && i + 1 < n)
			i++;
		else if ((p[i] == '"' || p[i] == '\'') && (!quote || quote == p[i]))
			quote = quote ? 0 : p[i];
	}
	*q = i;
	return start;
}

static bool word_is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && !memcmp(w, s, n);
}

unsigned pa_iptables_family(const char *text, size_t len)
{
	static const char h6[] = "# Generated by ip6tables-save";
	static const char h4[] = "# Generated by iptables-save";
	const char *end = text + len;
	bool v4 = false, v6 = false;
	for (const char *p = text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n >= sizeof(h6) - 1 && !memcmp(p, h6, sizeof(h6) - 1))
			return 6;
		if (n >= sizeof(h4) - 1 && !memcmp(p, h4, sizeof(h4) - 1))
			return 4;
		/* Other tools' headers: "# Generated by ...: ip6tables-restore input". */
		if (!v4 && !v6 && n > 1 && p[0] == '#') {
			for (size_t i = 0; i + 9 <= n; i++) {
				if (!memcmp(p + i, "ip6tables", 9))
					v6 = true;
				else if (!memcmp(p + i, "iptables", 8) && (i < 1 || p[i - 1] != '6'))
					v4 = true;
			}
		}
		/* Evidence in a rule's option values: an address, or an ICMP
		 * protocol or match of one family; never in quoted text. */
		const char *prev = NULL;
		size_t prevn = 0, q = 0;
		while (n && (p[0] == '-' || p[0] == '[') && q < n) {
			size_t w = next_word(p, n, &q);
			const char *word = p + w;
			size_t wn = q - w;
			if (!wn)
				break;
			if (prev && (word_is(prev, prevn, "-s") || word_is(prev, prevn, "-d") ||
				     word_is(prev, prevn, "--src-range") ||
				     word_is(prev, prevn, "--dst-range"))) {
				if (memchr(word, ':', wn))
					v6 = true;
				else if (memchr(word, '.', wn))
					v4 = true;
			}
			if (prev && (word_is(prev, prevn, "-p") || word_is(prev, prevn, "-m"))) {
				if (word_is(word, wn, "icmp"))
					v4 = true;
				else if (word_is(word, wn, "ipv6-icmp") || word_is(word, wn, "icmpv6") ||
					 word_is(word, wn, "icmp6"))
					v6 = true;
			}
			prev = word;
			prevn = wn;
		}
		p += n + 1;
	}
	if (v6 && !v4)
		return 6;
	return v4 ? 4 : 0;
}

enum portspec_status pa_read_iptables(struct portspec_ruleset *rs, unsigned family,
				      const char *text, size_t len, uint32_t file,
				      struct portspec_error *err)
{
	struct reader rd = {.rs = rs, .family = family, .file = file, .filename = rs->files[file],
			    .err = err};
	rd.ln = ps_malloc(sizeof(*rd.ln));
	if (!rd.ln)
		return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	enum portspec_status st = PORTSPEC_OK;
	unsigned number = 0;
	const char *end = text + len;
	for (const char *p = text; p < end && !st;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		rd.ln->number = ++number;
		if (n > PS_MAX_LINE)
			st = fail(&rd, PS_MAX_LINE + 1, "a line longer than %u bytes", PS_MAX_LINE);
		else
			st = read_line(&rd, p, n);
		p += n + 1;
	}
	if (!st && rd.in_table) {
		rd.ln->number = rd.table_line;
		st = fail(&rd, 1, "table %s has no COMMIT", rd.table);
	}
	for (size_t i = 0; i < rd.npend; i++)
		ps_free(rd.pend[i].target);
	ps_free(rd.pend);
	ps_free(rd.ln);
	if (!st) {
		rs->families |= family == 6 ? PA_FAM6 : PA_FAM4;
		rs->helpers = true;
		if (rd.nseen == 0 && !pa_ruleset_add_note(rs, "%s: no table: IPv%u is not filtered",
							  rs->files[file], family))
			st = ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	}
	return st;
}
