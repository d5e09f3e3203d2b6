/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "private.h"

static size_t hash(const char *s)
{
	/* FNV-1a */
	size_t h = (size_t)14695981039346656037ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= (size_t)1099511628211ull;
	}
	return h;
}

void ps_map_release(struct ps_map *m)
{
	ps_free(m->keys);
	ps_free(m->values);
	memset(m, 0, sizeof(*m));
}

static bool grow(struct ps_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	const char **keys = ps_calloc(cap, sizeof(*keys));
	size_t *values = ps_calloc(cap, sizeof(*values));
	if (!keys || !values) {
		ps_free(keys);
		ps_free(values);
		return false;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = hash(m->keys[i]) & (cap - 1);
		while (keys[j])
			j = (j + 1) & (cap - 1);
		keys[j] = m->keys[i];
		values[j] = m->values[i];
	}
	ps_free(m->keys);
	ps_free(m->values);
	m->keys = keys;
	m->values = values;
	m->cap = cap;
	return true;
}

bool ps_map_put(struct ps_map *m, const char *key, size_t value)
{
	if ((m->count + 1) * 2 > m->cap && !grow(m))
		return false;
	size_t j = hash(key) & (m->cap - 1);
	while (m->keys[j]) {
		if (strcmp(m->keys[j], key) == 0) {
			m->values[j] = value;
			return true;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->keys[j] = key;
	m->values[j] = value;
	m->count++;
	return true;
}

size_t ps_map_get(const struct ps_map *m, const char *key)
{
	if (!m->cap || !key)
		return SIZE_MAX;
	size_t j = hash(key) & (m->cap - 1);
	while (m->keys[j]) {
		if (strcmp(m->keys[j], key) == 0)
			return m->values[j];
		j = (j + 1) & (m->cap - 1);
	}
	return SIZE_MAX;
}
