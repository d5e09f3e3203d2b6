/* SPDX-License-Identifier: MIT */
/*
 * The spec format, data-driven: every file in specs/valid must parse and
 * round-trip; every file in specs/invalid must fail as its first line says:
 *   # expect: STATUS LINE:COLUMN TEXT
 * where STATUS is parse, unknown or limit and TEXT is part of the message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <portspec/portspec.h>

static char dir_valid[4096], dir_invalid[4096];

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of *.portspec in dir; returns count. */
static size_t list_specs(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 10 || strcmp(e->d_name + len - 9, ".portspec"))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		assert_non_null(names);
		names[n] = malloc(strlen(dir) + len + 2);
		assert_non_null(names[n]);
		sprintf(names[n], "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	*out = names;
	return n;
}

static void free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void roundtrip(const struct portspec_spec *spec, const char *what)
{
	char *text1, *text2;
	size_t len1, len2;
	struct portspec_spec *again;
	struct portspec_error err;
	assert_int_equal(portspec_spec_to_string(spec, &text1, &len1, NULL), PORTSPEC_OK);
	if (portspec_spec_parse(text1, len1, what, &again, &err))
		fail_msg("%s: written form does not parse: %u:%u: %s\n%s", what, err.line,
			 err.column, err.text, text1);
	if (!portspec_spec_equal(spec, again))
		fail_msg("%s: parse -> write -> parse changed the spec", what);
	assert_int_equal(portspec_spec_to_string(again, &text2, &len2, NULL), PORTSPEC_OK);
	assert_int_equal(len1, len2);
	assert_string_equal(text1, text2); /* canonical form is a fixed point */
	portspec_free(text1);
	portspec_free(text2);
	portspec_spec_free(again);
}

static void test_valid(void **state)
{
	(void)state;
	char **names;
	size_t n = list_specs(dir_valid, &names);
	assert_true(n >= 5);
	for (size_t i = 0; i < n; i++) {
		struct portspec_spec *spec;
		struct portspec_error err;
		if (portspec_spec_load(names[i], &spec, &err))
			fail_msg("%s:%u:%u: %s", names[i], err.line, err.column, err.text);
		struct portspec_policy *policy;
		if (portspec_policy_new(spec, NULL, &policy, &err))
			fail_msg("%s: compile: %s", names[i], err.text);
		portspec_policy_free(policy);
		roundtrip(spec, names[i]);
		portspec_spec_free(spec);
	}
	free_list(names, n);
}

static enum portspec_status status_from_name(const char *s)
{
	if (!strcmp(s, "parse"))
		return PORTSPEC_E_PARSE;
	if (!strcmp(s, "unknown"))
		return PORTSPEC_E_UNKNOWN;
	if (!strcmp(s, "limit"))
		return PORTSPEC_E_LIMIT;
	fail_msg("bad expectation status '%s'", s);
	return PORTSPEC_OK;
}

static void test_invalid(void **state)
{
	(void)state;
	char **names;
	size_t n = list_specs(dir_invalid, &names);
	assert_true(n >= 20);
	for (size_t i = 0; i < n; i++) {
		FILE *fp = fopen(names[i], "rb");
		assert_non_null(fp);
		char first[512] = "";
		if (!fgets(first, sizeof(first), fp))
			fail_msg("%s: empty", names[i]);
		fclose(fp);
		char status[32], text[400];
		unsigned line, column;
		if (sscanf(first, "# expect: %31s %u:%u %399[^\n]", status, &line, &column, text) != 4)
			fail_msg("%s: first line must be '# expect: STATUS LINE:COL TEXT'", names[i]);
		struct portspec_spec *spec = NULL;
		struct portspec_error err;
		memset(&err, 0, sizeof(err));
		enum portspec_status st = portspec_spec_load(names[i], &spec, &err);
		if (st != status_from_name(status) || err.line != line || err.column != column ||
		    !strstr(err.text, text) || strcmp(err.file, names[i]))
			fail_msg("%s: got status %d at %s:%u:%u: %s\n  wanted %s %u:%u '%s'",
				 names[i], st, err.file, err.line, err.column, err.text, status,
				 line, column, text);
		assert_null(spec);
		char buf[1024];
		portspec_error_format(&err, buf, sizeof(buf));
		assert_non_null(strstr(buf, ": error: "));
	}
	free_list(names, n);
}

