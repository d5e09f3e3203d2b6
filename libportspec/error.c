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
	size_t len;
	unsigned cp, min;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, min = 0x80, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, min = 0x800, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, min = 0x10000, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0)
		return 0;
	return len;
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
