/* SPDX-License-Identifier: MIT */
/*
 * CSV (RFC 4180 quoting, LF line ends): one row per flow of the policy, with a
 * header row unless a fragment is asked for.  The columns are documented in
 * portspec(1) and are stable (columns are only ever added at the end):
 *
 *   direction,zone,interface,protocol,port,port_last,service,level,
 *   either,addresses,title,source,destination,in_interface,out_interface
 *
 * The last four are what a change request needs, from the rule plan of the
 * mode: the source and destination of the flow's connections as addresses
 * (the appliance's own included) and the interfaces they pass.
 */
#include <string.h>

#include "doc-common.h"

/*
 * Every text field is quoted.  Spec strings can hold anything: quotes are
 * doubled, control characters become spaces (so a row is always one line),
 * bytes that are not UTF-8 become U+FFFD, and a field that a spreadsheet
 * would take for a formula (= + - @ first) gets a leading apostrophe.
 */
static void csv_field(struct ps_buf *b, const char *s)
{
	ps_buf_putc(b, '"');
	if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@'))
		ps_buf_putc(b, '\'');
	ps_doc_text(b, PS_DOC_CSV, s);
	ps_buf_putc(b, '"');
}

/* The change-request columns of flow @i: source, destination, interfaces. */
static void path_fields(struct ps_buf *b, const struct ps_render *r, size_t i,
			const struct portspec_plan_entry *const *entries)
{
	struct ps_buf f[PS_DOC_PATH_FIELDS];
	ps_doc_flow_path(r, i, entries, f);
	for (size_t k = 0; k < PS_DOC_PATH_FIELDS; k++) {
		ps_buf_putc(b, ',');
		if (f[k].failed)
			b->failed = true;
		csv_field(b, f[k].data ? f[k].data : "");
		ps_buf_release(&f[k]);
	}
}

static enum portspec_status render_csv(struct ps_render *r)
{
	const struct portspec_policy *p = r->policy;
	struct ps_buf *b = r->out;
	const struct portspec_plan_entry **entries = ps_doc_entries_by_flow(r);
	if (!entries)
		return ps_error_set(r->err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");

	if (!(r->flags & PORTSPEC_RENDER_FRAGMENT))
		ps_buf_puts(b, "direction,zone,interface,protocol,port,port_last,service,level,"
			       "either,addresses,title,source,destination,in_interface,"
			       "out_interface\n");
	for (size_t i = 0; i < p->nflows; i++) {
		const struct portspec_flow *f = &p->flows[i];
		ps_buf_printf(b, "%s,", portspec_direction_name((enum portspec_direction)f->direction));
		csv_field(b, f->zone->name);
		ps_buf_putc(b, ',');
		csv_field(b, f->interface ? f->interface : "");
		ps_buf_printf(b, ",%s,%u,%u,", portspec_protocol_name((enum portspec_protocol)f->protocol),
			      (unsigned)f->first, (unsigned)f->last);
		csv_field(b, f->service->name);
		ps_buf_printf(b, ",%s,%s,", portspec_level_name(f->service->level),
			      f->either ? "yes" : "no");
		struct ps_buf addrs;
		ps_buf_init(&addrs);
		for (size_t a = 0; a < f->naddresses; a++) {
			char text[PS_CIDR_TEXT_MAX];
			ps_buf_puts(&addrs, a ? " " : "");
			ps_buf_puts(&addrs, portspec_cidr_format(&f->addresses[a], text, sizeof(text)));
		}
		if (addrs.failed)
			b->failed = true;
		csv_field(b, addrs.data ? addrs.data : "");
		ps_buf_release(&addrs);
		ps_buf_putc(b, ',');
		csv_field(b, f->service->title ? f->service->title : "");
		path_fields(b, r, i, entries);
		ps_buf_putc(b, '\n');
	}
	ps_free(entries);
	return PORTSPEC_OK;
}

const struct ps_backend ps_backend_csv = {
	.name = "csv",
	.kind = PORTSPEC_BACKEND_DOCUMENT,
	.description = "CSV: one row per flow, for spreadsheets and change requests",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_csv,
};
