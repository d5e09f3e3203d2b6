/* SPDX-License-Identifier: MIT */
/**
 * @file audit.h
 * @brief libportspec-audit: read an existing firewall ruleset and say what
 *        it does to new connections.
 *
 * The other direction of libportspec's pipeline:
 *
 *     ruleset text --read--> ruleset --> packet classes --> trace, diff, matrix, audit
 *
 * - A **ruleset** (struct portspec_ruleset) is one or more firewall
 *   configurations read into one model: `iptables-save` and
 *   `ip6tables-save` output, `nft -j list ruleset` output and pf.conf.
 *   Every reader is a real parser: input it cannot read is an error with
 *   file, line and column, never a guess.
 * - The analysis splits the packets a hook sees into **classes**: the
 *   addresses, protocols, ports, interfaces and connection states that the
 *   ruleset (and the question asked) tell apart.  Every class gets one
 *   verdict, and the rules that decide it.  A match no reader models makes
 *   the verdicts it touches PORTSPEC_VERDICT_INDETERMINATE, naming the rule;
 *   it is never taken as true or false.
 * - Results (struct portspec_ruleset_trace, struct portspec_ruleset_diff, struct
 *   portspec_matrix, struct portspec_audit) are immutable objects with a few
 *   accessors; portspec_*_write() renders them as text or as JSON (the JSON
 *   is documented by docs/portspec-audit.schema.json).
 *
 * Conventions are those of portspec.h: opaque handles from `_new` functions
 * (or from the analysis functions), freed with the matching `_free`
 * (`_free(NULL)` does nothing); functions that can fail return an enum
 * portspec_status and fill an optional struct portspec_error.  A ruleset may
 * be analysed from many threads at once once it is read.  This library
 * allocates with malloc(); portspec_set_allocator() does not reach it, and
 * no memory of it is ever handed to the caller (text goes to a sink).
 *
 * Link with `pkg-config --libs libportspec-audit`.
 */
#ifndef PORTSPEC_AUDIT_H
#define PORTSPEC_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include <portspec/portspec.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PORTSPEC_AUDIT_BUILDING) && defined(__GNUC__)
#define PORTSPEC_AUDIT_EXPORT __attribute__((visibility("default")))
#else
#define PORTSPEC_AUDIT_EXPORT
#endif

/** What a ruleset file is.  @since 0.2 */
enum portspec_ruleset_format {
	PORTSPEC_RULESET_AUTO = 0,      /**< decide from the text (see portspec_ruleset_parse()) */
	PORTSPEC_RULESET_IPTABLES = 1,  /**< iptables-save output: IPv4 */
	PORTSPEC_RULESET_IP6TABLES = 2, /**< ip6tables-save output: IPv6 */
	PORTSPEC_RULESET_NFT_JSON = 3,  /**< `nft -j list ruleset` output (libnftables-json(5)) */
	PORTSPEC_RULESET_PF = 4,        /**< OpenBSD pf.conf(5) */
};

/** "iptables", "ip6tables", "nft-json", "pf" ("auto" for 0); NULL if out of range.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT const char *portspec_ruleset_format_name(enum portspec_ruleset_format f);
/** The reverse; -1 if @p name is not a format.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT int portspec_ruleset_format_from_name(const char *name);

/** What a ruleset does with a packet (or a class of packets).  @since 0.2 */
enum portspec_verdict {
	PORTSPEC_VERDICT_ACCEPT = 1,
	PORTSPEC_VERDICT_DROP = 2,
	PORTSPEC_VERDICT_REJECT = 3,        /**< dropped with an error sent back */
	PORTSPEC_VERDICT_DENY = 4,          /**< dropped or rejected: which one depends on a match
					       the readers do not model */
	PORTSPEC_VERDICT_INDETERMINATE = 5, /**< depends on a match or target the readers do not
					       model, or on a field the question left open */
};

/** "accept", "drop", "reject", "deny", "indeterminate"; NULL if out of range.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT const char *portspec_ruleset_verdict_name(enum portspec_verdict v);

/** The output formats of the _write functions.  @since 0.2 */
enum portspec_audit_format {
	PORTSPEC_AUDIT_TEXT = 1, /**< for people: one finding per line */
	PORTSPEC_AUDIT_JSON = 2, /**< docs/portspec-audit.schema.json */
};

/* ------------------------------------------------------------------------ */
/** @name Rulesets */

