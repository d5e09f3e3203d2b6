/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* Process-wide hooks; set before any other call (portspec.h). */
static portspec_malloc_fn hook_malloc = malloc;
static portspec_realloc_fn hook_realloc = realloc;
static portspec_free_fn hook_free = free;

PORTSPEC_EXPORT enum portspec_status
portspec_set_allocator(portspec_malloc_fn m, portspec_realloc_fn r, portspec_free_fn f)
{
	if (!m && !r && !f) {
		hook_malloc = malloc;
		hook_realloc = realloc;
		hook_free = free;
		return PORTSPEC_OK;
	}
	if (!m || !r || !f)
		return PORTSPEC_E_INVALID;
	hook_malloc = m;
	hook_realloc = r;
	hook_free = f;
	return PORTSPEC_OK;
}

PORTSPEC_EXPORT void portspec_free(void *ptr)
{
	ps_free(ptr);
}

void *ps_malloc(size_t size)
{
	return hook_malloc(size ? size : 1);
}

void *ps_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = ps_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *ps_realloc(void *ptr, size_t size)
{
	return hook_realloc(ptr, size ? size : 1);
}

void *ps_reallocarray(void *ptr, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return ps_realloc(ptr, n * size);
}

void ps_free(void *ptr)
{
	if (ptr)
		hook_free(ptr);
}

bool ps_grow(void **p, size_t *cap, size_t need, size_t size, size_t first)
{
	if (need <= *cap)
		return true;
	size_t c = *cap ? *cap * 2 : first;
	while (c < need)
		c *= 2;
	void *q = ps_reallocarray(*p, c, size);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

char *ps_strndup(const char *s, size_t n)
{
	char *p = ps_malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *ps_strdup(const char *s)
{
	return s ? ps_strndup(s, strlen(s)) : NULL;
}
