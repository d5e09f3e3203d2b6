/* SPDX-License-Identifier: MIT */
/**
 * @file portspec.h
 * @brief libportspec: firewall port-requirement tables as a queryable model
 *        and as firewall rules.
 *
 * The pipeline, and the nouns of this API:
 *
 *     spec text --parse--> spec --+ profile--> policy --> queries, backends
 *
 * - A **spec** (struct portspec_spec) is a vendor's requirement table:
 *   services, zones, interfaces and flows.  It is immutable once parsed.
 *   The Lotus Protector for Mail Security 2.5.1 table is built in
 *   (portspec_spec_new_default()); other appliances are spec files in the
 *   format of portspec(5).
 * - A **profile** (struct portspec_profile) is one site's choices: which
 *   optional services are on, where DNS and NTP are served, the cluster role,
 *   addresses, networks and interfaces.  portspec-profile(5).
 * - A **policy** (struct portspec_policy) is a spec and a profile compiled
 *   into concrete, deduplicated flows.  Every query and every backend reads
 *   the policy, never the raw spec, so they cannot disagree.  A policy is
 *   immutable and may be used from many threads at once.
 *
 * Conventions:
 * - Every object comes from a `_new` function and goes back through the
 *   matching `_free`; `_free(NULL)` does nothing.
 * - Functions that can fail return an enum portspec_status (PORTSPEC_OK is 0)
 *   and, when given one, fill a struct portspec_error with what went wrong and
 *   where.  Output pointers are set only on success.
 * - Strings returned by accessors belong to the object they came from and live
 *   as long as it does.  Strings the caller must free say so.
 * - A policy keeps its spec alive: the spec may be freed before the policy.
 * - Services, zones, interfaces, flows and plan entries are handles (const
 *   pointers into the object that owns them).  A function that takes one
 *   treats a handle of another spec as unknown.  Only portspec_is_allowed()
 *   takes a zone by name, as the by-name entry point.
 * - Collections are read by count and index (portspec_spec_service_count() and
 *   portspec_spec_service(), ...); filters, whose size is not known before they
 *   run, are iterated with a cursor that starts at 0 (portspec_policy_find(),
 *   portspec_spec_next_service(), and the mission's entry points
 *   portspec_list_required() and portspec_cluster_ports()).
 * - Read-only functions on a spec, a policy or its plan may run from many
 *   threads at once; a profile is one thread's at a time while it is changed.
 */
#ifndef PORTSPEC_PORTSPEC_H
#define PORTSPEC_PORTSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PORTSPEC_BUILDING) && defined(__GNUC__)
#define PORTSPEC_EXPORT __attribute__((visibility("default")))
#else
#define PORTSPEC_EXPORT
#endif

/**
 * Status codes.  0 is success; every other value is an error.  The values
 * are part of the ABI and never change; new ones are added at the end.
 * @since 0.1
 */
enum portspec_status {
	PORTSPEC_OK = 0,
	PORTSPEC_E_INVALID = 1,     /**< bad argument: NULL handle, port out of range, bad enum */
	PORTSPEC_E_NOMEM = 2,       /**< an allocation failed */
	PORTSPEC_E_IO = 3,          /**< a file could not be read or written */
	PORTSPEC_E_PARSE = 4,       /**< a spec or profile text is malformed */
	PORTSPEC_E_UNKNOWN = 5,     /**< an unknown zone, service, key or backend name */
	PORTSPEC_E_PROFILE = 6,     /**< a profile value is invalid or contradicts the spec */
	PORTSPEC_E_UNSUPPORTED = 7, /**< a backend cannot express what was asked of it */
	PORTSPEC_E_LIMIT = 8,       /**< a documented limit was exceeded (portspec(5) LIMITS) */
};

/** A short English description of a status.  Never NULL.  @since 0.1 */
PORTSPEC_EXPORT const char *portspec_strerror(enum portspec_status status);
/**
 * The status's stable name, for programs and languages that map statuses:
 * "ok", "invalid", "nomem", "io", "parse", "unknown", "profile",
 * "unsupported", "limit"; NULL if out of range.
 * @since 0.2
 */
PORTSPEC_EXPORT const char *portspec_status_name(enum portspec_status status);

/**
 * What went wrong, and where.  Every function that takes one fills it: on
 * failure with the status, the text and, for spec and profile texts, the
 * place (@c line and @c column from 1; @c file names the source:
 * "<default>", "<string>", the path given, or the --set it came from); on
 * success it is cleared (status PORTSPEC_OK, empty text, no place), so a
 * stale error never survives a call.  For errors with no place, line and
 * column are 0.  The struct keeps reserved space so that fields can be added
 * without changing its size; leave it alone.
 * @since 0.1 (cleared on success, reserved space: 0.2)
 */
struct portspec_error {
	enum portspec_status status;
	unsigned line;
	unsigned column;
	char file[256];
	char text[512]; /**< what is wrong and, where we can tell, how to fix it */
	unsigned char reserved[64];
};

/**
 * Formats @p err as "file:line:column: error: text" (or "error: text" when
 * it has no place) into @p buf, truncating to @p size.  Returns @p buf.
 * @since 0.1
 */
PORTSPEC_EXPORT const char *portspec_error_format(const struct portspec_error *err,
						  char *buf, size_t size);

/** @since 0.1 */
enum portspec_direction {
	PORTSPEC_DIR_ANY = 0,
	PORTSPEC_INBOUND = 1,  /**< a zone opens connections to the appliance */
	PORTSPEC_OUTBOUND = 2, /**< the appliance opens connections to a zone */
};

/**
 * Protocols.  For ICMP and ICMPv6 a "port" is the message type (1 to 255,
 * any code): ICMP is IPv4's, ICMPv6 IPv6's.
 * @since 0.1 (ICMP and ICMPv6: 0.2)
 */
enum portspec_protocol {
	PORTSPEC_PROTO_ANY = 0,
	PORTSPEC_TCP = 1,
	PORTSPEC_UDP = 2,
	PORTSPEC_ICMP = 3,   /**< IPv4 ICMP; ports are message types (8: echo request) */
	PORTSPEC_ICMPV6 = 4, /**< ICMPv6; ports are message types (128: echo request) */
};

