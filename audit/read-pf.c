/* SPDX-License-Identifier: MIT */
/*
 * The pf.conf(5) reader (OpenBSD's and FreeBSD's pf).
 *
 * pf filters a packet when it comes in on an interface and again when it
 * goes out on one.  The model has two base chains for that, "pf-in" at
 * prerouting and "pf-out" at postrouting, both of policy accept (pf passes
 * what no rule matches).  pf's own order is turned into first match:
 *
 *   - the last matching rule decides, unless a matching rule is "quick";
 *     so the chain holds the quick rules in order, then the others in
 *     reverse order (the first of those to match is the last one written);
 *   - an anchor with a body is flattened with its conditions added to each
 *     of its rules; a quick anchor's rules, in their own first-match order,
 *     all end the evaluation;
 *   - what makes the rest of the evaluation unknowable (a named anchor
 *     whose rules are loaded at run time, a match rule that translates,
 *     old-style nat and rdr rules) sits at its place among the quick rules
 *     with an indeterminate action.
 *
 * Each chain begins with the interfaces of "set skip on" (accepted) and
 * the state table: a packet of a connection whose first packet a pass rule
 * let through with keep state (the default) passes; a pass rule with
 * "no state", or no rule at all, makes no state, and the connection's later
 * packets meet the rules again (struct pa_rule nostate, needs_state).
 *
 * Macros, tables (const or not: read as the file writes them, with longest
 * prefix match and negated entries), lists, in/out/on, inet/inet6, proto,
 * from/to with ! and self/(self) (address type local), ports with every
 * operator, flags (S/SA by default on rules that keep state), icmp-type
 * and icmp6-type are modelled.  Anything else that decides whether a rule
 * matches (user, group, tagged, os, probability, interface groups the file
 * cannot tell the members of, host names, an interface's addresses, tables
 * loaded from files) is an unknown predicate; actions that change where a
 * packet goes (rdr-to, binat-to, af-to, divert-to, route-to, reply-to,
 * rtable) are indeterminate.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define PF_MAX_MACRO 65536u        /* bytes of one macro's value */
#define PF_MAX_EXPANDED (16u << 20) /* bytes of all macro expansions */
#define PF_MAX_NEST 16u             /* anchors within anchors */
#define PF_MAX_EXPANSION 65536u     /* model rules of one pf rule */

#define DIR_IN 1u
#define DIR_OUT 2u

/* ---- tokens ---- */

enum tk {
	T_EOF, T_NL, T_WORD, T_STRING, T_TABLE, T_LBRACE, T_RBRACE, T_LPAREN, T_RPAREN,
	T_COMMA, T_NOT, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_XRANGE, T_IRANGE, T_ARROW,
};

struct tok {
	enum tk k;
	const char *s;     /* WORD, STRING: the text; TABLE: the name; others: as written */
	unsigned line, col;
	size_t off, end;   /* the source text it comes from (a macro: the $name) */
};

struct tokv {
	struct tok *v;
	size_t n, cap;
};

struct macro {
	char *name, *value;
};

/* ---- what the file says, before it becomes the model ---- */

enum host_kind { H_ANY, H_ADDR, H_SELF, H_TABLE, H_UNKNOWN };

struct host {
	enum host_kind kind;
	bool neg;
	unsigned family;        /* H_ADDR */
	struct pa_range r;      /* H_ADDR */
	const char *name;       /* H_TABLE: the table; H_UNKNOWN: why */
};

struct side {
	struct host *h;
	size_t n, cap;
	struct pa_set ports;
	bool has_ports;
};

struct ifel {
	const char *name;
	bool neg;
};

enum rkind {
	K_PASS, K_BLOCK,
	K_INDET,      /* at its place, whatever matches it is indeterminate */
	K_ANCHOR,     /* an anchor with a body: its conditions on its rules */
	K_FTP_PROXY,  /* the anchor of ftp-proxy(8): its data connections */
	K_NAT_NO,     /* old-style "no nat", "no rdr": ends the translation rules */
};

struct pblock;

struct prule {
	enum rkind kind;
	unsigned dir;          /* DIR_IN, DIR_OUT, or both */
	bool quick;
	struct ifel *ifs;
	size_t nifs;
	unsigned af;           /* 0, 4 or 6 */
	struct pa_set protos;
	bool has_proto;
	struct side from, to;
	bool has_flags, flags_any;
	unsigned fcmp, fmask;
	struct pa_set icmp;
	unsigned icmp_family;  /* 0: no icmp-type */
	bool nostate;
	int block;             /* 0 the block policy, 1 drop, 2 return */
	const char *indet;     /* K_PASS, K_INDET: why the verdict is indeterminate */
	const char **unknown;  /* matches not modelled */
	size_t nunknown;
	struct pblock *body;   /* K_ANCHOR */
	unsigned chains;       /* 0: filter; translation: 1 rdr (in), 2 nat (out), 3 both */
	unsigned line, col;
	const char *text;
};

struct pblock {
	struct prule *r;
	size_t n, cap;
};

struct ptable {
	const char *name;
	struct pa_set set[2];
	int self;              /* 1: self is in it, -1: !self, 0: neither */
	bool defined, konst, dynamic, noted;
	const char *unknown;   /* why its entries are not known */
	unsigned line, col;
};

struct named_anchor {
	const char *name;
	struct pblock *body;
};

struct reader {
	struct portspec_ruleset *rs;
	uint32_t file;
	const char *filename;
	struct portspec_error *err;
	const char *text;
	size_t len;
	struct tokv t;
	size_t at;
	char **strs;           /* every string the reader made */
	size_t nstrs, capstrs;
	struct macro *macros;
	size_t nmacros;
	size_t expanded;
	struct ptable *tables;
	size_t ntables;
	struct named_anchor *anchors;
	size_t nanchors;
	struct pblock top;
	struct pblock trans;   /* old-style nat, rdr, binat rules */
	struct pblock **blocks; /* anchor bodies, to free */
	size_t nblocks;
	struct ifel *skip;
	size_t nskip;
	unsigned skip_line, skip_col;
	const char *skip_text;
	bool block_return;
	size_t nstatements;
	unsigned depth;
};

static enum portspec_status fail_at(struct reader *rd, unsigned line, unsigned col,
				    const char *fmt, ...) PS_PRINTF(4, 5);
static enum portspec_status fail_at(struct reader *rd, unsigned line, unsigned col,
				    const char *fmt, ...)
{
	char text[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return ps_error_set(rd->err, PORTSPEC_E_PARSE, rd->filename, line, col, "%s", text);
}

#define FAIL(rd, tok, ...) fail_at((rd), (tok)->line, (tok)->col, __VA_ARGS__)

static enum portspec_status nomem(struct reader *rd)
{
	return ps_error_set(rd->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
}

/* The reader's arrays start small: a rule has a few hosts and ports. */
#define FIRST_CAP 8u

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	return ps_grow(p, cap, need, size, FIRST_CAP);
}

/* A string that lives as long as the reader. */
static const char *keep(struct reader *rd, const char *s, size_t n)
{
	if (!grow((void **)&rd->strs, &rd->capstrs, rd->nstrs + 1, sizeof(*rd->strs)))
		return NULL;
	/* The empty word of a failed buffer has no text at all. */
	char *c = ps_strndup(n ? s : "", n);
	if (c)
		rd->strs[rd->nstrs++] = c;
	return c;
}

static const char *keepf(struct reader *rd, const char *fmt, ...) PS_PRINTF(2, 3);
static const char *keepf(struct reader *rd, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return keep(rd, text, strlen(text));
}

static bool push_tok(struct tokv *tv, const struct tok *t)
{
	if (!grow((void **)&tv->v, &tv->cap, tv->n + 1, sizeof(*tv->v)))
		return false;
	tv->v[tv->n++] = *t;
	return true;
}

/* ---- the lexer ----
 * As pfctl's: blanks separate, # comments to the end of the line, a
 * backslash before a newline joins the lines, "..." quotes, <name> is a
 * table, and { } ( ) , ! = < > <= >= != >< <> -> are tokens of their own. */

struct src {
	const char *p;
	size_t len, i;
	unsigned line, col;
	const struct tok *macro; /* expanding a macro: every token is at its place */
};

static void src_skip_joins(struct src *s)
{
	while (s->i + 1 < s->len && s->p[s->i] == '\\' &&
	       (s->p[s->i + 1] == '\n' ||
		(s->p[s->i + 1] == '\r' && s->i + 2 < s->len && s->p[s->i + 2] == '\n'))) {
		s->i += s->p[s->i + 1] == '\r' ? 3 : 2;
		s->line++;
		s->col = 1;
	}
}

static int src_peek(struct src *s)
{
	src_skip_joins(s);
	return s->i < s->len ? (unsigned char)s->p[s->i] : -1;
}

static int src_peek2(struct src *s)
{
	src_skip_joins(s);
	size_t j = s->i + 1;
	while (j + 1 < s->len && s->p[j] == '\\' && s->p[j + 1] == '\n')
		j += 2;
	return j < s->len ? (unsigned char)s->p[j] : -1;
}

static void src_adv(struct src *s)
{
	src_skip_joins(s);
	if (s->i >= s->len)
		return;
	if (s->p[s->i] == '\n') {
		s->line++;
		s->col = 1;
	} else {
		s->col++;
	}
	s->i++;
}

static bool word_char(int c)
{
	return c > ' ' && c != '{' && c != '}' && c != '(' && c != ')' && c != ',' && c != '!' &&
	       c != '=' && c != '<' && c != '>' && c != '"' && c != '#' && c != 0x7f;
}

static bool name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.' || c == '/' || c == ':';
}

static enum portspec_status lex(struct reader *rd, struct src *s, struct tokv *out)
{
	struct ps_buf b;
	ps_buf_init(&b);
	enum portspec_status st = PORTSPEC_OK;
	for (;;) {
		int c = src_peek(s);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			src_adv(s);
			continue;
		}
		if (c == '#') {
			while ((c = src_peek(s)) >= 0 && c != '\n')
				src_adv(s);
			continue;
		}
		struct tok t = {0};
		t.line = s->line;
		t.col = s->col;
		t.off = s->i;
		if (c < 0) {
			t.k = T_EOF;
			t.s = "end of file";
		} else if (c == '\n') {
			t.k = T_NL;
			t.s = "end of line";
			src_adv(s);
		} else if (c == '"') {
			src_adv(s);
			b.len = 0;
			for (;;) {
				c = src_peek(s);
				if (c < 0 || c == '\n') {
					st = fail_at(rd, t.line, t.col, "a quoted string that does not end "
						     "on its line");
					goto out;
				}
				src_adv(s);
				if (c == '"')
					break;
				if (c == '\\' && (src_peek(s) == '"' || src_peek(s) == '\\')) {
					c = src_peek(s);
					src_adv(s);
				}
				if (c < ' ' && c != '\t') {
					st = fail_at(rd, s->line, s->col - 1, "a control character in a "
						     "quoted string");
					goto out;
				}
				ps_buf_putc(&b, (char)c);
			}
			t.k = T_STRING;
			t.s = keep(rd, b.data ? b.data : "", b.len);
		} else if (c == '<' && name_char(src_peek2(s))) {
			/* <table>, or the operator < before a number */
			struct src save = *s;
			src_adv(s);
			b.len = 0;
			while (name_char(c = src_peek(s))) {
				ps_buf_putc(&b, (char)c);
				src_adv(s);
			}
			if (c == '>') {
				src_adv(s);
				t.k = T_TABLE;
				t.s = keep(rd, b.data, b.len);
			} else {
				*s = save;
				src_adv(s);
				t.k = T_LT;
				t.s = "<";
			}
		} else if (strchr("{}(),!=<>", c) || (c == '-' && src_peek2(s) == '>')) {
			int d = src_peek2(s);
			src_adv(s);
			t.s = NULL;
			switch (c) {
			case '{': t.k = T_LBRACE; t.s = "{"; break;
			case '}': t.k = T_RBRACE; t.s = "}"; break;
			case '(': t.k = T_LPAREN; t.s = "("; break;
			case ')': t.k = T_RPAREN; t.s = ")"; break;
			case ',': t.k = T_COMMA; t.s = ","; break;
			case '-': t.k = T_ARROW; t.s = "->"; break;
			case '!': t.k = d == '=' ? T_NE : T_NOT; t.s = d == '=' ? "!=" : "!"; break;
			case '=': t.k = T_EQ; t.s = "="; break;
			case '<':
				t.k = d == '=' ? T_LE : d == '>' ? T_IRANGE : T_LT;
				t.s = d == '=' ? "<=" : d == '>' ? "<>" : "<";
				break;
			default:
				t.k = d == '=' ? T_GE : d == '<' ? T_XRANGE : T_GT;
				t.s = d == '=' ? ">=" : d == '<' ? "><" : ">";
				break;
			}
			if (t.k == T_NE || t.k == T_LE || t.k == T_GE || t.k == T_XRANGE ||
			    t.k == T_IRANGE || t.k == T_ARROW)
				src_adv(s);
		} else if (word_char(c)) {
			b.len = 0;
			while (word_char(c = src_peek(s))) {
				ps_buf_putc(&b, (char)c);
				src_adv(s);
			}
			t.k = T_WORD;
			t.s = keep(rd, b.data, b.len);
		} else {
			st = fail_at(rd, t.line, t.col, "a control character (0x%02x) in the ruleset",
				     (unsigned)c);
			goto out;
		}
		if (b.failed || !t.s) {
			st = nomem(rd);
			goto out;
		}
		t.end = s->i;
		if (s->macro) {
			if (t.k == T_EOF)
				break;
			t.line = s->macro->line;
			t.col = s->macro->col;
			t.off = s->macro->off;
			t.end = s->macro->end;
		}
		if (!push_tok(out, &t)) {
			st = nomem(rd);
			goto out;
		}
		if (t.k == T_EOF)
			break;
	}
