/* SPDX-License-Identifier: MIT */
/*
 * Profile parser, against the built-in spec: any bytes either apply or fail
 * with a located error; an applied profile's text applies again to the same
 * profile; compiling it either fails with a reason or gives a policy whose
 * queries agree with its flows.
 */
#include <stdbool.h>

#include "fuzz-common.h"

static struct portspec_spec *spec;

/*
 * The text without comments: the effective profile marks addresses that are
 * still the documentation examples with a comment, which the copy (where
 * they were set explicitly) does not have.
 */
static size_t strip_comments(const char *in, size_t len, char *out)
{
	size_t n = 0;
	bool comment = false;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\n') {
			while (n && out[n - 1] == ' ')
				n--;
			comment = false;
		} else if (in[i] == '#') {
			comment = true;
		}
		if (!comment)
			out[n++] = in[i];
	}
	return n;
}

static bool same_settings(const char *a, size_t alen, const char *b, size_t blen)
{
	char *x = malloc(alen + 1), *y = malloc(blen + 1);
	FUZZ_CHECK(x && y, "malloc");
	size_t xn = strip_comments(a, alen, x), yn = strip_comments(b, blen, y);
	bool same = xn == yn && memcmp(x, y, xn) == 0;
	free(x);
	free(y);
	return same;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct portspec_error err;
	if (portspec_spec_new_default(&spec, &err) != PORTSPEC_OK) {
		fprintf(stderr, "built-in spec: %s\n", err.text);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!spec)
		LLVMFuzzerInitialize(NULL, NULL);
	struct portspec_profile *profile = NULL, *copy = NULL;
	struct portspec_error err;
	memset(&err, 0, sizeof(err));
	FUZZ_CHECK(portspec_profile_new(spec, &profile, NULL) == PORTSPEC_OK, "profile_new");
	enum portspec_status st =
		portspec_profile_parse(profile, (const char *)data, size, "fuzz", &err);
	if (st != PORTSPEC_OK) {
		fuzz_check_error(st, &err);
		portspec_profile_free(profile);
		return 0;
	}

	char *text = NULL, *text2 = NULL;
	size_t len = 0, len2 = 0;
	FUZZ_CHECK(portspec_profile_to_string(profile, &text, &len, NULL) == PORTSPEC_OK, "to_string");
	FUZZ_CHECK(strlen(text) == len, "profile text has a NUL byte");
	FUZZ_CHECK(portspec_profile_new(spec, &copy, NULL) == PORTSPEC_OK, "profile_new");
	st = portspec_profile_parse(copy, text, len, "effective", &err);
	FUZZ_CHECK(st == PORTSPEC_OK, "effective profile does not parse: %u:%u: %s\n%s", err.line,
		   err.column, err.text, text);
	FUZZ_CHECK(portspec_profile_to_string(copy, &text2, &len2, NULL) == PORTSPEC_OK, "to_string");
	FUZZ_CHECK(same_settings(text, len, text2, len2),
		   "effective profile is not a fixed point:\n%s\n----\n%s", text, text2);

	struct portspec_policy *policy = NULL;
	st = portspec_policy_new(spec, profile, &policy, &err);
	if (st != PORTSPEC_OK) {
		fuzz_check_error(st, &err);
		FUZZ_CHECK(policy == NULL, "policy set on failure");
	} else {
		fuzz_check_queries(policy);
		portspec_policy_free(policy);
	}
	portspec_free(text);
	portspec_free(text2);
	portspec_profile_free(copy);
	portspec_profile_free(profile);
	return 0;
}
