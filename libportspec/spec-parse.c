/* SPDX-License-Identifier: MIT */
/*
 * The spec format, portspec(5): one statement a line, `#` comments, quoted
 * strings with \" \\ \n \t escapes, and `service NAME { ... }` blocks.
 * Every error names file:line:column, what was expected and how to fix it.
 *
 * Parsing costs about 20 instructions per byte (docs/performance.md): each
 * line is found and copied into one reused line buffer eight bytes at a
 * time, and only a line with a NUL or a byte above 0x7f is checked byte by
 * byte for UTF-8.  Tokens are spans of that copy, NUL-terminated in place
 * (strings unescaped in place: they only shrink), found with one table
 * lookup per byte, eight bytes at a time inside strings.  What the spec
 * keeps is copied once, into the spec's arena.  Nothing is allocated per
 * token or per line, and no text is appended byte by byte.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

enum tok_kind { TOK_WORD, TOK_STRING, TOK_LBRACE, TOK_RBRACE };

struct token {
	char *text;      /* NUL-terminated, in the line buffer: unescaped contents for strings */
	uint32_t len;    /* at most PS_MAX_LINE */
	uint16_t column; /* at most PS_MAX_LINE */
	uint8_t kind;    /* enum tok_kind */
};

/* A port token as the overlap and ICMP errors quote it: "65535-65535" needs
 * 12 bytes; a longer token is no port and is cut. */
#define PORT_TEXT 24u

struct port_at {
	struct ps_portrange r;
	unsigned line, column;
	size_t order;
	char text[PORT_TEXT];
};

#define WORD 8u     /* bytes read at a time: one uint64_t */
#define LINE_PAD 8u /* bytes after a line in the line buffer: one WORD read past its end */

/* First allocations, then doubling: most services have a few port ranges,
 * most specs a few dozen flow statements. */
#define FIRST_PORTS 16u
#define FIRST_FLOWS 16u

struct parser {
	const char *file;
	unsigned line;
	struct portspec_error *err;
	struct portspec_spec *spec;
	struct token *toks;
	size_t ntoks;
	size_t captoks;
	char *linebuf;     /* the current line and LINE_PAD '\n', its tokens' texts in place */
	char braces[4];    /* "{" and "}", the texts of brace tokens */
	bool seen_version;
	size_t current;     /* service being declared, SIZE_MAX outside a block */
	unsigned block_line;
	/* attributes already set in the current block, to reject duplicates */
	unsigned set_title, set_desc, set_note, set_level, set_helper;
	/* per service: the last flow statement (serial) that listed it, so that
	 * a service listed twice is found in linear time */
	size_t *flow_mark;
	size_t nflow_mark;
	size_t flow_serial;
	size_t capflows;
	/* the port ranges of the current service and where each was written, so
	 * that overlaps found after sorting point at the later of the two */
	struct port_at *port_at;
	size_t port_at_cap;
};

/* ---- byte classes ---- */

enum {
	C_SEP = 1,   /* ends a word: space, tab, CR, '"', '#', '{', '}', the line's end */
	C_CTRL = 2,  /* a control character: below 0x20, and 0x7f */
	C_STR = 4,   /* ends a plain run in a string: '"', '\\', controls, 0xc2 (a C1 control?) */
	C_NAME = 8,  /* may be in a name: a-z, 0-9, '-', '_' */
	C_NAME0 = 16 /* may start a name: a-z, 0-9 */
};

#define IS_SEP(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '"' || (c) == '#' || \
		   (c) == '{' || (c) == '}' || (c) == '\n')
#define IS_CTRL(c) ((c) < 0x20 || (c) == 0x7f)
#define IS_ALNUM(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= '0' && (c) <= '9'))
#define CLASS(c)                                                                         \
	((IS_SEP(c) ? C_SEP : 0) | (IS_CTRL(c) ? C_CTRL : 0) |                            \
	 (IS_CTRL(c) || (c) == '"' || (c) == '\\' || (c) == 0xc2 ? C_STR : 0) |            \
	 (IS_ALNUM(c) || (c) == '-' || (c) == '_' ? C_NAME : 0) | (IS_ALNUM(c) ? C_NAME0 : 0))
#define CLASS4(c) CLASS(c), CLASS((c) + 1), CLASS((c) + 2), CLASS((c) + 3)
#define CLASS16(c) CLASS4(c), CLASS4((c) + 4), CLASS4((c) + 8), CLASS4((c) + 12)
#define CLASS64(c) CLASS16(c), CLASS16((c) + 16), CLASS16((c) + 32), CLASS16((c) + 48)

static const unsigned char byte_class[256] = {
	CLASS64(0), CLASS64(64), CLASS64(128), CLASS64(192),
};

static unsigned cls(char c)
{
	return byte_class[(unsigned char)c];
}

/* ---- errors ---- */

static enum portspec_status fail(struct parser *p, enum portspec_status st, unsigned column,
				 const char *fmt, ...) PS_PRINTF(4, 5);

static enum portspec_status fail(struct parser *p, enum portspec_status st, unsigned column,
				 const char *fmt, ...)
{
	if (!p->err)
		return st;
	char text[sizeof(p->err->text)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return ps_error_set(p->err, st, p->file, p->line, column, "%s", text);
}

static enum portspec_status nomem(struct parser *p)
{
	return ps_error_set(p->err, PORTSPEC_E_NOMEM, p->file, p->line, 0, "out of memory");
}

/* A copy the spec keeps; NULL (with the error set) when out of memory. */
static char *keep(struct parser *p, const struct token *t)
{
	char *s = ps_arena_strndup(&p->spec->arena, t->text, t->len);
	if (!s)
		nomem(p);
	return s;
}

/* Whether the token is the keyword `kw` (tokens never hold a NUL byte). */
static bool tok_is(const struct token *t, const char *kw, size_t len)
{
	return t->len == len && memcmp(t->text, kw, len) == 0;
}
#define IS(t, kw) tok_is((t), kw, sizeof(kw) - 1)

/* ---- the bytes of a line ---- */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t len;
	unsigned min;
	unsigned cp;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, min = 0x80, cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, min = 0x800, cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, min = 0x10000, cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    ps_unicode_noncharacter(cp)) /* U+FFFE, U+FFFF...: SVG and XML forbid them */
		return 0;
	return len;
}

/* Eight bytes of a line as one word, in either byte order. */
static uint64_t word_at(const char *s)
{
	uint64_t w;
	memcpy(&w, s, sizeof(w));
	return w;
}

#define ONES 0x0101010101010101u
#define HIGHS 0x8080808080808080u
/* The bytes of w that are zero have their high bit set in the result (and
 * maybe bytes after one that is: fine for "does it have one"). */
#define ZERO_BYTES(w) (((w) - ONES) & ~(w) & HIGHS)
/* The index, in memory order, of the first zero byte of x (which has one). */
static size_t first_zero_byte(uint64_t x)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* ZERO_BYTES marks extra bytes only after a zero one, higher up. */
	return (size_t)__builtin_ctzll(ZERO_BYTES(x)) / CHAR_BIT;
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	/* Exactly the zero bytes: no borrow crosses a byte. */
	return (size_t)__builtin_clzll(~(((x & ~HIGHS) + ~HIGHS) | x | ~HIGHS)) / CHAR_BIT;
#else
	unsigned char bytes[sizeof(x)];
	memcpy(bytes, &x, sizeof(x));
	size_t i = 0;
	while (bytes[i])
		i++;
	return i;
#endif
}

