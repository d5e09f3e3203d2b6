/* SPDX-License-Identifier: MIT */
/*
 * The one SWIG interface of libportspec, for every scripting language.
 *
 * The three handles of the C API (spec, profile, policy) become classes with
 * constructors and destructors through %extend.  Flows, services and zones
 * are handed back as native values (tuples in Python, tables in Lua) copied
 * out of the policy, so a script can keep them after the policy is gone.
 *
 * Errors follow one convention: every wrapped function that can fail takes a
 * `struct portspec_error *err` last.  One pair of typemaps hides that
 * parameter and, after the call, turns a non-OK status into the language's
 * error (a portspec.Error subclass in Python, an error table in Lua).  No
 * function maps its errors by hand.
 *
 * The few differences between languages live in `#if defined(SWIGPYTHON)` /
 * `#if defined(SWIGLUA)` blocks: how a native value is built and how an
 * error is raised.
 */

#if defined(SWIGPYTHON)
%module(package="portspec") core
#else
%module portspec
#endif

%{
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "portspec/portspec.h"

#if defined(__GNUC__)
#define PS_B_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PS_B_PRINTF(a, b)
#endif

/* Fills @err the way the library does; returns false for "failed". */
static bool ps_b_fail(struct portspec_error *err, enum portspec_status status,
		      const char *fmt, ...) PS_B_PRINTF(3, 4);
static bool ps_b_fail(struct portspec_error *err, enum portspec_status status,
		      const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->line = 0;
	err->column = 0;
	err->file[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return false;
}

/* A status returned without details (functions that take no error struct)
 * still becomes an error with the library's description. */
static bool ps_b_check(struct portspec_error *err, enum portspec_status status)
{
	if (status == PORTSPEC_OK)
		return true;
	if (err->status == PORTSPEC_OK)
		ps_b_fail(err, status, "%s", portspec_strerror(status));
	return false;
}

/* The status names the scripting languages see ("parse", "unknown", ...):
 * the library's own, so that they cannot drift apart. */
static const char *ps_b_status_name(enum portspec_status status)
{
	const char *name = portspec_status_name(status);
	return name ? name : "error";
}

/* The queries that hand back a list: evaluated while the list is built, so
 * nothing is allocated and nothing outlives the call. */
struct ps_b_flows {
	const struct portspec_policy *policy;
	bool required;   /* portspec_list_required() */
	unsigned levels; /* otherwise portspec_policy_find() with this filter */
	const struct portspec_zone *zone;
	enum portspec_direction direction;
	enum portspec_protocol protocol;
};

struct ps_b_services {
	const struct portspec_spec *spec;
	bool cluster; /* portspec_cluster_ports() */
	unsigned levels;
};

struct ps_b_zones {
	const struct portspec_spec *spec;
};

/* A list of strings: count() items, item(i) each. */
struct ps_b_strings {
	const void *owner;
	size_t count;
	const char *(*item)(const void *owner, size_t index);
};

static const struct portspec_flow *ps_b_flows_next(const struct ps_b_flows *q, size_t *cursor)
{
	if (q->required)
		return portspec_list_required(q->policy, cursor);
	return portspec_policy_find(q->policy, q->levels, q->zone, q->direction, q->protocol,
				    cursor);
}

static const struct portspec_service *ps_b_services_next(const struct ps_b_services *q,
							 size_t *cursor)
{
	if (q->cluster)
		return portspec_cluster_ports(q->spec, cursor);
	return portspec_spec_next_service(q->spec, q->levels, cursor);
}

static const char *ps_b_warning_item(const void *owner, size_t index)
{
	return portspec_policy_warning(owner, index);
}

static const char *ps_b_warning_kind_item(const void *owner, size_t index)
{
	return portspec_warning_kind_name(portspec_policy_warning_kind(owner, index));
}

static const char *ps_b_warning_severity_item(const void *owner, size_t index)
{
	return portspec_warning_kind_is_note(portspec_policy_warning_kind(owner, index))
		       ? "note"
		       : "warning";
}

static const char *ps_b_interface_item(const void *owner, size_t index)
{
	return portspec_interface_name(portspec_spec_interface(owner, index));
}

static const char *ps_b_backend_item(const void *owner, size_t index)
{
	(void)owner;
	return portspec_backend_name(index);
}

/* "required,optional" (or NULL: all) to a mask of enum portspec_level. */
static bool ps_b_levels(const char *names, unsigned *out, struct portspec_error *err)
{
	*out = 0;
	if (!names) {
		*out = PORTSPEC_LEVEL_ANY;
		return true;
	}
	const char *p = names;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char word[32];
		if (n == 0 || n >= sizeof(word))
			return ps_b_fail(err, PORTSPEC_E_INVALID,
					 "bad level list '%.64s': use required, optional or "
					 "cluster, separated by commas", names);
		memcpy(word, p, n);
		word[n] = '\0';
		enum portspec_level l = portspec_level_from_name(word);
		if (!l || l == PORTSPEC_LEVEL_ANY)
			return ps_b_fail(err, PORTSPEC_E_INVALID,
					 "unknown level '%s': use required, optional or cluster",
					 word);
		*out |= (unsigned)l;
		p += n;
		if (*p == ',')
			p++;
	}
	return true;
}

static bool ps_b_direction(const char *name, bool any_ok, enum portspec_direction *out,
			   struct portspec_error *err)
{
	*out = PORTSPEC_DIR_ANY;
	if (!name && any_ok)
		return true;
	enum portspec_direction d = name ? portspec_direction_from_name(name) : PORTSPEC_DIR_ANY;
	if (d != PORTSPEC_INBOUND && d != PORTSPEC_OUTBOUND)
		return ps_b_fail(err, PORTSPEC_E_INVALID,
				 "direction must be 'inbound' or 'outbound', not '%.64s'",
				 name ? name : "(none)");
	*out = d;
	return true;
}

static bool ps_b_protocol(const char *name, bool any_ok, enum portspec_protocol *out,
			  struct portspec_error *err)
{
	*out = PORTSPEC_PROTO_ANY;
	if (!name && any_ok)
		return true;
	enum portspec_protocol p = name ? portspec_protocol_from_name(name) : PORTSPEC_PROTO_ANY;
	if (p == PORTSPEC_PROTO_ANY)
		return ps_b_fail(err, PORTSPEC_E_INVALID,
				 "protocol must be 'tcp', 'udp', 'icmp' or 'icmpv6', not '%.64s'",
				 name ? name : "(none)");
	*out = p;
	return true;
}

static bool ps_b_zone(const struct portspec_spec *spec, const char *zone, bool any_ok,
		      struct portspec_error *err)
{
	if (!zone) {
		if (any_ok)
			return true;
		return ps_b_fail(err, PORTSPEC_E_INVALID, "no zone given");
	}
	if (portspec_spec_find_zone(spec, zone))
		return true;
	char names[256] = "";
	size_t used = 0;
	for (size_t i = 0; i < portspec_spec_zone_count(spec) && used < sizeof(names); i++) {
		int n = snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "",
				 portspec_zone_name(portspec_spec_zone(spec, i)));
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return ps_b_fail(err, PORTSPEC_E_UNKNOWN, "unknown zone '%.64s'; the zones are: %s", zone,
			 names);
}

/* is_allowed() and explain(): check the arguments with messages a script
 * writer can act on, then ask the library. */
static bool ps_b_query(const struct portspec_policy *policy, const char *zone,
		       const char *direction, const char *protocol, long port,
		       const struct portspec_flow **match, struct portspec_error *err)
{
	enum portspec_direction d;
	enum portspec_protocol p;

	*match = NULL;
	if (!ps_b_direction(direction, false, &d, err) ||
	    !ps_b_protocol(protocol, false, &p, err))
		return false;
	if (port < 1 || port > 65535)
		return ps_b_fail(err, PORTSPEC_E_INVALID, "port %ld is out of range 1..65535",
				 port);
	bool allowed = false;
	/* the library names a wrong argument (an unknown zone, ...) in err */
	portspec_is_allowed(policy, zone, d, p, (unsigned)port, &allowed, match, err);
	return allowed;
}

static bool ps_b_mode(const char *name, enum portspec_mode *out, struct portspec_error *err)
{
	if (name && strcmp(name, "host") == 0)
		*out = PORTSPEC_MODE_HOST;
	else if (name && strcmp(name, "gateway") == 0)
		*out = PORTSPEC_MODE_GATEWAY;
	else
		return ps_b_fail(err, PORTSPEC_E_INVALID,
				 "mode must be 'host' or 'gateway', not '%.64s'",
				 name ? name : "(none)");
	return true;
}
%}

