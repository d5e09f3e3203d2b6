/* SPDX-License-Identifier: MIT */
/*
 * Profile files (portspec-profile(5)): "key = value" lines read into a
 * profile, and a profile written back as such a file.  Reading checks the
 * whole line as text (UTF-8, no control characters, comments included) and
 * records where each setting came from, so that a contradiction found only
 * when the policy is compiled still names file, line and column.
 */
#include <stdio.h>
#include <string.h>

#include "private.h"

/* The index (from 1) of @filename among the profile's file names, added if new; 0 on failure. */
static uint32_t file_index(struct portspec_profile *pr, const char *filename)
{
	for (size_t i = 0; i < pr->nfiles; i++)
		if (strcmp(pr->files[i], filename) == 0)
			return (uint32_t)i + 1;
	char *copy = ps_strdup(filename);
	char **v = copy ? ps_reallocarray(pr->files, pr->nfiles + 1, sizeof(*v)) : NULL;
	if (!v) {
		ps_free(copy);
		return 0;
	}
	pr->files = v;
	v[pr->nfiles++] = copy;
	return (uint32_t)pr->nfiles;
}

/*
 * The column (from 1) of the first byte of @l (@n bytes) that is not text:
 * a control character other than a tab, invalid UTF-8 or a noncharacter; 0
 * if there is none.  *@why says which.
 */
static unsigned bad_text(const char *l, size_t n, const char **why)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)l[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && !(c == '\r' && i + 1 == n)) || c == 0x7f) {
				*why = c ? "control character; profiles are text" :
					   "NUL byte; profiles are text";
				return (unsigned)i + 1;
			}
			i++;
			continue;
		}
		uint32_t cp;
		size_t len = ps_utf8_char(l + i, n - i, &cp);
		if (!len) {
			*why = "invalid UTF-8; save the file as UTF-8";
			return (unsigned)i + 1;
		}
		if (ps_unicode_noncharacter(cp) || (cp >= 0x80 && cp < 0xa0)) {
			*why = cp < 0xa0 ? "C1 control character; profiles are text"
					 : "Unicode noncharacter; profiles are text";
			return (unsigned)i + 1;
		}
		i += len;
	}
	return 0;
}

