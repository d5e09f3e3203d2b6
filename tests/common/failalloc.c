/* SPDX-License-Identifier: MIT */
#include "failalloc.h"

#include <execinfo.h>
#include <stdint.h>
#include <stdlib.h>

struct tu_failalloc tu_fa = {.fail_at = SIZE_MAX};
unsigned tu_fa_broken;

static bool fail_now(void)
{
	if (tu_fa.calls++ != tu_fa.fail_at)
		return false;
	tu_fa.injected = true;
	tu_fa.depth = backtrace(tu_fa.stack, (int)(sizeof(tu_fa.stack) / sizeof(tu_fa.stack[0])));
	return true;
}

void *tu_fa_malloc(size_t n)
{
	if (fail_now())
		return NULL;
	void *p = malloc(n);
	if (p)
		tu_fa.live++;
	return p;
}

void *tu_fa_realloc(void *p, size_t n)
{
	if (fail_now())
		return NULL;
	void *q = realloc(p, n);
	if (q && !p)
		tu_fa.live++;
	return q;
}

void tu_fa_free(void *p)
{
	if (p)
		tu_fa.live--;
	free(p);
}

void tu_fa_arm(size_t at)
{
	tu_fa.calls = 0;
	tu_fa.fail_at = at;
	tu_fa.injected = false;
}

void tu_fa_print_stack(void)
{
	backtrace_symbols_fd(tu_fa.stack, tu_fa.depth, 2);
}
