/* SPDX-License-Identifier: MIT */
/*
 * Internals of libportspec-audit.  Internal symbols carry the prefix pa_
 * ("portspec audit"), clear of the core's ps_ ones; the core's utilities
 * (allocation, text buffer, errors, string map) are compiled into this
 * library from libportspec/ and declared by its private.h.
 *
 * The layers, bottom up:
 *
 *   values.c     128-bit values, value sets, addresses, CIDR covers
 *   ruleset.c    the model every reader fills: files, chains, rules with
 *                predicates and an action; the public ruleset functions
 *   read-*.c     the readers (iptables-save, nft JSON, pf.conf)
 *   atoms.c      per dimension, the values the ruleset tells apart
 *   ivs.c        sets of atoms (interval lists) and boxes of them
 *   compile.c    a rule's predicates as a box of atoms, per hook context
 *   eval.c       the analysis: a box of packets through a hook's chains,
 *                split into pieces that each get one verdict
 *   classes.c    pieces as classes people read: merged, as CIDRs and ranges
 *   trace.c diff.c matrix.c   the questions
 */
#ifndef PORTSPEC_AUDIT_INTERNAL_H
#define PORTSPEC_AUDIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "private.h"
#include "portspec/audit.h"

#define PA_NONE UINT32_MAX

/* Documented limits (libportspec-audit(3) LIMITS). */
#define PA_MAX_FILE_SIZE (64u * 1024u * 1024u)
#define PA_MAX_RULES 2000000u
#define PA_MAX_CHAINS 200000u
#define PA_MAX_DEPTH 64u           /* nested jumps; nftables allows 16, iptables loops are refused */
#define PA_MAX_PIECES 8000000u     /* live pieces of one analysis */
#define PA_MAX_NAME 256u

/* ---- values (values.c) ---------------------------------------------------- */

/* Every dimension's values fit 128 bits (IPv6 addresses); IPv4 addresses are
 * the low 32 bits. */
struct pa_u128 {
	uint64_t hi, lo;
};

static inline int pa_cmp(struct pa_u128 a, struct pa_u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	return a.lo < b.lo ? -1 : a.lo > b.lo;
}
static inline struct pa_u128 pa_u(uint64_t v)
{
	return (struct pa_u128){0, v};
}
struct pa_u128 pa_inc(struct pa_u128 v);
struct pa_u128 pa_dec(struct pa_u128 v);
/* The largest value of an address of the family (4 or 6). */
struct pa_u128 pa_addr_max(unsigned family);

struct pa_range {
	struct pa_u128 lo, hi; /* inclusive */
};

/* A set of values: sorted, disjoint, never adjacent ranges. */
struct pa_set {
	struct pa_range *r;
	size_t n, cap;
};

void pa_set_release(struct pa_set *s);
/* Adds [lo, hi]; keeps the set normalized.  False on allocation failure. */
bool pa_set_add(struct pa_set *s, struct pa_u128 lo, struct pa_u128 hi);
bool pa_set_add_set(struct pa_set *s, const struct pa_set *t);
bool pa_set_copy(struct pa_set *dst, const struct pa_set *src);
/* dst = the values of [0, max] not in src. */
bool pa_set_complement(struct pa_set *dst, const struct pa_set *src, struct pa_u128 max);
bool pa_set_intersect(struct pa_set *dst, const struct pa_set *a, const struct pa_set *b);
bool pa_set_contains(const struct pa_set *s, struct pa_u128 v);

/* Addresses: text to value (family 4 or 6, or 0 to accept either). */
bool pa_entry_is_icmp(const struct portspec_plan_entry *e);
struct pa_u128 pa_addr_value(unsigned family, const unsigned char *bytes);
bool pa_addr_parse(const char *text, unsigned family, unsigned *family_out,
		   struct pa_u128 *out);
/* "a.b.c.d[/n]", "x::y[/n]" or a dotted netmask "a.b.c.d/m.m.m.m" (contiguous
 * only); sets [lo, hi].  Host bits are allowed (iptables ignores them). */
