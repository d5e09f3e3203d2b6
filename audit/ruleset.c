/* SPDX-License-Identifier: MIT */
/* The ruleset model every reader fills, and the public ruleset functions. */
/* getprotobyname_r: protocol names as the tools resolve them. */
#define _DEFAULT_SOURCE
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#ifndef PORTSPEC_VERSION
#define PORTSPEC_VERSION "unknown"
#endif

PORTSPEC_AUDIT_EXPORT const char *portspec_audit_version(void)
{
	return PORTSPEC_VERSION;
}

/* This library's copy of the core's allocator (alloc.c, compiled in): its
 * portspec_set_allocator is local to this library. */
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_audit_set_allocator(portspec_malloc_fn m,
									 portspec_realloc_fn r,
									 portspec_free_fn f)
{
	return portspec_set_allocator(m, r, f);
}

static const char *const format_names[] = {"auto", "iptables", "ip6tables", "nft-json", "pf"};

PORTSPEC_AUDIT_EXPORT const char *portspec_ruleset_format_name(enum portspec_ruleset_format f)
{
	return (unsigned)f < 5 ? format_names[f] : NULL;
}

PORTSPEC_AUDIT_EXPORT int portspec_ruleset_format_from_name(const char *name)
{
	for (int i = 0; name && i < 5; i++)
		if (!strcmp(name, format_names[i]))
			return i;
	return -1;
}

PORTSPEC_AUDIT_EXPORT const char *portspec_ruleset_verdict_name(enum portspec_verdict v)
{
	switch (v) {
	case PORTSPEC_VERDICT_ACCEPT: return "accept";
	case PORTSPEC_VERDICT_DROP: return "drop";
	case PORTSPEC_VERDICT_REJECT: return "reject";
	case PORTSPEC_VERDICT_DENY: return "deny";
	case PORTSPEC_VERDICT_INDETERMINATE: return "indeterminate";
	}
	return NULL;
}

/* ---- building ---- */

/* The first allocation of a ruleset's arrays (rules, chains, values). */
#define FIRST_CAP 16u

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	return ps_grow(p, cap, need, size, FIRST_CAP);
}

enum portspec_status pa_ruleset_add_file(struct portspec_ruleset *rs, const char *name,
					 uint32_t *index)
{
	char **files = ps_reallocarray(rs->files, rs->nfiles + 1, sizeof(*files));
	if (!files)
		return PORTSPEC_E_NOMEM;
	rs->files = files;
	if (!(files[rs->nfiles] = ps_strdup(name)))
		return PORTSPEC_E_NOMEM;
	*index = (uint32_t)rs->nfiles++;
	return PORTSPEC_OK;
}

uint32_t pa_ruleset_add_table(struct portspec_ruleset *rs)
{
	return rs->ntables++;
}

enum portspec_status pa_ruleset_add_chain(struct portspec_ruleset *rs, const char *name,
					  const char *table, uint32_t table_id,
					  uint32_t *index)
{
	if (rs->nchains >= PA_MAX_CHAINS)
		return PORTSPEC_E_LIMIT;
	if (!grow((void **)&rs->chains, &rs->capchains, rs->nchains + 1, sizeof(*rs->chains)))
		return PORTSPEC_E_NOMEM;
	struct pa_chain *c = &rs->chains[rs->nchains];
	memset(c, 0, sizeof(*c));
	c->policy_rule = PA_NONE;
	c->table_id = table_id;
	c->families = PA_FAMS;
	c->name = ps_strdup(name);
	c->table = ps_strdup(table);
	if (!c->name || !c->table) {
		ps_free(c->name);
		ps_free(c->table);
		return PORTSPEC_E_NOMEM;
	}
	*index = (uint32_t)rs->nchains++;
	return PORTSPEC_OK;
}

static enum portspec_status new_rule(struct portspec_ruleset *rs, struct pa_rule **out,
				     uint32_t *index)
{
	if (rs->nrules >= PA_MAX_RULES)
		return PORTSPEC_E_LIMIT;
	if (!grow((void **)&rs->rules, &rs->caprules, rs->nrules + 1, sizeof(*rs->rules)))
		return PORTSPEC_E_NOMEM;
	struct pa_rule *r = &rs->rules[rs->nrules];
	memset(r, 0, sizeof(*r));
	r->families = PA_FAMS;
	r->target = PA_NONE;
	*index = (uint32_t)rs->nrules++;
	*out = r;
	return PORTSPEC_OK;
}

