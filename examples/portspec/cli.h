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

#include <portspec/portspec.h>

/* Exit codes (portspec(1) EXIT STATUS); the data/IO ones follow sysexits.h. */
enum {
	EXIT_OK = 0,
	EXIT_DENIED = 1, /* denied, or findings */
	EXIT_USAGE = 2,
	EXIT_DATAERR = 65, /* bad spec or profile */
	EXIT_IOERR = 74,
};

/* Options every subcommand that needs a policy takes. */
struct cli_policy_opts {
	const char *spec_path;     /* --spec FILE, NULL for the built-in spec */
	const char *profile_path;  /* --profile FILE */
	const char **sets;         /* --set KEY=VALUE, in order */
	size_t nsets;
};

/* Adds the option to `o`; returns false (after printing) on allocation failure. */
bool cli_add_set(struct cli_policy_opts *o, const char *kv);
void cli_policy_opts_release(struct cli_policy_opts *o);

/*
 * Loads the spec, applies profile file and --set overrides, compiles.
 * Prints the file:line:column error on stderr and returns the exit code
 * (EXIT_DATAERR, EXIT_IOERR, EXIT_USAGE) on failure; EXIT_OK on success.
 * Warnings of the policy are printed on stderr unless `quiet`.
 */
int cli_load_policy(const struct cli_policy_opts *o, bool quiet, struct portspec_spec **spec_out,
		    struct portspec_policy **policy_out);
/* Loads only the spec (same error handling). */
int cli_load_spec(const char *path, struct portspec_spec **out);
/* Prints "portspec: <formatted error>" on stderr and maps the status to an exit code. */
int cli_report(const struct portspec_error *err);

int cmd_list(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_render(int argc, char **argv);

#endif
