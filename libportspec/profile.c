/* SPDX-License-Identifier: MIT */
/*
 * Profiles: one site's choices, portspec-profile(5).  Keys are resolved
 * against the spec the profile belongs to, so every error can name the
 * service or zone that is wrong and the ones that exist.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "private.h"

/* Documentation addresses (RFC 5737, RFC 3849) used until the site sets its own. */
static const char *const example_appliance[] = {"198.51.100.10", "2001:db8:100::10", NULL};
static const char *const example_networks[] = {"192.0.2.0/24", "2001:db8:2::/64", NULL};
static const char *const example_peers[] = {"198.51.100.11", "198.51.100.12",
					    "2001:db8:100::11", "2001:db8:100::12", NULL};

static void list_release(struct ps_cidr_list *l)
{
	ps_free(l->items);
	l->items = NULL;
	l->count = 0;
}

static bool list_add(struct ps_cidr_list *l, const struct portspec_cidr *c)
{
	for (size_t i = 0; i < l->count; i++)
		if (memcmp(&l->items[i], c, sizeof(*c)) == 0)
			return true; /* already there */
	struct portspec_cidr *p = ps_reallocarray(l->items, l->count + 1, sizeof(*p));
	if (!p)
		return false;
	l->items = p;
	l->items[l->count++] = *c;
	return true;
}

static bool list_examples(struct ps_cidr_list *l, const char *const *examples)
{
	for (size_t i = 0; examples[i]; i++) {
		struct portspec_cidr c;
		if (portspec_cidr_parse(examples[i], &c, NULL) != PORTSPEC_OK || !list_add(l, &c))
			return false;
	}
	l->example = true;
	return true;
}

static bool list_copy(struct ps_cidr_list *dst, const struct ps_cidr_list *src)
{
	*dst = *src;
	dst->items = NULL;
	if (!src->count)
		return true;
	dst->items = ps_calloc(src->count, sizeof(*dst->items));
	if (!dst->items)
		return false;
	memcpy(dst->items, src->items, src->count * sizeof(*dst->items));
	return true;
}

/* Mask of the zones where `svc` carries the "either zone" mark. */
static uint32_t either_zones(const struct portspec_spec *spec, size_t svc)
{
	return spec->services[svc].either_zones;
}

PORTSPEC_EXPORT void portspec_profile_free(struct portspec_profile *pr)
{
	if (!pr)
		return;
	const struct portspec_spec *spec = pr->spec;
	ps_free(pr->enabled);
	ps_free(pr->served_from);
	ps_free(pr->interface);
	if (pr->zone_interface)
		for (size_t i = 0; i < spec->nzones; i++)
			ps_free(pr->zone_interface[i]);
	ps_free(pr->zone_interface);
	if (pr->host_interface)
		for (size_t i = 0; i < spec->nzones; i++)
			ps_free(pr->host_interface[i]);
	ps_free(pr->host_interface);
	ps_free(pr->appliance_interface);
	list_release(&pr->appliance);
	if (pr->zone_addresses)
		for (size_t i = 0; i < spec->nzones; i++)
			list_release(&pr->zone_addresses[i]);
	ps_free(pr->zone_addresses);
	if (pr->servers)
		for (size_t i = 0; i < spec->nservices; i++)
			list_release(&pr->servers[i]);
	ps_free(pr->servers);
	portspec_spec_free(pr->spec);
	ps_free(pr);
}

