/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "private.h"
#include "registry.h"

static const struct ps_backend *find_backend(const char *name)
{
	for (size_t i = 0; name && ps_backends[i]; i++)
		if (strcmp(ps_backends[i]->name, name) == 0)
			return ps_backends[i];
	return NULL;
}

PORTSPEC_EXPORT size_t portspec_backend_count(void)
{
	return sizeof(ps_backends) / sizeof(ps_backends[0]) - 1;
}

PORTSPEC_EXPORT const char *portspec_backend_name(size_t index)
{
	return index < portspec_backend_count() ? ps_backends[index]->name : NULL;
}

PORTSPEC_EXPORT const char *portspec_backend_description(const char *backend)
{
	const struct ps_backend *b = find_backend(backend);
	return b ? b->description : NULL;
}

PORTSPEC_EXPORT unsigned portspec_backend_modes(const char *backend)
{
	const struct ps_backend *b = find_backend(backend);
	return b ? b->modes : 0;
}

PORTSPEC_EXPORT enum portspec_backend_kind portspec_backend_kind(const char *backend)
{
	const struct ps_backend *b = find_backend(backend);
	return b ? b->kind : (enum portspec_backend_kind)0;
}

PORTSPEC_EXPORT const char *portspec_backend_kind_name(enum portspec_backend_kind kind)
{
	switch (kind) {
	case PORTSPEC_BACKEND_RULES: return "rules";
	case PORTSPEC_BACKEND_DOCUMENT: return "document";
	default: return NULL;
	}
}

/*
 * The longest fragment name: iptables' chain names, the shortest limit of
 * the targets, take at most 28 characters (XT_EXTENSION_MAXNAMELEN - 1).
 */
#define FRAGMENT_NAME_MAX 28u

/* Fragment names become chain, anchor and group names in every target. */
static bool valid_fragment_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > FRAGMENT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return (name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z');
}

/* The error for a backend name that is not in the registry: it lists the names. */
static enum portspec_status unknown_backend(const char *backend, struct portspec_error *err)
{
	struct ps_buf names;
	ps_buf_init(&names);
	for (size_t i = 0; ps_backends[i]; i++)
		ps_buf_printf(&names, "%s%s", i ? ", " : "", ps_backends[i]->name);
	ps_error_set(err, PORTSPEC_E_UNKNOWN, NULL, 0, 0,
		     "unknown backend '%.64s'; the backends are: %s", backend ? backend : "(null)",
		     names.data && !names.failed ? names.data : "(none)");
	ps_buf_release(&names);
	return PORTSPEC_E_UNKNOWN;
}

static enum portspec_status render_buf(const struct portspec_policy *policy, const char *backend,
				       const struct portspec_render_options *options,
				       struct ps_buf *out, struct portspec_error *err)
{
	static const struct portspec_render_options defaults = PORTSPEC_RENDER_OPTIONS_INIT;
	if (!options)
		options = &defaults;
	for (size_t i = 0; i < sizeof(options->reserved) / sizeof(options->reserved[0]); i++)
		if (options->reserved[i])
			return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
					    "reserved member %zu of struct portspec_render_options "
					    "is set; start the struct from all zeros "
					    "(PORTSPEC_RENDER_OPTIONS_INIT)",
					    i);
	enum portspec_mode mode = options->mode ? options->mode : PORTSPEC_MODE_HOST;
	unsigned flags = options->flags;
	const char *name = options->name;
	if (!policy)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no policy given");
	const struct ps_backend *b = find_backend(backend);
	if (!b)
		return unknown_backend(backend, err);
	if (mode != PORTSPEC_MODE_HOST && mode != PORTSPEC_MODE_GATEWAY)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "mode must be host or gateway");
	if (!(b->modes & (unsigned)mode))
		return ps_error_set(err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				    "backend %s does not support %s mode", b->name,
				    mode == PORTSPEC_MODE_HOST ? "host" : "gateway");
	if (flags & ~(unsigned)PORTSPEC_RENDER_FRAGMENT)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "unknown render flags 0x%x", flags);
	if (!name)
		name = "portspec";
	if (!valid_fragment_name(name))
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "fragment name '%.64s' is not usable: use 1 to %u letters, "
				    "digits, '_' or '-', starting with a letter",
				    name, FRAGMENT_NAME_MAX);
	struct ps_render r = {
		.policy = policy, .mode = mode, .flags = flags, .name = name, .out = out, .err = err,
	};
	if (err)
		err->status = PORTSPEC_OK;
	enum portspec_status st = b->render(&r);
	if (st == PORTSPEC_OK && out->failed)
		st = ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory while rendering");
	else if (st != PORTSPEC_OK && err && err->status != st)
		/* Backends return some failures (out of memory) without a text. */
		ps_error_set(err, st, NULL, 0, 0, "%s: %s while rendering", b->name,
			     portspec_strerror(st));
	return st;
}

PORTSPEC_EXPORT enum portspec_status
portspec_render(const struct portspec_policy *policy, const char *backend,
		const struct portspec_render_options *options, portspec_sink_fn sink, void *userdata,
		struct portspec_error *err)
{
	ps_error_clear(err);
	if (!sink)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no sink given");
	struct ps_buf out;
	ps_buf_init(&out);
	enum portspec_status st = render_buf(policy, backend, options, &out, err);
	if (st == PORTSPEC_OK && sink(userdata, out.data ? out.data : "", out.len) != 0)
		st = ps_error_set(err, PORTSPEC_E_IO, NULL, 0, 0, "the output sink failed");
	ps_buf_release(&out);
	return st;
}

PORTSPEC_EXPORT enum portspec_status
portspec_render_to_string(const struct portspec_policy *policy, const char *backend,
			  const struct portspec_render_options *options, char **out, size_t *len,
			  struct portspec_error *err)
{
	ps_error_clear(err);
	if (!out)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no output pointer given");
	struct ps_buf b;
	ps_buf_init(&b);
	enum portspec_status st = render_buf(policy, backend, options, &b, err);
	if (st != PORTSPEC_OK) {
		ps_buf_release(&b);
		return st;
	}
	char *text = ps_buf_steal(&b, len);
	if (!text)
		return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	*out = text;
	return PORTSPEC_OK;
}

static int file_sink(void *userdata, const char *data, size_t len)
{
	FILE *fp = userdata;
	return (len && fwrite(data, 1, len, fp) != len) || fflush(fp) != 0;
}

PORTSPEC_EXPORT enum portspec_status
portspec_render_to_file(const struct portspec_policy *policy, const char *backend,
			const struct portspec_render_options *options, FILE *fp,
			struct portspec_error *err)
{
	ps_error_clear(err);
	if (!fp)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no file given");
	return portspec_render(policy, backend, options, file_sink, fp, err);
}
