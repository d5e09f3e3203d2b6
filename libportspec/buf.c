/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

void ps_buf_init(struct ps_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void ps_buf_release(struct ps_buf *b)
{
	ps_free(b->data);
	ps_buf_init(b);
}

/* What a file is read in: big enough that a file takes few reads. */
#define READ_CHUNK 16384u

bool ps_buf_read(struct ps_buf *b, FILE *fp, size_t limit)
{
	char chunk[READ_CHUNK];
	size_t n;
	while (b->len <= limit && (n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		ps_buf_add(b, chunk, n);
	return !ferror(fp);
}

enum portspec_status ps_buf_load(struct ps_buf *b, const char *path, size_t limit,
			       const char *read_error, struct portspec_error *err)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return ps_error_set(err, PORTSPEC_E_IO, path, 0, 0, "cannot open: %s",
				    strerror(errno));
	bool read = ps_buf_read(b, fp, limit);
	fclose(fp);
	if (!read)
		return ps_error_set(err, PORTSPEC_E_IO, path, 0, 0, "%s", read_error);
	if (b->failed)
		return ps_error_set(err, PORTSPEC_E_NOMEM, path, 0, 0, "out of memory");
	return PORTSPEC_OK;
}

static bool reserve(struct ps_buf *b, size_t extra)
{
	if (b->failed)
		return false;
	if (extra > SIZE_MAX - b->len - 1) {
		b->failed = true;
		return false;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = ps_realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void ps_buf_add(struct ps_buf *b, const char *data, size_t len)
{
	if (!reserve(b, len))
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void ps_buf_puts(struct ps_buf *b, const char *s)
{
	ps_buf_add(b, s, strlen(s));
}

void ps_buf_putc(struct ps_buf *b, char c)
{
	/* The parser and the escapers add text one byte at a time. */
	if (b->len + 1 < b->cap && !b->failed) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return;
	}
	ps_buf_add(b, &c, 1);
}

void ps_buf_vprintf(struct ps_buf *b, const char *fmt, va_list ap)
{
	if (b->failed)
		return;
	/* Format straight into the spare capacity; only when the text does not
	 * fit, grow and format again.  Renders are mostly printf calls, and
	 * formatting each one twice (once to measure) doubled their cost. */
	size_t room = b->cap - b->len;
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n >= room) {
		if (room)
			b->data[b->len] = '\0'; /* undo the truncated attempt */
		if (!reserve(b, (size_t)n))
			return;
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
}

void ps_buf_printf(struct ps_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ps_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *ps_buf_steal(struct ps_buf *b, size_t *len)
{
	if (b->failed || !reserve(b, 0)) {
		ps_buf_release(b);
		return NULL;
	}
	b->data[b->len] = '\0'; /* a buffer never written to has no terminator yet */
	char *p = b->data;
	if (len)
		*len = b->len;
	ps_buf_init(b);
	return p;
}

/* The digits of @v in base @base, lowercase: what "%llu" or "%llx" writes. */
static void put_digits(struct ps_buf *b, unsigned long long v, unsigned base)
{
	char tmp[3 * sizeof(v)]; /* a byte takes at most three decimal digits */
	size_t n = sizeof(tmp);
	do {
		tmp[--n] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	ps_buf_add(b, tmp + n, sizeof(tmp) - n);
}

void ps_buf_put_uint(struct ps_buf *b, unsigned long long v)
{
	put_digits(b, v, 10);
}

void ps_buf_put_hex(struct ps_buf *b, unsigned v)
{
	put_digits(b, v, 16);
}

void ps_buf_put_range(struct ps_buf *b, unsigned first, unsigned last, const char *sep)
{
	put_digits(b, first, 10);
	if (last != first) {
		ps_buf_puts(b, sep);
		put_digits(b, last, 10);
	}
}

void ps_buf_put_ipv4(struct ps_buf *b, const unsigned char addr[4])
{
	for (int i = 0; i < 4; i++) {
		if (i)
			ps_buf_putc(b, '.');
		put_digits(b, addr[i], 10);
	}
}

void ps_buf_put_ipv6(struct ps_buf *b, const unsigned char addr[16])
{
	enum { WORDS = 8 };
	unsigned w[WORDS];
	for (int i = 0; i < WORDS; i++)
		w[i] = (unsigned)addr[2 * i] << 8 | addr[2 * i + 1];
	/* RFC 5952: compress the longest run (first if tied) of two or more zero words. */
	int best = -1, best_len = 0;
	for (int i = 0; i < WORDS;) {
		if (w[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < WORDS && !w[j])
			j++;
		if (j - i > best_len && j - i >= 2)
			best = i, best_len = j - i;
		i = j;
	}
	for (int i = 0; i < WORDS; i++) {
		if (i == best) {
			ps_buf_puts(b, "::");
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			ps_buf_putc(b, ':');
		put_digits(b, w[i], 16);
	}
}

void ps_buf_cat(struct ps_buf *b, ...)
{
	va_list ap;
	va_start(ap, b);
	for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
		ps_buf_puts(b, s);
	va_end(ap);
}
