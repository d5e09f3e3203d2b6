/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "private.h"

PORTSPEC_EXPORT const char *portspec_strerror(enum portspec_status status)
{
	switch (status) {
	case PORTSPEC_OK: return "success";
	case PORTSPEC_E_INVALID: return "invalid argument";
	case PORTSPEC_E_NOMEM: return "out of memory";
	case PORTSPEC_E_IO: return "input/output error";
	case PORTSPEC_E_PARSE: return "syntax error";
	case PORTSPEC_E_UNKNOWN: return "unknown name";
	case PORTSPEC_E_PROFILE: return "invalid profile";
	case PORTSPEC_E_UNSUPPORTED: return "not supported by this backend";
	case PORTSPEC_E_LIMIT: return "limit exceeded";
	}
	return "unknown status";
}

/* Length of the valid UTF-8 sequence at s, 0 if invalid or a C1 control. */
static size_t utf8_seq(const unsigned char *s)
{
	uint32_t cp;
	size_t len = ps_utf8_char((const char *)s, 4, &cp);
	return len && cp >= 0xa0 ? len : 0;
}

/*
 * Error texts quote what the input said, and callers print them on terminals
 * and hand them to languages that want UTF-8: replace control characters and
 * invalid (or truncated) UTF-8 with '?', in place.
 */
static void sanitize(char *text)
{
	unsigned char *s = (unsigned char *)text;
	while (*s) {
		if (*s < 0x20 || *s == 0x7f) {
			*s++ = '?';
		} else if (*s < 0x80) {
			s++;
		} else {
			size_t n = utf8_seq(s);
			if (n) {
				s += n;
			} else {
				*s++ = '?';
			}
		}
	}
}

enum portspec_status ps_error_set(struct portspec_error *err, enum portspec_status status,
				  const char *file, unsigned line, unsigned column,
				  const char *fmt, ...)
{
	if (!err)
		return status;
	err->status = status;
	err->line = line;
	err->column = column;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	sanitize(err->file);
	sanitize(err->text);
	return status;
}

PORTSPEC_EXPORT const char *portspec_error_format(const struct portspec_error *err, char *buf,
						  size_t size)
{
	if (!buf || size == 0)
		return buf;
	if (!err) {
		snprintf(buf, size, "error: (no details)");
	} else if (err->file[0] && err->line) {
		snprintf(buf, size, "%s:%u:%u: error: %s", err->file, err->line, err->column,
			 err->text);
	} else if (err->file[0]) {
		snprintf(buf, size, "%s: error: %s", err->file, err->text);
	} else {
		snprintf(buf, size, "error: %s", err->text[0] ? err->text
							   : portspec_strerror(err->status));
	}
	return buf;
}
