/* SPDX-License-Identifier: MIT */
/*
 * The hostile-input corpus: the fuzzers' seed inputs of the spec and profile
 * parsers (fuzz/corpus/spec/, fuzz/corpus/profile/), with what each must give
 * in tests/reliability/hostile/:
 *  - NAME.portspec is parsed as a spec; NAME.profile is applied to the
 *    built-in spec and compiled.  hostile/NAME.expect holds "STATUS LINE
 *    COLUMN" of the first failure, or "ok 0 0".  Every input has its .expect
 *    and every .expect its input.
 *  - inject-*.portspec also compile with the default profile and render
 *    through every backend in both modes; the text must match
 *    hostile/NAME.golden, and no output line may start with PWNED (a spec
 *    string that escaped its quoting and became a rule or a command).
 * Limits are tested with generated inputs (huge files, long lines, many
 * services, ports, zones, addresses).
 * PORTSPEC_REGEN=1 rewrites the .expect and .golden files.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <portspec/portspec.h>

#include "testutil.h"

/* $PORTSPEC_SRCDIR/@rel, in a static buffer. */
static const char *src_dir(const char *rel)
{
	assert_non_null(getenv("PORTSPEC_SRCDIR"));
	return tu_src_path(rel);
}

/* Where the expected outcomes are. */
static char expect_dir[2048];

/* A located error points inside the text: at most one line or column past it. */
static bool location_plausible(const char *text, size_t len, const struct portspec_error *err)
{
	if (err->line == 0)
		return err->column == 0;
	unsigned line = 1;
	size_t start = 0;
	for (size_t i = 0; i < len && line < err->line; i++) {
		if (text[i] == '\n') {
			line++;
			start = i + 1;
		}
	}
	if (line < err->line)
		return err->line == line + 1 && err->column <= 1;
	size_t end = start;
	while (end < len && text[end] != '\n')
		end++;
	return err->column >= 1 && err->column <= end - start + 1;
}