/* ------------------------------------------------------------------------ */
/* The error convention, once for every function. */

%typemap(in, numinputs=0) struct portspec_error *err (struct portspec_error ps_err) {
	ps_err.status = PORTSPEC_OK;
	ps_err.text[0] = '\0';
	$1 = &ps_err;
}

/* Strings the library hands over (portspec_free()). */
%typemap(in, numinputs=0) (char **OUTSTR, size_t *OUTLEN) (char *ps_str = NULL, size_t ps_len = 0) {
	$1 = &ps_str;
	$2 = &ps_len;
}
%typemap(freearg) (char **OUTSTR, size_t *OUTLEN) {
	portspec_free(*$1);
}

/* ------------------------------------------------------------------------ */
#if defined(SWIGPYTHON)

%{
/* Set by the pure-Python layer (portspec/__init__.py) at import: the error
 * factory and the value types.  Without them the module still works, with
 * RuntimeError and plain tuples. */
static PyObject *ps_py_error_factory;
static PyObject *ps_py_flow_type;
static PyObject *ps_py_service_type;
static PyObject *ps_py_zone_type;

static PyObject *ps_py_str(const char *s)
{
	if (!s)
		Py_RETURN_NONE;
	return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "surrogateescape");
}

static void ps_py_raise(const struct portspec_error *e)
{
	if (!ps_py_error_factory) {
		PyErr_Format(PyExc_RuntimeError, "%s: %s", ps_b_status_name(e->status), e->text);
		return;
	}
	PyObject *exc = PyObject_CallFunction(ps_py_error_factory, "(sNNII)",
					      ps_b_status_name(e->status), ps_py_str(e->text),
					      ps_py_str(e->file[0] ? e->file : NULL), e->line,
					      e->column);
	if (!exc)
		return;
	PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
	Py_DECREF(exc);
}

/* Builds type(*fields) or, without a registered type, the tuple itself. */
static PyObject *ps_py_record(PyObject *type, PyObject *fields)
{
	if (!fields || !type)
		return fields;
	PyObject *obj = PyObject_Call(type, fields, NULL);
	Py_DECREF(fields);
	return obj;
}

static PyObject *ps_py_cidrs(size_t n, const struct portspec_cidr *(*get)(const void *, size_t),
			     const void *owner)
{
	PyObject *t = PyTuple_New((Py_ssize_t)n);
	for (size_t i = 0; t && i < n; i++) {
		char buf[64];
		PyObject *s = ps_py_str(portspec_cidr_format(get(owner, i), buf, sizeof(buf)));
		if (!s) {
			Py_CLEAR(t);
			break;
		}
		PyTuple_SET_ITEM(t, (Py_ssize_t)i, s);
	}
	return t;
}