struct portspec_ruleset;

/** A new, empty ruleset: it accepts everything (no table, no rule).  @since 0.2 */
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_new(struct portspec_ruleset **out);
PORTSPEC_AUDIT_EXPORT void portspec_ruleset_free(struct portspec_ruleset *rs);

/**
 * Reads one ruleset file's text into @p rs.  @p filename names it in errors
 * and in the rules' locations (NULL: "<string>").  With
 * PORTSPEC_RULESET_AUTO the text decides: a JSON object is nft JSON, a
 * `*table` line is iptables-save output (IPv6 when its header says
 * ip6tables-save or its rules use IPv6 addresses or ICMPv6, IPv4 otherwise),
 * anything else is pf.conf.  Several files make one ruleset: a packet
 * passes only if every one of them lets it through (as iptables, ip6tables
 * and nftables tables do in one kernel).  On error (PORTSPEC_E_PARSE with
 * file, line and column; PORTSPEC_E_LIMIT; PORTSPEC_E_UNSUPPORTED for nft
 * JSON without the nft-json feature) @p rs is left as it was.
 * @since 0.2
 */
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_parse(struct portspec_ruleset *rs,
								  enum portspec_ruleset_format format,
								  const char *text, size_t len,
								  const char *filename,
								  struct portspec_error *err);
/** Reads the ruleset file at @p path ("-" is not special).  PORTSPEC_E_IO if it cannot be read.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_load(struct portspec_ruleset *rs,
								 enum portspec_ruleset_format format,
								 const char *path,
								 struct portspec_error *err);

/**
 * Tells the analysis the host's own addresses, for address-type matches
 * (iptables `-m addrtype`, nft `fib ... type`): @p addr is one address with
 * the prefix of its network (192.0.2.10/24 also makes 192.0.2.255 a
 * broadcast address).  Once one address of a family is given, the list is
 * taken as complete for that family; without any, only what the hook
 * implies is known (packets at input are to a local address, at output from
 * one) and other address-type matches are indeterminate.
 * @since 0.2
 */
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_add_host_address(struct portspec_ruleset *rs,
									     const char *addr,
									     struct portspec_error *err);

/** The families the files cover: bit 0 IPv4, bit 1 IPv6 (nft and pf files cover both).  @since 0.2 */
PORTSPEC_AUDIT_EXPORT unsigned portspec_ruleset_families(const struct portspec_ruleset *rs);
/** Rules read (vmaps and multi-statement nft rules may count more than once).  @since 0.2 */
PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_rule_count(const struct portspec_ruleset *rs);
/** Chains read, base and user.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_chain_count(const struct portspec_ruleset *rs);
/**
 * What the readers noticed and the analysis should not be read without: a
 * family assumed, a table managed by another tool, a set whose contents
 * change at run time.  One line each.
 * @since 0.2
 */
PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_note_count(const struct portspec_ruleset *rs);
PORTSPEC_AUDIT_EXPORT const char *portspec_ruleset_note(const struct portspec_ruleset *rs,
							size_t index);

/* ------------------------------------------------------------------------ */
/** @name Trace: one connection (or a class of them) */

/**
 * A question for portspec_ruleset_trace(): new connections at one hook.
 * Zero it, set `size` to sizeof(struct portspec_packet), then the fields;
 * what is left NULL or 0 means "every value", and the trace then says how
 * the verdict depends on it.  Fields are only ever added at the end.
 * @since 0.2
 */
struct portspec_packet {
	size_t size;                      /**< sizeof(struct portspec_packet) */
	enum portspec_hook hook;
	unsigned family;                  /**< 4 or 6; 0: from the addresses */
	enum portspec_protocol protocol;  /**< PORTSPEC_TCP or PORTSPEC_UDP */
	const char *src;                  /**< address or CIDR; NULL: every address */
	const char *dst;
	unsigned sport_first, sport_last; /**< 0, 0: every port; last 0: first only */
	unsigned dport_first, dport_last;
	const char *iif;                  /**< input interface; NULL: any (output: none) */
	const char *oif;                  /**< output interface; NULL: any (input: none) */
};

struct portspec_ruleset_trace;