/** Requirement levels; usable as a bit mask in filters.  @since 0.1 */
enum portspec_level {
	PORTSPEC_REQUIRED = 1,
	PORTSPEC_OPTIONAL = 2,
	PORTSPEC_CLUSTER = 4,
	PORTSPEC_LEVEL_ANY = 7,
};

/** How a zone's addresses are known.  @since 0.1 */
enum portspec_zone_kind {
	PORTSPEC_ZONE_NETWORKS = 1,   /**< the profile lists its networks (inside) */
	PORTSPEC_ZONE_COMPLEMENT = 2, /**< every address not in a networks zone (outside) */
	PORTSPEC_ZONE_PEERS = 3,      /**< the profile lists peer addresses (cluster) */
};

/** Cluster roles.  @since 0.1 */
enum portspec_role {
	PORTSPEC_ROLE_STANDALONE = 1,
	PORTSPEC_ROLE_CENTRAL = 2,
	PORTSPEC_ROLE_MEMBER = 4,
	PORTSPEC_ROLE_ANY = 7,
};

/** Names for the enums above ("inbound", "tcp", "required", ...); NULL if out of range.  @since 0.1 */
PORTSPEC_EXPORT const char *portspec_direction_name(enum portspec_direction d);
PORTSPEC_EXPORT const char *portspec_protocol_name(enum portspec_protocol p);
PORTSPEC_EXPORT const char *portspec_level_name(enum portspec_level l);
PORTSPEC_EXPORT const char *portspec_role_name(enum portspec_role r);
PORTSPEC_EXPORT const char *portspec_zone_kind_name(enum portspec_zone_kind k);
/** The reverse: 0 if @p name is not one.  @since 0.1 */
PORTSPEC_EXPORT enum portspec_direction portspec_direction_from_name(const char *name);
PORTSPEC_EXPORT enum portspec_protocol portspec_protocol_from_name(const char *name);
PORTSPEC_EXPORT enum portspec_level portspec_level_from_name(const char *name);
PORTSPEC_EXPORT enum portspec_role portspec_role_from_name(const char *name);

/** The library's release, "MAJOR.MINOR.PATCH".  @since 0.1 */
PORTSPEC_EXPORT const char *portspec_version(void);

/* ------------------------------------------------------------------------ */
/** @name Allocation
 * Embedded users can route every allocation of the library through their own
 * allocator.  Set the hooks before any other call; they are process-wide.
 * Passing NULL for all three restores malloc, realloc and free.
 */
/** @since 0.1 */
typedef void *(*portspec_malloc_fn)(size_t size);
typedef void *(*portspec_realloc_fn)(void *ptr, size_t size);
typedef void (*portspec_free_fn)(void *ptr);
/** Returns PORTSPEC_E_INVALID unless all three are set or all three are NULL.  @since 0.1 */
PORTSPEC_EXPORT enum portspec_status portspec_set_allocator(portspec_malloc_fn m,
							    portspec_realloc_fn r,
							    portspec_free_fn f);
/** Frees memory the library handed to the caller (strings from _to_string functions).  @since 0.1 */
PORTSPEC_EXPORT void portspec_free(void *ptr);

/* ------------------------------------------------------------------------ */
/** @name Specs */

struct portspec_spec;
struct portspec_service;
struct portspec_zone;
struct portspec_interface;
struct portspec_policy;
struct portspec_profile;
struct portspec_flow;
struct portspec_plan;

/**
 * Parses a spec from @p len bytes of @p text.  @p filename names the text in
 * error messages (NULL: "<string>").  On success *@p out is a new spec; free
 * it with portspec_spec_free().
 * @since 0.1
 */
PORTSPEC_EXPORT enum portspec_status portspec_spec_parse(const char *text, size_t len,
							 const char *filename,
							 struct portspec_spec **out,
							 struct portspec_error *err);
/** Reads and parses the spec file at @p path.  @since 0.1 */
PORTSPEC_EXPORT enum portspec_status portspec_spec_load(const char *path,
							struct portspec_spec **out,
							struct portspec_error *err);
/** The built-in Lotus Protector for Mail Security 2.5.1 spec.  @since 0.1 */
PORTSPEC_EXPORT enum portspec_status portspec_spec_new_default(struct portspec_spec **out,
							       struct portspec_error *err);
/** The text of the built-in spec (NUL-terminated, static).  @since 0.1 */
PORTSPEC_EXPORT const char *portspec_default_spec_text(void);
/**
 * Takes one more reference to @p spec (thread-safe) and returns it; each
 * reference is dropped by one portspec_spec_free().  For holders that
 * outlive the code that loaded the spec, without a copy.  NULL gives NULL.
 * @since 0.2
 */
PORTSPEC_EXPORT struct portspec_spec *portspec_spec_ref(const struct portspec_spec *spec);
/** Drops the caller's reference; policies compiled from it keep it alive.  @since 0.1 */
PORTSPEC_EXPORT void portspec_spec_free(struct portspec_spec *spec);

/**
 * Writes @p spec back out as spec text in canonical form.  Parsing the result
 * gives an equal spec.  *@p out is NUL-terminated; free it with portspec_free().
 * @since 0.1
 */
PORTSPEC_EXPORT enum portspec_status portspec_spec_to_string(const struct portspec_spec *spec,
							     char **out, size_t *len,
							     struct portspec_error *err);
/** True if the two specs describe the same services, zones and flows.  @since 0.1 */
PORTSPEC_EXPORT bool portspec_spec_equal(const struct portspec_spec *a,
					 const struct portspec_spec *b);

/** Metadata from the spec's header statements; NULL when absent.  @since 0.1 */
PORTSPEC_EXPORT const char *portspec_spec_name(const struct portspec_spec *spec);
PORTSPEC_EXPORT const char *portspec_spec_version(const struct portspec_spec *spec);
PORTSPEC_EXPORT const char *portspec_spec_source(const struct portspec_spec *spec);
/** The note attached to the "either zone" mark (the document's footnote), or NULL.  @since 0.1 */
PORTSPEC_EXPORT const char *portspec_spec_either_note(const struct portspec_spec *spec);
/** Where the spec came from, as given to the parser ("<default>" for the built-in).  @since 0.1 */
PORTSPEC_EXPORT const char *portspec_spec_filename(const struct portspec_spec *spec);