bool pa_cidr_parse(const char *text, unsigned family, unsigned *family_out,
		   struct pa_range *out);
void pa_addr_format(unsigned family, struct pa_u128 v, char *buf, size_t size);
/* Appends the fewest CIDRs covering [lo, hi], separated by `sep`. */
void pa_range_cidrs(struct ps_buf *b, unsigned family, struct pa_u128 lo, struct pa_u128 hi,
		    const char *sep, bool json);

/* A decimal number with no sign or leading garbage, at most @max. */
bool pa_parse_uint(const char *s, size_t n, unsigned long max, unsigned long *out);
/* A port: a number 0 to 65535, or a service name of /etc/services for
 * protocol @proto ("tcp", "udp"; NULL: any), as iptables and pfctl read it. */
bool pa_parse_port(const char *s, size_t n, const char *proto, unsigned *out);

/* ---- the model (ruleset.c) ------------------------------------------------ */

/* The dimensions of a packet class. */
enum pa_dim {
	PA_PROTO, /* IP protocol (IPv6: the upper-layer protocol), 0..255 */
	PA_SRC,   /* source address */
	PA_DST,   /* destination address */
	PA_SPORT, /* transport ports, 0..65535 */
	PA_DPORT,
	PA_ICMP,  /* ICMP or ICMPv6 type << 8 | code */
	PA_IIF,   /* interfaces, by name (atoms.c) */
	PA_OIF,
	PA_STATE, /* connection tracking state (enum pa_state) */
	PA_TTL,   /* IPv4 TTL, IPv6 hop limit */
	PA_NDIMS
};

/* Connection states.  ESTABLISHED is two atoms, so that the TCP flags of a
 * connection's packets can differ by direction: replies begin with SYN-ACK. */
enum pa_state {
	PA_ST_INVALID = 0,
	PA_ST_NEW = 1,
	PA_ST_ESTABLISHED = 2, /* the original direction */
	PA_ST_REPLY = 3,       /* established, the reply direction */
	PA_ST_RELATED = 4,
	PA_ST_UNTRACKED = 5,
	PA_NSTATES = 6
};
#define PA_STBIT(s) (1u << (s))
#define PA_ST_ANY_ESTABLISHED (PA_STBIT(PA_ST_ESTABLISHED) | PA_STBIT(PA_ST_REPLY))

/* Families as bits of a mask, and as an index. */
#define PA_FAM4 1u
#define PA_FAM6 2u
#define PA_FAMS 3u
static inline unsigned pa_fam_index(unsigned family)
{
	return family == 6 ? 1u : 0u;
}

/* Address types (iptables addrtype, nft fib type), as bits. */
enum pa_addrtype {
	PA_AT_UNSPEC = 1u << 0,
	PA_AT_UNICAST = 1u << 1,
	PA_AT_LOCAL = 1u << 2,
	PA_AT_BROADCAST = 1u << 3,
	PA_AT_ANYCAST = 1u << 4,
	PA_AT_MULTICAST = 1u << 5,
	PA_AT_BLACKHOLE = 1u << 6,
	PA_AT_UNREACHABLE = 1u << 7,
	PA_AT_PROHIBIT = 1u << 8,
	PA_AT_THROW = 1u << 9,
	PA_AT_NAT = 1u << 10,
	PA_AT_XRESOLVE = 1u << 11,
};

/* TCP flag bits as in the header. */
enum {
	PA_TCP_FIN = 0x01, PA_TCP_SYN = 0x02, PA_TCP_RST = 0x04, PA_TCP_PSH = 0x08,
	PA_TCP_ACK = 0x10, PA_TCP_URG = 0x20, PA_TCP_ECE = 0x40, PA_TCP_CWR = 0x80,
};

