/* SPDX-License-Identifier: MIT */
/*
 * An independent reading of the vendor document (tests/data/...), used as
 * the oracle for the built-in spec: the tests parse the document's graphic
 * section and its three tables themselves, so the expected matrix is not a
 * second hand-typed copy of the spec.
 */
#ifndef SEED_ORACLE_H
#define SEED_ORACLE_H

#include <stdbool.h>
#include <stddef.h>

struct seed_cell {
	char zone[16];      /* "outside" or "inside" */
	int direction;      /* enum portspec_direction */
	unsigned port;
	bool either;        /* marked '*' */
};

struct seed_row {
	unsigned port;
	char level[16];     /* required, optional, cluster */
	char title[160];
	char description[512];
};

struct seed {
	struct seed_cell cells[64];
	size_t ncells;
	struct seed_row rows[32];
	size_t nrows;
	char footnote[512];
};

/* Reads and parses the document; fails the test on any surprise. */
void seed_load(struct seed *s);

/*
 * Protocols the document leaves implicit (DESIGN.md, "Domain facts"): a mask
 * of 1 = tcp, 2 = udp for each port of the document.
 */
unsigned seed_protocols(unsigned port);

#endif
