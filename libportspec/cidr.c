/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

PORTSPEC_EXPORT enum portspec_status portspec_cidr_parse(const char *text,
							 struct portspec_cidr *out,
							 struct portspec_error *err)
{
	if (!text || !out)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no address given");
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof(addr))
		return ps_error_set(err, PORTSPEC_E_PROFILE, NULL, 0, 0,
				    "'%.64s' is not an IPv4 or IPv6 address", text);
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	struct portspec_cidr c;
	memset(&c, 0, sizeof(c));
	unsigned max;
	if (inet_pton(AF_INET, addr, c.addr) == 1) {
		c.family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, c.addr) == 1) {
		c.family = 6;
		max = 128;
	} else {
		return ps_error_set(err, PORTSPEC_E_PROFILE, NULL, 0, 0,
				    "'%.64s' is not an IPv4 or IPv6 address (as in 192.0.2.0/24 or "
				    "2001:db8::/32)", text);
	}
	unsigned prefix = max;
	if (slash) {
		const char *s = slash + 1;
		size_t n = strlen(s);
		prefix = 0;
		bool ok = n >= 1 && n <= 3;
		for (size_t i = 0; ok && i < n; i++) {
			ok = s[i] >= '0' && s[i] <= '9';
			prefix = prefix * 10 + (unsigned)(s[i] - '0');
		}
		if (!ok || prefix > max)
			return ps_error_set(err, PORTSPEC_E_PROFILE, NULL, 0, 0,
					    "bad prefix length in '%.64s'; IPv%u prefixes are 0 to %u",
					    text, c.family, max);
	}
	c.prefix = (unsigned char)prefix;
	for (unsigned bit = prefix; bit < max; bit++) {
		if (c.addr[bit / 8] & (0x80u >> (bit % 8))) {
			struct portspec_cidr fixed = c;
			for (unsigned b2 = prefix; b2 < max; b2++)
				fixed.addr[b2 / 8] &= (unsigned char)~(0x80u >> (b2 % 8));
			char buf[64];
			return ps_error_set(err, PORTSPEC_E_PROFILE, NULL, 0, 0,
					    "'%.64s' has host bits set; did you mean %s?", text,
					    portspec_cidr_format(&fixed, buf, sizeof(buf)));
		}
	}
	*out = c;
	return PORTSPEC_OK;
}

PORTSPEC_EXPORT const char *portspec_cidr_format(const struct portspec_cidr *cidr, char *buf,
						 size_t size)
{
	if (!buf || size == 0)
		return buf;
	char addr[INET6_ADDRSTRLEN];
	if (!cidr || (cidr->family != 4 && cidr->family != 6) ||
	    !inet_ntop(cidr->family == 4 ? AF_INET : AF_INET6, cidr->addr, addr, sizeof(addr))) {
		snprintf(buf, size, "?");
		return buf;
	}
	unsigned max = cidr->family == 4 ? 32 : 128;
	if (cidr->prefix == max)
		snprintf(buf, size, "%s", addr);
	else
		snprintf(buf, size, "%s/%u", addr, cidr->prefix);
	return buf;
}

bool ps_cidr_contains(const struct portspec_cidr *net, const struct portspec_cidr *addr)
{
	if (net->family != addr->family || addr->prefix < net->prefix)
		return false;
	unsigned full = net->prefix / 8, rest = net->prefix % 8;
	if (memcmp(net->addr, addr->addr, full) != 0)
		return false;
	if (rest) {
		unsigned char mask = (unsigned char)(0xffu << (8 - rest));
		return (net->addr[full] & mask) == (addr->addr[full] & mask);
	}
	return true;
}

PORTSPEC_EXPORT const char *portspec_addr_format(unsigned family, const unsigned char *addr,
						 char *buf, size_t size)
{
	if (!buf || size == 0)
		return buf;
	char text[INET6_ADDRSTRLEN];
	if (!addr || (family != 4 && family != 6) ||
	    !inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text)))
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%s", text);
	return buf;
}
