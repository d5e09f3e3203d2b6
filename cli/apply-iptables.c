/* SPDX-License-Identifier: MIT */
/*
 * portspec apply, iptables and ip6tables (either variant: the tool names
 * it, iptables-nft-restore or iptables-legacy-restore).
 *
 * A complete ruleset replaces whole tables (raw, filter): the restore is
 * the saved listing of each of those tables (`iptables-save -c -t TABLE`,
 * with counters), loaded without --noflush, which replaces each table it
 * names and no other.  A table the saved ruleset did not have still gets its
 * listing, which is then empty with ACCEPT policies, so the rules the load
 * put there go away; the kernel lists such a table from then on (x_tables
 * keeps a table once a network namespace has used it, and iptables-restore
 * has no way to delete one).
 *
 * A fragment (--noflush) declares only its own chains: the restore flushes
 * them, puts back the saved rules of those that existed and deletes those
 * the load created.  Nothing outside the fragment's chains is touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "cli.h"

/* A chain name from ":NAME POLICY [p:b]" or "-A NAME ..."; false if none. */
static bool chain_word(const char *s, size_t n, char *out, size_t outsize)
{
	size_t k = 0;
	while (k < n && s[k] != ' ')
		k++;
	if (k == 0 || k >= outsize)
		return false;
	memcpy(out, s, k);
	out[k] = '\0';
	return true;
}

/* "-A CHAIN ..." or "[p:b] -A CHAIN ..." -> CHAIN. */
static bool rule_chain(const char *line, size_t n, char *out, size_t outsize)
{
	if (n && line[0] == '[') {
		const char *e = memchr(line, ']', n);
		if (!e || (size_t)(e - line) + 2 > n)
			return false;
		n -= (size_t)(e - line) + 2;
		line = e + 2;
	}
	if (!text_starts(line, n, "-A ") && !text_starts(line, n, "-I "))
		return false;
	return chain_word(line + 3, n - 3, out, outsize);
}

static bool table_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

/* The chains a fragment declares in table @table of the rendered text. */
struct chain_list {
	char (*names)[32];
	size_t n;
};

static bool chains_add(struct chain_list *c, const char *name)
{
	char (*p)[32] = realloc(c->names, (c->n + 1) * sizeof(*p));
	if (!p) {
		fprintf(stderr, "portspec apply: out of memory\n");
		return false;
	}
	c->names = p;
	snprintf(c->names[c->n++], sizeof(*p), "%s", name);
	return true;
}

static bool chains_has(const struct chain_list *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->names[i], name))
			return true;
	return false;
}

static int bad_line(const char *why, unsigned lineno, const char *line, size_t n)
{
	fprintf(stderr, "portspec apply: line %u of the iptables ruleset %s: '%.*s'; refusing to "
			"load what a rollback could not undo\n",
		lineno, why, (int)(n > 80 ? 80 : n), line);
	return EXIT_DATAERR;
}

/*
 * Walks the rendered text: collects its tables into t->tables and, for
 * @table (NULL: none), the chains it declares.  A fragment may declare only
 * its own (user) chains and add rules only to them.
 */
static int walk_rules(struct apply_target *t, const char *table, struct chain_list *chains)
{
	const char *s = t->rules.text.s, *line;
	size_t len = t->rules.text.len, pos = 0, n;
	unsigned lineno = 0;
	char cur[33] = "", name[32];
	struct chain_list declared = {0};
	int rc = EXIT_OK;
	while (!rc && text_next_line(s, len, &pos, &line, &n)) {
		lineno++;
		if (n == 0 || line[0] == '#')
			continue;
		if (line[0] == '*') {
			if (cur[0] || !table_name_ok(line + 1, n - 1))
				rc = bad_line("opens a table oddly", lineno, line, n);
			else
				snprintf(cur, sizeof(cur), "%.*s", (int)(n - 1), line + 1);
			free(declared.names);
			declared = (struct chain_list){0};
			if (!rc && !table) {
				char **p = realloc(t->tables, (t->ntables + 1) * sizeof(*p));
				if (!p || !(p[t->ntables] = strdup(cur))) {
					if (p)
						t->tables = p;
					fprintf(stderr, "portspec apply: out of memory\n");
					rc = EXIT_IOERR;
				} else {
					t->tables = p;
					t->ntables++;
				}
			}
		} else if (!cur[0]) {
			rc = bad_line("is outside a table", lineno, line, n);
		} else if (n == 6 && !memcmp(line, "COMMIT", 6)) {
			cur[0] = '\0';
		} else if (line[0] == ':') {
			if (!chain_word(line + 1, n - 1, name, sizeof(name)))
				rc = bad_line("declares no chain", lineno, line, n);
			else if (t->fragment && !text_contains(line, n, " - "))
				rc = bad_line("sets a built-in chain's policy in a fragment", lineno,
					      line, n);
			else if (!chains_add(&declared, name) ||
				 (table && !strcmp(cur, table) && !chains_add(chains, name)))
				rc = EXIT_IOERR;
		} else if (!rule_chain(line, n, name, sizeof(name))) {
			rc = bad_line("is not a rule", lineno, line, n);
		} else if (t->fragment && !chains_has(&declared, name)) {
			rc = bad_line("adds a rule to a chain the fragment does not declare", lineno,
				      line, n);
		}
	}
	if (!rc && cur[0])
		rc = bad_line("leaves a table without COMMIT", lineno, "", 0);
	free(declared.names);
	return rc;
}

