/* SPDX-License-Identifier: MIT */
/*
 * The one SWIG interface of libportspec, for every scripting language,
 * generated from the header: every function of include/portspec/portspec.h
 * (and of portspec/audit.h, in audit.i) that a script can call is wrapped
 * as it is, with the prefix stripped (portspec_policy_flow_count() is
 * policy_flow_count()).  The typemaps below carry the C convention over:
 *
 * - `struct portspec_error *err` is hidden; a non-OK `enum portspec_status`
 *   raises the error named by portspec_status_name() with the error's file,
 *   line, column and text (a portspec.Error subclass in Python, an error
 *   table in Lua).  The library checks the arguments and says what is wrong.
 * - output pointers are results: a new object (`struct portspec_X **out`,
 *   owned, freed by its _free function), a handle (`**match`), a string
 *   (`char **out, size_t *len`, freed with portspec_free()), a flag, a number;
 *   a cursor (`size_t *cursor`) is passed in and handed back.
 * - `const struct portspec_cidr *` is its text ("10.0.0.0/8").
 *
 * The spec, profile, policy and ruleset are classes with a destructor and
 * nothing else; services, zones, interfaces and flows are handles into them,
 * valid while their owner lives.  The Python package builds its classes on
 * these functions (bindings/python/portspec/__init__.py).
 */

#if defined(SWIGPYTHON)
%module(package="portspec") core
#else
%module portspec
#endif

%{
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "portspec/portspec.h"

/* The error of the call under way: the err argument of every function, read
 * by the status typemap when the call fails.  Per thread, as calls are. */
static _Thread_local struct portspec_error ps_b_err;

static struct portspec_error *ps_b_err_reset(void)
{
	ps_b_err.status = PORTSPEC_OK;
	ps_b_err.text[0] = '\0';
	return &ps_b_err;
}

/* The error a failed call leaves: the function's own, or for a function
 * without an error struct the library's description of the status. */
static const struct portspec_error *ps_b_failed(enum portspec_status status)
{
	if (ps_b_err.status != status) {
		ps_b_err.status = status;
		ps_b_err.line = ps_b_err.column = 0;
		ps_b_err.file[0] = '\0';
		snprintf(ps_b_err.text, sizeof(ps_b_err.text), "%s", portspec_strerror(status));
	}
	return &ps_b_err;
}
%}

/* ------------------------------------------------------------------------ */
/* What the languages see of the header. */

%rename("%(strip:[portspec_])s") "";
%rename("%(strip:[PORTSPEC_])s", %$isenumitem) "";
%rename("%(strip:[PORTSPEC_])s", %$isconstant) "";
/* enum types are not values (their items are); some are named like a function */
%rename("%(strip:[portspec_])s_enum", %$isenum) "";

