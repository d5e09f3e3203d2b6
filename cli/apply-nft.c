/* SPDX-License-Identifier: MIT */
/*
 * portspec apply, nft: what a rendered file touches and how to undo it.
 *
 * A rendered nft file creates, deletes and recreates one table, `table inet
 * NAME`, in one transaction; nothing else.  Undoing it exactly means two
 * things `nft -f` of a saved `nft list ruleset` would get wrong:
 *
 *  - a table the load added must be deleted (loading a listing only adds to
 *    what is there: it would keep the new table and double every rule of the
 *    tables it names), and
 *  - the kernel lists tables in the order they were created, and the load
 *    deleted and recreated NAME, so NAME now lists last.  To list as before,
 *    the restore deletes and recreates NAME and every table listed after it,
 *    from their saved listings (sets with their elements and timeouts,
 *    counters, quotas, flowtables), in the saved order.
 *
 * Tables before NAME are never touched.  A table of iptables-nft (nft warns
 * that it "is managed by iptables-nft") cannot be recreated from nft's
 * listing, which leaves out the iptables extensions; if one lists after
 * NAME, only NAME is restored, with the same contents, listed last.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"

struct nft_table {
	char family[16];
	char name[257];
	size_t off, len;   /* the block in the listing, "table ... {" to "}\n" */
	bool foreign;      /* managed by iptables-nft */
};

/* One top-level statement of an nft file: its first words, and whether a
 * { ... } block follows them. */
struct nft_stmt {
	const char *word[5];
	size_t wlen[5];
	size_t nwords;
	bool block;
	unsigned line;
};

static bool word_is(const struct nft_stmt *st, size_t i, const char *w)
{
	return i < st->nwords && st->wlen[i] == strlen(w) && !memcmp(st->word[i], w, st->wlen[i]);
}

/* Skips a { ... } block at s[*pos] == '{', with nested blocks, "strings"
 * and # comments; false if it does not end. */
static bool skip_block(const char *s, size_t len, size_t *pos, unsigned *line)
{
	unsigned depth = 0;
	bool str = false;
	for (; *pos < len; (*pos)++) {
		char c = s[*pos];
		if (c == '\n')
			(*line)++;
		if (str) {
			if (c == '\\' && *pos + 1 < len && s[*pos + 1] != '\n')
				(*pos)++;
			else if (c == '"' || c == '\n')
				str = false;
		} else if (c == '"') {
			str = true;
		} else if (c == '#') {
			while (*pos + 1 < len && s[*pos + 1] != '\n')
				(*pos)++;
		} else if (c == '{') {
			depth++;
		} else if (c == '}' && --depth == 0) {
			(*pos)++;
			return true;
		}
	}
	return false;
}

/*
 * Calls @fn for each top-level statement of the nft text; stops at the first
 * non-zero return (which it returns).  A block that does not end is -1.
 */
static int scan_top(const char *s, size_t len, int (*fn)(const struct nft_stmt *, void *),
		    void *ud)
{
	size_t pos = 0;
	unsigned line = 1;
	while (pos < len) {
		char c = s[pos];
		if (c == '\n') {
			line++;
			pos++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == ';') {
			pos++;
			continue;
		}
		if (c == '#') {
			while (pos < len && s[pos] != '\n')
				pos++;
			continue;
		}
		struct nft_stmt st = {.line = line};
		while (pos < len && !strchr("\n;{#", s[pos])) {
			if (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\r') {
				pos++;
				continue;
			}
			size_t start = pos;
			while (pos < len && !strchr(" \t\r\n;{#", s[pos]))
				pos++;
			if (st.nwords < 5) {
				st.word[st.nwords] = s + start;
				st.wlen[st.nwords] = pos - start;
			}
			st.nwords++;
		}
		if (pos < len && s[pos] == '{') {
			st.block = true;
			if (!skip_block(s, len, &pos, &line))
				return -1;
		}
		int rc = fn(&st, ud);
		if (rc)
			return rc;
	}
	return 0;
}

/* The rendered file may name `table inet NAME` only. */
static int rendered_stmt(const struct nft_stmt *st, void *ud)
{
	const char *name = ud;
	bool table = st->nwords == 3 && word_is(st, 0, "table") && word_is(st, 1, "inet") &&
		     word_is(st, 2, name);
	bool del = st->nwords == 4 && !st->block && word_is(st, 0, "delete") &&
		   word_is(st, 1, "table") && word_is(st, 2, "inet") && word_is(st, 3, name);
	if (table || del)
		return 0;
	fprintf(stderr, "portspec apply: the nft ruleset has a statement at line %u that touches "
			"more than table inet %s; refusing to load what a rollback could not undo\n",
		st->line, name);
	return EXIT_DATAERR;
}

int nft_inspect(struct apply_target *t)
{
	int rc = scan_top(t->rules.text.s, t->rules.text.len, rendered_stmt, (void *)t->name);
	if (rc < 0) {
		fprintf(stderr, "portspec apply: the nft ruleset has a block that does not end\n");
		rc = EXIT_DATAERR;
	}
	return rc;
}