enum portspec_status pa_chain_set_base(struct portspec_ruleset *rs, uint32_t c,
				       enum pa_hook_stage hook, int priority,
				       enum pa_chain_type type, enum pa_action policy)
{
	struct pa_chain *ch = &rs->chains[c];
	ch->hook = hook;
	ch->priority = priority;
	ch->type = type;
	if (ch->policy_rule == PA_NONE) {
		struct pa_rule *r;
		uint32_t idx;
		enum portspec_status st = new_rule(rs, &r, &idx);
		if (st)
			return st;
		r->action = PA_ACT_POLICY;
		r->target = c;
		r->chain = c;
		r->file = ch->file;
		r->line = ch->line;
		r->column = ch->column;
		rs->chains[c].policy_rule = idx;
	}
	rs->rules[rs->chains[c].policy_rule].policy = policy;
	return PORTSPEC_OK;
}

enum portspec_status pa_ruleset_add_rule(struct portspec_ruleset *rs, uint32_t c, size_t pos,
					 uint32_t file, unsigned line, unsigned column,
					 struct pa_rule **out)
{
	struct pa_chain *ch = &rs->chains[c];
	if (!grow((void **)&ch->rules, &ch->caprules, ch->nrules + 1, sizeof(*ch->rules)))
		return PORTSPEC_E_NOMEM;
	struct pa_rule *r;
	uint32_t idx;
	enum portspec_status st = new_rule(rs, &r, &idx);
	if (st)
		return st;
	r->chain = c;
	r->file = file;
	r->line = line;
	r->column = column;
	if (pos > ch->nrules)
		pos = ch->nrules;
	memmove(ch->rules + pos + 1, ch->rules + pos, (ch->nrules - pos) * sizeof(*ch->rules));
	ch->rules[pos] = idx;
	ch->nrules++;
	rs->nfirst_rules++;
	*out = r;
	return PORTSPEC_OK;
}

struct pa_pred *pa_rule_add_pred(struct pa_rule *r, enum pa_pred_kind kind)
{
	struct pa_pred *p = ps_reallocarray(r->preds, r->npreds + 1, sizeof(*p));
	if (!p)
		return NULL;
	r->preds = p;
	p = &r->preds[r->npreds++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	return p;
}

bool pa_rule_add_unknown(struct pa_rule *r, uint8_t proto, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	struct pa_pred *p = pa_rule_add_pred(r, PA_PRED_UNKNOWN);
	if (!p)
		return false;
	p->proto = proto;
	return (p->text = ps_strdup(text)) != NULL;
}

bool pa_ruleset_add_note(struct portspec_ruleset *rs, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < rs->nnotes; i++)
		if (!strcmp(rs->notes[i], text))
			return true;
	char **n = ps_reallocarray(rs->notes, rs->nnotes + 1, sizeof(*n));
	if (!n)
		return false;
	rs->notes = n;
	return (n[rs->nnotes] = ps_strdup(text)) != NULL && ++rs->nnotes;
}

static void pred_release(struct pa_pred *p)
{
	pa_set_release(&p->set);
	for (size_t i = 0; i < p->npats; i++)
		ps_free(p->pats[i].name);
	ps_free(p->pats);
	ps_free(p->text);
}

static bool pred_copy(struct pa_pred *dst, const struct pa_pred *src)
{
	*dst = *src;
	dst->set = (struct pa_set){0};
	dst->pats = NULL;
	dst->npats = 0;
	dst->text = NULL;
	if (!pa_set_copy(&dst->set, &src->set))
		return false;
	if (src->text && !(dst->text = ps_strdup(src->text)))
		return false;
	if (src->npats) {
		dst->pats = ps_calloc(src->npats, sizeof(*dst->pats));
		if (!dst->pats)
			return false;
		for (size_t i = 0; i < src->npats; i++) {
			dst->pats[i].prefix = src->pats[i].prefix;
			if (!(dst->pats[i].name = ps_strdup(src->pats[i].name)))
				return false;
			dst->npats++;
		}
	}
	return true;
}

enum portspec_status pa_ruleset_dup_rule(struct portspec_ruleset *rs, uint32_t src,
					 uint32_t *index)
{
	struct pa_rule *r;
	uint32_t c = rs->rules[src].chain;
	size_t pos = 0;
	while (pos < rs->chains[c].nrules && rs->chains[c].rules[pos] != src)
		pos++;
	enum portspec_status st = pa_ruleset_add_rule(rs, c, pos + 1, rs->rules[src].file,
						      rs->rules[src].line, rs->rules[src].column,
						      &r);
	if (st)
		return st;
	const struct pa_rule *s = &rs->rules[src];
	rs->nfirst_rules--; /* the same rule as written */
	r->families = s->families;
	r->action = s->action;
	r->target = s->target;
	r->nostate = s->nostate;
	r->needs_state = s->needs_state;
	if ((s->arg && !(r->arg = ps_strdup(s->arg))) || (s->text && !(r->text = ps_strdup(s->text))))
		return PORTSPEC_E_NOMEM;
	if (s->npreds) {
		r->preds = ps_calloc(s->npreds, sizeof(*r->preds));
		if (!r->preds)
			return PORTSPEC_E_NOMEM;
		for (size_t i = 0; i < s->npreds; i++) {
			bool ok = pred_copy(&r->preds[i], &s->preds[i]);
			r->npreds++;
			if (!ok)
				return PORTSPEC_E_NOMEM;
		}
	}
	*index = (uint32_t)(r - rs->rules);
	return PORTSPEC_OK;
}