out:
	ps_buf_release(&b);
	return st;
}

/* ---- macros ----
 * "name = value" at the start of a top-level statement defines one; $name
 * at the start of a word is replaced by its value (the rest of the word
 * follows it, as in $ext_if:network), which is read again as tokens.  A
 * value is quoted strings and words, joined by blanks; macros in it are
 * expanded when it is defined, none within quotes. */

static const struct macro *find_macro(const struct reader *rd, const char *name, size_t n)
{
	for (size_t i = rd->nmacros; i-- > 0;)
		if (strlen(rd->macros[i].name) == n && !memcmp(rd->macros[i].name, name, n))
			return &rd->macros[i];
	return NULL;
}

static enum portspec_status expand_word(struct reader *rd, const struct tok *t, struct ps_buf *out)
{
	const char *s = t->s + 1;
	size_t n = 0;
	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
	       (s[n] >= '0' && s[n] <= '9') || s[n] == '_')
		n++;
	if (!n)
		return FAIL(rd, t, "'$' without a macro name");
	const struct macro *m = find_macro(rd, s, n);
	if (!m)
		return FAIL(rd, t, "macro '%.*s' is not defined (define it before its use: "
			    "%.*s = \"...\")", (int)n, s, (int)n, s);
	ps_buf_puts(out, m->value);
	ps_buf_puts(out, s + n);
	rd->expanded += strlen(m->value) + strlen(s + n);
	if (rd->expanded > PF_MAX_EXPANDED)
		return ps_error_set(rd->err, PORTSPEC_E_LIMIT, rd->filename, t->line, t->col,
				    "the macros expand to more than %u MiB", PF_MAX_EXPANDED >> 20);
	return out->failed ? nomem(rd) : PORTSPEC_OK;
}

static enum portspec_status expand_macros(struct reader *rd, struct tokv *in)
{
	struct tokv out = {0};
	struct ps_buf b;
	ps_buf_init(&b);
	enum portspec_status st = PORTSPEC_OK;
	bool start = true;
	int depth = 0;
	for (size_t i = 0; i < in->n && !st; i++) {
		struct tok *t = &in->v[i];
		if (start && depth == 0 && t->k == T_WORD && t->s[0] != '$' && i + 1 < in->n &&
		    in->v[i + 1].k == T_EQ) {
			/* name = value */
			for (const char *c = t->s; *c; c++)
				if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
				      (*c >= '0' && *c <= '9') || *c == '_'))
					return ps_free(out.v), ps_buf_release(&b),
					       FAIL(rd, t, "'%s' is not a macro name (letters, digits "
						    "and _)", t->s);
			b.len = 0;
			size_t j = i + 2;
			for (; j < in->n && in->v[j].k != T_NL && in->v[j].k != T_EOF && !st; j++) {
				const struct tok *v = &in->v[j];
				if (j > i + 2)
					ps_buf_putc(&b, ' ');
				if (v->k == T_WORD && v->s[0] == '$')
					st = expand_word(rd, v, &b);
				else if (v->k == T_WORD || v->k == T_STRING)
					ps_buf_puts(&b, v->s);
				else
					st = FAIL(rd, v, "a macro's value is quoted strings and words; "
						  "quote it: %s = \"...\"", t->s);
				if (!st && b.len > PF_MAX_MACRO)
					st = ps_error_set(rd->err, PORTSPEC_E_LIMIT, rd->filename,
							  t->line, t->col, "macro '%s' is longer "
							  "than %u bytes", t->s, PF_MAX_MACRO);
			}
			if (!st && j == i + 2)
				st = FAIL(rd, &in->v[i + 1], "macro '%s' has no value", t->s);
			if (st)
				break;
			struct macro *m = ps_reallocarray(rd->macros, rd->nmacros + 1, sizeof(*m));
			if (!m || b.failed) {
				ps_free(m == rd->macros ? NULL : NULL);
				if (m)
					rd->macros = m;
				st = nomem(rd);
				break;
			}
			rd->macros = m;
			m[rd->nmacros].name = ps_strdup(t->s);
			m[rd->nmacros].value = ps_strndup(b.data ? b.data : "", b.len);
			if (!m[rd->nmacros].name || !m[rd->nmacros].value) {
				ps_free(m[rd->nmacros].name);
				ps_free(m[rd->nmacros].value);
				st = nomem(rd);
				break;
			}
			rd->nmacros++;
			i = j - 1; /* the newline comes next */
			continue;
		}
		if (t->k == T_LBRACE)
			depth++;
		else if (t->k == T_RBRACE && depth > 0)
			depth--;
		start = t->k == T_NL;
		if (t->k == T_WORD && t->s[0] == '$') {
			b.len = 0;
			if ((st = expand_word(rd, t, &b)))
				break;
			struct src s = {b.data ? b.data : "", b.len, 0, t->line, t->col, t};
			if ((st = lex(rd, &s, &out)))
				break;
			continue;
		}
		if (!push_tok(&out, t))
			st = nomem(rd);
	}
	ps_buf_release(&b);
	ps_free(in->v);
	*in = out;
	return st;
}

/* ---- the parser's steps ---- */

static const struct tok *peek(struct reader *rd)
{
	return &rd->t.v[rd->at];
}

static const struct tok *next(struct reader *rd)
{
	const struct tok *t = &rd->t.v[rd->at];
	if (t->k != T_EOF)
		rd->at++;
	return t;
}

static bool is(const struct tok *t, const char *word)
{
	return t->k == T_WORD && !strcmp(t->s, word);
}

static bool accept_word(struct reader *rd, const char *word)
{
	if (!is(peek(rd), word))
		return false;
	next(rd);
	return true;
}

static void skip_nl(struct reader *rd)
{
	while (peek(rd)->k == T_NL)
		next(rd);
}

/* Reads one item of a list at the cursor; `arg` is what it fills. */
typedef enum portspec_status item_reader(struct reader *rd, void *arg);

/*
 * ITEM, or a list "{ ITEM [,] ITEM ... }" over any number of lines, each
 * item read by read(rd, arg).  *open is the list's '{', NULL for a lone
 * item: the caller's place for an error about an empty list.
 */
static enum portspec_status item_or_list(struct reader *rd, item_reader *read, void *arg,
					 const struct tok **open)
{
	*open = NULL;
	if (peek(rd)->k != T_LBRACE)
		return read(rd, arg);
	*open = next(rd);
	skip_nl(rd);
	while (peek(rd)->k != T_RBRACE) {
		if (peek(rd)->k == T_EOF)
			return FAIL(rd, *open, "a '{' that is not closed");
		enum portspec_status st = read(rd, arg);
		if (st)
			return st;
		if (peek(rd)->k == T_COMMA)
			next(rd);
		skip_nl(rd);
	}
	next(rd);
	return PORTSPEC_OK;
}

static enum portspec_status unexpected(struct reader *rd, const struct tok *t, const char *what)
{
	if (t->k == T_NL || t->k == T_EOF)
		return FAIL(rd, t, "the statement ends where %s is due", what);
	return FAIL(rd, t, "'%s' where %s is due", t->s, what);
}

/* A word or a quoted string: a name, a label. */
static enum portspec_status name_arg(struct reader *rd, const char *what, const struct tok **out)
{
	const struct tok *t = peek(rd);
	if (t->k != T_WORD && t->k != T_STRING)
		return unexpected(rd, t, what);
	*out = next(rd);
	return PORTSPEC_OK;
}

/* Skips a balanced ( ... ) if one comes next. */
static enum portspec_status skip_parens(struct reader *rd)
{
	if (peek(rd)->k != T_LPAREN)
		return PORTSPEC_OK;
	const struct tok *open = next(rd);
	int depth = 1;
	while (depth) {
		const struct tok *t = next(rd);
		if (t->k == T_EOF)
			return FAIL(rd, open, "a '(' that is not closed");
		depth += t->k == T_LPAREN ? 1 : t->k == T_RPAREN ? -1 : 0;
	}
	return PORTSPEC_OK;
}

/* The rest of a statement the analysis has no use for. */
static void skip_statement(struct reader *rd)
{
	int depth = 0;
	for (;;) {
		const struct tok *t = peek(rd);
		if (t->k == T_EOF || (depth == 0 && (t->k == T_NL || t->k == T_RBRACE)))
			return;
		depth += t->k == T_LBRACE || t->k == T_LPAREN ? 1
			 : t->k == T_RBRACE || t->k == T_RPAREN ? -1 : 0;
		next(rd);
	}
}

/* The statement's text for people: one line, comments and joins out. */
static const char *stmt_text(struct reader *rd, size_t off, size_t end)
{
	struct ps_buf b;
	ps_buf_init(&b);
	bool quoted = false, space = false;
	for (size_t i = off; i < end && i < rd->len; i++) {
		char c = rd->text[i];
		if (c == '\\' && i + 1 < end && (rd->text[i + 1] == '\n' || rd->text[i + 1] == '\r'))
			continue;
		if (!quoted && c == '#') {
			while (i + 1 < end && rd->text[i + 1] != '\n')
				i++;
			continue;
		}
		if (c == '"')
			quoted = !quoted;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = b.len > 0;
			continue;
		}
		if (space)
			ps_buf_putc(&b, ' ');
		space = false;
		ps_buf_putc(&b, c);
	}
	const char *s = b.failed ? NULL : keep(rd, b.data ? b.data : "", b.len);
	ps_buf_release(&b);
	return s;
}

/* ---- values ---- */


static bool set_add_complement(struct pa_set *s, struct pa_u128 lo, struct pa_u128 hi,
			       struct pa_u128 max)
{
	bool ok = true;
	if (pa_cmp(lo, pa_u(0)) > 0)
		ok = pa_set_add(s, pa_u(0), pa_dec(lo));
	if (ok && pa_cmp(hi, max) < 0)
		ok = pa_set_add(s, pa_inc(hi), max);
	return ok;
}

/* dst = src without value v. */
static bool set_subtract_copy(struct pa_set *dst, const struct pa_set *src, unsigned v)
{
	struct pa_set c = {0};
	bool ok = set_add_complement(&c, pa_u(v), pa_u(v), pa_u(255)) &&
		  pa_set_intersect(dst, src, &c);
	pa_set_release(&c);
	return ok;
}

static bool set_full(const struct pa_set *s, struct pa_u128 max)
{
	return s->n == 1 && pa_cmp(s->r[0].lo, pa_u(0)) == 0 && pa_cmp(s->r[0].hi, max) == 0;
}

static enum portspec_status port_value(struct reader *rd, const struct tok *t, const char *s,
				       size_t n, const char *proto, unsigned *out)
{
	if (!pa_parse_port(s, n, proto, out))
		return FAIL(rd, t, "'%.*s' is not a port number or a service name of %s",
			    (int)n, s, proto);
	return PORTSPEC_OK;
}

/* One port item: [op] port, port:port, port >< port, port <> port. */
static enum portspec_status port_item(struct reader *rd, const char *proto, struct pa_set *set)
{
	const struct tok *t = peek(rd);
	enum tk op = T_EQ;
	if (t->k == T_EQ || t->k == T_NE || t->k == T_LT || t->k == T_LE || t->k == T_GT ||
	    t->k == T_GE) {
		op = t->k;
		next(rd);
		t = peek(rd);
	}
	if (t->k != T_WORD)
		return unexpected(rd, t, "a port");
	next(rd);
	unsigned a, b;
	const struct pa_u128 max = pa_u(65535);
	const char *colon = strchr(t->s, ':');
	enum portspec_status st;
	if (colon && op == T_EQ) {
		if ((st = port_value(rd, t, t->s, (size_t)(colon - t->s), proto, &a)) ||
		    (st = port_value(rd, t, colon + 1, strlen(colon + 1), proto, &b)))
			return st;
		if (a > b)
			return FAIL(rd, t, "port range %s runs backwards", t->s);
		return pa_set_add(set, pa_u(a), pa_u(b)) ? PORTSPEC_OK : nomem(rd);
	}
	if ((st = port_value(rd, t, t->s, strlen(t->s), proto, &a)))
		return st;
	const struct tok *o = peek(rd);
	if (op == T_EQ && (o->k == T_XRANGE || o->k == T_IRANGE)) {
		next(rd);
		const struct tok *u = peek(rd);
		if (u->k != T_WORD)
			return unexpected(rd, u, "a port");
		next(rd);
		if ((st = port_value(rd, u, u->s, strlen(u->s), proto, &b)))
			return st;
		bool ok = true;
		if (o->k == T_XRANGE) { /* a >< b: between, both excluded */
			if (b > a + 1)
				ok = pa_set_add(set, pa_u(a + 1), pa_u(b - 1));
		} else { /* a <> b: outside, both excluded */
			if (a > 0)
				ok = pa_set_add(set, pa_u(0), pa_u(a - 1));
			if (ok && b < 65535)
				ok = pa_set_add(set, pa_u(b + 1), max);
		}
		return ok ? PORTSPEC_OK : nomem(rd);
	}
	bool ok = true;
	switch (op) {
	case T_NE: ok = set_add_complement(set, pa_u(a), pa_u(a), max); break;
	case T_LT: ok = a == 0 || pa_set_add(set, pa_u(0), pa_u(a - 1)); break;
	case T_LE: ok = pa_set_add(set, pa_u(0), pa_u(a)); break;
	case T_GT: ok = a == 65535 || pa_set_add(set, pa_u(a + 1), max); break;
	case T_GE: ok = pa_set_add(set, pa_u(a), max); break;
	default: ok = pa_set_add(set, pa_u(a), pa_u(a)); break;
	}
	return ok ? PORTSPEC_OK : nomem(rd);
}

