/* SPDX-License-Identifier: MIT */
/*
 * A counting allocator that fails one chosen allocation, for the
 * allocation-failure tests of both libraries (install its three functions
 * with portspec_set_allocator() or portspec_audit_set_allocator()).
 */
#ifndef TESTS_FAILALLOC_H
#define TESTS_FAILALLOC_H

#include <stdbool.h>
#include <stddef.h>

struct tu_failalloc {
	size_t calls;         /* allocations (malloc, realloc) since the last tu_fa_arm() */
	size_t fail_at;       /* the one that fails; SIZE_MAX: none */
	bool injected;        /* it has failed since the last tu_fa_arm() */
	long live;            /* blocks allocated and not yet freed */
	void *stack[16];      /* where the failed allocation was made */
	int depth;
};

extern struct tu_failalloc tu_fa;

void *tu_fa_malloc(size_t n);
void *tu_fa_realloc(void *p, size_t n);
void tu_fa_free(void *p);
/* Counts from 0 again and fails allocation number @at (SIZE_MAX: none). */
void tu_fa_arm(size_t at);
/* Writes the stack of the failed allocation to stderr. */
void tu_fa_print_stack(void);

#endif