/* One "key = value" line (comment and line end already cut off). */
static enum portspec_status parse_line(struct portspec_profile *pr, const char *l, size_t n,
				       const char *filename, unsigned line, uint32_t file,
				       struct portspec_error *err)
{
	size_t i = 0;
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i == n)
		return PORTSPEC_OK;
	const char *eq = memchr(l + i, '=', n - i);
	if (!eq)
		return ps_error_set(err, PORTSPEC_E_PARSE, filename, line, (unsigned)i + 1,
				    "expected 'key = value'");
	size_t kend = (size_t)(eq - l);
	while (kend > i && (l[kend - 1] == ' ' || l[kend - 1] == '\t'))
		kend--;
	if (kend == i)
		return ps_error_set(err, PORTSPEC_E_PARSE, filename, line, (unsigned)i + 1,
				    "missing key before '='");
	size_t v = (size_t)(eq - l) + 1;
	char *key = ps_strndup(l + i, kend - i);
	char *value = ps_strndup(l + v, n - v);
	enum portspec_status st;
	if (!key || !value) {
		st = ps_error_set(err, PORTSPEC_E_NOMEM, filename, line, 0, "out of memory");
	} else {
		pr->here = (struct ps_origin){file, line, (unsigned)v + 1};
		pr->bad_key = false;
		st = portspec_profile_set(pr, key, value, err);
		if (st && err) {
			/* Locate the error: the key if unknown, else the value (item). */
			err->line = line;
			err->column = pr->bad_key ? (unsigned)i + 1 : pr->here.column;
			snprintf(err->file, sizeof(err->file), "%s", filename);
		}
		pr->here = (struct ps_origin){0, 0, 0};
	}
	ps_free(key);
	ps_free(value);
	return st;
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_parse(struct portspec_profile *pr,
							    const char *text, size_t len,
							    const char *filename,
							    struct portspec_error *err)
{
	ps_error_clear(err);
	if (!filename)
		filename = "<string>";
	if (!pr || (!text && len))
		return ps_error_set(err, PORTSPEC_E_INVALID, filename, 0, 0, "no profile or text");
	if (len > PS_MAX_FILE_SIZE)
		return ps_error_set(err, PORTSPEC_E_LIMIT, filename, 0, 0,
				    "profile is larger than %u bytes", PS_MAX_FILE_SIZE);
	uint32_t file = file_index(pr, filename);
	if (!file)
		return ps_error_set(err, PORTSPEC_E_NOMEM, filename, 0, 0, "out of memory");
	size_t pos = 0;
	unsigned line = 0;
	while (pos < len) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		pos += n + (nl ? 1 : 0);
		line++;
		if (n > PS_MAX_LINE)
			return ps_error_set(err, PORTSPEC_E_LIMIT, filename, line, PS_MAX_LINE + 1,
					    "line longer than %u bytes", PS_MAX_LINE);
		const char *why = NULL;
		unsigned col = bad_text(l, n, &why);
		if (col)
			return ps_error_set(err, PORTSPEC_E_PARSE, filename, line, col, "%s", why);
		const char *hash = memchr(l, '#', n);
		if (hash)
			n = (size_t)(hash - l);
		while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
			n--;
		enum portspec_status st = parse_line(pr, l, n, filename, line, file, err);
		if (st)
			return st;
	}
	return PORTSPEC_OK;
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_load(struct portspec_profile *pr,
							   const char *path,
							   struct portspec_error *err)
{
	ps_error_clear(err);
	if (!pr || !path)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no profile or path");
	struct ps_buf b;
	ps_buf_init(&b);
	enum portspec_status st = ps_buf_load(&b, path, PS_MAX_FILE_SIZE, "read error", err);
	if (!st) /* a file over the limit is the parser's error */
		st = portspec_profile_parse(pr, b.data ? b.data : "", b.len, path, err);
	ps_buf_release(&b);
	return st;
}

/* ---- writing ---- */

static void put_cidrs(struct ps_buf *b, const char *prefix, const char *key,
		      const struct ps_cidr_list *l)
{
	if (!l->count)
		return;
	ps_buf_printf(b, "%s%s = ", prefix, key);
	for (size_t i = 0; i < l->count; i++) {
		char buf[PS_CIDR_TEXT];
		ps_buf_printf(b, "%s%s", i ? ", " : "",
			      portspec_cidr_format(&l->items[i], buf, sizeof(buf)));
	}
	ps_buf_putc(b, '\n');
}

/*
 * The documentation examples are written as comments: read back, the file
 * gives the same profile (examples until an address is set), and nothing
 * copied from it passes an example off as a site's address.
 */
static void put_examples(struct ps_buf *b, const struct portspec_profile *pr)
{
	const struct portspec_spec *spec = pr->spec;
	if (!portspec_profile_uses_examples(pr))
		return;
	ps_buf_puts(b, "# Documentation examples (portspec-profile(5)), in use until the first "
		       "address is set:\n");
	put_cidrs(b, "#   ", "appliance", &pr->appliance);
	for (size_t z = 0; z < spec->nzones; z++)
		put_cidrs(b, "#   ", spec->zones[z].name, &pr->zone_addresses[z]);
}

static void put_zone_list(struct ps_buf *b, const struct portspec_spec *spec, const char *key,
			  uint32_t mask)
{
	ps_buf_printf(b, "%s = ", key);
	bool first = true;
	for (size_t z = 0; z < spec->nzones; z++)
		if (mask & (1u << z)) {
			ps_buf_printf(b, "%s%s", first ? "" : ", ", spec->zones[z].name);
			first = false;
		}
	ps_buf_putc(b, '\n');
}

