/* SPDX-License-Identifier: MIT */
/*
 * The nftables reader: `nft -j list ruleset` output (libnftables-json(5)),
 * parsed by jansson.  Tables of the ip, ip6, inet and netdev families are
 * read; arp and bridge tables only see frames that are not routed and are
 * left out with a note.  Both the older and the newer shapes of the
 * listing are accepted: flags as a string or a list, priorities as numbers
 * or standard names ("filter + 10"), ct state matches with "==" or "in".
 *
 * A rule's statements run in order: matches narrow it, side effects (a
 * conntrack helper) apply to the packets that got that far, a verdict ends
 * it.  So one nft rule may become several model rules: one per side effect,
 * one per verdict of a verdict map, one for the final verdict.
 *
 * jansson does not keep positions, so a small scanner finds where each
 * element of the top-level list and of each rule's statement list begins,
 * and errors and rules carry file:line:column.
 */
/* getservbyname_r: service names as nft resolves them. */
#define _DEFAULT_SOURCE
#include "internal.h"

#if !defined(PORTSPEC_AUDIT_NFT_JSON)

enum portspec_status pa_read_nft_json(struct portspec_ruleset *rs, const char *text, size_t len,
				      uint32_t file, struct portspec_error *err)
{
	(void)text;
	(void)len;
	return ps_error_set(err, PORTSPEC_E_UNSUPPORTED, rs->files[file], 0, 0,
			    "this build reads no nft JSON (libportspec-audit was built without "
			    "jansson: meson setup -Dnft-json=enabled)");
}

#else

#include <jansson.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- positions ---- */

struct positions {
	size_t *item;   /* offset of each element of the nftables list */
	size_t nitem;
	size_t **expr;  /* per element: offsets of its rule's statements */
	size_t *nexpr;
};