/* Error texts are printable UTF-8: no control characters, no broken sequences. */
static bool clean_text(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	while (*s) {
		if (*s < 0x20 || *s == 0x7f)
			return false;
		if (*s < 0x80) {
			s++;
			continue;
		}
		size_t n = (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3 : (*s & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0 || (n == 2 && s[1] < 0xa0 && *s == 0xc2))
			return false;
		for (size_t i = 1; i < n; i++)
			if ((s[i] & 0xc0) != 0x80)
				return false;
		s += n;
	}
	return true;
}

/* ---- one case ---- */
struct outcome {
	enum portspec_status status;
	struct portspec_error err;
	struct portspec_policy *policy;  /* compiled, for inject-* cases */
	struct portspec_policy *policy1; /* "either" services served from one zone */
};

static void run_spec(const char *name, const char *text, size_t len, struct outcome *o)
{
	struct portspec_spec *spec = NULL;
	o->status = portspec_spec_parse(text, len, name, &spec, &o->err);
	if (o->status != PORTSPEC_OK || strncmp(name, "inject-", 7) != 0) {
		portspec_spec_free(spec);
		return;
	}
	o->status = portspec_policy_new(spec, NULL, &o->policy, &o->err);
	/* Served from one zone, the either-note becomes a warning too. */
	struct portspec_profile *profile = NULL;
	if (o->status == PORTSPEC_OK && portspec_spec_zone_count(spec) > 0 &&
	    portspec_profile_new(spec, &profile, NULL) == PORTSPEC_OK) {
		const char *zone = portspec_zone_name(portspec_spec_zone(spec, 0));
		for (size_t i = 0; i < portspec_spec_service_count(spec); i++)
			portspec_profile_set(profile,
					     portspec_service_name(portspec_spec_service(spec, i)),
					     zone, NULL);
		struct portspec_error err;
		if (portspec_policy_new(spec, profile, &o->policy1, &err) != PORTSPEC_OK)
			o->policy1 = NULL;
	}
	portspec_profile_free(profile);
	portspec_spec_free(spec);
}

static struct portspec_spec *default_spec;

static void run_profile(const char *name, const char *text, size_t len, struct outcome *o)
{
	struct portspec_profile *profile = NULL;
	assert_int_equal(portspec_profile_new(default_spec, &profile, NULL), PORTSPEC_OK);
	o->status = portspec_profile_parse(profile, text, len, name, &o->err);
	if (o->status == PORTSPEC_OK) {
		struct portspec_policy *policy = NULL;
		o->status = portspec_policy_new(default_spec, profile, &policy, &o->err);
		portspec_policy_free(policy);
	}
	portspec_profile_free(profile);
}

/* No line of any rendering starts with the marker. */
static unsigned check_marker(const char *name, const char *backend, const char *mode,
			     const char *out)
{
	unsigned bad = 0, line = 1;
	for (const char *p = out; *p; line++) {
		const char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "PWNED", 5) == 0) {
			print_error("%s: %s %s: line %u of the output starts with a spec string\n",
				    name, backend, mode, line);
			bad++;
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return bad;
}

static unsigned render_golden(const char *name, struct portspec_policy *const policies[2])
{
	static const enum portspec_mode modes[] = { PORTSPEC_MODE_HOST, PORTSPEC_MODE_GATEWAY };
	unsigned bad = 0;
	size_t cap = 1 << 20, len = 0;
	char *all = malloc(cap);
	assert_non_null(all);
	all[0] = '\0';
#define APPEND(...)                                                                                \
	do {                                                                                       \
		int n_ = snprintf(NULL, 0, __VA_ARGS__);                                           \
		while (len + (size_t)n_ + 1 > cap) {                                               \
			all = realloc(all, cap *= 2);                                              \
			assert_non_null(all);                                                      \
		}                                                                                  \
		snprintf(all + len, cap - len, __VA_ARGS__);                                       \
		len += (size_t)n_;                                                                 \
	} while (0)
	APPEND("# rendered by tests/reliability/test-hostile.c; PORTSPEC_REGEN=1 rewrites it\n");
	for (size_t pi = 0; pi < 2; pi++) {
	const struct portspec_policy *policy = policies[pi];
	const char *label = pi ? "either services from one zone" : "default profile";
	if (!policy)
		continue;
	APPEND("=== warnings (%s) ===\n", label);
	for (size_t i = 0; i < portspec_policy_warning_count(policy); i++)
		APPEND("%s\n", portspec_policy_warning(policy, i));
	for (size_t b = 0; b < portspec_backend_count(); b++) {
		const char *backend = portspec_backend_name(b);
		for (size_t m = 0; m < 2; m++) {
			const char *mode = m ? "gateway" : "host";
			char *out = NULL;
			size_t olen = 0;
			struct portspec_error err;
			enum portspec_status st = portspec_render_to_string(
				policy, backend,
				&(struct portspec_render_options){.mode = modes[m]}, &out, &olen,
				&err);
			APPEND("=== %s %s (%s) ===\n", backend, mode, label);
			if (st != PORTSPEC_OK) {
				APPEND("error: %s: %s\n", portspec_status_name(st), err.text);
				continue;
			}
			bad += check_marker(name, backend, mode, out);
			APPEND("%s", out);
			portspec_free(out);
		}
	}
	}
#undef APPEND
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.golden", expect_dir, name);
	if (!tu_golden(path, all, len)) {
		print_error("%s: renderings differ from %s\n", name, path);
		bad++;
	}
	free(all);
	return bad;
}

static unsigned run_case(const char *dir, const char *file)
{
	char path[4096], name[512];
	const char *dot = strrchr(file, '.');
	bool is_spec = strcmp(dot, ".portspec") == 0;
	snprintf(name, sizeof(name), "%.*s", (int)(dot - file), file);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	size_t len = 0;
	char *text = tu_read_file(path, &len);
	assert_non_null(text);

	struct outcome o;
	memset(&o, 0, sizeof(o));
	if (is_spec)
		run_spec(name, text, len, &o);
	else
		run_profile(name, text, len, &o);

	unsigned bad = 0;
	if (o.status != PORTSPEC_OK) {
		if (o.err.status != o.status || !o.err.text[0]) {
			print_error("%s: the error does not match the status or has no text\n",
				    file);
			bad++;
		}
		if (!clean_text(o.err.text) || !clean_text(o.err.file)) {
			print_error("%s: the error text has control characters or bad UTF-8\n",
				    file);
			bad++;
		}
		/* A profile's compile error may point into the built-in spec instead. */
		const char *in = text;
		size_t in_len = len;
		if (!is_spec && !strcmp(o.err.file, "<default>")) {
			in = portspec_default_spec_text();
			in_len = strlen(in);
		} else if (o.err.file[0] && strcmp(o.err.file, name) != 0) {
			print_error("%s: the error names another file, '%s'\n", file, o.err.file);
			bad++;
		}
		if (!location_plausible(in, in_len, &o.err)) {
			print_error("%s: error at %u:%u is outside the text\n", file, o.err.line,
				    o.err.column);
			bad++;
		}
	}
	if (getenv("PORTSPEC_HOSTILE_VERBOSE")) {
		char buf[1024];
		print_message("%-36s %s\n", file,
			      o.status ? portspec_error_format(&o.err, buf, sizeof(buf)) : "ok");
	}
	char got[128], expect_path[4200];
	snprintf(got, sizeof(got), "%s %u %u\n", portspec_status_name(o.status),
		 o.status ? o.err.line : 0, o.status ? o.err.column : 0);
	snprintf(expect_path, sizeof(expect_path), "%s/%s.expect", expect_dir, name);
	if (tu_regen()) {
		assert_true(tu_write_file(expect_path, got, strlen(got)));
	} else {
		size_t elen = 0;
		char *want = tu_read_file(expect_path, &elen);
		if (!want || strcmp(want, got) != 0) {
			print_error("%s: expected %s got %s  (%s)\n", file,
				    want ? want : "(no .expect file)\n", got, o.err.text);
			bad++;
		}
		free(want);
	}
	if (o.policy) {
		struct portspec_policy *const policies[2] = { o.policy, o.policy1 };
		bad += render_golden(name, policies);
	}
	portspec_policy_free(o.policy);
	portspec_policy_free(o.policy1);
	free(text);
	return bad;
}

/* The names of a directory's files that end in @ext, sorted; NULL-terminated. */
static char **names_in(const char *dir, const char *ext)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	assert_true(n >= 0);
	size_t count = n > 0 ? (size_t)n : 0;
	char **names = calloc(count + 1, sizeof(*names));
	assert_non_null(names);
	size_t k = 0;
	for (size_t i = 0; i < count; i++) {
		const char *dot = strrchr(ents[i]->d_name, '.');
		if (dot && strcmp(dot, ext) == 0)
			assert_non_null(names[k++] = strdup(ents[i]->d_name));
		free(ents[i]);
	}
	free(ents);
	return names;
}