static void put_services(struct ps_buf *b, const struct portspec_profile *pr)
{
	const struct portspec_spec *spec = pr->spec;
	if (pr->required_only)
		ps_buf_puts(b, "required-only = true\n");
	for (int on = 1; on >= 0; on--) {
		bool any = false;
		for (size_t i = 0; i < spec->nservices; i++) {
			if (spec->services[i].level == PORTSPEC_REQUIRED || pr->enabled[i] != on)
				continue;
			ps_buf_printf(b, "%s%s", any ? ", " : on ? "enable = " : "disable = ",
				      spec->services[i].name);
			any = true;
		}
		if (any)
			ps_buf_putc(b, '\n');
	}
	for (size_t i = 0; i < spec->nservices; i++)
		if (spec->services[i].either_zones)
			put_zone_list(b, spec, spec->services[i].name, pr->served_from[i]);
	if (pr->ping)
		put_zone_list(b, spec, "ping", pr->ping);
	if (pr->log == PS_LOG_DROPS)
		ps_buf_puts(b, "log = drops\n");
}

static void put_interfaces(struct ps_buf *b, const struct portspec_profile *pr)
{
	const struct portspec_spec *spec = pr->spec;
	bool iface = pr->interface != NULL;
	if (iface)
		ps_buf_printf(b, "interface = %s", pr->interface);
	for (size_t z = 0; z < spec->nzones; z++)
		if (pr->host_interface[z]) {
			ps_buf_printf(b, "%s%s:%s", iface ? ", " : "interface = ", spec->zones[z].name,
				      pr->host_interface[z]);
			iface = true;
		}
	if (iface)
		ps_buf_putc(b, '\n');
	if (pr->appliance_interface)
		ps_buf_printf(b, "appliance-interface = %s\n", pr->appliance_interface);
	for (size_t z = 0; z < spec->nzones; z++)
		if (pr->zone_interface[z])
			ps_buf_printf(b, "%s-interface = %s\n", spec->zones[z].name,
				      pr->zone_interface[z]);
}

static void put_narrowing(struct ps_buf *b, const struct portspec_spec *spec, const char *key,
			  const struct ps_cidr_list *lists)
{
	for (size_t i = 0; i < spec->nservices; i++)
		for (size_t k = 0; k < lists[i].count; k++) {
			char buf[PS_CIDR_TEXT];
			ps_buf_printf(b, "%s = %s:%s\n", key, spec->services[i].name,
				      portspec_cidr_format(&lists[i].items[k], buf, sizeof(buf)));
		}
}

/* Spec strings may hold line breaks (\n escapes): none may end the comment. */
static void put_comment_text(struct ps_buf *b, const char *text)
{
	for (const unsigned char *c = (const unsigned char *)text; *c; c++)
		ps_buf_putc(b, *c < 0x20 || *c == 0x7f ? ' ' : (char)*c);
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_to_string(const struct portspec_profile *pr,
								char **out, size_t *len,
								struct portspec_error *err)
{
	ps_error_clear(err);
	if (!pr || !out)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no profile or output given");
	const struct portspec_spec *spec = pr->spec;
	struct ps_buf b;
	ps_buf_init(&b);
	ps_buf_puts(&b, "# portspec profile for ");
	put_comment_text(&b, spec->name ? spec->name : "(unnamed)");
	if (spec->version) {
		ps_buf_putc(&b, ' ');
		put_comment_text(&b, spec->version);
	}
	ps_buf_putc(&b, '\n');
	ps_buf_printf(&b, "role = %s\n", portspec_role_name(pr->role));
	put_services(&b, pr);
	put_interfaces(&b, pr);
	put_examples(&b, pr);
	if (!portspec_profile_uses_examples(pr)) {
		put_cidrs(&b, "", "appliance", &pr->appliance);
		for (size_t z = 0; z < spec->nzones; z++)
			put_cidrs(&b, "", spec->zones[z].name, &pr->zone_addresses[z]);
	}
	put_narrowing(&b, spec, "server", pr->servers);
	put_narrowing(&b, spec, "client", pr->clients);
	char *text = ps_buf_steal(&b, len);
	if (!text)
		return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	*out = text;
	return PORTSPEC_OK;
}
