/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "rulesets.h"

static bool push(const char ***v, size_t *n, const char *s)
{
	const char **p = realloc(*v, (*n + 1) * sizeof(*p));
	if (!p) {
		fprintf(stderr, "portspec: out of memory\n");
		return false;
	}
	*v = p;
	p[(*n)++] = s;
	return true;
}

bool cli_rulesets_add(struct cli_rulesets *r, const char *file)
{
	return push(&r->files, &r->nfiles, file);
}

bool cli_rulesets_add_host(struct cli_rulesets *r, const char *addr)
{
	return push(&r->hosts, &r->nhosts, addr);
}

void cli_rulesets_release(struct cli_rulesets *r)
{
	free(r->files);
	free(r->hosts);
	memset(r, 0, sizeof(*r));
}

/* "FORMAT:FILE" for the formats there are; anything else is a file name. */
static const char *split_format(const char *arg, enum portspec_ruleset_format *format)
{
	*format = PORTSPEC_RULESET_AUTO;
	const char *colon = strchr(arg, ':');
	if (!colon)
		return arg;
	char name[16];
	size_t n = (size_t)(colon - arg);
	if (n == 0 || n >= sizeof(name))
		return arg;
	memcpy(name, arg, n);
	name[n] = '\0';
	int f = portspec_ruleset_format_from_name(name);
	if (f <= 0)
		return arg;
	*format = (enum portspec_ruleset_format)f;
	return colon + 1;
}

int cli_rulesets_load(const struct cli_rulesets *r, bool quiet, struct portspec_ruleset **out)
{
	struct portspec_ruleset *rs = NULL;
	struct portspec_error err = {0};
	if (portspec_ruleset_new(&rs)) {
		fprintf(stderr, "portspec: out of memory\n");
		return EXIT_IOERR;
	}
	for (size_t i = 0; i < r->nfiles; i++) {
		enum portspec_ruleset_format f;
		const char *path = split_format(r->files[i], &f);
		if (portspec_ruleset_load(rs, f, path, &err)) {
			portspec_ruleset_free(rs);
			return cli_report(&err);
		}
	}
	for (size_t i = 0; i < r->nhosts; i++) {
		if (portspec_ruleset_add_host_address(rs, r->hosts[i], &err)) {
			portspec_ruleset_free(rs);
			if (!err.file[0])
				snprintf(err.file, sizeof(err.file), "--host-address");
			cli_report(&err);
			return EXIT_USAGE;
		}
	}
	if (!quiet)
		for (size_t i = 0; i < portspec_ruleset_note_count(rs); i++) {
			fputs("portspec: note: ", stderr);
			cli_put_text(stderr, portspec_ruleset_note(rs, i));
			fputc('\n', stderr);
		}
	*out = rs;
	return EXIT_OK;
}

bool cli_audit_format(const char *cmd, const char *name, enum portspec_audit_format *out)
{
	if (!strcmp(name, "text"))
		*out = PORTSPEC_AUDIT_TEXT;
	else if (!strcmp(name, "json"))
		*out = PORTSPEC_AUDIT_JSON;
	else {
		fprintf(stderr, "portspec %s: unknown format '%s'; use text or json\n", cmd, name);
		return false;
	}
	return true;
}

int cli_diff_report(const char *cmd, enum portspec_status st, struct portspec_ruleset_diff *d,
		    const struct portspec_error *err, enum portspec_audit_format fmt)
{
	int rc;
	if (st) {
		fprintf(stderr, "portspec %s: %s\n", cmd, err->text);
		rc = err->status == PORTSPEC_E_INVALID ? EXIT_USAGE : cli_exit_code(err->status);
	} else if (portspec_ruleset_diff_write(d, fmt, cli_stdout_sink, NULL)) {
		rc = EXIT_IOERR;
	} else {
		rc = portspec_ruleset_diff_count(d) ? EXIT_DENIED
		     : portspec_ruleset_diff_indeterminate_count(d) ? 3 : EXIT_OK;
	}
	portspec_ruleset_diff_free(d);
	int o = cli_finish_output(cmd);
	return o ? o : rc;
}

int cli_stdout_sink(void *userdata, const char *data, size_t len)
{
	(void)userdata;
	return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

bool cli_parse_port_range(const char *s, unsigned *first, unsigned *last)
{
	const char *dash = s ? strchr(s, '-') : NULL;
	if (!dash)
		return cli_parse_port(s, first) && (*last = *first, true);
	char a[8];
	size_t n = (size_t)(dash - s);
	if (n == 0 || n >= sizeof(a))
		return false;
	memcpy(a, s, n);
	a[n] = '\0';
	return cli_parse_port(a, first) && cli_parse_port(dash + 1, last) && *first <= *last;
}

enum portspec_hook cli_parse_hook(const char *name)
{
	static const enum portspec_hook hooks[] = {PORTSPEC_HOOK_INPUT, PORTSPEC_HOOK_OUTPUT,
						    PORTSPEC_HOOK_FORWARD};
	for (size_t i = 0; name && i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (!strcmp(name, portspec_hook_name(hooks[i])))
			return hooks[i];
	return 0;
}
