/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

char *tu_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	size_t cap = 1 << 16, n = 0, r;
	char *buf = malloc(cap + 1);
	while (buf && (r = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += r;
		if (n == cap) {
			char *p = realloc(buf, (cap *= 2) + 1);
			if (!p)
				free(buf);
			buf = p;
		}
	}
	bool failed = ferror(fp);
	fclose(fp);
	if (failed) {
		free(buf);
		return NULL;
	}
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	return buf;
}

const char *tu_src_path(const char *rel)
{
	static char path[4096];
	const char *src = getenv("PORTSPEC_SRCDIR");
	snprintf(path, sizeof(path), "%s/%s", src ? src : ".", rel);
	return path;
}

bool tu_regen(void)
{
	const char *r = getenv("PORTSPEC_REGEN");
	return r && strcmp(r, "1") == 0;
}

bool tu_write_file(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return false;
	bool ok = fwrite(text, 1, len, fp) == len;
	return fclose(fp) == 0 && ok;
}

bool tu_golden(const char *path, const char *text, size_t len)
{
	if (tu_regen()) {
		if (!tu_write_file(path, text, len)) {
			fprintf(stderr, "cannot write %s\n", path);
			return false;
		}
		return true;
	}
	size_t glen = 0;
	char *want = tu_read_file(path, &glen);
	if (!want) {
		fprintf(stderr, "golden file %s is missing; PORTSPEC_REGEN=1 creates it\n", path);
		return false;
	}
	bool same = glen == len && memcmp(want, text, len) == 0;
	if (!same) {
		size_t line = 1;
		for (size_t i = 0; i < glen && i < len && want[i] == text[i]; i++)
			line += want[i] == '\n';
		char actual[4200];
		snprintf(actual, sizeof(actual), "%s.actual", path);
		tu_write_file(actual, text, len);
		fprintf(stderr,
			"%s differs from the rendering at line %zu (see %s); review the change and "
			"run with PORTSPEC_REGEN=1 to accept it\n",
			path, line, actual);
	}
	free(want);
	return same;
}

int tu_allowed(const struct portspec_policy *policy, const char *zone,
	       enum portspec_direction direction, enum portspec_protocol protocol, unsigned port,
	       const struct portspec_flow **match)
{
	bool allowed = false;
	enum portspec_status st =
		portspec_is_allowed(policy, zone, direction, protocol, port, &allowed, match, NULL);
	return st ? -(int)st : allowed;
}

int tu_allowed_zone(const struct portspec_policy *policy, const struct portspec_zone *zone,
		    enum portspec_direction direction, enum portspec_protocol protocol,
		    unsigned port, const struct portspec_flow **match)
{
	bool allowed = false;
	enum portspec_status st = portspec_is_allowed_zone(policy, zone, direction, protocol, port,
							   &allowed, match, NULL);
	return st ? -(int)st : allowed;
}

struct portspec_policy *tu_policy(const struct portspec_spec *spec, const char *const *sets,
				  char *why, size_t whylen)
{
	struct portspec_profile *profile = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_error err = {0};
	if (portspec_profile_new(spec, &profile, &err)) {
		snprintf(why, whylen, "profile: %s", err.text);
		return NULL;
	}
	for (size_t i = 0; sets && sets[i]; i++) {
		char key[64];
		const char *eq = strchr(sets[i], '=');
		if (!eq) {
			snprintf(why, whylen, "%s: not key=value", sets[i]);
			portspec_profile_free(profile);
			return NULL;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - sets[i]), sets[i]);
		if (portspec_profile_set(profile, key, eq + 1, &err)) {
			snprintf(why, whylen, "%s: %s", sets[i], err.text);
			portspec_profile_free(profile);
			return NULL;
		}
	}
	if (portspec_policy_new(spec, profile, &policy, &err))
		snprintf(why, whylen, "policy: %s", err.text);
	portspec_profile_free(profile);
	return policy;
}
