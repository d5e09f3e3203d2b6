/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "private.h"

#ifndef PORTSPEC_VERSION
#define PORTSPEC_VERSION "unknown"
#endif

PORTSPEC_EXPORT const char *portspec_version(void)
{
	return PORTSPEC_VERSION;
}

static const char *const direction_names[] = {NULL, "inbound", "outbound"};
static const char *const protocol_names[] = {NULL, "tcp", "udp"};
static const char *const zone_kind_names[] = {NULL, "networks", "complement", "peers"};

PORTSPEC_EXPORT const char *portspec_direction_name(enum portspec_direction d)
{
	return (unsigned)d < 3 ? direction_names[d] : NULL;
}

PORTSPEC_EXPORT const char *portspec_protocol_name(enum portspec_protocol p)
{
	return (unsigned)p < 3 ? protocol_names[p] : NULL;
}

PORTSPEC_EXPORT const char *portspec_zone_kind_name(enum portspec_zone_kind k)
{
	return (unsigned)k < 4 ? zone_kind_names[k] : NULL;
}

PORTSPEC_EXPORT const char *portspec_level_name(enum portspec_level l)
{
	switch (l) {
	case PORTSPEC_REQUIRED: return "required";
	case PORTSPEC_OPTIONAL: return "optional";
	case PORTSPEC_CLUSTER: return "cluster";
	default: return NULL;
	}
}

PORTSPEC_EXPORT const char *portspec_role_name(enum portspec_role r)
{
	switch (r) {
	case PORTSPEC_ROLE_STANDALONE: return "standalone";
	case PORTSPEC_ROLE_CENTRAL: return "central";
	case PORTSPEC_ROLE_MEMBER: return "member";
	default: return NULL;
	}
}

PORTSPEC_EXPORT enum portspec_direction portspec_direction_from_name(const char *name)
{
	for (unsigned i = 1; name && i < 3; i++)
		if (strcmp(name, direction_names[i]) == 0)
			return (enum portspec_direction)i;
	return PORTSPEC_DIR_ANY;
}

PORTSPEC_EXPORT enum portspec_protocol portspec_protocol_from_name(const char *name)
{
	for (unsigned i = 1; name && i < 3; i++)
		if (strcmp(name, protocol_names[i]) == 0)
			return (enum portspec_protocol)i;
	return PORTSPEC_PROTO_ANY;
}

PORTSPEC_EXPORT enum portspec_level portspec_level_from_name(const char *name)
{
	static const enum portspec_level all[] = {PORTSPEC_REQUIRED, PORTSPEC_OPTIONAL,
						  PORTSPEC_CLUSTER};
	for (unsigned i = 0; name && i < 3; i++)
		if (strcmp(name, portspec_level_name(all[i])) == 0)
			return all[i];
	return (enum portspec_level)0;
}

PORTSPEC_EXPORT enum portspec_role portspec_role_from_name(const char *name)
{
	static const enum portspec_role all[] = {PORTSPEC_ROLE_STANDALONE, PORTSPEC_ROLE_CENTRAL,
						 PORTSPEC_ROLE_MEMBER};
	for (unsigned i = 0; name && i < 3; i++)
		if (strcmp(name, portspec_role_name(all[i])) == 0)
			return all[i];
	return (enum portspec_role)0;
}

static const char *const hook_names[] = {NULL, "input", "output", "forward"};
static const char *const entry_kind_names[] = {NULL, "flow", "loopback", "established",
					       "neighbor-discovery"};
static const char *const addr_match_names[] = {"any", "in", "not-in"};

PORTSPEC_EXPORT const char *portspec_hook_name(enum portspec_hook hook)
{
	return (unsigned)hook < 4 ? hook_names[hook] : NULL;
}

PORTSPEC_EXPORT const char *portspec_entry_kind_name(enum portspec_entry_kind kind)
{
	return (unsigned)kind < 5 ? entry_kind_names[kind] : NULL;
}

PORTSPEC_EXPORT const char *portspec_addr_match_name(enum portspec_addr_match match)
{
	return (unsigned)match < 3 ? addr_match_names[match] : NULL;
}
