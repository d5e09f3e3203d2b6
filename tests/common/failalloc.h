/* SPDX-License-Identifier: MIT */
/*
 * A counting allocator that fails one chosen allocation, for the
 * allocation-failure tests of both libraries (install its three functions
 * with portspec_set_allocator() or portspec_audit_set_allocator()).  With
 * <cmocka.h> included first, also what the allocation-failure runs check.
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

/* Broken allocation sites reported by CHAOS_FAIL with PORTSPEC_CHAOS_KEEP_GOING=1. */
extern unsigned tu_fa_broken;

#ifdef CMOCKA_H_
#include <stdlib.h>
#include <string.h>

#include <portspec/portspec.h>

/*
 * A broken allocation site in an allocation-failure run: fails the test, or
 * with PORTSPEC_CHAOS_KEEP_GOING=1 prints it with the stack of the allocation
 * that failed (addr2line -e LIB +OFFSET), counts it in tu_fa_broken and goes
 * on, so that one run lists every broken site (the test still fails).
 */
#define CHAOS_FAIL(...)                                                                            \
	do {                                                                                       \
		if (getenv("PORTSPEC_CHAOS_KEEP_GOING")) {                                         \
			print_error(__VA_ARGS__);                                                  \
			print_error("\n");                                                         \
			tu_fa_print_stack();                                                       \
			tu_fa_broken++;                                                            \
		} else {                                                                           \
			fail_msg(__VA_ARGS__);                                                     \
		}                                                                                  \
	} while (0)

/* An error for a call to fill in: every byte set, so that a field it leaves shows. */
static inline struct portspec_error *tu_fa_poisoned(struct portspec_error *err)
{
	memset(err, 0xff, sizeof(*err));
	return err;
}

/*
 * After a call that returned @st with @err: a failure's error agrees with the
 * status and has a text, and the call left its output @out NULL.  Returns
 * whether it failed.
 */
static inline bool tu_fa_failed(enum portspec_status st, const struct portspec_error *err,
				const void *out)
{
	if (st == PORTSPEC_OK)
		return false;
	if (err && err->status != st)
		fail_msg("status %s, but the error says %d: not filled in?", portspec_strerror(st),
			 (int)err->status);
	if (err) {
		assert_non_null(memchr(err->text, '\0', sizeof(err->text)));
		assert_true(err->text[0] != '\0');
	}
	assert_null(out);
	return true;
}
#endif

#endif