/**
 * Traces new connections through @p rs: the first packet at the packet's
 * hook, the connection's later packets there, and the replies at the hook
 * they pass (output for input, input for output, forward for forward, on
 * the interfaces the request came in and went out).  A connection is
 * accepted when all three pass.  PORTSPEC_E_INVALID for a bad question
 * (with the reason in @p err).
 * @since 0.2
 */
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_trace(const struct portspec_ruleset *rs,
								  const struct portspec_packet *packet,
								  struct portspec_ruleset_trace **out,
								  struct portspec_error *err);
PORTSPEC_AUDIT_EXPORT void portspec_ruleset_trace_free(struct portspec_ruleset_trace *trace);
/**
 * The verdict of the connection: the one of every class when all classes
 * agree, PORTSPEC_VERDICT_INDETERMINATE when they do not (the question left
 * a field open that the verdict depends on) or when a class is.
 * @since 0.2
 */
PORTSPEC_AUDIT_EXPORT enum portspec_verdict portspec_ruleset_trace_verdict(const struct portspec_ruleset_trace *trace);
/** The classes the question falls into (1 for a fully given connection with no unknown match).  @since 0.2 */
PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_trace_class_count(const struct portspec_ruleset_trace *trace);
PORTSPEC_AUDIT_EXPORT enum portspec_verdict portspec_ruleset_trace_class_verdict(const struct portspec_ruleset_trace *trace,
									 size_t index);
/** Renders the trace: the verdict, each class, the rules on its way.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_trace_write(const struct portspec_ruleset_trace *trace,
								enum portspec_audit_format format,
								portspec_sink_fn sink, void *userdata);

/* ------------------------------------------------------------------------ */
/** @name Diff: what one ruleset accepts and the other does not */

struct portspec_ruleset_diff;

/**
 * The semantic difference of two rulesets at every hook, for every family
 * either covers, every protocol and connection state: the classes one
 * accepts and the other does not, with the rules on both sides.
 * @since 0.2
 */
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_diff(const struct portspec_ruleset *a,
								 const struct portspec_ruleset *b,
								 struct portspec_ruleset_diff **out,
								 struct portspec_error *err);
PORTSPEC_AUDIT_EXPORT void portspec_ruleset_diff_free(struct portspec_ruleset_diff *diff);
/** Classes accepted by one side only.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_diff_count(const struct portspec_ruleset_diff *diff);
/** Classes where either side is indeterminate and the other is not the same.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_diff_indeterminate_count(const struct portspec_ruleset_diff *diff);
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_diff_write(const struct portspec_ruleset_diff *diff,
							       enum portspec_audit_format format,
							       portspec_sink_fn sink, void *userdata);

/* ------------------------------------------------------------------------ */
/** @name Service matrix: who may connect to whom on one port */

/** A question for portspec_ruleset_matrix(); zero it and set `size` first.  @since 0.2 */
struct portspec_ruleset_matrix_query {
	size_t size;                     /**< sizeof(struct portspec_ruleset_matrix_query) */
	enum portspec_protocol protocol; /**< PORTSPEC_TCP or PORTSPEC_UDP */
	unsigned port;                   /**< destination port, 1..65535 */
	enum portspec_hook hook;         /**< 0: forward */
	const char *chain;               /**< evaluate this chain alone (NULL: the hook's path) */
	unsigned families;               /**< bit 0 IPv4, bit 1 IPv6; 0: what the ruleset covers */
};

struct portspec_ruleset_matrix;

/**
 * The service matrix for one port: the address space split into the
 * classes whose members are treated alike as sources and as destinations,
 * and which class may open a connection to which.  An edge means every
 * such connection is accepted, whatever the source port and interfaces;
 * pairs where only some are, or where a match is not modelled, are listed
 * apart.
 * @since 0.2
 */
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_matrix(const struct portspec_ruleset *rs,
								   const struct portspec_ruleset_matrix_query *query,
								   struct portspec_ruleset_matrix **out,
								   struct portspec_error *err);
PORTSPEC_AUDIT_EXPORT void portspec_ruleset_matrix_free(struct portspec_ruleset_matrix *matrix);
PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_matrix_class_count(const struct portspec_ruleset_matrix *matrix);
PORTSPEC_AUDIT_EXPORT size_t portspec_ruleset_matrix_edge_count(const struct portspec_ruleset_matrix *matrix);
/** Edge @p index: the class that may connect (@p from) to @p to; false if out of range.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT bool portspec_ruleset_matrix_edge(const struct portspec_ruleset_matrix *matrix, size_t index,
						size_t *from, size_t *to);
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_matrix_write(const struct portspec_ruleset_matrix *matrix,
								 enum portspec_audit_format format,
								 portspec_sink_fn sink, void *userdata);

/* ------------------------------------------------------------------------ */
/** @name Audit: an existing ruleset against the policy's plan */