enum pa_pred_kind {
	PA_PRED_SET,      /* a numeric dimension in `set` */
	PA_PRED_IFACE,    /* PA_IIF/PA_OIF: the name matches one of `pats` */
	PA_PRED_ADDRTYPE, /* PA_SRC/PA_DST: its type is in `mask` (resolved per hook) */
	PA_PRED_TCPFLAGS, /* (flags & mask) == cmp, for the first packet of the state */
	PA_PRED_CTSTATE,  /* the state is in `mask` (PA_STBIT) */
	PA_PRED_UNKNOWN,  /* a match no reader models: `text` says which */
};

struct pa_iface_pat {
	char *name;
	bool prefix; /* iptables "eth+", nft "eth*": every name that starts with it */
};

struct pa_pred {
	enum pa_pred_kind kind;
	bool negate;
	uint8_t dim;
	uint8_t family;     /* address sets: 4 or 6 */
	struct pa_set set;
	struct pa_iface_pat *pats;
	size_t npats;
	unsigned mask, cmp;
	uint8_t proto;      /* PA_PRED_UNKNOWN: unknown only for this protocol (0: any) */
	char *text;
};

enum pa_action {
	PA_ACT_CONTINUE = 0, /* LOG, counters, marks: the next rule */
	PA_ACT_ACCEPT,
	PA_ACT_DROP,
	PA_ACT_REJECT,
	PA_ACT_RETURN,
	PA_ACT_JUMP,
	PA_ACT_GOTO,
	PA_ACT_HELPER,       /* assigns conntrack helper `arg`, then the next rule */
	PA_ACT_NAT_ACCEPT,   /* SNAT, MASQUERADE: ends the nat chain, packet goes on */
	PA_ACT_INDET,        /* DNAT, REDIRECT, NOTRACK, QUEUE, a target not modelled: `arg` says which */
	PA_ACT_POLICY,       /* not in a chain: the policy of chain `target` (a pseudo-rule) */
};

struct pa_rule {
	uint32_t chain;
	uint32_t file;       /* index into the ruleset's files */
	unsigned line, column;
	uint8_t families;    /* PA_FAM4|PA_FAM6: which packets it can match at all */
	struct pa_pred *preds;
	size_t npreds;
	enum pa_action action;
	uint32_t target;     /* JUMP, GOTO: the chain; POLICY: the chain whose policy it is */
	enum pa_action policy; /* POLICY: ACCEPT or DROP */
	char *arg;           /* REJECT: how; HELPER: the helper type; INDET: what */
	char *text;          /* the rule as written, one line */
	/* pf's state table, per direction (bit 0 in, bit 1 out): an ACCEPT that
	 * keeps no state sets `nostate` on the connection; a rule with
	 * `needs_state` applies only to connections without those bits. */
	uint8_t nostate, needs_state;
};

/* Where a chain is hooked.  User chains have PA_HK_NONE. */
enum pa_hook_stage {
	PA_HK_NONE = 0,
	PA_HK_INGRESS,     /* netdev ingress, before prerouting */
	PA_HK_PREROUTING,
	PA_HK_INPUT,
	PA_HK_FORWARD,
	PA_HK_OUTPUT,
	PA_HK_POSTROUTING,
};

enum pa_chain_type { PA_CHAIN_FILTER = 0, PA_CHAIN_NAT, PA_CHAIN_ROUTE };

struct pa_chain {
	char *name;
	char *table;          /* "filter" (iptables), "inet filter" (nft), "pf" */
	uint32_t table_id;    /* chains jump only within their table */
	uint8_t families;
	enum pa_hook_stage hook;
	int priority;
	enum pa_chain_type type;
	char *device;         /* netdev ingress: the device */
	uint32_t policy_rule; /* base chains: the pseudo-rule of the policy */
	uint32_t *rules;
	size_t nrules, caprules;
	uint32_t file;
	unsigned line, column;
};

struct portspec_ruleset {
	char **files;
	size_t nfiles;
	struct pa_rule *rules;
	size_t nrules, caprules;
	struct pa_chain *chains;
	size_t nchains, capchains;
	uint32_t ntables;
	unsigned families;     /* covered (PA_FAM4|PA_FAM6) */
	struct pa_set host[2]; /* the host's addresses per family (addrtype LOCAL) */
	struct pa_set bcast[2];
	bool host_given[2];
	char **notes;
	size_t nnotes;
	size_t nfirst_rules;   /* rules read from files (not counting pseudo-rules) */
	bool helpers;          /* a format with conntrack helpers was read (not pf alone) */
};

