/* SPDX-License-Identifier: MIT */
/* portspec apply: a growable text and line helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"

bool text_add(struct apply_text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *p = realloc(t->s, cap);
		if (!p) {
			fprintf(stderr, "portspec apply: out of memory\n");
			return false;
		}
		t->s = p;
		t->cap = cap;
	}
	if (n)
		memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
	return true;
}

bool text_adds(struct apply_text *t, const char *s)
{
	return text_add(t, s, strlen(s));
}

bool text_line(struct apply_text *t, const char *const *words)
{
	for (size_t i = 0; words[i]; i++)
		if ((i && !text_add(t, " ", 1)) || !text_adds(t, words[i]))
			return false;
	return text_add(t, "\n", 1);
}

void text_release(struct apply_text *t)
{
	free(t->s);
	*t = (struct apply_text){0};
}

bool text_next_line(const char *s, size_t len, size_t *pos, const char **line, size_t *n)
{
	if (!s || *pos >= len)
		return false;
	const char *start = s + *pos;
	const char *nl = memchr(start, '\n', len - *pos);
	*line = start;
	*n = nl ? (size_t)(nl - start) : len - *pos;
	*pos += *n + (nl ? 1 : 0);
	return true;
}

bool text_starts(const char *line, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);
	return n >= p && memcmp(line, prefix, p) == 0;
}

bool text_contains(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (!memcmp(s + i, needle, k))
			return true;
	return false;
}
