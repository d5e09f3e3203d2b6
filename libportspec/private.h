/* SPDX-License-Identifier: MIT */
/*
 * Internal structures of libportspec.  Nothing here is part of the ABI; the
 * backends and white-box tests may use it.
 */
#ifndef PORTSPEC_PRIVATE_H
#define PORTSPEC_PRIVATE_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portspec/portspec.h"

#if defined(__GNUC__)
#define PS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PS_PRINTF(a, b)
#endif

/* Documented limits (portspec(5) LIMITS). */
#define PS_MAX_FILE_SIZE (64u * 1024u * 1024u)
#define PS_MAX_LINE 8192u
#define PS_MAX_STRING 4096u
#define PS_MAX_NAME 63u
#define PS_MAX_ZONES 32u
#define PS_MAX_INTERFACES 32u
#define PS_MAX_SERVICES 1000000u
#define PS_MAX_PORTS_PER_SERVICE 1024u
#define PS_MAX_FLOW_STATEMENTS 100000u
#define PS_MAX_ADDRESSES 4096u
#define PS_MAX_POLICY_FLOWS 1000000u /* flows before deduplication, x server addresses */

/* ---- allocation (alloc.c): every allocation goes through these ---- */
void *ps_malloc(size_t size);
void *ps_calloc(size_t n, size_t size);
void *ps_realloc(void *ptr, size_t size);
void *ps_reallocarray(void *ptr, size_t n, size_t size);
void ps_free(void *ptr);
char *ps_strdup(const char *s);
char *ps_strndup(const char *s, size_t n);

/* ---- growing text buffer (buf.c) ----
 * Appends never fail visibly: an allocation failure sets `failed` and later
 * appends do nothing; check it once at the end. */
struct ps_buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
};
void ps_buf_init(struct ps_buf *b);
void ps_buf_release(struct ps_buf *b);
void ps_buf_add(struct ps_buf *b, const char *data, size_t len);
void ps_buf_puts(struct ps_buf *b, const char *s);
void ps_buf_putc(struct ps_buf *b, char c);
void ps_buf_printf(struct ps_buf *b, const char *fmt, ...) PS_PRINTF(2, 3);
void ps_buf_vprintf(struct ps_buf *b, const char *fmt, va_list ap) PS_PRINTF(2, 0);
/* Hands the NUL-terminated text to the caller (free with ps_free). */
char *ps_buf_steal(struct ps_buf *b, size_t *len);

/* ---- errors (error.c) ---- */
enum portspec_status ps_error_set(struct portspec_error *err, enum portspec_status status,
				  const char *file, unsigned line, unsigned column,
				  const char *fmt, ...) PS_PRINTF(6, 7);

/* Appends a formatted text to a growing list of strings (warnings). */
enum portspec_status ps_strings_add(char ***list, size_t *count, struct portspec_error *err,
				    const char *fmt, ...) PS_PRINTF(4, 5);

/* ---- string -> index map (map.c): open addressing, keys are borrowed ---- */
struct ps_map {
	const char **keys;
	size_t *values;
	size_t cap; /* power of two, 0 when empty */
	size_t count;
};
void ps_map_release(struct ps_map *m);
/* Returns false on allocation failure. */
bool ps_map_put(struct ps_map *m, const char *key, size_t value);
/* Returns SIZE_MAX when absent. */
size_t ps_map_get(const struct ps_map *m, const char *key);

/* ---- address sets (addrset.c) ---- */
size_t ps_addr_len(unsigned family);
const struct portspec_addr_range *ps_full_range(unsigned family);
/* Network and broadcast ends of a CIDR (host bits masked). */
void ps_cidr_bounds(const struct portspec_cidr *c, unsigned char *lo, unsigned char *hi);

/* A growing list of ranges of one family; `failed` after an allocation failure. */
struct ps_ranges {
	struct portspec_addr_range *v;
	size_t n, cap;
	unsigned family;
	bool failed;
};
void ps_ranges_init(struct ps_ranges *r, unsigned family);
void ps_ranges_release(struct ps_ranges *r);
/* Appends (only addresses of r's family; others are ignored). */
void ps_ranges_add_cidr(struct ps_ranges *r, const struct portspec_cidr *c);
void ps_ranges_add(struct ps_ranges *r, const struct portspec_addr_range *x);
/* Sorts and folds overlapping and adjacent ranges: the normal form. */
void ps_ranges_normalize(struct ps_ranges *r);
/* Of normalized inputs, into a new normalized *out (initialized here). */
void ps_ranges_complement(const struct ps_ranges *a, struct ps_ranges *out);
void ps_ranges_intersect(const struct ps_ranges *a, const struct ps_ranges *b,
			 struct ps_ranges *out);
bool ps_ranges_equal(const struct portspec_addr_range *a, size_t na,
		     const struct portspec_addr_range *b, size_t nb);
/* Binary search in normalized ranges. */
bool ps_ranges_contain(const struct portspec_addr_range *v, size_t n, unsigned family,
		       const unsigned char *addr);
/* The fewest CIDRs covering normalized ranges exactly; *out is new (ps_free). */
bool ps_ranges_to_cidrs(const struct portspec_addr_range *v, size_t n, unsigned family,
			struct portspec_cidr **out, size_t *count);