/** Services in the order the spec declares them.  @since 0.1 */
PORTSPEC_EXPORT size_t portspec_spec_service_count(const struct portspec_spec *spec);
PORTSPEC_EXPORT const struct portspec_service *portspec_spec_service(const struct portspec_spec *spec,
								     size_t index);
/** NULL if there is no service of that name.  @since 0.1 */
PORTSPEC_EXPORT const struct portspec_service *portspec_spec_find_service(const struct portspec_spec *spec,
									  const char *name);
/**
 * Iterates the services whose level is in @p levels (a mask of enum
 * portspec_level).  Start with *@p cursor = 0; returns NULL at the end.
 * @since 0.1
 */
PORTSPEC_EXPORT const struct portspec_service *portspec_spec_next_service(const struct portspec_spec *spec,
									  unsigned levels,
									  size_t *cursor);
/** The cluster services (level cluster): the ports a cluster needs.  @since 0.1 */
PORTSPEC_EXPORT const struct portspec_service *portspec_cluster_ports(const struct portspec_spec *spec,
								      size_t *cursor);

/** Zones in declaration order.  @since 0.1 */
PORTSPEC_EXPORT size_t portspec_spec_zone_count(const struct portspec_spec *spec);
PORTSPEC_EXPORT const struct portspec_zone *portspec_spec_zone(const struct portspec_spec *spec,
							       size_t index);
PORTSPEC_EXPORT const struct portspec_zone *portspec_spec_find_zone(const struct portspec_spec *spec,
								    const char *name);
PORTSPEC_EXPORT const char *portspec_zone_name(const struct portspec_zone *zone);
PORTSPEC_EXPORT const char *portspec_zone_title(const struct portspec_zone *zone);
PORTSPEC_EXPORT enum portspec_zone_kind portspec_zone_kind(const struct portspec_zone *zone);

/**
 * Interfaces the spec names (the appliance's "ETH1"), in declaration order; a handle
 * like zones and services, valid as long as the spec.  @since 0.2
 */
PORTSPEC_EXPORT size_t portspec_spec_interface_count(const struct portspec_spec *spec);
PORTSPEC_EXPORT const struct portspec_interface *
portspec_spec_interface(const struct portspec_spec *spec, size_t index);
/** NULL if the spec declares no interface of that name.  @since 0.2 */
PORTSPEC_EXPORT const struct portspec_interface *
portspec_spec_find_interface(const struct portspec_spec *spec, const char *name);
/** The interface's name as the spec declares it, e.g. "eth1".  @since 0.2 */
PORTSPEC_EXPORT const char *portspec_interface_name(const struct portspec_interface *iface);
/** The interface's title ("ETH1"), or NULL.  @since 0.2 */
PORTSPEC_EXPORT const char *portspec_interface_title(const struct portspec_interface *iface);

/** Service accessors.  Strings are NULL when the spec leaves them out.  @since 0.1 */
PORTSPEC_EXPORT const char *portspec_service_name(const struct portspec_service *svc);
PORTSPEC_EXPORT const char *portspec_service_title(const struct portspec_service *svc);
PORTSPEC_EXPORT const char *portspec_service_description(const struct portspec_service *svc);
/**
 * The caution for serving an "either zone" service from @p zone without its
 * other zones (spec attribute either-note ZONE "..."): for DNS from outside
 * only, that FQDNs of internal hosts must be set up externally.  NULL when
 * the spec gives none.
 * @since 0.2
 */
PORTSPEC_EXPORT const char *portspec_service_either_note(const struct portspec_service *svc,
							 const struct portspec_zone *zone);
/** A caution shown whenever the service is in a policy ("not required unless ..."). @since 0.1 */
PORTSPEC_EXPORT const char *portspec_service_note(const struct portspec_service *svc);
/** Conntrack helper the service needs ("ftp"), or NULL.  @since 0.1 */
PORTSPEC_EXPORT const char *portspec_service_helper(const struct portspec_service *svc);
PORTSPEC_EXPORT enum portspec_level portspec_service_level(const struct portspec_service *svc);
/** The service's port ranges, sorted by protocol then port.  @since 0.1 */
PORTSPEC_EXPORT size_t portspec_service_port_count(const struct portspec_service *svc);
/** Range @p index; false if out of range.  @since 0.1 */
PORTSPEC_EXPORT bool portspec_service_port(const struct portspec_service *svc, size_t index,
					   enum portspec_protocol *proto, unsigned *first,
					   unsigned *last);

/* ------------------------------------------------------------------------ */
/** @name Profiles
 * A profile starts as the spec's default: every optional service on, every
 * "either zone" service served from both zones, role standalone, and the
 * example addresses of portspec-profile(5) (documentation ranges) until the
 * caller sets its own.  The default profile reproduces the spec's matrix.
 */

/** A new default profile for @p spec.  The profile keeps the spec alive.  @since 0.1 */
PORTSPEC_EXPORT enum portspec_status portspec_profile_new(const struct portspec_spec *spec,
							  struct portspec_profile **out,
							  struct portspec_error *err);
PORTSPEC_EXPORT void portspec_profile_free(struct portspec_profile *profile);

/**
 * Sets one profile key, as in portspec-profile(5) and `portspec --set`:
 * "enable", "disable", "required-only", "dns", "ntp" (and any "either zone"
 * service by name), "role", "interface", "appliance", "inside" (and any
 * networks zone by name), "cluster-peer" (and any peers zone by name),
 * "<zone>-interface", "appliance-interface", "server", "client", "ping",
 * "log".  Spaces around the key and the value are ignored.  Repeatable keys
 * add; the first address the profile is given (appliance, a zone, a peer, a
 * server or a client) ends the example addresses everywhere.  An unknown
 * key, service or zone, or a bad value, is PORTSPEC_E_UNKNOWN or
 * PORTSPEC_E_PROFILE with the reason in @p err.
 * @since 0.1
 */
PORTSPEC_EXPORT enum portspec_status portspec_profile_set(struct portspec_profile *profile,
							  const char *key, const char *value,
							  struct portspec_error *err);
