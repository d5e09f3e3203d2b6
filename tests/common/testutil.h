/* SPDX-License-Identifier: MIT */
/*
 * Helpers every C test program shares: reading files, golden files with a
 * one-switch regenerate mode (PORTSPEC_REGEN=1), a policy from settings, and
 * the zone query as one number.  Linked into the tests as a static library (tests/meson.build).
 */
#ifndef PORTSPEC_TESTUTIL_H
#define PORTSPEC_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <portspec/portspec.h>

/* The whole file, NUL-terminated, or NULL; free() it.  *len (if given) is its size. */
char *tu_read_file(const char *path, size_t *len);

/* Writes @len bytes of @text to @path; false if that fails. */
bool tu_write_file(const char *path, const char *text, size_t len);

/* $PORTSPEC_SRCDIR/@rel, in a static buffer. */
const char *tu_src_path(const char *rel);

/* Whether PORTSPEC_REGEN=1 asks for golden files to be rewritten. */
bool tu_regen(void);

/*
 * Compares @text (@len bytes) with the golden file @path, or with
 * PORTSPEC_REGEN=1 writes it there.  On a difference it prints the path and
 * the first line that differs, writes the text to PATH.actual for review,
 * and returns false.
 */
bool tu_golden(const char *path, const char *text, size_t len);

/*
 * A policy of @spec with "key=value" settings (NULL-terminated; NULL: none),
 * or NULL with what went wrong in @why: the setting and the library's error.
 */
struct portspec_policy *tu_policy(const struct portspec_spec *spec, const char *const *sets,
				  char *why, size_t whylen);

/*
 * portspec_is_allowed() as one number: 1 allowed (*match the flow), 0
 * denied, or the negated status of an error; with a zone handle too.
 */
int tu_allowed(const struct portspec_policy *policy, const char *zone,
	       enum portspec_direction direction, enum portspec_protocol protocol, unsigned port,
	       const struct portspec_flow **match);
int tu_allowed_zone(const struct portspec_policy *policy, const struct portspec_zone *zone,
		    enum portspec_direction direction, enum portspec_protocol protocol,
		    unsigned port, const struct portspec_flow **match);

#endif
