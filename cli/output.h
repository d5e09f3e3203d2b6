/* SPDX-License-Identifier: MIT */
/*
 * Listings of the portspec tool: one set of rows, three formats.  A listing
 * declares its columns once; `table` aligns them for people, `json` writes an
 * array of objects, `csv` writes RFC 4180 rows with a header.  Listings of
 * flows are parts of the library's json and csv documents (cli_flows).
 */
#ifndef PORTSPEC_CLI_OUTPUT_H
#define PORTSPEC_CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <portspec/portspec.h>

enum cli_format { CLI_TABLE = 1, CLI_JSON = 2, CLI_CSV = 4 };

/* Parses a --format value; prints "portspec CMD: ..." and returns false if unknown. */
bool cli_parse_format(const char *cmd, const char *name, enum cli_format *out);

enum cli_type {
	CLI_STR,  /* text: quoted in csv, a string (or null when NULL) in json */
	CLI_WORD, /* a fixed keyword: bare in csv, a string in json */
	CLI_INT,  /* a number */
	CLI_BOOL, /* "true"/"false": yes/no in csv and table */
	CLI_LIST, /* space-separated items: an array of strings in json */
};

struct cli_column {
	const char *key;  /* json key, csv header */
	const char *head; /* table header */
	enum cli_type type;
	unsigned formats; /* mask of enum cli_format the column appears in */
};

struct cli_rows {
	const struct cli_column *cols;
	size_t ncols;
	char **cells; /* nrows * ncols, NULL for a null value */
	size_t nrows;
	size_t caprows;
	bool failed;
};

void cli_rows_init(struct cli_rows *r, const struct cli_column *cols, size_t ncols);
void cli_rows_release(struct cli_rows *r);
/* Starts a row; then set its cells with cli_rows_set / cli_rows_setf. */
void cli_rows_add(struct cli_rows *r);
void cli_rows_set(struct cli_rows *r, size_t col, const char *value);
void cli_rows_setf(struct cli_rows *r, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Writes the rows; returns EXIT_OK, or EXIT_IOERR after a message. */
int cli_rows_print(const struct cli_rows *r, enum cli_format format, const char *cmd);

/*
 * A listing of flows (list, required, cluster).  As a table the CLI lays the
 * flows out; as json and csv each flow is the library's own text for it: its
 * line of the json document's flow array (a fragment), the first columns of
 * its row of the csv document, so that a listing is a part of the document.
 * With a role column, each row starts with the node's role.
 */
struct cli_flows {
	enum cli_format format;
	bool with_role;
	struct cli_rows rows;       /* table */
	const struct portspec_policy *policy;
	char *doc;                  /* json, csv: the document of `policy` */
	size_t *line;               /* where each flow's line starts in doc */
	size_t next;                /* the flow the next search starts from */
	char *header;               /* csv: the header of the listing */
	char *out;                  /* json, csv: the rows so far */
	size_t len, cap, nrows;
	struct portspec_error err;  /* a failed render */
	bool failed;                /* out of memory */
};

void cli_flows_init(struct cli_flows *l, enum cli_format format, bool with_role);
/* The flows added next are of @policy, which must live until they are added. */
void cli_flows_policy(struct cli_flows *l, const struct portspec_policy *policy);
/* Adds a flow of the current policy; @role only with a role column. */
void cli_flows_add(struct cli_flows *l, const struct portspec_flow *f, const char *role);
/* Writes the listing; returns EXIT_OK, or the exit code after a message. */
int cli_flows_print(const struct cli_flows *l, const char *cmd);
void cli_flows_release(struct cli_flows *l);

/* Helpers for hand-written output. */
void cli_json_string(FILE *fp, const char *s);
/* Replaces control characters (terminal escapes) so spec text is safe on a terminal. */
void cli_put_text(FILE *fp, const char *s);
/* " --set A --set B" for a change of the library ("A B"). */
void cli_put_sets(FILE *fp, const char *settings);
/* Flushes stdout; on failure prints "portspec CMD: write error" and returns EXIT_IOERR. */
int cli_finish_output(const char *cmd);

#endif
