/* SPDX-License-Identifier: MIT */
/* The spec: storage, lifecycle and accessors.  Parsing is in spec-parse.c. */
#include <stdalign.h>
#include <string.h>

#include "private.h"

struct ps_arena_chunk {
	struct ps_arena_chunk *next;
	size_t size; /* bytes of data */
	size_t used;
	max_align_t data[];
};

/* Chunks double up to this size (what a spec leaves unused is at most that
 * much); a bigger request gets a chunk of its own. */
#define ARENA_FIRST 4096u
#define ARENA_MAX (256u * 1024u)

static void *arena_take(struct ps_arena *a, size_t size, size_t align)
{
	struct ps_arena_chunk *c = a->head;
	if (c) {
		size_t at = (c->used + align - 1) & ~(align - 1);
		if (at <= c->size && size <= c->size - at) {
			c->used = at + size;
			return (char *)c->data + at;
		}
	}
	size_t want = c ? (c->size < ARENA_MAX ? c->size * 2 : ARENA_MAX) : ARENA_FIRST;
	if (want < size)
		want = size;
	if (want > SIZE_MAX - sizeof(*c))
		return NULL;
	struct ps_arena_chunk *n = ps_malloc(sizeof(*n) + want);
	if (!n)
		return NULL;
	n->size = want;
	n->used = size;
	/* A chunk of its own for a big request: keep filling the current one. */
	if (c && want == size && c->size - c->used > 64) {
		n->next = c->next;
		c->next = n;
	} else {
		n->next = c;
		a->head = n;
	}
	return n->data;
}

void *ps_arena_alloc(struct ps_arena *a, size_t size)
{
	return arena_take(a, size, alignof(max_align_t));
}

