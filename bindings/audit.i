/* SPDX-License-Identifier: MIT */
/*
 * libportspec-audit for Python: %included by portspec.i into the one module
 * (portspec._core), after the handles, so that it shares their typemaps and
 * error convention.
 *
 * One handle, Ruleset (struct portspec_ruleset).  The results (audit, trace,
 * diff, matrix) are not wrapped as objects: each call runs the analysis,
 * writes the result with the library's own writer (JSON, documented by
 * docs/portspec-audit.schema.json, or text) and frees it, so the Python
 * layer gets exactly what `portspec audit --format json` prints and nothing
 * of the C result outlives the call (the audit points at the policy's flows).
 */

%{
#include <stdlib.h>

#include "portspec/audit.h"

typedef struct portspec_ruleset Ruleset;

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

/* The str of what a writer produced (status @st), or NULL with @err set. */
static PyObject *ps_py_text_result(struct ps_py_text *t, enum portspec_status st,
				   struct portspec_error *err)
{
	PyObject *s = NULL;
	if (st == PORTSPEC_OK) {
		s = PyUnicode_DecodeUTF8(t->data ? t->data : "", (Py_ssize_t)t->len,
					 "surrogateescape");
		if (!s)
			ps_b_fail(err, PORTSPEC_E_NOMEM, "the result could not be handed to Python");
	} else {
		ps_b_fail(err, st == PORTSPEC_E_IO ? PORTSPEC_E_NOMEM : st,
			  "the result could not be written: %s", portspec_strerror(st));
	}
	free(t->data);
	return s;
}

static bool ps_b_audit_format(const char *name, enum portspec_audit_format *out,
			      struct portspec_error *err)
{
	if (name && strcmp(name, "json") == 0)
		*out = PORTSPEC_AUDIT_JSON;
	else if (name && strcmp(name, "text") == 0)
		*out = PORTSPEC_AUDIT_TEXT;
	else
		return ps_b_fail(err, PORTSPEC_E_INVALID, "format must be 'json' or 'text', not '%.64s'",
				 name ? name : "(none)");
	return true;
}

static bool ps_b_ruleset_format(const char *name, enum portspec_ruleset_format *out,
				struct portspec_error *err)
{
	int f = portspec_ruleset_format_from_name(name ? name : "auto");
	if (f < 0)
		return ps_b_fail(err, PORTSPEC_E_INVALID,
				 "ruleset format must be 'auto', 'iptables', 'ip6tables', "
				 "'nft-json' or 'pf', not '%.64s'", name);
	*out = (enum portspec_ruleset_format)f;
	return true;
}

/* None: @any_ok (the question's default), else "input", "output", "forward". */
static bool ps_b_hook(const char *name, bool any_ok, enum portspec_hook *out,
		      struct portspec_error *err)
{
	static const enum portspec_hook hooks[] = {PORTSPEC_HOOK_INPUT, PORTSPEC_HOOK_OUTPUT,
						    PORTSPEC_HOOK_FORWARD};
	*out = 0;
	if (!name && any_ok)
		return true;
	for (size_t i = 0; name && i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (strcmp(name, portspec_hook_name(hooks[i])) == 0) {
			*out = hooks[i];
			return true;
		}
	return ps_b_fail(err, PORTSPEC_E_INVALID,
			 "hook must be 'input', 'output' or 'forward', not '%.64s'",
			 name ? name : "(none)");
}

/* A port or the bound of a port range: 0 (every port) to 65535; the
 * library checks the range itself. */
static bool ps_b_port(long port, const char *what, unsigned *out, struct portspec_error *err)
{
	if (port < 0 || port > 65535)
		return ps_b_fail(err, PORTSPEC_E_INVALID, "%s port %ld is out of range 1..65535",
				 what, port);
	*out = (unsigned)port;
	return true;
}

static const char *ps_b_ruleset_note_item(const void *owner, size_t index)
{
	return portspec_ruleset_note(owner, index);
}
%}

%typemap(check) Ruleset *self, const Ruleset *other, const Policy *policy {
	if (!$1) {
		PS_B_RAISE_NULL("$symname: the object was not created (its constructor failed)");
	}
}

%nodefaultctor Ruleset;
typedef struct {} Ruleset;

%feature("docstring") Ruleset
"One or more firewall ruleset files (iptables-save, nft JSON, pf.conf) read into one model.";
%feature("docstring") Ruleset::parse
"Reads one ruleset file's text; format \"auto\", \"iptables\", \"ip6tables\", \"nft-json\" or \"pf\".";
%feature("docstring") Ruleset::load "Reads the ruleset file at path.";
%feature("docstring") Ruleset::add_host_address
"Names one of the host's own addresses, with its network (192.0.2.10/24).";
%feature("docstring") Ruleset::families "The families covered: bit 0 IPv4, bit 1 IPv6.";
%feature("docstring") Ruleset::rule_count "The number of rules read.";
%feature("docstring") Ruleset::chain_count "The number of chains read.";
%feature("docstring") Ruleset::notes "What the readers noticed, one line each.";

%extend Ruleset {
	Ruleset(struct portspec_error *err)
	{
		struct portspec_ruleset *rs = NULL;
		ps_b_check(err, portspec_ruleset_new(&rs));
		return rs;
	}

	~Ruleset()
	{
		portspec_ruleset_free($self);
	}

	void parse(const char *text, size_t len, const char *format, const char *filename,
		   struct portspec_error *err)
	{
		enum portspec_ruleset_format f = PORTSPEC_RULESET_AUTO;
		if (!text)
			ps_b_fail(err, PORTSPEC_E_INVALID, "no ruleset text given");
		else if (ps_b_ruleset_format(format, &f, err))
			ps_b_check(err, portspec_ruleset_parse($self, f, text, len, filename, err));
	}

	void load(const char *path, const char *format, struct portspec_error *err)
	{
		enum portspec_ruleset_format f = PORTSPEC_RULESET_AUTO;
		if (!path)
			ps_b_fail(err, PORTSPEC_E_INVALID, "no ruleset path given");
		else if (ps_b_ruleset_format(format, &f, err))
			ps_b_check(err, portspec_ruleset_load($self, f, path, err));
	}

	void add_host_address(const char *addr, struct portspec_error *err)
	{
		if (!addr)
			ps_b_fail(err, PORTSPEC_E_INVALID, "no address given");
		else
			ps_b_check(err, portspec_ruleset_add_host_address($self, addr, err));
	}

	unsigned families() { return portspec_ruleset_families($self); }
	size_t rule_count() { return portspec_ruleset_rule_count($self); }
	size_t chain_count() { return portspec_ruleset_chain_count($self); }

	struct ps_b_strings notes()
	{
		struct ps_b_strings l = { $self, portspec_ruleset_note_count($self),
					  ps_b_ruleset_note_item };
		return l;
	}

	PyObject *_trace(const char *hook, const char *protocol, long family, const char *src,
			 const char *dst, long sport_first, long sport_last, long dport_first,
			 long dport_last, const char *iif, const char *oif, const char *format,
			 struct portspec_error *err)
	{
		struct portspec_packet pk = {.size = sizeof(pk), .src = src, .dst = dst,
					     .iif = iif, .oif = oif};
		enum portspec_audit_format fmt = PORTSPEC_AUDIT_JSON;
		struct portspec_ruleset_trace *t = NULL;
		struct ps_py_text out = {0};
		if (!ps_b_audit_format(format, &fmt, err) || !ps_b_hook(hook, false, &pk.hook, err) ||
		    !ps_b_protocol(protocol, false, &pk.protocol, err) ||
		    !ps_b_port(sport_first, "source", &pk.sport_first, err) ||
		    !ps_b_port(sport_last, "source", &pk.sport_last, err) ||
		    !ps_b_port(dport_first, "destination", &pk.dport_first, err) ||
		    !ps_b_port(dport_last, "destination", &pk.dport_last, err))
			return NULL;
		if (family != 0 && family != 4 && family != 6) {
			ps_b_fail(err, PORTSPEC_E_INVALID, "family must be 4 or 6, not %ld", family);
			return NULL;
		}
		pk.family = (unsigned)family;
		if (!ps_b_check(err, portspec_ruleset_trace($self, &pk, &t, err)))
			return NULL;
		enum portspec_status st = portspec_ruleset_trace_write(t, fmt, ps_py_text_sink, &out);
		portspec_ruleset_trace_free(t);
		return ps_py_text_result(&out, st, err);
	}

	PyObject *_diff(const Ruleset *other, const char *format, struct portspec_error *err)
	{
		enum portspec_audit_format fmt = PORTSPEC_AUDIT_JSON;
		struct portspec_ruleset_diff *d = NULL;
		struct ps_py_text out = {0};
		if (!ps_b_audit_format(format, &fmt, err) ||
		    !ps_b_check(err, portspec_ruleset_diff($self, other, &d, err)))
			return NULL;
		enum portspec_status st = portspec_ruleset_diff_write(d, fmt, ps_py_text_sink, &out);
		portspec_ruleset_diff_free(d);
		return ps_py_text_result(&out, st, err);
	}

	PyObject *_diff_plan(const Policy *policy, const char *mode, const char *format,
			     struct portspec_error *err)
	{
		enum portspec_mode m = PORTSPEC_MODE_HOST;
		enum portspec_audit_format fmt = PORTSPEC_AUDIT_JSON;
		struct portspec_ruleset_diff *d = NULL;
		struct ps_py_text out = {0};
		if (!ps_b_audit_format(format, &fmt, err) || !ps_b_mode(mode, &m, err) ||
		    !ps_b_check(err, portspec_ruleset_diff_plan($self, portspec_policy_plan(policy, m),
								&d, err)))
			return NULL;
		enum portspec_status st = portspec_ruleset_diff_write(d, fmt, ps_py_text_sink, &out);
		portspec_ruleset_diff_free(d);
		return ps_py_text_result(&out, st, err);
	}

	PyObject *_matrix(const char *protocol, long port, const char *hook, const char *chain,
			  long family, const char *format, struct portspec_error *err)
	{
		struct portspec_ruleset_matrix_query q = {.size = sizeof(q), .chain = chain};
		enum portspec_audit_format fmt = PORTSPEC_AUDIT_JSON;
		struct portspec_ruleset_matrix *m = NULL;
		struct ps_py_text out = {0};
		if (!ps_b_audit_format(format, &fmt, err) ||
		    !ps_b_protocol(protocol, false, &q.protocol, err) ||
		    !ps_b_port(port, "destination", &q.port, err) || !ps_b_hook(hook, true, &q.hook, err))
			return NULL;
		if (family != 0 && family != 4 && family != 6) {
			ps_b_fail(err, PORTSPEC_E_INVALID, "family must be 4 or 6, not %ld", family);
			return NULL;
		}
		q.families = family == 4 ? 1u : family == 6 ? 2u : 0u;
		if (!ps_b_check(err, portspec_ruleset_matrix($self, &q, &m, err)))
			return NULL;
		enum portspec_status st = portspec_ruleset_matrix_write(m, fmt, ps_py_text_sink, &out);
		portspec_ruleset_matrix_free(m);
		return ps_py_text_result(&out, st, err);
	}

	/* Policy.audit(): here rather than on Policy, whose members SWIG emits
	 * before this file's declarations. */
	PyObject *_audit(const Policy *policy, const char *mode, const char *format,
			 struct portspec_error *err)
	{
		enum portspec_mode m = PORTSPEC_MODE_HOST;
		enum portspec_audit_format fmt = PORTSPEC_AUDIT_JSON;
		struct portspec_audit *a = NULL;
		struct ps_py_text out = {0};
		if (!ps_b_audit_format(format, &fmt, err) || !ps_b_mode(mode, &m, err) ||
		    !ps_b_check(err, portspec_audit_new(policy, m, $self, &a, err)))
			return NULL;
		enum portspec_status st = portspec_audit_write(a, fmt, ps_py_text_sink, &out);
		portspec_audit_free(a);
		return ps_py_text_result(&out, st, err);
	}
}

%inline %{
static const char *audit_version(void)
{
	return portspec_audit_version();
}
%}
