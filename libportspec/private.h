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
#define PS_SENTINEL __attribute__((sentinel))
#else
#define PS_PRINTF(a, b)
#define PS_SENTINEL
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

/* Numbers the protocols fix. */
#define PS_MAX_PORT 65535u      /* TCP and UDP ports are 16 bits (and 0 is no port) */
#define PS_MAX_ICMP_TYPE 255u   /* ICMP and ICMPv6 types are one byte */
#define PS_ICMP_ECHO_REQUEST 8u /* RFC 792 */
#define PS_ICMPV6_ECHO_REQUEST 128u /* RFC 4443 */
#define PS_MAX_IFNAME 15u       /* Linux interface names: IFNAMSIZ (16) with the NUL */

#define PS_COUNT(a) (sizeof(a) / sizeof((a)[0])) /* the elements of an array */

/* Address families: struct portspec_cidr's family is 4 or 6, and per-family
 * arrays hold IPv4 at [0], IPv6 at [1]. */
#define PS_FAMILY_V4 4u
#define PS_FAMILY_V6 6u
#define PS_NFAMILIES 2u
#define PS_FAMILY_AT(f) ((f) ? PS_FAMILY_V6 : PS_FAMILY_V4) /* the family of index f */
#define PS_V4_BYTES 4u   /* an IPv4 address; it fills the first bytes of an address */
#define PS_ADDR_BYTES 16u /* an address of either family: IPv6's size */
#define PS_HOST_PREFIX(family) ((family) == PS_FAMILY_V4 ? 32u : 128u) /* one address */

/* Text buffers: an address as portspec_cidr_format() writes it (an IPv6
 * address is at most 45 characters, then "/128"); a list of names quoted in
 * a message, half of portspec_error.text so that the rest of it fits. */
#define PS_CIDR_TEXT 64u
#define PS_NAMES_TEXT 256u

/* ---- allocation (alloc.c): every allocation goes through these ---- */
void *ps_malloc(size_t size);
void *ps_calloc(size_t n, size_t size);
void *ps_realloc(void *ptr, size_t size);
void *ps_reallocarray(void *ptr, size_t n, size_t size);
/* Room for @need elements of @size bytes in *@p, which has room for *@cap:
 * the capacity doubles, from @first, so that appending n costs O(n).  False
 * (*@p and *@cap unchanged) when out of memory. */
bool ps_grow(void **p, size_t *cap, size_t need, size_t size, size_t first);
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
/*
 * Fast appenders for what the renderers write per rule, port and address:
 * none calls printf, whose format parsing is most of the cost of a large
 * render.  @s (a string), @v in decimal ("%llu") or lowercase hexadecimal
 * ("%x"), a port range "first" or "first@{sep}last", an IPv4 address
 * "192.0.2.1", an IPv6 address as RFC 5952 writes it ("2001:db8::1":
 * lowercase, the longest run of two or more zero words as ::, the first if
 * tied).
 */
void ps_buf_put_uint(struct ps_buf *b, unsigned long long v);
void ps_buf_put_hex(struct ps_buf *b, unsigned v);
void ps_buf_put_range(struct ps_buf *b, unsigned first, unsigned last, const char *sep);
void ps_buf_put_ipv4(struct ps_buf *b, const unsigned char addr[4]);
void ps_buf_put_ipv6(struct ps_buf *b, const unsigned char addr[16]);
/* Appends the strings up to a NULL one: ps_buf_cat(b, "-A ", chain, " -p ", NULL). */
void ps_buf_cat(struct ps_buf *b, ...) PS_SENTINEL;
/* Appends the rest of @fp to @b, stopping once @b holds more than @limit
 * bytes (the caller says the file is too large).  False on a read error;
 * out of memory is @b->failed. */