static const struct portspec_cidr *ps_py_flow_address(const void *flow, size_t i)
{
	return portspec_flow_address(flow, i);
}

static PyObject *ps_py_flow(const struct portspec_flow *f)
{
	if (!f)
		Py_RETURN_NONE;
	const struct portspec_service *s = portspec_flow_service(f);
	PyObject *fields = Py_BuildValue(
		"(NNIINNNNONNNN)",
		ps_py_str(portspec_service_name(s)),
		ps_py_str(portspec_protocol_name(portspec_flow_protocol(f))),
		portspec_flow_port_first(f), portspec_flow_port_last(f),
		ps_py_str(portspec_direction_name(portspec_flow_direction(f))),
		ps_py_str(portspec_zone_name(portspec_flow_zone(f))),
		ps_py_str(portspec_level_name(portspec_flow_level(f))),
		ps_py_str(portspec_interface_name(portspec_flow_interface(f))),
		portspec_flow_either(f) ? Py_True : Py_False,
		ps_py_cidrs(portspec_flow_address_count(f), ps_py_flow_address, f),
		ps_py_str(portspec_service_title(s)),
		ps_py_str(portspec_service_note(s)),
		ps_py_str(portspec_service_helper(s)));
	return ps_py_record(ps_py_flow_type, fields);
}

static PyObject *ps_py_service(const struct portspec_service *s)
{
	if (!s)
		Py_RETURN_NONE;
	size_t n = portspec_service_port_count(s);
	PyObject *ports = PyTuple_New((Py_ssize_t)n);
	for (size_t i = 0; ports && i < n; i++) {
		enum portspec_protocol proto = PORTSPEC_PROTO_ANY;
		unsigned first = 0, last = 0;
		portspec_service_port(s, i, &proto, &first, &last);
		PyObject *p = Py_BuildValue("(NII)", ps_py_str(portspec_protocol_name(proto)),
					    first, last);
		if (!p) {
			Py_CLEAR(ports);
			break;
		}
		PyTuple_SET_ITEM(ports, (Py_ssize_t)i, p);
	}
	PyObject *fields = Py_BuildValue("(NNNNNNN)",
					 ps_py_str(portspec_service_name(s)),
					 ps_py_str(portspec_service_title(s)),
					 ps_py_str(portspec_service_description(s)),
					 ps_py_str(portspec_service_note(s)),
					 ps_py_str(portspec_service_helper(s)),
					 ps_py_str(portspec_level_name(portspec_service_level(s))),
					 ports);
	return ps_py_record(ps_py_service_type, fields);
}

static PyObject *ps_py_zone(const struct portspec_zone *z)
{
	if (!z)
		Py_RETURN_NONE;
	PyObject *fields = Py_BuildValue("(NNN)", ps_py_str(portspec_zone_name(z)),
					 ps_py_str(portspec_zone_title(z)),
					 ps_py_str(portspec_zone_kind_name(portspec_zone_kind(z))));
	return ps_py_record(ps_py_zone_type, fields);
}

static PyObject *ps_py_list_append(PyObject *list, PyObject *item)
{
	if (!list)
		return NULL;
	if (!item || PyList_Append(list, item) < 0) {
		Py_XDECREF(item);
		Py_DECREF(list);
		return NULL;
	}
	Py_DECREF(item);
	return list;
}

/* A built-in object whose constructor failed is left all zeroes, with no
 * type for SWIG to check; give it its type and no pointer, so that a later
 * method call (a debugger or a traceback printing `self`) gets an error
 * from the NULL check instead of a crash. */
static inline void ps_py_mark_unconstructed(PyObject *self, const char *symname)
{
#if defined(SWIGPYTHON_BUILTIN)
	char name[64];
	if (strncmp(symname, "new_", 4) != 0 || !self)
		return;
	snprintf(name, sizeof(name), "%s *", symname + 4);
	swig_type_info *ty = SWIG_TypeQuery(name);
	SwigPyObject *sobj = (SwigPyObject *)self;
	if (ty && !sobj->ty) {
		sobj->ty = ty;
		sobj->ptr = NULL;
		sobj->own = 0;
	}
#else
	(void)self;
	(void)symname;
#endif
}

static void ps_py_set_type(PyObject **slot, PyObject *value)
{
	Py_XINCREF(value);
	Py_XSETREF(*slot, value == Py_None ? NULL : value);
	if (value == Py_None)
		Py_DECREF(value);
}
%}

#define PS_B_RAISE_NULL(msg) do { PyErr_SetString(PyExc_ValueError, msg); SWIG_fail; } while (0)

/* Constructors first give the object its type with no pointer, so that
 * whichever way they fail the object is safe to touch.  For every other
 * function the test on the literal "$symname" folds away. */
%typemap(in, numinputs=0) struct portspec_error *err (struct portspec_error ps_err) {
	ps_py_mark_unconstructed(self, "$symname");
	ps_err.status = PORTSPEC_OK;
	ps_err.text[0] = '\0';
	$1 = &ps_err;
}

%typemap(argout) struct portspec_error *err {
	if ($1->status != PORTSPEC_OK) {
		Py_XDECREF($result);
		$result = NULL;
		ps_py_raise($1);
		SWIG_fail;
	}
}

