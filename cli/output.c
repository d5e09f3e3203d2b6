/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

bool cli_parse_format(const char *cmd, const char *name, enum cli_format *out)
{
	if (!strcmp(name, "table"))
		*out = CLI_TABLE;
	else if (!strcmp(name, "json"))
		*out = CLI_JSON;
	else if (!strcmp(name, "csv"))
		*out = CLI_CSV;
	else {
		fprintf(stderr, "portspec %s: unknown format '%s'; use table, json or csv\n", cmd,
			name);
		return false;
	}
	return true;
}

void cli_rows_init(struct cli_rows *r, const struct cli_column *cols, size_t ncols)
{
	*r = (struct cli_rows){.cols = cols, .ncols = ncols};
}

void cli_rows_release(struct cli_rows *r)
{
	for (size_t i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	free(r->cells);
	r->cells = NULL;
	r->nrows = 0;
	r->caprows = 0;
}

void cli_rows_add(struct cli_rows *r)
{
	if (r->failed)
		return;
	if (r->nrows == r->caprows) { /* grow by doubling: listings have a row per flow */
		size_t cap = r->caprows ? r->caprows * 2 : 64;
		char **cells = realloc(r->cells, cap * r->ncols * sizeof(*cells));
		if (!cells) {
			r->failed = true;
			return;
		}
		r->cells = cells;
		r->caprows = cap;
	}
	for (size_t i = 0; i < r->ncols; i++)
		r->cells[r->nrows * r->ncols + i] = NULL;
	r->nrows++;
}

void cli_rows_set(struct cli_rows *r, size_t col, const char *value)
{
	if (r->failed || r->nrows == 0 || col >= r->ncols)
		return;
	char **cell = &r->cells[(r->nrows - 1) * r->ncols + col];
	free(*cell);
	*cell = NULL;
	if (value && !(*cell = strdup(value)))
		r->failed = true;
}

void cli_rows_setf(struct cli_rows *r, size_t col, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cli_rows_set(r, col, buf);
}

void cli_json_string(FILE *fp, const char *s)
{
	if (!s) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", fp);
		else if (c == '\t')
			fputs("\\t", fp);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

void cli_put_text(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		fputc(c < 0x20 || c == 0x7f ? ' ' : c, fp);
	}
}

static void csv_field(FILE *fp, const char *s)
{
	fputc('"', fp);
	if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@'))
		fputc('\'', fp);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"')
			fputs("\"\"", fp);
		else
			fputc(c < 0x20 || c == 0x7f ? ' ' : c, fp);
	}
	fputc('"', fp);
}

static const char *bool_word(const char *v)
{
	return v && !strcmp(v, "true") ? "yes" : "no";
}

static void print_table(const struct cli_rows *r)
{
	size_t *width = calloc(r->ncols, sizeof(*width));
	if (!width)
		return;
	size_t last = 0;
	for (size_t c = 0; c < r->ncols; c++) {
		if (!(r->cols[c].formats & CLI_TABLE))
			continue;
		last = c;
		width[c] = strlen(r->cols[c].head);
		for (size_t i = 0; i < r->nrows; i++) {
			const char *v = r->cells[i * r->ncols + c];
			size_t n = r->cols[c].type == CLI_BOOL ? 3 : v ? strlen(v) : 1;
			if (n > width[c])
				width[c] = n;
		}
	}
	for (size_t i = 0; i <= r->nrows; i++) {
		bool first = true;
		for (size_t c = 0; c < r->ncols; c++) {
			if (!(r->cols[c].formats & CLI_TABLE))
				continue;
			const char *v = i == 0 ? r->cols[c].head : r->cells[(i - 1) * r->ncols + c];
			if (i > 0 && r->cols[c].type == CLI_BOOL)
				v = bool_word(v);
			if (!v || (i > 0 && !*v))
				v = "-";
			if (!first)
				fputs("  ", stdout);
			first = false;
			cli_put_text(stdout, v);
			if (c != last)
				for (size_t k = strlen(v); k < width[c]; k++)
					fputc(' ', stdout);
		}
		fputc('\n', stdout);
	}
	free(width);
}