uint32_t pa_chain_find(const struct portspec_ruleset *rs, uint32_t table_id, const char *name)
{
	for (size_t i = 0; i < rs->nchains; i++)
		if (rs->chains[i].table_id == table_id && !strcmp(rs->chains[i].name, name))
			return (uint32_t)i;
	return PA_NONE;
}

/* ---- checks ---- */

struct check {
	const struct portspec_ruleset *rs;
	uint8_t *color;  /* 0 unseen, 1 on the stack, 2 done */
	unsigned *depth; /* the longest jump path from each chain */
	struct portspec_error *err;
};

static enum portspec_status visit(struct check *k, uint32_t c, unsigned level)
{
	const struct portspec_ruleset *rs = k->rs;
	if (k->color[c] == 2)
		return PORTSPEC_OK;
	k->color[c] = 1;
	unsigned deepest = 0;
	const struct pa_chain *ch = &rs->chains[c];
	for (size_t i = 0; i < ch->nrules; i++) {
		const struct pa_rule *r = &rs->rules[ch->rules[i]];
		if (r->action != PA_ACT_JUMP && r->action != PA_ACT_GOTO)
			continue;
		if (k->color[r->target] == 1)
			return ps_error_set(k->err, PORTSPEC_E_PARSE, rs->files[r->file], r->line,
					    r->column,
					    "the jump to chain '%s' closes a loop (the kernel refuses "
					    "loops); remove it or the jump back",
					    rs->chains[r->target].name);
		if (level + 1 >= PA_MAX_DEPTH)
			return ps_error_set(k->err, PORTSPEC_E_LIMIT, rs->files[r->file], r->line,
					    r->column, "chains nest deeper than %u jumps",
					    PA_MAX_DEPTH);
		enum portspec_status st = visit(k, r->target, level + 1);
		if (st)
			return st;
		if (k->depth[r->target] + 1 > deepest)
			deepest = k->depth[r->target] + 1;
	}
	k->depth[c] = deepest;
	k->color[c] = 2;
	if (level + deepest >= PA_MAX_DEPTH)
		return ps_error_set(k->err, PORTSPEC_E_LIMIT, rs->files[ch->file], ch->line,
				    ch->column, "chains nest deeper than %u jumps", PA_MAX_DEPTH);
	return PORTSPEC_OK;
}

enum portspec_status pa_ruleset_check(struct portspec_ruleset *rs, struct portspec_error *err)
{
	struct check k = {rs, ps_calloc(rs->nchains + 1, 1),
			  ps_calloc(rs->nchains + 1, sizeof(unsigned)), err};
	enum portspec_status st = PORTSPEC_OK;
	if (!k.color || !k.depth)
		st = ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	for (size_t c = 0; !st && c < rs->nchains; c++)
		st = visit(&k, (uint32_t)c, 0);
	ps_free(k.color);
	ps_free(k.depth);
	return st;
}

/* ---- life cycle ---- */

PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_new(struct portspec_ruleset **out)
{
	if (!out)
		return PORTSPEC_E_INVALID;
	struct portspec_ruleset *rs = ps_calloc(1, sizeof(*rs));
	if (!rs)
		return PORTSPEC_E_NOMEM;
	*out = rs;
	return PORTSPEC_OK;
}

void pa_ruleset_clear(struct portspec_ruleset *rs)
{
	for (size_t i = 0; i < rs->nfiles; i++)
		ps_free(rs->files[i]);
	ps_free(rs->files);
	for (size_t i = 0; i < rs->nrules; i++) {
		struct pa_rule *r = &rs->rules[i];
		for (size_t j = 0; j < r->npreds; j++)
			pred_release(&r->preds[j]);
		ps_free(r->preds);
		ps_free(r->arg);
		ps_free(r->text);
	}
	ps_free(rs->rules);
	for (size_t i = 0; i < rs->nchains; i++) {
		ps_free(rs->chains[i].name);
		ps_free(rs->chains[i].table);
		ps_free(rs->chains[i].device);
		ps_free(rs->chains[i].rules);
	}
	ps_free(rs->chains);
	for (size_t i = 0; i < 2; i++) {
		pa_set_release(&rs->host[i]);
		pa_set_release(&rs->bcast[i]);
	}
	for (size_t i = 0; i < rs->nnotes; i++)
		ps_free(rs->notes[i]);
	ps_free(rs->notes);
	memset(rs, 0, sizeof(*rs));
}