/**
 * Applies a profile file's text (portspec-profile(5): "key = value" lines,
 * # comments).  Errors carry @p filename, line and column.
 * @since 0.1
 */
PORTSPEC_EXPORT enum portspec_status portspec_profile_parse(struct portspec_profile *profile,
							    const char *text, size_t len,
							    const char *filename,
							    struct portspec_error *err);
PORTSPEC_EXPORT enum portspec_status portspec_profile_load(struct portspec_profile *profile,
							   const char *path,
							   struct portspec_error *err);
/** Writes the effective profile as profile-file text; free with portspec_free().  @since 0.1 */
PORTSPEC_EXPORT enum portspec_status portspec_profile_to_string(const struct portspec_profile *profile,
								char **out, size_t *len,
								struct portspec_error *err);

/** Typed setters; each is the same as the matching portspec_profile_set() key.  @since 0.1 */
PORTSPEC_EXPORT enum portspec_status portspec_profile_enable(struct portspec_profile *profile,
							     const char *service, bool on,
							     struct portspec_error *err);
/**
 * Turns every optional service off that the profile does not enable by name
 * (key required-only=true; cluster services follow the role).  enable= and
 * disable= settings win over it whatever their order.
 * @since 0.1
 */
PORTSPEC_EXPORT enum portspec_status portspec_profile_required_only(struct portspec_profile *profile,
								   struct portspec_error *err);
PORTSPEC_EXPORT enum portspec_status portspec_profile_set_role(struct portspec_profile *profile,
							       enum portspec_role role,
							       struct portspec_error *err);

/** Profile accessors, for backends and for showing the effective profile.  @since 0.1 */
PORTSPEC_EXPORT const struct portspec_spec *portspec_profile_spec(const struct portspec_profile *profile);
PORTSPEC_EXPORT enum portspec_role portspec_profile_role(const struct portspec_profile *profile);
PORTSPEC_EXPORT bool portspec_profile_enabled(const struct portspec_profile *profile,
					      const struct portspec_service *svc);
/** The appliance's default interface for host rules (key interface=NAME); NULL: any.  @since 0.1 */
PORTSPEC_EXPORT const char *portspec_profile_interface(const struct portspec_profile *profile);
/**
 * Host rules: the appliance's interface that faces @p zone (interface=ZONE:NAME,
 * else interface=NAME); NULL: any interface.  @p zone NULL gives the default.
 * @since 0.2
 */
PORTSPEC_EXPORT const char *portspec_profile_host_interface(const struct portspec_profile *profile,
							    const struct portspec_zone *zone);
/**
 * Gateway rules: the firewall's interface that faces @p zone (key ZONE-interface),
 * or with @p zone NULL the one that faces the appliance (appliance-interface);
 * NULL: matched by address only.
 * @since 0.2
 */
PORTSPEC_EXPORT const char *portspec_profile_gateway_interface(const struct portspec_profile *profile,
							       const struct portspec_zone *zone);
/**
 * Whether an "either zone" service is served from @p zone (profile keys
 * dns=, ntp=, ...).  For other services: true; false for a zone of another spec.
 * @since 0.2
 */
PORTSPEC_EXPORT bool portspec_profile_served_from(const struct portspec_profile *profile,
						  const struct portspec_service *svc,
						  const struct portspec_zone *zone);
/** Server addresses the profile gives for a service (key server=SERVICE:ADDRESS).  @since 0.1 */
PORTSPEC_EXPORT size_t portspec_profile_server_count(const struct portspec_profile *profile,
						     const struct portspec_service *svc);
PORTSPEC_EXPORT const struct portspec_cidr *portspec_profile_server(const struct portspec_profile *profile,
								    const struct portspec_service *svc,
								    size_t index);
/**
 * Addresses that narrow the inbound flows of a service to those sources
 * (key client=SERVICE:ADDRESS).
 * @since 0.2
 */
PORTSPEC_EXPORT size_t portspec_profile_client_count(const struct portspec_profile *profile,
						     const struct portspec_service *svc);
PORTSPEC_EXPORT const struct portspec_cidr *portspec_profile_client(const struct portspec_profile *profile,
								    const struct portspec_service *svc,
								    size_t index);
/** Whether echo requests from @p zone reach the appliance (key ping=ZONE,...).  @since 0.2 */
PORTSPEC_EXPORT bool portspec_profile_ping(const struct portspec_profile *profile,
					   const struct portspec_zone *zone);
/** Whether complete rulesets log what they drop (key log=drops).  @since 0.2 */
PORTSPEC_EXPORT bool portspec_profile_logs_drops(const struct portspec_profile *profile);
/**
 * Whether the profile's addresses are still the documentation examples:
 * true until the first address is set, then false for good.
 * @since 0.1
 */
PORTSPEC_EXPORT bool portspec_profile_uses_examples(const struct portspec_profile *profile);

/** An address or network: family 4 or 6, 16 bytes (v4 in the first 4), prefix length.  @since 0.1 */
struct portspec_cidr {
	unsigned char family;
	unsigned char prefix;
	unsigned char addr[16];
};
/** Parses "192.0.2.0/24", "2001:db8::/32" or a bare address (full prefix).  Rejects host bits.  @since 0.1 */
PORTSPEC_EXPORT enum portspec_status portspec_cidr_parse(const char *text, struct portspec_cidr *out,
							 struct portspec_error *err);
/** Formats into @p buf (at least 50 bytes); a full-length prefix is omitted.  @since 0.1 */
PORTSPEC_EXPORT const char *portspec_cidr_format(const struct portspec_cidr *cidr, char *buf,
						 size_t size);

/** The appliance's own addresses.  @since 0.1 */
PORTSPEC_EXPORT size_t portspec_profile_appliance_count(const struct portspec_profile *profile);
PORTSPEC_EXPORT const struct portspec_cidr *portspec_profile_appliance(const struct portspec_profile *profile,
								       size_t index);
/** The addresses of a networks or peers zone (inside networks, cluster peers).  @since 0.2 */
PORTSPEC_EXPORT size_t portspec_profile_zone_address_count(const struct portspec_profile *profile,
							   const struct portspec_zone *zone);