static void print_json_value(const struct cli_column *col, const char *v)
{
	switch (col->type) {
	case CLI_INT:
		fputs(v ? v : "null", stdout);
		break;
	case CLI_BOOL:
		fputs(v && !strcmp(v, "true") ? "true" : "false", stdout);
		break;
	case CLI_LIST: {
		fputc('[', stdout);
		const char *s = v ? v : "";
		bool first = true;
		while (*s) {
			size_t n = strcspn(s, " ");
			if (n) {
				char item[256];
				snprintf(item, sizeof(item), "%.*s", (int)n, s);
				fputs(first ? "" : ", ", stdout);
				cli_json_string(stdout, item);
				first = false;
			}
			s += n;
			while (*s == ' ')
				s++;
		}
		fputc(']', stdout);
		break;
	}
	default:
		cli_json_string(stdout, v);
	}
}

static void print_json(const struct cli_rows *r)
{
	fputc('[', stdout);
	for (size_t i = 0; i < r->nrows; i++) {
		fputs(i ? ",\n  {" : "\n  {", stdout);
		bool first = true;
		for (size_t c = 0; c < r->ncols; c++) {
			if (!(r->cols[c].formats & CLI_JSON))
				continue;
			fputs(first ? "" : ", ", stdout);
			first = false;
			cli_json_string(stdout, r->cols[c].key);
			fputs(": ", stdout);
			print_json_value(&r->cols[c], r->cells[i * r->ncols + c]);
		}
		fputc('}', stdout);
	}
	fputs(r->nrows ? "\n]\n" : "]\n", stdout);
}

static void print_csv(const struct cli_rows *r)
{
	bool first = true;
	for (size_t c = 0; c < r->ncols; c++) {
		if (!(r->cols[c].formats & CLI_CSV))
			continue;
		fprintf(stdout, "%s%s", first ? "" : ",", r->cols[c].key);
		first = false;
	}
	fputc('\n', stdout);
	for (size_t i = 0; i < r->nrows; i++) {
		first = true;
		for (size_t c = 0; c < r->ncols; c++) {
			if (!(r->cols[c].formats & CLI_CSV))
				continue;
			const char *v = r->cells[i * r->ncols + c];
			fputs(first ? "" : ",", stdout);
			first = false;
			switch (r->cols[c].type) {
			case CLI_WORD:
			case CLI_INT:
				cli_put_text(stdout, v);
				break;
			case CLI_BOOL:
				fputs(bool_word(v), stdout);
				break;
			default:
				csv_field(stdout, v ? v : "");
			}
		}
		fputc('\n', stdout);
	}
}

int cli_finish_output(const char *cmd)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "portspec %s: write error on standard output\n", cmd);
		return EXIT_IOERR;
	}
	return EXIT_OK;
}

int cli_rows_print(const struct cli_rows *r, enum cli_format format, const char *cmd)
{
	if (r->failed) {
		fprintf(stderr, "portspec %s: out of memory\n", cmd);
		return EXIT_IOERR;
	}
	if (format == CLI_JSON)
		print_json(r);
	else if (format == CLI_CSV)
		print_csv(r);
	else
		print_table(r);
	return cli_finish_output(cmd);
}

/* The table of a flow listing; a role column first, or not. */
static const struct cli_column flow_columns[] = {
	{"role", "ROLE", CLI_WORD, CLI_TABLE},
	{"direction", "DIRECTION", CLI_WORD, CLI_TABLE},
	{"zone", "ZONE", CLI_STR, CLI_TABLE},
	{"protocol", "PROTO", CLI_WORD, CLI_TABLE},
	{"port", "PORT", CLI_STR, CLI_TABLE},
	{"service", "SERVICE", CLI_STR, CLI_TABLE},
	{"level", "LEVEL", CLI_WORD, CLI_TABLE},
	{"either", "EITHER", CLI_BOOL, CLI_TABLE},
	{"addresses", "ADDRESSES", CLI_LIST, CLI_TABLE},
};