/* Owned objects: a class each, whose only member is the destructor. */
%define PS_HANDLE(NAME, CLASS)
%rename(CLASS) NAME;
%nodefaultctor NAME;
struct NAME {};
%extend NAME {
	~NAME() { NAME##_free($self); }
}
%enddef
PS_HANDLE(portspec_spec, Spec)
PS_HANDLE(portspec_profile, Profile)
PS_HANDLE(portspec_policy, Policy)

/* Structs with fields, callbacks and allocators stay in C; what scripts
 * need of them is below (render) or in the package (plans, as JSON). */
%ignore portspec_error;
%ignore portspec_error_format;
%ignore portspec_set_allocator;
%ignore portspec_free;
%ignore portspec_spec_ref;
%ignore portspec_spec_free;
%ignore portspec_profile_free;
%ignore portspec_policy_free;
%ignore portspec_cidr;
%ignore portspec_cidr_parse;
%ignore portspec_cidr_format;
%ignore portspec_addr_range;
%ignore portspec_addrset;
%ignore portspec_addrset_contains;
%ignore portspec_addr_format;
%ignore portspec_plan_port;
%ignore portspec_plan_entry;
%ignore portspec_connection;
%ignore portspec_change;
%ignore portspec_explanation;
%ignore portspec_explanation_free;
%ignore portspec_plan_check;
%ignore portspec_plan_explain;
%ignore portspec_render_options;
%ignore portspec_render;
%ignore portspec_render_to_file;
%ignore portspec_render_to_string;
%ignore PORTSPEC_RENDER_OPTIONS_INIT;
%ignore PORTSPEC_EXPORT;

/* ------------------------------------------------------------------------ */
/* The convention, once for every function. */

%typemap(in, numinputs=0) struct portspec_error *err {
	$1 = ps_b_err_reset();
}

%typemap(in, numinputs=0) SWIGTYPE **out ($*1_ltype ps_obj = NULL) {
	$1 = &ps_obj;
}

%typemap(in, numinputs=0) SWIGTYPE **match ($*1_ltype ps_obj = NULL) {
	$1 = &ps_obj;
}

%typemap(in, numinputs=0) (char **out, size_t *len) (char *ps_str = NULL, size_t ps_len = 0) {
	$1 = &ps_str;
	$2 = &ps_len;
}
%typemap(freearg) (char **out, size_t *len) {
	portspec_free(*$1);
}

/* Plain results through pointers: bool *allowed, unsigned *first, ... */
%define PS_OUT(TYPE, NAME)
%typemap(in, numinputs=0) TYPE *NAME (TYPE ps_val = (TYPE)0) {
	$1 = &ps_val;
}
%enddef
PS_OUT(bool, allowed)
PS_OUT(unsigned, first)
PS_OUT(unsigned, last)
PS_OUT(enum portspec_protocol, proto)

/* ------------------------------------------------------------------------ */
#if defined(SWIGPYTHON)

%{
/* Set by the package at import (register_error_factory()): builds the
 * exception of a status name.  Without it: RuntimeError. */
static PyObject *ps_py_error_factory;

static PyObject *ps_py_str(const char *s)
{
	if (!s)
		Py_RETURN_NONE;
	return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "surrogateescape");
}

static void ps_py_raise(enum portspec_status status)
{
	const struct portspec_error *e = ps_b_failed(status);
	const char *name = portspec_status_name(e->status);
	if (!ps_py_error_factory) {
		PyErr_Format(PyExc_RuntimeError, "%s: %s", name ? name : "error", e->text);
	} else {
		PyObject *exc = PyObject_CallFunction(ps_py_error_factory, "(sNNII)",
						      name ? name : "error", ps_py_str(e->text),
						      ps_py_str(e->file[0] ? e->file : NULL), e->line,
						      e->column);
		if (exc) {
			PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
			Py_DECREF(exc);
		}
	}
	ps_b_err_reset();
}

static PyObject *ps_py_append(PyObject *result, PyObject *obj)
{
	return SWIG_Python_AppendOutput(result, obj);
}
%}

%typemap(out) enum portspec_status {
	if ($1 != PORTSPEC_OK) {
		ps_py_raise($1);
		SWIG_fail;
	}
	$result = SWIG_Py_Void();
}

%typemap(argout) SWIGTYPE **out {
	$result = ps_py_append($result, SWIG_NewPointerObj(*$1, $*1_descriptor, SWIG_POINTER_OWN));
}

%typemap(argout) SWIGTYPE **match {
	$result = ps_py_append($result, SWIG_NewPointerObj((void *)*$1, $*1_descriptor, 0));
}

%typemap(argout) (char **out, size_t *len) {
	PyObject *ps_s = PyUnicode_DecodeUTF8(*$1 ? *$1 : "", (Py_ssize_t)*$2, "surrogateescape");
	if (!ps_s)
		SWIG_fail;
	$result = ps_py_append($result, ps_s);
}

%typemap(argout) bool *allowed { $result = ps_py_append($result, PyBool_FromLong(*$1)); }
%typemap(argout) unsigned *first, unsigned *last, enum portspec_protocol *proto {
	$result = ps_py_append($result, PyLong_FromUnsignedLong((unsigned long)*$1));
}

/* A cursor goes in as an int and comes back after the result. */
%typemap(in) size_t *cursor (size_t ps_cursor = 0) {
	ps_cursor = PyLong_AsSize_t($input);
	if (PyErr_Occurred())
		SWIG_fail;
	$1 = &ps_cursor;
}
%typemap(argout) size_t *cursor { $result = ps_py_append($result, PyLong_FromSize_t(*$1)); }

%typemap(out) const struct portspec_cidr * {
	char ps_buf[64];
	$result = $1 ? ps_py_str(portspec_cidr_format($1, ps_buf, sizeof(ps_buf))) : SWIG_Py_Void();
}

/* Ports and counts: any int; out of range for C is out of range for the
 * library, which says so. */
%typemap(in) unsigned port {
	long ps_v = PyLong_AsLong($input);
	if (ps_v == -1 && PyErr_Occurred()) {
		if (!PyErr_ExceptionMatches(PyExc_OverflowError))
			SWIG_fail;
		PyErr_Clear();
		ps_v = LONG_MAX;
	}
	$1 = ps_v < 0 || ps_v > (long)UINT_MAX ? UINT_MAX : (unsigned)ps_v;
}