static void test_default_roundtrip(void **state)
{
	(void)state;
	struct portspec_spec *spec;
	struct portspec_error err;
	assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	assert_string_equal(portspec_spec_filename(spec), "<default>");
	assert_string_equal(portspec_spec_version(spec), "2.5.1");
	roundtrip(spec, "<default>");
	/* the installed data file is the same spec as the embedded one */
	const char *path = getenv("PORTSPEC_DEFAULT_SPEC");
	assert_non_null(path);
	struct portspec_spec *file;
	assert_int_equal(portspec_spec_load(path, &file, &err), PORTSPEC_OK);
	assert_true(portspec_spec_equal(spec, file));
	portspec_spec_free(file);
	portspec_spec_free(spec);
}

static void test_generated_inputs(void **state)
{
	(void)state;
	struct portspec_spec *spec = NULL;
	struct portspec_error err;
	/* a NUL byte in the middle */
	static const char nul[] = "portspec 1\nname \"a\0b\"\n";
	assert_int_equal(portspec_spec_parse(nul, sizeof(nul) - 1, NULL, &spec, &err),
			 PORTSPEC_E_PARSE);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 8);
	assert_string_equal(err.file, "<string>");
	/* a line longer than the limit */
	size_t len = 10000;
	char *big = malloc(len + 32);
	if (!big) {
		fail();
		return;
	}
	strcpy(big, "portspec 1\n# ");
	memset(big + 13, 'x', len);
	big[13 + len] = '\0';
	assert_int_equal(portspec_spec_parse(big, strlen(big), "big", &spec, &err), PORTSPEC_E_LIMIT);
	assert_int_equal(err.line, 2);
	free(big);
	/* invalid UTF-8 */
	static const char bad[] = "portspec 1\nname \"caf\xc3\x28\"\n";
	assert_int_equal(portspec_spec_parse(bad, sizeof(bad) - 1, NULL, &spec, &err),
			 PORTSPEC_E_PARSE);
	assert_int_equal(err.column, 10);
	assert_non_null(strstr(err.text, "UTF-8"));
	/* empty text */
	assert_int_equal(portspec_spec_parse("", 0, NULL, &spec, &err), PORTSPEC_E_PARSE);
	assert_non_null(strstr(err.text, "portspec 1"));
	/* CRLF line ends are fine */
	static const char crlf[] = "portspec 1\r\nservice a {\r\n level required\r\n tcp 1\r\n}\r\n";
	assert_int_equal(portspec_spec_parse(crlf, sizeof(crlf) - 1, NULL, &spec, &err), PORTSPEC_OK);
	portspec_spec_free(spec);
	spec = NULL;
	/* a missing file */
	assert_int_equal(portspec_spec_load("/nonexistent/x.portspec", &spec, &err), PORTSPEC_E_IO);
	assert_non_null(strstr(err.text, "No such file"));
	assert_null(spec);
}

int main(void)
{
	const char *src = getenv("PORTSPEC_SRCDIR");
	if (!src) {
		fprintf(stderr, "PORTSPEC_SRCDIR is not set; run through meson test\n");
		return 1;
	}
	snprintf(dir_valid, sizeof(dir_valid), "%s/tests/core/specs/valid", src);
	snprintf(dir_invalid, sizeof(dir_invalid), "%s/tests/core/specs/invalid", src);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_default_roundtrip),
		cmocka_unit_test(test_generated_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
