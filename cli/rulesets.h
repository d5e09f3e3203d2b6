/* SPDX-License-Identifier: MIT */
/*
 * What the audit commands (trace, diff, audit) share: --ruleset files read
 * into one ruleset, --host-address, --format text|json, and output through
 * libportspec-audit's sinks.
 */
#ifndef PORTSPEC_CLI_RULESETS_H
#define PORTSPEC_CLI_RULESETS_H

#include <stdbool.h>
#include <stddef.h>

#include <portspec/audit.h>

/* The ruleset files of one side, in order, and the host's addresses. */
struct cli_rulesets {
	const char **files; /* "[FORMAT:]FILE" */
	size_t nfiles;
	const char **hosts;
	size_t nhosts;
};

#define CLI_RULESET_HELP                                                                    \
	"  -r, --ruleset [FORMAT:]FILE  a ruleset file: iptables-save or ip6tables-save\n"  \
	"                         output, nft -j list ruleset output, or pf.conf; FORMAT\n"  \
	"                         (iptables, ip6tables, nft-json, pf) when the text\n"       \
	"                         does not tell; repeatable: a packet must pass them all\n"  \
	"  -H, --host-address ADDR/LEN  one of the host's addresses with its prefix, for\n" \
	"                         address-type matches (addrtype, fib); repeatable\n"

bool cli_rulesets_add(struct cli_rulesets *r, const char *file);
bool cli_rulesets_add_host(struct cli_rulesets *r, const char *addr);
void cli_rulesets_release(struct cli_rulesets *r);
/* Reads the files; prints the error (file:line:column) and returns the exit
 * code on failure, EXIT_OK on success.  Notes go to stderr unless quiet. */
int cli_rulesets_load(const struct cli_rulesets *r, bool quiet, struct portspec_ruleset **out);
/* "text" or "json"; prints the error and returns false otherwise. */
bool cli_audit_format(const char *cmd, const char *name, enum portspec_audit_format *out);
/*
 * The end of a diff (portspec diff, apply --dry-run): prints the failure of
 * @st, or the diff @d in @fmt on stdout; frees @d and flushes stdout.
 * Returns the exit code: 0 equal, EXIT_DENIED different, 3 no certain
 * difference but some classes indeterminate, or the error's.
 */
int cli_diff_report(const char *cmd, enum portspec_status st, struct portspec_ruleset_diff *d,
		    const struct portspec_error *err, enum portspec_audit_format fmt);
/* A sink that writes to stdout. */
int cli_stdout_sink(void *userdata, const char *data, size_t len);
/* "input", "output", "forward"; 0 for anything else. */
enum portspec_hook cli_parse_hook(const char *name);
/* "N" or "N-M" (1..65535). */
bool cli_parse_port_range(const char *s, unsigned *first, unsigned *last);

#endif