/* Building (readers). */
enum portspec_status pa_ruleset_add_file(struct portspec_ruleset *rs, const char *name,
					 uint32_t *index);
uint32_t pa_ruleset_add_table(struct portspec_ruleset *rs);
enum portspec_status pa_ruleset_add_chain(struct portspec_ruleset *rs, const char *name,
					  const char *table, uint32_t table_id,
					  uint32_t *index);
/* Makes chain `c` a base chain with a policy (adds the pseudo-rule). */
enum portspec_status pa_chain_set_base(struct portspec_ruleset *rs, uint32_t c,
				       enum pa_hook_stage hook, int priority,
				       enum pa_chain_type type, enum pa_action policy);
/* A new rule at the end of chain `c` (or at position `pos` when not SIZE_MAX);
 * *out points into rs->rules until the next add. */
enum portspec_status pa_ruleset_add_rule(struct portspec_ruleset *rs, uint32_t c, size_t pos,
					 uint32_t file, unsigned line, unsigned column,
					 struct pa_rule **out);
/* A new predicate of rule `r`, zeroed, of kind `kind`. */
struct pa_pred *pa_rule_add_pred(struct pa_rule *r, enum pa_pred_kind kind);
bool pa_rule_add_unknown(struct pa_rule *r, uint8_t proto, const char *fmt, ...) PS_PRINTF(3, 4);
bool pa_ruleset_add_note(struct portspec_ruleset *rs, const char *fmt, ...) PS_PRINTF(2, 3);
/* Duplicates rule `src` (predicates and texts) as a new rule after it in its chain. */
enum portspec_status pa_ruleset_dup_rule(struct portspec_ruleset *rs, uint32_t src,
					 uint32_t *index);
uint32_t pa_chain_find(const struct portspec_ruleset *rs, uint32_t table_id, const char *name);
/* Checks what the kernel would refuse: jumps to chains that do not exist,
 * loops, nesting beyond PA_MAX_DEPTH. */
enum portspec_status pa_ruleset_check(struct portspec_ruleset *rs, struct portspec_error *err);
void pa_ruleset_clear(struct portspec_ruleset *rs);
/* Moves everything of `src` into `dst` (which keeps what it had); src is emptied. */
enum portspec_status pa_ruleset_absorb(struct portspec_ruleset *dst, struct portspec_ruleset *src);

/* The model as canonical text, for golden tests and fuzzers: every chain,
 * rule, predicate and action. */
void pa_ruleset_dump(const struct portspec_ruleset *rs, struct ps_buf *out);

/* The readers: fill an empty ruleset from one file's text. */
enum portspec_status pa_read_iptables(struct portspec_ruleset *rs, unsigned family,
				      const char *text, size_t len, uint32_t file,
				      struct portspec_error *err);
enum portspec_status pa_read_nft_json(struct portspec_ruleset *rs, const char *text, size_t len,
				      uint32_t file, struct portspec_error *err);
enum portspec_status pa_read_pf(struct portspec_ruleset *rs, const char *text, size_t len,
				uint32_t file, struct portspec_error *err);
/* Which family an iptables-save text is for: 6 from its header or its IPv6
 * content, 4 from IPv4 content, 0 when nothing tells. */
unsigned pa_iptables_family(const char *text, size_t len);

/* Shared reader helpers (ruleset.c). */
const char *pa_rule_file(const struct portspec_ruleset *rs, const struct pa_rule *r);
/* "file:line" of a rule, or "policy of chain X (file:line)" for a pseudo-rule. */
void pa_rule_where(const struct portspec_ruleset *rs, uint32_t rule, struct ps_buf *b);
/* pa_rule_where() and the rule's text ("file:line: TEXT"), or @none for
 * PA_NONE (what no rule means where it is asked). */