int iptables_inspect(struct apply_target *t)
{
	int rc = walk_rules(t, NULL, NULL);
	if (!rc && t->ntables == 0) {
		fprintf(stderr, "portspec apply: the iptables ruleset names no table\n");
		rc = EXIT_DATAERR;
	}
	return rc;
}

/* `iptables-save -c -t TABLE` */
static int save_table(const struct apply_target *t, const char *table, bool counters,
		      struct apply_text *out)
{
	const char *const argv_c[] = {t->save_tool, "-c", "-t", table, NULL};
	const char *const argv[] = {t->save_tool, "-t", table, NULL};
	struct tool_result r;
	int rc = tool_output(counters ? argv_c : argv, "cannot save the live ruleset", &r);
	if (rc)
		return rc;
	/* Keep the table, drop the "# Generated ... on DATE" lines. */
	size_t pos = 0, n;
	const char *line;
	bool seen = false;
	while (!rc && text_next_line(r.out.s, r.out.len, &pos, &line, &n)) {
		if (n && line[0] == '#')
			continue;
		if (n && line[0] == '*')
			seen = true;
		if (!text_add(out, line, n) || !text_add(out, "\n", 1))
			rc = EXIT_IOERR;
	}
	if (!rc && !seen) {
		fprintf(stderr, "portspec apply: '%s -t %s' listed no table %s\n", t->save_tool,
			table, table);
		rc = EXIT_UNAVAILABLE;
	}
	tool_result_release(&r);
	return rc;
}

int iptables_listing(const struct apply_target *t, struct apply_text *out)
{
	int rc = EXIT_OK;
	for (size_t i = 0; !rc && i < t->ntables; i++)
		rc = save_table(t, t->tables[i], false, out);
	return rc;
}

/* The restore of one table for a fragment, from its saved listing. */
static int fragment_restore(struct apply_target *t, const char *table,
			    const struct apply_text *saved)
{
	struct chain_list mine = {0}, existing = {0};
	struct apply_text *r = &t->restore.text;
	int rc = walk_rules(t, table, &mine);
	size_t pos = 0, n;
	const char *line;
	char name[32];
	while (!rc && text_next_line(saved->s, saved->len, &pos, &line, &n))
		if (n && line[0] == ':' && chain_word(line + 1, n - 1, name, sizeof(name)) &&
		    !chains_add(&existing, name))
			rc = EXIT_IOERR;
	if (!rc && !(text_adds(r, "*") && text_adds(r, table) && text_adds(r, "\n")))
		rc = EXIT_IOERR;
	/* Declaring a chain with --noflush creates or flushes it. */
	for (size_t i = 0; !rc && i < mine.n; i++)
		if (!(text_adds(r, ":") && text_adds(r, mine.names[i]) && text_adds(r, " - [0:0]\n")))
			rc = EXIT_IOERR;
	pos = 0;
	while (!rc && text_next_line(saved->s, saved->len, &pos, &line, &n))
		if (rule_chain(line, n, name, sizeof(name)) && chains_has(&mine, name) &&
		    !(text_add(r, line, n) && text_add(r, "\n", 1)))
			rc = EXIT_IOERR;
	for (size_t i = 0; !rc && i < mine.n; i++)
		if (!chains_has(&existing, mine.names[i]) &&
		    !(text_adds(r, "-X ") && text_adds(r, mine.names[i]) && text_adds(r, "\n")))
			rc = EXIT_IOERR;
	if (!rc && !text_adds(r, "COMMIT\n"))
		rc = EXIT_IOERR;
	free(mine.names);
	free(existing.names);
	return rc;
}

int iptables_save(struct apply_target *t)
{
	int rc = EXIT_OK;
	t->restore.counters = true;
	t->restore.noflush = t->fragment;
	for (size_t i = 0; !rc && i < t->ntables; i++) {
		struct apply_text saved = {0};
		rc = save_table(t, t->tables[i], true, &saved);
		if (!rc && t->fragment)
			rc = fragment_restore(t, t->tables[i], &saved);
		else if (!rc && !text_add(&t->restore.text, saved.s, saved.len))
			rc = EXIT_IOERR;
		text_release(&saved);
	}
	return rc;
}