/* Strings in: str (UTF-8, cached by Python, no copy), bytes, or None. */
%typemap(in) const char * {
	if ($input == Py_None) {
		$1 = NULL;
	} else {
		Py_ssize_t ps_n = 0;
		if (PyUnicode_Check($input)) {
			$1 = ($1_ltype)PyUnicode_AsUTF8AndSize($input, &ps_n);
		} else if (PyBytes_Check($input)) {
			char *ps_b = NULL;
			$1 = PyBytes_AsStringAndSize($input, &ps_b, &ps_n) < 0 ? NULL : ps_b;
		} else {
			PyErr_Format(PyExc_TypeError,
				     "$symname: argument $argnum must be str, not %s",
				     Py_TYPE($input)->tp_name);
			SWIG_fail;
		}
		if (!$1)
			SWIG_fail;
		if (strlen($1) != (size_t)ps_n) {
			PyErr_SetString(PyExc_ValueError, "$symname: embedded null character");
			SWIG_fail;
		}
	}
}

%typemap(freearg) const char * "";

/* A text with its length: str, bytes or None; may contain anything. */
%typemap(in) (const char *TEXT, size_t LEN) {
	Py_ssize_t ps_n = 0;
	$1 = NULL;
	if ($input == Py_None) {
		ps_n = 0;
	} else if (PyUnicode_Check($input)) {
		$1 = ($1_ltype)PyUnicode_AsUTF8AndSize($input, &ps_n);
		if (!$1)
			SWIG_fail;
	} else if (PyBytes_Check($input)) {
		char *ps_b = NULL;
		if (PyBytes_AsStringAndSize($input, &ps_b, &ps_n) < 0)
			SWIG_fail;
		$1 = ps_b;
	} else {
		PyErr_Format(PyExc_TypeError, "$symname: text must be str or bytes, not %s",
			     Py_TYPE($input)->tp_name);
		SWIG_fail;
	}
	$2 = (size_t)ps_n;
}

%typemap(argout) (char **OUTSTR, size_t *OUTLEN) {
	if (*$1) {
		PyObject *ps_s = PyUnicode_DecodeUTF8(*$1, (Py_ssize_t)*$2, "surrogateescape");
		if (!ps_s)
			SWIG_fail;
		Py_XDECREF($result);
		$result = ps_s;
	}
}

%typemap(out) const struct portspec_flow * {
	$result = ps_py_flow($1);
	if (!$result)
		SWIG_fail;
}

%typemap(out) struct ps_b_flows {
	size_t ps_cursor = 0;
	const struct portspec_flow *ps_f;
	$result = PyList_New(0);
	while ($result && (ps_f = ps_b_flows_next(&$1, &ps_cursor)))
		$result = ps_py_list_append($result, ps_py_flow(ps_f));
	if (!$result)
		SWIG_fail;
}

%typemap(out) const struct portspec_service * {
	$result = ps_py_service($1);
	if (!$result)
		SWIG_fail;
}

%typemap(out) struct ps_b_services {
	size_t ps_cursor = 0;
	const struct portspec_service *ps_s;
	$result = PyList_New(0);
	while ($result && (ps_s = ps_b_services_next(&$1, &ps_cursor)))
		$result = ps_py_list_append($result, ps_py_service(ps_s));
	if (!$result)
		SWIG_fail;
}

%typemap(out) struct ps_b_zones {
	$result = PyList_New(0);
	for (size_t ps_i = 0; $result && ps_i < portspec_spec_zone_count($1.spec); ps_i++)
		$result = ps_py_list_append($result, ps_py_zone(portspec_spec_zone($1.spec, ps_i)));
	if (!$result)
		SWIG_fail;
}

%typemap(out) struct ps_b_strings {
	$result = PyList_New(0);
	for (size_t ps_i = 0; $result && ps_i < $1.count; ps_i++)
		$result = ps_py_list_append($result, ps_py_str($1.item($1.owner, ps_i)));
	if (!$result)
		SWIG_fail;
}

%{
/* The tuple Plan.check() turns into a Verdict: (allowed, entry index or
 * None, flow, zone names, reason, ((setting, reason), ...)). */
static PyObject *ps_py_explanation(const struct portspec_plan *plan,
				   const struct portspec_explanation *x)
{
	const struct portspec_spec *spec = portspec_policy_spec(portspec_plan_policy(plan));
	PyObject *zones = PyList_New(0);
	for (size_t z = 0; zones && z < portspec_spec_zone_count(spec); z++)
		if (x->zones & (1ul << z))
			zones = ps_py_list_append(zones,
						  ps_py_str(portspec_zone_name(portspec_spec_zone(spec, z))));
	PyObject *changes = PyList_New(0);
	for (size_t i = 0; changes && i < x->change_count; i++)
		changes = ps_py_list_append(changes, Py_BuildValue("(NN)",
						ps_py_str(x->changes[i].setting),
						ps_py_str(x->changes[i].reason)));
	PyObject *entry = NULL;
	for (size_t i = 0; x->entry && i < portspec_plan_entry_count(plan); i++)
		if (portspec_plan_entry(plan, i) == x->entry)
			entry = PyLong_FromSize_t(i);
	if (!entry) {
		entry = Py_None;
		Py_INCREF(entry);
	}
	if (!zones || !changes) {
		Py_XDECREF(zones);
		Py_XDECREF(changes);
		Py_DECREF(entry);
		return NULL;
	}
	return Py_BuildValue("(ONNNNN)", x->allowed ? Py_True : Py_False, entry, ps_py_flow(x->flow),
			     zones, ps_py_str(x->reason), changes);
}
%}