/* ---- the spec ---- */
struct ps_portrange {
	uint8_t proto; /* enum portspec_protocol */
	uint16_t first;
	uint16_t last;
};

struct portspec_service {
	char *name;
	char *title;
	char *description;
	char *note;
	char *helper;
	enum portspec_level level;
	struct ps_portrange *ports;
	size_t nports;
	uint32_t either_zones; /* zones where a flow marks it '*' (bit = zone index) */
	unsigned line; /* where it was declared */
};

struct portspec_zone {
	char *name;
	char *title;
	enum portspec_zone_kind kind;
	size_t index;
};

struct ps_interface {
	char *name;
	char *title;
};

struct ps_flow_service {
	size_t service; /* index into spec->services */
	bool either;    /* marked '*': servable from either zone */
};

struct ps_spec_flow {
	enum portspec_direction direction;
	size_t zone;      /* index into spec->zones */
	size_t iface;     /* index into spec->ifaces, SIZE_MAX when none named */
	unsigned roles;   /* mask of enum portspec_role */
	struct ps_flow_service *services;
	size_t nservices;
	unsigned line;
};

struct portspec_spec {
	atomic_uint refs;
	char *filename;
	char *name;
	char *version;
	char *source;
	char *either_note;
	struct portspec_service *services;
	size_t nservices;
	struct portspec_zone *zones;
	size_t nzones;
	struct ps_interface *ifaces;
	size_t nifaces;
	struct ps_spec_flow *flows;
	size_t nflows;
	struct ps_map service_index;
};

struct portspec_spec *ps_spec_ref(const struct portspec_spec *spec);
size_t ps_spec_zone_index(const struct portspec_spec *spec, const char *name);

/* ---- the profile ---- */
struct ps_cidr_list {
	struct portspec_cidr *items;
	size_t count;
	bool example; /* still the documentation example */
};

struct portspec_profile {
	struct portspec_spec *spec; /* owns a reference */
	enum portspec_role role;
	bool *enabled;          /* per service; required services are always on */
	uint32_t *served_from;  /* per service: mask of zone indices ("either" services) */
	char *interface;        /* host mode: the appliance's interface, NULL: any */
	char **host_interface;  /* host mode, per zone: the appliance's interface facing it */
	char **zone_interface;  /* gateway mode, per zone: the firewall's interface facing it */
	char *appliance_interface;
	struct ps_cidr_list appliance;
	struct ps_cidr_list *zone_addresses; /* per zone (networks and peers zones) */
	struct ps_cidr_list *servers;        /* per service: narrows outbound destinations */
};

/* The one check of interface names (profile keys); the backends rely on it. */
bool ps_valid_ifname(const char *name);
enum portspec_status ps_profile_clone(const struct portspec_profile *src,
				      struct portspec_profile **out);
bool ps_cidr_contains(const struct portspec_cidr *net, const struct portspec_cidr *addr);

/* ---- the policy ---- */
struct portspec_flow {
	const struct portspec_service *service;
	const struct portspec_zone *zone;
	const char *interface; /* spec interface name, or NULL */
	uint8_t protocol;
	uint8_t direction;
	uint16_t first;
	uint16_t last;
	bool either;
	struct portspec_cidr *addresses; /* servers narrowing an outbound flow */
	size_t naddresses;
};

struct ps_index; /* index.h */
struct ps_small;

struct portspec_policy {
	struct portspec_spec *spec; /* owns a reference */
	struct portspec_plan *plans[2]; /* host, gateway */
	struct portspec_profile *profile; /* own copy */
	struct portspec_flow *flows;
	size_t nflows;
	char **warnings;
	size_t nwarnings;
	/* the query index (index.c), built last */
	struct ps_index *index;
	/* per spec service: true if some flow of the policy uses it */
	bool *service_used;
};

/* ---- the plan (plan.c) ---- */
struct portspec_plan {
	const struct portspec_policy *policy;
	enum portspec_mode mode;
	struct portspec_plan_entry **entries;
	size_t nentries;
	bool drops[4]; /* by enum portspec_hook */
	char **warnings; /* the mode's own, after the policy's */
	size_t nwarnings;
	/* the policy's query index, and what this plan's queries read of it
	 * first, here to spare them a load (index.c) */
	const struct ps_index *index;
	const uint16_t *index_top;
	const uint16_t *index_leaves;
	const struct ps_small *index_small;
};

enum portspec_status ps_plan_build(const struct portspec_policy *policy, enum portspec_mode mode,
				   struct portspec_plan **out, struct portspec_error *err);
void ps_plan_free(struct portspec_plan *plan);
/* A profile's host-mode interface for zone z: the zone's own, else the default; NULL: any. */
const char *ps_profile_host_interface(const struct portspec_profile *pr, size_t z);

/* ---- backends (render.c, backends/) ---- */
struct ps_render {
	const struct portspec_policy *policy;
	enum portspec_mode mode;
	unsigned flags;
	const char *name; /* fragment name, validated: [A-Za-z0-9_-], <= 28 chars */
	struct ps_buf *out;
	struct portspec_error *err;
};

struct ps_backend {
	const char *name;
	enum portspec_backend_kind kind;
	const char *description;
	unsigned modes; /* mask of enum portspec_mode */
	enum portspec_status (*render)(struct ps_render *r);
};

#endif /* PORTSPEC_PRIVATE_H */