/* port_item() as an item_reader */
struct port_items {
	const char *proto;
	struct pa_set *set;
};

static enum portspec_status port_list_item(struct reader *rd, void *arg)
{
	const struct port_items *items = arg;
	return port_item(rd, items->proto, items->set);
}

static enum portspec_status port_spec(struct reader *rd, const struct prule *r, struct side *sd,
				      const struct tok *kw)
{
	if (!r->has_proto)
		return FAIL(rd, kw, "a port needs proto tcp or proto udp (pfctl: port only "
			    "applies to tcp/udp)");
	for (size_t i = 0; i < r->protos.n; i++)
		for (uint64_t p = r->protos.r[i].lo.lo; p <= r->protos.r[i].hi.lo; p++)
			if (p != 6 && p != 17)
				return FAIL(rd, kw, "a port with a protocol other than tcp and udp "
					    "(pfctl: port only applies to tcp/udp)");
	const char *proto = pa_set_contains(&r->protos, pa_u(6)) ? "tcp" : "udp";
	sd->has_ports = true;
	struct port_items items = {proto, &sd->ports};
	const struct tok *open;
	return item_or_list(rd, port_list_item, &items, &open);
}

/* ---- hosts ---- */

static bool side_push(struct side *sd, const struct host *h)
{
	if (!grow((void **)&sd->h, &sd->cap, sd->n + 1, sizeof(*sd->h)))
		return false;
	sd->h[sd->n++] = *h;
	return true;
}

static enum portspec_status unknown_host(struct reader *rd, struct side *sd, bool neg,
					 const char *fmt, ...) PS_PRINTF(4, 5);
static enum portspec_status unknown_host(struct reader *rd, struct side *sd, bool neg,
					 const char *fmt, ...)
{
	struct host h = {H_UNKNOWN, neg, 0, {{0, 0}, {0, 0}}, NULL};
	char text[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!(h.name = keep(rd, text, strlen(text))) || !side_push(sd, &h))
		return nomem(rd);
	return PORTSPEC_OK;
}

/* One host: [!] address[/len] | address - address | self | (self) | (if) |
 * <table> | interface or host name. */
static enum portspec_status host_item(struct reader *rd, struct side *sd)
{
	bool neg = false;
	if (peek(rd)->k == T_NOT) {
		next(rd);
		neg = true;
	}
	const struct tok *t = peek(rd);
	struct host h = {H_ADDR, neg, 0, {{0, 0}, {0, 0}}, NULL};
	if (t->k == T_TABLE) {
		next(rd);
		h.kind = H_TABLE;
		h.name = t->s;
		return side_push(sd, &h) ? PORTSPEC_OK : nomem(rd);
	}
	if (t->k == T_LPAREN) {
		next(rd);
		const struct tok *n = peek(rd);
		if (n->k != T_WORD)
			return unexpected(rd, n, "an interface name");
		next(rd);
		if (peek(rd)->k != T_RPAREN)
			return unexpected(rd, peek(rd), "')'");
		next(rd);
		if (!strcmp(n->s, "self")) {
			h.kind = H_SELF;
			return side_push(sd, &h) ? PORTSPEC_OK : nomem(rd);
		}
		return unknown_host(rd, sd, neg, "the addresses of interface %s (when the rule "
				    "is used)", n->s);
	}
	if (t->k != T_WORD)
		return unexpected(rd, t, "an address");
	next(rd);
	if (!strcmp(t->s, "self")) {
		h.kind = H_SELF;
		return side_push(sd, &h) ? PORTSPEC_OK : nomem(rd);
	}
	if (!strcmp(t->s, "any") || !strcmp(t->s, "no-route") || !strcmp(t->s, "urpf-failed") ||
	    !strcmp(t->s, "route"))
		return FAIL(rd, t, "'%s' cannot be in an address list", t->s);
	unsigned fam;
	if (is(peek(rd), "-")) {
		/* a range: a - b */
		next(rd);
		const struct tok *u = peek(rd);
		struct pa_u128 a, b;
		unsigned fb;
		if (u->k != T_WORD || !pa_addr_parse(t->s, 0, &fam, &a) ||
		    !pa_addr_parse(u->s, fam, &fb, &b))
			return FAIL(rd, t, "an address range is two addresses of one family: "
				    "a - b");
		next(rd);
		if (pa_cmp(a, b) > 0)
			return FAIL(rd, t, "address range %s - %s runs backwards", t->s, u->s);
		h.family = fam;
		h.r.lo = a;
		h.r.hi = b;
		return side_push(sd, &h) ? PORTSPEC_OK : nomem(rd);
	}
	if (pa_cidr_parse(t->s, 0, &fam, &h.r)) {
		h.family = fam;
		return side_push(sd, &h) ? PORTSPEC_OK : nomem(rd);
	}
	/* pfctl's shorthand 10/8: a network with leading octets only */
	const char *slash = strchr(t->s, '/');
	if (slash && !strchr(t->s, ':')) {
		char full[64];
		unsigned dots = 0;
		size_t n = (size_t)(slash - t->s);
		for (size_t i = 0; i < n; i++)
			dots += t->s[i] == '.';
		if (n && n < 16 && dots < 3) {
			memcpy(full, t->s, n);
			full[n] = '\0';
			for (; dots < 3; dots++)
				strcat(full, ".0");
			strncat(full, slash, sizeof(full) - strlen(full) - 1);
			if (pa_cidr_parse(full, 4, &fam, &h.r)) {
				h.family = 4;
				return side_push(sd, &h) ? PORTSPEC_OK : nomem(rd);
			}
		}
	}
	for (const char *c = t->s; *c; c++)
		if (!name_char(*c))
			return FAIL(rd, t, "'%s' is not an address, network, interface or host "
				    "name", t->s);
	if (strchr(t->s, ':') && !strchr(t->s, '.') && strspn(t->s, "0123456789abcdefABCDEF:/") ==
	    strlen(t->s))
		return FAIL(rd, t, "'%s' is not an IPv6 address or network", t->s);
	if (strspn(t->s, "0123456789./") == strlen(t->s))
		return FAIL(rd, t, "'%s' is not an IPv4 address or network", t->s);
	return unknown_host(rd, sd, neg, "the addresses of %s (an interface or a host name, "
			    "resolved when the rules are loaded)", t->s);
}

static enum portspec_status host_list_item(struct reader *rd, void *sd)
{
	return host_item(rd, sd);
}

/* from or to: any | [!] host | { host, ... } | no-route | urpf-failed |
 * route NAME; then [port ...]. */
static enum portspec_status host_spec(struct reader *rd, struct prule *r, struct side *sd)
{
	enum portspec_status st;
	const struct tok *t = peek(rd);
	if (is(t, "port"))
		return next(rd), port_spec(rd, r, sd, t);
	if (is(t, "any")) {
		next(rd);
	} else if (is(t, "no-route") || is(t, "urpf-failed")) {
		next(rd);
		if ((st = unknown_host(rd, sd, false, "%s (the routing table)", t->s)))
			return st;
	} else if (is(t, "route")) {
		next(rd);
		const struct tok *n = NULL;
		if ((st = name_arg(rd, "a route label", &n)) ||
		    (st = unknown_host(rd, sd, false, "the addresses of route label %s", n->s)))
			return st;
	} else {
		const struct tok *open;
		if ((st = item_or_list(rd, host_list_item, sd, &open)))
			return st;
		if (open && !sd->n)
			return FAIL(rd, open, "an empty address list");
	}
	const struct tok *p = peek(rd);
	if (is(p, "port"))
		return next(rd), port_spec(rd, r, sd, p);
	return PORTSPEC_OK;
}

/* ---- interfaces ---- */

enum ifkind { IF_NAME, IF_PREFIX, IF_ALL, IF_UNKNOWN };

/* pf names an interface (em0) or an interface group: "all" (every
 * interface), the group of a cloned interface's kind (lo: lo0, lo1, ...; and
 * Linux's lo), or a group whose members only ifconfig knows (egress and any
 * of one's own). */
static enum ifkind iface_kind(const char *name)
{
	static const char *const cloned[] = {
		"aggr", "bpe", "bridge", "carp", "egre", "enc", "eoip", "epair", "etherip",
		"gif", "gre", "lagg", "lo", "mgre", "mpe", "mpip", "mpw", "nvgre", "pair",
		"pflog", "pflow", "pfsync", "ppp", "pppoe", "pppx", "sec", "stf", "svlan",
		"tap", "tpmr", "trunk", "tun", "veb", "vether", "vlan", "vxlan", "wg",
	};
	size_t n = strlen(name);
	if (n && name[n - 1] >= '0' && name[n - 1] <= '9')
		return IF_NAME;
	if (!strcmp(name, "all"))
		return IF_ALL;
	for (size_t i = 0; i < sizeof(cloned) / sizeof(cloned[0]); i++)
		if (!strcmp(name, cloned[i]))
			return IF_PREFIX;
	return IF_UNKNOWN;
}

static enum portspec_status if_item(struct reader *rd, struct ifel **v, size_t *n, size_t *cap)
{
	bool neg = false;
	if (peek(rd)->k == T_NOT) {
		next(rd);
		neg = true;
	}
	const struct tok *t = peek(rd);
	if (t->k != T_WORD && t->k != T_STRING)
		return unexpected(rd, t, "an interface name");
	next(rd);
	if (!t->s[0] || strlen(t->s) > 15)
		return FAIL(rd, t, "'%s' is not an interface name (1 to 15 characters)", t->s);
	if (!grow((void **)v, cap, *n + 1, sizeof(**v)))
		return nomem(rd);
	(*v)[*n].name = t->s;
	(*v)[*n].neg = neg;
	(*n)++;
	return PORTSPEC_OK;
}

/* if_item() as an item_reader */
struct if_items {
	struct ifel **v;
	size_t *n;
	size_t cap;
};

static enum portspec_status if_list_item(struct reader *rd, void *arg)
{
	struct if_items *items = arg;
	return if_item(rd, items->v, items->n, &items->cap);
}

static enum portspec_status if_spec(struct reader *rd, struct ifel **v, size_t *n)
{
	if (is(peek(rd), "rdomain"))
		return FAIL(rd, peek(rd), "'on rdomain' is not read (routing domains)");
	struct if_items items = {v, n, 0};
	const struct tok *open;
	enum portspec_status st = item_or_list(rd, if_list_item, &items, &open);
	if (st || !open)
		return st;
	if (!*n)
		return FAIL(rd, open, "an empty interface list");
	return PORTSPEC_OK;
}

/* ---- rules ---- */

static enum portspec_status add_unknown(struct reader *rd, struct prule *r, const char *text)
{
	const char **u = ps_reallocarray(r->unknown, r->nunknown + 1, sizeof(*u));
	if (!u)
		return nomem(rd);
	r->unknown = u;
	if (!(u[r->nunknown] = keep(rd, text, strlen(text))))
		return nomem(rd);
	r->nunknown++;
	return PORTSPEC_OK;
}

static enum portspec_status proto_item(struct reader *rd, struct prule *r)
{
	const struct tok *t = peek(rd);
	if (t->k != T_WORD)
		return unexpected(rd, t, "a protocol");
	next(rd);
	int p = pa_protocol_number(t->s);
	if (!strcmp(t->s, "icmp6"))
		p = 58;
	if (p < 0 || p > 255)
		return FAIL(rd, t, "'%s' is not a protocol name or number", t->s);
	return pa_set_add(&r->protos, pa_u((unsigned)p), pa_u((unsigned)p)) ? PORTSPEC_OK
									   : nomem(rd);
}

static enum portspec_status proto_list_item(struct reader *rd, void *r)
{
	return proto_item(rd, r);
}

static enum portspec_status proto_spec(struct reader *rd, struct prule *r)
{
	r->has_proto = true;
	const struct tok *open;
	enum portspec_status st = item_or_list(rd, proto_list_item, r, &open);
	if (st || !open)
		return st;
	return r->protos.n ? PORTSPEC_OK : FAIL(rd, open, "an empty protocol list");
}

static bool flag_bits(const char *s, size_t n, unsigned *out)
{
	static const char letters[] = "FSRPAUEW";
	*out = 0;
	for (size_t i = 0; i < n; i++) {
		const char *c = memchr(letters, s[i], 8);
		if (!c)
			return false;
		*out |= 1u << (c - letters);
	}
	return true;
}

static enum portspec_status flags_spec(struct reader *rd, struct prule *r)
{
	const struct tok *t = peek(rd);
	if (t->k != T_WORD)
		return unexpected(rd, t, "TCP flags (S/SA, any)");
	next(rd);
	if (!strcmp(t->s, "any")) {
		r->flags_any = true;
		r->has_flags = false;
		return PORTSPEC_OK;
	}
	const char *slash = strchr(t->s, '/');
	size_t n = slash ? (size_t)(slash - t->s) : strlen(t->s);
	unsigned cmp, mask = 0xff;
	if (!flag_bits(t->s, n, &cmp) || (slash && !flag_bits(slash + 1, strlen(slash + 1), &mask)) ||
	    (slash && !slash[1]))
		return FAIL(rd, t, "'%s' is not TCP flags: letters of FSRPAUEW, as in S/SA", t->s);
	if (cmp & ~mask)
		return FAIL(rd, t, "flags %s can never match: a flag set that the mask leaves out",
			    t->s);
	r->has_flags = true;
	r->flags_any = false;
	r->fcmp = cmp;
	r->fmask = mask;
	return PORTSPEC_OK;
}