struct hooks_ctx {
	const char *path, *name;
};

static int hooks_stmt(const struct nft_stmt *st, void *ud)
{
	const struct hooks_ctx *h = ud;
	if (st->nwords == 3 && st->block && word_is(st, 0, "table") && word_is(st, 1, "inet") &&
	    word_is(st, 2, h->name))
		return 0;
	fprintf(stderr, "portspec apply: %s:%u: --hooks takes only 'table inet %s { ... }' "
			"blocks: the base chains that jump to the fragment's chains (the fragment "
			"itself comes from the policy; no include, no other table)\n",
		h->path, st->line, h->name);
	return EXIT_USAGE;
}

static int read_file(const char *path, struct apply_text *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "portspec apply: cannot read %s: %s\n", path, strerror(errno));
		return EXIT_IOERR;
	}
	char buf[8192];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "portspec apply: cannot read %s: %s\n", path,
				strerror(errno));
			close(fd);
			return EXIT_IOERR;
		}
		if (n == 0)
			break;
		if (!text_add(out, buf, (size_t)n)) {
			close(fd);
			return EXIT_IOERR;
		}
	}
	close(fd);
	if (out->len && memchr(out->s, '\0', out->len)) {
		fprintf(stderr, "portspec apply: %s: not a text file (it has a NUL byte)\n", path);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int nft_add_hooks(struct apply_target *t, const char *path)
{
	struct apply_text hooks = {0};
	struct hooks_ctx h = {path, t->name};
	int rc = read_file(path, &hooks);
	if (!rc) {
		rc = scan_top(hooks.s, hooks.len, hooks_stmt, &h);
		if (rc < 0) {
			fprintf(stderr, "portspec apply: %s: a block does not end\n", path);
			rc = EXIT_USAGE;
		}
	}
	if (!rc && !(text_adds(&t->rules.text, "\n# base chains from --hooks\n") &&
		     text_add(&t->rules.text, hooks.s, hooks.len) && text_adds(&t->rules.text, "\n")))
		rc = EXIT_IOERR;
	if (!rc)
		t->has_hooks = true;
	text_release(&hooks);
	return rc;
}

/* nft identifiers (table names) as its grammar reads them unquoted. */
static bool nft_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("_-./", *s)))
			return false;
	return true;
}

static bool nft_family(const char *s)
{
	static const char *const families[] = {"ip", "ip6", "inet", "arp", "bridge", "netdev"};
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (!strcmp(s, families[i]))
			return true;
	return false;
}

/* "table FAMILY NAME {" -> family, name; false for anything else. */
static bool table_header(const char *line, size_t n, struct nft_table *tb)
{
	char buf[300];
	if (!text_starts(line, n, "table ") || n < 9 || n >= sizeof(buf) ||
	    memcmp(line + n - 2, " {", 2) != 0)
		return false;
	memcpy(buf, line + 6, n - 8);
	buf[n - 8] = '\0';
	char *sp = strchr(buf, ' ');
	if (!sp || strlen(buf) - (size_t)(sp - buf) > sizeof(tb->name) ||
	    (size_t)(sp - buf) >= sizeof(tb->family))
		return false;
	*sp = '\0';
	snprintf(tb->family, sizeof(tb->family), "%s", buf);
	snprintf(tb->name, sizeof(tb->name), "%s", sp + 1);
	return true;
}

/* The tables of an `nft list ruleset` listing, in order. */
static int parse_listing(const struct apply_text *l, struct nft_table **out, size_t *count)
{
	struct nft_table *tables = NULL, tb;
	size_t n = 0, pos = 0, len, start = 0;
	const char *line;
	bool in = false;
	*out = NULL;
	*count = 0;
	while (text_next_line(l->s, l->len, &pos, &line, &len)) {
		if (!in && len == 0)
			continue;
		if (!in) {
			tb = (struct nft_table){0};
			if (!table_header(line, len, &tb)) {
				fprintf(stderr, "portspec apply: cannot read 'nft list ruleset' at "
						"'%.*s'\n", (int)(len > 60 ? 60 : len), line);
				free(tables);
				return EXIT_DATAERR;
			}
			start = (size_t)(line - l->s);
			in = true;
		} else if (len == 1 && line[0] == '}') {
			struct nft_table *p = realloc(tables, (n + 1) * sizeof(*p));
			if (!p) {
				fprintf(stderr, "portspec apply: out of memory\n");
				free(tables);
				return EXIT_IOERR;
			}
			tables = p;
			tb.off = start;
			tb.len = pos - start;
			tables[n++] = tb;
			in = false;
		}
	}
	if (in) {
		fprintf(stderr, "portspec apply: 'nft list ruleset' ends inside table %s %s\n",
			tb.family, tb.name);
		free(tables);
		return EXIT_DATAERR;
	}
	*out = tables;
	*count = n;
	return EXIT_OK;
}

