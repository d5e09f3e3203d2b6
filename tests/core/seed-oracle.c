/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <portspec/portspec.h>

#include "seed-oracle.h"

unsigned seed_protocols(unsigned port)
{
	switch (port) {
	case 53: return 3;
	case 123: case 161: return 2;
	case 21: case 22: case 25: case 389: case 443: case 465: case 636: case 4443:
	case 4990: case 5432: return 1;
	default: fail_msg("port %u is not in the document", port); return 0;
	}
}

static char *read_doc(void)
{
	const char *src = getenv("PORTSPEC_SRCDIR");
	assert_non_null(src);
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/data/lotus-protector-2.5.1-requirements.md", src);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return buf;
}

static void add_ports(struct seed *s, const char *zone, int direction, const char *list)
{
	/* "25, 53\*, 123\*, 443, 465" */
	const char *p = list;
	while (*p && *p != '\n') {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p < '0' || *p > '9')
			break;
		unsigned port = (unsigned)strtoul(p, (char **)&p, 10);
		bool either = false;
		if (p[0] == '\\' && p[1] == '*')
			either = true, p += 2;
		else if (p[0] == '*')
			either = true, p += 1;
		assert_true(s->ncells < sizeof(s->cells) / sizeof(s->cells[0]));
		struct seed_cell *c = &s->cells[s->ncells++];
		snprintf(c->zone, sizeof(c->zone), "%s", zone);
		c->direction = direction;
		c->port = port;
		c->either = either;
	}
}

static void parse_table(struct seed *s, const char *doc, const char *heading, const char *level)
{
	const char *t = strstr(doc, heading);
	assert_non_null(t);
	t = strchr(t, '\n');
	t = strchr(t + 1, '\n'); /* blank line */
	t = strchr(t + 1, '\n'); /* header row */
	for (t++; *t >= '0' && *t <= '9'; ) {
		const char *eol = strchr(t, '\n');
		if (!eol)
			eol = t + strlen(t);
		char line[1024];
		snprintf(line, sizeof(line), "%.*s", (int)(eol - t), t);
		char *tab1 = strchr(line, '\t');
		assert_non_null(tab1);
		char *tab2 = strchr(tab1 + 1, '\t');
		assert_non_null(tab2);
		*tab1 = *tab2 = '\0';
		assert_true(s->nrows < sizeof(s->rows) / sizeof(s->rows[0]));
		struct seed_row *r = &s->rows[s->nrows++];
		r->port = (unsigned)atoi(line);
		snprintf(r->level, sizeof(r->level), "%s", level);
		snprintf(r->title, sizeof(r->title), "%s", tab1 + 1);
		snprintf(r->description, sizeof(r->description), "%s", tab2 + 1);
		t = *eol ? eol + 1 : eol;
	}
}

void seed_load(struct seed *s)
{
	memset(s, 0, sizeof(*s));
	const char *doc = read_doc();
	static const struct {
		const char *heading, *zone;
	} sections[] = {{"### OUTSIDE THE NETWORK", "outside"}, {"### INSIDE THE NETWORK", "inside"}};
	for (size_t i = 0; i < 2; i++) {
		const char *sec = strstr(doc, sections[i].heading);
		assert_non_null(sec);
		const char *end = strstr(sec + 4, "###");
		for (const char *p = sec; *p && (!end || p < end);) {
			if (!strncmp(p, "OUTBOUND PORTS:", 15))
				add_ports(s, sections[i].zone, PORTSPEC_OUTBOUND, p + 15);
			else if (!strncmp(p, "INBOUND PORTS:", 14))
				add_ports(s, sections[i].zone, PORTSPEC_INBOUND, p + 14);
			const char *nl = strchr(p, '\n');
			p = nl ? nl + 1 : p + strlen(p);
		}
	}
	const char *note = strstr(doc, "\\*Can be served");
	assert_non_null(note);
	note += 2;
	const char *eol = strchr(note, '\n');
	snprintf(s->footnote, sizeof(s->footnote), "%.*s", (int)(eol - note), note);
	parse_table(s, doc, "## Required ports", "required");
	parse_table(s, doc, "## Optional ports", "optional");
	parse_table(s, doc, "## Cluster communications", "cluster");
	/* the document's shape, so a changed document fails loudly */
	assert_int_equal(s->ncells, 20);
	assert_int_equal(s->nrows, 13);
}