static size_t skip_ws(const char *t, size_t n, size_t i)
{
	while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

static size_t skip_string(const char *t, size_t n, size_t i)
{
	for (i++; i < n && t[i] != '"'; i++)
		if (t[i] == '\\')
			i++;
	return i + 1;
}

/* Skips one value; the text is valid JSON (jansson said so). */
static size_t skip_value(const char *t, size_t n, size_t i)
{
	i = skip_ws(t, n, i);
	if (i >= n)
		return n;
	if (t[i] == '"')
		return skip_string(t, n, i);
	if (t[i] == '{' || t[i] == '[') {
		int depth = 0;
		for (; i < n; i++) {
			if (t[i] == '"') {
				i = skip_string(t, n, i) - 1;
			} else if (t[i] == '{' || t[i] == '[') {
				depth++;
			} else if ((t[i] == '}' || t[i] == ']') && --depth == 0) {
				return i + 1;
			}
		}
		return n;
	}
	while (i < n && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' &&
	       t[i] != '\n' && t[i] != '\t' && t[i] != '\r')
		i++;
	return i;
}

/* Calls `fn` with the start of each element of the list at t[i]. */
static size_t each_element(const char *t, size_t n, size_t i, void (*fn)(void *, size_t),
			   void *ud)
{
	i = skip_ws(t, n, i);
	if (i >= n || t[i] != '[')
		return skip_value(t, n, i);
	i = skip_ws(t, n, i + 1);
	while (i < n && t[i] != ']') {
		fn(ud, i);
		i = skip_ws(t, n, skip_value(t, n, i));
		if (i < n && t[i] == ',')
			i = skip_ws(t, n, i + 1);
	}
	return i + 1;
}

/* Finds member `key` of the object at t[i]: the start of its value, or 0. */
static size_t member(const char *t, size_t n, size_t i, const char *key)
{
	size_t kl = strlen(key);
	i = skip_ws(t, n, i);
	if (i >= n || t[i] != '{')
		return 0;
	i = skip_ws(t, n, i + 1);
	while (i < n && t[i] == '"') {
		size_t end = skip_string(t, n, i);
		bool match = end - i - 2 == kl && !memcmp(t + i + 1, key, kl);
		i = skip_ws(t, n, end);
		if (i < n && t[i] == ':')
			i = skip_ws(t, n, i + 1);
		if (match)
			return i;
		i = skip_ws(t, n, skip_value(t, n, i));
		if (i < n && t[i] == ',')
			i = skip_ws(t, n, i + 1);
	}
	return 0;
}

struct collect {
	size_t *v;
	size_t n, cap;
	bool failed;
};

static void collect(void *ud, size_t at)
{
	struct collect *c = ud;
	if (c->failed)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		size_t *v = ps_reallocarray(c->v, cap, sizeof(*v));
		if (!v) {
			c->failed = true;
			return;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = at;
}

static bool index_positions(const char *t, size_t n, struct positions *pos)
{
	memset(pos, 0, sizeof(*pos));
	size_t list = member(t, n, 0, "nftables");
	if (!list)
		return true;
	struct collect items = {0};
	each_element(t, n, list, collect, &items);
	if (items.failed)
		return false;
	pos->item = items.v;
	pos->nitem = items.n;
	pos->expr = ps_calloc(items.n ? items.n : 1, sizeof(*pos->expr));
	pos->nexpr = ps_calloc(items.n ? items.n : 1, sizeof(*pos->nexpr));
	if (!pos->expr || !pos->nexpr)
		return false;
	for (size_t k = 0; k < items.n; k++) {
		size_t rule = member(t, n, items.v[k], "rule");
		size_t expr = rule ? member(t, n, rule, "expr") : 0;
		if (!expr)
			continue;
		struct collect e = {0};
		each_element(t, n, expr, collect, &e);
		if (e.failed)
			return false;
		pos->expr[k] = e.v;
		pos->nexpr[k] = e.n;
	}
	return true;
}

static void positions_release(struct positions *pos)
{
	for (size_t k = 0; pos->expr && k < pos->nitem; k++)
		ps_free(pos->expr[k]);
	ps_free(pos->expr);
	ps_free(pos->nexpr);
	ps_free(pos->item);
}

/* ---- the reader ---- */

struct nset {
	uint32_t table;
	char *name;
	const json_t *elem;    /* borrowed from the document */
	const json_t *type;
	bool dynamic;          /* its elements change at run time */
	bool is_map;
	bool verdict_map;
};

struct ntable {
	char *family, *name;
	uint32_t id;
	unsigned families;
	bool skipped;          /* dormant, or a family that sees no routed packets */
};

struct nhelper {
	uint32_t table;
	char *name, *type;
};

struct reader {
	struct portspec_ruleset *rs;
	uint32_t file;
	const char *filename;
	const char *text;
	size_t len;
	struct portspec_error *err;
	struct positions pos;
	struct ntable *tables;
	size_t ntables;
	struct nset *sets;
	size_t nsets;
	struct nhelper *helpers;
	size_t nhelpers;
	/* the position being read, for errors */
	size_t at;
	bool xt_noted;
};

static void where(const struct reader *rd, size_t at, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;
	for (size_t i = 0; i < at && i < rd->len; i++, c++)
		if (rd->text[i] == '\n')
			l++, c = 0;
	*line = l;
	*col = c;
}

static enum portspec_status fail(struct reader *rd, const char *fmt, ...) PS_PRINTF(2, 3);
static enum portspec_status fail(struct reader *rd, const char *fmt, ...)
{
	char text[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	unsigned line, col;
	where(rd, rd->at, &line, &col);
	return ps_error_set(rd->err, PORTSPEC_E_PARSE, rd->filename, line, col, "%s", text);
}

static enum portspec_status nomem(struct reader *rd)
{
	return ps_error_set(rd->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
}

static const char *str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Room for element n of an array whose capacity is 8, 16, 32, ...: it grows
 * when n reaches it. */
static bool grow(void **p, size_t n, size_t size)
{
	if (n != 0 && (n < 8 || (n & (n - 1))))
		return true;
	void *q = ps_reallocarray(*p, n ? n * 2 : 8, size);
	if (!q)
		return false;
	*p = q;
	return true;
}

static struct ntable *find_table(struct reader *rd, const char *family, const char *name)
{
	for (size_t i = 0; family && name && i < rd->ntables; i++)
		if (!strcmp(rd->tables[i].family, family) && !strcmp(rd->tables[i].name, name))
			return &rd->tables[i];
	return NULL;
}

static struct ntable *table_of(struct reader *rd, const json_t *o)
{
	return find_table(rd, str(o, "family"), str(o, "table"));
}

/* Flags: "a", ["a", "b"] (newer), or "a,b". */
static bool has_flag(const json_t *flags, const char *prefix)
{
	size_t n = strlen(prefix);
	if (json_is_string(flags)) {
		const char *s = json_string_value(flags);
		for (const char *p = s; p && *p;) {
			if (!strncmp(p, prefix, n))
				return true;
			p = strchr(p, ',');
			if (p)
				p++;
		}
		return false;
	}
	for (size_t i = 0; i < json_array_size(flags); i++) {
		const json_t *f = json_array_get(flags, i);
		if (json_is_string(f) && !strncmp(json_string_value(f), prefix, n))
			return true;
	}
	return false;
}

static enum portspec_status read_table(struct reader *rd, const json_t *o)
{
	const char *family = str(o, "family"), *name = str(o, "name");
	if (!family || !name)
		return fail(rd, "a table needs a family and a name");
	unsigned fams;
	if (!strcmp(family, "ip"))
		fams = PA_FAM4;
	else if (!strcmp(family, "ip6"))
		fams = PA_FAM6;
	else if (!strcmp(family, "inet") || !strcmp(family, "netdev") ||
		 !strcmp(family, "bridge") || !strcmp(family, "arp"))
		fams = PA_FAMS;
	else
		return fail(rd, "unknown table family '%s' (ip, ip6, inet, netdev, bridge, arp)",
			    family);
	if (find_table(rd, family, name))
		return fail(rd, "table %s %s listed twice", family, name);
	if (!grow((void **)&rd->tables, rd->ntables, sizeof(*rd->tables)))
		return nomem(rd);
	struct ntable *t = &rd->tables[rd->ntables];
	memset(t, 0, sizeof(*t));
	t->family = ps_strdup(family);
	t->name = ps_strdup(name);
	rd->ntables++;
	if (!t->family || !t->name)
		return nomem(rd);
	t->id = pa_ruleset_add_table(rd->rs);
	t->families = fams;
	if (!strcmp(family, "bridge") || !strcmp(family, "arp")) {
		t->skipped = true;
		if (!pa_ruleset_add_note(rd->rs, "%s: table %s %s is not evaluated: the %s family "
					 "sees frames that are not routed", rd->filename, family,
					 name, family))
			return nomem(rd);
	}
	if (has_flag(json_object_get(o, "flags"), "dorm")) {
		t->skipped = true;
		if (!pa_ruleset_add_note(rd->rs, "%s: table %s %s is dormant: it filters nothing",
					 rd->filename, family, name))
			return nomem(rd);
	}
	return PORTSPEC_OK;
}

/* Standard priority names (nft(8), PRIORITY), with an optional "+ N"/"- N". */
static bool priority(const json_t *v, const char *family, const char *hook, int *out)
{
	if (json_is_integer(v)) {
		json_int_t p = json_integer_value(v);
		if (p < -2147483647 || p > 2147483647)
			return false;
		*out = (int)p;
		return true;
	}
	if (!json_is_string(v))
		return false;
	static const struct {
		const char *name;
		int value;
	} names[] = {{"raw", -300}, {"mangle", -150}, {"dstnat", -100}, {"filter", 0},
		     {"security", 50}, {"srcnat", 100}};
	const char *s = json_string_value(v);
	size_t n = strcspn(s, " +-");
	int base = 0;
	bool found = false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !found; i++)
		if (strlen(names[i].name) == n && !strncmp(s, names[i].name, n)) {
			base = names[i].value;
			found = true;
		}
	if (!found && !strncmp(s, "out", n) && n == 3 && family && !strcmp(family, "bridge"))
		base = 100, found = true;
	if (!found)
		return false;
	(void)hook;
	s += n;
	while (*s == ' ')
		s++;
	if (!*s) {
		*out = base;
		return true;
	}
	char sign = *s++;
	while (*s == ' ')
		s++;
	unsigned long off;
	if ((sign != '+' && sign != '-') || !pa_parse_uint(s, strlen(s), 100000, &off))
		return false;
	*out = sign == '+' ? base + (int)off : base - (int)off;
	return true;
}

static enum portspec_status read_chain(struct reader *rd, const json_t *o, unsigned line,
				       unsigned col)
{
	struct ntable *t = table_of(rd, o);
	const char *name = str(o, "name");
	if (!t || !name)
		return fail(rd, "a chain needs the family and name of a listed table, and a name");
	if (pa_chain_find(rd->rs, t->id, name) != PA_NONE)
		return fail(rd, "chain %s listed twice in table %s %s", name, t->family, t->name);
	char table[300];
	snprintf(table, sizeof(table), "%s %s", t->family, t->name);
	uint32_t c;
	enum portspec_status st = pa_ruleset_add_chain(rd->rs, name, table, t->id, &c);
	if (st)
		return st == PORTSPEC_E_LIMIT ? fail(rd, "too many chains") : nomem(rd);
	struct pa_chain *ch = &rd->rs->chains[c];
	ch->families = (uint8_t)t->families;
	ch->file = rd->file;
	ch->line = line;
	ch->column = col;
	const char *hook = str(o, "hook");
	if (!hook || t->skipped)
		return PORTSPEC_OK;
	static const struct {
		const char *name;
		enum pa_hook_stage stage;
	} hooks[] = {{"prerouting", PA_HK_PREROUTING}, {"input", PA_HK_INPUT},
		     {"forward", PA_HK_FORWARD}, {"output", PA_HK_OUTPUT},
		     {"postrouting", PA_HK_POSTROUTING}, {"ingress", PA_HK_INGRESS},
		     {"egress", PA_HK_POSTROUTING}};
	enum pa_hook_stage stage = PA_HK_NONE;
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (!strcmp(hook, hooks[i].name))
			stage = hooks[i].stage;
	if (stage == PA_HK_NONE)
		return fail(rd, "chain %s: unknown hook '%s'", name, hook);
	int prio;
	if (!priority(json_object_get(o, "prio"), t->family, hook, &prio))
		return fail(rd, "chain %s: the priority is a number or a standard name (raw, "
			    "mangle, dstnat, filter, security, srcnat) with an optional + or - N",
			    name);
	const char *type = str(o, "type");
	enum pa_chain_type ct = PA_CHAIN_FILTER;
	if (type && !strcmp(type, "nat"))
		ct = PA_CHAIN_NAT;
	else if (type && !strcmp(type, "route"))
		ct = PA_CHAIN_ROUTE;
	else if (type && strcmp(type, "filter"))
		return fail(rd, "chain %s: unknown type '%s' (filter, nat, route)", name, type);
	const char *policy = str(o, "policy");
	enum pa_action pol = PA_ACT_ACCEPT;
	if (policy && !strcmp(policy, "drop"))
		pol = PA_ACT_DROP;
	else if (policy && strcmp(policy, "accept"))
		return fail(rd, "chain %s: the policy is accept or drop, not '%s'", name, policy);
	/* A device-bound chain (netdev ingress and egress, inet ingress). */
	const json_t *dev = json_object_get(o, "dev");
	if (!dev)
		dev = json_object_get(o, "device");
	if (json_is_array(dev) && json_array_size(dev) == 1)
		dev = json_array_get(dev, 0);
	if (dev && !json_is_string(dev)) {
		/* Several devices: the analysis models one per chain. */
		if (!pa_ruleset_add_note(rd->rs, "%s: chain %s of table %s %s is bound to several "
					 "devices; it is taken to see every device's packets",
					 rd->filename, name, t->family, t->name))
			return nomem(rd);
	} else if (dev && !(rd->rs->chains[c].device = ps_strdup(json_string_value(dev)))) {
		return nomem(rd);
	}
	if (!strcmp(hook, "egress") && rd->rs->chains[c].device) {
		/* Leaving by the device: the guard is on the output interface,
		 * which the analysis keeps for ingress; take every packet. */
		ps_free(rd->rs->chains[c].device);
		rd->rs->chains[c].device = NULL;
		if (!pa_ruleset_add_note(rd->rs, "%s: egress chain %s of table %s %s is taken to see "
					 "the packets of every device", rd->filename, name,
					 t->family, t->name))
			return nomem(rd);
	}
	st = pa_chain_set_base(rd->rs, c, stage, prio, ct, pol);
	return st ? nomem(rd) : PORTSPEC_OK;
}

static enum portspec_status read_set(struct reader *rd, const json_t *o, bool is_map)
{
	struct ntable *t = table_of(rd, o);
	const char *name = str(o, "name");
	if (!t || !name)
		return fail(rd, "a set needs the family and name of a listed table, and a name");
	if (!grow((void **)&rd->sets, rd->nsets, sizeof(*rd->sets)))
		return nomem(rd);
	struct nset *s = &rd->sets[rd->nsets];
	memset(s, 0, sizeof(*s));
	s->table = t->id;
	s->name = ps_strdup(name);
	rd->nsets++;
	if (!s->name)
		return nomem(rd);
	s->elem = json_object_get(o, "elem");
	s->type = json_object_get(o, "type");
	s->is_map = is_map;
	const char *map = str(o, "map");
	s->verdict_map = is_map && map && !strcmp(map, "verdict");
	const json_t *flags = json_object_get(o, "flags");
	s->dynamic = has_flag(flags, "timeout") || has_flag(flags, "dynamic");
	return PORTSPEC_OK;
}

static struct nset *find_set(struct reader *rd, uint32_t table, const char *ref)
{
	if (!ref || ref[0] != '@')
		return NULL;
	for (size_t i = 0; i < rd->nsets; i++)
		if (rd->sets[i].table == table && !strcmp(rd->sets[i].name, ref + 1))
			return &rd->sets[i];
	return NULL;
}

static enum portspec_status read_helper(struct reader *rd, const json_t *o)
{
	struct ntable *t = table_of(rd, o);
	const char *name = str(o, "name"), *type = str(o, "type");
	if (!t || !name || !type)
		return fail(rd, "a ct helper needs a table, a name and a type");
	if (!grow((void **)&rd->helpers, rd->nhelpers, sizeof(*rd->helpers)))
		return nomem(rd);
	struct nhelper *h = &rd->helpers[rd->nhelpers++];
	h->table = t->id;
	h->name = ps_strdup(name);
	h->type = ps_strdup(type);
	return h->name && h->type ? PORTSPEC_OK : nomem(rd);
}

/* Sets that rules add elements to are dynamic too. */
static void mark_dynamic(struct reader *rd, const json_t *rule, uint32_t table)
{
	const json_t *expr = json_object_get(rule, "expr");
	for (size_t i = 0; i < json_array_size(expr); i++) {
		const json_t *s = json_object_get(json_array_get(expr, i), "set");
		if (!s)
			s = json_object_get(json_array_get(expr, i), "map");
		struct nset *set = find_set(rd, table, str(s, "set"));
		if (!set)
			set = find_set(rd, table, str(s, "map"));
		if (set)
			set->dynamic = true;
	}
}

/* ---- values ---- */

enum vkind { V_ADDR4, V_ADDR6, V_PORT, V_PROTO, V_IFNAME, V_ICMP4, V_ICMP6, V_ICMPCODE4,
	     V_ICMPCODE6, V_STATE, V_TTL, V_NFPROTO, V_ETHER, V_TCPFLAGS, V_FIBTYPE };

struct value {
	struct pa_set set;         /* numeric values */
	struct pa_iface_pat *pats; /* V_IFNAME */
	size_t npats, cappats;
	unsigned bits;             /* V_STATE, V_TCPFLAGS, V_FIBTYPE, V_NFPROTO */
	const char *unknown;       /* why it cannot be read (a dynamic set, ...) */
};

static void value_release(struct value *v)
{
	pa_set_release(&v->set);
	for (size_t i = 0; i < v->npats; i++)
		ps_free(v->pats[i].name);
	ps_free(v->pats);
	memset(v, 0, sizeof(*v));
}

static bool add_pat(struct value *v, const char *s)
{
	if (v->npats == v->cappats) {
		size_t cap = v->cappats ? v->cappats * 2 : 4;
		struct pa_iface_pat *p = ps_reallocarray(v->pats, cap, sizeof(*p));
		if (!p)
			return false;
		v->pats = p;
		v->cappats = cap;
	}
	/* nft: a trailing * is a wildcard, \* a literal star. */
	size_t n = strlen(s);
	bool prefix = n > 0 && s[n - 1] == '*' && (n < 2 || s[n - 2] != '\\');
	char *name = ps_strndup(s, prefix ? n - 1 : n);
	if (!name)
		return false;
	v->pats[v->npats].name = name;
	v->pats[v->npats].prefix = prefix;
	v->npats++;
	return true;
}

static int named_bit(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

static const char *const state_names[] = {"invalid", "new", "established", "related", "untracked"};
static const char *const flag_names[] = {"fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr"};
static const char *const fib_names[] = {"unspec", "unicast", "local", "broadcast", "anycast",
					"multicast", "blackhole", "unreachable", "prohibit",
					"throw", "nat", "xresolve"};

static enum portspec_status scalar(struct reader *rd, enum vkind k, const json_t *j,
				   struct value *v);

static bool add_num(struct value *v, unsigned long lo, unsigned long hi)
{
	return pa_set_add(&v->set, pa_u(lo), pa_u(hi));
}

static enum portspec_status icmp_code(struct reader *rd, bool v6, const char *s, unsigned *out)
{
	static const char *const c4[] = {"net-unreachable", "host-unreachable", "prot-unreachable",
					  "port-unreachable", "frag-needed", NULL, NULL, NULL, NULL,
					  "net-prohibited", "host-prohibited", NULL, NULL,
					  "admin-prohibited"};
	static const char *const c6[] = {"no-route", "admin-prohibited", NULL, "addr-unreachable",
					  "port-unreachable", "policy-fail", "reject-route"};
	const char *const *t = v6 ? c6 : c4;
	size_t n = v6 ? sizeof(c6) / sizeof(c6[0]) : sizeof(c4) / sizeof(c4[0]);
	for (size_t i = 0; i < n; i++)
		if (t[i] && !strcmp(s, t[i])) {
			*out = (unsigned)i;
			return PORTSPEC_OK;
		}
	return fail(rd, "unknown ICMP%s code '%s'", v6 ? "v6" : "", s);
}

static enum portspec_status string_value(struct reader *rd, enum vkind k, const char *s,
					 struct value *v)
{
	unsigned fam;
	struct pa_range r;
	struct pa_u128 a;
	int bit;
	unsigned type, code = 0;
	int icode;
	switch (k) {
	case V_ADDR4:
	case V_ADDR6:
		if (!pa_addr_parse(s, k == V_ADDR4 ? 4 : 6, &fam, &a))
			return fail(rd, "'%s' is not an IPv%d address", s, k == V_ADDR4 ? 4 : 6);
		return pa_set_add(&v->set, a, a) ? PORTSPEC_OK : nomem(rd);
	case V_PORT: {
		struct servent se, *res = NULL;
		char buf[1024];
		if (getservbyname_r(s, NULL, &se, buf, sizeof(buf), &res) == 0 && res)
			return add_num(v, ntohs((uint16_t)res->s_port), ntohs((uint16_t)res->s_port))
			       ? PORTSPEC_OK : nomem(rd);
		return fail(rd, "'%s' is not a port", s);
	}
	case V_PROTO: {
		int p = pa_protocol_number(s);
		if (p < 0)
			return fail(rd, "unknown protocol '%s'", s);
		return add_num(v, (unsigned)p, (unsigned)p) ? PORTSPEC_OK : nomem(rd);
	}
	case V_IFNAME:
		if (strlen(s) > 15 && !(strlen(s) == 16 && s[15] == '*'))
			return fail(rd, "'%s' is not an interface name (up to 15 characters)", s);
		return add_pat(v, s) ? PORTSPEC_OK : nomem(rd);
	case V_ICMP4:
	case V_ICMP6:
		if (pa_icmp_type(s, k == V_ICMP6, &type, &icode) < 0)
			return fail(rd, "unknown ICMP%s type '%s'", k == V_ICMP6 ? "v6" : "", s);
		return add_num(v, type, type) ? PORTSPEC_OK : nomem(rd);
	case V_ICMPCODE4:
	case V_ICMPCODE6: {
		enum portspec_status st = icmp_code(rd, k == V_ICMPCODE6, s, &code);
		return st ? st : add_num(v, code, code) ? PORTSPEC_OK : nomem(rd);
	}
	case V_STATE:
		if ((bit = named_bit(s, state_names, 5)) < 0)
			return fail(rd, "unknown connection state '%s'", s);
		v->bits |= bit == 0 ? PA_STBIT(PA_ST_INVALID) : bit == 1 ? PA_STBIT(PA_ST_NEW)
			   : bit == 2 ? PA_ST_ANY_ESTABLISHED : bit == 3 ? PA_STBIT(PA_ST_RELATED)
			   : PA_STBIT(PA_ST_UNTRACKED);
		return PORTSPEC_OK;
	case V_TCPFLAGS:
		if ((bit = named_bit(s, flag_names, 8)) < 0)
			return fail(rd, "unknown TCP flag '%s'", s);
		v->bits |= 1u << bit;
		return PORTSPEC_OK;
	case V_FIBTYPE:
		if ((bit = named_bit(s, fib_names, 12)) < 0)
			return fail(rd, "unknown address type '%s'", s);
		v->bits |= 1u << bit;
		return PORTSPEC_OK;
	case V_NFPROTO:
		if (!strcmp(s, "ipv4"))
			v->bits |= PA_FAM4;
		else if (!strcmp(s, "ipv6"))
			v->bits |= PA_FAM6;
		else
			v->bits |= 4; /* a family without IP: nothing of ours */
		return PORTSPEC_OK;
	case V_ETHER:
		if (!strcmp(s, "ip"))
			v->bits |= PA_FAM4;
		else if (!strcmp(s, "ip6"))
			v->bits |= PA_FAM6;
		else
			v->bits |= 4;
		return PORTSPEC_OK;
	case V_TTL:
		break;
	}
	(void)r;
	return fail(rd, "'%s' is not a number", s);
}

static enum portspec_status number_value(struct reader *rd, enum vkind k, json_int_t n,
					 struct value *v)
{
	json_int_t max = k == V_PORT ? 65535 : k == V_ADDR4 ? 0 : k == V_ADDR6 ? 0 : 255;
	if (k == V_IFNAME) {
		v->unknown = "an interface by index";
		return PORTSPEC_OK;
	}
	if (k == V_STATE || k == V_TCPFLAGS || k == V_FIBTYPE || k == V_NFPROTO || k == V_ETHER) {
		if (k == V_TCPFLAGS && n >= 0 && n <= 255) {
			v->bits |= (unsigned)n;
			return PORTSPEC_OK;
		}
		if (k == V_NFPROTO || k == V_ETHER) {
			v->bits |= (k == V_NFPROTO ? n == 2 : n == 0x0800) ? PA_FAM4
				   : (k == V_NFPROTO ? n == 10 : n == 0x86dd) ? PA_FAM6 : 4;
			return PORTSPEC_OK;
		}
		return fail(rd, "a number where a name is expected");
	}
	if (n < 0 || n > max)
		return fail(rd, "%lld is out of range (0 to %lld)", (long long)n, (long long)max);
	return add_num(v, (unsigned long)n, (unsigned long)n) ? PORTSPEC_OK : nomem(rd);
}

static enum portspec_status set_ref(struct reader *rd, enum vkind k, uint32_t table,
				    const char *ref, struct value *v);

static enum portspec_status scalar(struct reader *rd, enum vkind k, const json_t *j,
				   struct value *v)
{
	if (json_is_string(j))
		return string_value(rd, k, json_string_value(j), v);
	if (json_is_integer(j))
		return number_value(rd, k, json_integer_value(j), v);
	const json_t *p;
	if ((p = json_object_get(j, "prefix"))) {
		const char *a = str(p, "addr");
		const json_t *len = json_object_get(p, "len");
		char buf[96];
		struct pa_range r;
		if ((k != V_ADDR4 && k != V_ADDR6) || !a || !json_is_integer(len))
			return fail(rd, "a prefix needs an address and a length");
		snprintf(buf, sizeof(buf), "%.60s/%lld", a, (long long)json_integer_value(len));
		if (!pa_cidr_parse(buf, k == V_ADDR4 ? 4 : 6, NULL, &r))
			return fail(rd, "'%s' is not an IPv%d prefix", buf, k == V_ADDR4 ? 4 : 6);
		return pa_set_add(&v->set, r.lo, r.hi) ? PORTSPEC_OK : nomem(rd);
	}
	if ((p = json_object_get(j, "range"))) {
		if (json_array_size(p) != 2)
			return fail(rd, "a range has two ends");
		struct value a = {0}, b = {0};
		enum portspec_status st = scalar(rd, k, json_array_get(p, 0), &a);
		if (!st)
			st = scalar(rd, k, json_array_get(p, 1), &b);
		if (!st && (a.set.n != 1 || b.set.n != 1 || pa_cmp(a.set.r[0].lo, b.set.r[0].lo) > 0))
			st = fail(rd, "a range needs two values, the first not above the second");
		if (!st && !pa_set_add(&v->set, a.set.r[0].lo, b.set.r[0].hi))
			st = nomem(rd);
		value_release(&a);
		value_release(&b);
		return st;
	}
	if ((p = json_object_get(j, "elem")))
		return scalar(rd, k, json_object_get(p, "val"), v);
	if (json_is_object(j) && (json_object_get(j, "concat") || json_object_get(j, "set"))) {
		v->unknown = "a concatenation or nested set";
		return PORTSPEC_OK;
	}
	return fail(rd, "a value of an unknown shape");
}

/* A right-hand side: a value, a list (anonymous set or flag list), {"set":
 * [...]} or "@name". */
static enum portspec_status rhs(struct reader *rd, enum vkind k, uint32_t table, const json_t *j,
				struct value *v)
{
	if (json_is_string(j) && json_string_value(j)[0] == '@')
		return set_ref(rd, k, table, json_string_value(j), v);
	const json_t *list = json_is_array(j) ? j : json_object_get(j, "set");
	if (list && !json_is_array(list))
		list = NULL, j = json_object_get(j, "set");
	if (!list)
		return scalar(rd, k, j, v);
	for (size_t i = 0; i < json_array_size(list); i++) {
		enum portspec_status st = scalar(rd, k, json_array_get(list, i), v);
		if (st)
			return st;
	}
	return PORTSPEC_OK;
}

static enum portspec_status set_ref(struct reader *rd, enum vkind k, uint32_t table,
				    const char *ref, struct value *v)
{
	struct nset *s = find_set(rd, table, ref);
	if (!s)
		return fail(rd, "no set %s in the table", ref);
	if (s->dynamic) {
		v->unknown = "a set whose elements change at run time";
		return PORTSPEC_OK;
	}
	if (json_is_array(s->type)) {
		v->unknown = "a set of concatenations";
		return PORTSPEC_OK;
	}
	if (!s->elem)
		return PORTSPEC_OK; /* empty */
	return rhs(rd, k, table, s->elem, v);
}

/* ---- statements ---- */

/* What a match's left-hand side is. */
struct lhs {
	enum { L_DIM, L_IFACE, L_STATE, L_FLAGS, L_ADDRTYPE, L_FAMILY, L_UNKNOWN } kind;
	enum pa_dim dim;
	enum vkind vk;
	unsigned families;  /* the payload implies a family */
	int proto;          /* the payload implies a protocol (-1: none) */
	bool th;            /* a transport port of whatever protocol */
	unsigned icmp_code; /* ICMP code rather than type: 1 */
	unsigned mask;      /* tcp flags & mask */
	bool has_mask;
	char what[96];
};

/* "A B" names what is not modelled: "meta mark", "tcp option". */
static void lhs_unknown(struct lhs *l, const char *a, const char *b)
{
	l->kind = L_UNKNOWN;
	snprintf(l->what, sizeof(l->what), "%s%s%s", a ? a : "?", b && *b ? " " : "", b ? b : "");
}

static void payload(struct lhs *l, const json_t *p)
{
	const char *proto = str(p, "protocol"), *field = str(p, "field");
	l->kind = L_DIM;
	l->proto = -1;
	if (!proto || !field) {
		lhs_unknown(l, "a raw payload", "");
		return;
	}
	bool ip = !strcmp(proto, "ip"), ip6 = !strcmp(proto, "ip6");
	if (ip || ip6) {
		l->families = ip ? PA_FAM4 : PA_FAM6;
		if (!strcmp(field, "saddr") || !strcmp(field, "daddr")) {
			l->dim = field[0] == 's' ? PA_SRC : PA_DST;
			l->vk = ip ? V_ADDR4 : V_ADDR6;
			return;
		}
		if ((ip && !strcmp(field, "protocol")) || (ip6 && !strcmp(field, "nexthdr"))) {
			l->dim = PA_PROTO;
			l->vk = V_PROTO;
			return;
		}
		if ((ip && !strcmp(field, "ttl")) || (ip6 && !strcmp(field, "hoplimit"))) {
			l->dim = PA_TTL;
			l->vk = V_TTL;
			return;
		}
		lhs_unknown(l, proto, field);
		l->families = ip ? PA_FAM4 : PA_FAM6;
		return;
	}
	static const struct {
		const char *name;
		int number;
	} ported[] = {{"tcp", 6}, {"udp", 17}, {"udplite", 136}, {"sctp", 132}, {"dccp", 33},
		      {"th", 0}};
	for (size_t i = 0; i < sizeof(ported) / sizeof(ported[0]); i++) {
		if (strcmp(proto, ported[i].name))
			continue;
		if (!strcmp(field, "sport") || !strcmp(field, "dport")) {
			l->dim = field[0] == 's' ? PA_SPORT : PA_DPORT;
			l->vk = V_PORT;
			l->proto = ported[i].number;
			l->th = ported[i].number == 0;
			return;
		}
		if (ported[i].number == 6 && !strcmp(field, "flags")) {
			l->kind = L_FLAGS;
			l->proto = 6;
			return;
		}
		lhs_unknown(l, proto, field);
		l->proto = ported[i].number ? ported[i].number : -1;
		return;
	}
	bool icmp = !strcmp(proto, "icmp"), icmp6 = !strcmp(proto, "icmpv6");
	if ((icmp || icmp6) && (!strcmp(field, "type") || !strcmp(field, "code"))) {
		l->dim = PA_ICMP;
		l->proto = icmp ? 1 : 58;
		l->families = icmp ? PA_FAM4 : PA_FAM6;
		l->icmp_code = field[0] == 'c';
		l->vk = l->icmp_code ? (icmp ? V_ICMPCODE4 : V_ICMPCODE6) : (icmp ? V_ICMP4 : V_ICMP6);
		return;
	}
	lhs_unknown(l, proto, field);
	if (icmp || icmp6) {
		l->proto = icmp ? 1 : 58;
		l->families = icmp ? PA_FAM4 : PA_FAM6;
	}
}

static void meta(struct lhs *l, const char *key)
{
	l->proto = -1;
	if (!strcmp(key, "iifname") || !strcmp(key, "oifname") || !strcmp(key, "iif") ||
	    !strcmp(key, "oif")) {
		l->kind = L_IFACE;
		l->dim = key[0] == 'i' ? PA_IIF : PA_OIF;
		l->vk = V_IFNAME;
		return;
	}
	if (!strcmp(key, "l4proto")) {
		l->kind = L_DIM;
		l->dim = PA_PROTO;
		l->vk = V_PROTO;
		return;
	}
	if (!strcmp(key, "nfproto") || !strcmp(key, "protocol")) {
		l->kind = L_FAMILY;
		l->vk = key[0] == 'n' ? V_NFPROTO : V_ETHER;
		return;
	}
	lhs_unknown(l, "meta", key);
}

static void left_side(struct lhs *l, const json_t *left)
{
	memset(l, 0, sizeof(*l));
	l->proto = -1;
	const json_t *p;
	if ((p = json_object_get(left, "payload"))) {
		payload(l, p);
	} else if ((p = json_object_get(left, "meta"))) {
		const char *key = str(p, "key");
		if (key)
			meta(l, key);
		else
			lhs_unknown(l, "meta", "");
	} else if ((p = json_object_get(left, "ct"))) {
		const char *key = str(p, "key");
		if (key && !strcmp(key, "state") && !json_object_get(p, "dir"))
			l->kind = L_STATE;
		else if (key && (!strcmp(key, "l3proto") || !strcmp(key, "protocol")) &&
			 !json_object_get(p, "dir")) {
			l->kind = key[0] == 'l' ? L_FAMILY : L_DIM;
			l->dim = PA_PROTO;
			l->vk = key[0] == 'l' ? V_NFPROTO : V_PROTO;
		} else {
			lhs_unknown(l, "ct", key);
		}
	} else if ((p = json_object_get(left, "fib"))) {
		const char *result = str(p, "result");
		const json_t *flags = json_object_get(p, "flags");
		bool s = has_flag(flags, "saddr"), d = has_flag(flags, "daddr");
		bool iface = has_flag(flags, "iif") || has_flag(flags, "oif") || has_flag(flags, "mark");
		if (result && !strcmp(result, "type") && (s != d) && !iface) {
			l->kind = L_ADDRTYPE;
			l->dim = s ? PA_SRC : PA_DST;
		} else {
			lhs_unknown(l, "fib lookup of", result);
		}
	} else if ((p = json_object_get(left, "&"))) {
		/* tcp flags & MASK, ct state & MASK */
		const json_t *inner = json_array_get(p, 0);
		if (json_array_size(p) == 2 && inner) {
			left_side(l, inner);
			if (l->kind == L_FLAGS || l->kind == L_STATE) {
				const json_t *mask = json_array_get(p, 1);
				/* The mask's bits; read without errors (a bad mask is unknown). */
				unsigned bits = 0;
				bool ok = true;
				const json_t *list = json_is_array(mask) ? mask : NULL;
				for (size_t i = 0; list && i < json_array_size(list) && ok; i++) {
					const json_t *e = json_array_get(list, i);
					int b = json_is_string(e) ? named_bit(json_string_value(e),
						l->kind == L_FLAGS ? flag_names : state_names,
						l->kind == L_FLAGS ? 8 : 5) : -1;
					ok = b >= 0;
					bits |= 1u << (b < 0 ? 0 : b);
				}
				if (json_is_string(mask)) {
					int b = named_bit(json_string_value(mask),
							  l->kind == L_FLAGS ? flag_names : state_names,
							  l->kind == L_FLAGS ? 8 : 5);
					ok = b >= 0;
					bits = 1u << (b < 0 ? 0 : b);
				} else if (json_is_integer(mask)) {
					bits = (unsigned)json_integer_value(mask);
				} else if (!list) {
					ok = false;
				}
				if (ok) {
					l->mask = bits;
					l->has_mask = true;
					return;
				}
			}
		}
		lhs_unknown(l, "a bitwise expression", "");
	} else {
		const char *k = NULL;
		if (json_is_object(left)) {
			void *it = json_object_iter((json_t *)left);
			k = it ? json_object_iter_key(it) : NULL;
		}
		lhs_unknown(l, k ? k : "an expression", "");
	}
}

/* The rule being built from one nft rule's statements. */
struct nrule {
	struct reader *rd;
	uint32_t chain, table;
	unsigned line, column;
	const char *text;
	struct pa_rule *preds;    /* the matches so far, on a scratch rule */
	unsigned table_families;
	bool dead;                /* a match that is always false */
	int th_ports;             /* a th port match: split per protocol (see emit) */
};

static enum portspec_status add_pred_set(struct nrule *nr, enum pa_dim d, bool neg,
					 unsigned family, const struct pa_set *set)
{
	struct pa_pred *p = pa_rule_add_pred(nr->preds, PA_PRED_SET);
	if (!p)
		return nomem(nr->rd);
	p->dim = (uint8_t)d;
	p->negate = neg;
	p->family = (uint8_t)family;
	return pa_set_copy(&p->set, set) ? PORTSPEC_OK : nomem(nr->rd);
}

static enum portspec_status add_proto(struct nrule *nr, int proto)
{
	struct pa_set s = {0};
	if (!pa_set_add(&s, pa_u((unsigned)proto), pa_u((unsigned)proto)))
		return nomem(nr->rd);
	enum portspec_status st = add_pred_set(nr, PA_PROTO, false, 0, &s);
	pa_set_release(&s);
	return st;
}

static enum portspec_status add_unknown(struct nrule *nr, int proto, const char *what)
{
	return pa_rule_add_unknown(nr->preds, proto > 0 ? (uint8_t)proto : 0, "%s", what)
	       ? PORTSPEC_OK : nomem(nr->rd);
}

/* op applied to a set of values: ==, != (and in: the same for these). */
static enum portspec_status ordered(struct nrule *nr, const char *op, struct value *v,
				    unsigned long max)
{
	if (!strcmp(op, "==") || !strcmp(op, "!=") || !strcmp(op, "in"))
		return PORTSPEC_OK;
	if (v->set.n != 1 || pa_cmp(v->set.r[0].lo, v->set.r[0].hi))
		return fail(nr->rd, "%s needs one value", op);
	unsigned long x = (unsigned long)v->set.r[0].lo.lo;
	unsigned long lo = 0, hi = max;
	if (!strcmp(op, "<"))
		hi = x ? x - 1 : 0, lo = x ? 0 : 1;
	else if (!strcmp(op, "<="))
		hi = x;
	else if (!strcmp(op, ">"))
		lo = x + 1, hi = x < max ? max : 0;
	else if (!strcmp(op, ">="))
		lo = x;
	else
		return fail(nr->rd, "unknown operator '%s'", op);
	pa_set_release(&v->set);
	if (lo <= hi && !add_num(v, lo, hi))
		return nomem(nr->rd);
	return PORTSPEC_OK;
}

static enum portspec_status match(struct nrule *nr, const json_t *m)
{
	struct reader *rd = nr->rd;
	const char *op = str(m, "op");
	const json_t *left = json_object_get(m, "left"), *right = json_object_get(m, "right");
	if (!op || !left || !right)
		return fail(rd, "a match needs op, left and right");
	bool neg = !strcmp(op, "!=");
	struct lhs l;
	left_side(&l, left);
	struct value v = {0};
	enum portspec_status st = PORTSPEC_OK;
	if (l.families) {
		nr->preds->families &= (uint8_t)l.families;
		if (!nr->preds->families)
			nr->dead = true;
	}
	if (l.proto > 0 && !l.th && (st = add_proto(nr, l.proto)))
		return st;
	switch (l.kind) {
	case L_UNKNOWN:
		return add_unknown(nr, l.proto, l.what);
	case L_DIM:
	case L_IFACE:
		if ((st = rhs(rd, l.vk, nr->table, right, &v)))
			break;
		if (v.unknown) {
			st = add_unknown(nr, l.proto, v.unknown);
			break;
		}
		if (l.kind == L_IFACE) {
			if (strcmp(op, "==") && strcmp(op, "!=")) {
				st = fail(rd, "interfaces compare with == or !=");
				break;
			}
			struct pa_pred *p = pa_rule_add_pred(nr->preds, PA_PRED_IFACE);
			if (!p) {
				st = nomem(rd);
				break;
			}
			p->dim = (uint8_t)l.dim;
			p->negate = neg;
			p->pats = v.pats;
			p->npats = v.npats;
			v.pats = NULL;
			v.npats = 0;
			break;
		}
		if ((st = ordered(nr, op, &v, l.dim == PA_SPORT || l.dim == PA_DPORT ? 65535 : 255)))
			break;
		if (l.dim == PA_ICMP) {
			/* Types are the high byte, codes the low one. */
			struct pa_set s = {0};
			for (size_t i = 0; i < v.set.n; i++) {
				unsigned a = (unsigned)v.set.r[i].lo.lo, b = (unsigned)v.set.r[i].hi.lo;
				bool ok = true;
				if (l.icmp_code)
					for (unsigned t = 0; t < 256 && ok; t++)
						ok = pa_set_add(&s, pa_u(t << 8 | a), pa_u(t << 8 | b));
				else
					ok = pa_set_add(&s, pa_u(a << 8), pa_u(b << 8 | 0xff));
				if (!ok) {
					pa_set_release(&s);
					return nomem(rd);
				}
			}
			pa_set_release(&v.set);
			v.set = s;
		}
		if (l.th)
			nr->th_ports = 1;
		st = add_pred_set(nr, l.dim, neg, l.vk == V_ADDR4 ? 4 : l.vk == V_ADDR6 ? 6 : 0, &v.set);
		break;
	case L_STATE: {
		/* ct state & MASK != 0, or ct state MASK / in MASK / == MASK. */
		if (!l.has_mask && (st = rhs(rd, V_STATE, nr->table, right, &v)))
			break;
		unsigned bits = v.bits;
		bool negate = neg;
		if (l.has_mask) {
			bits = 0;
			for (int b = 0; b < 5; b++)
				if (l.mask & (1u << b))
					bits |= b == 0 ? PA_STBIT(PA_ST_INVALID) : b == 1 ? PA_STBIT(PA_ST_NEW)
						: b == 2 ? PA_ST_ANY_ESTABLISHED : b == 3 ? PA_STBIT(PA_ST_RELATED)
						: PA_STBIT(PA_ST_UNTRACKED);
			/* "& MASK != 0": in MASK; "& MASK == 0": not in it;
			 * "& MASK == MASK": in it. */
			bool zero = json_is_integer(right) && json_integer_value(right) == 0;
			negate = zero ? !neg : neg;
		}
		struct pa_pred *p = pa_rule_add_pred(nr->preds, PA_PRED_CTSTATE);
		if (!p) {
			st = nomem(rd);
			break;
		}
		p->mask = bits;
		p->negate = negate;
		break;
	}
	case L_FLAGS: {
		if ((st = rhs(rd, V_TCPFLAGS, nr->table, right, &v)))
			break;
		unsigned mask, cmp;
		bool negate = neg;
		if (l.has_mask) {
			mask = l.mask, cmp = v.bits;
		} else if (!strcmp(op, "in")) {
			/* tcp flags syn: some of these flags are set; modelled
			 * exactly for one flag, else unknown. */
			if (__builtin_popcount(v.bits) != 1) {
				st = add_unknown(nr, 6, "tcp flags with several flags");
				break;
			}
			mask = cmp = v.bits;
		} else {
			mask = 0xff, cmp = v.bits;
		}
		struct pa_pred *p = pa_rule_add_pred(nr->preds, PA_PRED_TCPFLAGS);
		if (!p) {
			st = nomem(rd);
			break;
		}
		p->mask = mask;
		p->cmp = cmp & mask;
		p->negate = negate;
		if ((cmp & mask) != cmp && !negate)
			nr->dead = true;
		break;
	}
	case L_ADDRTYPE: {
		if ((st = rhs(rd, V_FIBTYPE, nr->table, right, &v)))
			break;
		struct pa_pred *p = pa_rule_add_pred(nr->preds, PA_PRED_ADDRTYPE);
		if (!p) {
			st = nomem(rd);
			break;
		}
		p->dim = (uint8_t)l.dim;
		p->mask = v.bits;
		p->negate = neg;
		break;
	}
	case L_FAMILY:
		if ((st = rhs(rd, l.vk, nr->table, right, &v)))
			break;
		{
			unsigned fams = v.bits & PA_FAMS;
			if (neg)
				fams = PA_FAMS & ~fams;
			nr->preds->families &= (uint8_t)fams;
			if (!nr->preds->families)
				nr->dead = true;
		}
		break;
	}
	value_release(&v);
	return st;
}

/* Emits a model rule: the matches so far and an action.  A th port match
 * becomes one rule for the protocols with ports; for other protocols the
 * bytes it reads are not ports, so that part is unknown. */
static enum portspec_status emit(struct nrule *nr, enum pa_action action, uint32_t target,
				 const char *arg)
{
	struct reader *rd = nr->rd;
	if (nr->dead)
		return PORTSPEC_OK;
	for (int pass = 0; pass < (nr->th_ports ? 2 : 1); pass++) {
		struct pa_rule *r;
		enum portspec_status st = pa_ruleset_add_rule(rd->rs, nr->chain, SIZE_MAX, rd->file,
							      nr->line, nr->column, &r);
		if (st)
			return st == PORTSPEC_E_LIMIT ? fail(rd, "too many rules") : nomem(rd);
		uint32_t idx = (uint32_t)(r - rd->rs->rules);
		if (pass == 1)
			rd->rs->nfirst_rules--; /* the same rule as written */
		r->families = nr->preds->families;
		r->action = action;
		r->target = target;
		if ((arg && !(r->arg = ps_strdup(arg))) || !(r->text = ps_strdup(nr->text)))
			return nomem(rd);
		/* Copy the predicates. */
		for (size_t i = 0; i < nr->preds->npreds; i++) {
			const struct pa_pred *s = &nr->preds->preds[i];
			struct pa_pred *p = pa_rule_add_pred(&rd->rs->rules[idx], s->kind);
			if (!p)
				return nomem(rd);
			*p = *s;
			p->set = (struct pa_set){0};
			p->pats = NULL;
			p->npats = 0;
			p->text = NULL;
			if (!pa_set_copy(&p->set, &s->set) || (s->text && !(p->text = ps_strdup(s->text))))
				return nomem(rd);
			for (size_t k = 0; k < s->npats; k++) {
				struct pa_iface_pat *pp = ps_reallocarray(p->pats, k + 1, sizeof(*pp));
				if (!pp)
					return nomem(rd);
				p->pats = pp;
				pp[k].prefix = s->pats[k].prefix;
				pp[k].name = ps_strdup(s->pats[k].name);
				p->npats = k + 1;
				if (!pp[k].name)
					return nomem(rd);
			}
		}
		if (!nr->th_ports)
			continue;
		struct pa_pred *pp = pa_rule_add_pred(&rd->rs->rules[idx], PA_PRED_SET);
		if (!pp)
			return nomem(rd);
		static const unsigned ported[] = {6, 17, 33, 132, 136};
		pp->dim = PA_PROTO;
		pp->negate = pass == 1;
		for (size_t i = 0; i < sizeof(ported) / sizeof(ported[0]); i++)
			if (!pa_set_add(&pp->set, pa_u(ported[i]), pa_u(ported[i])))
				return nomem(rd);
		if (pass == 1 && !pa_rule_add_unknown(&rd->rs->rules[idx], 0,
						      "th ports of a protocol without ports"))
			return nomem(rd);
	}
	return PORTSPEC_OK;
}

static enum portspec_status verdict(struct nrule *nr, const char *key, const json_t *val,
				    bool *done)
{
	*done = true;
	if (!strcmp(key, "accept"))
		return emit(nr, PA_ACT_ACCEPT, PA_NONE, NULL);
	if (!strcmp(key, "drop"))
		return emit(nr, PA_ACT_DROP, PA_NONE, NULL);
	if (!strcmp(key, "return"))
		return emit(nr, PA_ACT_RETURN, PA_NONE, NULL);
	if (!strcmp(key, "continue")) {
		*done = false;
		return PORTSPEC_OK;
	}
	if (!strcmp(key, "jump") || !strcmp(key, "goto")) {
		const char *t = str(val, "target");
		uint32_t c = t ? pa_chain_find(nr->rd->rs, nr->table, t) : PA_NONE;
		if (c == PA_NONE)
			return fail(nr->rd, "%s to a chain that is not in the table: '%s'", key,
				    t ? t : "?");
		if (nr->rd->rs->chains[c].hook != PA_HK_NONE)
			return fail(nr->rd, "%s to base chain %s", key, t);
		return emit(nr, key[0] == 'j' ? PA_ACT_JUMP : PA_ACT_GOTO, c, NULL);
	}
	*done = false;
	return PORTSPEC_E_UNKNOWN; /* not a verdict */
}

static enum portspec_status vmap(struct nrule *nr, const json_t *vm)
{
	struct reader *rd = nr->rd;
	const json_t *key = json_object_get(vm, "key"), *data = json_object_get(vm, "data");
	if (!key || !data)
		return fail(rd, "a vmap needs a key and data");
	if (json_is_string(data)) {
		struct nset *s = find_set(rd, nr->table, json_string_value(data));
		if (!s || !s->verdict_map)
			return fail(rd, "no verdict map %s in the table", json_string_value(data));
		if (s->dynamic)
			return emit(nr, PA_ACT_INDET, PA_NONE,
				    "a verdict map whose elements change at run time");
		data = s->elem;
	} else {
		data = json_object_get(data, "set");
	}
	/* One rule per element: key in element, its verdict.  The keys are
	 * disjoint, so the order is the set's. */
	for (size_t i = 0; i < json_array_size(data); i++) {
		const json_t *pair = json_array_get(data, i);
		if (!json_is_array(pair) || json_array_size(pair) != 2)
			return fail(rd, "a verdict map element is [key, verdict]");
		size_t mark = nr->preds->npreds;
		uint8_t fams = nr->preds->families;
		bool dead = nr->dead;
		int th = nr->th_ports;
		json_t *m = json_pack("{s:s, s:O, s:O}", "op", "==", "left", key, "right",
				      json_array_get(pair, 0));
		if (!m)
			return nomem(rd);
		enum portspec_status st = match(nr, m);
		json_decref(m);
		const json_t *v = json_array_get(pair, 1);
		void *it = json_is_object(v) ? json_object_iter((json_t *)v) : NULL;
		bool done;
		if (!st && !it)
			st = fail(rd, "a verdict map element needs a verdict");
		if (!st) {
			st = verdict(nr, json_object_iter_key(it), json_object_iter_value(it), &done);
			if (st == PORTSPEC_E_UNKNOWN)
				st = fail(rd, "'%s' is not a verdict", json_object_iter_key(it));
		}
		/* Back to the matches before the element. */
		while (nr->preds->npreds > mark) {
			struct pa_pred *p = &nr->preds->preds[--nr->preds->npreds];
			pa_set_release(&p->set);
			for (size_t k = 0; k < p->npats; k++)
				ps_free(p->pats[k].name);
			ps_free(p->pats);
			ps_free(p->text);
		}
		nr->preds->families = fams;
		nr->dead = dead;
		nr->th_ports = th;
		if (st)
			return st;
	}
	return PORTSPEC_OK;
}

static const char *helper_type(struct reader *rd, uint32_t table, const json_t *v)
{
	const char *name = json_is_string(v) ? json_string_value(v) : NULL;
	for (size_t i = 0; name && i < rd->nhelpers; i++)
		if (rd->helpers[i].table == table && !strcmp(rd->helpers[i].name, name))
			return rd->helpers[i].type;
	return NULL;
}

static enum portspec_status xt(struct nrule *nr, const json_t *x, bool *done)
{
	struct reader *rd = nr->rd;
	const char *type = str(x, "type"), *name = str(x, "name");
	if (!rd->xt_noted) {
		rd->xt_noted = true;
		if (!pa_ruleset_add_note(rd->rs, "%s: rules made by iptables-nft appear as xt "
					 "statements without their options; read those tables "
					 "with iptables-save output instead", rd->filename))
			return nomem(rd);
	}
	char what[96];
	snprintf(what, sizeof(what), "xt %s %s (from iptables-nft)", type ? type : "?",
		 name ? name : "?");
	if (type && !strcmp(type, "target")) {
		*done = true;
		if (name && !strcmp(name, "REJECT"))
			return emit(nr, PA_ACT_REJECT, PA_NONE, "reject");
		if (name && (!strcmp(name, "LOG") || !strcmp(name, "NFLOG") || !strcmp(name, "MARK") ||
			     !strcmp(name, "CONNMARK") || !strcmp(name, "TCPMSS"))) {
			*done = false;
			return PORTSPEC_OK;
		}
		return emit(nr, PA_ACT_INDET, PA_NONE, what);
	}
	return add_unknown(nr, -1, what);
}

/* Payload expressions inside a statement (set elements, mangled values)
 * carry their header's dependency, as in matches: "update @s { ip saddr }"
 * runs for IPv4 packets only, "{ tcp dport }" for TCP. */
static enum portspec_status implied(struct nrule *nr, const json_t *e, unsigned depth)
{
	if (depth > 32)
		return PORTSPEC_OK;
	const json_t *p = json_object_get(e, "payload");
	if (p) {
		struct lhs l;
		memset(&l, 0, sizeof(l));
		payload(&l, p);
		if (l.families) {
			nr->preds->families &= (uint8_t)l.families;
			if (!nr->preds->families)
				nr->dead = true;
		}
		return l.proto > 0 && !l.th ? add_proto(nr, l.proto) : PORTSPEC_OK;
	}
	if (json_is_array(e)) {
		for (size_t i = 0; i < json_array_size(e); i++) {
			enum portspec_status st = implied(nr, json_array_get(e, i), depth + 1);
			if (st)
				return st;
		}
	} else if (json_is_object(e)) {
		const char *k;
		const json_t *v;
		json_object_foreach((json_t *)e, k, v) {
			enum portspec_status st = implied(nr, v, depth + 1);
			if (st)
				return st;
		}
	}
	return PORTSPEC_OK;
}

/* One statement; *done when it ends the rule. */
static enum portspec_status statement(struct nrule *nr, const json_t *s, bool *done)
{
	struct reader *rd = nr->rd;
	*done = false;
	void *it = json_is_object(s) ? json_object_iter((json_t *)s) : NULL;
	if (!it || json_object_size(s) != 1)
		return fail(rd, "a statement is an object with one member");
	const char *key = json_object_iter_key(it);
	const json_t *val = json_object_iter_value(it);
	if (!strcmp(key, "match"))
		return match(nr, val);
	enum portspec_status st = verdict(nr, key, val, done);
	if (st != PORTSPEC_E_UNKNOWN)
		return st;
	static const char *const plain[] = {"counter", "log", "comment", "mangle", "dup", "set",
					    "last", "ct timeout", "ct expectation", "secmark",
					    "flow"};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (!strcmp(key, plain[i])) {
			if (!strcmp(key, "set") || !strcmp(key, "mangle")) {
				enum portspec_status st2 = implied(nr, val, 0);
				if (st2)
					return st2;
			}
			if (!strcmp(key, "mangle")) {
				/* Changing the packet's header: the rest is not followed. */
				const json_t *k = json_object_get(val, "key");
				if (json_object_get(k, "payload") || json_object_get(k, "exthdr") ||
				    json_object_get(k, "tcp option")) {
					*done = true;
					return emit(nr, PA_ACT_INDET, PA_NONE,
						    "a statement that changes the packet's header");
				}
			}
			if (!strcmp(key, "flow") && !pa_ruleset_add_note(rd->rs,
				    "%s: flow offload: later packets of offloaded connections bypass "
				    "the chains", rd->filename))
				return nomem(rd);
			return PORTSPEC_OK;
		}
	if (!strcmp(key, "limit") || !strcmp(key, "quota") || !strcmp(key, "ct count") ||
	    !strcmp(key, "meter"))
		return add_unknown(nr, -1, key);
	if (!strcmp(key, "reject")) {
		*done = true;
		const char *type = str(val, "type");
		/* nft adds what the reply needs, and the listing hides it: "icmp"
		 * rejects IPv4 packets only, "icmpv6" IPv6 ones, "tcp reset" TCP. */
		if (type && !strcmp(type, "icmp"))
			nr->preds->families &= PA_FAM4;
		else if (type && !strcmp(type, "icmpv6"))
			nr->preds->families &= PA_FAM6;
		else if (type && !strcmp(type, "tcp reset")) {
			enum portspec_status st2 = add_proto(nr, 6);
			if (st2)
				return st2;
			/* ... but for "tcp reset" the listing also hides a meta
			 * nfproto the rule may have had: in a table of both
			 * families, which family it rejects is not known. */
			if (nr->preds->families == PA_FAMS && nr->table_families == PA_FAMS &&
			    (st2 = add_unknown(nr, 6, "which family a 'reject with tcp reset' of an "
					       "inet table rejects (nft lists it without its meta "
					       "nfproto)")))
				return st2;
		}
		if (!nr->preds->families)
			nr->dead = true;
		return emit(nr, PA_ACT_REJECT, PA_NONE, type ? type : "icmp port-unreachable");
	}
	if (!strcmp(key, "ct helper")) {
		const char *type = helper_type(rd, nr->table, val);
		if (!type)
			return fail(rd, "no ct helper '%s' in the table",
				    json_is_string(val) ? json_string_value(val) : "?");
		return emit(nr, PA_ACT_HELPER, PA_NONE, type);
	}
	if (!strcmp(key, "vmap")) {
		*done = true;
		return vmap(nr, val);
	}
	if (!strcmp(key, "xt"))
		return xt(nr, val, done);
	if (!strcmp(key, "snat") || !strcmp(key, "masquerade")) {
		*done = true;
		return emit(nr, PA_ACT_NAT_ACCEPT, PA_NONE, NULL);
	}
	static const struct {
		const char *key, *what;
	} indet[] = {{"dnat", "dnat changes the destination before the filter sees it"},
		     {"redirect", "redirect sends the packet to a local port instead"},
		     {"notrack", "notrack exempts the packet from connection tracking"},
		     {"queue", "a user-space program decides (queue)"},
		     {"fwd", "fwd sends the packet out of another device"},
		     {"tproxy", "tproxy diverts the packet to a local socket"},
		     {"synproxy", "synproxy answers the handshake itself"}};
	*done = true;
	for (size_t i = 0; i < sizeof(indet) / sizeof(indet[0]); i++)
		if (!strcmp(key, indet[i].key))
			return emit(nr, PA_ACT_INDET, PA_NONE, indet[i].what);
	char what[96];
	snprintf(what, sizeof(what), "statement '%.40s' is not modelled", key);
	return emit(nr, PA_ACT_INDET, PA_NONE, what);
}

/* ---- a readable text of the rule ---- */

static void text_value(struct ps_buf *b, const json_t *v);

static void text_list(struct ps_buf *b, const json_t *a, const char *open, const char *close)
{
	ps_buf_puts(b, open);
	for (size_t i = 0; i < json_array_size(a); i++) {
		ps_buf_puts(b, i ? ", " : "");
		text_value(b, json_array_get(a, i));
	}
	ps_buf_puts(b, close);
}

static void text_value(struct ps_buf *b, const json_t *v)
{
	const json_t *p;
	if (json_is_string(v)) {
		pa_put_text(b, json_string_value(v));
	} else if (json_is_integer(v)) {
		ps_buf_printf(b, "%lld", (long long)json_integer_value(v));
	} else if (json_is_boolean(v)) {
		ps_buf_puts(b, json_is_true(v) ? "exists" : "missing");
	} else if (json_is_array(v)) {
		text_list(b, v, "", "");
	} else if ((p = json_object_get(v, "set"))) {
		if (json_is_array(p))
			text_list(b, p, "{ ", " }");
		else
			text_value(b, p);
	} else if ((p = json_object_get(v, "prefix"))) {
		text_value(b, json_object_get(p, "addr"));
		ps_buf_putc(b, '/');
		text_value(b, json_object_get(p, "len"));
	} else if ((p = json_object_get(v, "range"))) {
		text_value(b, json_array_get(p, 0));
		ps_buf_putc(b, '-');
		text_value(b, json_array_get(p, 1));
	} else if ((p = json_object_get(v, "payload"))) {
		text_value(b, json_object_get(p, "protocol"));
		ps_buf_putc(b, ' ');
		text_value(b, json_object_get(p, "field"));
	} else if ((p = json_object_get(v, "meta"))) {
		const char *k = str(p, "key");
		if (k && strcmp(k, "iifname") && strcmp(k, "oifname"))
			ps_buf_puts(b, "meta ");
		pa_put_text(b, k ? k : "?");
	} else if ((p = json_object_get(v, "ct"))) {
		ps_buf_puts(b, "ct ");
		pa_put_text(b, str(p, "key") ? str(p, "key") : "?");
	} else if ((p = json_object_get(v, "fib"))) {
		ps_buf_puts(b, "fib ");
		text_value(b, json_object_get(p, "flags"));
		ps_buf_putc(b, ' ');
		text_value(b, json_object_get(p, "result"));
	} else if ((p = json_object_get(v, "&"))) {
		text_value(b, json_array_get(p, 0));
		ps_buf_puts(b, " & ");
		text_value(b, json_array_get(p, 1));
	} else if ((p = json_object_get(v, "concat"))) {
		for (size_t i = 0; i < json_array_size(p); i++) {
			ps_buf_puts(b, i ? " . " : "");
			text_value(b, json_array_get(p, i));
		}
	} else if ((p = json_object_get(v, "elem"))) {
		text_value(b, json_object_get(p, "val"));
	} else if (json_is_object(v)) {
		void *it = json_object_iter((json_t *)v);
		pa_put_text(b, it ? json_object_iter_key(it) : "?");
	}
}

static char *rule_text(const json_t *rule, const json_t *expr)
{
	struct ps_buf b;
	ps_buf_init(&b);
	for (size_t i = 0; i < json_array_size(expr); i++) {
		const json_t *s = json_array_get(expr, i);
		void *it = json_is_object(s) ? json_object_iter((json_t *)s) : NULL;
		if (!it)
			continue;
		const char *key = json_object_iter_key(it);
		const json_t *v = json_object_iter_value(it);
		if (!strcmp(key, "counter"))
			continue;
		ps_buf_puts(&b, b.len ? " " : "");
		if (!strcmp(key, "match")) {
			const char *op = str(v, "op");
			text_value(&b, json_object_get(v, "left"));
			if (op && strcmp(op, "==") && strcmp(op, "in"))
				ps_buf_printf(&b, " %s", op);
			ps_buf_putc(&b, ' ');
			text_value(&b, json_object_get(v, "right"));
		} else if (!strcmp(key, "jump") || !strcmp(key, "goto")) {
			ps_buf_printf(&b, "%s ", key);
			text_value(&b, json_object_get(v, "target"));
		} else if (!strcmp(key, "vmap")) {
			text_value(&b, json_object_get(v, "key"));
			ps_buf_puts(&b, " vmap ");
			const json_t *d = json_object_get(v, "data");
			if (json_is_string(d))
				text_value(&b, d);
			else
				ps_buf_puts(&b, "{ ... }");
		} else if (!strcmp(key, "ct helper")) {
			ps_buf_puts(&b, "ct helper set ");
			text_value(&b, v);
		} else {
			pa_put_text(&b, key);
		}
	}
	const json_t *h = json_object_get(rule, "handle");
	if (json_is_integer(h))
		ps_buf_printf(&b, " # handle %lld", (long long)json_integer_value(h));
	if (b.len > 400) {
		b.len = 400;
		b.data[b.len] = '\0';
		ps_buf_puts(&b, "...");
	}
	return ps_buf_steal(&b, NULL);
}

static enum portspec_status read_rule(struct reader *rd, const json_t *o, size_t item,
				      unsigned line, unsigned col)
{
	struct ntable *t = table_of(rd, o);
	const char *chain = str(o, "chain");
	if (!t || !chain)
		return fail(rd, "a rule needs the family and name of a listed table, and a chain");
	if (t->skipped)
		return PORTSPEC_OK;
	uint32_t c = pa_chain_find(rd->rs, t->id, chain);
	if (c == PA_NONE)
		return fail(rd, "a rule of chain '%s', which table %s %s does not list", chain,
			    t->family, t->name);
	const json_t *expr = json_object_get(o, "expr");
	if (!json_is_array(expr))
		return fail(rd, "a rule needs a list of statements (expr)");
	struct pa_rule scratch = {0};
	scratch.families = (uint8_t)t->families;
	struct nrule nr = {rd, c, t->id, line, col, NULL, &scratch, t->families, false, 0};
	char *text = rule_text(o, expr);
	if (!text)
		return nomem(rd);
	nr.text = text;
	enum portspec_status st = PORTSPEC_OK;
	bool done = false;
	for (size_t i = 0; !st && !done && i < json_array_size(expr); i++) {
		if (item < rd->pos.nitem && i < rd->pos.nexpr[item])
			rd->at = rd->pos.expr[item][i];
		st = statement(&nr, json_array_get(expr, i), &done);
	}
	for (size_t i = 0; i < scratch.npreds; i++) {
		pa_set_release(&scratch.preds[i].set);
		for (size_t k = 0; k < scratch.preds[i].npats; k++)
			ps_free(scratch.preds[i].pats[k].name);
		ps_free(scratch.preds[i].pats);
		ps_free(scratch.preds[i].text);
	}
	ps_free(scratch.preds);
	ps_free(text);
	return st;
}

/* ---- the document ---- */

/* The list object of an element: {"table": {...}} -> "table" and its value. */
static const char *kind_of(const json_t *e, const json_t **val)
{
	void *it = json_is_object(e) ? json_object_iter((json_t *)e) : NULL;
	if (!it || json_object_size(e) != 1)
		return NULL;
	*val = json_object_iter_value(it);
	return json_object_iter_key(it);
}

static enum portspec_status first_pass(struct reader *rd, const json_t *list)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *o;
		const char *kind = kind_of(json_array_get(list, i), &o);
		rd->at = i < rd->pos.nitem ? rd->pos.item[i] : 0;
		if (!kind || !json_is_object(o))
			return fail(rd, "an element of the nftables list is an object with one member "
				    "(table, chain, rule, set, ...)");
		enum portspec_status st = PORTSPEC_OK;
		if (!strcmp(kind, "metainfo")) {
			const json_t *v = json_object_get(o, "json_schema_version");
			if (json_is_integer(v) && json_integer_value(v) > 1 &&
			    !pa_ruleset_add_note(rd->rs, "%s: JSON schema version %lld; this reader "
						 "knows version 1", rd->filename,
						 (long long)json_integer_value(v)))
				st = nomem(rd);
		} else if (!strcmp(kind, "table")) {
			st = read_table(rd, o);
		} else if (!strcmp(kind, "chain")) {
			unsigned line, col;
			where(rd, rd->at, &line, &col);
			st = read_chain(rd, o, line, col);
		} else if (!strcmp(kind, "set") || !strcmp(kind, "map")) {
			st = read_set(rd, o, kind[0] == 'm');
		} else if (!strcmp(kind, "ct helper")) {
			st = read_helper(rd, o);
		} else if (!strcmp(kind, "element")) {
			st = fail(rd, "an element object: this is nft JSON input, not the output of "
				  "nft -j list ruleset");
		} else if (!strcmp(kind, "add") || !strcmp(kind, "insert") || !strcmp(kind, "delete") ||
			   !strcmp(kind, "flush") || !strcmp(kind, "replace") ||
			   !strcmp(kind, "create")) {
			st = fail(rd, "an nft JSON command ('%s'): this is input to nft, not the "
				  "output of nft -j list ruleset", kind);
		}
		if (st)
			return st;
	}
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *o;
		const char *kind = kind_of(json_array_get(list, i), &o);
		struct ntable *t = kind && !strcmp(kind, "rule") ? table_of(rd, o) : NULL;
		if (t)
			mark_dynamic(rd, o, t->id);
	}
	return PORTSPEC_OK;
}

static enum portspec_status second_pass(struct reader *rd, const json_t *list)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *o;
		const char *kind = kind_of(json_array_get(list, i), &o);
		if (!kind || strcmp(kind, "rule"))
			continue;
		rd->at = i < rd->pos.nitem ? rd->pos.item[i] : 0;
		unsigned line, col;
		where(rd, rd->at, &line, &col);
		enum portspec_status st = read_rule(rd, o, i, line, col);
		if (st)
			return st;
	}
	return PORTSPEC_OK;
}