/* Strings in: str (UTF-8, cached by Python, no copy), bytes (paths), or None. */
%typemap(in) const char * {
	$1 = NULL;
	if ($input != Py_None) {
		Py_ssize_t ps_n = 0;
		char *ps_b = NULL;
		if (PyUnicode_Check($input))
			$1 = ($1_ltype)PyUnicode_AsUTF8AndSize($input, &ps_n);
		else if (PyBytes_Check($input))
			$1 = PyBytes_AsStringAndSize($input, &ps_b, &ps_n) < 0 ? NULL : ps_b;
		else
			PyErr_Format(PyExc_TypeError, "$symname: argument $argnum must be str, not %s",
				     Py_TYPE($input)->tp_name);
		if (!$1)
			SWIG_fail;
		if (strlen($1) != (size_t)ps_n) {
			PyErr_SetString(PyExc_ValueError, "$symname: embedded null character");
			SWIG_fail;
		}
	}
}
%typemap(freearg) const char * "";

/* A text with its length: str or bytes; may contain anything. */
%typemap(in) (const char *text, size_t len) {
	Py_ssize_t ps_n = 0;
	char *ps_b = NULL;
	if (PyUnicode_Check($input)) {
		$1 = ($1_ltype)PyUnicode_AsUTF8AndSize($input, &ps_n);
	} else if (PyBytes_Check($input)) {
		$1 = PyBytes_AsStringAndSize($input, &ps_b, &ps_n) < 0 ? NULL : ps_b;
	} else {
		PyErr_Format(PyExc_TypeError, "$symname: text must be str or bytes, not %s",
			     Py_TYPE($input)->tp_name);
		$1 = NULL;
	}
	if (!$1)
		SWIG_fail;
	$2 = (size_t)ps_n;
}

%inline %{
/* Called once by the package: the factory of its exceptions. */
static void register_error_factory(PyObject *factory)
{
	Py_XINCREF(factory);
	Py_XSETREF(ps_py_error_factory, factory);
}
%}

%{
/* Policy.is_allowed(zone, direction, protocol, port): the hot query, one
 * METH_FASTCALL method of the Policy handle (no argument tuple, no
 * SWIG dispatch); directions and protocols by name, as str or StrEnum. */
/* The names of the directions and protocols as interned str: a literal
 * "inbound" in a script is the same object, found without decoding it. */
static PyObject *ps_py_names[8];
static int ps_py_values[8];

static const char *ps_py_utf8(PyObject *s, int *value, size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++)
		if (s == ps_py_names[i]) {
			*value = ps_py_values[i];
			return "";
		}
	Py_ssize_t len = 0;
	const char *text = PyUnicode_AsUTF8AndSize(s, &len);
	if (text && strlen(text) != (size_t)len) {
		PyErr_SetString(PyExc_ValueError, "is_allowed(): embedded null character");
		return NULL;
	}
	*value = -1;
	return text;
}

static int ps_py_intern_names(void)
{
	static const char *const names[] = {"inbound", "outbound", "tcp", "udp", "icmp", "icmpv6"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ps_py_names[i] = PyUnicode_InternFromString(names[i]);
		if (!ps_py_names[i])
			return -1;
		ps_py_values[i] = i < 2 ? (int)portspec_direction_from_name(names[i])
				       : (int)portspec_protocol_from_name(names[i]);
	}
	return 0;
}