void pa_rule_line(const struct portspec_ruleset *rs, uint32_t rule, const char *none,
		  struct ps_buf *b);
int pa_protocol_number(const char *name);
const char *pa_protocol_label(unsigned proto, char *buf, size_t size);
int pa_icmp_type(const char *name, bool v6, unsigned *type, int *code);
unsigned pa_addrtype_bit(const char *name);

/* ---- atoms (atoms.c) ------------------------------------------------------
 * Per dimension, the values split at every boundary the ruleset (and the
 * question) has: atom i is [cut[i], cut[i+1] - 1].  Interfaces are split
 * by name: the empty name (no interface), every name written, and per
 * wildcard the names it matches that are not written, and the rest. */
enum pa_iface_kind { PA_IFA_NONE, PA_IFA_NAME, PA_IFA_PREFIX, PA_IFA_OTHER };

struct pa_atoms {
	uint32_t n;
	struct pa_u128 *cut;       /* numeric dimensions: n entries, cut[0] = 0 */
	struct pa_u128 max;        /* the largest value */
	char **names;              /* interfaces: per atom, the name or the prefix */
	enum pa_iface_kind *kinds;
};

struct pa_atom_builder {
	struct pa_u128 *cuts[PA_NDIMS];
	size_t ncuts[PA_NDIMS], capcuts[PA_NDIMS];
	char **names;   /* interface names (exact), borrowed */
	size_t nnames, capnames;
	char **prefixes; /* interface prefixes, borrowed */
	size_t nprefixes, capprefixes;
	bool failed;
};

void pa_atoms_begin(struct pa_atom_builder *ab);
void pa_atoms_cut(struct pa_atom_builder *ab, enum pa_dim d, struct pa_u128 lo, struct pa_u128 hi);
void pa_atoms_name(struct pa_atom_builder *ab, const char *name, bool prefix);
/* Every boundary the rules of `rs` have for `family`. */
void pa_atoms_ruleset(struct pa_atom_builder *ab, const struct portspec_ruleset *rs,
		      unsigned family);
enum portspec_status pa_atoms_finish(struct pa_atom_builder *ab, unsigned family,
				     struct pa_atoms atoms[PA_NDIMS]);
void pa_atoms_release(struct pa_atoms atoms[PA_NDIMS]);
uint32_t pa_atom_of(const struct pa_atoms *a, struct pa_u128 v);
uint32_t pa_atom_iface(const struct pa_atoms *a, const char *name);
struct pa_u128 pa_atom_first(const struct pa_atoms *a, uint32_t atom);
struct pa_u128 pa_atom_last(const struct pa_atoms *a, uint32_t atom);

/* ---- sets of atoms and boxes (ivs.c) --------------------------------------
 * Interval lists over atom indices, allocated from an arena and shared
 * between boxes: a list is changed in place only by the one box that owns
 * it (bit d of `owned`). */
struct pa_iv {
	uint32_t lo, hi;
};

struct pa_ivs {
	struct pa_iv *v;
	uint32_t n, cap;
};

struct pa_box {
	struct pa_ivs d[PA_NDIMS];
	uint16_t owned;
};

struct pa_arena_chunk;
struct pa_arena {
	struct pa_arena_chunk *head;
	size_t used, size;
	bool failed;
};

void pa_arena_init(struct pa_arena *a);
void pa_arena_release(struct pa_arena *a);
void *pa_arena_alloc(struct pa_arena *a, size_t size);

bool pa_ivs_empty(const struct pa_ivs *s);
bool pa_ivs_overlap(const struct pa_ivs *a, const struct pa_ivs *b);
bool pa_ivs_has(const struct pa_ivs *s, uint32_t atom);
/* The new list is allocated from the arena; false on allocation failure. */
bool pa_ivs_intersect(struct pa_arena *ar, struct pa_ivs *out, const struct pa_ivs *a,
		      const struct pa_ivs *b);