/* icmp-type / icmp6-type: type [code c] | { ... } */
static const struct {
	const char *name;
	unsigned type;
} icmp4_names[] = {
	{"echorep", 0}, {"unreach", 3}, {"squench", 4}, {"redir", 5}, {"althost", 6},
	{"echoreq", 8}, {"routeradv", 9}, {"routersol", 10}, {"timex", 11}, {"paramprob", 12},
	{"timereq", 13}, {"timerep", 14}, {"inforeq", 15}, {"inforep", 16}, {"maskreq", 17},
	{"maskrep", 18}, {"trace", 30}, {"dataconv", 31}, {"mobredir", 32}, {"ipv6-where", 33},
	{"ipv6-here", 34}, {"mobregreq", 35}, {"mobregrep", 36}, {"skip", 39}, {"photuris", 40},
}, icmp6_names[] = {
	{"unreach", 1}, {"toobig", 2}, {"timex", 3}, {"paramprob", 4}, {"echoreq", 128},
	{"echorep", 129}, {"groupqry", 130}, {"listqry", 130}, {"grouprep", 131},
	{"listenrep", 131}, {"groupterm", 132}, {"listendone", 132}, {"routersol", 133},
	{"routeradv", 134}, {"neighbrsol", 135}, {"neighbradv", 136}, {"redir", 137},
	{"routrrenum", 138}, {"wrureq", 139}, {"wrurep", 140}, {"fqdnreq", 139},
	{"fqdnrep", 140}, {"niqry", 139}, {"nirep", 140}, {"mtraceresp", 200}, {"mtrace", 201},
};

static enum portspec_status icmp_item(struct reader *rd, struct prule *r, bool v6)
{
	const struct tok *t = peek(rd);
	if (t->k != T_WORD)
		return unexpected(rd, t, "an ICMP type");
	next(rd);
	unsigned long type;
	bool found = false;
	size_t n = v6 ? sizeof(icmp6_names) / sizeof(icmp6_names[0])
		      : sizeof(icmp4_names) / sizeof(icmp4_names[0]);
	for (size_t i = 0; i < n; i++) {
		const char *name = v6 ? icmp6_names[i].name : icmp4_names[i].name;
		if (!strcmp(t->s, name)) {
			type = v6 ? icmp6_names[i].type : icmp4_names[i].type;
			found = true;
			break;
		}
	}
	if (!found && !pa_parse_uint(t->s, strlen(t->s), 255, &type))
		return FAIL(rd, t, "'%s' is not an %s type (a number or a name of pf.conf(5))",
			    t->s, v6 ? "ICMPv6" : "ICMP");
	unsigned long lo = 0, hi = 255;
	if (accept_word(rd, "code")) {
		const struct tok *c = peek(rd);
		if (c->k != T_WORD || !pa_parse_uint(c->s, strlen(c->s), 255, &lo))
			return FAIL(rd, c, "an ICMP code is a number from 0 to 255 here");
		next(rd);
		hi = lo;
	}
	return pa_set_add(&r->icmp, pa_u(type << 8 | lo), pa_u(type << 8 | hi)) ? PORTSPEC_OK
										 : nomem(rd);
}

static enum portspec_status icmp_list_item(struct reader *rd, void *r)
{
	return icmp_item(rd, r, false);
}

static enum portspec_status icmp6_list_item(struct reader *rd, void *r)
{
	return icmp_item(rd, r, true);
}

static enum portspec_status icmp_spec(struct reader *rd, struct prule *r, const struct tok *kw)
{
	bool v6 = !strcmp(kw->s, "icmp6-type");
	unsigned want = v6 ? 58 : 1;
	if (!r->has_proto || r->protos.n != 1 || pa_cmp(r->protos.r[0].lo, pa_u(want)) ||
	    pa_cmp(r->protos.r[0].hi, pa_u(want)))
		return FAIL(rd, kw, "%s needs proto %s", kw->s, v6 ? "icmp6" : "icmp");
	if (r->af && r->af != (v6 ? 6u : 4u))
		return FAIL(rd, kw, "%s with %s", kw->s, v6 ? "inet" : "inet6");
	r->icmp_family = v6 ? 6 : 4;
	const struct tok *open;
	return item_or_list(rd, v6 ? icmp6_list_item : icmp_list_item, r, &open);
}

static struct ptable *find_table(struct reader *rd, const char *name)
{
	for (size_t i = 0; i < rd->ntables; i++)
		if (!strcmp(rd->tables[i].name, name))
			return &rd->tables[i];
	return NULL;
}

static struct ptable *add_table(struct reader *rd, const char *name)
{
	struct ptable *t = ps_reallocarray(rd->tables, rd->ntables + 1, sizeof(*t));
	if (!t)
		return NULL;
	rd->tables = t;
	t = &rd->tables[rd->ntables++];
	memset(t, 0, sizeof(*t));
	t->name = name;
	return t;
}

/* keep state ( options ): limits, overload, if-bound are noted. */
static enum portspec_status state_opts(struct reader *rd, const struct tok *kw)
{
	if (peek(rd)->k != T_LPAREN)
		return PORTSPEC_OK;
	const struct tok *open = next(rd);
	bool limits = false;
	while (peek(rd)->k != T_RPAREN) {
		const struct tok *t = next(rd);
		if (t->k == T_EOF)
			return FAIL(rd, open, "a '(' that is not closed");
		if (is(t, "max") || is(t, "max-src-nodes") || is(t, "max-src-states") ||
		    is(t, "max-src-conn") || is(t, "max-src-conn-rate"))
			limits = true;
		if (is(t, "overload") && peek(rd)->k == T_TABLE) {
			const struct tok *n = next(rd);
			struct ptable *tb = find_table(rd, n->s);
			if (!tb && !(tb = add_table(rd, n->s)))
				return nomem(rd);
			tb->dynamic = true;
		}
		if (is(t, "if-bound") &&
		    !pa_ruleset_add_note(rd->rs, "%s:%u: if-bound states: read as floating, which "
					 "is the same when replies come back on the interface "
					 "the connection used", rd->filename, t->line))
			return nomem(rd);
	}
	next(rd);
	if (limits && !pa_ruleset_add_note(rd->rs, "%s:%u: state limits (max, max-src-...) refuse "
					   "connections beyond them; read as no limit",
					   rd->filename, kw->line))
		return nomem(rd);
	return PORTSPEC_OK;
}

/* A translation or routing target: host | { list } | <table> | (if [addr]),
 * then [port ...] and pool options. */
static enum portspec_status redir_spec(struct reader *rd, bool ports)
{
	enum portspec_status st;
	const struct tok *t = peek(rd);
	if (t->k == T_LPAREN || t->k == T_LBRACE) {
		enum tk close = t->k == T_LPAREN ? T_RPAREN : T_RBRACE;
		const struct tok *open = next(rd);
		int depth = 1;
		while (depth) {
			const struct tok *u = next(rd);
			if (u->k == T_EOF)
				return FAIL(rd, open, "a '%s' that is not closed", open->s);
			depth += u->k == open->k ? 1 : u->k == close ? -1 : 0;
		}
	} else if (t->k == T_TABLE || t->k == T_WORD) {
		next(rd);
		if (is(peek(rd), "-")) {
			next(rd);
			if (peek(rd)->k != T_WORD)
				return unexpected(rd, peek(rd), "an address");
			next(rd);
		}
	} else {
		return unexpected(rd, t, "an address or interface");
	}
	if (ports && accept_word(rd, "port")) {
		if (peek(rd)->k == T_WORD)
			next(rd);
		else
			return unexpected(rd, peek(rd), "a port");
		if (peek(rd)->k == T_COMMA || is(peek(rd), ":"))
			next(rd);
	}
	static const char *const pool[] = {"bitmask", "least-states", "random", "round-robin",
					   "sticky-address", "static-port", "prefer-ipv6",
					   "endpoint-independent"};
	for (;;) {
		const struct tok *o = peek(rd);
		bool hit = false;
		for (size_t i = 0; i < sizeof(pool) / sizeof(pool[0]); i++)
			if (is(o, pool[i]))
				hit = true;
		if (hit) {
			next(rd);
			continue;
		}
		if (is(o, "source-hash")) {
			next(rd);
			if (peek(rd)->k == T_WORD && !strncmp(peek(rd)->s, "0x", 2))
				next(rd);
			continue;
		}
		if (is(o, "map-e-portset")) {
			next(rd);
			if (peek(rd)->k != T_WORD)
				return unexpected(rd, peek(rd), "a port set");
			next(rd);
			continue;
		}
		break;
	}
	(void)st;
	return PORTSPEC_OK;
}

static enum portspec_status set_indet(struct reader *rd, struct prule *r, const char *what)
{
	if (!r->indet && !(r->indet = keep(rd, what, strlen(what))))
		return nomem(rd);
	return PORTSPEC_OK;
}

/* The options after the hosts, in any order. */
static enum portspec_status filter_opts(struct reader *rd, struct prule *r)
{
	enum portspec_status st = PORTSPEC_OK;
	for (;;) {
		const struct tok *t = peek(rd);
		if (t->k != T_WORD)
			return PORTSPEC_OK;
		next(rd);
		if (is(t, "user") || is(t, "group")) {
			char text[80];
			snprintf(text, sizeof(text), "%s (the owner of the local socket)", t->s);
			if ((st = add_unknown(rd, r, text)))
				return st;
			if (peek(rd)->k == T_LBRACE) {
				st = skip_parens(rd);
				while (peek(rd)->k != T_RBRACE && peek(rd)->k != T_EOF)
					next(rd);
				if (peek(rd)->k == T_EOF)
					return FAIL(rd, t, "a '{' that is not closed");
				next(rd);
			} else {
				if (peek(rd)->k >= T_EQ && peek(rd)->k <= T_GE)
					next(rd);
				if (peek(rd)->k != T_WORD)
					return unexpected(rd, peek(rd), "a user or group");
				next(rd);
				if (peek(rd)->k == T_XRANGE || peek(rd)->k == T_IRANGE) {
					next(rd);
					if (peek(rd)->k != T_WORD)
						return unexpected(rd, peek(rd), "a user or group");
					next(rd);
				}
			}
		} else if (is(t, "flags")) {
			st = flags_spec(rd, r);
		} else if (is(t, "icmp-type") || is(t, "icmp6-type")) {
			st = icmp_spec(rd, r, t);
		} else if (is(t, "keep") || is(t, "modulate") || is(t, "synproxy")) {
			if (!accept_word(rd, "state"))
				return unexpected(rd, peek(rd), "'state'");
			r->nostate = false;
			st = state_opts(rd, t);
		} else if (is(t, "no")) {
			if (!accept_word(rd, "state"))
				return unexpected(rd, peek(rd), "'state'");
			r->nostate = true;
		} else if (is(t, "allow-opts") || is(t, "divert-reply")) {
			/* packets with IP options; replies to a divert socket */
		} else if (is(t, "label") || is(t, "tag") || is(t, "ridentifier") ||
			   is(t, "dnpipe") || is(t, "dnqueue")) {
			const struct tok *v;
			if (peek(rd)->k == T_LPAREN)
				st = skip_parens(rd);
			else
				st = name_arg(rd, "a value", &v);
		} else if (is(t, "queue")) {
			const struct tok *v;
			st = peek(rd)->k == T_LPAREN ? skip_parens(rd) : name_arg(rd, "a queue", &v);
		} else if (is(t, "set")) {
			/* set prio, set tos, set queue, set delay: no effect on the verdict */
			const struct tok *what = peek(rd), *v;
			if (!is(what, "prio") && !is(what, "tos") && !is(what, "queue") &&
			    !is(what, "delay"))
				return unexpected(rd, what, "prio, tos, queue or delay");
			next(rd);
			st = peek(rd)->k == T_LPAREN ? skip_parens(rd) : name_arg(rd, "a value", &v);
		} else if (is(t, "scrub")) {
			st = skip_parens(rd);
		} else if (is(t, "tos") || is(t, "prio") || is(t, "probability") ||
			   is(t, "max-pkt-rate") || is(t, "tagged") || is(t, "received-on") ||
			   is(t, "os")) {
			bool neg = false;
			if (peek(rd)->k == T_NOT) {
				next(rd);
				neg = true;
			}
			const struct tok *v;
			if ((st = name_arg(rd, "a value", &v)))
				return st;
			char text[160];
			snprintf(text, sizeof(text), "%s %s%.100s", t->s, neg ? "! " : "", v->s);
			st = add_unknown(rd, r, text);
		} else if (is(t, "fragment")) {
			st = add_unknown(rd, r, "fragment (fragments of packets)");
		} else if (is(t, "once")) {
			st = add_unknown(rd, r, "once (the rule goes when it first matches)");
		} else if (is(t, "rtable")) {
			const struct tok *v;
			if (!(st = name_arg(rd, "a routing table", &v)))
				st = set_indet(rd, r, "rtable: another routing table");
		} else if (is(t, "nat-to")) {
			st = redir_spec(rd, true); /* translated after the decision */
		} else if (is(t, "rdr-to") || is(t, "binat-to")) {
			if (!(st = redir_spec(rd, true)))
				st = set_indet(rd, r, is(t, "rdr-to") ? "rdr-to: redirected elsewhere"
						      : "binat-to: translated");
		} else if (is(t, "af-to")) {
			if (!accept_word(rd, "inet") && !accept_word(rd, "inet6"))
				return unexpected(rd, peek(rd), "inet or inet6");
			if (!accept_word(rd, "from"))
				return unexpected(rd, peek(rd), "'from'");
			if (!(st = redir_spec(rd, false)) && accept_word(rd, "to"))
				st = redir_spec(rd, false);
			if (!st)
				st = set_indet(rd, r, "af-to: translated to another address family");
		} else if (is(t, "divert-to")) {
			if (!(st = redir_spec(rd, true)))
				st = set_indet(rd, r, "divert-to: handed to a local program");
		} else if (is(t, "divert-packet")) {
			if (!accept_word(rd, "port") || peek(rd)->k != T_WORD)
				return unexpected(rd, peek(rd), "port N");
			next(rd);
			st = set_indet(rd, r, "divert-packet: handed to a local program");
		} else if (is(t, "route-to") || is(t, "reply-to")) {
			if (!(st = redir_spec(rd, false)))
				st = set_indet(rd, r, is(t, "route-to") ? "route-to: routed elsewhere"
						      : "reply-to: replies routed elsewhere");
		} else if (is(t, "dup-to")) {
			st = redir_spec(rd, false);
			if (!st && !pa_ruleset_add_note(rd->rs, "%s:%u: dup-to copies the packets; "
							"the verdict is the rule's", rd->filename,
							t->line))
				st = nomem(rd);
		} else {
			return FAIL(rd, t, "'%s' is not an option of a pf rule", t->s);
		}
		if (st)
			return st;
	}
}