bool ps_buf_read(struct ps_buf *b, FILE *fp, size_t limit);
/* The file at @path read into @b by ps_buf_read(): PORTSPEC_E_IO when it
 * cannot be opened ("cannot open: REASON") or read (@read_error), or
 * PORTSPEC_E_NOMEM, with @path in @err.  More than @limit bytes in @b: the
 * file is too large, for the caller to say so. */
enum portspec_status ps_buf_load(struct ps_buf *b, const char *path, size_t limit,
				 const char *read_error, struct portspec_error *err);

/* ---- errors (error.c) ----
 * Every public function that takes a struct portspec_error clears it first
 * (ps_error_clear) and fills it on failure (ps_error_set). */
static inline void ps_error_clear(struct portspec_error *err)
{
	if (err) {
		err->status = PORTSPEC_OK;
		err->line = err->column = 0;
		err->file[0] = err->text[0] = '\0';
	}
}
enum portspec_status ps_error_set(struct portspec_error *err, enum portspec_status status,
				  const char *file, unsigned line, unsigned column,
				  const char *fmt, ...) PS_PRINTF(6, 7);

/* ---- UTF-8 (utf8.c) ---- */
/*
 * Length (1 to 4) of the valid UTF-8 character at @s, of at most @n bytes,
 * with its code point in *@out; 0 for invalid, truncated or overlong bytes
 * and surrogates.  NUL-terminated text may pass n = 4: a NUL ends the check.
 */
size_t ps_utf8_char(const char *s, size_t n, uint32_t *out);
/* U+FDD0..U+FDEF and U+xFFFE, U+xFFFF of every plane: not for interchange
 * (XML, so SVG, forbids them). */
bool ps_unicode_noncharacter(uint32_t cp);
/* The longest prefix of @s (@len bytes) of at most @max bytes that does not
 * end inside a UTF-8 character. */
size_t ps_utf8_cut(const char *s, size_t len, size_t max);

/* ---- warnings (warning.c): a text and its stable kind ---- */
struct ps_warning {
	enum portspec_warning_kind kind;
	char *text;
};

struct ps_warnings {
	struct ps_warning *v;
	size_t n;
};

/* Appends a warning; PORTSPEC_E_NOMEM (in @err) if it cannot. */
enum portspec_status ps_warn(struct ps_warnings *w, enum portspec_warning_kind kind,
			     struct portspec_error *err, const char *fmt, ...) PS_PRINTF(4, 5);
void ps_warnings_release(struct ps_warnings *w);

/* ---- string -> index map (map.c): open addressing, keys are borrowed ----
 * Callers hash a key once (ps_map_hash) for a lookup and the insert after it. */
struct ps_map_slot {
	const char *key; /* NULL: empty */
	uint32_t hash;   /* the low bits of ps_map_hash */
	uint32_t value;  /* values are indices below 2^32 - 1 (PS_MAX_SERVICES) */
};
struct ps_map {
	struct ps_map_slot *slots;
	size_t cap; /* power of two, 0 when empty */
	size_t count;
};
size_t ps_map_hash(const char *key);
void ps_map_release(struct ps_map *m);
/* Returns false on allocation failure. */
bool ps_map_put(struct ps_map *m, const char *key, size_t hash, size_t value);
/* Returns SIZE_MAX when absent. */
size_t ps_map_get(const struct ps_map *m, const char *key, size_t hash);

/* ---- the spec's storage (spec.c) ----
 * A spec never changes once parsed, so its strings and arrays come from
 * chunks that are freed together: no allocation per string or per token,
 * and pointers into a chunk stay valid (chunks never move). */
struct ps_arena_chunk;
struct ps_arena {
	struct ps_arena_chunk *head; /* the chunk being filled, then older ones */
};
/* `size` bytes aligned for any object; NULL on allocation failure. */
void *ps_arena_alloc(struct ps_arena *a, size_t size);
/* A NUL-terminated copy of the n bytes at s; NULL on allocation failure. */
char *ps_arena_strndup(struct ps_arena *a, const char *s, size_t n);
void ps_arena_release(struct ps_arena *a);

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
	char **either_notes;   /* PS_MAX_ZONES or NULL: by zone, the note of serving it from there */
	unsigned line; /* where it was declared */
};