bool pa_ivs_subtract(struct pa_arena *ar, struct pa_ivs *out, const struct pa_ivs *a,
		     const struct pa_ivs *b);
/* a -= b, in place when a has room, else reallocated from the arena. */
bool pa_ivs_subtract_inplace(struct pa_arena *ar, struct pa_ivs *a, const struct pa_ivs *b);
bool pa_ivs_single(struct pa_arena *ar, struct pa_ivs *out, uint32_t lo, uint32_t hi);
bool pa_ivs_union(struct pa_arena *ar, struct pa_ivs *out, const struct pa_ivs *a,
		  const struct pa_ivs *b);
bool pa_ivs_equal(const struct pa_ivs *a, const struct pa_ivs *b);
int pa_ivs_compare(const struct pa_ivs *a, const struct pa_ivs *b);

/* A box that shares every list of `src`: neither owns them afterwards. */
void pa_box_share(struct pa_box *dst, struct pa_box *src);
bool pa_box_empty(const struct pa_box *b);

/* ---- compiled rules (compile.c) -------------------------------------------
 * A rule's predicates, for one family and hook context, as a box: the rule
 * can match only inside `m`; inside the boxes of `unk` it is not known
 * whether it matches (a predicate no reader models). */
struct pa_crule {
	bool ready;
	bool never;         /* cannot match in this context */
	uint16_t dims;      /* the dimensions `m` constrains */
	struct pa_box m;
	struct pa_box *unk;
	int8_t *unk_dim;    /* per unknown box: the one dimension it narrows `m` in, -1: none */
	uint32_t nunk;
	const char *unk_text; /* the first unmodelled predicate, for the reason */
};

/* The context a rule is compiled for: part of the path, and whether
 * connection tracking has run yet. */
enum pa_variant {
	PA_VAR_PLAIN = 0,
	PA_VAR_NO_OIF = 1, /* before routing (prerouting, ingress): no output interface yet */
	PA_VAR_NO_CT = 2,  /* before conntrack (raw priority, ingress): state unknown */
	PA_NVARIANTS = 4
};

struct pa_ctx;
const struct pa_crule *pa_compile(struct pa_ctx *ctx, uint32_t rule, unsigned variant);

/* ---- the analysis (eval.c) ------------------------------------------------ */

/* Verdict kinds as bits, for the verdicts reached in the other branch of a
 * match that is not modelled. */
#define PA_VB_ACCEPT 1u
#define PA_VB_DROP 2u
#define PA_VB_REJECT 4u
#define PA_VB_INDET 8u

/* One step of a traced path (trace only): rules matched, chains entered. */
enum pa_step_kind { PA_STEP_RULE, PA_STEP_POLICY, PA_STEP_UNKNOWN, PA_STEP_SKIP };
struct pa_step {
	const struct pa_step *prev;
	uint32_t rule;
	enum pa_step_kind kind;
};

struct pa_piece {
	struct pa_box b;
	uint8_t alt;            /* PA_VB_* reached where an unmodelled match went the other way */
	uint32_t unknown_rule;  /* the first such rule */
	uint32_t decided;       /* the explicit accept so far, or a policy */
	uint32_t helper;        /* rule that assigned a conntrack helper; PA_NONE; PA_HELPER_MIXED */
	uint8_t nostate;        /* pf: the directions that passed it without keeping state */
	uint32_t origin;        /* the start box it comes from (pa_eval_many) */
	const struct pa_step *path;
};
#define PA_HELPER_MIXED (PA_NONE - 1)

struct pa_plist {
	struct pa_piece *p;
	size_t n, cap;
};

struct pa_result {
	struct pa_box b;
	enum portspec_verdict v;
	uint32_t rule;          /* the deciding rule (or policy pseudo-rule) */
	uint32_t unknown_rule;  /* INDETERMINATE, DENY: the rule not modelled */
	uint32_t helper;
	uint8_t nostate;        /* pf: as in struct pa_piece */
	uint32_t origin;        /* as in struct pa_piece */
	uint8_t stage;          /* connection verdicts: 0 new, 1 established, 2 replies */
	uint8_t v_b;            /* diff: the other ruleset's verdict and rule */
	uint32_t rule_b;
	uint8_t hook;           /* diff, audit: the hook of the class */
	const struct pa_step *path;
	const struct pa_step *path2; /* connection verdicts: the later stages' paths */
	const struct pa_step *path3;
};

