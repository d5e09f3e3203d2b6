/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the netsh, PowerShell and pf backends: address-range
 * arithmetic (the Windows firewall has no negation, so "outside" becomes the
 * computed complement of the inside networks), address formatting, the
 * remote-address set of a flow, and a whitelist filter for spec text that
 * ends up in comments and descriptions.
 */
#ifndef PORTSPEC_BACKENDS_WINDOWS_COMMON_H
#define PORTSPEC_BACKENDS_WINDOWS_COMMON_H

#include "common.h"

/* An inclusive address range of one family; v4 uses the first 4 bytes. */
struct ps_addr_range {
	unsigned char family; /* 4 or 6 */
	unsigned char lo[16];
	unsigned char hi[16];
};

/*
 * The complement, within the whole address space of @family (4 or 6), of the
 * union of the @n networks in @nets of that family (others are ignored).
 * Overlapping, adjacent and unsorted networks are fine.  The ranges come out
 * sorted and disjoint, never adjacent; *@count may be 0 (the networks cover
 * everything).  Free *@out with ps_free().
 */
enum portspec_status ps_addr_complement(const struct portspec_cidr *nets, size_t n, unsigned family,
					struct ps_addr_range **out, size_t *count);

/* Appends an address (RFC 5952 for v6: lowercase, longest zero run as ::). */
void ps_addr_format(struct ps_buf *b, unsigned family, const unsigned char *addr);
/* Appends "lo-hi", or just the address when lo == hi. */
void ps_addr_range_format(struct ps_buf *b, const struct ps_addr_range *r);
/* Appends "addr/prefix", or just the address for a full-length prefix. */
void ps_addr_cidr_format(struct ps_buf *b, const struct portspec_cidr *c);

/*
 * The remote addresses a flow matches, for targets without negation:
 * the flow's own addresses (profile "server" key) when it has any, else the
 * zone's networks or peers, else (a complement zone) the complement of every
 * networks zone, v4 then v6.  Each item is appended as @quote item @quote,
 * separated by @sep.  *@items is the number appended; 0 means the flow
 * matches no address at all, which the caller must treat as an error (an
 * empty address list means "any" to Windows).
 */
enum portspec_status ps_flow_remote_list(const struct portspec_policy *policy,
					 const struct portspec_flow *flow, struct ps_buf *out,
					 const char *sep, const char *quote, size_t *items);

/*
 * Appends @text keeping only ASCII letters, digits, space and the characters
 * in @extra; every run of other bytes (quotes, control characters, newlines,
 * non-ASCII) becomes one space.  Leading and trailing spaces are dropped and
 * at most @max bytes are written.  This cannot inject: what comes out is
 * drawn from the whitelist only.
 */
void ps_text_filtered(struct ps_buf *b, const char *text, const char *extra, size_t max);

/* How to fix a zone that matches no address, for error messages. */
const char *ps_empty_zone_hint(const struct portspec_zone *zone);

/* A short label for a flow's direction as seen from the appliance. */
const char *ps_flow_dir_word(const struct portspec_flow *flow);

/*
 * What the Windows backends can express: host mode only, and of the
 * connection helpers only ftp (the firewall's stateful FTP filter).  Sets
 * *ftp when a flow needs it; errors name the backend and the service.
 */
enum portspec_status ps_windows_check(const struct ps_render *r, const char *backend, bool *ftp);

#endif