struct portspec_zone {
	char *name;
	char *title;
	enum portspec_zone_kind kind;
	size_t index;
};

struct portspec_interface {
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
	struct portspec_interface *ifaces;
	size_t nifaces;
	struct ps_spec_flow *flows;
	size_t nflows;
	struct ps_map service_index;
	struct ps_arena arena; /* the strings, port ranges and flows' service lists */
};

struct portspec_spec *ps_spec_ref(const struct portspec_spec *spec);
/*
 * portspec_spec_load from an open stream, read and parsed `piece` bytes at a
 * time (the fuzzer reads in tiny pieces to reach every carry-over).
 */
enum portspec_status ps_spec_read(FILE *fp, const char *filename, size_t piece,
				  struct portspec_spec **out, struct portspec_error *err);
/* The index of @svc among the spec's services; SIZE_MAX for a service the
 * spec does not hold (the policy's ping). */
size_t ps_spec_service_index(const struct portspec_spec *spec, const struct portspec_service *svc);
size_t ps_spec_zone_index(const struct portspec_spec *spec, const char *name);

/* ---- the profile ---- */

/* Where a setting came from: a profile file's line and column (file: index
 * from 1 into the profile's file names), or all 0 for portspec_profile_set(). */
struct ps_origin {
	uint32_t file;
	uint32_t line;
	uint32_t column;
};

struct ps_cidr_list {
	struct portspec_cidr *items;
	struct ps_origin *origins; /* where each item was set */
	size_t count;
	bool example; /* still the documentation example */
};

enum ps_log { PS_LOG_NONE = 0, PS_LOG_DROPS = 1 };

struct portspec_profile {
	struct portspec_spec *spec; /* owns a reference */
	enum portspec_role role;
	struct ps_origin role_origin;
	bool required_only;     /* optional services are off unless enable= names them */
	int8_t *choice;         /* per service: 1 enable=, -1 disable=, 0 neither */
	bool *enabled;          /* per service, from the two above; required ones always */
	uint32_t *served_from;  /* per service: mask of zone indices ("either" services) */
	uint32_t ping;          /* zones whose echo requests reach the appliance (ping=) */
	enum ps_log log;        /* log= */
	char *interface;        /* host mode: the appliance's interface, NULL: any */
	char **host_interface;  /* host mode, per zone: the appliance's interface facing it */
	char **zone_interface;  /* gateway mode, per zone: the firewall's interface facing it */
	char *appliance_interface;
	struct ps_cidr_list appliance;
	struct ps_cidr_list *zone_addresses; /* per zone (networks and peers zones) */
	struct ps_cidr_list *servers;        /* per service: narrows outbound destinations */
	struct ps_cidr_list *clients;        /* per service: narrows inbound sources */
	char **files;           /* the file names of the origins */
	size_t nfiles;
	struct ps_origin here;  /* the setting being read (portspec_profile_parse) */
	bool bad_key;           /* the last error was about the key, not the value */
};

/* An error at @o (no place if @o is NULL or came from portspec_profile_set()). */
enum portspec_status ps_profile_error_at(const struct portspec_profile *pr,
					 const struct ps_origin *o, struct portspec_error *err,
					 enum portspec_status st, const char *fmt, ...)
	PS_PRINTF(5, 6);
/* Does @addr belong to zone @z under this profile?  (The complement zone:
 * every address in no networks zone.) */
bool ps_profile_in_zone(const struct portspec_profile *pr, size_t z,
			const struct portspec_cidr *addr);