struct pa_results {
	struct pa_result *r;
	size_t n, cap;
};

struct pa_base {
	uint32_t chain;
	unsigned variant;
	int stage, priority; /* the order of the path */
};

/* One analysis of one family: the ruleset(s), the atoms, the compiled rules. */
struct pa_ctx {
	const struct portspec_ruleset *rs;
	unsigned family;               /* 4 or 6 */
	struct pa_atoms atoms[PA_NDIMS];
	struct pa_ivs full[PA_NDIMS];  /* every atom */
	struct pa_ivs none[PA_NDIMS];  /* PA_IIF, PA_OIF: the atom of no interface */
	struct pa_arena arena;         /* boxes and pieces: freed with the context */
	struct pa_crule *crules[3];    /* per hook: [rule * PA_NVARIANTS], made on first use */
	struct pa_runs **runs[3];      /* per hook: [chain * PA_NVARIANTS], made on first use (eval.c) */
	bool trace;                    /* record paths */
	size_t live;                   /* pieces made, against PA_MAX_PIECES */
	struct portspec_error *err;
	enum portspec_status status;
	/* Addresses not given as the host's are neither local nor broadcast, as
	 * if the host's addresses were given (the audit: its flows are to and
	 * from the host's unicast addresses, and forwarded packets never have a
	 * local source, which the kernel drops as martian). */
	bool assume_host;
	/* the path of the current hook */
	struct pa_base *bases;
	size_t nbases;
	enum portspec_hook hook;
};

/* The cuts of both address dimensions in both: the matrix's classes are
 * sources and destinations alike. */
void pa_atoms_same_addresses(struct pa_atom_builder *ab);

/* Extra boundaries a question needs: added to the atoms with the ruleset's. */
typedef void (*pa_cut_fn)(struct pa_atom_builder *ab, void *userdata);

enum portspec_status pa_ctx_init(struct pa_ctx *ctx, const struct portspec_ruleset *rs,
				 unsigned family, pa_cut_fn cuts, void *userdata,
				 struct portspec_error *err);
void pa_ctx_release(struct pa_ctx *ctx);
/* The rule indexes of pa_ctx.runs (eval.c). */
void pa_runs_release(struct pa_ctx *ctx);
/* The box of every packet at the hook: no output interface at input, no
 * input interface at output. */
bool pa_ctx_region_all(struct pa_ctx *ctx, enum portspec_hook hook, struct pa_box *out);
/* A box of one dimension's values [lo, hi] (numeric dims) in `b`. */
bool pa_box_restrict(struct pa_ctx *ctx, struct pa_box *b, enum pa_dim d, struct pa_u128 lo,
		     struct pa_u128 hi);
bool pa_box_restrict_atoms(struct pa_ctx *ctx, struct pa_box *b, enum pa_dim d,
			   const struct pa_ivs *set);
/* Packets of `region` at `hook`: appends one result per piece to `out`.
 * `region` is not changed. */
enum portspec_status pa_eval(struct pa_ctx *ctx, enum portspec_hook hook,
			     const struct pa_box *region, struct pa_results *out);
/* Connections: the first packet (state NEW in `region`), the original
 * direction's later packets and the replies, combined per piece. */
enum portspec_status pa_eval_connection(struct pa_ctx *ctx, enum portspec_hook hook,
					const struct pa_box *region, struct pa_results *out);
/* Evaluates one chain alone (the matrix's --chain). */
enum portspec_status pa_eval_chain(struct pa_ctx *ctx, enum portspec_hook hook, uint32_t chain,
				   const struct pa_box *region, struct pa_results *out);