static PyObject *ps_py_is_allowed(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
	const char *names[3];
	int values[3] = {-1, -1, -1};
	if (nargs != 4) {
		PyErr_Format(PyExc_TypeError,
			     "is_allowed() takes 4 arguments (zone, direction, protocol, port), %zd given",
			     nargs);
		return NULL;
	}
	for (int i = 0; i < 3; i++) {
		if (!PyUnicode_Check(args[i])) {
			PyErr_Format(PyExc_TypeError, "is_allowed(): argument %d must be str, not %s",
				     i + 1, Py_TYPE(args[i])->tp_name);
			return NULL;
		}
		/* zone: none interned; direction: 0, 1; protocol: 2 to 5 */
		names[i] = ps_py_utf8(args[i], &values[i], i == 2 ? 2 : 0, i == 0 ? 0 : i == 1 ? 2 : 4);
		if (!names[i])
			return NULL;
	}
	if (!PyLong_Check(args[3])) {
		PyErr_Format(PyExc_TypeError, "is_allowed(): port must be int, not %s",
			     Py_TYPE(args[3])->tp_name);
		return NULL;
	}
	int overflow = 0;
	long port = PyLong_AsLongAndOverflow(args[3], &overflow);
	bool allowed = false;
	enum portspec_status st = portspec_is_allowed(
		((SwigPyObject *)self)->ptr, names[0],
		values[1] >= 0 ? (enum portspec_direction)values[1] : portspec_direction_from_name(names[1]),
		values[2] >= 0 ? (enum portspec_protocol)values[2] : portspec_protocol_from_name(names[2]),
		overflow || port < 0 || port > (long)UINT_MAX ? UINT_MAX : (unsigned)port, &allowed,
		NULL, ps_b_err_reset());
	if (st != PORTSPEC_OK) {
		ps_py_raise(st);
		return NULL;
	}
	return PyBool_FromLong(allowed);
}

static PyMethodDef ps_py_is_allowed_def = {
	"is_allowed", (PyCFunction)(void (*)(void))ps_py_is_allowed, METH_FASTCALL,
	"is_allowed(zone, direction, protocol, port) -> bool\n\n"
	"Whether a new connection is allowed: zone is a zone of the spec (\"inside\"),\n"
	"direction \"inbound\" or \"outbound\" (relative to the appliance), protocol\n"
	"\"tcp\", \"udp\", \"icmp\" or \"icmpv6\", port 1..65535 (ICMP: the type)."};
%}

