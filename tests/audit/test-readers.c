/* SPDX-License-Identifier: MIT */
/*
 * Golden tests of the ruleset readers.  tests/audit/readers/FORMAT/ holds
 * rulesets that must read (NAME.EXT, with the model they read to in
 * NAME.EXT.model) and FORMAT/invalid/ rulesets that must not (with the error
 * in NAME.EXT.error: file:line:column and the message).  The model is the
 * canonical dump of every chain, rule, predicate and action.  The rulesets
 * are also the seeds of the ruleset fuzzers (fuzz/meson.build).
 *
 *   test-readers DIR        PORTSPEC_REGEN=1 writes the golden files
 * A mismatch writes the actual text to NAME.EXT.actual in the build
 * directory (PORTSPEC_BUILDDIR) and fails.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "testutil.h"

static const char *const formats[] = {"iptables", "ip6tables", "nft-json", "pf"};

static bool golden_suffix(const char *name)
{
	static const char *const sfx[] = {".model", ".error", ".actual"};
	size_t n = strlen(name);
	for (size_t i = 0; i < 3; i++) {
		size_t k = strlen(sfx[i]);
		if (n > k && !strcmp(name + n - k, sfx[i]))
			return true;
	}
	return false;
}

/* Reads one case; returns the text to compare with the golden file. */
static char *run_case(int format, const char *dir, const char *name, bool *ok)
{
	char path[1024], label[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* The name in locations: FORMAT[/invalid]/NAME, stable across checkouts. */
	const char *tail = strstr(dir, formats[format - 1]);
	snprintf(label, sizeof(label), "%s/%s", tail ? tail : dir, name);
	size_t len = 0;
	char *text = tu_read_file(path, &len);
	struct portspec_ruleset *rs = NULL;
	struct portspec_error err;
	memset(&err, 0, sizeof(err));
	struct ps_buf out;
	ps_buf_init(&out);
	if (!text || portspec_ruleset_new(&rs)) {
		*ok = false;
		free(text);
		return NULL;
	}
	enum portspec_status st = portspec_ruleset_parse(rs, (enum portspec_ruleset_format)format,
							 text, len, label, &err);
	if (st) {
		char buf[1024];
		ps_buf_printf(&out, "%s\n", portspec_error_format(&err, buf, sizeof(buf)));
		/* A failed read leaves the ruleset as it was: empty. */
		*ok = portspec_ruleset_rule_count(rs) == 0 && portspec_ruleset_chain_count(rs) == 0 &&
		      err.status == st && err.text[0];
	} else {
		pa_ruleset_dump(rs, &out);
		*ok = true;
	}
	portspec_ruleset_free(rs);
	free(text);
	return ps_buf_steal(&out, NULL);
}

static int check(const char *dir, const char *name, const char *actual, bool want_error,
		 bool is_error)
{
	char golden[1024];
	snprintf(golden, sizeof(golden), "%s/%s%s", dir, name, want_error ? ".error" : ".model");
	if (is_error != want_error) {
		fprintf(stderr, "FAIL %s/%s: %s\n%s", dir, name,
			want_error ? "read, but must be refused" : "refused, but must read", actual);
		return 1;
	}
	if (tu_golden(golden, actual, strlen(actual)))
		return 0;
	fprintf(stderr, "FAIL %s/%s: differs from %s\n", dir, name, golden);
	return 1;
}

static int run_dir(int format, const char *dir, bool invalid, size_t *count)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return 0; /* a format without cases yet */
	int bad = 0;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char path[1024];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (name[0] == '.' || golden_suffix(name) || stat(path, &st) || !S_ISREG(st.st_mode)) {
			free(names[i]);
			continue;
		}
		bool ok;
		char *actual = run_case(format, dir, name, &ok);
		if (!actual || !ok) {
			fprintf(stderr, "FAIL %s: %s\n", path,
				actual ? "the failed read changed the ruleset or left no reason"
				       : "cannot read");
			bad++;
		} else {
			bool is_error = strstr(actual, ": error: ") != NULL && !strchr(actual, '\n')[1];
			bad += check(dir, name, actual, invalid, is_error);
		}
		(*count)++;
		ps_free(actual);
		free(names[i]);
	}
	free(names);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s READERS-DIR\n", argv[0]);
		return 2;
	}
	int bad = 0;
	size_t count = 0;
	for (int f = 0; f < 4; f++) {
		char dir[1024];
		snprintf(dir, sizeof(dir), "%s/%s", argv[1], formats[f]);
		bad += run_dir(f + 1, dir, false, &count);
		snprintf(dir, sizeof(dir), "%s/%s/invalid", argv[1], formats[f]);
		bad += run_dir(f + 1, dir, true, &count);
	}
	printf("%zu cases, %d failed\n", count, bad);
	return bad ? 1 : count ? 0 : 1;
}