%inline %{
/* Called once by portspec/__init__.py. */
static void register_types(PyObject *error_factory, PyObject *flow, PyObject *service,
			   PyObject *zone)
{
	ps_py_set_type(&ps_py_error_factory, error_factory);
	ps_py_set_type(&ps_py_flow_type, flow);
	ps_py_set_type(&ps_py_service_type, service);
	ps_py_set_type(&ps_py_zone_type, zone);
}
%}

#endif /* SWIGPYTHON */

/* ------------------------------------------------------------------------ */
#if defined(SWIGLUA)

%{
#define PS_LUA_ERROR_META "portspec.error"

static int ps_lua_error_tostring(lua_State *L)
{
	lua_getfield(L, 1, "message");
	return 1;
}

static void ps_lua_setstr(lua_State *L, const char *key, const char *value)
{
	if (!value)
		return;
	lua_pushstring(L, value);
	lua_setfield(L, -2, key);
}

static void ps_lua_setint(lua_State *L, const char *key, lua_Integer value)
{
	lua_pushinteger(L, value);
	lua_setfield(L, -2, key);
}

/* Pushes the error as a table {status=, message=, text=, file=, line=,
 * column=} whose tostring() is the formatted message. */
static void ps_lua_push_error(lua_State *L, const struct portspec_error *e)
{
	char buf[1024];

	lua_createtable(L, 0, 6);
	ps_lua_setstr(L, "status", ps_b_status_name(e->status));
	ps_lua_setstr(L, "text", e->text);
	ps_lua_setstr(L, "file", e->file[0] ? e->file : NULL);
	ps_lua_setint(L, "line", e->line);
	ps_lua_setint(L, "column", e->column);
	ps_lua_setstr(L, "message", portspec_error_format(e, buf, sizeof(buf)));
	if (luaL_newmetatable(L, PS_LUA_ERROR_META)) {
		lua_pushcfunction(L, ps_lua_error_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_setmetatable(L, -2);
}

static void ps_lua_push_flow(lua_State *L, const struct portspec_flow *f)
{
	if (!f) {
		lua_pushnil(L);
		return;
	}
	const struct portspec_service *s = portspec_flow_service(f);
	lua_createtable(L, 0, 13);
	ps_lua_setstr(L, "service", portspec_service_name(s));
	ps_lua_setstr(L, "protocol", portspec_protocol_name(portspec_flow_protocol(f)));
	ps_lua_setint(L, "port", portspec_flow_port_first(f));
	ps_lua_setint(L, "port_last", portspec_flow_port_last(f));
	ps_lua_setstr(L, "direction", portspec_direction_name(portspec_flow_direction(f)));
	ps_lua_setstr(L, "zone", portspec_zone_name(portspec_flow_zone(f)));
	ps_lua_setstr(L, "level", portspec_level_name(portspec_flow_level(f)));
	ps_lua_setstr(L, "interface", portspec_interface_name(portspec_flow_interface(f)));
	lua_pushboolean(L, portspec_flow_either(f));
	lua_setfield(L, -2, "either");
	ps_lua_setstr(L, "title", portspec_service_title(s));
	ps_lua_setstr(L, "note", portspec_service_note(s));
	ps_lua_setstr(L, "helper", portspec_service_helper(s));
	size_t n = portspec_flow_address_count(f);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		char buf[64];
		const struct portspec_cidr *c = portspec_flow_address(f, i);
		lua_pushstring(L, portspec_cidr_format(c, buf, sizeof(buf)));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "addresses");
}

static void ps_lua_push_service(lua_State *L, const struct portspec_service *s)
{
	if (!s) {
		lua_pushnil(L);
		return;
	}
	lua_createtable(L, 0, 7);
	ps_lua_setstr(L, "name", portspec_service_name(s));
	ps_lua_setstr(L, "title", portspec_service_title(s));
	ps_lua_setstr(L, "description", portspec_service_description(s));
	ps_lua_setstr(L, "note", portspec_service_note(s));
	ps_lua_setstr(L, "helper", portspec_service_helper(s));
	ps_lua_setstr(L, "level", portspec_level_name(portspec_service_level(s)));
	size_t n = portspec_service_port_count(s);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		enum portspec_protocol proto = PORTSPEC_PROTO_ANY;
		unsigned first = 0, last = 0;
		portspec_service_port(s, i, &proto, &first, &last);
		lua_createtable(L, 0, 3);
		ps_lua_setstr(L, "protocol", portspec_protocol_name(proto));
		ps_lua_setint(L, "first", first);
		ps_lua_setint(L, "last", last);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "ports");
}

static void ps_lua_push_zone(lua_State *L, const struct portspec_zone *z)
{
	lua_createtable(L, 0, 3);
	ps_lua_setstr(L, "name", portspec_zone_name(z));
	ps_lua_setstr(L, "title", portspec_zone_title(z));
	ps_lua_setstr(L, "kind", portspec_zone_kind_name(portspec_zone_kind(z)));
}
%}

#define PS_B_RAISE_NULL(msg) do { lua_pushstring(L, msg); SWIG_fail; } while (0)

%typemap(argout) struct portspec_error *err {
	if ($1->status != PORTSPEC_OK) {
		ps_lua_push_error(L, $1);
		SWIG_fail;
	}
}

%typemap(in, checkfn="SWIG_lua_isnilstring") (const char *TEXT, size_t LEN) {
	size_t ps_n = 0;
	$1 = ($1_ltype)(lua_isnil(L, $input) ? NULL : lua_tolstring(L, $input, &ps_n));
	$2 = ps_n;
}

%typemap(argout) (char **OUTSTR, size_t *OUTLEN) {
	if (*$1) {
		lua_pushlstring(L, *$1, *$2);
		SWIG_arg++;
	}
}