/*
 * Copies the line that starts at s (`left` bytes of text) into the line
 * buffer and returns its length; *more is true when a '\n' ends it, *odd
 * when it may hold a NUL or a byte above 0x7f (only such lines are checked
 * byte by byte).  Eight bytes at a time: finding the line's end, copying it
 * and looking for odd bytes is one pass.  Returns PS_MAX_LINE + 1, without
 * reading further, for a line that is too long.
 */
static size_t next_line(struct parser *p, const char *s, size_t left, bool *more, bool *odd)
{
	char *b = p->linebuf;
	size_t limit = left < PS_MAX_LINE + 1 ? left : PS_MAX_LINE + 1;
	uint64_t seen = 0; /* high bits: a NUL or a byte above 0x7f (maybe after the end) */
	size_t i = 0;
	for (; i + WORD <= limit; i += WORD) {
		uint64_t w = word_at(s + i);
		memcpy(b + i, &w, sizeof(w));
		seen |= w | (w - ONES);
		if (ZERO_BYTES(w ^ (ONES * '\n'))) {
			i += first_zero_byte(w ^ (ONES * '\n'));
			*more = true;
			*odd = (seen & HIGHS) != 0;
			return i;
		}
	}
	bool bad = (seen & HIGHS) != 0;
	for (; i < limit; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n') {
			*more = true;
			break;
		}
		b[i] = (char)c;
		bad |= (unsigned char)(c - 1) >= 0x7f;
	}
	*odd = bad;
	return i;
}

/*
 * The line (padded with LINE_PAD bytes of '\n') is UTF-8 text without NUL
 * bytes; the first offending byte is the error.  Eight bytes are checked at
 * a time while they are all ASCII and none is NUL: a byte that is either
 * sets its high bit in w | (w - ONES).
 */
static enum portspec_status check_bytes(struct parser *p, const char *line, size_t n)
{
	size_t i = 0;
	for (;;) {
		while (i < n && !((word_at(line + i) | (word_at(line + i) - ONES)) & HIGHS))
			i += WORD;
		for (size_t end = i + WORD < n ? i + WORD : n; i < end;) {
			unsigned char c = (unsigned char)line[i];
			if (c == '\0')
				return fail(p, PORTSPEC_E_PARSE, (unsigned)i + 1,
					    "NUL byte; spec files are UTF-8 text");
			size_t u = utf8_len((const unsigned char *)line + i, n - i);
			if (!u)
				return fail(p, PORTSPEC_E_PARSE, (unsigned)i + 1,
					    "invalid UTF-8, or a Unicode noncharacter such as U+FFFE; "
					    "save the file as UTF-8 text");
			i += u;
		}
		if (i >= n)
			return PORTSPEC_OK;
	}
}

/* ---- tokens ---- */

static void push_token(struct parser *p, enum tok_kind kind, size_t at, char *text, size_t len)
{
	p->toks[p->ntoks++] = (struct token){
		.text = text, .len = (uint32_t)len, .column = (uint16_t)(at + 1), .kind = (uint8_t)kind};
}

/*
 * Whether one of the eight bytes ends a plain run in a string (C_STR): '"',
 * '\\', a control character, or a byte above 0x7f (0xc2 may start a C1
 * control; the others are simply looked at one by one).
 */
static bool string_stop(uint64_t w)
{
	uint64_t quote = w ^ (ONES * '"'), backslash = w ^ (ONES * '\\');
	/* high bit: above 0x7f | below 0x20 | 0x7f | '"' | '\\' (ZERO_BYTES, unmasked) */
	return ((w | (w - ONES * 0x20) | (w + ONES) | ((quote - ONES) & ~quote) |
		 ((backslash - ONES) & ~backslash)) & HIGHS) != 0;
}

/*
 * Moves the plain run of a string that starts at b[*i] (bytes without
 * C_STR) to b[*k], eight bytes at a time; *i ends at the byte that stopped
 * it.  False when the string, `start` its first byte, grows longer than
 * PS_MAX_STRING.
 */
static bool string_run(char *b, size_t start, size_t *i, size_t *k)
{
	size_t run = *i, j = run;
	for (;;) {
		while (!string_stop(word_at(b + j)))
			j += WORD;
		size_t end = j + WORD;
		while (j < end && !(cls(b[j]) & C_STR))
			j++;
		if (j < end)
			break;
	}
	*i = j;
	if (j == run)
		return true;
	if (*k - start + (j - run) > PS_MAX_STRING)
		return false;
	if (*k != run)
		memmove(b + *k, b + run, j - run);
	*k += j - run;
	return true;
}

/* The unescaped byte of the escape sequence "\\e", or 0 if there is none. */
static char unescape(char e)
{
	return e == '"' ? '"' : e == '\\' ? '\\' : e == 'n' ? '\n' : e == 't' ? '\t' : 0;
}

/*
 * The byte b[*i] that ended a plain run inside a string, not the closing
 * quote: an escape (written to b[*k] unescaped), a control character (an
 * error), or 0xc2, which is an error when a C1 control follows and else
 * copied.
 */
static enum portspec_status string_special(struct parser *p, char *b, size_t len, size_t *i,
					   size_t *k)
{
	unsigned char d = (unsigned char)b[*i];
	if (d == '\\') {
		char e = *i + 1 < len ? b[*i + 1] : '\0';
		char rep = unescape(e);
		if (!rep)
			return fail(p, PORTSPEC_E_PARSE, (unsigned)*i + 1,
				    "unknown escape '\\%c' in string; the escapes are "
				    "\\\" \\\\ \\n and \\t",
				    e >= 0x20 && e < 0x7f ? e : '?');
		b[(*k)++] = rep;
		*i += 2;
	} else if (d < 0x20 || d == 0x7f) {
		return fail(p, PORTSPEC_E_PARSE, (unsigned)*i + 1,
			    "control character 0x%02x in string; write a tab as \\t "
			    "and a line break as \\n", d);
	} else if (*i + 1 < len && (unsigned char)b[*i + 1] >= 0x80 &&
		   (unsigned char)b[*i + 1] < 0xa0) {
		/* 0xc2 then 0x80-0x9f: the C1 controls (U+0080-U+009F) include
		 * the 8-bit CSI of terminals. */
		return fail(p, PORTSPEC_E_PARSE, (unsigned)*i + 1,
			    "control character U+%04X in string; remove it",
			    (unsigned char)b[*i + 1]);
	} else {
		b[(*k)++] = (char)d; /* 0xc2 starting another character */
		(*i)++;
	}
	return PORTSPEC_OK;
}

/*
 * The quoted string that starts at b[*at], unescaped in place (the text only
 * shrinks) and NUL-terminated; *at ends after the closing quote, *n is the
 * unescaped length.  Plain runs are moved whole; the string limit is checked
 * as if each byte were added in turn.
 */
static enum portspec_status lex_string(struct parser *p, char *b, size_t len, size_t *at,
				       size_t *n)
{
	unsigned column = (unsigned)*at + 1;
	size_t start = *at + 1, i = start, k = start; /* k: where the text is written */
	for (;;) {
		if (!string_run(b, start, &i, &k))
			goto too_long;
		if (i >= len)
			return fail(p, PORTSPEC_E_PARSE, column,
				    "unterminated string; add the closing '\"' on this line "
				    "(write a line break as \\n)");
		if (b[i] == '"')
			break;
		enum portspec_status st = string_special(p, b, len, &i, &k);
		if (st)
			return st;
		if (k - start > PS_MAX_STRING)
			goto too_long;
	}
	b[k] = '\0';
	*at = i + 1;
	*n = k - start;
	return PORTSPEC_OK;
too_long:
	return fail(p, PORTSPEC_E_LIMIT, column, "string longer than %u bytes; shorten it",
		    PS_MAX_STRING);
}

