/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

bool cli_add_set(struct cli_policy_opts *o, const char *kv)
{
	const char **s = realloc(o->sets, (o->nsets + 1) * sizeof(*s));
	if (!s) {
		fprintf(stderr, "portspec: out of memory\n");
		return false;
	}
	o->sets = s;
	o->sets[o->nsets++] = kv;
	return true;
}

void cli_policy_opts_release(struct cli_policy_opts *o)
{
	free(o->sets);
	o->sets = NULL;
	o->nsets = 0;
}

int cli_report(const struct portspec_error *err)
{
	char buf[1024];
	fprintf(stderr, "portspec: %s\n", portspec_error_format(err, buf, sizeof(buf)));
	switch (err->status) {
	case PORTSPEC_OK: return EXIT_OK;
	case PORTSPEC_E_IO: return EXIT_IOERR;
	case PORTSPEC_E_INVALID: return EXIT_USAGE;
	case PORTSPEC_E_UNSUPPORTED: return EXIT_USAGE;
	default: return EXIT_DATAERR;
	}
}

int cli_load_spec(const char *path, struct portspec_spec **out)
{
	struct portspec_error err = {0};
	enum portspec_status st = path ? portspec_spec_load(path, out, &err)
				       : portspec_spec_new_default(out, &err);
	return st ? cli_report(&err) : EXIT_OK;
}

int cli_load_policy(const struct cli_policy_opts *o, bool quiet, struct portspec_spec **spec_out,
		    struct portspec_policy **policy_out)
{
	struct portspec_spec *spec = NULL;
	struct portspec_profile *profile = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_error err = {0};
	int rc = cli_load_spec(o->spec_path, &spec);
	if (rc)
		return rc;
	enum portspec_status st = portspec_profile_new(spec, &profile);
	if (st) {
		err.status = st;
		snprintf(err.text, sizeof(err.text), "%s", portspec_strerror(st));
		goto fail;
	}
	if (o->profile_path && (st = portspec_profile_load(profile, o->profile_path, &err)))
		goto fail;
	for (size_t i = 0; i < o->nsets; i++) {
		const char *eq = strchr(o->sets[i], '=');
		if (!eq) {
			fprintf(stderr, "portspec: --set takes KEY=VALUE, got '%s'\n", o->sets[i]);
			portspec_profile_free(profile);
			portspec_spec_free(spec);
			return EXIT_USAGE;
		}
		char key[128];
		snprintf(key, sizeof(key), "%.*s", (int)(eq - o->sets[i]), o->sets[i]);
		if ((st = portspec_profile_set(profile, key, eq + 1, &err))) {
			char prefix[160];
			snprintf(prefix, sizeof(prefix), "--set %s", key);
			if (!err.file[0])
				snprintf(err.file, sizeof(err.file), "%s", prefix);
			goto fail;
		}
	}
	if ((st = portspec_policy_new(spec, profile, &policy, &err)))
		goto fail;
	portspec_profile_free(profile);
	if (!quiet)
		for (size_t i = 0; i < portspec_policy_warning_count(policy); i++)
			fprintf(stderr, "portspec: warning: %s\n", portspec_policy_warning(policy, i));
	*spec_out = spec;
	*policy_out = policy;
	return EXIT_OK;
fail:
	portspec_profile_free(profile);
	portspec_spec_free(spec);
	return cli_report(&err);
}