%typemap(out) const struct portspec_flow * {
	ps_lua_push_flow(L, $1);
	SWIG_arg++;
}

%typemap(out) struct ps_b_flows {
	size_t ps_cursor = 0;
	lua_Integer ps_i = 0;
	const struct portspec_flow *ps_f;
	lua_newtable(L);
	while ((ps_f = ps_b_flows_next(&$1, &ps_cursor))) {
		ps_lua_push_flow(L, ps_f);
		lua_rawseti(L, -2, ++ps_i);
	}
	SWIG_arg++;
}

%typemap(out) const struct portspec_service * {
	ps_lua_push_service(L, $1);
	SWIG_arg++;
}

%typemap(out) struct ps_b_services {
	size_t ps_cursor = 0;
	lua_Integer ps_i = 0;
	const struct portspec_service *ps_s;
	lua_newtable(L);
	while ((ps_s = ps_b_services_next(&$1, &ps_cursor))) {
		ps_lua_push_service(L, ps_s);
		lua_rawseti(L, -2, ++ps_i);
	}
	SWIG_arg++;
}

%typemap(out) struct ps_b_zones {
	lua_newtable(L);
	for (size_t ps_i = 0; ps_i < portspec_spec_zone_count($1.spec); ps_i++) {
		ps_lua_push_zone(L, portspec_spec_zone($1.spec, ps_i));
		lua_rawseti(L, -2, (lua_Integer)ps_i + 1);
	}
	SWIG_arg++;
}

%typemap(out) struct ps_b_strings {
	lua_newtable(L);
	for (size_t ps_i = 0; ps_i < $1.count; ps_i++) {
		lua_pushstring(L, $1.item($1.owner, ps_i));
		lua_rawseti(L, -2, (lua_Integer)ps_i + 1);
	}
	SWIG_arg++;
}

#endif /* SWIGLUA */

/* ------------------------------------------------------------------------ */
/* Module functions. */

%feature("docstring") ::version "The library's release, \"MAJOR.MINOR.PATCH\".";
%feature("docstring") ::default_spec_text "The text of the built-in spec.";
%feature("docstring") ::backends "The names of the rendering backends, in a stable order.";
%feature("docstring") ::backend_description "One line on what a backend renders (None if unknown).";
%feature("docstring") ::backend_modes
"The modes a backend supports, as \"host,gateway\" (None if unknown).";

%inline %{
static const char *version(void)
{
	return portspec_version();
}

static const char *default_spec_text(void)
{
	return portspec_default_spec_text();
}

static struct ps_b_strings backends(void)
{
	struct ps_b_strings l = { NULL, portspec_backend_count(), ps_b_backend_item };
	return l;
}

static const char *backend_description(const char *backend)
{
	return portspec_backend_description(backend);
}

static const char *backend_modes(const char *backend)
{
	unsigned m = portspec_backend_modes(backend);
	if ((m & PORTSPEC_MODE_HOST) && (m & PORTSPEC_MODE_GATEWAY))
		return "host,gateway";
	if (m & PORTSPEC_MODE_HOST)
		return "host";
	if (m & PORTSPEC_MODE_GATEWAY)
		return "gateway";
	return NULL;
}
%}

/* ------------------------------------------------------------------------ */
/* The handles.  Opaque to every language; only the %extend members exist. */

%{
/* The classes' C names: %extend members become Spec_name(), new_Spec(), ...,
 * clear of the library's own portspec_ functions. */
typedef struct portspec_spec Spec;
typedef struct portspec_profile Profile;
typedef struct portspec_policy Policy;
%}

/* A handle whose constructor failed holds no object: every method refuses
 * it instead of handing NULL to the library. */
%typemap(check) Spec *self, Profile *self, Policy *self, const Spec *spec {
	if (!$1) {
		PS_B_RAISE_NULL("$symname: the object was not created (its constructor failed)");
	}
}

/* %extend members take the typemaps in force where the class is declared. */
%apply (const char *TEXT, size_t LEN) { (const char *text, size_t len) };
%apply (char **OUTSTR, size_t *OUTLEN) { (char **out, size_t *outlen) };

%nodefaultctor Spec;
%nodefaultctor Profile;
%nodefaultctor Policy;

typedef struct {} Spec;
typedef struct {} Profile;
typedef struct {} Policy;

%feature("docstring") Spec "A vendor's port-requirement table, immutable once parsed.";
%feature("docstring") Spec::name "The spec's name statement, or None.";
%feature("docstring") Spec::version "The spec's version statement, or None.";
%feature("docstring") Spec::source "The document the spec transcribes, or None.";
%feature("docstring") Spec::filename
"Where the spec came from (\"<default>\", \"<string>\" or the path).";
%feature("docstring") Spec::to_string
"The spec written back as spec text in canonical form.";
%feature("docstring") Spec::equal
"True if both specs describe the same services, zones and flows.";
%feature("docstring") Spec::service
"The service called name, or None.";
%feature("docstring") Spec::services
"The services whose level is in levels (\"required,optional,cluster\"; None: all).";
%feature("docstring") Spec::cluster_ports
"The cluster services: the ports a cluster of appliances needs.";
%feature("docstring") Spec::zones "The zones, in declaration order.";
%feature("docstring") Spec::interfaces "The interfaces the spec names.";