PORTSPEC_AUDIT_EXPORT void portspec_ruleset_free(struct portspec_ruleset *rs)
{
	if (!rs)
		return;
	pa_ruleset_clear(rs);
	ps_free(rs);
}

enum portspec_status pa_ruleset_absorb(struct portspec_ruleset *dst, struct portspec_ruleset *src)
{
	uint32_t f0 = (uint32_t)dst->nfiles, r0 = (uint32_t)dst->nrules;
	uint32_t c0 = (uint32_t)dst->nchains, t0 = dst->ntables;
	if (!grow((void **)&dst->rules, &dst->caprules, dst->nrules + src->nrules, sizeof(*dst->rules)) ||
	    !grow((void **)&dst->chains, &dst->capchains, dst->nchains + src->nchains,
		  sizeof(*dst->chains)))
		return PORTSPEC_E_NOMEM;
	char **files = ps_reallocarray(dst->files, dst->nfiles + src->nfiles, sizeof(*files));
	if (!files)
		return PORTSPEC_E_NOMEM;
	dst->files = files;
	char **notes = ps_reallocarray(dst->notes, dst->nnotes + src->nnotes + 1, sizeof(*notes));
	if (!notes)
		return PORTSPEC_E_NOMEM;
	dst->notes = notes;
	/* Nothing can fail from here on. */
	memcpy(dst->files + dst->nfiles, src->files, src->nfiles * sizeof(*files));
	dst->nfiles += src->nfiles;
	for (size_t i = 0; i < src->nnotes; i++) {
		bool dup = false;
		for (size_t j = 0; j < dst->nnotes && !dup; j++)
			dup = !strcmp(dst->notes[j], src->notes[i]);
		if (dup)
			ps_free(src->notes[i]);
		else
			dst->notes[dst->nnotes++] = src->notes[i];
	}
	for (size_t i = 0; i < src->nrules; i++) {
		struct pa_rule r = src->rules[i];
		r.file += f0;
		r.chain += c0;
		if (r.target != PA_NONE)
			r.target += c0;
		dst->rules[dst->nrules++] = r;
	}
	for (size_t i = 0; i < src->nchains; i++) {
		struct pa_chain c = src->chains[i];
		c.file += f0;
		c.table_id += t0;
		if (c.policy_rule != PA_NONE)
			c.policy_rule += r0;
		for (size_t j = 0; j < c.nrules; j++)
			c.rules[j] += r0;
		dst->chains[dst->nchains++] = c;
	}
	dst->ntables += src->ntables;
	dst->families |= src->families;
	dst->helpers |= src->helpers;
	dst->nfirst_rules += src->nfirst_rules;
	for (int f = 0; f < 2; f++) {
		/* Host addresses belong to the ruleset being filled, not a file. */
		pa_set_release(&src->host[f]);
		pa_set_release(&src->bcast[f]);
	}
	ps_free(src->files);
	ps_free(src->rules);
	ps_free(src->chains);
	ps_free(src->notes);
	memset(src, 0, sizeof(*src));
	return PORTSPEC_OK;
}

/* ---- reading ---- */

static bool starts_json(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')
			continue;
		return text[i] == '{';
	}
	return false;
}

/* Whether a line of the text starts with '*' (an iptables-save table). */
static bool has_table_line(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((i == 0 || text[i - 1] == '\n') && text[i] == '*')
			return true;
	}
	return false;
}

/* Nothing but blanks and # comments. */
static bool only_comments(const char *text, size_t len)
{
	bool comment = false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '\n')
			comment = false;
		else if (c == '#')
			comment = true;
		else if (!comment && c != ' ' && c != '\t' && c != '\r')
			return false;
	}
	return true;
}

static enum portspec_ruleset_format detect(const char *text, size_t len)
{
	if (starts_json(text, len))
		return PORTSPEC_RULESET_NFT_JSON;
	if (has_table_line(text, len))
		return pa_iptables_family(text, len) == 6 ? PORTSPEC_RULESET_IP6TABLES
							  : PORTSPEC_RULESET_IPTABLES;
	return PORTSPEC_RULESET_PF;
}

PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_parse(struct portspec_ruleset *rs,
								  enum portspec_ruleset_format format,
								  const char *text, size_t len,
								  const char *filename,
								  struct portspec_error *err)
{
	if (!filename)
		filename = "<string>";
	if (!rs || (!text && len))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no ruleset given");
	if ((unsigned)format > PORTSPEC_RULESET_PF)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "unknown ruleset format %d", (int)format);
	if (len > PA_MAX_FILE_SIZE)
		return ps_error_set(err, PORTSPEC_E_LIMIT, filename, 0, 0,
				    "the ruleset is larger than %u MiB", PA_MAX_FILE_SIZE >> 20);
	if (!text)
		text = "";
	if (memchr(text, '\0', len)) {
		size_t at = (size_t)((const char *)memchr(text, '\0', len) - text);
		unsigned line = 1, col = 1;
		for (size_t i = 0; i < at; i++, col++)
			if (text[i] == '\n')
				line++, col = 0;
		return ps_error_set(err, PORTSPEC_E_PARSE, filename, line, col,
				    "a NUL byte; a ruleset is text");
	}
	if (format == PORTSPEC_RULESET_AUTO && only_comments(text, len))
		return ps_error_set(err, PORTSPEC_E_PARSE, filename, 1, 1,
				    "an empty ruleset says nothing of its format: name it, as in "
				    "iptables:FILE, ip6tables:FILE, nft-json:FILE or pf:FILE");
	bool guessed = false;
	if (format == PORTSPEC_RULESET_AUTO) {
		format = detect(text, len);
		guessed = format == PORTSPEC_RULESET_IPTABLES && pa_iptables_family(text, len) == 0;
	}
	struct portspec_ruleset tmp = {0};
	uint32_t file;
	enum portspec_status st = pa_ruleset_add_file(&tmp, filename, &file);
	if (!st && guessed && !pa_ruleset_add_note(&tmp, "%s: nothing in it tells IPv4 from IPv6; "
						    "read as IPv4 (name it ip6tables:FILE if it "
						    "is IPv6)", filename))
		st = PORTSPEC_E_NOMEM;
	if (st) {
		pa_ruleset_clear(&tmp);
		return ps_error_set(err, st, NULL, 0, 0, "out of memory");
	}
	switch (format) {
	case PORTSPEC_RULESET_IPTABLES:
		st = pa_read_iptables(&tmp, 4, text, len, file, err);
		break;
	case PORTSPEC_RULESET_IP6TABLES:
		st = pa_read_iptables(&tmp, 6, text, len, file, err);
		break;
	case PORTSPEC_RULESET_NFT_JSON:
		st = pa_read_nft_json(&tmp, text, len, file, err);
		break;
	default:
		st = pa_read_pf(&tmp, text, len, file, err);
		break;
	}
	if (!st)
		st = pa_ruleset_check(&tmp, err);
	if (!st && (st = pa_ruleset_absorb(rs, &tmp)))
		ps_error_set(err, st, NULL, 0, 0, "out of memory");
	pa_ruleset_clear(&tmp);
	return st;
}

PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_load(struct portspec_ruleset *rs,
								 enum portspec_ruleset_format format,
								 const char *path,
								 struct portspec_error *err)
{
	if (!rs || !path)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no ruleset path given");
	struct ps_buf b;
	ps_buf_init(&b);
	enum portspec_status st = ps_buf_load(&b, path, PA_MAX_FILE_SIZE, "cannot read", err);
	if (!st && b.len > PA_MAX_FILE_SIZE)
		st = ps_error_set(err, PORTSPEC_E_LIMIT, path, 0, 0,
				  "the ruleset is larger than %u MiB", PA_MAX_FILE_SIZE >> 20);
	if (!st)
		st = portspec_ruleset_parse(rs, format, b.data ? b.data : "", b.len, path, err);
	ps_buf_release(&b);
	return st;
}

PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_add_host_address(struct portspec_ruleset *rs,
									     const char *addr,
									     struct portspec_error *err)
{
	if (!rs || !addr)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no address given");
	unsigned fam;
	struct pa_range net;
	struct pa_u128 a;
	char host[64];
	const char *slash = strchr(addr, '/');
	size_t n = slash ? (size_t)(slash - addr) : strlen(addr);
	if (n >= sizeof(host) || !pa_cidr_parse(addr, 0, &fam, &net))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "'%.64s' is not an address with its prefix (192.0.2.10/24)",
				    addr);
	memcpy(host, addr, n);
	host[n] = '\0';
	pa_addr_parse(host, fam, NULL, &a);
	unsigned f = pa_fam_index(fam);
	bool ok = pa_set_add(&rs->host[f], a, a);
	/* An IPv4 network of more than two addresses has a broadcast address. */
	if (fam == 4 && pa_cmp(net.hi, pa_inc(pa_inc(net.lo))) >= 0)
		ok = ok && pa_set_add(&rs->bcast[f], net.hi, net.hi);
	if (!ok)
		return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	rs->host_given[f] = true;
	return PORTSPEC_OK;
}

PORTSPEC_AUDIT_EXPORT unsigned portspec_ruleset_families(const struct portspec_ruleset *rs)
{
	return rs ? rs->families : 0;
}

PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_rule_count(const struct portspec_ruleset *rs)
{
	return rs ? rs->nfirst_rules : 0;
}

PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_chain_count(const struct portspec_ruleset *rs)
{
	return rs ? rs->nchains : 0;
}

PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_note_count(const struct portspec_ruleset *rs)
{
	return rs ? rs->nnotes : 0;
}