PORTSPEC_EXPORT const struct portspec_cidr *
portspec_profile_zone_address(const struct portspec_profile *profile,
			      const struct portspec_zone *zone, size_t index);

/* ------------------------------------------------------------------------ */
/** @name Policies */

/**
 * Compiles @p spec with @p profile (NULL: the default profile) into a policy.
 * The policy copies what it needs from the profile, which may be freed or
 * changed afterwards.  Contradictions (a role that needs peers with none
 * given, a server address outside the zone it is served from) are errors.
 * @since 0.1
 */
PORTSPEC_EXPORT enum portspec_status portspec_policy_new(const struct portspec_spec *spec,
							 const struct portspec_profile *profile,
							 struct portspec_policy **out,
							 struct portspec_error *err);
PORTSPEC_EXPORT void portspec_policy_free(struct portspec_policy *policy);
PORTSPEC_EXPORT const struct portspec_spec *portspec_policy_spec(const struct portspec_policy *policy);
/** The policy's own copy of the profile it was compiled with.  @since 0.1 */
PORTSPEC_EXPORT const struct portspec_profile *portspec_policy_profile(const struct portspec_policy *policy);

/**
 * Flows, sorted by direction, zone, protocol, port and service, deduplicated.
 * One flow is one service's port range for one protocol, direction and zone.
 * @since 0.1
 */
PORTSPEC_EXPORT size_t portspec_policy_flow_count(const struct portspec_policy *policy);
PORTSPEC_EXPORT const struct portspec_flow *portspec_policy_flow(const struct portspec_policy *policy,
								 size_t index);

/**
 * Is a new connection allowed?  @p zone is a zone name of the spec,
 * @p direction relative to the appliance, @p port 1..65535 (for ICMP and
 * ICMPv6 the message type, 1..255).  Sets *@p allowed and, if @p match is
 * given, *@p match to the first flow that allows it (NULL when denied).
 * Bad arguments (an unknown zone, a port out of range, ...) are an error
 * that says which.  Finds the zone by name, then answers as
 * portspec_is_allowed_zone().  Allocates nothing.
 * @since 0.1 (status return: 0.2)
 */
PORTSPEC_EXPORT enum portspec_status portspec_is_allowed(const struct portspec_policy *policy,
							 const char *zone,
							 enum portspec_direction direction,
							 enum portspec_protocol protocol,
							 unsigned port, bool *allowed,
							 const struct portspec_flow **match,
							 struct portspec_error *err);

/**
 * portspec_is_allowed() for a zone handle of the policy's spec
 * (portspec_spec_zone(), portspec_spec_find_zone(), portspec_flow_zone()):
 * two table lookups, whatever the size of the policy, no string compared,
 * nothing allocated.  A zone of another spec is PORTSPEC_E_UNKNOWN.
 * @since 0.2
 */
PORTSPEC_EXPORT enum portspec_status
portspec_is_allowed_zone(const struct portspec_policy *policy, const struct portspec_zone *zone,
			 enum portspec_direction direction, enum portspec_protocol protocol,
			 unsigned port, bool *allowed, const struct portspec_flow **match,
			 struct portspec_error *err);

/**
 * Iterates the flows that match a filter: @p levels is a mask of enum
 * portspec_level, @p zone NULL for any (a zone of another spec matches none),
 * direction/protocol 0 for any.  Start with *@p cursor = 0; returns NULL at the end.
 * @since 0.2
 */
PORTSPEC_EXPORT const struct portspec_flow *portspec_policy_find(const struct portspec_policy *policy,
								 unsigned levels,
								 const struct portspec_zone *zone,
								 enum portspec_direction direction,
								 enum portspec_protocol protocol,
								 size_t *cursor);
/** The required flows (list_required).  @since 0.1 */
PORTSPEC_EXPORT const struct portspec_flow *portspec_list_required(const struct portspec_policy *policy,
								   size_t *cursor);

/**
 * Warnings the spec attaches to this policy: the "either zone" note when such
 * a service is served from one zone only, service notes of enabled services.
 * @since 0.1
 */
PORTSPEC_EXPORT size_t portspec_policy_warning_count(const struct portspec_policy *policy);
PORTSPEC_EXPORT const char *portspec_policy_warning(const struct portspec_policy *policy,
						    size_t index);

/**
 * What a warning is about.  The values and their names
 * (portspec_warning_kind_name()) are stable, so that programs can filter
 * on them; the texts are for people and may change.
 * @since 0.2
 */
enum portspec_warning_kind {
	/** note: the spec's caution for a service of the policy ("ssh: Not required unless ...") */
	PORTSPEC_WARNING_SERVICE_NOTE = 1,
	/** note: the spec's caution for an "either zone" service that the profile serves from
	 *  this zone and not from all of them (DNS from outside only: FQDNs of internal hosts
	 *  must be set up externally) */
	PORTSPEC_WARNING_ZONE_NOTE = 2,
	/** warning: a networks zone covers every address of a family, so the complement zone
	 *  has none and its flows of that family can never match */
	PORTSPEC_WARNING_ZONE_COVERS_FAMILY = 3,
	/** warning: a flow that gets no rule at all in a mode, so no packet of it is allowed */
	PORTSPEC_WARNING_NO_RULE = 4,
	/** warning: profile keys that a mode does not use (gateway interfaces in host mode) */
	PORTSPEC_WARNING_UNUSED_KEY = 5,
};

/** The kind of warning @p index of the policy; 0 if out of range.  @since 0.2 */
PORTSPEC_EXPORT enum portspec_warning_kind portspec_policy_warning_kind(const struct portspec_policy *policy,
									 size_t index);
/** "service-note", "zone-note", "zone-covers-family", "no-rule", "unused-key"; NULL if out
 *  of range.  @since 0.2 */
PORTSPEC_EXPORT const char *portspec_warning_kind_name(enum portspec_warning_kind kind);
/**
 * Whether warnings of @p kind are notes: the vendor's cautions, shown for
 * information (portspec --quiet=notes hides them), as opposed to warnings
 * that the policy may not do what the site meant.
 * @since 0.2
 */