static struct portspec_profile *profile_alloc(const struct portspec_spec *spec)
{
	struct portspec_profile *pr = ps_calloc(1, sizeof(*pr));
	if (!pr)
		return NULL;
	pr->spec = ps_spec_ref(spec);
	pr->enabled = ps_calloc(spec->nservices, sizeof(*pr->enabled));
	pr->served_from = ps_calloc(spec->nservices, sizeof(*pr->served_from));
	pr->zone_interface = ps_calloc(spec->nzones, sizeof(*pr->zone_interface));
	pr->host_interface = ps_calloc(spec->nzones, sizeof(*pr->host_interface));
	pr->zone_addresses = ps_calloc(spec->nzones, sizeof(*pr->zone_addresses));
	pr->servers = ps_calloc(spec->nservices, sizeof(*pr->servers));
	if (!pr->enabled || !pr->served_from || !pr->zone_interface || !pr->host_interface ||
	    !pr->zone_addresses || !pr->servers) {
		portspec_profile_free(pr);
		return NULL;
	}
	return pr;
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_new(const struct portspec_spec *spec,
							  struct portspec_profile **out)
{
	if (!spec || !out)
		return PORTSPEC_E_INVALID;
	struct portspec_profile *pr = profile_alloc(spec);
	if (!pr)
		return PORTSPEC_E_NOMEM;
	pr->role = PORTSPEC_ROLE_STANDALONE;
	for (size_t i = 0; i < spec->nservices; i++) {
		pr->enabled[i] = true;
		pr->served_from[i] = either_zones(spec, i);
	}
	/* No interface until the site names one: the spec's interface ("eth1")
	 * is the vendor's label for the appliance's port, and rules that match a
	 * name the host does not have would block every connection. */
	bool ok = list_examples(&pr->appliance, example_appliance);
	bool networks_done = false, peers_done = false;
	for (size_t i = 0; ok && i < spec->nzones; i++) {
		/* Only the first zone of each kind gets examples: two zones with
		 * the same example networks would overlap. */
		if (spec->zones[i].kind == PORTSPEC_ZONE_NETWORKS && !networks_done) {
			ok = list_examples(&pr->zone_addresses[i], example_networks);
			networks_done = true;
		} else if (spec->zones[i].kind == PORTSPEC_ZONE_PEERS && !peers_done) {
			ok = list_examples(&pr->zone_addresses[i], example_peers);
			peers_done = true;
		}
	}
	if (!ok) {
		portspec_profile_free(pr);
		return PORTSPEC_E_NOMEM;
	}
	*out = pr;
	return PORTSPEC_OK;
}

enum portspec_status ps_profile_clone(const struct portspec_profile *src,
				      struct portspec_profile **out)
{
	const struct portspec_spec *spec = src->spec;
	struct portspec_profile *pr = profile_alloc(spec);
	if (!pr)
		return PORTSPEC_E_NOMEM;
	pr->role = src->role;
	memcpy(pr->enabled, src->enabled, spec->nservices * sizeof(*pr->enabled));
	memcpy(pr->served_from, src->served_from, spec->nservices * sizeof(*pr->served_from));
	bool ok = true;
	if (src->interface)
		ok = (pr->interface = ps_strdup(src->interface)) != NULL;
	if (ok && src->appliance_interface)
		ok = (pr->appliance_interface = ps_strdup(src->appliance_interface)) != NULL;
	ok = ok && list_copy(&pr->appliance, &src->appliance);
	for (size_t i = 0; ok && i < spec->nzones; i++) {
		if (src->zone_interface[i])
			ok = (pr->zone_interface[i] = ps_strdup(src->zone_interface[i])) != NULL;
		if (ok && src->host_interface[i])
			ok = (pr->host_interface[i] = ps_strdup(src->host_interface[i])) != NULL;
		ok = ok && list_copy(&pr->zone_addresses[i], &src->zone_addresses[i]);
	}
	for (size_t i = 0; ok && i < spec->nservices; i++)
		ok = list_copy(&pr->servers[i], &src->servers[i]);
	if (!ok) {
		portspec_profile_free(pr);
		return PORTSPEC_E_NOMEM;
	}
	*out = pr;
	return PORTSPEC_OK;
}

/* ---- setting keys ---- */

static enum portspec_status perr(struct portspec_error *err, enum portspec_status st,
				 const char *fmt, ...) PS_PRINTF(3, 4);

static enum portspec_status perr(struct portspec_error *err, enum portspec_status st,
				 const char *fmt, ...)
{
	if (!err)
		return st;
	char text[sizeof(err->text)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return ps_error_set(err, st, NULL, 0, 0, "%s", text);
}

/*
 * Interface names go verbatim into rules of every target: allow only what
 * Linux allows and no target reads as something else.  A leading '-' would
 * be an option to iptables, a leading '.' is "." or ".." to the kernel.
 * This is the only check; the backends rely on it.
 */
bool ps_valid_ifname(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 15 || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

static const struct portspec_service *need_service(const struct portspec_profile *pr,
						   const char *name, struct portspec_error *err)
{
	const struct portspec_service *svc = portspec_spec_find_service(pr->spec, name);
	if (!svc) {
		struct ps_buf names;
		ps_buf_init(&names);
		for (size_t i = 0; i < pr->spec->nservices && names.len < 300; i++)
			ps_buf_printf(&names, "%s%s", i ? ", " : "", pr->spec->services[i].name);
		perr(err, PORTSPEC_E_UNKNOWN, "unknown service '%.64s'; the services are: %s", name,
		     names.data && !names.failed ? names.data : "");
		ps_buf_release(&names);
	}
	return svc;
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_enable(struct portspec_profile *pr,
							     const char *service, bool on,
							     struct portspec_error *err)
{
	if (!pr || !service)
		return perr(err, PORTSPEC_E_INVALID, "no profile or service given");
	const struct portspec_service *svc = need_service(pr, service, err);
	if (!svc)
		return PORTSPEC_E_UNKNOWN;
	if (svc->level == PORTSPEC_REQUIRED && !on)
		return perr(err, PORTSPEC_E_PROFILE,
			    "service '%s' is required and cannot be disabled", service);
	pr->enabled[svc - pr->spec->services] = on;
	return PORTSPEC_OK;
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_required_only(struct portspec_profile *pr)
{
	if (!pr)
		return PORTSPEC_E_INVALID;
	for (size_t i = 0; i < pr->spec->nservices; i++)
		if (pr->spec->services[i].level == PORTSPEC_OPTIONAL)
			pr->enabled[i] = false;
	return PORTSPEC_OK;
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_set_role(struct portspec_profile *pr,
							       enum portspec_role role)
{
	if (!pr || (role != PORTSPEC_ROLE_STANDALONE && role != PORTSPEC_ROLE_CENTRAL &&
		    role != PORTSPEC_ROLE_MEMBER))
		return PORTSPEC_E_INVALID;
	pr->role = role;
	return PORTSPEC_OK;
}

static enum portspec_status add_address(struct ps_cidr_list *l, const char *value, bool host,
					const char *key, struct portspec_error *err)
{
	struct portspec_cidr c;
	enum portspec_status st = portspec_cidr_parse(value, &c, err);
	if (st)
		return st;
	if (host && c.prefix != (c.family == 4 ? 32 : 128))
		return perr(err, PORTSPEC_E_PROFILE,
			    "%s takes a single address, not the network '%.64s'", key, value);
	if (l->example) {
		list_release(l);
		l->example = false;
	}
	if (l->count >= PS_MAX_ADDRESSES)
		return perr(err, PORTSPEC_E_LIMIT, "more than %u addresses for %s",
			    PS_MAX_ADDRESSES, key);
	return list_add(l, &c) ? PORTSPEC_OK : perr(err, PORTSPEC_E_NOMEM, "out of memory");
}

static enum portspec_status set_string(char **slot, const char *value, const char *key,
				       struct portspec_error *err)
{
	if (!ps_valid_ifname(value))
		return perr(err, PORTSPEC_E_PROFILE,
			    "%s: '%.64s' is not an interface name (1 to 15 letters, digits, '_', "
			    "'-' or '.', not starting with '-' or '.')", key, value);
	char *copy = ps_strdup(value);
	if (!copy)
		return perr(err, PORTSPEC_E_NOMEM, "out of memory");
	ps_free(*slot);
	*slot = copy;
	return PORTSPEC_OK;
}

static enum portspec_status set_served_from(struct portspec_profile *pr, size_t svc,
					    uint32_t allowed, const char *value,
					    struct portspec_error *err)
{
	const struct portspec_spec *spec = pr->spec;
	char where[256] = "";
	size_t off = 0;
	for (size_t z = 0; z < spec->nzones; z++)
		if (allowed & (1u << z))
			off += (size_t)snprintf(where + off, sizeof(where) - off, "%s%s",
						off ? ", " : "", spec->zones[z].name);
	if (strcmp(value, "both") == 0 || strcmp(value, "all") == 0) {
		pr->served_from[svc] = allowed;
		return PORTSPEC_OK;
	}
	uint32_t mask = 0;
	const char *s = value;
	while (*s) {
		size_t n = strcspn(s, ",");
		char zone[PS_MAX_NAME + 1];
		if (n == 0 || n > PS_MAX_NAME)
			return perr(err, PORTSPEC_E_PROFILE,
				    "%s: expected zones separated by commas (%s) or 'both'",
				    spec->services[svc].name, where);
		memcpy(zone, s, n);
		zone[n] = '\0';
		size_t z = ps_spec_zone_index(spec, zone);
		if (z == SIZE_MAX || !(allowed & (1u << z)))
			return perr(err, PORTSPEC_E_PROFILE,
				    "%s can be served from %s or both; '%s' is not one of them",
				    spec->services[svc].name, where, zone);
		mask |= 1u << z;
		s += n;
		if (*s == ',')
			s++;
	}
	if (!mask)
		return perr(err, PORTSPEC_E_PROFILE, "%s: expected %s or both",
			    spec->services[svc].name, where);
	pr->served_from[svc] = mask;
	return PORTSPEC_OK;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1"))
		return *out = true, true;
	if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0"))
		return *out = false, true;
	return false;
}

/* Sets one key to one value (lists are split by the caller). */
static enum portspec_status set_one(struct portspec_profile *pr, const char *key,
				    const char *value, struct portspec_error *err)
{
	const struct portspec_spec *spec = pr->spec;
	size_t keylen = strlen(key);
	if (!strcmp(key, "enable") || !strcmp(key, "disable"))
		return portspec_profile_enable(pr, value, key[0] == 'e', err);
	if (!strcmp(key, "required-only")) {
		bool on;
		if (!parse_bool(value, &on))
			return perr(err, PORTSPEC_E_PROFILE, "required-only takes true or false");
		if (on)
			return portspec_profile_required_only(pr);
		for (size_t i = 0; i < spec->nservices; i++)
			if (spec->services[i].level == PORTSPEC_OPTIONAL)
				pr->enabled[i] = true;
		return PORTSPEC_OK;
	}
	if (!strcmp(key, "role")) {
		enum portspec_role r = portspec_role_from_name(value);
		if (!r)
			return perr(err, PORTSPEC_E_PROFILE,
				    "role: '%.64s' is not a role; use standalone, central or member",
				    value);
		return portspec_profile_set_role(pr, r);
	}
	if (!strcmp(key, "interface")) {
		/* NAME for every zone, or ZONE:NAME for the zone's own interface */
		const char *colon = strchr(value, ':');
		if (!colon)
			return set_string(&pr->interface, value, key, err);
		char zone[PS_MAX_NAME + 1];
		size_t n = (size_t)(colon - value);
		size_t z = SIZE_MAX;
		if (n && n <= PS_MAX_NAME) {
			memcpy(zone, value, n);
			zone[n] = '\0';
			z = ps_spec_zone_index(spec, zone);
		}
		if (z == SIZE_MAX)
			return perr(err, PORTSPEC_E_UNKNOWN,
				    "interface: '%.*s' is not a zone of the spec; use "
				    "interface=IFNAME, or interface=ZONE:IFNAME for each zone",
				    (int)(n > PS_MAX_NAME ? PS_MAX_NAME : n), value);
		return set_string(&pr->host_interface[z], colon + 1, key, err);
	}
	if (!strcmp(key, "appliance"))
		return add_address(&pr->appliance, value, true, key, err);
	if (!strcmp(key, "appliance-interface"))
		return set_string(&pr->appliance_interface, value, key, err);
	if (!strcmp(key, "server")) {
		const char *colon = strchr(value, ':');
		if (!colon || colon == value || colon - value > (long)PS_MAX_NAME)
			return perr(err, PORTSPEC_E_PROFILE,
				    "server takes SERVICE:ADDRESS, as in server=dns:192.0.2.53");
		char name[PS_MAX_NAME + 1];
		memcpy(name, value, (size_t)(colon - value));
		name[colon - value] = '\0';
		const struct portspec_service *svc = need_service(pr, name, err);
		if (!svc)
			return PORTSPEC_E_UNKNOWN;
		return add_address(&pr->servers[svc - spec->services], colon + 1, false, key, err);
	}
	if (!strcmp(key, "cluster-peer") || !strcmp(key, "cluster-peers")) {
		for (size_t z = 0; z < spec->nzones; z++)
			if (spec->zones[z].kind == PORTSPEC_ZONE_PEERS)
				return add_address(&pr->zone_addresses[z], value, false, key, err);
		return perr(err, PORTSPEC_E_UNKNOWN,
			    "cluster-peer: the spec has no peers zone");
	}
	if (keylen > 10 && !strcmp(key + keylen - 10, "-interface")) {
		char zone[PS_MAX_NAME + 1];
		size_t n = keylen - 10;
		if (n <= PS_MAX_NAME) {
			memcpy(zone, key, n);
			zone[n] = '\0';
			size_t z = ps_spec_zone_index(spec, zone);
			if (z != SIZE_MAX)
				return set_string(&pr->zone_interface[z], value, key, err);
		}
	}
	size_t z = ps_spec_zone_index(spec, key);
	if (z != SIZE_MAX) {
		if (spec->zones[z].kind == PORTSPEC_ZONE_COMPLEMENT)
			return perr(err, PORTSPEC_E_PROFILE,
				    "zone '%s' is everything outside the networks zones; it takes no "
				    "addresses (set the networks zones instead)", key);
		return add_address(&pr->zone_addresses[z], value, false, key, err);
	}
	const struct portspec_service *svc = portspec_spec_find_service(spec, key);
	if (svc) {
		size_t i = (size_t)(svc - spec->services);
		uint32_t allowed = either_zones(spec, i);
		if (!allowed)
			return perr(err, PORTSPEC_E_PROFILE,
				    "%s is not marked servable from either zone ('*' in the spec), "
				    "so where it is served is fixed", key);
		return set_served_from(pr, i, allowed, value, err);
	}
	return perr(err, PORTSPEC_E_UNKNOWN,
		    "unknown profile key '%.64s'; see portspec-profile(5) for the keys", key);
}

/* Keys whose values are lists: comma-separated, set one by one. */
static bool list_key(const struct portspec_profile *pr, const char *key)
{
	if (!strcmp(key, "enable") || !strcmp(key, "disable") || !strcmp(key, "appliance") ||
	    !strcmp(key, "server") || !strcmp(key, "cluster-peer") || !strcmp(key, "cluster-peers") ||
	    !strcmp(key, "interface"))
		return true;
	size_t z = ps_spec_zone_index(pr->spec, key);
	return z != SIZE_MAX;
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_set(struct portspec_profile *pr,
							  const char *key, const char *value,
							  struct portspec_error *err)
{
	if (!pr || !key || !value)
		return perr(err, PORTSPEC_E_INVALID, "no profile, key or value given");
	if (!list_key(pr, key)) {
		while (*value == ' ' || *value == '\t')
			value++;
		size_t n = strlen(value);
		while (n && (value[n - 1] == ' ' || value[n - 1] == '\t'))
			n--;
		char *v = ps_strndup(value, n);
		if (!v)
			return perr(err, PORTSPEC_E_NOMEM, "out of memory");
		enum portspec_status st = n ? set_one(pr, key, v, err)
					    : perr(err, PORTSPEC_E_PROFILE, "%s: empty value", key);
		ps_free(v);
		return st;
	}
	const char *s = value;
	bool any = false;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (!*s)
			break;
		size_t n = strcspn(s, ", \t");
		char *item = ps_strndup(s, n);
		if (!item)
			return perr(err, PORTSPEC_E_NOMEM, "out of memory");
		enum portspec_status st = set_one(pr, key, item, err);
		ps_free(item);
		if (st)
			return st;
		any = true;
		s += n;
	}
	return any ? PORTSPEC_OK : perr(err, PORTSPEC_E_PROFILE, "%s: empty value", key);
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_parse(struct portspec_profile *pr,
							    const char *text, size_t len,
							    const char *filename,
							    struct portspec_error *err)
{
	if (!filename)
		filename = "<string>";
	if (!pr || (!text && len))
		return ps_error_set(err, PORTSPEC_E_INVALID, filename, 0, 0, "no profile or text");
	if (len > PS_MAX_FILE_SIZE)
		return ps_error_set(err, PORTSPEC_E_LIMIT, filename, 0, 0,
				    "profile is larger than %u bytes", PS_MAX_FILE_SIZE);
	size_t pos = 0;
	unsigned line = 0;
	while (pos < len) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		pos += n + (nl ? 1 : 0);
		line++;
		if (n > PS_MAX_LINE)
			return ps_error_set(err, PORTSPEC_E_LIMIT, filename, line, PS_MAX_LINE + 1,
					    "line longer than %u bytes", PS_MAX_LINE);
		if (memchr(l, '\0', n))
			return ps_error_set(err, PORTSPEC_E_PARSE, filename, line,
					    (unsigned)((const char *)memchr(l, '\0', n) - l) + 1,
					    "NUL byte; profiles are text");
		const char *hash = memchr(l, '#', n);
		if (hash)
			n = (size_t)(hash - l);
		while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
			n--;
		size_t i = 0;
		while (i < n && (l[i] == ' ' || l[i] == '\t'))
			i++;
		if (i == n)
			continue;
		const char *eq = memchr(l + i, '=', n - i);
		if (!eq)
			return ps_error_set(err, PORTSPEC_E_PARSE, filename, line, (unsigned)i + 1,
					    "expected 'key = value'");
		size_t kend = (size_t)(eq - l);
		while (kend > i && (l[kend - 1] == ' ' || l[kend - 1] == '\t'))
			kend--;
		if (kend == i)
			return ps_error_set(err, PORTSPEC_E_PARSE, filename, line, (unsigned)i + 1,
					    "missing key before '='");
		size_t v = (size_t)(eq - l) + 1;
		while (v < n && (l[v] == ' ' || l[v] == '\t'))
			v++;
		char *key = ps_strndup(l + i, kend - i);
		char *value = ps_strndup(l + v, n - v);
		enum portspec_status st;
		if (!key || !value) {
			st = ps_error_set(err, PORTSPEC_E_NOMEM, filename, line, 0, "out of memory");
		} else {
			st = portspec_profile_set(pr, key, value, err);
			if (st && err) {
				/* Locate the error: the key if unknown, else the value. */
				err->line = line;
				err->column = (unsigned)(st == PORTSPEC_E_UNKNOWN &&
								 strstr(err->text, "profile key")
							 ? i : v) + 1;
				snprintf(err->file, sizeof(err->file), "%s", filename);
			}
		}
		ps_free(key);
		ps_free(value);
		if (st)
			return st;
	}
	return PORTSPEC_OK;
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_load(struct portspec_profile *pr,
							   const char *path,
							   struct portspec_error *err)
{
	if (!pr || !path)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no profile or path");
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return ps_error_set(err, PORTSPEC_E_IO, path, 0, 0, "cannot open: %s",
				    strerror(errno));
	struct ps_buf b;
	ps_buf_init(&b);
	char chunk[16384];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0 && b.len <= PS_MAX_FILE_SIZE)
		ps_buf_add(&b, chunk, n);
	bool rerr = ferror(fp);
	fclose(fp);
	enum portspec_status st;
	if (rerr)
		st = ps_error_set(err, PORTSPEC_E_IO, path, 0, 0, "read error");
	else if (b.failed)
		st = ps_error_set(err, PORTSPEC_E_NOMEM, path, 0, 0, "out of memory");
	else
		st = portspec_profile_parse(pr, b.data ? b.data : "", b.len, path, err);
	ps_buf_release(&b);
	return st;
}

static void put_list(struct ps_buf *b, const char *key, const struct ps_cidr_list *l)
{
	if (!l->count)
		return;
	ps_buf_printf(b, "%s = ", key);
	for (size_t i = 0; i < l->count; i++) {
		char buf[64];
		ps_buf_printf(b, "%s%s", i ? ", " : "",
			      portspec_cidr_format(&l->items[i], buf, sizeof(buf)));
	}
	ps_buf_puts(b, l->example ? "  # documentation example\n" : "\n");
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_to_string(const struct portspec_profile *pr,
								char **out, size_t *len)
{
	if (!pr || !out)
		return PORTSPEC_E_INVALID;
	const struct portspec_spec *spec = pr->spec;
	struct ps_buf b;
	ps_buf_init(&b);
	ps_buf_printf(&b, "# portspec profile for %s %s\n", spec->name ? spec->name : "(unnamed)",
		      spec->version ? spec->version : "");
	ps_buf_printf(&b, "role = %s\n", portspec_role_name(pr->role));
	for (int on = 1; on >= 0; on--) {
		bool any = false;
		for (size_t i = 0; i < spec->nservices; i++) {
			if (spec->services[i].level == PORTSPEC_REQUIRED || pr->enabled[i] != on)
				continue;
			ps_buf_printf(&b, "%s%s", any ? ", " : on ? "enable = " : "disable = ",
				      spec->services[i].name);
			any = true;
		}
		if (any)
			ps_buf_putc(&b, '\n');
	}
	for (size_t i = 0; i < spec->nservices; i++) {
		if (!either_zones(spec, i))
			continue;
		ps_buf_printf(&b, "%s = ", spec->services[i].name);
		bool first = true;
		for (size_t z = 0; z < spec->nzones; z++)
			if (pr->served_from[i] & (1u << z)) {
				ps_buf_printf(&b, "%s%s", first ? "" : ",", spec->zones[z].name);
				first = false;
			}
		ps_buf_putc(&b, '\n');
	}
	bool iface = pr->interface != NULL;
	if (iface)
		ps_buf_printf(&b, "interface = %s", pr->interface);
	for (size_t z = 0; z < spec->nzones; z++)
		if (pr->host_interface[z]) {
			ps_buf_printf(&b, "%s%s:%s", iface ? ", " : "interface = ", spec->zones[z].name,
				      pr->host_interface[z]);
			iface = true;
		}
	if (iface)
		ps_buf_putc(&b, '\n');
	put_list(&b, "appliance", &pr->appliance);
	if (pr->appliance_interface)
		ps_buf_printf(&b, "appliance-interface = %s\n", pr->appliance_interface);
	for (size_t z = 0; z < spec->nzones; z++) {
		put_list(&b, spec->zones[z].name, &pr->zone_addresses[z]);
		if (pr->zone_interface[z])
			ps_buf_printf(&b, "%s-interface = %s\n", spec->zones[z].name,
				      pr->zone_interface[z]);
	}
	for (size_t i = 0; i < spec->nservices; i++)
		for (size_t k = 0; k < pr->servers[i].count; k++) {
			char buf[64];
			ps_buf_printf(&b, "server = %s:%s\n", spec->services[i].name,
				      portspec_cidr_format(&pr->servers[i].items[k], buf,
							   sizeof(buf)));
		}
	char *text = ps_buf_steal(&b, len);
	if (!text)
		return PORTSPEC_E_NOMEM;
	*out = text;
	return PORTSPEC_OK;
}

/* ---- accessors ---- */

PORTSPEC_EXPORT const struct portspec_spec *portspec_profile_spec(const struct portspec_profile *pr)
{
	return pr ? pr->spec : NULL;
}

PORTSPEC_EXPORT enum portspec_role portspec_profile_role(const struct portspec_profile *pr)
{
	return pr ? pr->role : (enum portspec_role)0;
}

PORTSPEC_EXPORT bool portspec_profile_enabled(const struct portspec_profile *pr,
					      const struct portspec_service *svc)
{
	if (!pr || !svc || svc < pr->spec->services ||
	    svc >= pr->spec->services + pr->spec->nservices)
		return false;
	return pr->enabled[svc - pr->spec->services];
}

static size_t service_index(const struct portspec_profile *pr, const struct portspec_service *svc);

PORTSPEC_EXPORT const char *portspec_profile_interface(const struct portspec_profile *pr)
{
	return pr ? pr->interface : NULL;
}

const char *ps_profile_host_interface(const struct portspec_profile *pr, size_t z)
{
	return pr->host_interface[z] ? pr->host_interface[z] : pr->interface;
}

static bool own_zone(const struct portspec_profile *pr, const struct portspec_zone *zone)
{
	return zone >= pr->spec->zones && zone < pr->spec->zones + pr->spec->nzones;
}

PORTSPEC_EXPORT const char *portspec_profile_host_interface(const struct portspec_profile *pr,
							    const struct portspec_zone *zone)
{
	if (!pr)
		return NULL;
	if (!zone)
		return pr->interface;
	return own_zone(pr, zone) ? ps_profile_host_interface(pr, zone->index) : NULL;
}

PORTSPEC_EXPORT const char *portspec_profile_gateway_interface(const struct portspec_profile *pr,
							       const struct portspec_zone *zone)
{
	if (!pr)
		return NULL;
	if (!zone)
		return pr->appliance_interface;
	return own_zone(pr, zone) ? pr->zone_interface[zone->index] : NULL;
}

PORTSPEC_EXPORT const char *portspec_profile_zone_interface(const struct portspec_profile *pr,
							    const char *zone)
{
	if (!pr || !zone)
		return NULL;
	if (!strcmp(zone, "appliance"))
		return pr->appliance_interface;
	size_t z = ps_spec_zone_index(pr->spec, zone);
	return z == SIZE_MAX ? NULL : pr->zone_interface[z];
}

static size_t service_index(const struct portspec_profile *pr, const struct portspec_service *svc)
{
	if (!pr || !svc || svc < pr->spec->services ||
	    svc >= pr->spec->services + pr->spec->nservices)
		return SIZE_MAX;
	return (size_t)(svc - pr->spec->services);
}

PORTSPEC_EXPORT bool portspec_profile_served_from(const struct portspec_profile *pr,
						  const struct portspec_service *svc,
						  const char *zone)
{
	size_t i = service_index(pr, svc);
	size_t z = i == SIZE_MAX ? SIZE_MAX : ps_spec_zone_index(pr->spec, zone);
	if (z == SIZE_MAX)
		return false;
	if (!either_zones(pr->spec, i))
		return true;
	return (pr->served_from[i] >> z) & 1u;
}

PORTSPEC_EXPORT size_t portspec_profile_server_count(const struct portspec_profile *pr,
						     const struct portspec_service *svc)
{
	size_t i = service_index(pr, svc);
	return i == SIZE_MAX ? 0 : pr->servers[i].count;
}

PORTSPEC_EXPORT const struct portspec_cidr *
portspec_profile_server(const struct portspec_profile *pr, const struct portspec_service *svc,
			size_t index)
{
	size_t i = service_index(pr, svc);
	if (i == SIZE_MAX || index >= pr->servers[i].count)
		return NULL;
	return &pr->servers[i].items[index];
}

PORTSPEC_EXPORT bool portspec_profile_uses_examples(const struct portspec_profile *pr)
{
	if (!pr)
		return false;
	if (pr->appliance.example)
		return true;
	for (size_t z = 0; z < pr->spec->nzones; z++)
		if (pr->zone_addresses[z].example)
			return true;
	return false;
}

PORTSPEC_EXPORT size_t portspec_profile_appliance_count(const struct portspec_profile *pr)
{
	return pr ? pr->appliance.count : 0;
}

PORTSPEC_EXPORT const struct portspec_cidr *
portspec_profile_appliance(const struct portspec_profile *pr, size_t index)
{
	return pr && index < pr->appliance.count ? &pr->appliance.items[index] : NULL;
}

PORTSPEC_EXPORT size_t portspec_profile_zone_address_count(const struct portspec_profile *pr,
							   const char *zone)
{
	size_t z = pr ? ps_spec_zone_index(pr->spec, zone) : SIZE_MAX;
	return z == SIZE_MAX ? 0 : pr->zone_addresses[z].count;
}

PORTSPEC_EXPORT const struct portspec_cidr *
portspec_profile_zone_address(const struct portspec_profile *pr, const char *zone, size_t index)
{
	size_t z = pr ? ps_spec_zone_index(pr->spec, zone) : SIZE_MAX;
	if (z == SIZE_MAX || index >= pr->zone_addresses[z].count)
		return NULL;
	return &pr->zone_addresses[z].items[index];
}