/* Room for the tokens of a line of `len` bytes, more than there is: a line
 * holds at most one token per byte.  False when out of memory. */
static bool grow_tokens(struct parser *p, size_t len)
{
	size_t cap = p->captoks * 2 > len ? p->captoks * 2 : len;
	struct token *t = ps_reallocarray(p->toks, cap, sizeof(*t));
	if (!t)
		return false;
	p->toks = t;
	p->captoks = cap;
	return true;
}

static enum portspec_status control_character(struct parser *p, size_t at, unsigned char c)
{
	return fail(p, PORTSPEC_E_PARSE, (unsigned)at + 1, "control character 0x%02x; remove it",
		    c);
}

/* A byte that starts no token: a CR before the line's end, or a control character. */
static enum portspec_status bad_token_start(struct parser *p, size_t at, unsigned char c)
{
	if (c == '\r')
		return fail(p, PORTSPEC_E_PARSE, (unsigned)at + 1,
			    "stray carriage return; save the file with LF or CRLF line ends");
	return control_character(p, at, c);
}

/*
 * Splits the line in p->linebuf into tokens, by the byte each starts with
 * (spaces and words, the most common, first).  The '\n' after the line ends
 * every scan without a bounds check; the tokens' texts are NUL-terminated in
 * place.  A separator overwritten that way has been read into `c` already.
 */
static enum portspec_status tokenize(struct parser *p, size_t len)
{
	if (p->captoks < len && !grow_tokens(p, len))
		return nomem(p);
	char *b = p->linebuf;
	p->ntoks = 0;
	size_t i = 0;
	unsigned char c = (unsigned char)b[0];
	for (;;) {
		size_t start = i;
		if (c == ' ' || c == '\t') {
			c = (unsigned char)b[++i];
		} else if (!(cls((char)c) & (C_SEP | C_CTRL))) {
			do
				i++;
			while (!(cls(b[i]) & (C_SEP | C_CTRL)));
			c = (unsigned char)b[i];
			if (!(cls((char)c) & C_SEP))
				return control_character(p, i, c);
			b[i] = '\0';
			push_token(p, TOK_WORD, start, b + start, i - start);
		} else if (c == '"') {
			size_t n = 0;
			enum portspec_status st = lex_string(p, b, len, &i, &n);
			if (st)
				return st;
			push_token(p, TOK_STRING, start, b + start + 1, n);
			c = (unsigned char)b[i];
		} else if (c == '{' || c == '}') {
			push_token(p, c == '{' ? TOK_LBRACE : TOK_RBRACE, start,
				   c == '{' ? p->braces : p->braces + 2, 1);
			c = (unsigned char)b[++i];
		} else if (c == '\r' && i + 1 == len) {
			c = (unsigned char)b[++i];
		} else if (c == '\n' || c == '#') {
			return PORTSPEC_OK;
		} else {
			return bad_token_start(p, i, c);
		}
	}
}

/* ---- statements ---- */

static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || n > PS_MAX_NAME || !(cls(s[0]) & C_NAME0))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(cls(s[i]) & C_NAME))
			return false;
	return true;
}

static enum portspec_status expect_name(struct parser *p, size_t i, const char *what)
{
	if (i >= p->ntoks)
		return fail(p, PORTSPEC_E_PARSE, p->ntoks ? p->toks[p->ntoks - 1].column : 1,
			    "expected %s after this", what);
	const struct token *t = &p->toks[i];
	if (t->kind != TOK_WORD || !valid_name(t->text, t->len))
		return fail(p, PORTSPEC_E_PARSE, t->column,
			    "expected %s, found '%.64s'; names are 1 to %u lowercase letters, "
			    "digits, '-' or '_', starting with a letter or digit",
			    what, t->text, PS_MAX_NAME);
	return PORTSPEC_OK;
}

static enum portspec_status expect_end(struct parser *p, size_t i)
{
	if (i < p->ntoks)
		return fail(p, PORTSPEC_E_PARSE, p->toks[i].column,
			    "unexpected '%.64s' at the end of the statement; remove it or put it in "
			    "quotes", p->toks[i].text);
	return PORTSPEC_OK;
}

/* keyword STRING */
static enum portspec_status string_statement(struct parser *p, char **slot, unsigned *seen)
{
	const struct token *kw = &p->toks[0];
	if (*slot && seen && *seen)
		return fail(p, PORTSPEC_E_PARSE, kw->column,
			    "'%s' is already set at line %u; keep one", kw->text, *seen);
	if (*slot && !seen)
		return fail(p, PORTSPEC_E_PARSE, kw->column, "'%s' is already set; keep one",
			    kw->text);
	if (p->ntoks < 2 || p->toks[1].kind != TOK_STRING)
		return fail(p, PORTSPEC_E_PARSE, p->ntoks < 2 ? kw->column : p->toks[1].column,
			    "expected a quoted string after '%s', as in %s \"...\"", kw->text,
			    kw->text);
	enum portspec_status st = expect_end(p, 2);
	if (st)
		return st;
	if (!(*slot = keep(p, &p->toks[1])))
		return PORTSPEC_E_NOMEM;
	if (seen)
		*seen = p->line;
	return PORTSPEC_OK;
}

/* The digits of an out-of-range port that its error shows: more than any
 * number needs to be recognized. */
#define PORT_SHOWN 20

static enum portspec_status parse_port(struct parser *p, const struct token *t,
				       const char *s, const char *end, unsigned long *out)
{
	if (s == end)
		return fail(p, PORTSPEC_E_PARSE, t->column,
			    "expected a port number or range such as 443 or 1024-2048, found '%.64s'",
			    t->text);
	unsigned long v = 0;
	for (const char *c = s; c < end; c++) {
		if (*c < '0' || *c > '9')
			return fail(p, PORTSPEC_E_PARSE, t->column,
				    "expected a port number or range such as 443 or 1024-2048, "
				    "found '%.64s'", t->text);
		if (v <= PS_MAX_PORT) /* past it v stays too big, without overflowing */
			v = v * 10 + (unsigned long)(*c - '0');
	}
	if (v < 1 || v > PS_MAX_PORT)
		return fail(p, PORTSPEC_E_PARSE, t->column,
			    "port '%.*s' is out of range; ports are 1 to 65535",
			    (int)(end - s > PORT_SHOWN ? PORT_SHOWN : end - s), s);
	*out = v;
	return PORTSPEC_OK;
}

/* Adds range r, written as token t, to the service's ranges, with where it
 * was written for the errors about overlaps. */
static enum portspec_status add_port(struct parser *p, struct portspec_service *svc,
				     const struct token *t, struct ps_portrange r)
{
	if (svc->nports >= PS_MAX_PORTS_PER_SERVICE)
		return fail(p, PORTSPEC_E_LIMIT, t->column,
			    "service '%s' has more than %u port ranges; merge ranges", svc->name,
			    PS_MAX_PORTS_PER_SERVICE);
	if (svc->nports == p->port_at_cap) {
		size_t cap = p->port_at_cap ? p->port_at_cap * 2 : FIRST_PORTS;
		struct port_at *a = ps_reallocarray(p->port_at, cap, sizeof(*a));
		if (!a)
			return nomem(p);
		p->port_at = a;
		p->port_at_cap = cap;
	}
	struct port_at *at = &p->port_at[svc->nports];
	at->r = r;
	at->line = p->line;
	at->column = t->column;
	at->order = svc->nports;
	size_t n = t->len < sizeof(at->text) - 1 ? t->len : sizeof(at->text) - 1;
	memcpy(at->text, t->text, n);
	at->text[n] = '\0';
	svc->nports++;
	return PORTSPEC_OK;
}

