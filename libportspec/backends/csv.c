/* SPDX-License-Identifier: MIT */
/*
 * CSV (RFC 4180 quoting, LF line ends): one row per flow of the policy, with a
 * header row unless a fragment is asked for.  The columns are documented in
 * portspec(1) and are stable:
 *
 *   direction,zone,interface,protocol,port,port_last,service,level,
 *   either,addresses,title
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
	while (s && *s) {
		unsigned char c = (unsigned char)*s;
		size_t n = ps_doc_utf8_len(s);
		if (n == 0) {
			ps_buf_puts(b, "\xef\xbf\xbd");
			s++;
		} else if (n > 1) {
			ps_buf_add(b, s, n);
			s += n;
		} else {
			if (c == '"')
				ps_buf_puts(b, "\"\"");
			else if (c < 0x20 || c == 0x7f)
				ps_buf_putc(b, ' ');
			else
				ps_buf_putc(b, (char)c);
			s++;
		}
	}
	ps_buf_putc(b, '"');
}

static enum portspec_status render_csv(struct ps_render *r)
{
	const struct portspec_policy *p = r->policy;
	struct ps_buf *b = r->out;

	if (!(r->flags & PORTSPEC_RENDER_FRAGMENT))
		ps_buf_puts(b, "direction,zone,interface,protocol,port,port_last,service,level,"
			       "either,addresses,title\n");
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
			char text[64];
			ps_buf_puts(&addrs, a ? " " : "");
			ps_buf_puts(&addrs, portspec_cidr_format(&f->addresses[a], text, sizeof(text)));
		}
		if (addrs.failed)
			b->failed = true;
		csv_field(b, addrs.data ? addrs.data : "");
		ps_buf_release(&addrs);
		ps_buf_putc(b, ',');
		csv_field(b, f->service->title ? f->service->title : "");
		ps_buf_putc(b, '\n');
	}
	return PORTSPEC_OK;
}

const struct ps_backend ps_backend_csv = {
	.name = "csv",
	.kind = PORTSPEC_BACKEND_DOCUMENT,
	.description = "CSV: one row per flow, for spreadsheets and change requests",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_csv,
};
