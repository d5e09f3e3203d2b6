/* SPDX-License-Identifier: MIT */
/*
 * The spec format, portspec(5): one statement a line, `#` comments, quoted
 * strings with \" \\ \n \t escapes, and `service NAME { ... }` blocks.
 * Every error names file:line:column, what was expected and how to fix it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

enum tok_kind { TOK_WORD, TOK_STRING, TOK_LBRACE, TOK_RBRACE };

struct token {
	enum tok_kind kind;
	unsigned column;
	char *text; /* owned: unescaped contents for strings */
};

struct parser {
	const char *file;
	unsigned line;
	struct portspec_error *err;
	struct portspec_spec *spec;
	struct token *toks;
	size_t ntoks;
	size_t captoks;
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
	/* where each port range of the current service was written, so that
	 * overlaps found after sorting point at the later of the two */
	struct port_at *port_at;
	size_t port_at_cap;
};

struct port_at {
	struct ps_portrange r;
	unsigned line, column;
	size_t order;
	char text[24];
};

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

static void clear_tokens(struct parser *p)
{
	for (size_t i = 0; i < p->ntoks; i++)
		ps_free(p->toks[i].text);
	p->ntoks = 0;
}

static enum portspec_status push_token(struct parser *p, enum tok_kind kind, unsigned column,
				       const char *text, size_t len)
{
	if (p->ntoks == p->captoks) {
		size_t cap = p->captoks ? p->captoks * 2 : 16;
		struct token *t = ps_reallocarray(p->toks, cap, sizeof(*t));
		if (!t)
			return nomem(p);
		p->toks = t;
		p->captoks = cap;
	}
	char *copy = ps_strndup(text, len);
	if (!copy)
		return nomem(p);
	p->toks[p->ntoks++] = (struct token){.kind = kind, .column = column, .text = copy};
	return PORTSPEC_OK;
}

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

/* Splits one line into tokens. */
static enum portspec_status tokenize(struct parser *p, const char *line, size_t len)
{
	struct ps_buf s;
	ps_buf_init(&s);
	size_t i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)line[i];
		unsigned column = (unsigned)i + 1;
		if (c == ' ' || c == '\t' || c == '\r') {
			if (c == '\r' && i + 1 != len)
				return fail(p, PORTSPEC_E_PARSE, column,
					    "stray carriage return; save the file with LF or CRLF line ends");
			i++;
			continue;
		}
		if (c == '#')
			break;
		if (c == '{' || c == '}') {
			enum portspec_status st = push_token(p, c == '{' ? TOK_LBRACE : TOK_RBRACE,
							     column, line + i, 1);
			if (st)
				return st;
			i++;
			continue;
		}
		if (c == '"') {
			ps_buf_release(&s);
			ps_buf_add(&s, "", 0);
			i++;
			for (;;) {
				if (i >= len) {
					ps_buf_release(&s);
					return fail(p, PORTSPEC_E_PARSE, column,
						    "unterminated string; add the closing '\"' on this line "
						    "(write a line break as \\n)");
				}
				unsigned char d = (unsigned char)line[i];
				if (d == '"')
					break;
				if (d == '\\') {
					char e = i + 1 < len ? line[i + 1] : '\0';
					const char *rep = e == '"' ? "\"" : e == '\\' ? "\\"
						: e == 'n' ? "\n" : e == 't' ? "\t" : NULL;
					if (!rep) {
						ps_buf_release(&s);
						return fail(p, PORTSPEC_E_PARSE, (unsigned)i + 1,
							    "unknown escape '\\%c' in string; the escapes are "
							    "\\\" \\\\ \\n and \\t",
							    e >= 0x20 && e < 0x7f ? e : '?');
					}
					ps_buf_puts(&s, rep);
					i += 2;
				} else if (d < 0x20 || d == 0x7f) {
					ps_buf_release(&s);
					return fail(p, PORTSPEC_E_PARSE, (unsigned)i + 1,
						    "control character 0x%02x in string; write a tab as \\t "
						    "and a line break as \\n", d);
				} else if (d == 0xc2 && i + 1 < len &&
					   (unsigned char)line[i + 1] >= 0x80 &&
					   (unsigned char)line[i + 1] < 0xa0) {
					/* C1 controls (U+0080-U+009F) include the 8-bit CSI of terminals. */
					ps_buf_release(&s);
					return fail(p, PORTSPEC_E_PARSE, (unsigned)i + 1,
						    "control character U+%04X in string; remove it",
						    (unsigned char)line[i + 1]);
				} else {
					ps_buf_putc(&s, (char)d);
					i++;
				}
				if (s.len > PS_MAX_STRING) {
					ps_buf_release(&s);
					return fail(p, PORTSPEC_E_LIMIT, column,
						    "string longer than %u bytes; shorten it",
						    PS_MAX_STRING);
				}
			}
			i++; /* closing quote */
			if (s.failed) {
				ps_buf_release(&s);
				return nomem(p);
			}
			enum portspec_status st = push_token(p, TOK_STRING, column, s.data, s.len);
			ps_buf_release(&s);
			if (st)
				return st;
			continue;
		}
		size_t start = i;
		while (i < len) {
			unsigned char d = (unsigned char)line[i];
			if (d == ' ' || d == '\t' || d == '\r' || d == '"' || d == '#' || d == '{' ||
			    d == '}')
				break;
			if (d < 0x20 || d == 0x7f)
				return fail(p, PORTSPEC_E_PARSE, (unsigned)i + 1,
					    "control character 0x%02x; remove it", d);
			i++;
		}
		enum portspec_status st = push_token(p, TOK_WORD, column, line + start, i - start);
		if (st)
			return st;
	}
	ps_buf_release(&s);
	return PORTSPEC_OK;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > PS_MAX_NAME)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