/* tcp|udp PORT|FIRST-LAST ... */
static enum portspec_status ports_statement(struct parser *p, struct portspec_service *svc,
					    enum portspec_protocol proto)
{
	if (p->ntoks < 2)
		return fail(p, PORTSPEC_E_PARSE, p->toks[0].column,
			    "expected ports after '%s', as in %s 443 or %s 1024-2048",
			    p->toks[0].text, p->toks[0].text, p->toks[0].text);
	for (size_t i = 1; i < p->ntoks; i++) {
		const struct token *t = &p->toks[i];
		if (t->kind != TOK_WORD)
			return fail(p, PORTSPEC_E_PARSE, t->column,
				    "expected a port number or range, found '%.64s'", t->text);
		const char *s = t->text, *end = s + t->len;
		const char *dash = memchr(s, '-', t->len);
		unsigned long first = 0, last = 0;
		enum portspec_status st;
		if (dash == s)
			return fail(p, PORTSPEC_E_PARSE, t->column,
				    "port '%.64s' is out of range; ports are 1 to 65535", s);
		st = parse_port(p, t, s, dash ? dash : end, &first);
		if (st)
			return st;
		last = first;
		if (dash) {
			st = parse_port(p, t, dash + 1, end, &last);
			if (st)
				return st;
			if (last < first)
				return fail(p, PORTSPEC_E_PARSE, t->column,
					    "reversed port range %lu-%lu; write it as %lu-%lu", first,
					    last, last, first);
		}
		st = add_port(p, svc, t, (struct ps_portrange){.proto = (uint8_t)proto,
							      .first = (uint16_t)first,
							      .last = (uint16_t)last});
		if (st)
			return st;
	}
	return PORTSPEC_OK;
}