char *ps_arena_strndup(struct ps_arena *a, const char *s, size_t n)
{
	struct ps_arena_chunk *c = a->head;
	char *p;
	if (c && n < c->size - c->used) { /* the common case, without arena_take */
		p = (char *)c->data + c->used;
		c->used += n + 1;
	} else if (n == SIZE_MAX || !(p = arena_take(a, n + 1, 1))) {
		return NULL;
	}
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void ps_arena_release(struct ps_arena *a)
{
	while (a->head) {
		struct ps_arena_chunk *next = a->head->next;
		ps_free(a->head);
		a->head = next;
	}
}

extern const char ps_default_spec_text[];

PORTSPEC_EXPORT const char *portspec_default_spec_text(void)
{
	return ps_default_spec_text;
}

PORTSPEC_EXPORT enum portspec_status portspec_spec_new_default(struct portspec_spec **out,
							       struct portspec_error *err)
{
	ps_error_clear(err);
	return portspec_spec_parse(ps_default_spec_text, strlen(ps_default_spec_text),
				   "<default>", out, err);
}

struct portspec_spec *ps_spec_ref(const struct portspec_spec *spec)
{
	/* The reference count is the one mutable part of a spec. */
	struct portspec_spec *s = (struct portspec_spec *)spec;
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

PORTSPEC_EXPORT struct portspec_spec *portspec_spec_ref(const struct portspec_spec *spec)
{
	return spec ? ps_spec_ref(spec) : NULL;
}

size_t ps_spec_service_index(const struct portspec_spec *spec, const struct portspec_service *svc)
{
	/* compared as integers: a service may lie outside the array */
	uintptr_t first = (uintptr_t)spec->services, p = (uintptr_t)svc;
	if (!svc || p < first || p >= first + spec->nservices * sizeof(*svc))
		return SIZE_MAX;
	return (size_t)(svc - spec->services);
}

PORTSPEC_EXPORT void portspec_spec_free(struct portspec_spec *spec)
{
	if (!spec)
		return;
	if (atomic_fetch_sub_explicit(&spec->refs, 1, memory_order_acq_rel) != 1)
		return;
	/* Strings, port ranges, either-notes and the flows' service lists live in
	 * the arena. */
	ps_free(spec->services);
	ps_free(spec->zones);
	ps_free(spec->ifaces);
	ps_free(spec->flows);
	ps_map_release(&spec->service_index);
	ps_arena_release(&spec->arena);
	ps_free(spec);
}

PORTSPEC_EXPORT const char *portspec_spec_name(const struct portspec_spec *spec)
{
	return spec ? spec->name : NULL;
}

PORTSPEC_EXPORT const char *portspec_spec_version(const struct portspec_spec *spec)
{
	return spec ? spec->version : NULL;
}

PORTSPEC_EXPORT const char *portspec_spec_source(const struct portspec_spec *spec)
{
	return spec ? spec->source : NULL;
}

PORTSPEC_EXPORT const char *portspec_spec_either_note(const struct portspec_spec *spec)
{
	return spec ? spec->either_note : NULL;
}

PORTSPEC_EXPORT const char *portspec_spec_filename(const struct portspec_spec *spec)
{
	return spec ? spec->filename : NULL;
}

PORTSPEC_EXPORT size_t portspec_spec_service_count(const struct portspec_spec *spec)
{
	return spec ? spec->nservices : 0;
}

PORTSPEC_EXPORT const struct portspec_service *portspec_spec_service(const struct portspec_spec *spec,
								     size_t index)
{
	return spec && index < spec->nservices ? &spec->services[index] : NULL;
}

PORTSPEC_EXPORT const struct portspec_service *
portspec_spec_find_service(const struct portspec_spec *spec, const char *name)
{
	if (!spec || !name)
		return NULL;
	size_t i = ps_map_get(&spec->service_index, name, ps_map_hash(name));
	return i == SIZE_MAX ? NULL : &spec->services[i];
}

PORTSPEC_EXPORT const struct portspec_service *
portspec_spec_next_service(const struct portspec_spec *spec, unsigned levels, size_t *cursor)
{
	if (!spec || !cursor)
		return NULL;
	while (*cursor < spec->nservices) {
		const struct portspec_service *svc = &spec->services[(*cursor)++];
		if ((unsigned)svc->level & levels)
			return svc;
	}
	return NULL;
}

PORTSPEC_EXPORT const struct portspec_service *portspec_cluster_ports(const struct portspec_spec *spec,
								      size_t *cursor)
{
	return portspec_spec_next_service(spec, PORTSPEC_CLUSTER, cursor);
}

PORTSPEC_EXPORT size_t portspec_spec_zone_count(const struct portspec_spec *spec)
{
	return spec ? spec->nzones : 0;
}

PORTSPEC_EXPORT const struct portspec_zone *portspec_spec_zone(const struct portspec_spec *spec,
							       size_t index)
{
	return spec && index < spec->nzones ? &spec->zones[index] : NULL;
}

size_t ps_spec_zone_index(const struct portspec_spec *spec, const char *name)
{
	for (size_t i = 0; name && i < spec->nzones; i++)
		if (strcmp(spec->zones[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

PORTSPEC_EXPORT const struct portspec_zone *portspec_spec_find_zone(const struct portspec_spec *spec,
								    const char *name)
{
	if (!spec)
		return NULL;
	size_t i = ps_spec_zone_index(spec, name);
	return i == SIZE_MAX ? NULL : &spec->zones[i];
}

PORTSPEC_EXPORT const char *portspec_zone_name(const struct portspec_zone *zone)
{
	return zone ? zone->name : NULL;
}

PORTSPEC_EXPORT const char *portspec_zone_title(const struct portspec_zone *zone)
{
	return zone ? zone->title : NULL;
}

PORTSPEC_EXPORT enum portspec_zone_kind portspec_zone_kind(const struct portspec_zone *zone)
{
	return zone ? zone->kind : (enum portspec_zone_kind)0;
}

PORTSPEC_EXPORT size_t portspec_spec_interface_count(const struct portspec_spec *spec)
{
	return spec ? spec->nifaces : 0;
}

PORTSPEC_EXPORT const struct portspec_interface *
portspec_spec_interface(const struct portspec_spec *spec, size_t index)
{
	return spec && index < spec->nifaces ? &spec->ifaces[index] : NULL;
}

PORTSPEC_EXPORT const struct portspec_interface *
portspec_spec_find_interface(const struct portspec_spec *spec, const char *name)
{
	if (!spec || !name)
		return NULL;
	for (size_t i = 0; i < spec->nifaces; i++)
		if (strcmp(spec->ifaces[i].name, name) == 0)
			return &spec->ifaces[i];
	return NULL;
}

PORTSPEC_EXPORT const char *portspec_interface_name(const struct portspec_interface *iface)
{
	return iface ? iface->name : NULL;
}

PORTSPEC_EXPORT const char *portspec_interface_title(const struct portspec_interface *iface)
{
	return iface ? iface->title : NULL;
}

PORTSPEC_EXPORT const char *portspec_service_name(const struct portspec_service *svc)
{
	return svc ? svc->name : NULL;
}

PORTSPEC_EXPORT const char *portspec_service_title(const struct portspec_service *svc)
{
	return svc ? svc->title : NULL;
}

PORTSPEC_EXPORT const char *portspec_service_description(const struct portspec_service *svc)
{
	return svc ? svc->description : NULL;
}

PORTSPEC_EXPORT const char *portspec_service_either_note(const struct portspec_service *svc,
							 const struct portspec_zone *zone)
{
	if (!svc || !zone || !svc->either_notes || zone->index >= PS_MAX_ZONES)
		return NULL;
	return svc->either_notes[zone->index];
}

PORTSPEC_EXPORT const char *portspec_service_note(const struct portspec_service *svc)
{
	return svc ? svc->note : NULL;
}

PORTSPEC_EXPORT const char *portspec_service_helper(const struct portspec_service *svc)
{
	return svc ? svc->helper : NULL;
}

PORTSPEC_EXPORT enum portspec_level portspec_service_level(const struct portspec_service *svc)
{
	return svc ? svc->level : (enum portspec_level)0;
}

PORTSPEC_EXPORT size_t portspec_service_port_count(const struct portspec_service *svc)
{
	return svc ? svc->nports : 0;
}

PORTSPEC_EXPORT bool portspec_service_port(const struct portspec_service *svc, size_t index,
					   enum portspec_protocol *proto, unsigned *first,
					   unsigned *last)
{
	if (!svc || index >= svc->nports)
		return false;
	if (proto)
		*proto = (enum portspec_protocol)svc->ports[index].proto;
	if (first)
		*first = svc->ports[index].first;
	if (last)
		*last = svc->ports[index].last;
	return true;
}