/* nft says on stderr which tables iptables-nft manages. */
static void mark_foreign(struct nft_table *tables, size_t n, const struct apply_text *err)
{
	size_t pos = 0, len;
	const char *line;
	while (text_next_line(err->s, err->len, &pos, &line, &len)) {
		static const char managed[] = " is managed by iptables-nft";
		for (size_t i = 0; i < n; i++) {
			char want[300];
			snprintf(want, sizeof(want), "table %s %s%s", tables[i].family,
				 tables[i].name, managed);
			if (text_contains(line, len, want))
				tables[i].foreign = true;
		}
	}
}

static bool add_delete(struct apply_text *r, const char *family, const char *name)
{
	/* "table" first makes "delete" valid whether or not the table exists. */
	const char *const create[] = {"table", family, name, NULL};
	const char *const del[] = {"delete", "table", family, name, NULL};
	return text_line(r, create) && text_line(r, del);
}

/* Does table inet NAME have base chains (type ... hook ...)? */
static bool has_base_chains(const struct apply_text *l, const struct nft_table *tb)
{
	size_t pos = tb->off, len;
	const char *line;
	while (pos < tb->off + tb->len && text_next_line(l->s, l->len, &pos, &line, &len))
		if (text_starts(line, len, "\t\ttype ") && text_contains(line, len, " hook "))
			return true;
	return false;
}

static int build_restore(struct apply_target *t, const struct apply_text *listing,
			 struct nft_table *tables, size_t n)
{
	size_t own = n;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(tables[i].family, "inet") && !strcmp(tables[i].name, t->name))
			own = i;
	struct apply_text *r = &t->restore.text;
	if (own == n)
		return add_delete(r, "inet", t->name) ? EXIT_OK : EXIT_IOERR;
	size_t first = own;
	for (size_t i = own + 1; i < n; i++)
		if (tables[i].foreign || !nft_identifier(tables[i].name) ||
		    !nft_family(tables[i].family)) {
			char line[400];
			snprintf(line, sizeof(line),
				 "a rollback restores table inet %s as it is, but it will list "
				 "after table %.16s %.100s, which it cannot recreate (%s)",
				 t->name, tables[i].family, tables[i].name,
				 tables[i].foreign ? "iptables-nft manages it" : "its name");
			if (!text_adds(&t->note, line))
				return EXIT_IOERR;
			first = n; /* only NAME itself */
			break;
		}
	for (size_t i = own; i < n; i++)
		if ((i == own || first == own) && !add_delete(r, tables[i].family, tables[i].name))
			return EXIT_IOERR;
	for (size_t i = own; i < n; i++)
		if ((i == own || first == own) &&
		    !text_add(r, listing->s + tables[i].off, tables[i].len))
			return EXIT_IOERR;
	return EXIT_OK;
}

int nft_save(struct apply_target *t)
{
	const char *const list[] = {t->tool, "list", "ruleset", NULL};
	struct tool_result r;
	struct nft_table *tables = NULL;
	size_t n = 0;
	int rc = tool_output(list, "cannot save the live ruleset", &r);
	if (rc)
		return rc;
	rc = parse_listing(&r.out, &tables, &n);
	if (!rc)
		mark_foreign(tables, n, &r.err);
	for (size_t i = 0; !rc && i < n; i++)
		if (t->fragment && !t->has_hooks && !strcmp(tables[i].family, "inet") &&
		    !strcmp(tables[i].name, t->name) && has_base_chains(&r.out, &tables[i])) {
			fprintf(stderr,
				"portspec apply: table inet %s has base chains, and loading the "
				"fragment recreates the table without them; give them with --hooks "
				"FILE (a 'table inet %s { chain input { type filter hook input ... "
				"jump %s-in } ... }' file, as in the fragment's header)\n",
				t->name, t->name, t->name);
			rc = EXIT_USAGE;
		}
	if (!rc)
		rc = build_restore(t, &r.out, tables, n);
	free(tables);
	tool_result_release(&r);
	return rc;
}

int nft_each_other_table(const struct apply_target *t,
			 int (*fn)(const char *family, const char *name, void *ud), void *ud)
{
	const char *const argv[] = {t->tool, "list", "tables", NULL};
	struct tool_result r;
	int rc = tool_output(argv, "cannot list the live tables", &r);
	if (rc)
		return rc;
	size_t pos = 0, n;
	const char *line;
	while (!rc && text_next_line(r.out.s, r.out.len, &pos, &line, &n)) {
		struct nft_table tb = {0};
		char header[300];
		if (!n)
			continue;
		/* "table FAMILY NAME", read as the header of a listed block. */
		snprintf(header, sizeof(header), "%.*s {", (int)(n > 290 ? 290 : n), line);
		if (n > 290 || !table_header(header, strlen(header), &tb) ||
		    !nft_family(tb.family) || !nft_identifier(tb.name)) {
			fprintf(stderr, "portspec apply: cannot read 'nft list tables' at '%.*s'\n",
				(int)(n > 60 ? 60 : n), line);
			rc = EXIT_DATAERR;
		} else if (strcmp(tb.family, "inet") || strcmp(tb.name, t->name)) {
			rc = fn(tb.family, tb.name, ud);
		}
	}
	tool_result_release(&r);
	return rc;
}
