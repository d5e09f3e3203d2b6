/* SPDX-License-Identifier: MIT */
/*
 * Address and port text for the rule backends: one address, range or CIDR,
 * and lists of them or of port ranges with the separators and quotes of a
 * target.  Used by iptables, nft, pf and the Windows backends.
 */
#ifndef PORTSPEC_BACKENDS_ADDRLIST_H
#define PORTSPEC_BACKENDS_ADDRLIST_H

#include "private.h"

/* Appends an address (RFC 5952 for v6: lowercase, longest zero run as ::). */
void ps_addr_append(struct ps_buf *b, unsigned family, const unsigned char *addr);
/* Appends "lo-hi", or just the address when lo == hi. */
void ps_addr_range_append(struct ps_buf *b, const struct portspec_addr_range *r);
/* Appends "addr/prefix", or just the address for a full-length prefix. */
void ps_addr_cidr_append(struct ps_buf *b, const struct portspec_cidr *c);

/* The @n CIDRs at @c, @sep between them, each between two @quote. */
void ps_cidr_list(struct ps_buf *b, const struct portspec_cidr *c, size_t n, const char *sep,
		  const char *quote);

/*
 * The addresses of set @a for a firewall without negation and where an
 * empty list means "any": listed networks as CIDRs, a complement as the
 * ranges it matches, "any" as the whole range of its family (never the word
 * "any", which would take in the other family too); @sep between items,
 * each between two @quote.
 */
void ps_addrset_list(struct ps_buf *b, const struct portspec_addrset *a, const char *sep,
		     const char *quote);

/*
 * The @n port ranges at @p: "22,25,1000:2000" with @sep "," and @range ":";
 * a single port without @range; each item between two @quote.
 */
void ps_port_list(struct ps_buf *b, const struct portspec_plan_port *p, size_t n,
		  const char *sep, const char *range, const char *quote);

#endif
