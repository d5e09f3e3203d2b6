/* SPDX-License-Identifier: MIT */
/* Warnings of policies and plans: a text for people and a kind for programs. */
#include <string.h>

#include "private.h"

enum portspec_status ps_warn(struct ps_warnings *w, enum portspec_warning_kind kind,
			     struct portspec_error *err, const char *fmt, ...)
{
	struct ps_buf b;
	ps_buf_init(&b);
	va_list ap;
	va_start(ap, fmt);
	ps_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	char *text = ps_buf_steal(&b, NULL);
	struct ps_warning *v = text ? ps_reallocarray(w->v, w->n + 1, sizeof(*v)) : NULL;
	if (!v) {
		ps_free(text);
		return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	}
	w->v = v;
	v[w->n++] = (struct ps_warning){kind, text};
	return PORTSPEC_OK;
}

void ps_warnings_release(struct ps_warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		ps_free(w->v[i].text);
	ps_free(w->v);
	w->v = NULL;
	w->n = 0;
}

static const char *const kind_names[] = {
	NULL, "service-note", "zone-note", "zone-covers-family", "no-rule", "unused-key",
};

PORTSPEC_EXPORT const char *portspec_warning_kind_name(enum portspec_warning_kind kind)
{
	return (unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind]
									    : NULL;
}

PORTSPEC_EXPORT bool portspec_warning_kind_is_note(enum portspec_warning_kind kind)
{
	return kind == PORTSPEC_WARNING_SERVICE_NOTE || kind == PORTSPEC_WARNING_ZONE_NOTE;
}