PORTSPEC_EXPORT bool portspec_warning_kind_is_note(enum portspec_warning_kind kind);

/** Flow accessors.  @since 0.1 */
PORTSPEC_EXPORT const struct portspec_service *portspec_flow_service(const struct portspec_flow *flow);
PORTSPEC_EXPORT enum portspec_protocol portspec_flow_protocol(const struct portspec_flow *flow);
PORTSPEC_EXPORT unsigned portspec_flow_port_first(const struct portspec_flow *flow);
PORTSPEC_EXPORT unsigned portspec_flow_port_last(const struct portspec_flow *flow);
PORTSPEC_EXPORT enum portspec_direction portspec_flow_direction(const struct portspec_flow *flow);
PORTSPEC_EXPORT const struct portspec_zone *portspec_flow_zone(const struct portspec_flow *flow);
PORTSPEC_EXPORT enum portspec_level portspec_flow_level(const struct portspec_flow *flow);
/** The spec interface the flow uses on the appliance ("eth1"), or NULL.  @since 0.2 */
PORTSPEC_EXPORT const struct portspec_interface *
portspec_flow_interface(const struct portspec_flow *flow);
/** True if the spec marks the service "servable from either zone" in this flow.  @since 0.1 */
PORTSPEC_EXPORT bool portspec_flow_either(const struct portspec_flow *flow);
/**
 * Concrete peer addresses that narrow the flow (profile key "server" for
 * outbound flows, "client" for inbound ones); 0 means the whole zone.
 * @since 0.1
 */
PORTSPEC_EXPORT size_t portspec_flow_address_count(const struct portspec_flow *flow);
PORTSPEC_EXPORT const struct portspec_cidr *portspec_flow_address(const struct portspec_flow *flow,
								  size_t index);

/* ------------------------------------------------------------------------ */
/** @name Rule plans
 * A policy is compiled, once, into a **plan** for each mode: the packets a
 * firewall must let through, as an ordered list of fully resolved entries.
 * Every rule backend only formats the plan, and the queries by address read
 * it, so they cannot disagree about which packets a zone means.  A plan
 * belongs to its policy (it lives as long as the policy and is never freed
 * by the caller), is immutable, and may be read from many threads.
 *
 * Entries and their arrays are read-only structs the library allocates.
 * Fields are only ever added at the end: reach entries through
 * portspec_plan_entry(), never copy, allocate or index arrays of them.
 */

/** Where rules are enforced.  @since 0.1 */
enum portspec_mode {
	PORTSPEC_MODE_HOST = 1,    /**< on the appliance itself (INPUT/OUTPUT) */
	PORTSPEC_MODE_GATEWAY = 2, /**< on a firewall between the zones and the appliance */
};

/** The netfilter hook (pf direction, Windows rule direction) an entry applies at.  @since 0.2 */
enum portspec_hook {
	PORTSPEC_HOOK_INPUT = 1,   /**< packets to the host itself (host mode, inbound) */
	PORTSPEC_HOOK_OUTPUT = 2,  /**< packets from the host itself (host mode, outbound) */
	PORTSPEC_HOOK_FORWARD = 3, /**< packets through a gateway (gateway mode) */
};

/** What an entry admits.  @since 0.2 */
enum portspec_entry_kind {
	PORTSPEC_ENTRY_FLOW = 1,      /**< new connections of the policy's flows */
	PORTSPEC_ENTRY_LOOPBACK = 2,  /**< baseline: all traffic on the loopback interface */
	PORTSPEC_ENTRY_ESTABLISHED = 3, /**< baseline: replies and related connections (conntrack) */
	/** baseline: IPv6 neighbour and router discovery (ICMPv6 types 133 to 136 with hop
	 *  limit 255), which connection tracking does not follow */
	PORTSPEC_ENTRY_NEIGHBOR_DISCOVERY = 4,
};

/** How an address set matches.  @since 0.2 */
enum portspec_addr_match {
	PORTSPEC_ADDR_ANY = 0,    /**< every address of the family */
	PORTSPEC_ADDR_IN = 1,     /**< the addresses listed */
	PORTSPEC_ADDR_NOT_IN = 2, /**< every address of the family not listed */
};

/** An inclusive range of addresses of one family (v4 in the first 4 bytes).  @since 0.2 */
struct portspec_addr_range {
	unsigned char family; /**< 4 or 6 */
	unsigned char first[16];
	unsigned char last[16];
};

/**
 * A normalized address set of one family.  The listed addresses are given
 * twice, as ranges (sorted, disjoint, never adjacent: nested and adjacent
 * networks are folded) and as the fewest CIDRs that cover exactly them; for
 * PORTSPEC_ADDR_NOT_IN they are the addresses excluded.  @c matched is what
 * the set matches, as ranges, for targets that cannot negate.  A set in a
 * plan entry is never empty.
 * @since 0.2
 */
struct portspec_addrset {
	enum portspec_addr_match match;
	unsigned family; /**< 4 or 6 */
	size_t range_count;
	const struct portspec_addr_range *ranges;
	size_t cidr_count;
	const struct portspec_cidr *cidrs;
	size_t matched_count;
	const struct portspec_addr_range *matched;
	/** A name for the set in rules and comments: the zone it is ("inside"), for
	 *  PORTSPEC_ADDR_NOT_IN the networks zone it excludes (or "networks" when it
	 *  excludes several), "appliance" for the appliance's addresses; NULL for
	 *  addresses that narrow a flow and for PORTSPEC_ADDR_ANY.  Two sets with the
	 *  same label may still differ (a zone named like one of these): compare
	 *  their ranges. */
	const char *label;
};

/** A destination port range of an entry and the policy flows it serves.  @since 0.2 */
struct portspec_plan_port {
	unsigned first;
	unsigned last;
	size_t flow_count;
	const struct portspec_flow *const *flows;
};

/**
 * One resolved match.  A FLOW entry accepts the new connections at @c hook
 * of @c family and @c protocol whose remote address is in @c remote, local
 * address in @c local, destination port in @c ports, arriving on @c iif and
 * leaving on @c oif (NULL: any interface).  The remote side is the source of
 * an inbound connection and the destination of an outbound one.
 * @since 0.2
 */
