/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Adds the option to `o`; returns false (after printing) on allocation failure. */
static bool add_set(struct cli_policy_opts *o, const char *kv)
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

int cli_exit_code(enum portspec_status st)
{
	switch (st) {
	case PORTSPEC_OK: return EXIT_OK;
	case PORTSPEC_E_IO: return EXIT_IOERR;
	/* as the command's own allocations: not a fault of the input */
	case PORTSPEC_E_NOMEM: return EXIT_IOERR;
	case PORTSPEC_E_INVALID: return EXIT_USAGE;
	case PORTSPEC_E_UNSUPPORTED: return EXIT_USAGE;
	default: return EXIT_DATAERR;
	}
}

int cli_report(const struct portspec_error *err)
{
	char buf[1024];
	fprintf(stderr, "portspec: %s\n", portspec_error_format(err, buf, sizeof(buf)));
	return cli_exit_code(err->status);
}

/* One of the policy options (s, p, S, q): 1 if `c` was one, 0 if not, or minus
 * the exit code (EXIT_USAGE, EXIT_IOERR) after printing an error. */
static int policy_opt(struct cli_policy_opts *o, int c, const char *arg)
{
	switch (c) {
	case 's': o->spec_path = arg; return 1;
	case 'p': o->profile_path = arg; return 1;
	case 'q':
		if (!arg || !strcmp(arg, "all"))
			o->quiet = CLI_QUIET_ALL;
		else if (!strcmp(arg, "notes"))
			o->quiet |= CLI_QUIET_NOTES;
		else if (!strcmp(arg, "warnings"))
			o->quiet |= CLI_QUIET_WARNINGS;
		else {
			fprintf(stderr, "portspec: --quiet takes notes, warnings or all, not "
					"'%.64s'; -q alone hides both\n", arg);
			return -EXIT_USAGE;
		}
		return 1;
	case 'S': return add_set(o, arg) ? 1 : -EXIT_IOERR;
	default: return 0;
	}
}

enum { MAX_OPTIONS = 32 };

/* The short options of a getopt_long table: an option whose value is a letter
 * has it as its short form, with a value as its long form has. */
static void short_options(const struct option *opts, char *out)
{
	for (const struct option *o = opts; o->name; o++) {
		if (o->val <= ' ' || o->val > '~')
			continue;
		*out++ = (char)o->val;
		if (o->has_arg != no_argument)
			*out++ = ':';
		if (o->has_arg == optional_argument)
			*out++ = ':';
	}
	*out = '\0';
}

bool cli_parse(const struct cli_command *cmd, void *ctx, struct cli_policy_opts *policy,
	       int argc, char **argv, int *rc)
{
	/* The policy options, then --help: with no policy, only --help. */
	static const struct option shared[] = {
		{"spec", required_argument, NULL, 's'},
		{"profile", required_argument, NULL, 'p'},
		{"set", required_argument, NULL, 'S'},
		{"quiet", optional_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
	};
	size_t nshared = sizeof(shared) / sizeof(shared[0]);
	struct option opts[MAX_OPTIONS + 1];
	char shortopts[3 * MAX_OPTIONS + 1];
	size_t n = 0;
	for (const struct option *o = cmd->opts; o && o->name; o++) {
		if (n == MAX_OPTIONS - nshared)
			abort(); /* raise MAX_OPTIONS */
		opts[n++] = *o;
	}
	for (size_t i = policy ? 0 : nshared - 1; i < nshared; i++)
		opts[n++] = shared[i];
	opts[n] = (struct option){0};
	short_options(opts, shortopts);

	int c;
	*rc = EXIT_OK;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		int handled = policy ? policy_opt(policy, c, optarg) : 0;
		if (handled < 0)
			*rc = -handled;
		else if (handled)
			continue;
		else if (c == 'h')
			cmd->help();
		else if (((c == '?' || c == ':') && !cmd->take_unknown) || !cmd->take)
			*rc = cli_bad_option(cmd->name, cmd->usage, argv);
		else if (!(*rc = cmd->take(ctx, c, optarg)))
			continue;
		return false;
	}
	return true;
}