static struct prule *block_push(struct reader *rd, struct pblock *b)
{
	if (!grow((void **)&b->r, &b->cap, b->n + 1, sizeof(*b->r)))
		return NULL;
	struct prule *r = &b->r[b->n++];
	memset(r, 0, sizeof(*r));
	(void)rd;
	return r;
}

static void side_release(struct side *s)
{
	ps_free(s->h);
	pa_set_release(&s->ports);
}

static void prule_release(struct prule *r)
{
	ps_free(r->ifs);
	pa_set_release(&r->protos);
	side_release(&r->from);
	side_release(&r->to);
	pa_set_release(&r->icmp);
	ps_free(r->unknown);
}

static void block_release(struct pblock *b)
{
	for (size_t i = 0; i < b->n; i++)
		prule_release(&b->r[i]);
	ps_free(b->r);
	b->r = NULL;
	b->n = b->cap = 0;
}

/* The conditions every rule and anchor has: [in|out] [log] [quick] [on ...]
 * [route] [inet|inet6] [proto ...] [all | from ... to ...]. */
static enum portspec_status conditions(struct reader *rd, struct prule *r, bool rule)
{
	enum portspec_status st;
	if (accept_word(rd, "in"))
		r->dir = DIR_IN;
	else if (accept_word(rd, "out"))
		r->dir = DIR_OUT;
	else
		r->dir = DIR_IN | DIR_OUT;
	for (int i = 0; i < 2; i++) {
		if (rule && accept_word(rd, "log")) {
			if ((st = skip_parens(rd)))
				return st;
		} else if (accept_word(rd, "quick")) {
			r->quick = true;
		}
	}
	if (accept_word(rd, "on") && (st = if_spec(rd, &r->ifs, &r->nifs)))
		return st;
	/* FreeBSD's route options before the address family */
	const struct tok *t = peek(rd);
	if (rule && (is(t, "route-to") || is(t, "reply-to") || is(t, "dup-to") ||
		     is(t, "fastroute"))) {
		next(rd);
		if (!is(t, "fastroute") && (st = redir_spec(rd, false)))
			return st;
		if (!is(t, "dup-to") && (st = set_indet(rd, r, "route-to: routed elsewhere")))
			return st;
	}
	if (accept_word(rd, "inet"))
		r->af = 4;
	else if (accept_word(rd, "inet6"))
		r->af = 6;
	if (accept_word(rd, "proto") && (st = proto_spec(rd, r)))
		return st;
	if (accept_word(rd, "all"))
		return PORTSPEC_OK;
	if (accept_word(rd, "from") && (st = host_spec(rd, r, &r->from)))
		return st;
	if (accept_word(rd, "os")) {
		const struct tok *v;
		if (peek(rd)->k == T_LBRACE) {
			while (peek(rd)->k != T_RBRACE && peek(rd)->k != T_EOF)
				next(rd);
			next(rd);
		} else if ((st = name_arg(rd, "an operating system", &v))) {
			return st;
		}
		if ((st = add_unknown(rd, r, "os (the sender's operating system)")))
			return st;
	}
	if (accept_word(rd, "to") && (st = host_spec(rd, r, &r->to)))
		return st;
	return PORTSPEC_OK;
}

static enum portspec_status statement_end(struct reader *rd)
{
	const struct tok *t = peek(rd);
	if (t->k == T_NL || t->k == T_EOF || (rd->depth && t->k == T_RBRACE))
		return PORTSPEC_OK;
	return FAIL(rd, t, "'%s' where the statement should end", t->s);
}

static enum portspec_status block_opts(struct reader *rd, struct prule *r)
{
	if (accept_word(rd, "drop")) {
		r->block = 1;
	} else if (accept_word(rd, "return") || accept_word(rd, "return-icmp") ||
		   accept_word(rd, "return-icmp6")) {
		r->block = 2;
		return skip_parens(rd);
	} else if (accept_word(rd, "return-rst")) {
		r->block = 3;
		return skip_parens(rd);
	}
	return PORTSPEC_OK;
}

static enum portspec_status parse_block(struct reader *rd, struct pblock *b,
					const struct tok *open);

static enum portspec_status rule_stmt(struct reader *rd, struct pblock *b, const struct tok *kw)
{
	struct prule *r = block_push(rd, b);
	if (!r)
		return nomem(rd);
	r->line = kw->line;
	r->col = kw->col;
	bool match = is(kw, "match");
	r->kind = is(kw, "pass") ? K_PASS : K_BLOCK;
	enum portspec_status st = PORTSPEC_OK;
	if (r->kind == K_BLOCK && !match)
		st = block_opts(rd, r);
	if (!st)
		st = conditions(rd, r, true);
	if (!st)
		st = filter_opts(rd, r);
	if (!st)
		st = statement_end(rd);
	if (st)
		return st;
	if (r->block == 3 && (!r->has_proto || !pa_set_contains(&r->protos, pa_u(6)) ||
			      r->protos.n != 1 || pa_cmp(r->protos.r[0].lo, r->protos.r[0].hi)))
		return FAIL(rd, kw, "return-rst needs proto tcp (pfctl: return-rst can only be "
			    "applied to TCP rules)");
	if (!(r->text = stmt_text(rd, kw->off, rd->t.v[rd->at - 1].end)))
		return nomem(rd);
	rd->nstatements++;
	if (match) {
		/* A match rule decides nothing; one that redirects makes what
		 * follows unknowable. */
		if (r->indet) {
			r->kind = K_INDET;
		} else {
			prule_release(r);
			b->n--;
		}
		return PORTSPEC_OK;
	}
	if (r->kind == K_BLOCK)
		r->indet = NULL; /* translation options of a block rule do nothing */
	return PORTSPEC_OK;
}

/* ---- anchors ---- */

static struct pblock *new_body(struct reader *rd)
{
	struct pblock **v = ps_reallocarray(rd->blocks, rd->nblocks + 1, sizeof(*v));
	if (!v)
		return NULL;
	rd->blocks = v;
	struct pblock *b = ps_calloc(1, sizeof(*b));
	if (b)
		v[rd->nblocks++] = b;
	return b;
}

static bool anchor_keyword(const struct tok *t)
{
	static const char *const kw[] = {"in", "out", "quick", "on", "inet", "inet6", "proto",
					 "from", "to", "all", "log"};
	if (t->k != T_WORD)
		return t->k != T_STRING;
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (!strcmp(t->s, kw[i]))
			return true;
	return false;
}

static enum portspec_status anchor_stmt(struct reader *rd, struct pblock *b, const struct tok *kw)
{
	const char *name = NULL;
	if (!anchor_keyword(peek(rd)))
		name = next(rd)->s;
	size_t idx = b->n;
	struct prule *r = block_push(rd, b);
	if (!r)
		return nomem(rd);
	r->line = kw->line;
	r->col = kw->col;
	r->kind = K_ANCHOR;
	enum portspec_status st = conditions(rd, r, false);
	if (!st)
		st = filter_opts(rd, &b->r[idx]);
	if (st)
		return st;
	r = &b->r[idx];
	if (!(r->text = stmt_text(rd, kw->off, rd->t.v[rd->at - 1].end)))
		return nomem(rd);
	rd->nstatements++;
	if (peek(rd)->k == T_LBRACE) {
		const struct tok *open = next(rd);
		if (rd->depth >= PF_MAX_NEST)
			return ps_error_set(rd->err, PORTSPEC_E_LIMIT, rd->filename, open->line,
					    open->col, "anchors nested more than %u deep", PF_MAX_NEST);
		struct pblock *body = new_body(rd);
		if (!body)
			return nomem(rd);
		rd->depth++;
		st = parse_block(rd, body, open);
		rd->depth--;
		if (st)
			return st;
		b->r[idx].body = body;
		if (name) {
			struct named_anchor *a = ps_reallocarray(rd->anchors, rd->nanchors + 1,
								 sizeof(*a));
			if (!a)
				return nomem(rd);
			rd->anchors = a;
			a[rd->nanchors].name = name;
			a[rd->nanchors].body = body;
			rd->nanchors++;
		}
		return statement_end(rd);
	}
	if ((st = statement_end(rd)))
		return st;
	if (!name)
		return FAIL(rd, kw, "an anchor without a name needs its rules in { }");
	for (size_t i = rd->nanchors; i-- > 0;)
		if (!strcmp(rd->anchors[i].name, name)) {
			r->body = rd->anchors[i].body;
			return PORTSPEC_OK;
		}
	if (!strcmp(name, "ftp-proxy/*")) {
		r->kind = K_FTP_PROXY;
		return PORTSPEC_OK;
	}
	r->kind = K_INDET;
	if (!(r->indet = keepf(rd, "anchor %s: its rules are loaded at run time", name)))
		return nomem(rd);
	return PORTSPEC_OK;
}

/* ---- tables ---- */

struct entry {
	unsigned family, plen;
	struct pa_range r;
	bool neg;
};

static unsigned prefix_len(unsigned family, struct pa_range r)
{
	uint64_t hi = r.lo.hi ^ r.hi.hi, lo = r.lo.lo ^ r.hi.lo;
	unsigned bits = (unsigned)(__builtin_popcountll(hi) + __builtin_popcountll(lo));
	return (family == 6 ? 128u : 32u) - bits;
}

static int by_plen(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return x->plen < y->plen ? -1 : x->plen > y->plen;
}

static bool set_subtract(struct pa_set *s, struct pa_range r, struct pa_u128 max)
{
	struct pa_set c = {0}, out = {0};
	bool ok = set_add_complement(&c, r.lo, r.hi, max) && pa_set_intersect(&out, s, &c);
	pa_set_release(&c);
	if (ok) {
		pa_set_release(s);
		*s = out;
	} else {
		pa_set_release(&out);
	}
	return ok;
}

static enum portspec_status table_stmt(struct reader *rd, const struct tok *kw)
{
	const struct tok *n = peek(rd);
	if (n->k != T_TABLE)
		return unexpected(rd, n, "a table name in < >");
	next(rd);
	struct ptable *tb = find_table(rd, n->s);
	if (tb && tb->defined)
		return FAIL(rd, n, "table <%s> is defined twice (first at line %u)", n->s,
			    tb->line);
	if (!tb && !(tb = add_table(rd, n->s)))
		return nomem(rd);
	tb->defined = true;
	tb->line = kw->line;
	tb->col = kw->col;
	struct entry *ev = NULL;
	size_t ne = 0, cap = 0;
	enum portspec_status st = PORTSPEC_OK;
	while (!st) {
		const struct tok *t = peek(rd);
		if (is(t, "persist") || is(t, "counters")) {
			next(rd);
		} else if (is(t, "const")) {
			next(rd);
			tb->konst = true;
		} else if (is(t, "file")) {
			next(rd);
			const struct tok *f = NULL;
			if (!(st = name_arg(rd, "a file name", &f)) &&
			    !(tb->unknown = keepf(rd, "table <%s>: its entries come from %s", tb->name,
						  f->s)))
				st = nomem(rd);
		} else if (t->k == T_LBRACE) {
			const struct tok *open = next(rd);
			skip_nl(rd);
			while (!st && peek(rd)->k != T_RBRACE) {
				const struct tok *e = peek(rd);
				if (e->k == T_EOF) {
					st = FAIL(rd, open, "a '{' that is not closed");
					break;
				}
				bool neg = false;
				if (e->k == T_NOT) {
					next(rd);
					neg = true;
					e = peek(rd);
				}
				if (e->k != T_WORD) {
					st = unexpected(rd, e, "an address");
					break;
				}
				next(rd);
				struct entry en = {0};
				en.neg = neg;
				if (!strcmp(e->s, "self")) {
					if (tb->self && tb->self != (neg ? -1 : 1))
						tb->unknown = keepf(rd, "table <%s>: both self and !self",
								    tb->name);
					tb->self = neg ? -1 : 1;
				} else if (pa_cidr_parse(e->s, 0, &en.family, &en.r)) {
					en.plen = prefix_len(en.family, en.r);
					if (!grow((void **)&ev, &cap, ne + 1, sizeof(*ev)))
						st = nomem(rd);
					else
						ev[ne++] = en;
				} else {
					struct side tmp = {0};
					rd->at--;
					st = host_item(rd, &tmp);
					if (!st && tmp.n && tmp.h[0].kind == H_ADDR) {
						/* 10/8 and the like */
						en.family = tmp.h[0].family;
						en.r = tmp.h[0].r;
						en.plen = prefix_len(en.family, en.r);
						if (!grow((void **)&ev, &cap, ne + 1, sizeof(*ev)))
							st = nomem(rd);
						else
							ev[ne++] = en;
					} else if (!st && !tb->unknown) {
						tb->unknown = keepf(rd, "table <%s>: %s", tb->name,
								    tmp.n ? tmp.h[0].name : e->s);
					}
					side_release(&tmp);
				}
				if (!st && peek(rd)->k == T_COMMA)
					next(rd);
				skip_nl(rd);
			}
			if (!st)
				next(rd);
		} else {
			break;
		}
	}
	if (!st) {
		if (ne)
			qsort(ev, ne, sizeof(*ev), by_plen);
		for (size_t i = 0; i < ne && !st; i++) {
			unsigned f = pa_fam_index(ev[i].family);
			bool ok = ev[i].neg ? set_subtract(&tb->set[f], ev[i].r, pa_addr_max(ev[i].family))
					    : pa_set_add(&tb->set[f], ev[i].r.lo, ev[i].r.hi);
			if (!ok)
				st = nomem(rd);
		}
	}
	ps_free(ev);
	return st ? st : statement_end(rd);
}

