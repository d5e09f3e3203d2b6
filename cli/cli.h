/* SPDX-License-Identifier: MIT */
/*
 * The portspec command-line tool: one dispatcher (main.c), one file per
 * subcommand (cmd-NAME.c defining `int cmd_NAME(int argc, char **argv)`),
 * shared option handling here.
 */
#ifndef PORTSPEC_CLI_H
#define PORTSPEC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portspec/portspec.h>

/* Exit codes (portspec(1) EXIT STATUS); the data/IO ones follow sysexits.h. */
enum {
	EXIT_OK = 0,
	EXIT_DENIED = 1, /* denied, or findings */
	EXIT_USAGE = 2,
	EXIT_DATAERR = 65, /* bad spec or profile */
	EXIT_UNAVAILABLE = 69, /* apply: the firewall tool is missing or refused; nothing changed */
	EXIT_RESTORE_FAILED = 70, /* apply: the rollback failed; the new rules may be loaded */
	EXIT_IOERR = 74,
	EXIT_ROLLED_BACK = EXIT_DENIED, /* apply: not confirmed, the previous ruleset is back */
};

/* Options every subcommand that needs a policy takes. */
struct cli_policy_opts {
	const char *spec_path;     /* --spec FILE, NULL for the built-in spec */
	const char *profile_path;  /* --profile FILE */
	const char **sets;         /* --set KEY=VALUE, in order */
	size_t nsets;
	unsigned quiet;            /* --quiet[=notes|warnings]: mask of CLI_QUIET_* */
};

/* What --quiet hides on stderr: the notes, the warnings, or (-q) both. */
enum { CLI_QUIET_NOTES = 1, CLI_QUIET_WARNINGS = 2, CLI_QUIET_ALL = 3 };

/* The help of the policy options (cli_parse takes them: -s, -p, -S, -q). */
#define CLI_POLICY_HELP                                                                  \
	"  -s, --spec FILE        a spec file (portspec(5)); default: the built-in\n"       \
	"                         Lotus Protector for Mail Security 2.5.1 spec\n"            \
	"  -p, --profile FILE     a profile file (portspec-profile(5))\n"                   \
	"  -S, --set KEY=VALUE    one profile setting, after the profile file; repeatable\n" \
	"                         e.g. --set inside=10.0.0.0/8 --set role=central\n"          \
	"  -q, --quiet[=WHAT]     do not print the policy's notes and warnings on stderr;\n" \
	"                         --quiet=notes only the notes, --quiet=warnings only\n"   \
	"                         the warnings\n"

struct option;

/*
 * A subcommand's command line: its own options, which it handles, and the
 * shared ones, which cli_parse handles: --help (-h) always, and the policy
 * options (--spec, --profile, --set, --quiet) when it is given a
 * struct cli_policy_opts.  Own options must not use h (nor s, p, S, q with
 * the policy options).
 */
struct cli_command {
	const char *name;           /* "render", for messages */
	const char *usage;          /* the short usage of errors */
	void (*help)(void);         /* prints --help on stdout */
	/*
	 * The command's own options, {NULL} ended; one whose value is a letter
	 * has it as its short form too ({"backend", ..., 'b'}: -b).
	 */
	const struct option *opts;
	/*
	 * Takes the command's own option `c` (or '?' for an unknown option or a
	 * missing value, when `take_unknown`: optind and optopt tell which):
	 * returns EXIT_OK to go on, or the exit code to stop with after printing.
	 */
	int (*take)(void *ctx, int c, char *arg);
	bool take_unknown;          /* unknown options go to take, not cli_bad_option */
};

/*
 * Parses argv: the shared options into `policy` (NULL: the command takes
 * none), its own through cmd->take(ctx, ...).  Returns true to go on with the
 * operands from optind; false to stop with *rc: EXIT_OK after --help, or the
 * exit code of an error it or the command printed (cli_bad_option for an
 * unknown option).
 */
bool cli_parse(const struct cli_command *cmd, void *ctx, struct cli_policy_opts *policy,
	       int argc, char **argv, int *rc);

/*
 * Prints the short usage line and a hint on stderr; returns EXIT_USAGE.
 * `why` (may be NULL) is printed first as "portspec CMD: why".
 */
int cli_usage_error(const char *cmd, const char *usage, const char *why);

/*
 * "unexpected argument 'ARG'", and when ARG names a backend and @option is
 * given, how to ask for it ("--backend nft").  A static buffer.
 */
const char *cli_unexpected(const char *arg, const char *option);

/* After getopt_long returned '?' or ':': names the offending option; returns EXIT_USAGE. */
int cli_bad_option(const char *cmd, const char *usage, char **argv);

/*
 * Like cli_load_policy, with `extra` settings applied after the options and
 * nothing printed: the status and error are returned instead.
 */
enum portspec_status cli_build_policy(const struct cli_policy_opts *o, const char *const *extra,
				      size_t nextra, const struct portspec_spec *spec,
				      struct portspec_policy **out, struct portspec_error *err);
/* A port number 1..65535 written as plain decimal digits; false otherwise. */
bool cli_parse_port(const char *s, unsigned *port);
/* Maps a status to an exit code. */
int cli_exit_code(enum portspec_status st);

void cli_policy_opts_release(struct cli_policy_opts *o);

/*
 * Loads the spec, applies profile file and --set overrides, compiles.
 * Prints the file:line:column error on stderr and returns the exit code
 * (EXIT_DATAERR, EXIT_IOERR, EXIT_USAGE) on failure; EXIT_OK on success.
 * Warnings of the policy are printed on stderr unless `quiet`.
 */
int cli_load_policy(const struct cli_policy_opts *o, bool quiet, struct portspec_spec **spec_out,
		    struct portspec_policy **policy_out);
/* Like cli_load_policy, printing the warnings of the plan for @mode (they include
 * the policy's) unless --quiet. */
int cli_load_policy_mode(const struct cli_policy_opts *o, enum portspec_mode mode,
			 struct portspec_spec **spec_out, struct portspec_policy **policy_out);
/* "host" or "gateway"; false for anything else. */
bool cli_parse_mode(const char *name, enum portspec_mode *out);
/* Loads only the spec (same error handling). */
int cli_load_spec(const char *path, struct portspec_spec **out);
/*
 * Prints a warning of @kind on stderr as "portspec: note: TEXT" or
 * "portspec: warning: TEXT", unless --quiet hides its kind.
 */
void cli_print_warning(const struct cli_policy_opts *o, enum portspec_warning_kind kind,
		       const char *text);
/* Prints "portspec: <formatted error>" on stderr and maps the status to an exit code. */
int cli_report(const struct portspec_error *err);

/*
 * A service's index in its spec, from its handle: per-service tables filled
 * from the flows of a policy would otherwise search the services once per
 * flow.  Sorted handles, found with bsearch.
 */
struct cli_service_index {
	struct cli_service_slot *slots;
	size_t count;
};
/* Returns false (after printing) when out of memory. */
bool cli_service_index_init(struct cli_service_index *x, const struct portspec_spec *spec);
/* SIZE_MAX for a service of another spec. */
size_t cli_service_index_of(const struct cli_service_index *x, const struct portspec_service *svc);
void cli_service_index_release(struct cli_service_index *x);
/* The index of a zone of the spec (at most 32), SIZE_MAX if none. */
size_t cli_zone_index(const struct portspec_spec *spec, const struct portspec_zone *zone);

int cmd_list(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_required(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_doc(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_backends(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_audit(int argc, char **argv);

#endif