struct portspec_plan_entry {
	enum portspec_entry_kind kind;
	/** A baseline entry that only a complete ruleset has; a fragment leaves it
	 *  to the ruleset it joins. */
	bool complete_only;
	enum portspec_hook hook;
	enum portspec_direction direction; /**< FLOW: inbound or outbound; else PORTSPEC_DIR_ANY */
	unsigned family;                   /**< 4 or 6 */
	enum portspec_protocol protocol;   /**< FLOW: tcp or udp; else PORTSPEC_PROTO_ANY */
	size_t port_count;                 /**< 0 for baseline entries */
	const struct portspec_plan_port *ports; /**< sorted, disjoint */
	struct portspec_addrset remote; /**< the zone's side */
	/** The appliance's side: PORTSPEC_ADDR_ANY in host mode (the host itself),
	 *  the appliance's addresses in gateway mode. */
	struct portspec_addrset local;
	const char *iif; /**< input interface, or NULL */
	const char *oif; /**< output interface, or NULL */
	const char *helper; /**< conntrack helper the connections get ("ftp"), or NULL */
	const struct portspec_zone *zone; /**< FLOW: the zone; else NULL */
	/**
	 * ICMP: the message types (any code) as sorted, disjoint ranges, each
	 * with the flows it serves.  FLOW entries of protocol PORTSPEC_ICMP
	 * (family 4) or PORTSPEC_ICMPV6 (family 6) admit them (their port_count
	 * is 0); ESTABLISHED entries name the ICMP errors that pass as related
	 * to a connection (IPv4: 3 destination unreachable, fragmentation needed
	 * included, 11 time exceeded, 12 parameter problem; IPv6: 1 to 4, packet
	 * too big included), with no flows, for targets that cannot relate them
	 * to a connection and admit them by type.  0 and NULL otherwise.
	 * @since 0.2
	 */
	size_t icmp_type_count;
	const struct portspec_plan_port *icmp_types;
};

/**
 * The plan of @p policy for @p mode.  Never NULL for a valid policy and
 * mode; it belongs to the policy.
 * @since 0.2
 */
PORTSPEC_EXPORT const struct portspec_plan *portspec_policy_plan(const struct portspec_policy *policy,
								 enum portspec_mode mode);
PORTSPEC_EXPORT enum portspec_mode portspec_plan_mode(const struct portspec_plan *plan);
PORTSPEC_EXPORT const struct portspec_policy *portspec_plan_policy(const struct portspec_plan *plan);
/** Entries in a stable order: baseline first, then the flows.  @since 0.2 */
PORTSPEC_EXPORT size_t portspec_plan_entry_count(const struct portspec_plan *plan);
PORTSPEC_EXPORT const struct portspec_plan_entry *portspec_plan_entry(const struct portspec_plan *plan,
								      size_t index);
/**
 * What a complete ruleset does with a packet at @p hook that no entry
 * accepts: true = drop, false = accept (the hook is left alone; in gateway
 * mode the firewall's own traffic is not part of the policy).
 * @since 0.2
 */
PORTSPEC_EXPORT bool portspec_plan_hook_drops(const struct portspec_plan *plan,
					      enum portspec_hook hook);
/**
 * Logging of what a complete ruleset drops (profile key log=drops): at most
 * PORTSPEC_LOG_PER_MINUTE log lines a minute per hook, after a burst of
 * PORTSPEC_LOG_BURST, where the target can limit them.
 * @since 0.2
 */
#define PORTSPEC_LOG_PER_MINUTE 10
#define PORTSPEC_LOG_BURST 5
/**
 * Whether a complete ruleset logs the packets @p hook drops, and how: the
 * prefix of its log lines ("portspec drop input: ") where the target has
 * prefixes; NULL when it logs nothing (log=none, the default, or a hook
 * that drops nothing).  Fragments drop nothing and log nothing.
 * @since 0.2
 */
PORTSPEC_EXPORT const char *portspec_plan_log_prefix(const struct portspec_plan *plan,
						     enum portspec_hook hook);
/**
 * Warnings for this plan: the policy's warnings, then the mode's own (keys
 * this mode does not use, flows that match no packet in this mode).
 * @since 0.2
 */
PORTSPEC_EXPORT size_t portspec_plan_warning_count(const struct portspec_plan *plan);
PORTSPEC_EXPORT const char *portspec_plan_warning(const struct portspec_plan *plan, size_t index);
/** The kind of the plan's warning @p index; 0 if out of range.  @since 0.2 */
PORTSPEC_EXPORT enum portspec_warning_kind portspec_plan_warning_kind(const struct portspec_plan *plan,
								       size_t index);

/** Names: "input", "output", "forward"; "flow", "loopback", "established",
 *  "neighbor-discovery"; "any", "in", "not-in".  NULL if out of range.  @since 0.2 */
PORTSPEC_EXPORT const char *portspec_hook_name(enum portspec_hook hook);
PORTSPEC_EXPORT const char *portspec_entry_kind_name(enum portspec_entry_kind kind);
PORTSPEC_EXPORT const char *portspec_addr_match_name(enum portspec_addr_match match);
/** Whether @p set contains the address @p addr (a full-length prefix).  @since 0.2 */
PORTSPEC_EXPORT bool portspec_addrset_contains(const struct portspec_addrset *set,
					       const struct portspec_cidr *addr);
/** Formats an address (no prefix) of @p family into @p buf (at least 46 bytes).  @since 0.2 */
PORTSPEC_EXPORT const char *portspec_addr_format(unsigned family, const unsigned char *addr,
						 char *buf, size_t size);

/**
 * A new connection to ask a plan about.  Zero-initialize it and set the
 * fields; fields are only ever added at the end, with zero meaning what it
 * means today.
 * @since 0.2
 */
struct portspec_connection {
	enum portspec_direction direction; /**< inbound: the remote side opens it to the appliance */
	/** The remote address (full-length prefix).  Family 0: ask about @c zone instead. */
	struct portspec_cidr remote;
	/** With no remote address: a zone of the spec (any address in it). */
	const struct portspec_zone *zone;
	enum portspec_protocol protocol;
	unsigned port; /**< the destination port, 1..65535 */
	/** The interface on the remote side (host mode: the appliance's interface; gateway mode:
	 *  the firewall's interface facing the remote), or NULL for the one the plan expects. */
	const char *interface;
};