/*
 * The columns of a csv listing: the first ones of the csv document,
 * direction to title (portspec(1)); the document adds the change-request
 * columns of the rule plan after them.
 */
#define LISTING_CSV_COLUMNS 11

static void add_table_row(struct cli_rows *r, const struct portspec_flow *f, const char *role)
{
	size_t c = 0;
	cli_rows_add(r);
	if (role)
		cli_rows_set(r, c++, role);
	unsigned a = portspec_flow_port_first(f), b = portspec_flow_port_last(f);
	cli_rows_set(r, c++, portspec_direction_name(portspec_flow_direction(f)));
	cli_rows_set(r, c++, portspec_zone_name(portspec_flow_zone(f)));
	cli_rows_set(r, c++, portspec_protocol_name(portspec_flow_protocol(f)));
	if (a == b)
		cli_rows_setf(r, c++, "%u", a);
	else
		cli_rows_setf(r, c++, "%u-%u", a, b);
	cli_rows_set(r, c++, portspec_service_name(portspec_flow_service(f)));
	cli_rows_set(r, c++, portspec_level_name(portspec_flow_level(f)));
	cli_rows_set(r, c++, portspec_flow_either(f) ? "true" : "false");
	/* The addresses, space-separated; most flows have none, so no stream
	 * is opened per row. */
	size_t n = portspec_flow_address_count(f);
	char *addrs = calloc(n ? n : 1, 64);
	if (!addrs) {
		r->failed = true;
		return;
	}
	for (size_t k = 0, len = 0; k < n; k++) {
		char buf[64];
		portspec_cidr_format(portspec_flow_address(f, k), buf, sizeof(buf));
		len += (size_t)snprintf(addrs + len, n * 64 - len, "%s%s", k ? " " : "", buf);
	}
	cli_rows_set(r, c++, addrs);
	free(addrs);
}

void cli_flows_init(struct cli_flows *l, enum cli_format format, bool with_role)
{
	*l = (struct cli_flows){.format = format, .with_role = with_role};
	cli_rows_init(&l->rows, flow_columns + !with_role,
		      sizeof(flow_columns) / sizeof(flow_columns[0]) - !with_role);
}

void cli_flows_release(struct cli_flows *l)
{
	cli_rows_release(&l->rows);
	portspec_free(l->doc);
	free(l->line);
	free(l->header);
	free(l->out);
	*l = (struct cli_flows){0};
}

static void put(struct cli_flows *l, const char *s, size_t n)
{
	if (l->failed)
		return;
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 4096;
		while (cap < l->len + n + 1)
			cap *= 2;
		char *out = realloc(l->out, cap);
		if (!out) {
			l->failed = true;
			return;
		}
		l->out = out;
		l->cap = cap;
	}
	memcpy(l->out + l->len, s, n);
	l->len += n;
	l->out[l->len] = '\0';
}

static void puts_(struct cli_flows *l, const char *s)
{
	put(l, s, strlen(s));
}

/* The length of the first @n fields of a csv line (RFC 4180 quotes), without
 * the comma after them. */
static size_t csv_fields(const char *line, size_t n)
{
	const char *p = line;
	for (size_t k = 0; k < n && *p && *p != '\n'; k++) {
		if (k)
			p++; /* the comma after the field before */
		if (*p == '"') {
			for (p++; *p && !(p[0] == '"' && p[1] != '"'); p += p[0] == '"' ? 2 : 1)
				;
			if (*p)
				p++;
		} else {
			p += strcspn(p, ",\n");
		}
		if (*p != ',')
			break;
	}
	return (size_t)(p - line);
}

