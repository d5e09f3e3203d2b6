/* SPDX-License-Identifier: MIT */
/*
 * libportspec-audit for Python: %included by portspec.i into the one module
 * (portspec._core), so that it shares its typemaps and error convention, and
 * generated from portspec/audit.h the same way.
 *
 * The ruleset and the results (trace, diff, matrix, audit) are classes with
 * a destructor.  A result's _write function hands its text (JSON, documented
 * by docs/portspec-audit.schema.json, or text) back as a str: the sink is
 * hidden by one typemap, so the package gets exactly what `portspec audit
 * --format json` prints.
 */

%{
#include <stdlib.h>

#include "portspec/audit.h"

/* The text a _write function sends to its sink, collected whole. */
struct ps_py_text {
	char *data;
	size_t len, cap;
};

static int ps_py_text_sink(void *userdata, const char *data, size_t len)
{
	struct ps_py_text *t = userdata;
	if (len > t->cap - t->len) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap - t->len < len) {
			if (cap > ((size_t)-1) / 2)
				return -1;
			cap *= 2;
		}
		char *p = realloc(t->data, cap);
		if (!p)
			return -1;
		t->data = p;
		t->cap = cap;
	}
	memcpy(t->data + t->len, data, len);
	t->len += len;
	return 0;
}
%}

PS_HANDLE(portspec_ruleset, Ruleset)
PS_HANDLE(portspec_ruleset_trace, Trace)
PS_HANDLE(portspec_ruleset_diff, Diff)
PS_HANDLE(portspec_ruleset_matrix, Matrix)
PS_HANDLE(portspec_audit, Audit)

%ignore portspec_ruleset_free;
%ignore portspec_ruleset_trace_free;
%ignore portspec_ruleset_diff_free;
%ignore portspec_ruleset_matrix_free;
%ignore portspec_audit_free;
%ignore portspec_audit_set_allocator;
%ignore portspec_packet;
%ignore portspec_ruleset_trace(const struct portspec_ruleset *, const struct portspec_packet *,
			      struct portspec_ruleset_trace **, struct portspec_error *);
%ignore portspec_ruleset_matrix_query;
%ignore portspec_ruleset_matrix(const struct portspec_ruleset *,
			       const struct portspec_ruleset_matrix_query *,
			       struct portspec_ruleset_matrix **, struct portspec_error *);
%ignore portspec_ruleset_matrix_edge;
%ignore PORTSPEC_AUDIT_EXPORT;
%rename(ruleset_diff) portspec_ruleset_diff(const struct portspec_ruleset *,
					    const struct portspec_ruleset *,
					    struct portspec_ruleset_diff **, struct portspec_error *);

/* A writer's sink: the text comes back as the result. */
%typemap(in, numinputs=0) (portspec_sink_fn sink, void *userdata) (struct ps_py_text ps_text = {0}) {
	$1 = ps_py_text_sink;
	$2 = &ps_text;
}
%typemap(argout) (portspec_sink_fn sink, void *userdata) {
	struct ps_py_text *ps_t = $2;
	PyObject *ps_s = PyUnicode_DecodeUTF8(ps_t->data ? ps_t->data : "", (Py_ssize_t)ps_t->len,
					      "surrogateescape");
	if (!ps_s)
		SWIG_fail;
	$result = ps_py_append($result, ps_s);
}
%typemap(freearg) (portspec_sink_fn sink, void *userdata) {
	free(((struct ps_py_text *)$2)->data);
}

%include "portspec/audit.h"

/* The two questions that are structs in C, as arguments. */
%inline %{
static enum portspec_status trace(const struct portspec_ruleset *rs, enum portspec_hook hook,
				  enum portspec_protocol protocol, unsigned family, const char *src,
				  const char *dst, unsigned sport_first, unsigned sport_last,
				  unsigned dport_first, unsigned dport_last, const char *iif,
				  const char *oif, struct portspec_ruleset_trace **out,
				  struct portspec_error *err)
{
	struct portspec_packet pk = {.size = sizeof(pk), .hook = hook, .family = family,
				     .protocol = protocol, .src = src, .dst = dst,
				     .sport_first = sport_first, .sport_last = sport_last,
				     .dport_first = dport_first, .dport_last = dport_last,
				     .iif = iif, .oif = oif};
	return portspec_ruleset_trace(rs, &pk, out, err);
}

static enum portspec_status matrix(const struct portspec_ruleset *rs,
				   enum portspec_protocol protocol, unsigned port,
				   enum portspec_hook hook, const char *chain, unsigned families,
				   struct portspec_ruleset_matrix **out, struct portspec_error *err)
{
	struct portspec_ruleset_matrix_query q = {.size = sizeof(q), .protocol = protocol,
						  .port = port, .hook = hook, .chain = chain,
						  .families = families};
	return portspec_ruleset_matrix(rs, &q, out, err);
}
%}