enum portspec_status pa_read_nft_json(struct portspec_ruleset *rs, const char *text, size_t len,
				      uint32_t file, struct portspec_error *err)
{
	struct reader rd = {.rs = rs, .file = file, .filename = rs->files[file], .text = text,
			    .len = len, .err = err};
	json_error_t je;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return ps_error_set(err, PORTSPEC_E_PARSE, rd.filename, (unsigned)je.line,
				    (unsigned)je.column, "not JSON: %s", je.text);
	enum portspec_status st = PORTSPEC_OK;
	const json_t *list = json_object_get(doc, "nftables");
	if (!json_is_array(list))
		st = fail(&rd, "not an nft JSON ruleset: the top is {\"nftables\": [...]} (nft -j "
			  "list ruleset)");
	if (!st && !index_positions(text, len, &rd.pos))
		st = nomem(&rd);
	if (!st)
		st = first_pass(&rd, list);
	if (!st)
		st = second_pass(&rd, list);
	if (!st) {
		rs->families |= PA_FAMS;
		rs->helpers = true;
	}
	positions_release(&rd.pos);
	for (size_t i = 0; i < rd.ntables; i++) {
		ps_free(rd.tables[i].family);
		ps_free(rd.tables[i].name);
	}
	ps_free(rd.tables);
	for (size_t i = 0; i < rd.nsets; i++)
		ps_free(rd.sets[i].name);
	ps_free(rd.sets);
	for (size_t i = 0; i < rd.nhelpers; i++) {
		ps_free(rd.helpers[i].name);
		ps_free(rd.helpers[i].type);
	}
	ps_free(rd.helpers);
	json_decref(doc);
	return st;
}

#endif