/** What a ruleset does to one flow of the policy.  @since 0.2 */
enum portspec_audit_verdict {
	PORTSPEC_AUDIT_ALLOWED = 1,       /**< every connection of the flow works */
	PORTSPEC_AUDIT_PARTIAL = 2,       /**< some addresses, ports or interfaces do not */
	PORTSPEC_AUDIT_BLOCKED = 3,       /**< none works */
	PORTSPEC_AUDIT_INDETERMINATE = 4, /**< depends on a match or target not modelled */
};

/** "allowed", "partial", "blocked", "indeterminate"; NULL if out of range.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT const char *portspec_audit_verdict_name(enum portspec_audit_verdict v);

struct portspec_audit;

/**
 * Audits @p rs against the plan of @p policy for @p mode: for every flow of
 * the plan and every family the ruleset covers, whether its connections
 * work (the first packet, the later ones and the replies all pass, and the
 * conntrack helper the flow needs is assigned), with the rules that decide;
 * whether the baseline a complete ruleset needs (loopback, replies, IPv6
 * neighbour discovery) passes; and every class of new connections the
 * ruleset accepts beyond the plan, with the rules that accept it.  The audit
 * points at the policy's flows: free it before the policy.
 * @since 0.2
 */
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_audit_new(const struct portspec_policy *policy,
							      enum portspec_mode mode,
							      const struct portspec_ruleset *rs,
							      struct portspec_audit **out,
							      struct portspec_error *err);
PORTSPEC_AUDIT_EXPORT void portspec_audit_free(struct portspec_audit *audit);
/** True when every flow and the baseline are allowed and nothing more is open.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT bool portspec_audit_clean(const struct portspec_audit *audit);
/** The audited flows: one per flow of the policy and family.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT size_t portspec_audit_flow_count(const struct portspec_audit *audit);
PORTSPEC_AUDIT_EXPORT const struct portspec_flow *portspec_audit_flow(const struct portspec_audit *audit,
								      size_t index);
PORTSPEC_AUDIT_EXPORT unsigned portspec_audit_flow_family(const struct portspec_audit *audit,
							  size_t index);
PORTSPEC_AUDIT_EXPORT enum portspec_audit_verdict portspec_audit_flow_verdict(const struct portspec_audit *audit,
									      size_t index);
/** Classes of new connections accepted beyond the plan.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT size_t portspec_audit_extra_count(const struct portspec_audit *audit);
/** Baseline entries checked, and how many of them are not allowed.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT size_t portspec_audit_baseline_count(const struct portspec_audit *audit);
PORTSPEC_AUDIT_EXPORT size_t portspec_audit_baseline_failures(const struct portspec_audit *audit);
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_audit_write(const struct portspec_audit *audit,
								enum portspec_audit_format format,
								portspec_sink_fn sink, void *userdata);

/**
 * portspec_ruleset_diff() of @p rs (side A) and what the plan admits (side
 * B: a complete ruleset rendered from the policy for the plan's mode).
 * @since 0.2
 */
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_ruleset_diff_plan(const struct portspec_ruleset *rs,
								      const struct portspec_plan *plan,
								      struct portspec_ruleset_diff **out,
								      struct portspec_error *err);

/** The library's release, "MAJOR.MINOR.PATCH".  @since 0.2 */
PORTSPEC_AUDIT_EXPORT const char *portspec_audit_version(void);

/** Routes this library's allocations through the given allocator, as
 * portspec_set_allocator() does for libportspec's (call both; set them
 * before any other call, they are process-wide).  NULL for all three restores
 * malloc, realloc and free; PORTSPEC_E_INVALID unless all three are set or
 * all three are NULL.  The nft JSON reader's parser (jansson) keeps its own
 * allocator.  @since 0.2 */
PORTSPEC_AUDIT_EXPORT enum portspec_status portspec_audit_set_allocator(portspec_malloc_fn m,
									 portspec_realloc_fn r,
									 portspec_free_fn f);

#ifdef __cplusplus
}
#endif

#endif /* PORTSPEC_AUDIT_H */