/**
 * Is the new connection @p conn allowed by @p plan?  Sets *@p allowed and,
 * if @p entry is given, *@p entry to the FLOW entry that allows it (NULL when
 * denied).  With @c conn->zone and no address, answers for the zone (as
 * portspec_is_allowed() does) and sets no entry.  Allocates nothing.
 * @since 0.2
 */
PORTSPEC_EXPORT enum portspec_status portspec_plan_check(const struct portspec_plan *plan,
							 const struct portspec_connection *conn,
							 bool *allowed,
							 const struct portspec_plan_entry **entry,
							 struct portspec_error *err);

/** A profile change that would allow a denied connection.  @since 0.2 */
struct portspec_change {
	/** One setting as for --set ("enable=snmp", "server=dns:10.0.0.9"), or two that are
	 *  needed together, separated by a space ("dns=all server=dns:8.8.8.8"). */
	const char *setting;
	const char *reason;  /**< why it is denied without it: "snmp is turned off in this profile" */
};

/**
 * Why a connection is allowed or denied, and what would change it.
 * @c reason is one line.  Free with portspec_explanation_free().
 * @since 0.2
 */
struct portspec_explanation {
	bool allowed;
	const struct portspec_plan_entry *entry; /**< the entry that allows it, or NULL */
	const struct portspec_flow *flow;        /**< its flow for the port, or NULL */
	/** The zones the remote address is in (or the zone asked about), as a mask of zone
	 *  indexes (bit = index in portspec_spec_zone()). */
	unsigned long zones;
	const char *reason;
	size_t change_count;
	const struct portspec_change *changes;
};

/**
 * Explains @p conn against @p plan.  For a denied connection it tries the
 * profile changes that could allow it (turning a service on, serving it from
 * another zone, another cluster role, another server or client address) by
 * compiling the changed policy, and lists those that do.
 * @since 0.2
 */
PORTSPEC_EXPORT enum portspec_status portspec_plan_explain(const struct portspec_plan *plan,
							   const struct portspec_connection *conn,
							   struct portspec_explanation **out,
							   struct portspec_error *err);
PORTSPEC_EXPORT void portspec_explanation_free(struct portspec_explanation *explanation);

/* ------------------------------------------------------------------------ */
/** @name Rendering */

/** Rendering flags.  @since 0.1 */
enum portspec_render_flags {
	/** A fragment (named chain, anchor, rule group) instead of a complete ruleset. */
	PORTSPEC_RENDER_FRAGMENT = 1u << 0,
};

/**
 * How to render.  Start from all zeros (`struct portspec_render_options o =
 * {0};`, or PORTSPEC_RENDER_OPTIONS_INIT) and set what you need: a NULL
 * options pointer and an all-zero struct both mean host mode, a complete
 * ruleset, and the name "portspec".  The reserved members must stay zero;
 * later releases give them meanings whose zero value is today's behaviour,
 * so code written now keeps working.
 * @since 0.2
 */
struct portspec_render_options {
	enum portspec_mode mode; /**< PORTSPEC_MODE_HOST or _GATEWAY; 0: host */
	unsigned flags;          /**< enum portspec_render_flags */
	/** Names the fragment (chain, anchor or rule group); NULL: "portspec". */
	const char *name;
	void *reserved[4]; /**< must be NULL */
};

/** The all-zero, default render options.  @since 0.2 */
#define PORTSPEC_RENDER_OPTIONS_INIT {(enum portspec_mode)0, 0u, NULL, {NULL, NULL, NULL, NULL}}

/** Receives rendered text; return 0 to go on, non-zero to stop with PORTSPEC_E_IO.  @since 0.1 */
typedef int (*portspec_sink_fn)(void *userdata, const char *data, size_t len);

/**
 * Renders @p policy for the backend called @p backend with @p options (NULL:
 * the defaults).  The text is built whole first and handed to @p sink only
 * on success, so a failed render writes nothing.
 * @since 0.2
 */
PORTSPEC_EXPORT enum portspec_status portspec_render(const struct portspec_policy *policy,
						     const char *backend,
						     const struct portspec_render_options *options,
						     portspec_sink_fn sink, void *userdata,
						     struct portspec_error *err);
/** portspec_render() into a new NUL-terminated string; free with portspec_free().  @since 0.2 */
PORTSPEC_EXPORT enum portspec_status
portspec_render_to_string(const struct portspec_policy *policy, const char *backend,
			  const struct portspec_render_options *options, char **out, size_t *len,
			  struct portspec_error *err);
/** portspec_render() onto a stdio stream.  @since 0.2 */
PORTSPEC_EXPORT enum portspec_status
portspec_render_to_file(const struct portspec_policy *policy, const char *backend,
			const struct portspec_render_options *options, FILE *fp,
			struct portspec_error *err);

/** What a backend writes.  @since 0.2 */
enum portspec_backend_kind {
	PORTSPEC_BACKEND_RULES = 1,    /**< firewall rules: formats the rule plan */
	PORTSPEC_BACKEND_DOCUMENT = 2, /**< a document of the policy for people */
};

/** The backends, in a stable order.  @since 0.1 */
PORTSPEC_EXPORT size_t portspec_backend_count(void);
PORTSPEC_EXPORT const char *portspec_backend_name(size_t index);
/** One line on what it renders.  NULL if @p backend is unknown.  @since 0.1 */
PORTSPEC_EXPORT const char *portspec_backend_description(const char *backend);
/** Mask of enum portspec_mode the backend supports; 0 if unknown.  @since 0.1 */
PORTSPEC_EXPORT unsigned portspec_backend_modes(const char *backend);
/** Rules or a document; 0 if @p backend is unknown.  @since 0.2 */
PORTSPEC_EXPORT enum portspec_backend_kind portspec_backend_kind(const char *backend);
/** "rules", "document"; NULL if out of range.  @since 0.2 */
PORTSPEC_EXPORT const char *portspec_backend_kind_name(enum portspec_backend_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* PORTSPEC_PORTSPEC_H */