/* ---- set ---- */

static enum portspec_status set_stmt(struct reader *rd, const struct tok *kw)
{
	static const char *const ignored[] = {
		"optimization", "limit", "timeout", "loginterface", "hostid", "debug",
		"ruleset-optimization", "reassemble", "fingerprints", "syncookies",
		"keepcounters", "require-order", "state-defaults", "fail-policy", "prio",
	};
	const struct tok *t = peek(rd);
	if (t->k != T_WORD)
		return unexpected(rd, t, "an option");
	next(rd);
	enum portspec_status st;
	if (is(t, "skip")) {
		if (!accept_word(rd, "on"))
			return unexpected(rd, peek(rd), "'on'");
		size_t before = rd->nskip;
		if ((st = if_spec(rd, &rd->skip, &rd->nskip)))
			return st;
		for (size_t i = before; i < rd->nskip; i++)
			if (rd->skip[i].neg)
				return FAIL(rd, t, "set skip on takes no '!'");
		if (!rd->skip_text) {
			rd->skip_line = kw->line;
			rd->skip_col = kw->col;
			if (!(rd->skip_text = stmt_text(rd, kw->off, rd->t.v[rd->at - 1].end)))
				return nomem(rd);
		}
		return statement_end(rd);
	}
	if (is(t, "block-policy")) {
		if (accept_word(rd, "drop"))
			rd->block_return = false;
		else if (accept_word(rd, "return"))
			rd->block_return = true;
		else
			return unexpected(rd, peek(rd), "drop or return");
		return statement_end(rd);
	}
	if (is(t, "state-policy")) {
		if (accept_word(rd, "if-bound")) {
			if (!pa_ruleset_add_note(rd->rs, "%s:%u: if-bound states: read as floating, "
						 "which is the same when replies come back on the "
						 "interface the connection used", rd->filename,
						 kw->line))
				return nomem(rd);
		} else if (!accept_word(rd, "floating")) {
			return unexpected(rd, peek(rd), "if-bound or floating");
		}
		return statement_end(rd);
	}
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (is(t, ignored[i])) {
			skip_statement(rd);
			return PORTSPEC_OK;
		}
	return FAIL(rd, t, "'set %s' is not an option of pf.conf(5)", t->s);
}

/* ---- old-style translation, antispoof, layer 2 ---- */

static enum portspec_status trans_stmt(struct reader *rd, const struct tok *kw)
{
	bool no = is(kw, "no");
	const struct tok *what = no ? peek(rd) : kw;
	if (no) {
		if (!is(what, "nat") && !is(what, "rdr") && !is(what, "binat"))
			return unexpected(rd, what, "nat, rdr or binat");
		next(rd);
	}
	if (rd->depth)
		return FAIL(rd, kw, "translation rules in an anchor are not read");
	struct prule *r = block_push(rd, &rd->trans);
	if (!r)
		return nomem(rd);
	r->line = kw->line;
	r->col = kw->col;
	r->kind = no ? K_NAT_NO : K_INDET;
	r->chains = is(what, "rdr") ? 1 : is(what, "nat") ? 2 : 3;
	accept_word(rd, "pass");
	enum portspec_status st = PORTSPEC_OK;
	if (accept_word(rd, "log"))
		st = skip_parens(rd);
	if (!st)
		st = conditions(rd, r, false);
	if (st)
		return st;
	skip_statement(rd);
	r = &rd->trans.r[rd->trans.n - 1];
	r->dir = DIR_IN | DIR_OUT;
	r->quick = true;
	if (r->chains == 3) {
		/* binat matches the translated addresses inbound: only its
		 * interface is known. */
		side_release(&r->from);
		side_release(&r->to);
		memset(&r->from, 0, sizeof(r->from));
		memset(&r->to, 0, sizeof(r->to));
	}
	if (!(r->text = stmt_text(rd, kw->off, rd->t.v[rd->at - 1].end)))
		return nomem(rd);
	if (!no && !(r->indet = keepf(rd, "%s: the%s rules see translated addresses", what->s,
				      r->chains == 1 ? " in" : r->chains == 2 ? " out" : "")))
		return nomem(rd);
	rd->nstatements++;
	return PORTSPEC_OK;
}

static enum portspec_status trans_anchor_stmt(struct reader *rd, const struct tok *kw)
{
	const struct tok *n = NULL;
	enum portspec_status st = name_arg(rd, "an anchor name", &n);
	if (st)
		return st;
	if (!strcmp(n->s, "ftp-proxy/*")) {
		/* ftp-proxy(8)'s own translations of FTP data connections */
		skip_statement(rd);
		rd->nstatements++;
		return PORTSPEC_OK;
	}
	if (rd->depth)
		return FAIL(rd, kw, "translation anchors in an anchor are not read");
	struct prule *r = block_push(rd, &rd->trans);
	if (!r)
		return nomem(rd);
	r->line = kw->line;
	r->col = kw->col;
	r->kind = K_INDET;
	r->chains = is(kw, "rdr-anchor") ? 1 : is(kw, "nat-anchor") ? 2 : 3;
	if ((st = conditions(rd, r, false)))
		return st;
	skip_statement(rd);
	r = &rd->trans.r[rd->trans.n - 1];
	r->dir = DIR_IN | DIR_OUT;
	if (!(r->text = stmt_text(rd, kw->off, rd->t.v[rd->at - 1].end)) ||
	    !(r->indet = keepf(rd, "%s %s: its translation rules are loaded at run time", kw->s,
			       n->s)))
		return nomem(rd);
	rd->nstatements++;
	return PORTSPEC_OK;
}

static bool loopback_name(const char *name)
{
	if (strncmp(name, "lo", 2))
		return false;
	for (const char *c = name + 2; *c; c++)
		if (*c < '0' || *c > '9')
			return false;
	return true;
}

/* antispoof [log] [quick] for IFSPEC [inet|inet6] [label L]: pfctl writes
 * "block in on ! IF from IF:network" and "block in from IF's addresses";
 * only the loopback's are known to the file. */
static enum portspec_status antispoof_stmt(struct reader *rd, struct pblock *b,
					   const struct tok *kw)
{
	bool quick = false;
	enum portspec_status st = PORTSPEC_OK;
	for (int i = 0; i < 2; i++) {
		if (accept_word(rd, "log"))
			st = skip_parens(rd);
		else if (accept_word(rd, "quick"))
			quick = true;
	}
	if (st)
		return st;
	if (!accept_word(rd, "for"))
		return unexpected(rd, peek(rd), "'for'");
	struct ifel *ifs = NULL;
	size_t nifs = 0;
	if ((st = if_spec(rd, &ifs, &nifs)))
		return ps_free(ifs), st;
	unsigned af = 0;
	if (accept_word(rd, "inet"))
		af = 4;
	else if (accept_word(rd, "inet6"))
		af = 6;
	const struct tok *l;
	if (accept_word(rd, "label"))
		st = name_arg(rd, "a label", &l);
	if (!st)
		st = statement_end(rd);
	const char *text = st ? NULL : stmt_text(rd, kw->off, rd->t.v[rd->at - 1].end);
	if (!st && !text)
		st = nomem(rd);
	for (size_t i = 0; i < nifs && !st; i++) {
		struct prule *r = block_push(rd, b);
		if (!r) {
			st = nomem(rd);
			break;
		}
		r->kind = K_BLOCK;
		r->block = 1;
		r->dir = DIR_IN;
		r->quick = quick;
		r->af = af;
		r->line = kw->line;
		r->col = kw->col;
		r->text = text;
		if (loopback_name(ifs[i].name)) {
			struct host h4 = {H_ADDR, false, 4, {{0, 0x7f000000u}, {0, 0x7fffffffu}}, NULL};
			struct host h6 = {H_ADDR, false, 6, {{0, 1}, {0, 1}}, NULL};
			r->ifs = ps_calloc(1, sizeof(*r->ifs));
			if (!r->ifs || !side_push(&r->from, &h4) || !side_push(&r->from, &h6)) {
				st = nomem(rd);
				break;
			}
			r->ifs[0].name = ifs[i].name;
			r->ifs[0].neg = true;
			r->nifs = 1;
		} else {
			char why[200];
			snprintf(why, sizeof(why), "antispoof for %s (the networks and addresses of "
				 "the interface)", ifs[i].name);
			st = add_unknown(rd, r, why);
		}
	}
	ps_free(ifs);
	if (!st)
		rd->nstatements++;
	return st;
}

/* ether (layer 2) rules: a block makes what it may match indeterminate. */
static enum portspec_status ether_stmt(struct reader *rd, struct pblock *b, const struct tok *kw)
{
	const struct tok *a = peek(rd);
	if (!is(a, "pass") && !is(a, "block") && !is(a, "match"))
		return unexpected(rd, a, "pass, block or match");
	next(rd);
	if (!is(a, "block")) {
		skip_statement(rd);
		rd->nstatements++;
		return PORTSPEC_OK;
	}
	struct prule *r = block_push(rd, b);
	if (!r)
		return nomem(rd);
	r->kind = K_INDET;
	r->quick = true;
	r->line = kw->line;
	r->col = kw->col;
	r->dir = DIR_IN | DIR_OUT;
	if (accept_word(rd, "in"))
		r->dir = DIR_IN;
	else if (accept_word(rd, "out"))
		r->dir = DIR_OUT;
	enum portspec_status st = PORTSPEC_OK;
	accept_word(rd, "quick");
	if (accept_word(rd, "on"))
		st = if_spec(rd, &r->ifs, &r->nifs);
	if (st)
		return st;
	skip_statement(rd);
	r = &b->r[b->n - 1];
	if (!(r->text = stmt_text(rd, kw->off, rd->t.v[rd->at - 1].end)) ||
	    !(r->indet = keepf(rd, "ether block: a layer-2 rule")))
		return nomem(rd);
	rd->nstatements++;
	return PORTSPEC_OK;
}

/* ---- statements ---- */

static enum portspec_status parse_block(struct reader *rd, struct pblock *b, const struct tok *open)
{
	enum portspec_status st = PORTSPEC_OK;
	for (;;) {
		skip_nl(rd);
		const struct tok *t = peek(rd);
		if (t->k == T_EOF)
			return open ? FAIL(rd, open, "an anchor's '{' that is not closed") : PORTSPEC_OK;
		if (t->k == T_RBRACE) {
			if (!open)
				return FAIL(rd, t, "a '}' without its '{'");
			next(rd);
			return PORTSPEC_OK;
		}
		if (t->k != T_WORD)
			return FAIL(rd, t, "'%s' does not begin a statement", t->s);
		next(rd);
		if (is(t, "pass") || is(t, "block") || is(t, "match")) {
			st = rule_stmt(rd, b, t);
		} else if (is(t, "anchor")) {
			st = anchor_stmt(rd, b, t);
		} else if (is(t, "antispoof")) {
			st = antispoof_stmt(rd, b, t);
		} else if (is(t, "ether")) {
			st = ether_stmt(rd, b, t);
		} else if (is(t, "table") || is(t, "set")) {
			if (open)
				return FAIL(rd, t, "'%s' in an anchor's rules", t->s);
			st = is(t, "table") ? table_stmt(rd, t) : set_stmt(rd, t);
		} else if (is(t, "nat") || is(t, "rdr") || is(t, "binat") || is(t, "no")) {
			st = trans_stmt(rd, t);
		} else if (is(t, "nat-anchor") || is(t, "rdr-anchor") || is(t, "binat-anchor")) {
			st = trans_anchor_stmt(rd, t);
		} else if (is(t, "scrub") || is(t, "altq") || is(t, "queue")) {
			skip_statement(rd);
		} else if (is(t, "load")) {
			if (!accept_word(rd, "anchor"))
				return unexpected(rd, peek(rd), "'anchor'");
			const struct tok *n;
			if ((st = name_arg(rd, "an anchor name", &n)))
				return st;
			skip_statement(rd);
			if (!pa_ruleset_add_note(rd->rs, "%s:%u: anchor %s is loaded from a file: "
						 "audit that file's rules apart", rd->filename,
						 t->line, n->s))
				return nomem(rd);
		} else if (is(t, "include")) {
			return ps_error_set(rd->err, PORTSPEC_E_UNSUPPORTED, rd->filename, t->line,
					    t->col, "include is not read: put the included "
					    "file's statements in its place");
		} else {
			return FAIL(rd, t, "'%s' does not begin a pf.conf statement", t->s);
		}
		if (st)
			return st;
		t = peek(rd);
		if (t->k == T_NL)
			next(rd);
		else if (t->k != T_EOF && t->k != T_RBRACE)
			return FAIL(rd, t, "'%s' where the statement should end", t->s);
	}
}

/* ---- the model ----
 * Each pf rule becomes, per direction and family, the rules of every
 * combination of its alternatives (pfctl expands lists the same way): an
 * interface list, each side's addresses, the protocols (TCP apart when
 * flags apply, which pf checks on TCP packets only). */

#define MAXT 6

struct tpl {
	enum pa_pred_kind kind;
	uint8_t dim, family;
	bool negate;
	struct pa_set set;            /* owned */
	struct pa_iface_pat *pats;    /* owned array, names borrowed */
	size_t npats;
	unsigned mask, cmp;
	const char *text;
};