/*
 * The profile keys, one table (profile.c): what portspec_profile_set()
 * dispatches on, and what the checks of the documentation (the header, the
 * manual, the shell completion) compare with.  A family of keys is named by
 * a pattern ("<zone>-interface") and matched by `match`, which gives the
 * zone or service the key names (SIZE_MAX: not of the family).
 */
struct ps_profile_key {
	const char *name;    /* the key, or a family's pattern */
	const char *same_as; /* NULL, or the key this name is another spelling of */
	bool list;           /* the value is a list: items set one by one */
	size_t (*match)(const struct portspec_spec *spec, const char *key);
	enum portspec_status (*set)(struct portspec_profile *pr, const char *key,
				    const char *value, size_t which, struct portspec_error *err);
};
const struct ps_profile_key *ps_profile_keys(size_t *n);
/* The key that `key` is for @spec (*which: its zone or service), or NULL. */
const struct ps_profile_key *ps_profile_find_key(const struct portspec_spec *spec,
						 const char *key, size_t *which);
/* Is @name one of the profile's own keys (role, interface, appliance, ...: the table's
 * fixed names)?  A zone or service may not take such a name: profiles set zones and
 * services by name, beside these keys (portspec(5) NAMES). */
bool ps_profile_fixed_key(const char *name);
/* The suffix of a gateway interface key (ZONE-interface); no zone or service ends in it. */
#define PS_INTERFACE_KEY_SUFFIX "-interface"

/* The one check of interface names (profile keys); the backends rely on it. */
bool ps_valid_ifname(const char *name);
enum portspec_status ps_profile_clone(const struct portspec_profile *src,
				      struct portspec_profile **out);
bool ps_cidr_contains(const struct portspec_cidr *net, const struct portspec_cidr *addr);

/*
 * The ranges a plan entry's ports or types match: a FLOW entry's ports, or
 * its ICMP message types (ICMP flows; the established entries carry the
 * ICMP errors that pass with a connection).  *n of them.  One definition for
 * the index and the audit library, which compiles this header in.
 */
static inline const struct portspec_plan_port *ps_plan_entry_ranges(const struct portspec_plan_entry *e,
								     size_t *n)
{
	*n = e->icmp_type_count ? e->icmp_type_count : e->port_count;
	return e->icmp_type_count ? e->icmp_types : e->ports;
}

/* ---- the policy ---- */
struct portspec_flow {
	const struct portspec_service *service;
	const struct portspec_zone *zone;
	const char *interface; /* spec interface name, or NULL */
	const struct portspec_interface *iface; /* the same, as a handle */
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
	struct ps_warnings warnings;
	/* the query index (index.c), built last */
	struct ps_index *index;
	/* per spec service: true if some flow of the policy uses it */
	bool *service_used;
};

static inline bool ps_protocol_is_icmp(unsigned proto)
{
	return proto == PORTSPEC_ICMP || proto == PORTSPEC_ICMPV6;
}

/* The service of the flows that profile key ping= adds: ICMP and ICMPv6
 * echo requests.  The spec does not hold it. */
extern const struct portspec_service ps_ping_service;

/* ---- the plan (plan.c) ---- */
struct portspec_plan {
	const struct portspec_policy *policy;
	enum portspec_mode mode;
	struct portspec_plan_entry **entries;
	size_t nentries;
	bool drops[4]; /* by enum portspec_hook */
	const char *log_prefix[4]; /* by hook: log=drops, NULL: no logging */
	struct ps_warnings warnings; /* the mode's own, after the policy's */
	/* the policy's query index, and what this plan's queries read of it
	 * first, here to spare them a load (index.c) */
	const struct ps_index *index;
	const uint16_t *index_top;
	const uint16_t *index_leaves;
	const uint8_t *index_leaves8;        /* byte leaves, or NULL (index.h) */
	const uint16_t *index_hval;          /* with them: the palette's values */
	const struct ps_small *index_hsmall; /* and its small partitions, */
	uint32_t index_hsmalls;              /* so many, numbers 0..n-1 */
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