%extend Spec {
	/* Parses text (when not None), else loads path (when not None), else
	 * the built-in spec. */
	Spec(const char *text, size_t len, const char *path, const char *filename,
		      struct portspec_error *err)
	{
		struct portspec_spec *spec = NULL;
		enum portspec_status st;
		if (text)
			st = portspec_spec_parse(text, len, filename, &spec, err);
		else if (path)
			st = portspec_spec_load(path, &spec, err);
		else
			st = portspec_spec_new_default(&spec, err);
		ps_b_check(err, st);
		return st == PORTSPEC_OK ? spec : NULL;
	}

	~Spec()
	{
		portspec_spec_free($self);
	}

	const char *name() { return portspec_spec_name($self); }
	const char *version() { return portspec_spec_version($self); }
	const char *source() { return portspec_spec_source($self); }
	const char *filename() { return portspec_spec_filename($self); }

	void to_string(char **out, size_t *outlen, struct portspec_error *err)
	{
		ps_b_check(err, portspec_spec_to_string($self, out, outlen, NULL));
	}

	bool equal(const Spec *other)
	{
		return other && portspec_spec_equal($self, other);
	}

	const struct portspec_service *service(const char *name, struct portspec_error *err)
	{
		if (!name)
			ps_b_fail(err, PORTSPEC_E_INVALID, "no service name given");
		return name ? portspec_spec_find_service($self, name) : NULL;
	}

	struct ps_b_services services(const char *levels, struct portspec_error *err)
	{
		struct ps_b_services q = { $self, false, 0 };
		ps_b_levels(levels, &q.levels, err);
		return q;
	}

	struct ps_b_services cluster_ports()
	{
		struct ps_b_services q = { $self, true, 0 };
		return q;
	}

	struct ps_b_zones zones()
	{
		struct ps_b_zones q = { $self };
		return q;
	}

	struct ps_b_strings interfaces()
	{
		struct ps_b_strings l = { $self, portspec_spec_interface_count($self),
					  ps_b_interface_item };
		return l;
	}
}

%feature("docstring") Profile
"One site's choices: optional services, DNS/NTP zones, cluster role, addresses.";
%feature("docstring") Profile::set
"Sets one profile key as in portspec-profile(5); repeatable keys add.";
%feature("docstring") Profile::parse
"Applies profile-file text (\"key = value\" lines).";
%feature("docstring") Profile::load "Applies the profile file at path.";
%feature("docstring") Profile::required_only
"Turns every optional service off (cluster services follow the role).";
%feature("docstring") Profile::to_string
"The effective profile as profile-file text.";
%feature("docstring") Profile::role "The cluster role: standalone, central or member.";
%feature("docstring") Profile::enabled "Whether the named service is on.";
%feature("docstring") Profile::uses_examples
"Whether the addresses are still the documentation examples.";

%extend Profile {
	Profile(const Spec *spec, struct portspec_error *err)
	{
		struct portspec_profile *p = NULL;
		if (!spec) {
			ps_b_fail(err, PORTSPEC_E_INVALID, "no spec given");
			return NULL;
		}
		ps_b_check(err, portspec_profile_new(spec, &p, NULL));
		return p;
	}

	~Profile()
	{
		portspec_profile_free($self);
	}

	void set(const char *key, const char *value, struct portspec_error *err)
	{
		if (!key || !value)
			ps_b_fail(err, PORTSPEC_E_INVALID,
				  "a profile key needs a name and a value");
		else
			ps_b_check(err, portspec_profile_set($self, key, value, err));
	}

	void parse(const char *text, size_t len, const char *filename, struct portspec_error *err)
	{
		if (!text)
			ps_b_fail(err, PORTSPEC_E_INVALID, "no profile text given");
		else
			ps_b_check(err, portspec_profile_parse($self, text, len, filename, err));
	}

	void load(const char *path, struct portspec_error *err)
	{
		if (!path)
			ps_b_fail(err, PORTSPEC_E_INVALID, "no profile path given");
		else
			ps_b_check(err, portspec_profile_load($self, path, err));
	}

	void required_only(struct portspec_error *err)
	{
		ps_b_check(err, portspec_profile_required_only($self, NULL));
	}

	void to_string(char **out, size_t *outlen, struct portspec_error *err)
	{
		ps_b_check(err, portspec_profile_to_string($self, out, outlen, NULL));
	}

	const char *role() { return portspec_role_name(portspec_profile_role($self)); }

	bool enabled(const char *service, struct portspec_error *err)
	{
		const struct portspec_spec *spec = portspec_profile_spec($self);
		const struct portspec_service *svc =
			service ? portspec_spec_find_service(spec, service) : NULL;
		if (!svc) {
			ps_b_fail(err, PORTSPEC_E_UNKNOWN, "unknown service '%.64s'",
				  service ? service : "(none)");
			return false;
		}
		return portspec_profile_enabled($self, svc);
	}

	bool uses_examples() { return portspec_profile_uses_examples($self); }
}

%feature("docstring") Policy "A spec and a profile compiled into concrete, deduplicated flows.";
%feature("docstring") Policy::is_allowed
"is_allowed(zone, direction, protocol, port) -> bool