void pa_results_release(struct pa_results *r);
bool pa_results_push(struct pa_results *r, const struct pa_result *x);
bool pa_accepted(enum portspec_verdict v);

/* ---- two rulesets on the same atoms (diff.c) ------------------------------ */

enum pa_kind { PA_ONLY_A, PA_ONLY_B, PA_UNKNOWN, PA_NKINDS };

/* Contexts for both rulesets with the same atoms: the cuts of both, and of
 * `cuts` (may be NULL).  On failure both are released. */
enum portspec_status pa_ctx_pair(struct pa_ctx *ca, struct pa_ctx *cb,
				 const struct portspec_ruleset *a, const struct portspec_ruleset *b,
				 unsigned family, pa_cut_fn cuts, void *userdata,
				 struct portspec_error *err);
/* The classes of `region` at `hook` that a accepts and b does not (and the
 * other way round, and where one side is indeterminate), appended to out. */
enum portspec_status pa_compare(struct pa_ctx *a, struct pa_ctx *b, enum portspec_hook hook,
				const struct pa_box *region, struct pa_results out[PA_NKINDS]);

/* ---- the policy's plan as a ruleset (plan.c) ------------------------------ */

/* A complete ruleset that accepts what the plan's entries admit, with the
 * plan's hook policies: rule i + 1 of file "<policy, MODE mode>" is entry i. */
enum portspec_status pa_ruleset_from_plan(const struct portspec_plan *plan,
					  struct portspec_ruleset *out, struct portspec_error *err);
/* Entry i's rules (ACCEPT, and a helper rule before it). */

/* ---- classes for people (classes.c) --------------------------------------- */

/* Merges results with the same verdict and rules that differ in one
 * dimension only, until none do. */
enum portspec_status pa_results_merge(struct pa_ctx *ctx, struct pa_results *r,
				      bool by_rule);
/* Writes one dimension of a box: "tcp", "22-25,80", "192.0.2.0/24, ...". */
void pa_dim_text(const struct pa_ctx *ctx, const struct pa_box *b, enum pa_dim d,
		 struct ps_buf *out);
void pa_dim_json(const struct pa_ctx *ctx, const struct pa_box *b, enum pa_dim d,
		 struct ps_buf *out);
/* Whether dimension d of the box is every value of that dimension. */
bool pa_dim_full(const struct pa_ctx *ctx, const struct pa_box *b, enum pa_dim d);
/* A JSON object of the box's constrained dimensions and the result's verdict,
 * rules and path. */
void pa_result_json(const struct pa_ctx *ctx, const struct pa_result *r, struct ps_buf *out);
void pa_result_text(const struct pa_ctx *ctx, const struct pa_result *r, struct ps_buf *out,
		    const char *indent);
void pa_rule_json(const struct portspec_ruleset *rs, uint32_t rule, struct ps_buf *out);
void pa_json_string(struct ps_buf *b, const char *s);
/* Appends part to out; a part that failed makes out fail. */
void pa_buf_append(struct ps_buf *out, const struct ps_buf *part);
/* The text of a rule for people: no control characters. */
void pa_put_text(struct ps_buf *b, const char *s);
const char *pa_dim_name(enum pa_dim d);
/* The class a box is, for people: "tcp from 192.0.2.0/24 to any dport 22 in eth0". */
void pa_class_text(const struct pa_ctx *ctx, const struct pa_box *b, struct ps_buf *out);

/* A result rendered once, in both formats: it outlives the ruleset. */
struct pa_rendered {
	char *text, *json;
	size_t text_len, json_len;
};
/* Takes the buffers' texts; false (both released) on allocation failure. */
bool pa_rendered_take(struct pa_rendered *r, struct ps_buf *text, struct ps_buf *json);
void pa_rendered_release(struct pa_rendered *r);
enum portspec_status pa_rendered_write(const struct pa_rendered *r,
				       enum portspec_audit_format format, portspec_sink_fn sink,
				       void *userdata);

#endif /* PORTSPEC_AUDIT_INTERNAL_H */