bool cli_parse_port(const char *s, unsigned *port)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
		return false;
	unsigned long v = strtoul(s, NULL, 10);
	if (v < 1 || v > 65535)
		return false;
	*port = (unsigned)v;
	return true;
}

int cli_usage_error(const char *cmd, const char *usage, const char *why)
{
	if (why)
		fprintf(stderr, "portspec %s: %s\n", cmd, why);
	fprintf(stderr, "%sTry 'portspec %s --help'.\n", usage, cmd);
	return EXIT_USAGE;
}

const char *cli_unexpected(const char *arg, const char *option)
{
	static char why[256];
	if (option && portspec_backend_kind(arg))
		snprintf(why, sizeof(why), "unexpected argument '%.64s'; the backend is an option: "
					   "%s %.64s", arg, option, arg);
	else
		snprintf(why, sizeof(why), "unexpected argument '%.64s'", arg);
	return why;
}

int cli_bad_option(const char *cmd, const char *usage, char **argv)
{
	char why[160];
	const char *opt = optind > 0 ? argv[optind - 1] : "";
	if (optopt && strncmp(opt, "--", 2) != 0)
		snprintf(why, sizeof(why), "unknown option '-%c', or it needs a value", optopt);
	else
		snprintf(why, sizeof(why), "unknown option '%.100s', or it needs a value", opt);
	return cli_usage_error(cmd, usage, why);
}

static enum portspec_status apply_set(struct portspec_profile *profile, const char *kv,
				      struct portspec_error *err)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv) {
		*err = (struct portspec_error){.status = PORTSPEC_E_INVALID};
		snprintf(err->text, sizeof(err->text), "--set takes KEY=VALUE, got '%.200s'", kv);
		return PORTSPEC_E_INVALID;
	}
	char key[128];
	snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
	enum portspec_status st = portspec_profile_set(profile, key, eq + 1, err);
	if (st && !err->file[0])
		snprintf(err->file, sizeof(err->file), "--set %s", key);
	return st;
}

enum portspec_status cli_build_policy(const struct cli_policy_opts *o, const char *const *extra,
				      size_t nextra, const struct portspec_spec *spec,
				      struct portspec_policy **out, struct portspec_error *err)
{
	struct portspec_profile *profile = NULL;
	*err = (struct portspec_error){0};
	enum portspec_status st = portspec_profile_new(spec, &profile, NULL);
	if (st) {
		err->status = st;
		snprintf(err->text, sizeof(err->text), "%s", portspec_strerror(st));
		return st;
	}
	if (o->profile_path)
		st = portspec_profile_load(profile, o->profile_path, err);
	for (size_t i = 0; !st && i < o->nsets; i++)
		st = apply_set(profile, o->sets[i], err);
	for (size_t i = 0; !st && i < nextra; i++)
		st = apply_set(profile, extra[i], err);
	if (!st)
		st = portspec_policy_new(spec, profile, out, err);
	portspec_profile_free(profile);
	return st;
}

int cli_load_spec(const char *path, struct portspec_spec **out)
{
	struct portspec_error err = {0};
	enum portspec_status st = path ? portspec_spec_load(path, out, &err)
				       : portspec_spec_new_default(out, &err);
	return st ? cli_report(&err) : EXIT_OK;
}

/* Warnings carry spec text: one line each, with no control characters that
 * could fake another diagnostic or drive the terminal.  stderr is unbuffered
 * and a big spec has thousands of warnings: a line is written in one piece
 * (per 512 bytes), not a write per character. */
void cli_print_warning(const struct cli_policy_opts *o, enum portspec_warning_kind kind,
		       const char *text)
{
	bool note = portspec_warning_kind_is_note(kind);
	if (o->quiet & (note ? CLI_QUIET_NOTES : CLI_QUIET_WARNINGS))
		return;
	const char *head = note ? "portspec: note: " : "portspec: warning: ";
	char line[512];
	size_t n = strlen(head);
	memcpy(line, head, n);
	for (const unsigned char *c = (const unsigned char *)text;; c++) {
		if (n == sizeof(line)) {
			fwrite(line, 1, n, stderr);
			n = 0;
		}
		if (!*c)
			break;
		line[n++] = (char)(*c < 0x20 || *c == 0x7f ? ' ' : *c);
	}
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
}