PORTSPEC_AUDIT_EXPORT const char *portspec_ruleset_note(const struct portspec_ruleset *rs,
							size_t index)
{
	return rs && index < rs->nnotes ? rs->notes[index] : NULL;
}

/* ---- names the readers share ---- */

const char *pa_rule_file(const struct portspec_ruleset *rs, const struct pa_rule *r)
{
	return r->file < rs->nfiles ? rs->files[r->file] : "?";
}

void pa_rule_where(const struct portspec_ruleset *rs, uint32_t rule, struct ps_buf *b)
{
	const struct pa_rule *r = &rs->rules[rule];
	if (r->action == PA_ACT_POLICY) {
		const struct pa_chain *c = &rs->chains[r->target];
		ps_buf_printf(b, "policy %s of ", r->policy == PA_ACT_ACCEPT ? "accept" : "drop");
		pa_put_text(b, c->table);
		ps_buf_putc(b, ' ');
		pa_put_text(b, c->name);
		ps_buf_puts(b, " (");
		pa_put_text(b, pa_rule_file(rs, r));
		ps_buf_printf(b, ":%u", r->line);
		if (r->column > 1)
			ps_buf_printf(b, ":%u", r->column);
		ps_buf_putc(b, ')');
		return;
	}
	pa_put_text(b, pa_rule_file(rs, r));
	ps_buf_printf(b, ":%u", r->line);
	if (r->column > 1)
		ps_buf_printf(b, ":%u", r->column);
}

void pa_rule_line(const struct portspec_ruleset *rs, uint32_t rule, const char *none,
		  struct ps_buf *b)
{
	if (rule == PA_NONE) {
		ps_buf_puts(b, none);
		return;
	}
	pa_rule_where(rs, rule, b);
	const struct pa_rule *r = &rs->rules[rule];
	if (r->action != PA_ACT_POLICY && r->text) {
		ps_buf_puts(b, ": ");
		pa_put_text(b, r->text);
	}
}

static const struct {
	const char *name;
	unsigned number;
} protocols[] = {
	{"icmp", 1}, {"igmp", 2}, {"ipencap", 4}, {"tcp", 6}, {"egp", 8}, {"udp", 17},
	{"dccp", 33}, {"ipv6", 41}, {"ipv6-route", 43}, {"ipv6-frag", 44}, {"rsvp", 46},
	{"gre", 47}, {"esp", 50}, {"ah", 51}, {"icmpv6", 58}, {"ipv6-icmp", 58},
	{"ipv6-nonxt", 59}, {"ipv6-opts", 60}, {"ospf", 89}, {"ipip", 94}, {"pim", 103},
	{"comp", 108}, {"vrrp", 112}, {"l2tp", 115}, {"sctp", 132}, {"ipv6-mh", 135},
	{"mh", 135}, {"udplite", 136},
};

int pa_protocol_number(const char *name)
{
	unsigned long n;
	if (pa_parse_uint(name, strlen(name), 255, &n))
		return (int)n;
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (!strcasecmp(name, protocols[i].name))
			return (int)protocols[i].number;
	/* What the tools know beyond that comes from /etc/protocols. */
	struct protoent pe, *res = NULL;
	char buf[1024];
	if (getprotobyname_r(name, &pe, buf, sizeof(buf), &res) == 0 && res)
		return res->p_proto;
	return -1;
}

const char *pa_protocol_label(unsigned proto, char *buf, size_t size)
{
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (protocols[i].number == proto) {
			snprintf(buf, size, "%s", protocols[i].name);
			return buf;
		}
	snprintf(buf, size, "%u", proto);
	return buf;
}

/* ICMP and ICMPv6 type names (iptables --icmp-type, nft icmp type), with a
 * code where the name is one of a type's codes. */
struct icmp_name {
	const char *name;
	unsigned char type;
	signed char code; /* -1: every code */
};

static const struct icmp_name icmp4[] = {
	{"any", 255, -2}, {"echo-reply", 0, -1}, {"pong", 0, -1},
	{"destination-unreachable", 3, -1}, {"network-unreachable", 3, 0},
	{"host-unreachable", 3, 1}, {"protocol-unreachable", 3, 2}, {"port-unreachable", 3, 3},
	{"fragmentation-needed", 3, 4}, {"source-route-failed", 3, 5},
	{"network-unknown", 3, 6}, {"host-unknown", 3, 7}, {"network-prohibited", 3, 9},
	{"host-prohibited", 3, 10}, {"TOS-network-unreachable", 3, 11},
	{"TOS-host-unreachable", 3, 12}, {"communication-prohibited", 3, 13},
	{"host-precedence-violation", 3, 14}, {"precedence-cutoff", 3, 15},
	{"source-quench", 4, -1}, {"redirect", 5, -1}, {"network-redirect", 5, 0},
	{"host-redirect", 5, 1}, {"TOS-network-redirect", 5, 2}, {"TOS-host-redirect", 5, 3},
	{"echo-request", 8, -1}, {"ping", 8, -1}, {"router-advertisement", 9, -1},
	{"router-solicitation", 10, -1}, {"time-exceeded", 11, -1}, {"ttl-exceeded", 11, -1},
	{"ttl-zero-during-transit", 11, 0}, {"ttl-zero-during-reassembly", 11, 1},
	{"parameter-problem", 12, -1}, {"ip-header-bad", 12, 0},
	{"required-option-missing", 12, 1}, {"timestamp-request", 13, -1},
	{"timestamp-reply", 14, -1}, {"info-request", 15, -1}, {"info-reply", 16, -1},
	{"address-mask-request", 17, -1}, {"address-mask-reply", 18, -1},
};