Whether a new connection is allowed: zone is a zone of the spec (\"inside\"),
direction \"inbound\" or \"outbound\" (relative to the appliance), protocol
\"tcp\" or \"udp\", port 1..65535.";
%feature("docstring") Policy::explain
"explain(zone, direction, protocol, port) -> Flow or None

The flow that allows the connection, or None when it is denied.";
%feature("docstring") Policy::find
"The flows matching a filter; None for any level, zone, direction or protocol.";
%feature("docstring") Policy::required "The required flows.";
%feature("docstring") Policy::flow_count "The number of flows.";
%feature("docstring") Policy::flow "Flow number index (0-based).";
%feature("docstring") Policy::warnings "Warnings the spec attaches to this policy.";
%feature("docstring") Policy::_warning_kinds "The kind of each warning (\"service-note\", ...).";
%feature("docstring") Policy::_warning_severities "The severity of each warning: \"note\" or \"warning\".";
%feature("docstring") Policy::render
"Renders the policy for a backend; returns the text.";

%extend Policy {
	Policy(const Spec *spec, const Profile *profile,
			struct portspec_error *err)
	{
		struct portspec_policy *p = NULL;
		if (!spec) {
			ps_b_fail(err, PORTSPEC_E_INVALID, "no spec given");
			return NULL;
		}
		ps_b_check(err, portspec_policy_new(spec, profile, &p, err));
		return p;
	}

	~Policy()
	{
		portspec_policy_free($self);
	}

	bool is_allowed(const char *zone, const char *direction, const char *protocol, long port,
			struct portspec_error *err)
	{
		const struct portspec_flow *m;
		return ps_b_query($self, zone, direction, protocol, port, &m, err);
	}

	const struct portspec_flow *explain(const char *zone, const char *direction,
					    const char *protocol, long port,
					    struct portspec_error *err)
	{
		const struct portspec_flow *m;
		ps_b_query($self, zone, direction, protocol, port, &m, err);
		return m;
	}

	struct ps_b_flows find(const char *levels, const char *zone, const char *direction,
			       const char *protocol, struct portspec_error *err)
	{
		struct ps_b_flows q = { $self, false, 0,
					zone ? portspec_spec_find_zone(portspec_policy_spec($self), zone)
					     : NULL,
					PORTSPEC_DIR_ANY, PORTSPEC_PROTO_ANY };
		if (ps_b_levels(levels, &q.levels, err) &&
		    ps_b_zone(portspec_policy_spec($self), zone, true, err) &&
		    ps_b_direction(direction, true, &q.direction, err))
			ps_b_protocol(protocol, true, &q.protocol, err);
		return q;
	}

	struct ps_b_flows required()
	{
		struct ps_b_flows q = { $self, true, 0, NULL, PORTSPEC_DIR_ANY,
					PORTSPEC_PROTO_ANY };
		return q;
	}

	size_t flow_count() { return portspec_policy_flow_count($self); }

	const struct portspec_flow *flow(long index, struct portspec_error *err)
	{
		size_t n = portspec_policy_flow_count($self);
		if (index < 0)
			index += (long)n;
		if (index < 0 || (size_t)index >= n) {
			ps_b_fail(err, PORTSPEC_E_INVALID, "flow index out of range");
			return NULL;
		}
		return portspec_policy_flow($self, (size_t)index);
	}

	struct ps_b_strings warnings()
	{
		struct ps_b_strings l = { $self, portspec_policy_warning_count($self),
					  ps_b_warning_item };
		return l;
	}

	struct ps_b_strings _warning_kinds()
	{
		struct ps_b_strings l = { $self, portspec_policy_warning_count($self),
					  ps_b_warning_kind_item };
		return l;
	}

	struct ps_b_strings _warning_severities()
	{
		struct ps_b_strings l = { $self, portspec_policy_warning_count($self),
					  ps_b_warning_severity_item };
		return l;
	}

#if defined(SWIGPYTHON)
	/* Plan.check(): the plan of @mode asked about one connection, by remote
	 * address or (address None) by zone. */
	PyObject *_explain(const char *mode, const char *direction, const char *address,
			   const char *zone, const char *protocol, long port, const char *interface,
			   struct portspec_error *err)
	{
		enum portspec_mode m = PORTSPEC_MODE_HOST;
		struct portspec_connection c = {.interface = interface};
		struct portspec_explanation *x = NULL;
		if (!ps_b_mode(mode, &m, err) || !ps_b_direction(direction, false, &c.direction, err) ||
		    !ps_b_protocol(protocol, false, &c.protocol, err))
			return NULL;
		if (port < 1 || port > 65535) {
			ps_b_fail(err, PORTSPEC_E_INVALID, "port %ld is out of range 1..65535", port);
			return NULL;
		}
		c.port = (unsigned)port;
		if (address && portspec_cidr_parse(address, &c.remote, NULL)) {
			ps_b_fail(err, PORTSPEC_E_INVALID,
				  "'%.64s' is not an IPv4 or IPv6 address", address);
			return NULL;
		}
		if (!address) {
			if (!ps_b_zone(portspec_policy_spec($self), zone, false, err))
				return NULL;
			c.zone = portspec_spec_find_zone(portspec_policy_spec($self), zone);
		}
		const struct portspec_plan *plan = portspec_policy_plan($self, m);
		if (!ps_b_check(err, portspec_plan_explain(plan, &c, &x, err)))
			return NULL;
		PyObject *r = ps_py_explanation(plan, x);
		portspec_explanation_free(x);
		return r;
	}
#endif

	void render(const char *backend, const char *mode, bool fragment, const char *name,
		    char **out, size_t *outlen, struct portspec_error *err)
	{
		struct portspec_render_options o = PORTSPEC_RENDER_OPTIONS_INIT;
		o.flags = fragment ? PORTSPEC_RENDER_FRAGMENT : 0u;
		o.name = name;
		if (ps_b_mode(mode, &o.mode, err))
			ps_b_check(err, portspec_render_to_string($self, backend, &o, out, outlen,
								  err));
	}
}

/* ------------------------------------------------------------------------ */
/* libportspec-audit: rulesets, and the audit, trace, diff and matrix. */
#if defined(SWIGPYTHON)
%include "audit.i"
#endif