/* Loads the spec and compiles the policy; prints nothing on success. */
static int load_policy(const struct cli_policy_opts *o, struct portspec_spec **spec_out,
		       struct portspec_policy **policy_out)
{
	struct portspec_spec *spec = NULL;
	struct portspec_error err = {0};
	int rc = cli_load_spec(o->spec_path, &spec);
	if (rc)
		return rc;
	if (cli_build_policy(o, NULL, 0, spec, policy_out, &err)) {
		portspec_spec_free(spec);
		return cli_report(&err);
	}
	*spec_out = spec;
	return EXIT_OK;
}

int cli_load_policy(const struct cli_policy_opts *o, bool quiet, struct portspec_spec **spec_out,
		    struct portspec_policy **policy_out)
{
	int rc = load_policy(o, spec_out, policy_out);
	if (!rc && !quiet)
		for (size_t i = 0; i < portspec_policy_warning_count(*policy_out); i++)
			cli_print_warning(o, portspec_policy_warning_kind(*policy_out, i),
					  portspec_policy_warning(*policy_out, i));
	return rc;
}

int cli_load_policy_mode(const struct cli_policy_opts *o, enum portspec_mode mode,
			 struct portspec_spec **spec_out, struct portspec_policy **policy_out)
{
	int rc = load_policy(o, spec_out, policy_out);
	const struct portspec_plan *plan = rc ? NULL : portspec_policy_plan(*policy_out, mode);
	for (size_t i = 0; plan && i < portspec_plan_warning_count(plan); i++)
		cli_print_warning(o, portspec_plan_warning_kind(plan, i),
				  portspec_plan_warning(plan, i));
	return rc;
}

bool cli_parse_mode(const char *name, enum portspec_mode *out)
{
	if (!strcmp(name, "host"))
		*out = PORTSPEC_MODE_HOST;
	else if (!strcmp(name, "gateway"))
		*out = PORTSPEC_MODE_GATEWAY;
	else
		return false;
	return true;
}

struct cli_service_slot {
	uintptr_t handle;
	size_t index;
};

static int cmp_slot(const void *a, const void *b)
{
	uintptr_t x = ((const struct cli_service_slot *)a)->handle;
	uintptr_t y = ((const struct cli_service_slot *)b)->handle;
	return (x > y) - (x < y);
}

bool cli_service_index_init(struct cli_service_index *x, const struct portspec_spec *spec)
{
	size_t n = portspec_spec_service_count(spec);
	x->count = 0;
	x->slots = calloc(n ? n : 1, sizeof(*x->slots));
	if (!x->slots) {
		fprintf(stderr, "portspec: out of memory\n");
		return false;
	}
	for (size_t i = 0; i < n; i++)
		x->slots[i] = (struct cli_service_slot){
			.handle = (uintptr_t)portspec_spec_service(spec, i), .index = i};
	qsort(x->slots, n, sizeof(*x->slots), cmp_slot);
	x->count = n;
	return true;
}

size_t cli_service_index_of(const struct cli_service_index *x, const struct portspec_service *svc)
{
	struct cli_service_slot key = {.handle = (uintptr_t)svc};
	const struct cli_service_slot *s = bsearch(&key, x->slots, x->count, sizeof(key), cmp_slot);
	return s ? s->index : SIZE_MAX;
}

void cli_service_index_release(struct cli_service_index *x)
{
	free(x->slots);
	x->slots = NULL;
	x->count = 0;
}

size_t cli_zone_index(const struct portspec_spec *spec, const struct portspec_zone *zone)
{
	for (size_t z = 0; z < portspec_spec_zone_count(spec); z++)
		if (portspec_spec_zone(spec, z) == zone)
			return z;
	return SIZE_MAX;
}