static const struct icmp_name icmp6[] = {
	{"any", 255, -2}, {"destination-unreachable", 1, -1}, {"no-route", 1, 0},
	{"communication-prohibited", 1, 1}, {"beyond-scope", 1, 2},
	{"address-unreachable", 1, 3}, {"port-unreachable", 1, 4}, {"failed-policy", 1, 5},
	{"reject-route", 1, 6}, {"packet-too-big", 2, -1}, {"time-exceeded", 3, -1},
	{"ttl-exceeded", 3, -1}, {"ttl-zero-during-transit", 3, 0},
	{"ttl-zero-during-reassembly", 3, 1}, {"parameter-problem", 4, -1},
	{"bad-header", 4, 0}, {"unknown-header-type", 4, 1}, {"unknown-option", 4, 2},
	{"echo-request", 128, -1}, {"ping", 128, -1}, {"echo-reply", 129, -1},
	{"pong", 129, -1}, {"mld-listener-query", 130, -1}, {"mld-listener-report", 131, -1},
	{"mld-listener-done", 132, -1}, {"mld-listener-reduction", 132, -1},
	{"router-solicitation", 133, -1}, {"nd-router-solicit", 133, -1},
	{"router-advertisement", 134, -1}, {"nd-router-advert", 134, -1},
	{"neighbour-solicitation", 135, -1}, {"neighbor-solicitation", 135, -1},
	{"nd-neighbor-solicit", 135, -1}, {"neighbour-advertisement", 136, -1},
	{"neighbor-advertisement", 136, -1}, {"nd-neighbor-advert", 136, -1},
	{"redirect", 137, -1}, {"nd-redirect", 137, -1}, {"router-renumbering", 138, -1},
	{"ind-neighbor-solicit", 141, -1}, {"ind-neighbor-advert", 142, -1},
	{"mld2-listener-report", 143, -1},
};

int pa_icmp_type(const char *name, bool v6, unsigned *type, int *code)
{
	const struct icmp_name *t = v6 ? icmp6 : icmp4;
	size_t n = v6 ? sizeof(icmp6) / sizeof(icmp6[0]) : sizeof(icmp4) / sizeof(icmp4[0]);
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(name, t[i].name)) {
			*type = t[i].type;
			*code = t[i].code;
			return 0;
		}
	/* "TYPE" or "TYPE/CODE" in numbers. */
	const char *slash = strchr(name, '/');
	size_t tl = slash ? (size_t)(slash - name) : strlen(name);
	unsigned long ty, co;
	if (!pa_parse_uint(name, tl, 255, &ty))
		return -1;
	*type = (unsigned)ty;
	*code = -1;
	if (slash) {
		if (!pa_parse_uint(slash + 1, strlen(slash + 1), 255, &co))
			return -1;
		*code = (int)co;
	}
	return 0;
}

unsigned pa_addrtype_bit(const char *name)
{
	static const char *const names[] = {"UNSPEC", "UNICAST", "LOCAL", "BROADCAST",
					     "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE",
					     "PROHIBIT", "THROW", "NAT", "XRESOLVE"};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(name, names[i]))
			return 1u << i;
	return 0;
}

/* ---- the model as text ---- */

static const char *const dim_labels[PA_NDIMS] = {"proto", "src", "dst", "sport", "dport", "icmp",
						 "iif", "oif", "state", "ttl"};

static void dump_value(unsigned family, enum pa_dim d, struct pa_u128 v, struct ps_buf *out)
{
	if ((d == PA_SRC || d == PA_DST) && family) {
		char buf[64];
		pa_addr_format(family, v, buf, sizeof(buf));
		ps_buf_puts(out, buf);
	} else {
		ps_buf_printf(out, "%llu", (unsigned long long)v.lo);
	}
}

