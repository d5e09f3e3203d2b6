/* SPDX-License-Identifier: MIT */
/*
 * The whole pipeline: spec text, then (after a "\n%%\n" line) profile text,
 * compiled and rendered by every backend in both modes, whole and as a
 * fragment.  A render either fails with a reason and writes nothing, or
 * gives text without NUL bytes, the same text every time, in which no line
 * starts with a word that came from a spec string (a string that smuggled a
 * newline into the rules).
 */
#include "fuzz-common.h"

struct sink {
	size_t calls;
};

static int count_sink(void *userdata, const char *data, size_t len)
{
	struct sink *s = userdata;
	(void)data;
	(void)len;
	s->calls++;
	return 0;
}

/* Lines that start with the marker the seeds put after newlines in strings. */
static void check_injection(const char *out, const char *backend)
{
	for (const char *line = out; line && *line;) {
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		FUZZ_CHECK(strncmp(p, "PWNED", 5) != 0, "%s: a spec string became a line:\n%s",
			   backend, out);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

static void render_all(const struct portspec_policy *policy)
{
	static const enum portspec_mode modes[] = { PORTSPEC_MODE_HOST, PORTSPEC_MODE_GATEWAY };
	for (size_t b = 0; b < portspec_backend_count(); b++) {
		const char *name = portspec_backend_name(b);
		for (size_t m = 0; m < 2; m++) {
			for (unsigned flags = 0; flags <= PORTSPEC_RENDER_FRAGMENT; flags++) {
				struct portspec_error err;
				memset(&err, 0xff, sizeof(err)); /* a failure must fill it */
				char *out = NULL;
				size_t len = 0;
				enum portspec_status st = portspec_render_to_string(
					policy, name,
					&(struct portspec_render_options){
						.mode = modes[m], .flags = flags, .name = "fz"},
					&out, &len, &err);
				if (st != PORTSPEC_OK) {
					fuzz_check_error(st, &err);
					FUZZ_CHECK(out == NULL, "%s: output set on failure", name);
					struct sink s = { 0 };
					enum portspec_status st2 = portspec_render(
						policy, name,
						&(struct portspec_render_options){.mode = modes[m],
										  .flags = flags,
										  .name = "fz"},
						count_sink, &s, &err);
					FUZZ_CHECK(st2 == st && s.calls == 0,
						   "%s: render to a sink: %d, %zu writes", name,
						   (int)st2, s.calls);
					continue;
				}
				FUZZ_CHECK(out && strlen(out) == len, "%s: NUL byte in the output",
					   name);
				check_injection(out, name);
				if (b == 0 && m == 0 && flags == 0) {
					char *again = NULL;
					size_t len2 = 0;
					st = portspec_render_to_string(
						policy, name,
						&(struct portspec_render_options){.mode = modes[m],
										  .flags = flags,
										  .name = "fz"},
						&again, &len2, &err);
					FUZZ_CHECK(st == PORTSPEC_OK && len2 == len &&
							   memcmp(out, again, len) == 0,
						   "%s: output differs between two renders", name);
					portspec_free(again);
				}
				portspec_free(out);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *spec_text, *profile_text;
	size_t spec_len, profile_len;
	fuzz_split(data, size, &spec_text, &spec_len, &profile_text, &profile_len);

	struct portspec_error err;
	struct portspec_spec *spec = NULL;
	if (portspec_spec_parse(spec_text, spec_len, "fuzz", &spec, &err) != PORTSPEC_OK)
		return 0;
	struct portspec_profile *profile = NULL;
	FUZZ_CHECK(portspec_profile_new(spec, &profile, NULL) == PORTSPEC_OK, "profile_new");
	if (profile_text &&
	    portspec_profile_parse(profile, profile_text, profile_len, "fuzz", &err) != PORTSPEC_OK)
		goto out;
	struct portspec_policy *policy = NULL;
	if (portspec_policy_new(spec, profile, &policy, &err) != PORTSPEC_OK)
		goto out;
	/* The policy keeps what it needs: free the rest first. */
	portspec_profile_free(profile);
	profile = NULL;
	portspec_spec_free(spec);
	spec = NULL;
	fuzz_check_queries(policy);
	render_all(policy);
	portspec_policy_free(policy);
out:
	portspec_profile_free(profile);
	portspec_spec_free(spec);
	return 0;
}
