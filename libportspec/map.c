/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "private.h"

size_t ps_map_hash(const char *s)
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
	ps_free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* Doubles the table; the stored hashes place the keys without hashing them again. */
static bool grow(struct ps_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct ps_map_slot *slots = ps_calloc(cap, sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		size_t j = m->slots[i].hash & (cap - 1);
		while (slots[j].key)
			j = (j + 1) & (cap - 1);
		slots[j] = m->slots[i];
	}
	ps_free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return true;
}

bool ps_map_put(struct ps_map *m, const char *key, size_t hash, size_t value)
{
	if ((m->count + 1) * 2 > m->cap && !grow(m))
		return false;
	size_t j = hash & (m->cap - 1);
	while (m->slots[j].key) {
		if (m->slots[j].hash == (uint32_t)hash && strcmp(m->slots[j].key, key) == 0) {
			m->slots[j].value = (uint32_t)value;
			return true;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->slots[j] = (struct ps_map_slot){
		.key = key, .hash = (uint32_t)hash, .value = (uint32_t)value};
	m->count++;
	return true;
}

size_t ps_map_get(const struct ps_map *m, const char *key, size_t hash)
{
	if (!m->cap || !key)
		return SIZE_MAX;
	size_t j = hash & (m->cap - 1);
	while (m->slots[j].key) {
		if (m->slots[j].hash == (uint32_t)hash && strcmp(m->slots[j].key, key) == 0)
			return m->slots[j].value;
		j = (j + 1) & (m->cap - 1);
	}
	return SIZE_MAX;
}