static enum portspec_status expect_name(struct parser *p, size_t i, const char *what)
{
	if (i >= p->ntoks)
		return fail(p, PORTSPEC_E_PARSE, p->ntoks ? p->toks[p->ntoks - 1].column : 1,
			    "expected %s after this", what);
	const struct token *t = &p->toks[i];
	if (t->kind != TOK_WORD || !valid_name(t->text))
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
	*slot = p->toks[1].text;
	p->toks[1].text = NULL;
	if (seen)
		*seen = p->line;
	return PORTSPEC_OK;
}

static enum portspec_status parse_port(struct parser *p, const struct token *t,
				       const char *s, const char *end, unsigned long *out)
{
	if (s == end)
		return fail(p, PORTSPEC_E_PARSE, t->column,
			    "expected a port number or range such as 443 or 1024-2048, found '%.64s'",
			    t->text);
	for (const char *c = s; c < end; c++)
		if (*c < '0' || *c > '9')
			return fail(p, PORTSPEC_E_PARSE, t->column,
				    "expected a port number or range such as 443 or 1024-2048, "
				    "found '%.64s'", t->text);
	unsigned long v = 0;
	for (const char *c = s; c < end && v <= 65535; c++)
		v = v * 10 + (unsigned long)(*c - '0');
	if (v < 1 || v > 65535)
		return fail(p, PORTSPEC_E_PARSE, t->column,
			    "port '%.*s' is out of range; ports are 1 to 65535",
			    (int)(end - s > 20 ? 20 : end - s), s);
	*out = v;
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
		const char *s = t->text, *end = s + strlen(s);
		const char *dash = strchr(s, '-');
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
		if (svc->nports >= PS_MAX_PORTS_PER_SERVICE)
			return fail(p, PORTSPEC_E_LIMIT, t->column,
				    "service '%s' has more than %u port ranges; merge ranges",
				    svc->name, PS_MAX_PORTS_PER_SERVICE);
		struct ps_portrange *r = ps_reallocarray(svc->ports, svc->nports + 1, sizeof(*r));
		if (!r)
			return nomem(p);
		svc->ports = r;
		if (svc->nports == p->port_at_cap) {
			size_t cap = p->port_at_cap ? p->port_at_cap * 2 : 16;
			struct port_at *a = ps_reallocarray(p->port_at, cap, sizeof(*a));
			if (!a)
				return nomem(p);
			p->port_at = a;
			p->port_at_cap = cap;
		}
		struct port_at *at = &p->port_at[svc->nports];
		at->r = (struct ps_portrange){
			.proto = (uint8_t)proto, .first = (uint16_t)first, .last = (uint16_t)last};
		at->line = p->line;
		at->column = t->column;
		at->order = svc->nports;
		snprintf(at->text, sizeof(at->text), "%s", t->text);
		svc->ports[svc->nports++] = at->r;
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

/*
 * Sorts the service's port ranges and rejects overlaps, in O(n log n): in
 * sorted order a range overlaps an earlier one exactly when it starts at or
 * before the furthest end so far.  The error points at whichever of the two
 * was written later.
 */
static enum portspec_status sort_ports(struct parser *p, struct portspec_service *svc)
{
	struct port_at *at = p->port_at;
	size_t n = svc->nports;
	qsort(at, n, sizeof(*at), cmp_port_at);
	size_t widest = 0;
	for (size_t i = 1; i < n; i++) {
		if (at[i].r.proto != at[widest].r.proto) {
			widest = i;
			continue;
		}
		if (at[i].r.first <= at[widest].r.last) {
			const struct port_at *later = at[i].order > at[widest].order ? &at[i] : &at[widest];
			const struct port_at *other = later == &at[i] ? &at[widest] : &at[i];
			char range[16];
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
	for (size_t i = 0; i < n; i++)
		svc->ports[i] = at[i].r;
	return PORTSPEC_OK;
}

static const char *const known_helpers[] = {"ftp", "tftp", NULL};

/*
 * The service attributes of portspec 1 beyond ports and texts:
 *   icmp TYPE|FIRST-LAST ...     ICMP (IPv4) message types, 1 to 255
 *   icmpv6 TYPE|FIRST-LAST ...   ICMPv6 message types
 *   either-note ZONE "TEXT"      the caution for serving the service (marked
 *                                '*' in flows) from ZONE without its other zones
 */
static enum portspec_status service_extension_line(struct parser *p, struct portspec_service *svc,
						   const char *k)
{
	if (strcmp(k, "icmp") == 0 || strcmp(k, "icmpv6") == 0) {
		size_t before = svc->nports;
		enum portspec_status st =
			ports_statement(p, svc, k[4] ? PORTSPEC_ICMPV6 : PORTSPEC_ICMP);
		for (size_t i = before; !st && i < svc->nports; i++)
			if (svc->ports[i].last > 255)
				return fail(p, PORTSPEC_E_PARSE, p->port_at[i].column,
					    "ICMP type '%s' is out of range; %s types are 1 to 255 "
					    "(8 and 128: echo request)", p->port_at[i].text, k);
		return st;
	}
	enum portspec_status st = expect_name(p, 1, "a zone name");
	if (st)
		return st;
	size_t z = ps_spec_zone_index(p->spec, p->toks[1].text);
	if (z == SIZE_MAX)
		return fail(p, PORTSPEC_E_UNKNOWN, p->toks[1].column,
			    "unknown zone '%.64s'; declare it with a zone statement first",
			    p->toks[1].text);
	if (!svc->either_notes && !(svc->either_notes = ps_calloc(PS_MAX_ZONES, sizeof(char *))))
		return nomem(p);
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
	svc->either_notes[z] = p->toks[2].text;
	p->toks[2].text = NULL;
	return PORTSPEC_OK;
}

/* False for any keyword but those above; else true, with the outcome in *st. */
static bool service_extension(struct parser *p, struct portspec_service *svc, const char *k,
			      enum portspec_status *st)
{
	if (strcmp(k, "icmp") != 0 && strcmp(k, "icmpv6") != 0 && strcmp(k, "either-note") != 0)
		return false;
	*st = service_extension_line(p, svc, k);
	return true;
}

static enum portspec_status service_line(struct parser *p)
{
	struct portspec_service *svc = &p->spec->services[p->current];
	const struct token *kw = &p->toks[0];
	if (kw->kind == TOK_RBRACE) {
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
	if (kw->kind != TOK_WORD)
		return fail(p, PORTSPEC_E_PARSE, kw->column,
			    "expected a service attribute (title, description, note, level, tcp, "
			    "udp, icmp, icmpv6, helper, either-note) or '}', found '%.64s'", kw->text);
	const char *k = kw->text;
	if (strcmp(k, "title") == 0)
		return string_statement(p, &svc->title, &p->set_title);
	if (strcmp(k, "description") == 0)
		return string_statement(p, &svc->description, &p->set_desc);
	if (strcmp(k, "note") == 0)
		return string_statement(p, &svc->note, &p->set_note);
	if (strcmp(k, "tcp") == 0)
		return ports_statement(p, svc, PORTSPEC_TCP);
	if (strcmp(k, "udp") == 0)
		return ports_statement(p, svc, PORTSPEC_UDP);
	enum portspec_status ext;
	if (service_extension(p, svc, k, &ext))
		return ext;
	if (strcmp(k, "level") == 0) {
		if (p->set_level)
			return fail(p, PORTSPEC_E_PARSE, kw->column,
				    "'level' is already set at line %u; keep one", p->set_level);
		enum portspec_level l =
			p->ntoks > 1 && p->toks[1].kind == TOK_WORD
				? portspec_level_from_name(p->toks[1].text) : 0;
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
	if (strcmp(k, "helper") == 0) {
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
				    "unknown helper '%s'; the helpers are ftp and tftp",
				    p->toks[1].text);
		st = expect_end(p, 2);
		if (st)
			return st;
		svc->helper = p->toks[1].text;
		p->toks[1].text = NULL;
		p->set_helper = p->line;
		return PORTSPEC_OK;
	}
	return fail(p, PORTSPEC_E_PARSE, kw->column,
		    "unknown service attribute '%.64s'; expected title, description, note, level, "
		    "tcp, udp, icmp, icmpv6, helper, either-note or '}'", k);
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
	size_t prev = ps_map_get(&spec->service_index, p->toks[1].text);
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
	svc->name = p->toks[1].text;
	p->toks[1].text = NULL;
	svc->line = p->line;
	spec->nservices++;
	if (!ps_map_put(&spec->service_index, svc->name, n))
		return nomem(p);
	p->current = n;
	p->block_line = p->line;
	p->set_title = p->set_desc = p->set_note = p->set_level = p->set_helper = 0;
	return PORTSPEC_OK;
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
	if (spec->nzones >= PS_MAX_ZONES)
		return fail(p, PORTSPEC_E_LIMIT, p->toks[1].column, "more than %u zones",
			    PS_MAX_ZONES);
	static const char *const kinds = "networks, complement or peers";
	if (p->ntoks < 3 || p->toks[2].kind != TOK_WORD)
		return fail(p, PORTSPEC_E_PARSE, p->ntoks < 3 ? p->toks[1].column : p->toks[2].column,
			    "expected the zone's kind after its name: %s", kinds);
	enum portspec_zone_kind kind = 0;
	for (unsigned k = 1; k <= 3; k++)
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
	char *title = NULL;
	if (p->ntoks > 3) {
		if (p->toks[3].kind != TOK_STRING)
			return fail(p, PORTSPEC_E_PARSE, p->toks[3].column,
				    "expected the zone's title as a quoted string");
		st = expect_end(p, 4);
		if (st)
			return st;
		title = p->toks[3].text;
	}
	struct portspec_zone *z = ps_reallocarray(spec->zones, spec->nzones + 1, sizeof(*z));
	if (!z)
		return nomem(p);
	spec->zones = z;
	z[spec->nzones] = (struct portspec_zone){
		.name = p->toks[1].text, .title = title, .kind = kind, .index = spec->nzones};
	p->toks[1].text = NULL;
	if (title)
		p->toks[3].text = NULL;
	spec->nzones++;
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
	char *title = NULL;
	if (p->ntoks > 2) {
		if (p->toks[2].kind != TOK_STRING)
			return fail(p, PORTSPEC_E_PARSE, p->toks[2].column,
				    "expected the interface's title as a quoted string");
		st = expect_end(p, 3);
		if (st)
			return st;
		title = p->toks[2].text;
	}
	struct ps_interface *f = ps_reallocarray(spec->ifaces, spec->nifaces + 1, sizeof(*f));
	if (!f)
		return nomem(p);
	spec->ifaces = f;
	f[spec->nifaces].name = p->toks[1].text;
	f[spec->nifaces].title = title;
	p->toks[1].text = NULL;
	if (title)
		p->toks[2].text = NULL;
	spec->nifaces++;
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

/* flow DIRECTION ZONE [interface NAME] [role ROLE[,ROLE]] services SVC[*]... */
static enum portspec_status flow_statement(struct parser *p)
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
		char zl[256];
		return fail(p, PORTSPEC_E_UNKNOWN, p->toks[2].column,
			    "unknown zone '%s'; the zones declared so far are: %s", p->toks[2].text,
			    zone_list(spec, zl, sizeof(zl)));
	}
	if (spec->nflows >= PS_MAX_FLOW_STATEMENTS)
		return fail(p, PORTSPEC_E_LIMIT, p->toks[0].column, "more than %u flow statements",
			    PS_MAX_FLOW_STATEMENTS);
	struct ps_spec_flow flow = {
		.direction = dir, .zone = zone, .iface = SIZE_MAX, .roles = PORTSPEC_ROLE_ANY,
		.line = p->line};
	bool seen_iface = false, seen_role = false;
	size_t i = 3;
	for (;;) {
		if (i >= p->ntoks)
			return fail(p, PORTSPEC_E_PARSE, p->toks[p->ntoks - 1].column,
				    "expected 'services' and the flow's services, as in "
				    "'services smtp dns*'");
		t = &p->toks[i];
		if (t->kind == TOK_WORD && strcmp(t->text, "services") == 0)
			break;
		if (t->kind == TOK_WORD && strcmp(t->text, "interface") == 0 && !seen_iface) {
			st = expect_name(p, i + 1, "an interface name");
			if (st)
				return st;
			flow.iface = iface_index(spec, p->toks[i + 1].text);
			if (flow.iface == SIZE_MAX)
				return fail(p, PORTSPEC_E_UNKNOWN, p->toks[i + 1].column,
					    "unknown interface '%s'; declare it first with "
					    "'interface %s'", p->toks[i + 1].text,
					    p->toks[i + 1].text);
			seen_iface = true;
			i += 2;
			continue;
		}
		if (t->kind == TOK_WORD && strcmp(t->text, "role") == 0 && !seen_role) {
			if (i + 1 >= p->ntoks || p->toks[i + 1].kind != TOK_WORD)
				return fail(p, PORTSPEC_E_PARSE, t->column,
					    "expected roles after 'role': central, member, "
					    "standalone, separated by commas");
			const struct token *r = &p->toks[i + 1];
			flow.roles = 0;
			char *save = NULL, *copy = ps_strdup(r->text);
			if (!copy)
				return nomem(p);
			for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
				enum portspec_role role = portspec_role_from_name(w);
				if (!role) {
					st = fail(p, PORTSPEC_E_PARSE, r->column,
						  "unknown role '%.32s'; the roles are central, member "
						  "and standalone", w);
					ps_free(copy);
					return st;
				}
				flow.roles |= (unsigned)role;
			}
			ps_free(copy);
			if (!flow.roles)
				return fail(p, PORTSPEC_E_PARSE, r->column,
					    "expected roles after 'role'");
			seen_role = true;
			i += 2;
			continue;
		}
		return fail(p, PORTSPEC_E_PARSE, t->column,
			    "unexpected '%.64s' in flow; expected interface NAME, role ROLES or "
			    "services", t->text);
	}
	i++;
	if (i >= p->ntoks)
		return fail(p, PORTSPEC_E_PARSE, p->toks[i - 1].column,
			    "expected at least one service after 'services'");
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
	flow.services = ps_calloc(n, sizeof(*flow.services));
	if (!flow.services)
		return nomem(p);
	for (; i < p->ntoks; i++) {
		t = &p->toks[i];
		char *name = t->text;
		size_t len = strlen(name);
		bool either = len > 1 && name[len - 1] == '*';
		if (either)
			name[len - 1] = '\0';
		if (t->kind != TOK_WORD || !valid_name(name)) {
			if (either)
				name[len - 1] = '*';
			st = fail(p, PORTSPEC_E_PARSE, t->column,
				  "expected a service name, optionally with '*', found '%.64s'",
				  t->text);
			goto out;
		}
		size_t svc = ps_map_get(&spec->service_index, name);
		if (svc == SIZE_MAX) {
			st = fail(p, PORTSPEC_E_UNKNOWN, t->column,
				  "unknown service '%s'; declare it with 'service %s { ... }' before "
				  "this flow", name, name);
			goto out;
		}
		if (p->flow_mark[svc] == p->flow_serial) {
			st = fail(p, PORTSPEC_E_PARSE, t->column,
				  "service '%s' is listed twice in this flow", name);
			goto out;
		}
		p->flow_mark[svc] = p->flow_serial;
		flow.services[flow.nservices++] = (struct ps_flow_service){svc, either};
	}
	struct ps_spec_flow *fl = ps_reallocarray(spec->flows, spec->nflows + 1, sizeof(*fl));
	if (!fl) {
		st = nomem(p);
		goto out;
	}
	spec->flows = fl;
	fl[spec->nflows++] = flow;
	for (size_t k = 0; k < flow.nservices; k++)
		if (flow.services[k].either)
			spec->services[flow.services[k].service].either_zones |= 1u << flow.zone;
	return PORTSPEC_OK;
out:
	ps_free(flow.services);
	return st;
}

static enum portspec_status statement(struct parser *p)
{
	const struct token *kw = &p->toks[0];
	if (p->current != SIZE_MAX)
		return service_line(p);
	if (kw->kind != TOK_WORD)
		return fail(p, PORTSPEC_E_PARSE, kw->column,
			    "unexpected '%.64s' outside a service block", kw->text);
	const char *k = kw->text;
	if (!p->seen_version) {
		if (strcmp(k, "portspec") != 0)
			return fail(p, PORTSPEC_E_PARSE, kw->column,
				    "expected 'portspec 1' as the first statement, found '%.64s'", k);
		if (p->ntoks < 2 || p->toks[1].kind != TOK_WORD)
			return fail(p, PORTSPEC_E_PARSE, kw->column,
				    "expected the format version after 'portspec': portspec 1");
		if (strcmp(p->toks[1].text, "1") != 0)
			return fail(p, PORTSPEC_E_PARSE, p->toks[1].column,
				    "unsupported format version '%.32s'; this library reads version 1",
				    p->toks[1].text);
		p->seen_version = true;
		return expect_end(p, 2);
	}
	if (strcmp(k, "portspec") == 0)
		return fail(p, PORTSPEC_E_PARSE, kw->column,
			    "'portspec' may appear once, as the first statement");
	if (strcmp(k, "name") == 0)
		return string_statement(p, &p->spec->name, NULL);
	if (strcmp(k, "version") == 0)
		return string_statement(p, &p->spec->version, NULL);
	if (strcmp(k, "source") == 0)
		return string_statement(p, &p->spec->source, NULL);
	if (strcmp(k, "either-note") == 0)
		return string_statement(p, &p->spec->either_note, NULL);
	if (strcmp(k, "zone") == 0)
		return zone_statement(p);
	if (strcmp(k, "interface") == 0)
		return interface_statement(p);
	if (strcmp(k, "service") == 0)
		return service_statement(p);
	if (strcmp(k, "flow") == 0)
		return flow_statement(p);
	return fail(p, PORTSPEC_E_PARSE, kw->column,
		    "unknown statement '%.64s'; expected name, version, source, either-note, zone, "
		    "interface, service or flow", k);
}

static enum portspec_status parse_all(struct parser *p, const char *text, size_t len)
{
	if (len > PS_MAX_FILE_SIZE)
		return ps_error_set(p->err, PORTSPEC_E_LIMIT, p->file, 0, 0,
				    "spec is larger than %u bytes", PS_MAX_FILE_SIZE);
	size_t pos = 0;
	p->line = 0;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl ? 1 : 0);
		p->line++;
		if (n > PS_MAX_LINE)
			return fail(p, PORTSPEC_E_LIMIT, PS_MAX_LINE + 1,
				    "line longer than %u bytes; split the statement", PS_MAX_LINE);
		for (size_t i = 0; i < n;) {
			if (line[i] == '\0')
				return fail(p, PORTSPEC_E_PARSE, (unsigned)i + 1,
					    "NUL byte; spec files are UTF-8 text");
			size_t u = utf8_len((const unsigned char *)line + i, n - i);
			if (!u)
				return fail(p, PORTSPEC_E_PARSE, (unsigned)i + 1,
					    "invalid UTF-8, or a Unicode noncharacter such as U+FFFE; "
					    "save the file as UTF-8 text");
			i += u;
		}
		clear_tokens(p);
		enum portspec_status st = tokenize(p, line, n);
		if (st)
			return st;
		if (p->ntoks == 0)
			continue;
		st = statement(p);
		if (st)
			return st;
	}
	clear_tokens(p);
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
	struct portspec_spec *spec = ps_calloc(1, sizeof(*spec));
	if (!spec)
		return ps_error_set(err, PORTSPEC_E_NOMEM, filename, 0, 0, "out of memory");
	atomic_init(&spec->refs, 1);
	struct parser p = {.file = filename, .err = err, .spec = spec, .current = SIZE_MAX};
	enum portspec_status st = PORTSPEC_OK;
	spec->filename = ps_strdup(filename);
	if (!spec->filename)
		st = nomem(&p);
	if (!st)
		st = parse_all(&p, text ? text : "", len);
	clear_tokens(&p);
	ps_free(p.toks);
	ps_free(p.port_at);
	ps_free(p.flow_mark);
	if (st) {
		portspec_spec_free(spec);
		return st;
	}
	*out = spec;
	return PORTSPEC_OK;
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
	struct ps_buf b;
	ps_buf_init(&b);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		ps_buf_add(&b, chunk, n);
		if (b.len > PS_MAX_FILE_SIZE)
			break;
	}
	bool rerr = ferror(fp);
	fclose(fp);
	enum portspec_status st;
	if (rerr)
		st = ps_error_set(err, PORTSPEC_E_IO, path, 0, 0, "read error");
	else if (b.failed)
		st = ps_error_set(err, PORTSPEC_E_NOMEM, path, 0, 0, "out of memory");
	else
		st = portspec_spec_parse(b.data ? b.data : "", b.len, path, out, err);
	ps_buf_release(&b);
	return st;
}