static void free_names(char **names)
{
	for (size_t i = 0; names[i]; i++)
		free(names[i]);
	free(names);
}

/* Whether @names has NAME@ext for the file NAME.EXT. */
static bool has_stem(char *const *names, const char *file, const char *ext)
{
	size_t stem = (size_t)(strrchr(file, '.') - file);
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == stem + strlen(ext) && !strncmp(names[i], file, stem) &&
		    !strcmp(names[i] + stem, ext))
			return true;
	return false;
}

static unsigned run_corpus(const char *rel, const char *ext)
{
	char in_dir[2048];
	snprintf(in_dir, sizeof(in_dir), "%s", src_dir(rel));
	char **names = names_in(in_dir, ext);
	unsigned bad = 0, count = 0;
	for (size_t i = 0; names[i]; i++) {
		bad += run_case(in_dir, names[i]);
		count++;
	}
	free_names(names);
	print_message("%u %s cases of %s, %u failures\n", count, ext, rel, bad);
	assert_true(count > 0);
	return bad;
}

static void test_spec_corpus(void **state)
{
	assert_int_equal(run_corpus("fuzz/corpus/spec", ".portspec"), 0);
}

static void test_profile_corpus(void **state)
{
	assert_int_equal(run_corpus("fuzz/corpus/profile", ".profile"), 0);
}