static void dump_pred(const struct pa_pred *p, struct ps_buf *out)
{
	static const char *const states[PA_NSTATES] = {"invalid", "new", "established", "reply",
						       "related", "untracked"};
	ps_buf_puts(out, p->negate ? " !" : " ");
	switch (p->kind) {
	case PA_PRED_SET:
		ps_buf_printf(out, "%s{", dim_labels[p->dim]);
		for (size_t i = 0; i < p->set.n; i++) {
			ps_buf_puts(out, i ? "," : "");
			dump_value(p->family, p->dim, p->set.r[i].lo, out);
			if (pa_cmp(p->set.r[i].lo, p->set.r[i].hi)) {
				ps_buf_putc(out, '-');
				dump_value(p->family, p->dim, p->set.r[i].hi, out);
			}
		}
		ps_buf_putc(out, '}');
		return;
	case PA_PRED_IFACE:
		ps_buf_printf(out, "%s{", dim_labels[p->dim]);
		for (size_t i = 0; i < p->npats; i++) {
			ps_buf_puts(out, i ? "," : "");
			pa_put_text(out, p->pats[i].name);
			if (p->pats[i].prefix)
				ps_buf_putc(out, '*');
		}
		ps_buf_putc(out, '}');
		return;
	case PA_PRED_ADDRTYPE:
		ps_buf_printf(out, "%s-type{0x%x}", dim_labels[p->dim], p->mask);
		return;
	case PA_PRED_TCPFLAGS:
		ps_buf_printf(out, "tcp-flags{0x%02x/0x%02x}", p->cmp, p->mask);
		return;
	case PA_PRED_CTSTATE:
		ps_buf_puts(out, "ct{");
		for (unsigned s = 0, n = 0; s < PA_NSTATES; s++)
			if (p->mask & PA_STBIT(s))
				ps_buf_printf(out, "%s%s", n++ ? "," : "", states[s]);
		ps_buf_putc(out, '}');
		return;
	case PA_PRED_UNKNOWN:
		ps_buf_puts(out, "unknown{");
		pa_put_text(out, p->text);
		if (p->proto)
			ps_buf_printf(out, " proto %u", p->proto);
		ps_buf_putc(out, '}');
		return;
	}
}

static void dump_action(const struct portspec_ruleset *rs, const struct pa_rule *r,
			struct ps_buf *out)
{
	static const char *const names[] = {"continue", "accept", "drop", "reject", "return",
					    "jump", "goto", "helper", "nat-accept", "indeterminate",
					    "policy"};
	ps_buf_printf(out, " -> %s", names[r->action]);
	if ((r->action == PA_ACT_JUMP || r->action == PA_ACT_GOTO) && r->target != PA_NONE) {
		ps_buf_putc(out, ' ');
		pa_put_text(out, rs->chains[r->target].name);
	}
	if (r->arg) {
		ps_buf_puts(out, " (");
		pa_put_text(out, r->arg);
		ps_buf_putc(out, ')');
	}
	if (r->nostate)
		ps_buf_printf(out, " no-state %u", r->nostate);
	if (r->needs_state)
		ps_buf_printf(out, " needs-state %u", r->needs_state);
}

void pa_ruleset_dump(const struct portspec_ruleset *rs, struct ps_buf *out)
{
	static const char *const hooks[] = {"user", "ingress", "prerouting", "input", "forward",
					    "output", "postrouting"};
	static const char *const types[] = {"filter", "nat", "route"};
	ps_buf_printf(out, "families %s%s%s\n", rs->families & PA_FAM4 ? "4" : "",
		      rs->families == PA_FAMS ? "," : "", rs->families & PA_FAM6 ? "6" : "");
	for (size_t c = 0; c < rs->nchains; c++) {
		const struct pa_chain *ch = &rs->chains[c];
		ps_buf_puts(out, "chain ");
		pa_put_text(out, ch->table);
		ps_buf_putc(out, ' ');
		pa_put_text(out, ch->name);
		ps_buf_printf(out, " fam %u %s", ch->families, hooks[ch->hook]);
		if (ch->hook != PA_HK_NONE)
			ps_buf_printf(out, " prio %d %s policy %s", ch->priority, types[ch->type],
				      rs->rules[ch->policy_rule].policy == PA_ACT_DROP ? "drop"
											: "accept");
		if (ch->device) {
			ps_buf_puts(out, " device ");
			pa_put_text(out, ch->device);
		}
		ps_buf_printf(out, " at %u:%u\n", ch->line, ch->column);
		for (size_t k = 0; k < ch->nrules; k++) {
			const struct pa_rule *r = &rs->rules[ch->rules[k]];
			ps_buf_printf(out, "  %u:%u fam %u", r->line, r->column, r->families);
			for (size_t i = 0; i < r->npreds; i++)
				dump_pred(&r->preds[i], out);
			dump_action(rs, r, out);
			ps_buf_putc(out, '\n');
		}
	}
	for (size_t i = 0; i < rs->nnotes; i++) {
		ps_buf_puts(out, "note ");
		pa_put_text(out, rs->notes[i]);
		ps_buf_putc(out, '\n');
	}
}
