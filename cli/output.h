/* SPDX-License-Identifier: MIT */
/*
 * Listings of the portspec tool: one set of rows, three formats.  A listing
 * declares its columns once; `table` aligns them for people, `json` writes an
 * array of objects (docs/portspec-policy.schema.json), `csv` writes RFC 4180
 * rows with a header.  Flows are written with the same keys and columns as
 * the json and csv backends.
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

/* The columns of a flow listing, and a row for one flow (role may be NULL). */
extern const struct cli_column cli_flow_columns[];
extern const size_t cli_flow_ncolumns;
void cli_rows_add_flow(struct cli_rows *r, const struct portspec_flow *f, const char *role);

/* Helpers for hand-written output. */
void cli_json_string(FILE *fp, const char *s);
/* Replaces control characters (terminal escapes) so spec text is safe on a terminal. */
void cli_put_text(FILE *fp, const char *s);
/* " --set A --set B" for a change of the library ("A B"). */
void cli_put_sets(FILE *fp, const char *settings);
/* Flushes stdout; on failure prints "portspec CMD: write error" and returns EXIT_IOERR. */
int cli_finish_output(const char *cmd);

#endif