void cli_flows_policy(struct cli_flows *l, const struct portspec_policy *policy)
{
	l->policy = policy;
	l->next = 0;
	portspec_free(l->doc);
	free(l->line);
	l->doc = NULL;
	l->line = NULL;
	if (l->format == CLI_TABLE || l->failed || l->err.status)
		return;
	/* json: the bare flow array, a flow a line; csv: the header, then a row a flow. */
	bool json = l->format == CLI_JSON;
	const struct portspec_render_options ro = {.flags = json ? PORTSPEC_RENDER_FRAGMENT : 0};
	size_t len = 0, n = portspec_policy_flow_count(policy), k = 0;
	if (portspec_render_to_string(policy, json ? "json" : "csv", &ro, &l->doc, &len, &l->err))
		return;
	if (!(l->line = calloc(n + 1, sizeof(*l->line)))) {
		l->failed = true;
		return;
	}
	const char *s = l->doc;
	while (k <= n && s && *s) {
		l->line[k++] = (size_t)(s - l->doc);
		if ((s = strchr(s, '\n')))
			s++;
	}
	if (k <= n) {
		l->err = (struct portspec_error){.status = PORTSPEC_E_IO};
		snprintf(l->err.text, sizeof(l->err.text), "the %s document has no line per flow",
			 json ? "json" : "csv");
		return;
	}
	if (!json && !l->header) {
		size_t m = csv_fields(l->doc, LISTING_CSV_COLUMNS);
		const char *role = l->with_role ? "role," : "";
		if ((l->header = malloc(strlen(role) + m + 1)))
			snprintf(l->header, strlen(role) + m + 1, "%s%.*s", role, (int)m, l->doc);
		else
			l->failed = true;
	}
}

void cli_flows_add(struct cli_flows *l, const struct portspec_flow *f, const char *role)
{
	if (l->format == CLI_TABLE) {
		add_table_row(&l->rows, f, l->with_role ? role : NULL);
		return;
	}
	if (!l->line)
		return; /* the render failed: cli_flows_print says so */
	/* The flow's index: the flows come in their order, from l->next on. */
	size_t n = portspec_policy_flow_count(l->policy), i = l->next;
	for (size_t k = 0; k < n && portspec_policy_flow(l->policy, i) != f; k++)
		i = i + 1 < n ? i + 1 : 0;
	if (i >= n || portspec_policy_flow(l->policy, i) != f)
		return;
	l->next = i + 1;
	const char *line = l->doc + l->line[i + 1];
	if (l->format == CLI_JSON) {
		/* "  {...}," in the array: the object, behind its role */
		line += strspn(line, " ");
		size_t m = strcspn(line, "\n");
		m -= m && line[m - 1] == ',';
		puts_(l, l->nrows ? ",\n  " : "\n  ");
		if (l->with_role) {
			/* role names are keywords: nothing to escape */
			puts_(l, "{\"role\": \"");
			puts_(l, role);
			puts_(l, "\", ");
			line++;
			m--;
		}
		put(l, line, m);
	} else {
		if (l->with_role) {
			puts_(l, role);
			puts_(l, ",");
		}
		put(l, line, csv_fields(line, LISTING_CSV_COLUMNS));
		puts_(l, "\n");
	}
	l->nrows++;
}

int cli_flows_print(const struct cli_flows *l, const char *cmd)
{
	if (l->format == CLI_TABLE)
		return cli_rows_print(&l->rows, CLI_TABLE, cmd);
	if (l->err.status)
		return cli_report(&l->err);
	if (l->failed) {
		fprintf(stderr, "portspec %s: out of memory\n", cmd);
		return EXIT_IOERR;
	}
	if (l->format == CLI_JSON) {
		fputc('[', stdout);
		fwrite(l->out ? l->out : "", 1, l->len, stdout);
		fputs(l->nrows ? "\n]\n" : "]\n", stdout);
	} else {
		fprintf(stdout, "%s\n", l->header ? l->header : "");
		fwrite(l->out ? l->out : "", 1, l->len, stdout);
	}
	return cli_finish_output(cmd);
}

void cli_put_sets(FILE *fp, const char *settings)
{
	const char *s = settings;
	while (*s) {
		size_t n = strcspn(s, " ");
		fputs(" --set ", fp);
		for (size_t i = 0; i < n; i++)
			fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i], fp);
		s += n;
		while (*s == ' ')
			s++;
	}
}