/* Every expected outcome is of an input: none is left over from a removed one. */
static void test_no_stray_expectations(void **state)
{
	char spec_dir[2048], profile_dir[2048];
	snprintf(spec_dir, sizeof(spec_dir), "%s", src_dir("fuzz/corpus/spec"));
	snprintf(profile_dir, sizeof(profile_dir), "%s", src_dir("fuzz/corpus/profile"));
	char **specs = names_in(spec_dir, ".portspec");
	char **profiles = names_in(profile_dir, ".profile");
	unsigned stray = 0;
	for (int g = 0; g < 2; g++) {
		char **names = names_in(expect_dir, g ? ".golden" : ".expect");
		for (size_t i = 0; names[i]; i++) {
			if (has_stem(specs, names[i], ".portspec") ||
			    (!g && has_stem(profiles, names[i], ".profile")))
				continue;
			print_error("%s/%s: no input of that name in fuzz/corpus/spec or "
				    "fuzz/corpus/profile\n", expect_dir, names[i]);
			stray++;
		}
		free_names(names);
	}
	free_names(specs);
	free_names(profiles);
	assert_int_equal(stray, 0);
}

/* ---- generated inputs at and past the limits ---- */
struct text {
	char *data;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	while (t->len + (size_t)n + 1 > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 4096;
		t->data = realloc(t->data, t->cap);
		assert_non_null(t->data);
	}
	va_start(ap, fmt);
	vsnprintf(t->data + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static void put_repeat(struct text *t, char c, size_t n)
{
	while (n--)
		put(t, "%c", c);
}

static enum portspec_status parse_spec(const struct text *t, struct portspec_error *err)
{
	struct portspec_spec *spec = NULL;
	enum portspec_status st = portspec_spec_parse(t->data, t->len, "gen", &spec, err);
	assert_true(st == PORTSPEC_OK ? spec != NULL : spec == NULL);
	portspec_spec_free(spec);
	return st;
}

static const char svc[] = "service smtp {\n\tlevel required\n\ttcp 25\n}\n";
static const char head[] = "portspec 1\nzone outside complement \"Outside\"\n"
			   "service smtp {\n\tlevel required\n\ttcp 25\n}\n";

static void expect_status(enum portspec_status st, enum portspec_status want,
			  const struct portspec_error *err, const char *what)
{
	if (st != want)
		fail_msg("%s: got %s (%s), want %s", what, portspec_status_name(st), err->text,
			 portspec_status_name(want));
}

static void test_huge_input(void **state)
{
	struct portspec_error err;
	/* One byte past 64 MiB is refused before it is read. */
	size_t big = 64u * 1024u * 1024u + 1;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, '#', big);
	struct portspec_spec *spec = NULL;
	expect_status(portspec_spec_parse(huge, big, "huge", &spec, &err), PORTSPEC_E_LIMIT, &err,
		      "64 MiB + 1 spec");
	assert_null(spec);
	struct portspec_profile *profile = NULL;
	assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	assert_int_equal(portspec_profile_new(spec, &profile, NULL), PORTSPEC_OK);
	expect_status(portspec_profile_parse(profile, huge, big, "huge", &err), PORTSPEC_E_LIMIT,
		      &err, "64 MiB + 1 profile");
	free(huge);

	/* The same from a (sparse) file. */
	char path[] = "/tmp/portspec-huge-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)big), 0);
	close(fd);
	struct portspec_spec *loaded = NULL;
	expect_status(portspec_spec_load(path, &loaded, &err), PORTSPEC_E_LIMIT, &err,
		      "64 MiB + 1 spec file");
	assert_null(loaded);
	expect_status(portspec_profile_load(profile, path, &err), PORTSPEC_E_LIMIT, &err,
		      "64 MiB + 1 profile file");
	unlink(path);
	expect_status(portspec_spec_load("/nonexistent/portspec", &loaded, &err), PORTSPEC_E_IO,
		      &err, "missing file");
	expect_status(portspec_spec_load("/", &loaded, &err), PORTSPEC_E_IO, &err, "directory");
	portspec_profile_free(profile);
	portspec_spec_free(spec);
}

static void test_long_lines(void **state)
{
	struct portspec_error err;
	struct text t = { 0 };
	/* A comment line of 8192 bytes is fine; one more byte is not. */
	put(&t, "%s#", head);
	put_repeat(&t, 'x', 8191);
	put(&t, "\n");
	expect_status(parse_spec(&t, &err), PORTSPEC_OK, &err, "8192-byte line");
	t.len = 0;
	put(&t, "%s#", head);
	put_repeat(&t, 'x', 8192);
	put(&t, "\n");
	expect_status(parse_spec(&t, &err), PORTSPEC_E_LIMIT, &err, "8193-byte line");
	assert_int_equal(err.line, 7);
	/* The same without a final newline. */
	t.len--;
	expect_status(parse_spec(&t, &err), PORTSPEC_E_LIMIT, &err, "8193-byte last line");

	/* Strings: 4096 bytes are fine, 4097 are not. */
	t.len = 0;
	put(&t, "portspec 1\nzone outside complement \"");
	put_repeat(&t, 's', 4096);
	put(&t, "\"\n%s", svc);
	expect_status(parse_spec(&t, &err), PORTSPEC_OK, &err, "4096-byte string");
	t.len = 0;
	put(&t, "portspec 1\nzone outside complement \"");
	put_repeat(&t, 's', 4097);
	put(&t, "\"\n%s", svc);
	expect_status(parse_spec(&t, &err), PORTSPEC_E_LIMIT, &err, "4097-byte string");
	assert_int_equal(err.line, 2);
	free(t.data);
}

static void test_many(void **state)
{
	struct portspec_error err;
	struct text t = { 0 };
	/* Many services parse in reasonable time. */
	put(&t, "%s", head);
	for (int i = 0; i < 20000; i++)
		put(&t, "service s%d {\n\tlevel required\n\ttcp %d\n}\n", i, i % 65535 + 1);
	expect_status(parse_spec(&t, &err), PORTSPEC_OK, &err, "20000 services");

	/*
	 * Long service lists: the same services in several flows are fine, one
	 * listed twice in a flow is an error at its second mention.
	 */
	t.len = 0;
	put(&t, "%s", head);
	for (int i = 0; i < 1500; i++)
		put(&t, "service s%d {\n\tlevel optional\n\ttcp %d\n}\n", i, i + 1);
	size_t line_start = 0;
	for (int f = 0; f < 3; f++) {
		line_start = t.len;
		put(&t, "flow inbound outside services");
		for (int i = 0; i < 1500; i++)
			put(&t, " s%d", i);
		if (f == 2)
			put(&t, " s0");
		put(&t, "\n");
	}
	expect_status(parse_spec(&t, &err), PORTSPEC_E_PARSE, &err, "service listed twice");
	assert_int_equal(err.line, 6 + 1500 * 4 + 3);
	assert_int_equal(err.column, t.len - 3 - line_start + 1);
	t.len -= 4;
	put(&t, "\n");
	expect_status(parse_spec(&t, &err), PORTSPEC_OK, &err, "1500 services in 3 flows");

	/* Ports per service. */
	t.len = 0;
	put(&t, "%sservice s {\n\tlevel required\n", head);
	for (int i = 1; i <= 1025; i++)
		put(&t, "\ttcp %d\n", i);
	put(&t, "}\n");
	expect_status(parse_spec(&t, &err), PORTSPEC_E_LIMIT, &err, "1025 port ranges");

	/* Zones and interfaces. */
	t.len = 0;
	put(&t, "portspec 1\n");
	for (int i = 0; i < 33; i++)
		put(&t, "zone z%d networks \"z\"\n", i);
	expect_status(parse_spec(&t, &err), PORTSPEC_E_LIMIT, &err, "33 zones");
	assert_int_equal(err.line, 34);
	t.len = 0;
	put(&t, "%s", head);
	for (int i = 0; i < 33; i++)
		put(&t, "interface i%d \"i\"\n", i);
	expect_status(parse_spec(&t, &err), PORTSPEC_E_LIMIT, &err, "33 interfaces");
	assert_int_equal(err.line, 39);

	/*
	 * A few megabytes that would expand to millions of flows: refused before
	 * anything is built (100 services x 1024 ports x 10 flows > 1,000,000).
	 */
	t.len = 0;
	put(&t, "portspec 1\nzone outside complement \"o\"\n");
	for (int i = 0; i < 100; i++) {
		put(&t, "service s%d {\n\tlevel required\n", i);
		for (int k = 1; k <= 1024; k++)
			put(&t, "\ttcp %d\n", k);
		put(&t, "}\n");
	}
	for (int f = 0; f < 10; f++) {
		put(&t, "flow %s outside services", f % 2 ? "inbound" : "outbound");
		for (int i = 0; i < 100; i++)
			put(&t, " s%d", i);
		put(&t, "\n");
	}
	struct portspec_spec *big = NULL;
	assert_int_equal(portspec_spec_parse(t.data, t.len, "gen", &big, &err), PORTSPEC_OK);
	struct portspec_policy *policy = NULL;
	expect_status(portspec_policy_new(big, NULL, &policy, &err), PORTSPEC_E_LIMIT, &err,
		      "1,024,000 flows");
	assert_null(policy);
	assert_int_equal(err.line, 2 + 100 * 1027 + 10);
	portspec_spec_free(big);

	/* Addresses in a profile. */
	t.len = 0;
	for (int i = 0; i < 4097; i++)
		put(&t, "inside = 10.%d.%d.0/24\n", i / 256, i % 256);
	struct portspec_profile *profile = NULL;
	struct portspec_spec *spec = NULL;
	assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	assert_int_equal(portspec_profile_new(spec, &profile, NULL), PORTSPEC_OK);
	expect_status(portspec_profile_parse(profile, t.data, t.len, "gen", &err),
		      PORTSPEC_E_LIMIT, &err, "4097 inside networks");
	assert_int_equal(err.line, 4097);
	portspec_profile_free(profile);
	portspec_spec_free(spec);
	free(t.data);
}

/* A policy without flows renders to complete, NUL-terminated (possibly empty) texts. */
static void test_empty_policy(void **state)
{
	static const char text[] = "portspec 1\nzone outside complement \"Outside\"\n"
				   "service ssh {\n\tlevel optional\n\ttcp 22\n}\n"
				   "flow inbound outside services ssh\n";
	struct portspec_error err;
	struct portspec_spec *spec = NULL;
	struct portspec_profile *profile = NULL;
	struct portspec_policy *policy = NULL;
	assert_int_equal(portspec_spec_parse(text, strlen(text), "empty", &spec, &err), PORTSPEC_OK);
	assert_int_equal(portspec_profile_new(spec, &profile, NULL), PORTSPEC_OK);
	assert_int_equal(portspec_profile_required_only(profile, NULL), PORTSPEC_OK);
	assert_int_equal(portspec_policy_new(spec, profile, &policy, &err), PORTSPEC_OK);
	assert_int_equal(portspec_policy_flow_count(policy), 0);
	for (size_t b = 0; b < portspec_backend_count(); b++) {
		for (int m = PORTSPEC_MODE_HOST; m <= PORTSPEC_MODE_GATEWAY; m++) {
			for (unsigned fl = 0; fl <= PORTSPEC_RENDER_FRAGMENT; fl++) {
				char *out = NULL;
				size_t len = 12345;
				if (portspec_render_to_string(policy, portspec_backend_name(b),
							      &(struct portspec_render_options){
								      .mode = m, .flags = fl},
							      &out, &len, &err) != PORTSPEC_OK)
					continue;
				assert_non_null(memchr(out, '\0', len + 1));
				assert_int_equal(strlen(out), len);
				portspec_free(out);
			}
		}
	}
	portspec_policy_free(policy);
	portspec_profile_free(profile);
	portspec_spec_free(spec);
}

static int setup(void **state)
{
	struct portspec_error err;
	const char *src = getenv("PORTSPEC_SRCDIR");
	snprintf(expect_dir, sizeof(expect_dir), "%s/tests/reliability/hostile", src ? src : ".");
	return portspec_spec_new_default(&default_spec, &err) == PORTSPEC_OK ? 0 : -1;
}

static int teardown(void **state)
{
	portspec_spec_free(default_spec);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_corpus),
		cmocka_unit_test(test_profile_corpus),
		cmocka_unit_test(test_no_stray_expectations),
		cmocka_unit_test(test_huge_input),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_empty_policy),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