%init %{
	{
		SwigPyClientData *ps_cd = SWIGTYPE_p_portspec_policy->clientdata;
		PyTypeObject *t = ps_cd ? ps_cd->pytype : NULL;
		PyObject *descr = t && ps_py_intern_names() == 0
					  ? PyDescr_NewMethod(t, &ps_py_is_allowed_def) : NULL;
		if (!descr || PyDict_SetItemString(t->tp_dict, "is_allowed", descr) < 0) {
			Py_XDECREF(descr);
			return NULL;
		}
		Py_DECREF(descr);
		PyType_Modified(t);
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

/* Pushes the error as a table {status=, message=, text=, file=, line=,
 * column=} whose tostring() is the formatted message. */
static void ps_lua_push_error(lua_State *L, enum portspec_status status)
{
	const struct portspec_error *e = ps_b_failed(status);
	char buf[1024];

	lua_createtable(L, 0, 6);
	lua_pushstring(L, portspec_status_name(e->status));
	lua_setfield(L, -2, "status");
	lua_pushstring(L, e->text);
	lua_setfield(L, -2, "text");
	if (e->file[0]) {
		lua_pushstring(L, e->file);
		lua_setfield(L, -2, "file");
	}
	lua_pushinteger(L, e->line);
	lua_setfield(L, -2, "line");
	lua_pushinteger(L, e->column);
	lua_setfield(L, -2, "column");
	lua_pushstring(L, portspec_error_format(e, buf, sizeof(buf)));
	lua_setfield(L, -2, "message");
	if (luaL_newmetatable(L, PS_LUA_ERROR_META)) {
		lua_pushcfunction(L, ps_lua_error_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_setmetatable(L, -2);
	ps_b_err_reset();
}
%}

%typemap(out) enum portspec_status {
	if ($1 != PORTSPEC_OK) {
		ps_lua_push_error(L, $1);
		SWIG_fail;
	}
}

%typemap(argout) SWIGTYPE **out {
	SWIG_NewPointerObj(L, *$1, $*1_descriptor, 1);
	SWIG_arg++;
}

%typemap(argout) SWIGTYPE **match {
	SWIG_NewPointerObj(L, (void *)*$1, $*1_descriptor, 0);
	SWIG_arg++;
}

%typemap(argout) (char **out, size_t *len) {
	lua_pushlstring(L, *$1 ? *$1 : "", *$2);
	SWIG_arg++;
}

%typemap(argout) bool *allowed {
	lua_pushboolean(L, *$1);
	SWIG_arg++;
}
%typemap(argout) unsigned *first, unsigned *last, enum portspec_protocol *proto {
	lua_pushinteger(L, (lua_Integer)*$1);
	SWIG_arg++;
}

%typemap(in, checkfn="lua_isnumber") size_t *cursor (size_t ps_cursor = 0) {
	ps_cursor = (size_t)lua_tointeger(L, $input);
	$1 = &ps_cursor;
}
%typemap(argout) size_t *cursor {
	lua_pushinteger(L, (lua_Integer)*$1);
	SWIG_arg++;
}

%typemap(out) const struct portspec_cidr * {
	char ps_buf[64];
	lua_pushstring(L, $1 ? portspec_cidr_format($1, ps_buf, sizeof(ps_buf)) : NULL);
	SWIG_arg++;
}

%typemap(in, checkfn="lua_isnumber") unsigned port {
	lua_Integer ps_v = lua_tointeger(L, $input);
	$1 = ps_v < 0 || ps_v > (lua_Integer)UINT_MAX ? UINT_MAX : (unsigned)ps_v;
}

%typemap(in, checkfn="lua_isstring") (const char *text, size_t len) {
	size_t ps_n = 0;
	$1 = ($1_ltype)lua_tolstring(L, $input, &ps_n);
	$2 = ps_n;
}

#endif /* SWIGLUA */

/* ------------------------------------------------------------------------ */
/* The header, as it is. */

%include "portspec/portspec.h"

/* Rendering takes its options as arguments (the options struct has
 * reserved members a script must not touch). */
%inline %{
static enum portspec_status render(const struct portspec_policy *policy, const char *backend,
				   enum portspec_mode mode, unsigned flags, const char *name,
				   char **out, size_t *len, struct portspec_error *err)
{
	struct portspec_render_options o = PORTSPEC_RENDER_OPTIONS_INIT;
	o.mode = mode;
	o.flags = flags;
	o.name = name;
	return portspec_render_to_string(policy, backend, &o, out, len, err);
}
%}

#if defined(SWIGPYTHON)
/* Plan.check(): the plan of @mode asked about one connection, by remote
 * address or (address None) by zone, as the tuple (allowed, entry index or
 * None, flow handle or None, zone names, reason, ((setting, reason), ...)). */
%inline %{
static PyObject *plan_explain(const struct portspec_policy *policy, enum portspec_mode mode,
			      enum portspec_direction direction, const char *address,
			      const struct portspec_zone *zone, enum portspec_protocol protocol,
			      unsigned port, const char *interface)
{
	struct portspec_connection c = {.direction = direction, .zone = zone,
					.protocol = protocol, .port = port,
					.interface = interface};
	struct portspec_explanation *x = NULL;
	enum portspec_status st = PORTSPEC_OK;
	const struct portspec_plan *plan = portspec_policy_plan(policy, mode);
	if (address && portspec_cidr_parse(address, &c.remote, NULL) != PORTSPEC_OK) {
		ps_b_err_reset()->status = PORTSPEC_E_INVALID;
		snprintf(ps_b_err.text, sizeof(ps_b_err.text),
			 "'%.64s' is not an IPv4 or IPv6 address", address);
		st = PORTSPEC_E_INVALID;
	} else {
		st = portspec_plan_explain(plan, &c, &x, ps_b_err_reset());
	}
	if (st != PORTSPEC_OK) {
		ps_py_raise(st);
		return NULL;
	}
	const struct portspec_spec *spec = portspec_policy_spec(policy);
	PyObject *zones = PyList_New(0), *changes = PyList_New(0), *entry = NULL;
	for (size_t z = 0; zones && z < portspec_spec_zone_count(spec); z++)
		if (x->zones & (1ul << z))
			zones = ps_py_append(zones, ps_py_str(portspec_zone_name(portspec_spec_zone(spec, z))));
	for (size_t i = 0; changes && i < x->change_count; i++)
		changes = ps_py_append(changes, Py_BuildValue("(NN)", ps_py_str(x->changes[i].setting),
							      ps_py_str(x->changes[i].reason)));
	for (size_t i = 0; x->entry && !entry && i < portspec_plan_entry_count(plan); i++)
		if (portspec_plan_entry(plan, i) == x->entry)
			entry = PyLong_FromSize_t(i);
	PyObject *r = zones && changes ? Py_BuildValue(
		"(ONNNNN)", x->allowed ? Py_True : Py_False, entry ? entry : SWIG_Py_Void(),
		SWIG_Python_NewPointerObj(NULL, (void *)x->flow, SWIGTYPE_p_portspec_flow, 0), zones,
		ps_py_str(x->reason), changes) : NULL;
	if (!r) {
		Py_XDECREF(zones);
		Py_XDECREF(changes);
	}
	portspec_explanation_free(x);
	return r;
}
%}

%include "audit.i"
#endif