struct alt {
	struct tpl t[MAXT];
	unsigned n;
};

struct altv {
	struct alt *v;
	size_t n, cap;
};

static void altv_release(struct altv *a)
{
	for (size_t i = 0; i < a->n; i++)
		for (unsigned j = 0; j < a->v[i].n; j++) {
			pa_set_release(&a->v[i].t[j].set);
			ps_free(a->v[i].t[j].pats);
		}
	ps_free(a->v);
	memset(a, 0, sizeof(*a));
}

static struct alt *altv_add(struct altv *a)
{
	if (!grow((void **)&a->v, &a->cap, a->n + 1, sizeof(*a->v)))
		return NULL;
	struct alt *x = &a->v[a->n++];
	memset(x, 0, sizeof(*x));
	return x;
}

static struct tpl *alt_tpl(struct alt *x, enum pa_pred_kind kind, enum pa_dim d)
{
	struct tpl *t = &x->t[x->n++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->dim = (uint8_t)d;
	return t;
}

struct emit {
	struct reader *rd;
	struct altv comps[4 * (2 * PF_MAX_NEST + 2)];
	size_t ncomps;
	bool failed;
};

static struct altv *new_comp(struct emit *e)
{
	struct altv *a = &e->comps[e->ncomps++];
	memset(a, 0, sizeof(*a));
	return a;
}

static bool add_unknown_alt(struct altv *a, const char *text)
{
	struct alt *x = altv_add(a);
	if (!x)
		return false;
	alt_tpl(x, PA_PRED_UNKNOWN, PA_PROTO)->text = text;
	return true;
}

/* The interfaces of `on`: the names and groups given, or the negations. */
static bool iface_alts(struct emit *e, const struct ifel *ifs, size_t n, enum pa_dim d,
		       struct altv *a)
{
	size_t npos = 0;
	bool all = false;
	for (size_t i = 0; i < n; i++)
		if (!ifs[i].neg) {
			enum ifkind k = iface_kind(ifs[i].name);
			all |= k == IF_ALL;
			npos += k == IF_NAME || k == IF_PREFIX;
		}
	if (all) {
		return altv_add(a) != NULL;
	}
	if (npos) {
		struct alt *x = altv_add(a);
		if (!x)
			return false;
		struct tpl *t = alt_tpl(x, PA_PRED_IFACE, d);
		if (!(t->pats = ps_calloc(npos, sizeof(*t->pats))))
			return false;
		for (size_t i = 0; i < n; i++) {
			enum ifkind k = iface_kind(ifs[i].name);
			if (!ifs[i].neg && (k == IF_NAME || k == IF_PREFIX)) {
				t->pats[t->npats].name = (char *)ifs[i].name;
				t->pats[t->npats++].prefix = k == IF_PREFIX;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		enum ifkind k = iface_kind(ifs[i].name);
		if (k == IF_UNKNOWN) {
			const char *why = keepf(e->rd, "interface group %s (its members are set with "
						"ifconfig)", ifs[i].name);
			if (!why || !add_unknown_alt(a, why))
				return false;
		} else if (ifs[i].neg && k != IF_ALL) {
			struct alt *x = altv_add(a);
			if (!x)
				return false;
			struct tpl *t = alt_tpl(x, PA_PRED_IFACE, d);
			t->negate = true;
			if (!(t->pats = ps_calloc(1, sizeof(*t->pats))))
				return false;
			t->pats[0].name = (char *)ifs[i].name;
			t->pats[0].prefix = k == IF_PREFIX;
			t->npats = 1;
		}
	}
	return true;
}

static void note_table(struct reader *rd, struct ptable *tb)
{
	if (tb->noted)
		return;
	tb->noted = true;
	bool ok = true;
	if (!tb->defined)
		ok = pa_ruleset_add_note(rd->rs, "%s: table <%s> is used but not defined: read as "
					 "empty, until pfctl -t %s -T add fills it", rd->filename,
					 tb->name, tb->name);
	else if (tb->dynamic)
		ok = pa_ruleset_add_note(rd->rs, "%s:%u: table <%s> is filled at run time "
					 "(overload): read with the entries the file gives",
					 rd->filename, tb->line, tb->name);
	else if (!tb->konst && !tb->unknown)
		ok = pa_ruleset_add_note(rd->rs, "%s:%u: table <%s> is not const: read with the "
					 "entries the file gives (pfctl -t %s -T can change them)",
					 rd->filename, tb->line, tb->name, tb->name);
	if (!ok)
		rd->rs->nnotes += 0;
}

/* A set predicate of addresses, skipped when it matches every address. */
static bool addr_tpl(struct alt *x, enum pa_dim d, unsigned family, const struct pa_set *s,
		     bool negate)
{
	struct tpl *t = alt_tpl(x, PA_PRED_SET, d);
	t->family = (uint8_t)family;
	t->negate = negate;
	return pa_set_copy(&t->set, s);
}

static void local_tpl(struct alt *x, enum pa_dim d, bool negate)
{
	struct tpl *t = alt_tpl(x, PA_PRED_ADDRTYPE, d);
	t->mask = PA_AT_LOCAL;
	t->negate = negate;
}

/* One side's addresses for `family`: no alternative when none applies. */
static bool host_alts(struct emit *e, const struct side *sd, enum pa_dim d, unsigned family,
		      struct altv *a)
{
	struct reader *rd = e->rd;
	struct pa_set u = {0};
	bool have = false, any = false, ok = true;
	struct pa_u128 max = pa_addr_max(family);
	unsigned f = pa_fam_index(family);
	for (size_t i = 0; i < sd->n && ok; i++) {
		const struct host *h = &sd->h[i];
		struct alt *x;
		switch (h->kind) {
		case H_ANY:
			any = true;
			break;
		case H_ADDR:
			if (h->family != family)
				break;
			have = true;
			ok = h->neg ? set_add_complement(&u, h->r.lo, h->r.hi, max)
				    : pa_set_add(&u, h->r.lo, h->r.hi);
			break;
		case H_SELF:
			if (!(x = altv_add(a)))
				ok = false;
			else
				local_tpl(x, d, h->neg);
			break;
		case H_UNKNOWN:
			ok = add_unknown_alt(a, h->name);
			break;
		case H_TABLE: {
			struct ptable *tb = find_table(rd, h->name);
			if (!tb && !(tb = add_table(rd, h->name))) {
				ok = false;
				break;
			}
			note_table(rd, tb);
			if (tb->unknown) {
				ok = add_unknown_alt(a, tb->unknown);
				break;
			}
			const struct pa_set *s = &tb->set[f];
			/* in: S, S or self, S and not self; not in: the negations */
			if (!h->neg) {
				if (s->n) {
					if (!(x = altv_add(a)) || !addr_tpl(x, d, family, s, false)) {
						ok = false;
						break;
					}
					if (tb->self < 0)
						local_tpl(x, d, true);
				}
				if (tb->self > 0) {
					if (!(x = altv_add(a)))
						ok = false;
					else
						local_tpl(x, d, false);
				}
			} else {
				if (!(x = altv_add(a))) {
					ok = false;
					break;
				}
				if (s->n && !addr_tpl(x, d, family, s, true)) {
					ok = false;
					break;
				}
				if (tb->self > 0)
					local_tpl(x, d, true);
				if (tb->self < 0 && s->n) {
					if (!(x = altv_add(a)))
						ok = false;
					else
						local_tpl(x, d, false);
				}
			}
			break;
		}
		}
	}
	if (ok && have && u.n) {
		struct alt *x = altv_add(a);
		if (!x)
			ok = false;
		else if (!set_full(&u, max))
			ok = addr_tpl(x, d, family, &u, false);
	}
	pa_set_release(&u);
	if (ok && any) {
		altv_release(a);
		ok = altv_add(a) != NULL;
	}
	/* Any alternative that matches every address makes the others moot. */
	for (size_t i = 0; ok && i < a->n; i++)
		if (!a->v[i].n) {
			altv_release(a);
			ok = altv_add(a) != NULL;
			break;
		}
	return ok;
}

static bool ports_tpls(struct alt *x, const struct prule *p)
{
	if (p->from.has_ports) {
		struct tpl *t = alt_tpl(x, PA_PRED_SET, PA_SPORT);
		if (!pa_set_copy(&t->set, &p->from.ports))
			return false;
	}
	if (p->to.has_ports) {
		struct tpl *t = alt_tpl(x, PA_PRED_SET, PA_DPORT);
		if (!pa_set_copy(&t->set, &p->to.ports))
			return false;
	}
	return true;
}

static bool sets_meet(const struct pa_set *a, const struct pa_set *b)
{
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			if (pa_cmp(a->r[i].lo, b->r[j].hi) <= 0 && pa_cmp(b->r[j].lo, a->r[i].hi) <= 0)
				return true;
	return false;
}

/* anc: the protocols the rule's anchors allow (NULL: any), so that a
 * rule's alternatives for other protocols are left out. */
static bool proto_alts(const struct prule *p, bool top, const struct pa_set *anc,
		       struct altv *a)
{
	bool flags = p->has_flags;
	unsigned cmp = p->fcmp, mask = p->fmask;
	if (!flags && top && p->kind == K_PASS && !p->nostate && !p->flags_any) {
		/* pfctl: flags S/SA on every rule that keeps state */
		flags = true;
		cmp = PA_TCP_SYN;
		mask = PA_TCP_SYN | PA_TCP_ACK;
	}
	bool tcp = !p->has_proto || pa_set_contains(&p->protos, pa_u(6));
	struct alt *x;
	if (flags && tcp) {
		if (anc && !pa_set_contains(anc, pa_u(6)))
			goto rest;
		if (!(x = altv_add(a)))
			return false;
		struct tpl *t = alt_tpl(x, PA_PRED_SET, PA_PROTO);
		if (!pa_set_add(&t->set, pa_u(6), pa_u(6)))
			return false;
		t = alt_tpl(x, PA_PRED_TCPFLAGS, PA_PROTO);
		t->mask = mask;
		t->cmp = cmp;
		if (!ports_tpls(x, p))
			return false;
	rest:;
		struct pa_set rest = {0}, in = {0};
		bool ok = p->has_proto ? set_subtract_copy(&rest, &p->protos, 6)
				       : set_add_complement(&rest, pa_u(6), pa_u(6), pa_u(255));
		if (ok && anc) {
			ok = pa_set_intersect(&in, &rest, anc);
			pa_set_release(&rest);
			rest = in;
		}
		if (ok && rest.n) {
			if (!(x = altv_add(a)))
				ok = false;
			else {
				t = alt_tpl(x, PA_PRED_SET, PA_PROTO);
				t->set = rest;
				rest = (struct pa_set){0};
				ok = ports_tpls(x, p);
			}
		}
		pa_set_release(&rest);
		return ok;
	}
	if (anc && p->has_proto && !sets_meet(anc, &p->protos))
		return true;
	if (!(x = altv_add(a)))
		return false;
	if (p->has_proto) {
		struct tpl *t = alt_tpl(x, PA_PRED_SET, PA_PROTO);
		if (!pa_set_copy(&t->set, &p->protos))
			return false;
	}
	if (p->icmp_family) {
		struct tpl *t = alt_tpl(x, PA_PRED_SET, PA_ICMP);
		if (!pa_set_copy(&t->set, &p->icmp))
			return false;
	}
	return ports_tpls(x, p);
}

static bool tpl_to_pred(struct pa_rule *r, const struct tpl *t)
{
	struct pa_pred *p = pa_rule_add_pred(r, t->kind);
	if (!p)
		return false;
	p->dim = t->dim;
	p->negate = t->negate;
	p->family = t->family;
	p->mask = t->mask;
	p->cmp = t->cmp;
	switch (t->kind) {
	case PA_PRED_SET:
		return pa_set_copy(&p->set, &t->set);
	case PA_PRED_IFACE:
		if (!(p->pats = ps_calloc(t->npats, sizeof(*p->pats))))
			return false;
		for (size_t i = 0; i < t->npats; i++) {
			p->pats[i].prefix = t->pats[i].prefix;
			if (!(p->pats[i].name = ps_strdup(t->pats[i].name)))
				return false;
			p->npats++;
		}
		return true;
	case PA_PRED_UNKNOWN:
		return (p->text = ps_strdup(t->text)) != NULL;
	default:
		return true;
	}
}

struct item {
	const struct prule *stack[2 * PF_MAX_NEST + 2];
	unsigned depth;
};

struct items {
	struct item *v;
	size_t n, cap;
};

static enum portspec_status items_push(struct items *q, const struct item *it)
{
	if (q->n >= PA_MAX_RULES)
		return PORTSPEC_E_LIMIT;
	if (!grow((void **)&q->v, &q->cap, q->n + 1, sizeof(*q->v)))
		return PORTSPEC_E_NOMEM;
	q->v[q->n++] = *it;
	return PORTSPEC_OK;
}

/* pf's order as first match: quick rules where they are, the others last
 * and reversed (see the top of the file). */
static enum portspec_status collect(const struct pblock *b, const struct item *ctx,
				    struct items *q, struct items *nq)
{
	enum portspec_status st = PORTSPEC_OK;
	for (size_t i = 0; !st && i < b->n; i++) {
		const struct prule *r = &b->r[i];
		struct item it = *ctx;
		if (it.depth >= sizeof(it.stack) / sizeof(it.stack[0]))
			return PORTSPEC_E_LIMIT;
		it.stack[it.depth++] = r;
		switch (r->kind) {
		case K_ANCHOR:
			if (r->quick) {
				struct items sq = {0}, snq = {0};
				st = collect(r->body, &it, &sq, &snq);
				for (size_t k = 0; !st && k < sq.n; k++)
					st = items_push(q, &sq.v[k]);
				for (size_t k = snq.n; !st && k-- > 0;)
					st = items_push(q, &snq.v[k]);
				ps_free(sq.v);
				ps_free(snq.v);
			} else {
				st = collect(r->body, &it, q, nq);
			}
			break;
		case K_PASS:
		case K_BLOCK:
			st = items_push(r->quick ? q : nq, &it);
			break;
		default:
			st = items_push(q, &it);
			break;
		}
	}
	return st;
}

static enum portspec_status emit_item(struct emit *e, const struct item *it, unsigned dir,
				      uint32_t chain)
{
	struct reader *rd = e->rd;
	const struct prule *top = it->stack[it->depth - 1];
	unsigned fams = PA_FAMS;
	for (unsigned i = 0; i < it->depth; i++) {
		const struct prule *p = it->stack[i];
		if (!(p->dir & dir))
			return PORTSPEC_OK;
		if (p->af)
			fams &= p->af == 6 ? PA_FAM6 : PA_FAM4;
		if (p->icmp_family)
			fams &= p->icmp_family == 6 ? PA_FAM6 : PA_FAM4;
	}
	enum pa_dim ifd = dir == DIR_IN ? PA_IIF : PA_OIF;
	enum portspec_status st = PORTSPEC_OK;
	for (unsigned family = 4; family <= 6 && !st; family += 2) {
		if (!(fams & (family == 6 ? PA_FAM6 : PA_FAM4)))
			continue;
		e->ncomps = 0;
		bool ok = true, anc_any = true;
		struct pa_set anc = {0};
		for (unsigned i = 0; ok && i + 1 < it->depth; i++) {
			const struct pa_set *ps = &it->stack[i]->protos;
			if (!it->stack[i]->has_proto)
				continue;
			if (anc_any) {
				ok = pa_set_copy(&anc, ps);
			} else {
				struct pa_set t = {0};
				ok = pa_set_intersect(&t, &anc, ps);
				pa_set_release(&anc);
				anc = t;
			}
			anc_any = false;
		}
		for (unsigned i = 0; ok && i < it->depth; i++) {
			const struct prule *p = it->stack[i];
			if (p->nifs)
				ok = iface_alts(e, p->ifs, p->nifs, ifd, new_comp(e));
			if (ok && p->from.n)
				ok = host_alts(e, &p->from, PA_SRC, family, new_comp(e));
			if (ok && p->to.n)
				ok = host_alts(e, &p->to, PA_DST, family, new_comp(e));
			if (ok)
				ok = proto_alts(p, p == top, anc_any || p != top ? NULL : &anc,
						new_comp(e));
		}
		pa_set_release(&anc);
		if (!ok) {
			for (size_t c = 0; c < e->ncomps; c++)
				altv_release(&e->comps[c]);
			e->ncomps = 0;
			st = nomem(rd);
			break;
		}
		size_t total = 1;
		for (size_t c = 0; c < e->ncomps; c++) {
			total *= e->comps[c].n;
			if (total > PF_MAX_EXPANSION) {
				st = ps_error_set(rd->err, PORTSPEC_E_LIMIT, rd->filename, top->line,
						  top->col, "the rule's lists expand to more than %u "
						  "rules", PF_MAX_EXPANSION);
				break;
			}
		}
		size_t pick[sizeof(e->comps) / sizeof(e->comps[0])] = {0};
		for (size_t k = 0; k < total && !st; k++) {
			struct pa_rule *r;
			if ((st = pa_ruleset_add_rule(rd->rs, chain, SIZE_MAX, rd->file, top->line,
						      top->col, &r))) {
				if (st == PORTSPEC_E_NOMEM)
					nomem(rd);
				else
					ps_error_set(rd->err, st, rd->filename, top->line, top->col,
						     "more than %u rules", PA_MAX_RULES);
				break;
			}
			r->families = family == 6 ? PA_FAM6 : PA_FAM4;
			ok = (r->text = ps_strdup(top->text ? top->text : "")) != NULL;
			for (size_t c = 0; ok && c < e->ncomps; c++) {
				const struct alt *x = &e->comps[c].v[pick[c]];
				for (unsigned j = 0; ok && j < x->n; j++)
					ok = tpl_to_pred(r, &x->t[j]);
			}
			for (unsigned i = 0; ok && i < it->depth; i++)
				for (size_t u = 0; ok && u < it->stack[i]->nunknown; u++)
					ok = pa_rule_add_unknown(r, 0, "%s", it->stack[i]->unknown[u]);
			switch (top->kind) {
			case K_PASS:
				r->action = top->indet ? PA_ACT_INDET : PA_ACT_ACCEPT;
				if (top->nostate)
					r->nostate = (uint8_t)dir;
				break;
			case K_BLOCK: {
				int how = top->block ? top->block : rd->block_return ? 2 : 1;
				r->action = how == 1 ? PA_ACT_DROP : PA_ACT_REJECT;
				if (how > 1)
					ok = ok && (r->arg = ps_strdup(how == 3 ? "return-rst"
										 : "return")) != NULL;
				break;
			}
			case K_FTP_PROXY: {
				struct pa_pred *p = ok ? pa_rule_add_pred(r, PA_PRED_CTSTATE) : NULL;
				ok = p != NULL;
				if (p)
					p->mask = PA_STBIT(PA_ST_RELATED);
				r->action = PA_ACT_ACCEPT;
				ok = ok && (r->arg = ps_strdup("ftp-proxy(8): the data connections of "
							       "the FTP sessions it relays")) != NULL;
				break;
			}
			case K_NAT_NO:
				r->action = PA_ACT_NAT_ACCEPT;
				break;
			default:
				r->action = PA_ACT_INDET;
				break;
			}
			if (ok && r->action == PA_ACT_INDET)
				ok = (r->arg = ps_strdup(top->indet ? top->indet : "pf")) != NULL;
			if (!ok) {
				st = nomem(rd);
				break;
			}
			for (size_t c = e->ncomps; c-- > 0;) {
				if (++pick[c] < e->comps[c].n)
					break;
				pick[c] = 0;
			}
		}
		for (size_t c = 0; c < e->ncomps; c++)
			altv_release(&e->comps[c]);
		e->ncomps = 0;
	}
	return st;
}

static enum portspec_status new_chain(struct reader *rd, const char *name, enum pa_hook_stage hook,
				      int prio, enum pa_chain_type type, uint8_t nostate,
				      uint32_t *out)
{
	enum portspec_status st = pa_ruleset_add_chain(rd->rs, name, "pf", 0, out);
	if (st)
		return nomem(rd); /* a few chains: never the limit */
	rd->rs->chains[*out].file = rd->file;
	if ((st = pa_chain_set_base(rd->rs, *out, hook, prio, type, PA_ACT_ACCEPT)))
		return nomem(rd);
	rd->rs->rules[rd->rs->chains[*out].policy_rule].nostate = nostate;
	return PORTSPEC_OK;
}

/* set skip on, and the state table, first in each filter chain. */
static enum portspec_status chain_head(struct reader *rd, uint32_t chain, unsigned dir)
{
	struct portspec_ruleset *rs = rd->rs;
	struct pa_rule *r;
	enum portspec_status st;
	if (rd->nskip) {
		struct emit e = {rd, {{0}}, 0, false};
		struct altv *a = new_comp(&e);
		bool ok = iface_alts(&e, rd->skip, rd->nskip, dir == DIR_IN ? PA_IIF : PA_OIF, a);
		for (size_t i = 0; ok && i < a->n; i++) {
			if ((st = pa_ruleset_add_rule(rs, chain, SIZE_MAX, rd->file, rd->skip_line,
						      rd->skip_col, &r))) {
				altv_release(a);
				return nomem(rd); /* the first rules: never the limit */
			}
			rs->nfirst_rules--;
			r->action = PA_ACT_ACCEPT;
			r->nostate = (uint8_t)dir; /* skipped: no state */
			ok = (r->text = ps_strdup(rd->skip_text)) != NULL;
			for (unsigned j = 0; ok && j < a->v[i].n; j++)
				ok = tpl_to_pred(r, &a->v[i].t[j]);
		}
		altv_release(a);
		if (!ok)
			return nomem(rd);
	}
	for (int reply = 0; reply < 2; reply++) {
		if ((st = pa_ruleset_add_rule(rs, chain, SIZE_MAX, rd->file, 0, 0, &r)))
			return nomem(rd); /* the first rules: never the limit */
		rs->nfirst_rules--;
		r->action = PA_ACT_ACCEPT;
		/* A packet of the original direction needs the state made in
		 * this direction, a reply the one made in the other. */
		r->needs_state = (uint8_t)(reply ? (DIR_IN | DIR_OUT) & ~dir : dir);
		struct pa_pred *p = pa_rule_add_pred(r, PA_PRED_CTSTATE);
		if (!p)
			return nomem(rd);
		p->mask = reply ? PA_STBIT(PA_ST_REPLY)
				: PA_STBIT(PA_ST_ESTABLISHED) | PA_STBIT(PA_ST_RELATED);
		if (!(r->text = ps_strdup(reply ? "(the state table: replies of a connection a "
						  "pass rule kept state for)"
						: "(the state table: packets of a connection a pass "
						  "rule kept state for)")))
			return nomem(rd);
	}
	return PORTSPEC_OK;
}

static enum portspec_status build(struct reader *rd)
{
	struct portspec_ruleset *rs = rd->rs;
	struct items q = {0}, nq = {0};
	struct item root = {{NULL}, 0};
	enum portspec_status st = PORTSPEC_OK;
	uint32_t in, out;
	rs->families = PA_FAMS;
	(void)pa_ruleset_add_table(rs);
	if ((st = new_chain(rd, "pf-in", PA_HK_PREROUTING, 0, PA_CHAIN_FILTER, DIR_IN, &in)) ||
	    (st = new_chain(rd, "pf-out", PA_HK_POSTROUTING, 0, PA_CHAIN_FILTER, DIR_OUT, &out)) ||
	    (st = chain_head(rd, in, DIR_IN)) || (st = chain_head(rd, out, DIR_OUT)))
		return st;
	st = collect(&rd->top, &root, &q, &nq);
	for (size_t j = nq.n; !st && j-- > 0;)
		st = items_push(&q, &nq.v[j]);
	if (st) {
		if (st == PORTSPEC_E_NOMEM)
			nomem(rd);
		else
			ps_error_set(rd->err, st, rd->filename, 0, 0,
				     "the anchors expand to too many rules");
		goto out;
	}
	struct emit *e = ps_calloc(1, sizeof(*e));
	if (!e) {
		st = nomem(rd);
		goto out;
	}
	e->rd = rd;
	for (size_t i = 0; i < q.n && !st; i++) {
		st = emit_item(e, &q.v[i], DIR_IN, in);
		if (!st)
			st = emit_item(e, &q.v[i], DIR_OUT, out);
	}
	if (!st && rd->trans.n) {
		/* Old-style translation rules: first match, before the filter. */
		uint32_t rdr = PA_NONE, nat = PA_NONE;
		for (size_t i = 0; i < rd->trans.n && !st; i++) {
			const struct prule *r = &rd->trans.r[i];
			struct item it = {{r}, 1};
			if ((r->chains & 1) && rdr == PA_NONE)
				st = new_chain(rd, "pf-rdr", PA_HK_PREROUTING, -100, PA_CHAIN_NAT, 0,
					       &rdr);
			if (!st && (r->chains & 2) && nat == PA_NONE)
				st = new_chain(rd, "pf-nat", PA_HK_POSTROUTING, -100, PA_CHAIN_NAT, 0,
					       &nat);
			if (!st && (r->chains & 1))
				st = emit_item(e, &it, DIR_IN, rdr);
			if (!st && (r->chains & 2))
				st = emit_item(e, &it, DIR_OUT, nat);
		}
	}
	ps_free(e);
	rs->nfirst_rules = rd->nstatements;
out:
	ps_free(q.v);
	ps_free(nq.v);
	return st;
}

enum portspec_status pa_read_pf(struct portspec_ruleset *rs, const char *text, size_t len,
				uint32_t file, struct portspec_error *err)
{
	struct reader rd = {0};
	rd.rs = rs;
	rd.file = file;
	rd.filename = rs->files[file];
	rd.err = err;
	rd.text = text;
	rd.len = len;
	struct src s = {text, len, 0, 1, 1, NULL};
	enum portspec_status st = lex(&rd, &s, &rd.t);
	if (!st)
		st = expand_macros(&rd, &rd.t);
	if (!st && (!rd.t.n || rd.t.v[rd.t.n - 1].k != T_EOF)) {
		struct tok eof = {T_EOF, "end of file", s.line, s.col, len, len};
		if (!push_tok(&rd.t, &eof))
			st = nomem(&rd);
	}
	if (!st)
		st = parse_block(&rd, &rd.top, NULL);
	if (!st)
		st = build(&rd);
	block_release(&rd.top);
	block_release(&rd.trans);
	for (size_t i = 0; i < rd.nblocks; i++) {
		block_release(rd.blocks[i]);
		ps_free(rd.blocks[i]);
	}
	ps_free(rd.blocks);
	ps_free(rd.anchors);
	for (size_t i = 0; i < rd.ntables; i++) {
		pa_set_release(&rd.tables[i].set[0]);
		pa_set_release(&rd.tables[i].set[1]);
	}
	ps_free(rd.tables);
	for (size_t i = 0; i < rd.nmacros; i++) {
		ps_free(rd.macros[i].name);
		ps_free(rd.macros[i].value);
	}
	ps_free(rd.macros);
	ps_free(rd.skip);
	ps_free(rd.t.v);
	for (size_t i = 0; i < rd.nstrs; i++)
		ps_free(rd.strs[i]);
	ps_free(rd.strs);
	return st;
}
