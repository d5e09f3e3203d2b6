/* SPDX-License-Identifier: MIT */
/*
 * The profile keys' documentation against the one key table (profile.c,
 * white-box): the key list of portspec_profile_set()'s doc comment in the
 * header, the KEYS of portspec-profile(5) and the keys the bash completion
 * offers for --set.  Each names only keys of the table (a family of keys by
 * its pattern or by an example from the built-in spec), and each names every
 * key of the table (another spelling of a key: the manual only).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "private.h"
#include "testutil.h"

#define MAX_WORDS 128
#define MAX_WORD 64

struct words {
	char w[MAX_WORDS][MAX_WORD];
	size_t n;
};

static void add_word(struct words *ws, const char *s, size_t n)
{
	assert_true(n > 0 && n < MAX_WORD);
	assert_true(ws->n < MAX_WORDS);
	memcpy(ws->w[ws->n], s, n);
	ws->w[ws->n++][n] = '\0';
}

/* The words between `open` and `close` in text[0, end), as in "key" or *key*. */
static void delimited_words(struct words *ws, const char *text, const char *end, char open,
			    char close)
{
	for (const char *s = text; s < end; s++) {
		if (*s != open)
			continue;
		const char *e = memchr(s + 1, close, (size_t)(end - s - 1));
		if (!e)
			return;
		if (strspn(s + 1, "abcdefghijklmnopqrstuvwxyz<>-") == (size_t)(e - s - 1))
			add_word(ws, s + 1, (size_t)(e - s - 1));
		s = e;
	}
}

/* The section of `text` from `from` to `to` (both must be there). */
static const char *section(const char *text, const char *from, const char *to, const char **end)
{
	const char *s = strstr(text, from);
	assert_non_null(s);
	*end = strstr(s + strlen(from), to);
	assert_non_null(*end);
	return s;
}

/* Is `word` a key of the table (a family's pattern, or a key of a family for
 * the built-in spec)?  *entry: which. */
static bool names_key(const struct portspec_spec *spec, const char *word,
		      const struct ps_profile_key **entry)
{
	size_t n, which;
	const struct ps_profile_key *keys = ps_profile_keys(&n);
	for (size_t i = 0; i < n; i++)
		if (keys[i].match && strcmp(keys[i].name, word) == 0)
			return *entry = &keys[i], true;
	*entry = ps_profile_find_key(spec, word, &which);
	return *entry != NULL;
}

/* Every word names a key, and every key of the table is named (aliases only
 * when `aliases`). */
static void check_words(const char *where, const struct words *ws, bool aliases)
{
	struct portspec_spec *spec = NULL;
	assert_int_equal(portspec_spec_new_default(&spec, NULL), PORTSPEC_OK);
	size_t n;
	const struct ps_profile_key *keys = ps_profile_keys(&n);
	bool named[64] = {false};
	assert_true(n <= sizeof(named) / sizeof(named[0]));
	for (size_t i = 0; i < ws->n; i++) {
		const struct ps_profile_key *k = NULL;
		if (!names_key(spec, ws->w[i], &k))
			fail_msg("%s names '%s', which is no profile key", where, ws->w[i]);
		named[k - keys] = true;
	}
	for (size_t i = 0; i < n; i++)
		if (!named[i] && (aliases || !keys[i].same_as))
			fail_msg("%s does not name the profile key '%s'", where, keys[i].name);
	portspec_spec_free(spec);
}

static void header_lists_every_key(void **state)
{
	(void)state;
	char *h = tu_read_file(tu_src_path("include/portspec/portspec.h"), NULL);
	assert_non_null(h);
	const char *end;
	const char *doc = section(h, "Sets one profile key", "*/", &end);
	/* the keys are quoted up to "Spaces around..." */
	const char *stop = strstr(doc, "Spaces around");
	assert_true(stop && stop < end);
	struct words ws = {.n = 0};
	delimited_words(&ws, doc, stop, '"', '"');
	check_words("portspec_profile_set()'s doc comment", &ws, false);
	free(h);
}

static void manual_documents_every_key(void **state)
{
	(void)state;
	char *m = tu_read_file(tu_src_path("docs/portspec-profile.5.scd"), NULL);
	assert_non_null(m);
	const char *end;
	const char *keys = section(m, "\n# KEYS\n", "\n# ", &end);
	struct words ws = {.n = 0};
	/* an entry's line starts with its keys: "*dns* = ...", "*a*, *b* = ..." */
	for (const char *l = keys; l && l < end; l = strchr(l + 1, '\n')) {
		if (l[1] != '*')
			continue;
		const char *eq = strstr(l + 1, " = ");
		const char *nl = strchr(l + 1, '\n');
		assert_true(eq && nl);
		delimited_words(&ws, l + 1, eq < nl ? eq : nl, '*', '*');
	}
	/* another spelling is named in the text of its key's entry */
	size_t n;
	const struct ps_profile_key *k = ps_profile_keys(&n);
	for (size_t i = 0; i < n; i++) {
		if (!k[i].same_as)
			continue;
		char marked[MAX_WORD + 2];
		snprintf(marked, sizeof(marked), "*%s*", k[i].name);
		const char *at = strstr(keys, marked);
		if (!at || at > end)
			fail_msg("portspec-profile(5) KEYS does not name '%s'", k[i].name);
		add_word(&ws, k[i].name, strlen(k[i].name));
	}
	check_words("portspec-profile(5) KEYS", &ws, true);
	free(m);
}

static void completion_offers_every_key(void **state)
{
	(void)state;
	char *c = tu_read_file(tu_src_path("cli/portspec.bash-completion"), NULL);
	assert_non_null(c);
	const char *end;
	const char *set = section(c, "--set|-S)", "return", &end);
	const char *list = strstr(set, "compgen -W \"");
	assert_true(list && list < end);
	list += strlen("compgen -W \"");
	const char *close = strchr(list, '"');
	assert_non_null(close);
	struct words ws = {.n = 0};
	for (const char *s = list; s < close;) {
		size_t n = strcspn(s, "= \"");
		if (n && s[n] == '=')
			add_word(&ws, s, n);
		s += n + 1;
	}
	check_words("the bash completion of --set", &ws, false);
	free(c);
}

/* The table's own rules: fixed names before the families, no name twice. */
static void table_is_well_formed(void **state)
{
	(void)state;
	size_t n;
	const struct ps_profile_key *k = ps_profile_keys(&n);
	bool family = false;
	for (size_t i = 0; i < n; i++) {
		assert_non_null(k[i].set);
		if (k[i].match)
			family = true;
		else if (family)
			fail_msg("fixed key '%s' after a family of keys: a zone could hide it",
				 k[i].name);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(k[i].name, k[j].name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_is_well_formed),
		cmocka_unit_test(header_lists_every_key),
		cmocka_unit_test(manual_documents_every_key),
		cmocka_unit_test(completion_offers_every_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