static int cmp_port_at(const void *a, const void *b)
{
	const struct port_at *x = a, *y = b;
	if (x->r.proto != y->r.proto)
		return x->r.proto < y->r.proto ? -1 : 1;
	if (x->r.first != y->r.first)
		return x->r.first < y->r.first ? -1 : 1;
	if (x->r.last != y->r.last)
		return x->r.last < y->r.last ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorts by cmp_port_at, a total order: any sort gives the same result.
 * Most services have one or two ranges, where qsort's overhead dominates;
 * insertion sort up to INSERTION_SORT_MAX ranges. */
#define INSERTION_SORT_MAX 8u

static void sort_port_at(struct port_at *at, size_t n)
{
	if (n > INSERTION_SORT_MAX) {
		qsort(at, n, sizeof(*at), cmp_port_at);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		struct port_at x = at[i];
		size_t j = i;
		for (; j > 0 && cmp_port_at(&at[j - 1], &x) > 0; j--)
			at[j] = at[j - 1];
		at[j] = x;
	}
}

/*
 * Sorts the service's port ranges and rejects overlaps, in O(n log n): in
 * sorted order a range overlaps an earlier one exactly when it starts at or
 * before the furthest end so far.  The error points at whichever of the two
 * was written later.  Then the service keeps the sorted ranges.
 */
static enum portspec_status sort_ports(struct parser *p, struct portspec_service *svc)
{
	struct port_at *at = p->port_at;
	size_t n = svc->nports;
	sort_port_at(at, n);
	size_t widest = 0;
	for (size_t i = 1; i < n; i++) {
		if (at[i].r.proto != at[widest].r.proto) {
			widest = i;
			continue;
		}
		if (at[i].r.first <= at[widest].r.last) {
			const struct port_at *later = at[i].order > at[widest].order ? &at[i] : &at[widest];
			const struct port_at *other = later == &at[i] ? &at[widest] : &at[i];
			char range[sizeof("65535-65535")];
			if (other->r.first == other->r.last)
				snprintf(range, sizeof(range), "%u", other->r.first);
			else
				snprintf(range, sizeof(range), "%u-%u", other->r.first, other->r.last);
			p->line = later->line;
			return fail(p, PORTSPEC_E_PARSE, later->column,
				    "%s port %s overlaps %s already listed for service '%s'; "
				    "list each port once",
				    portspec_protocol_name((enum portspec_protocol)later->r.proto),
				    later->text, range, svc->name);
		}
		if (at[i].r.last > at[widest].r.last)
			widest = i;
	}
	svc->ports = ps_arena_alloc(&p->spec->arena, n * sizeof(*svc->ports));
	if (!svc->ports)
		return nomem(p);
	for (size_t i = 0; i < n; i++)
		svc->ports[i] = at[i].r;
	return PORTSPEC_OK;
}

static const char *const known_helpers[] = {"ftp", "tftp", NULL};

static enum portspec_status close_service(struct parser *p, struct portspec_service *svc)
{
	enum portspec_status st = expect_end(p, 1);
	if (st)
		return st;
	unsigned saved = p->line;
	p->line = svc->line;
	if (svc->nports == 0)
		return fail(p, PORTSPEC_E_PARSE, 1,
			    "service '%s' has no ports; add a line such as 'tcp 443'", svc->name);
	if (!svc->level)
		return fail(p, PORTSPEC_E_PARSE, 1,
			    "service '%s' has no level; add 'level required', 'level "
			    "optional' or 'level cluster'", svc->name);
	st = sort_ports(p, svc);
	if (st)
		return st;
	p->line = saved;
	p->current = SIZE_MAX;
	return PORTSPEC_OK;
}

static enum portspec_status level_statement(struct parser *p, struct portspec_service *svc)
{
	const struct token *kw = &p->toks[0];
	if (p->set_level)
		return fail(p, PORTSPEC_E_PARSE, kw->column,
			    "'level' is already set at line %u; keep one", p->set_level);
	enum portspec_level l = 0;
	if (p->ntoks > 1 && p->toks[1].kind == TOK_WORD) {
		/* portspec_level_from_name, without its three strcmp calls */
		const struct token *v = &p->toks[1];
		l = IS(v, "required") ? PORTSPEC_REQUIRED
		    : IS(v, "optional") ? PORTSPEC_OPTIONAL
		    : IS(v, "cluster") ? PORTSPEC_CLUSTER : 0;
	}
	if (!l)
		return fail(p, PORTSPEC_E_PARSE, p->ntoks > 1 ? p->toks[1].column : kw->column,
			    "expected required, optional or cluster after 'level'");
	enum portspec_status st = expect_end(p, 2);
	if (st)
		return st;
	svc->level = l;
	p->set_level = p->line;
	return PORTSPEC_OK;
}

static enum portspec_status helper_statement(struct parser *p, struct portspec_service *svc)
{
	const struct token *kw = &p->toks[0];
	if (p->set_helper)
		return fail(p, PORTSPEC_E_PARSE, kw->column,
			    "'helper' is already set at line %u; keep one", p->set_helper);
	enum portspec_status st = expect_name(p, 1, "a helper name (ftp or tftp)");
	if (st)
		return st;
	bool known = false;
	for (size_t i = 0; known_helpers[i]; i++)
		known |= strcmp(known_helpers[i], p->toks[1].text) == 0;
	if (!known)
		return fail(p, PORTSPEC_E_UNKNOWN, p->toks[1].column,
			    "unknown helper '%s'; the helpers are ftp and tftp", p->toks[1].text);
	st = expect_end(p, 2);
	if (st)
		return st;
	if (!(svc->helper = keep(p, &p->toks[1])))
		return PORTSPEC_E_NOMEM;
	p->set_helper = p->line;
	return PORTSPEC_OK;
}

/* icmp|icmpv6 TYPE|FIRST-LAST ...: ICMP (IPv4) or ICMPv6 message types, 1 to 255 */
static enum portspec_status icmp_statement(struct parser *p, struct portspec_service *svc,
					   enum portspec_protocol proto)
{
	size_t before = svc->nports;
	enum portspec_status st = ports_statement(p, svc, proto);
	for (size_t i = before; !st && i < svc->nports; i++)
		if (p->port_at[i].r.last > PS_MAX_ICMP_TYPE)
			return fail(p, PORTSPEC_E_PARSE, p->port_at[i].column,
				    "ICMP type '%s' is out of range; %s types are 1 to 255 "
				    "(8 and 128: echo request)", p->port_at[i].text, p->toks[0].text);
	return st;
}

/* either-note ZONE "TEXT": the caution for serving the service (marked '*' in
 * flows) from ZONE without its other zones */
static enum portspec_status either_note_statement(struct parser *p, struct portspec_service *svc)
{
	enum portspec_status st = expect_name(p, 1, "a zone name");
	if (st)
		return st;
	size_t z = ps_spec_zone_index(p->spec, p->toks[1].text);
	if (z == SIZE_MAX)
		return fail(p, PORTSPEC_E_UNKNOWN, p->toks[1].column,
			    "unknown zone '%.64s'; declare it with a zone statement first",
			    p->toks[1].text);
	if (!svc->either_notes) {
		svc->either_notes = ps_arena_alloc(&p->spec->arena, PS_MAX_ZONES * sizeof(char *));
		if (!svc->either_notes)
			return nomem(p);
		for (size_t k = 0; k < PS_MAX_ZONES; k++)
			svc->either_notes[k] = NULL;
	}
	if (svc->either_notes[z])
		return fail(p, PORTSPEC_E_PARSE, p->toks[0].column,
			    "service '%s' has an either-note for zone %s already; keep one", svc->name,
			    p->toks[1].text);
	if (p->ntoks < 3 || p->toks[2].kind != TOK_STRING)
		return fail(p, PORTSPEC_E_PARSE, p->ntoks < 3 ? p->toks[1].column : p->toks[2].column,
			    "expected a quoted string after the zone, as in either-note %s \"...\"",
			    p->toks[1].text);
	st = expect_end(p, 3);
	if (st)
		return st;
	if (!(svc->either_notes[z] = keep(p, &p->toks[2])))
		return PORTSPEC_E_NOMEM;
	return PORTSPEC_OK;
}

static enum portspec_status service_line(struct parser *p)
{
	struct portspec_service *svc = &p->spec->services[p->current];
	const struct token *kw = &p->toks[0];
	if (kw->kind == TOK_RBRACE)
		return close_service(p, svc);
	if (kw->kind != TOK_WORD)
		return fail(p, PORTSPEC_E_PARSE, kw->column,
			    "expected a service attribute (title, description, note, level, tcp, "
			    "udp, icmp, icmpv6, helper, either-note) or '}', found '%.64s'", kw->text);
	if (IS(kw, "title"))
		return string_statement(p, &svc->title, &p->set_title);
	if (IS(kw, "description"))
		return string_statement(p, &svc->description, &p->set_desc);
	if (IS(kw, "note"))
		return string_statement(p, &svc->note, &p->set_note);
	if (IS(kw, "tcp"))
		return ports_statement(p, svc, PORTSPEC_TCP);
	if (IS(kw, "udp"))
		return ports_statement(p, svc, PORTSPEC_UDP);
	if (IS(kw, "icmp"))
		return icmp_statement(p, svc, PORTSPEC_ICMP);
	if (IS(kw, "icmpv6"))
		return icmp_statement(p, svc, PORTSPEC_ICMPV6);
	if (IS(kw, "either-note"))
		return either_note_statement(p, svc);
	if (IS(kw, "level"))
		return level_statement(p, svc);
	if (IS(kw, "helper"))
		return helper_statement(p, svc);
	return fail(p, PORTSPEC_E_PARSE, kw->column,
		    "unknown service attribute '%.64s'; expected title, description, note, level, "
		    "tcp, udp, icmp, icmpv6, helper, either-note or '}'", kw->text);
}

/*
 * A site profile sets a zone's addresses by its name (ZONE=, ZONE-interface=) and the
 * zones an "either zone" service is served from by the service's name (dns=), beside
 * its own keys (portspec-profile(5)): such a name must not be one of those keys, end in
 * the interface key's suffix, or (for a service) be a zone's name.  @t is the name;
 * @svc_line the service's declaration line, 0 for a zone.
 */
static enum portspec_status key_clash(struct parser *p, const struct token *t, const char *name,
				      unsigned svc_line)
{
	const char *what = svc_line ? "service" : "zone";
	const char *why = svc_line ? ", marked '*' here," : "";
	if (ps_profile_fixed_key(name))
		return fail(p, PORTSPEC_E_PARSE, t->column,
			    "%s name '%s'%s is a profile key, so a profile could not set the %s by "
			    "name; rename the %s", what, name, why, what, what);
	size_t n = strlen(name), suffix = sizeof(PS_INTERFACE_KEY_SUFFIX) - 1;
	if (n >= suffix && strcmp(name + n - suffix, PS_INTERFACE_KEY_SUFFIX) == 0)
		return fail(p, PORTSPEC_E_PARSE, t->column,
			    "%s name '%s'%s ends in '%s', which profiles use for a zone's interface "
			    "key (ZONE%s); rename the %s", what, name, why, PS_INTERFACE_KEY_SUFFIX,
			    PS_INTERFACE_KEY_SUFFIX, what);
	if (svc_line && ps_spec_zone_index(p->spec, name) != SIZE_MAX)
		return fail(p, PORTSPEC_E_PARSE, t->column,
			    "service '%s' (line %u), marked '*' here, has the name of a zone, so a "
			    "profile could not set where it is served; rename one", name, svc_line);
	return PORTSPEC_OK;
}

static enum portspec_status service_statement(struct parser *p)
{
	enum portspec_status st = expect_name(p, 1, "a service name");
	if (st)
		return st;
	if (p->ntoks < 3 || p->toks[2].kind != TOK_LBRACE)
		return fail(p, PORTSPEC_E_PARSE,
			    p->ntoks < 3 ? p->toks[1].column : p->toks[2].column,
			    "expected '{' after 'service %s' on the same line", p->toks[1].text);
	st = expect_end(p, 3);
	if (st)
		return st;
	struct portspec_spec *spec = p->spec;
	size_t hash = ps_map_hash(p->toks[1].text);
	size_t prev = ps_map_get(&spec->service_index, p->toks[1].text, hash);
	if (prev != SIZE_MAX)
		return fail(p, PORTSPEC_E_PARSE, p->toks[1].column,
			    "service '%s' is already declared at line %u; rename one",
			    p->toks[1].text, spec->services[prev].line);
	if (spec->nservices >= PS_MAX_SERVICES)
		return fail(p, PORTSPEC_E_LIMIT, p->toks[1].column,
			    "more than %u services", PS_MAX_SERVICES);
	/* Grow by doubling: big specs declare many services. */
	size_t n = spec->nservices;
	if (n == 0 || (n & (n - 1)) == 0) {
		struct portspec_service *s = ps_reallocarray(spec->services, n ? n * 2 : 1, sizeof(*s));
		if (!s)
			return nomem(p);
		spec->services = s;
	}
	struct portspec_service *svc = &spec->services[n];
	memset(svc, 0, sizeof(*svc));
	if (!(svc->name = keep(p, &p->toks[1])))
		return PORTSPEC_E_NOMEM;
	svc->line = p->line;
	spec->nservices++;
	if (!ps_map_put(&spec->service_index, svc->name, hash, n))
		return nomem(p);
	p->current = n;
	p->block_line = p->line;
	p->set_title = p->set_desc = p->set_note = p->set_level = p->set_helper = 0;
	return PORTSPEC_OK;
}

/* Grows an array of `*n` elements of `size` bytes by one; false when out of memory. */
static bool grow_one(struct parser *p, void **array, size_t n, size_t size)
{
	void *a = ps_reallocarray(*array, n + 1, size);
	if (!a) {
		nomem(p);
		return false;
	}
	*array = a;
	return true;
}

/* The title a statement may end with, the quoted string at token i; *title
 * stays NULL without one.  `what` names the statement's object. */
static enum portspec_status optional_title(struct parser *p, size_t i, const char *what,
					   const struct token **title)
{
	if (p->ntoks <= i)
		return PORTSPEC_OK;
	if (p->toks[i].kind != TOK_STRING)
		return fail(p, PORTSPEC_E_PARSE, p->toks[i].column,
			    "expected the %s's title as a quoted string", what);
	enum portspec_status st = expect_end(p, i + 1);
	if (!st)
		*title = &p->toks[i];
	return st;
}

static enum portspec_status zone_statement(struct parser *p)
{
	enum portspec_status st = expect_name(p, 1, "a zone name");
	if (st)
		return st;
	struct portspec_spec *spec = p->spec;
	if (ps_spec_zone_index(spec, p->toks[1].text) != SIZE_MAX)
		return fail(p, PORTSPEC_E_PARSE, p->toks[1].column,
			    "zone '%s' is already declared; rename one", p->toks[1].text);
	st = key_clash(p, &p->toks[1], p->toks[1].text, 0);
	if (st)
		return st;
	if (spec->nzones >= PS_MAX_ZONES)
		return fail(p, PORTSPEC_E_LIMIT, p->toks[1].column, "more than %u zones",
			    PS_MAX_ZONES);
	static const char *const kinds = "networks, complement or peers";
	if (p->ntoks < 3 || p->toks[2].kind != TOK_WORD)
		return fail(p, PORTSPEC_E_PARSE, p->ntoks < 3 ? p->toks[1].column : p->toks[2].column,
			    "expected the zone's kind after its name: %s", kinds);
	enum portspec_zone_kind kind = 0;
	for (unsigned k = PORTSPEC_ZONE_NETWORKS; k <= PORTSPEC_ZONE_PEERS; k++)
		if (strcmp(p->toks[2].text, portspec_zone_kind_name((enum portspec_zone_kind)k)) == 0)
			kind = (enum portspec_zone_kind)k;
	if (!kind)
		return fail(p, PORTSPEC_E_PARSE, p->toks[2].column,
			    "unknown zone kind '%.64s'; expected %s", p->toks[2].text, kinds);
	if (kind == PORTSPEC_ZONE_COMPLEMENT)
		for (size_t i = 0; i < spec->nzones; i++)
			if (spec->zones[i].kind == PORTSPEC_ZONE_COMPLEMENT)
				return fail(p, PORTSPEC_E_PARSE, p->toks[2].column,
					    "zone '%s' is already the complement zone; a spec has "
					    "at most one", spec->zones[i].name);
	const struct token *title = NULL;
	st = optional_title(p, 3, "zone", &title);
	if (st)
		return st;
	struct portspec_zone z = {.kind = kind, .index = spec->nzones};
	if (!(z.name = keep(p, &p->toks[1])) || (title && !(z.title = keep(p, title))) ||
	    !grow_one(p, (void **)&spec->zones, spec->nzones, sizeof(z)))
		return PORTSPEC_E_NOMEM;
	spec->zones[spec->nzones++] = z;
	return PORTSPEC_OK;
}

static size_t iface_index(const struct portspec_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->nifaces; i++)
		if (strcmp(spec->ifaces[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

static enum portspec_status interface_statement(struct parser *p)
{
	enum portspec_status st = expect_name(p, 1, "an interface name");
	if (st)
		return st;
	struct portspec_spec *spec = p->spec;
	if (iface_index(spec, p->toks[1].text) != SIZE_MAX)
		return fail(p, PORTSPEC_E_PARSE, p->toks[1].column,
			    "interface '%s' is already declared", p->toks[1].text);
	if (spec->nifaces >= PS_MAX_INTERFACES)
		return fail(p, PORTSPEC_E_LIMIT, p->toks[1].column, "more than %u interfaces",
			    PS_MAX_INTERFACES);
	const struct token *title = NULL;
	st = optional_title(p, 2, "interface", &title);
	if (st)
		return st;
	struct portspec_interface f = {0};
	if (!(f.name = keep(p, &p->toks[1])) || (title && !(f.title = keep(p, title))) ||
	    !grow_one(p, (void **)&spec->ifaces, spec->nifaces, sizeof(f)))
		return PORTSPEC_E_NOMEM;
	spec->ifaces[spec->nifaces++] = f;
	return PORTSPEC_OK;
}

static const char *zone_list(const struct portspec_spec *spec, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < spec->nzones && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "",
					spec->zones[i].name);
	return spec->nzones ? buf : "none; declare one with 'zone NAME KIND'";
}

/* role ROLE[,ROLE]: the mask of the roles named, split at commas like strtok. */
static enum portspec_status flow_roles(struct parser *p, const struct token *r, unsigned *roles)
{
	*roles = 0;
	const char *s = r->text, *end = s + r->len;
	for (;;) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		size_t n = (size_t)((comma ? comma : end) - s);
		if (n) {
			/* A longer word is no role (the longest is "standalone"); the
			 * message shows 32 bytes of it. */
			char w[40];
			size_t k = n < sizeof(w) - 1 ? n : sizeof(w) - 1;
			memcpy(w, s, k);
			w[k] = '\0';
			enum portspec_role role = portspec_role_from_name(w);
			if (!role)
				return fail(p, PORTSPEC_E_PARSE, r->column,
					    "unknown role '%.32s'; the roles are central, member "
					    "and standalone", w);
			*roles |= (unsigned)role;
		}
		if (!comma)
			break;
		s = comma + 1;
	}
	if (!*roles)
		return fail(p, PORTSPEC_E_PARSE, r->column, "expected roles after 'role'");
	return PORTSPEC_OK;
}

/* The services of a flow statement, from token i on; the tokens are changed. */
static enum portspec_status flow_services(struct parser *p, size_t i, struct ps_spec_flow *flow)
{
	struct portspec_spec *spec = p->spec;
	size_t n = p->ntoks - i;
	if (p->nflow_mark < spec->nservices) {
		size_t *m = ps_reallocarray(p->flow_mark, spec->nservices, sizeof(*m));
		if (!m)
			return nomem(p);
		memset(m + p->nflow_mark, 0, (spec->nservices - p->nflow_mark) * sizeof(*m));
		p->flow_mark = m;
		p->nflow_mark = spec->nservices;
	}
	p->flow_serial++;
	flow->services = ps_arena_alloc(&spec->arena, n * sizeof(*flow->services));
	if (!flow->services)
		return nomem(p);
	for (; i < p->ntoks; i++) {
		const struct token *t = &p->toks[i];
		char *name = t->text;
		size_t len = t->len;
		bool either = len > 1 && name[len - 1] == '*';
		if (either)
			name[--len] = '\0';
		if (t->kind != TOK_WORD || !valid_name(name, len)) {
			if (either)
				name[len] = '*';
			return fail(p, PORTSPEC_E_PARSE, t->column,
				    "expected a service name, optionally with '*', found '%.64s'",
				    t->text);
		}
		size_t svc = ps_map_get(&spec->service_index, name, ps_map_hash(name));
		if (svc == SIZE_MAX)
			return fail(p, PORTSPEC_E_UNKNOWN, t->column,
				    "unknown service '%s'; declare it with 'service %s { ... }' before "
				    "this flow", name, name);
		if (p->flow_mark[svc] == p->flow_serial)
			return fail(p, PORTSPEC_E_PARSE, t->column,
				    "service '%s' is listed twice in this flow", name);
		if (either) {
			enum portspec_status st = key_clash(p, t, name, spec->services[svc].line);
			if (st)
				return st;
		}
		p->flow_mark[svc] = p->flow_serial;
		flow->services[flow->nservices++] = (struct ps_flow_service){svc, either};
	}
	return PORTSPEC_OK;
}

/* flow DIRECTION ZONE ...: the flow with its direction and zone, in *flow. */
static enum portspec_status flow_head(struct parser *p, struct ps_spec_flow *flow)
{
	struct portspec_spec *spec = p->spec;
	const struct token *t = p->ntoks > 1 ? &p->toks[1] : &p->toks[0];
	enum portspec_direction dir = p->ntoks > 1 && t->kind == TOK_WORD
					      ? portspec_direction_from_name(t->text) : 0;
	if (!dir)
		return fail(p, PORTSPEC_E_PARSE, t->column,
			    "expected inbound or outbound after 'flow'");
	enum portspec_status st = expect_name(p, 2, "a zone name");
	if (st)
		return st;
	size_t zone = ps_spec_zone_index(spec, p->toks[2].text);
	if (zone == SIZE_MAX) {
		char zl[PS_NAMES_TEXT];
		return fail(p, PORTSPEC_E_UNKNOWN, p->toks[2].column,
			    "unknown zone '%s'; the zones declared so far are: %s", p->toks[2].text,
			    zone_list(spec, zl, sizeof(zl)));
	}
	if (spec->nflows >= PS_MAX_FLOW_STATEMENTS)
		return fail(p, PORTSPEC_E_LIMIT, p->toks[0].column, "more than %u flow statements",
			    PS_MAX_FLOW_STATEMENTS);
	*flow = (struct ps_spec_flow){
		.direction = dir, .zone = zone, .iface = SIZE_MAX, .roles = PORTSPEC_ROLE_ANY,
		.line = p->line};
	return PORTSPEC_OK;
}

/* interface NAME, at token i of a flow statement */
static enum portspec_status flow_interface(struct parser *p, size_t i, struct ps_spec_flow *flow)
{
	enum portspec_status st = expect_name(p, i + 1, "an interface name");
	if (st)
		return st;
	const struct token *name = &p->toks[i + 1];
	flow->iface = iface_index(p->spec, name->text);
	if (flow->iface == SIZE_MAX)
		return fail(p, PORTSPEC_E_UNKNOWN, name->column,
			    "unknown interface '%s'; declare it first with 'interface %s'",
			    name->text, name->text);
	return PORTSPEC_OK;
}

/* role ROLE[,ROLE], at token i of a flow statement */
static enum portspec_status flow_role(struct parser *p, size_t i, struct ps_spec_flow *flow)
{
	if (i + 1 >= p->ntoks || p->toks[i + 1].kind != TOK_WORD)
		return fail(p, PORTSPEC_E_PARSE, p->toks[i].column,
			    "expected roles after 'role': central, member, standalone, separated "
			    "by commas");
	return flow_roles(p, &p->toks[i + 1], &flow->roles);
}

/*
 * The options of a flow statement from token 3 on, each at most once:
 * interface NAME, role ROLES; then 'services'.  *i ends after 'services'.
 */
static enum portspec_status flow_options(struct parser *p, size_t *i, struct ps_spec_flow *flow)
{
	bool seen_iface = false, seen_role = false;
	for (*i = 3;; *i += 2) {
		if (*i >= p->ntoks)
			return fail(p, PORTSPEC_E_PARSE, p->toks[p->ntoks - 1].column,
				    "expected 'services' and the flow's services, as in "
				    "'services smtp dns*'");
		const struct token *t = &p->toks[*i];
		enum portspec_status st;
		if (t->kind == TOK_WORD && IS(t, "services"))
			break;
		if (t->kind == TOK_WORD && IS(t, "interface") && !seen_iface) {
			st = flow_interface(p, *i, flow);
			seen_iface = true;
		} else if (t->kind == TOK_WORD && IS(t, "role") && !seen_role) {
			st = flow_role(p, *i, flow);
			seen_role = true;
		} else {
			return fail(p, PORTSPEC_E_PARSE, t->column,
				    "unexpected '%.64s' in flow; expected interface NAME, role "
				    "ROLES or services", t->text);
		}
		if (st)
			return st;
	}
	++*i;
	if (*i >= p->ntoks)
		return fail(p, PORTSPEC_E_PARSE, p->toks[*i - 1].column,
			    "expected at least one service after 'services'");
	return PORTSPEC_OK;
}

/* Adds the flow to the spec, and its either-zone marks to its services. */
static enum portspec_status add_flow(struct parser *p, const struct ps_spec_flow *flow)
{
	struct portspec_spec *spec = p->spec;
	/* Grow by doubling: a spec may have up to PS_MAX_FLOW_STATEMENTS. */
	if (spec->nflows == p->capflows) {
		size_t cap = p->capflows ? p->capflows * 2 : FIRST_FLOWS;
		struct ps_spec_flow *fl = ps_reallocarray(spec->flows, cap, sizeof(*fl));
		if (!fl)
			return nomem(p);
		spec->flows = fl;
		p->capflows = cap;
	}
	spec->flows[spec->nflows++] = *flow;
	for (size_t k = 0; k < flow->nservices; k++)
		if (flow->services[k].either)
			spec->services[flow->services[k].service].either_zones |= 1u << flow->zone;
	return PORTSPEC_OK;
}

/* flow DIRECTION ZONE [interface NAME] [role ROLE[,ROLE]] services SVC[*]... */
static enum portspec_status flow_statement(struct parser *p)
{
	struct ps_spec_flow flow;
	size_t i = 0;
	enum portspec_status st = flow_head(p, &flow);
	if (!st)
		st = flow_options(p, &i, &flow);
	if (!st)
		st = flow_services(p, i, &flow);
	return st ? st : add_flow(p, &flow);
}

static enum portspec_status version_statement(struct parser *p)
{
	const struct token *kw = &p->toks[0];
	if (!IS(kw, "portspec"))
		return fail(p, PORTSPEC_E_PARSE, kw->column,
			    "expected 'portspec 1' as the first statement, found '%.64s'", kw->text);
	if (p->ntoks < 2 || p->toks[1].kind != TOK_WORD)
		return fail(p, PORTSPEC_E_PARSE, kw->column,
			    "expected the format version after 'portspec': portspec 1");
	if (!IS(&p->toks[1], "1"))
		return fail(p, PORTSPEC_E_PARSE, p->toks[1].column,
			    "unsupported format version '%.32s'; this library reads version 1",
			    p->toks[1].text);
	p->seen_version = true;
	return expect_end(p, 2);
}

static enum portspec_status statement(struct parser *p)
{
	const struct token *kw = &p->toks[0];
	if (p->current != SIZE_MAX)
		return service_line(p);
	if (kw->kind != TOK_WORD)
		return fail(p, PORTSPEC_E_PARSE, kw->column,
			    "unexpected '%.64s' outside a service block", kw->text);
	if (!p->seen_version)
		return version_statement(p);
	if (IS(kw, "portspec"))
		return fail(p, PORTSPEC_E_PARSE, kw->column,
			    "'portspec' may appear once, as the first statement");
	if (IS(kw, "name"))
		return string_statement(p, &p->spec->name, NULL);
	if (IS(kw, "version"))
		return string_statement(p, &p->spec->version, NULL);
	if (IS(kw, "source"))
		return string_statement(p, &p->spec->source, NULL);
	if (IS(kw, "either-note"))
		return string_statement(p, &p->spec->either_note, NULL);
	if (IS(kw, "zone"))
		return zone_statement(p);
	if (IS(kw, "interface"))
		return interface_statement(p);
	if (IS(kw, "service"))
		return service_statement(p);
	if (IS(kw, "flow"))
		return flow_statement(p);
	return fail(p, PORTSPEC_E_PARSE, kw->column,
		    "unknown statement '%.64s'; expected name, version, source, either-note, zone, "
		    "interface, service or flow", kw->text);
}

/*
 * Parses the lines of text[0, len) that end in '\n', and with `last` the
 * line after the last '\n' too; *used is what was parsed.  A line that does
 * not end in this piece is left for the next, unless it is too long already.
 */
static enum portspec_status parse_lines(struct parser *p, const char *text, size_t len,
					bool last, size_t *used)
{
	size_t pos = 0;
	enum portspec_status st = PORTSPEC_OK;
	while (pos < len && !st) {
		bool more = false, odd = false;
		size_t n = next_line(p, text + pos, len - pos, &more, &odd);
		if (!more && !last && n <= PS_MAX_LINE)
			break;
		pos += n + more;
		p->line++;
		if (n > PS_MAX_LINE) {
			st = fail(p, PORTSPEC_E_LIMIT, PS_MAX_LINE + 1,
				  "line longer than %u bytes; split the statement", PS_MAX_LINE);
			break;
		}
		/* The copy is padded with '\n': it ends every scan of the line, and
		 * eight-byte reads past the line's end read no other line. */
		memset(p->linebuf + n, '\n', LINE_PAD);
		st = odd ? check_bytes(p, p->linebuf, n) : PORTSPEC_OK;
		if (!st)
			st = tokenize(p, n);
		if (!st && p->ntoks)
			st = statement(p);
	}
	*used = pos;
	return st;
}

/* After the last line: what the end of the file leaves unfinished. */
static enum portspec_status parse_end(struct parser *p)
{
	p->line++;
	if (p->current != SIZE_MAX)
		return fail(p, PORTSPEC_E_PARSE, 1,
			    "end of file inside service '%s' opened at line %u; add '}'",
			    p->spec->services[p->current].name, p->block_line);
	if (!p->seen_version)
		return fail(p, PORTSPEC_E_PARSE, 1, "empty spec; start it with 'portspec 1'");
	if (p->spec->nservices == 0)
		return fail(p, PORTSPEC_E_PARSE, 1,
			    "the spec declares no services; add 'service NAME { ... }'");
	return PORTSPEC_OK;
}

/* A parser with an empty spec, for lines of at most `longest` bytes. */
static enum portspec_status parser_begin(struct parser *p, const char *filename, size_t longest,
					 struct portspec_error *err)
{
	*p = (struct parser){.file = filename, .err = err, .current = SIZE_MAX, .braces = "{\0}"};
	p->spec = ps_calloc(1, sizeof(*p->spec));
	if (!p->spec)
		return ps_error_set(err, PORTSPEC_E_NOMEM, filename, 0, 0, "out of memory");
	atomic_init(&p->spec->refs, 1);
	p->spec->filename = ps_arena_strndup(&p->spec->arena, filename, strlen(filename));
	/* Room for the longest line there can be, the WORD next_line may copy
	 * after it, and the padding. */
	p->linebuf = ps_malloc(longest + WORD + LINE_PAD);
	if (!p->spec->filename || !p->linebuf)
		return nomem(p);
	return PORTSPEC_OK;
}

/* Hands the spec to *out if st is PORTSPEC_OK, frees it otherwise; returns st. */
static enum portspec_status parser_finish(struct parser *p, enum portspec_status st,
					  struct portspec_spec **out)
{
	ps_free(p->toks);
	ps_free(p->linebuf);
	ps_free(p->port_at);
	ps_free(p->flow_mark);
	if (st)
		portspec_spec_free(p->spec);
	else
		*out = p->spec;
	return st;
}

PORTSPEC_EXPORT enum portspec_status portspec_spec_parse(const char *text, size_t len,
							 const char *filename,
							 struct portspec_spec **out,
							 struct portspec_error *err)
{
	ps_error_clear(err);
	if (!filename)
		filename = "<string>";
	if (!out || (!text && len))
		return ps_error_set(err, PORTSPEC_E_INVALID, filename, 0, 0,
				    "no text or no output pointer given");
	struct parser p;
	size_t used;
	enum portspec_status st =
		parser_begin(&p, filename, len < PS_MAX_LINE ? len : PS_MAX_LINE, err);
	if (!st && len > PS_MAX_FILE_SIZE)
		st = ps_error_set(err, PORTSPEC_E_LIMIT, filename, 0, 0,
				  "spec is larger than %u bytes", PS_MAX_FILE_SIZE);
	if (!st)
		st = parse_lines(&p, text ? text : "", len, true, &used);
	if (!st)
		st = parse_end(&p);
	return parser_finish(&p, st, out);
}

/* A file is read in pieces of this size, each parsed before the next is read. */
#define LOAD_PIECE (256u * 1024u)

/*
 * Reads and parses the file piece by piece: a big spec never sits in memory
 * whole.  The outcome is the one of reading it all first: a read error, then
 * a file over the size limit, win over a syntax error found before them, so
 * after an error the rest is still read, not parsed.
 */
static enum portspec_status load_pieces(struct parser *p, FILE *fp, size_t piece)
{
	/* a piece, and the start of a line carried over from the one before */
	size_t cap = piece + PS_MAX_LINE;
	char *buf = ps_malloc(cap);
	if (!buf)
		return ps_error_set(p->err, PORTSPEC_E_NOMEM, p->file, 0, 0, "out of memory");
	size_t have = 0, total = 0;
	enum portspec_status st = PORTSPEC_OK;
	for (;;) {
		size_t r = fread(buf + have, 1, cap - have, fp);
		bool end = r < cap - have;
		have += r;
		total += r;
		if (total > PS_MAX_FILE_SIZE)
			break;
		size_t used = have;
		if (!st)
			st = parse_lines(p, buf, have, end, &used);
		memmove(buf, buf + used, have - used);
		have -= used;
		if (end)
			break;
	}
	ps_free(buf);
	if (ferror(fp))
		return ps_error_set(p->err, PORTSPEC_E_IO, p->file, 0, 0, "read error");
	if (total > PS_MAX_FILE_SIZE)
		return ps_error_set(p->err, PORTSPEC_E_LIMIT, p->file, 0, 0,
				    "spec is larger than %u bytes", PS_MAX_FILE_SIZE);
	return st ? st : parse_end(p);
}

enum portspec_status ps_spec_read(FILE *fp, const char *filename, size_t piece,
				  struct portspec_spec **out, struct portspec_error *err)
{
	struct parser p;
	enum portspec_status st = parser_begin(&p, filename, PS_MAX_LINE, err);
	if (!st)
		st = load_pieces(&p, fp, piece ? piece : 1);
	return parser_finish(&p, st, out);
}

PORTSPEC_EXPORT enum portspec_status portspec_spec_load(const char *path,
							struct portspec_spec **out,
							struct portspec_error *err)
{
	ps_error_clear(err);
	if (!path || !out)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no path given");
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return ps_error_set(err, PORTSPEC_E_IO, path, 0, 0, "cannot open: %s",
				    strerror(errno));
	enum portspec_status st = ps_spec_read(fp, path, LOAD_PIECE, out, err);
	fclose(fp);
	return st;
}
