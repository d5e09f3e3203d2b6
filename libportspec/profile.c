/* SPDX-License-Identifier: MIT */
/*
 * Profiles: one site's choices, portspec-profile(5).  Keys are resolved
 * against the spec the profile belongs to, so every error can name the
 * service or zone that is wrong and the ones that exist.  The text format
 * (reading profile files, writing them back) is profile-text.c.
 */
#include <stdio.h>
#include <string.h>

#include "private.h"

/*
 * Documentation addresses (RFC 5737, RFC 3849), used until the site sets an
 * address of its own, and then nowhere.  Every networks and peers zone gets
 * examples of its own, so that the default profile compiles for any spec:
 * the first networks zone the vendor's picture's, the others /29s of
 * 203.0.113.0/24 and /64s from 2001:db8:3::; the first peers zone two
 * addresses next to the appliance's, the others further up.
 */
static const char *const example_appliance[] = {"198.51.100.10", "2001:db8:100::10", NULL};
static const char *const example_networks[] = {"192.0.2.0/24", "2001:db8:2::/64", NULL};
static const char *const example_peers[] = {"198.51.100.11", "198.51.100.12",
					    "2001:db8:100::11", "2001:db8:100::12", NULL};

static void list_release(struct ps_cidr_list *l)
{
	ps_free(l->items);
	ps_free(l->origins);
	l->items = NULL;
	l->origins = NULL;
	l->count = 0;
}

static bool list_add(struct ps_cidr_list *l, const struct portspec_cidr *c,
		     const struct ps_origin *origin)
{
	for (size_t i = 0; i < l->count; i++)
		if (memcmp(&l->items[i], c, sizeof(*c)) == 0)
			return true; /* already there */
	struct portspec_cidr *p = ps_reallocarray(l->items, l->count + 1, sizeof(*p));
	if (!p)
		return false;
	l->items = p;
	struct ps_origin *o = ps_reallocarray(l->origins, l->count + 1, sizeof(*o));
	if (!o)
		return false;
	l->origins = o;
	l->items[l->count] = *c;
	l->origins[l->count++] = *origin;
	return true;
}

static bool list_add_text(struct ps_cidr_list *l, const char *text)
{
	static const struct ps_origin none;
	struct portspec_cidr c;
	return portspec_cidr_parse(text, &c, NULL) == PORTSPEC_OK && list_add(l, &c, &none);
}

static bool list_examples(struct ps_cidr_list *l, const char *const *examples)
{
	for (size_t i = 0; examples[i]; i++)
		if (!list_add_text(l, examples[i]))
			return false;
	l->example = true;
	return true;
}

/*
 * The examples of the zones of a kind after the first.  Networks: the /29s of
 * 203.0.113.0/24 in turn (32 of them, 8 addresses each; more zones than that
 * start over), and the /64s 2001:db8:3::, 2001:db8:4::... (2001:db8:2:: is
 * the first zone's).  Peers: from 198.51.100.20 up, 200 addresses (below .220,
 * clear of the appliance's .10 and the first zone's .11 and .12, never past
 * .255), and 2001:db8:100::20 up.
 */
#define EXAMPLE_V4_NETS 32u        /* the /29s in a /24 */
#define EXAMPLE_V4_NET_SIZE 8u     /* the addresses of a /29 */
#define EXAMPLE_V6_FIRST_NET 3u    /* 2001:db8:3::/64 */
#define EXAMPLE_V4_FIRST_PEER 20u  /* 198.51.100.20 */
#define EXAMPLE_V4_PEERS 200u
#define EXAMPLE_V6_FIRST_PEER 0x20u /* 2001:db8:100::20 */

/* Examples for the n-th (from 0) zone of a kind after the first. */
static bool list_more_examples(struct ps_cidr_list *l, enum portspec_zone_kind kind, size_t n)
{
	char v4[PS_CIDR_TEXT], v6[PS_CIDR_TEXT];
	if (kind == PORTSPEC_ZONE_NETWORKS) {
		snprintf(v4, sizeof(v4), "203.0.113.%zu/29",
			 (n % EXAMPLE_V4_NETS) * EXAMPLE_V4_NET_SIZE);
		snprintf(v6, sizeof(v6), "2001:db8:%zx::/64", n + EXAMPLE_V6_FIRST_NET);
	} else {
		snprintf(v4, sizeof(v4), "198.51.100.%zu",
			 EXAMPLE_V4_FIRST_PEER + n % EXAMPLE_V4_PEERS);
		snprintf(v6, sizeof(v6), "2001:db8:100::%zx", EXAMPLE_V6_FIRST_PEER + n);
	}
	l->example = true;
	return list_add_text(l, v4) && list_add_text(l, v6);
}

static bool list_copy(struct ps_cidr_list *dst, const struct ps_cidr_list *src)
{
	*dst = *src;
	dst->items = NULL;
	dst->origins = NULL;
	if (!src->count)
		return true;
	dst->items = ps_calloc(src->count, sizeof(*dst->items));
	dst->origins = ps_calloc(src->count, sizeof(*dst->origins));
	if (!dst->items || !dst->origins)
		return false;
	memcpy(dst->items, src->items, src->count * sizeof(*dst->items));
	memcpy(dst->origins, src->origins, src->count * sizeof(*dst->origins));
	return true;
}

/* Mask of the zones where `svc` carries the "either zone" mark. */
static uint32_t either_zones(const struct portspec_spec *spec, size_t svc)
{
	return spec->services[svc].either_zones;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		ps_free(v[i]);
	ps_free(v);
}

static void free_lists(struct ps_cidr_list *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		list_release(&v[i]);
	ps_free(v);
}

PORTSPEC_EXPORT void portspec_profile_free(struct portspec_profile *pr)
{
	if (!pr)
		return;
	const struct portspec_spec *spec = pr->spec;
	ps_free(pr->enabled);
	ps_free(pr->choice);
	ps_free(pr->served_from);
	ps_free(pr->interface);
	free_strings(pr->zone_interface, spec->nzones);
	free_strings(pr->host_interface, spec->nzones);
	ps_free(pr->appliance_interface);
	list_release(&pr->appliance);
	free_lists(pr->zone_addresses, spec->nzones);
	free_lists(pr->servers, spec->nservices);
	free_lists(pr->clients, spec->nservices);
	free_strings(pr->files, pr->nfiles);
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
	pr->choice = ps_calloc(spec->nservices, sizeof(*pr->choice));
	pr->served_from = ps_calloc(spec->nservices, sizeof(*pr->served_from));
	pr->zone_interface = ps_calloc(spec->nzones, sizeof(*pr->zone_interface));
	pr->host_interface = ps_calloc(spec->nzones, sizeof(*pr->host_interface));
	pr->zone_addresses = ps_calloc(spec->nzones, sizeof(*pr->zone_addresses));
	pr->servers = ps_calloc(spec->nservices, sizeof(*pr->servers));
	pr->clients = ps_calloc(spec->nservices, sizeof(*pr->clients));
	if (!pr->enabled || !pr->choice || !pr->served_from || !pr->zone_interface ||
	    !pr->host_interface || !pr->zone_addresses || !pr->servers || !pr->clients) {
		portspec_profile_free(pr);
		return NULL;
	}
	return pr;
}

/* A service is on if enable= or disable= says so, else unless it is optional
 * and required-only is set: the keys do not depend on their order. */
static void update_enabled(struct portspec_profile *pr, size_t i)
{
	const struct portspec_service *svc = &pr->spec->services[i];
	if (svc->level == PORTSPEC_REQUIRED)
		pr->enabled[i] = true;
	else if (pr->choice[i])
		pr->enabled[i] = pr->choice[i] > 0;
	else
		pr->enabled[i] = !(svc->level == PORTSPEC_OPTIONAL && pr->required_only);
}

static bool add_examples(struct portspec_profile *pr)
{
	const struct portspec_spec *spec = pr->spec;
	size_t networks = 0, peers = 0;
	bool ok = list_examples(&pr->appliance, example_appliance);
	for (size_t i = 0; ok && i < spec->nzones; i++) {
		struct ps_cidr_list *l = &pr->zone_addresses[i];
		if (spec->zones[i].kind == PORTSPEC_ZONE_NETWORKS)
			ok = networks++ ? list_more_examples(l, PORTSPEC_ZONE_NETWORKS, networks - 2)
					: list_examples(l, example_networks);
		else if (spec->zones[i].kind == PORTSPEC_ZONE_PEERS)
			ok = peers++ ? list_more_examples(l, PORTSPEC_ZONE_PEERS, peers - 2)
				     : list_examples(l, example_peers);
	}
	return ok;
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_new(const struct portspec_spec *spec,
							  struct portspec_profile **out,
							  struct portspec_error *err)
{
	ps_error_clear(err);
	if (!spec || !out)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no spec or output given");
	struct portspec_profile *pr = profile_alloc(spec);
	if (!pr)
		return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	pr->role = PORTSPEC_ROLE_STANDALONE;
	for (size_t i = 0; i < spec->nservices; i++) {
		update_enabled(pr, i);
		pr->served_from[i] = either_zones(spec, i);
	}
	/* No interface until the site names one: the spec's interface ("eth1")
	 * is the vendor's label for the appliance's port, and rules that match a
	 * name the host does not have would block every connection. */
	if (!add_examples(pr)) {
		portspec_profile_free(pr);
		return ps_error_set(err, PORTSPEC_E_NOMEM, NULL, 0, 0, "out of memory");
	}
	*out = pr;
	return PORTSPEC_OK;
}

static bool copy_string(char **dst, const char *src)
{
	return !src || (*dst = ps_strdup(src)) != NULL;
}

enum portspec_status ps_profile_clone(const struct portspec_profile *src,
				      struct portspec_profile **out)
{
	const struct portspec_spec *spec = src->spec;
	struct portspec_profile *pr = profile_alloc(spec);
	if (!pr)
		return PORTSPEC_E_NOMEM;
	pr->role = src->role;
	pr->role_origin = src->role_origin;
	pr->required_only = src->required_only;
	pr->ping = src->ping;
	pr->log = src->log;
	memcpy(pr->enabled, src->enabled, spec->nservices * sizeof(*pr->enabled));
	memcpy(pr->choice, src->choice, spec->nservices * sizeof(*pr->choice));
	memcpy(pr->served_from, src->served_from, spec->nservices * sizeof(*pr->served_from));
	bool ok = copy_string(&pr->interface, src->interface) &&
		  copy_string(&pr->appliance_interface, src->appliance_interface) &&
		  list_copy(&pr->appliance, &src->appliance);
	for (size_t i = 0; ok && i < spec->nzones; i++)
		ok = copy_string(&pr->zone_interface[i], src->zone_interface[i]) &&
		     copy_string(&pr->host_interface[i], src->host_interface[i]) &&
		     list_copy(&pr->zone_addresses[i], &src->zone_addresses[i]);
	for (size_t i = 0; ok && i < spec->nservices; i++)
		ok = list_copy(&pr->servers[i], &src->servers[i]) &&
		     list_copy(&pr->clients[i], &src->clients[i]);
	if (ok && src->nfiles) {
		ok = (pr->files = ps_calloc(src->nfiles, sizeof(*pr->files))) != NULL;
		for (size_t i = 0; ok && i < src->nfiles; i++)
			ok = (pr->files[pr->nfiles++] = ps_strdup(src->files[i])) != NULL;
	}
	if (!ok) {
		portspec_profile_free(pr);
		return PORTSPEC_E_NOMEM;
	}
	*out = pr;
	return PORTSPEC_OK;
}

/* ---- where settings came from ---- */

enum portspec_status ps_profile_error_at(const struct portspec_profile *pr,
					 const struct ps_origin *o, struct portspec_error *err,
					 enum portspec_status st, const char *fmt, ...)
{
	if (!err)
		return st;
	char text[sizeof(err->text)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	bool known = o && o->file && o->file <= pr->nfiles;
	return ps_error_set(err, st, known ? pr->files[o->file - 1] : NULL, known ? o->line : 0,
			    known ? o->column : 0, "%s", text);
}

bool ps_profile_in_zone(const struct portspec_profile *pr, size_t z,
			const struct portspec_cidr *addr)
{
	const struct portspec_spec *spec = pr->spec;
	if (spec->zones[z].kind == PORTSPEC_ZONE_COMPLEMENT) {
		for (size_t k = 0; k < spec->nzones; k++)
			if (spec->zones[k].kind == PORTSPEC_ZONE_NETWORKS &&
			    ps_profile_in_zone(pr, k, addr))
				return false;
		return true;
	}
	const struct ps_cidr_list *l = &pr->zone_addresses[z];
	for (size_t i = 0; i < l->count; i++)
		if (ps_cidr_contains(&l->items[i], addr))
			return true;
	return false;
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
	if (n == 0 || n > PS_MAX_IFNAME || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* How much of the service list an unknown service's error shows, in bytes:
 * the start of a big spec's list, and room in portspec_error.text (512)
 * for the rest of the message. */
#define SERVICE_NAMES_SHOWN 300u

static const struct portspec_service *need_service(const struct portspec_profile *pr,
						   const char *name, struct portspec_error *err)
{
	const struct portspec_service *svc = portspec_spec_find_service(pr->spec, name);
	if (!svc) {
		struct ps_buf names;
		ps_buf_init(&names);
		for (size_t i = 0; i < pr->spec->nservices && names.len < SERVICE_NAMES_SHOWN; i++)
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
	ps_error_clear(err);
	if (!pr || !service)
		return perr(err, PORTSPEC_E_INVALID, "no profile or service given");
	const struct portspec_service *svc = need_service(pr, service, err);
	if (!svc)
		return PORTSPEC_E_UNKNOWN;
	if (svc->level == PORTSPEC_REQUIRED && !on)
		return perr(err, PORTSPEC_E_PROFILE,
			    "service '%s' is required and cannot be disabled", service);
	size_t i = (size_t)(svc - pr->spec->services);
	pr->choice[i] = on ? 1 : -1;
	update_enabled(pr, i);
	return PORTSPEC_OK;
}

static void set_required_only(struct portspec_profile *pr, bool on)
{
	pr->required_only = on;
	for (size_t i = 0; i < pr->spec->nservices; i++)
		update_enabled(pr, i);
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_required_only(struct portspec_profile *pr,
								   struct portspec_error *err)
{
	ps_error_clear(err);
	if (!pr)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no profile given");
	set_required_only(pr, true);
	return PORTSPEC_OK;
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_set_role(struct portspec_profile *pr,
							       enum portspec_role role,
							       struct portspec_error *err)
{
	ps_error_clear(err);
	if (!pr)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0, "no profile given");
	if (role != PORTSPEC_ROLE_STANDALONE && role != PORTSPEC_ROLE_CENTRAL &&
	    role != PORTSPEC_ROLE_MEMBER)
		return ps_error_set(err, PORTSPEC_E_INVALID, NULL, 0, 0,
				    "role %d is not one; use standalone, central or member", (int)role);
	pr->role = role;
	pr->role_origin = pr->here;
	return PORTSPEC_OK;
}

/* The first address a site sets ends the documentation examples everywhere:
 * rules never mix the site's addresses with examples. */
static void drop_examples(struct portspec_profile *pr)
{
	if (pr->appliance.example)
		list_release(&pr->appliance);
	pr->appliance.example = false;
	for (size_t z = 0; z < pr->spec->nzones; z++) {
		if (pr->zone_addresses[z].example)
			list_release(&pr->zone_addresses[z]);
		pr->zone_addresses[z].example = false;
	}
}

static enum portspec_status add_address(struct portspec_profile *pr, struct ps_cidr_list *l,
					const char *value, bool host, const char *key,
					struct portspec_error *err)
{
	struct portspec_cidr c;
	enum portspec_status st = portspec_cidr_parse(value, &c, err);
	if (st)
		return st;
	if (host && c.prefix != PS_HOST_PREFIX(c.family))
		return perr(err, PORTSPEC_E_PROFILE,
			    "%s takes a single address, not the network '%.64s'", key, value);
	drop_examples(pr);
	if (l->count >= PS_MAX_ADDRESSES)
		return perr(err, PORTSPEC_E_LIMIT, "more than %u addresses for %s",
			    PS_MAX_ADDRESSES, key);
	return list_add(l, &c, &pr->here) ? PORTSPEC_OK : perr(err, PORTSPEC_E_NOMEM, "out of memory");
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

static bool list_space(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

/* The zone named by the n bytes at s, or SIZE_MAX (also for a name too long
 * to be one). */
static size_t zone_named(const struct portspec_spec *spec, const char *s, size_t n)
{
	if (n > PS_MAX_NAME)
		return SIZE_MAX;
	char zone[PS_MAX_NAME + 1];
	memcpy(zone, s, n);
	zone[n] = '\0';
	return ps_spec_zone_index(spec, zone);
}

/*
 * The zones a value names, as a mask: "inside, outside" (commas, spaces or
 * both between them), or one of @words ("both" and "all" for every zone in
 * @allowed, "none" for no zone).  An error names the zones there are.
 */
static enum portspec_status zone_mask(struct portspec_profile *pr, const char *key,
				      const char *value, uint32_t allowed, bool none_ok,
				      uint32_t *out, struct portspec_error *err)
{
	const struct portspec_spec *spec = pr->spec;
	char where[PS_NAMES_TEXT] = "";
	size_t off = 0;
	for (size_t z = 0; z < spec->nzones && off < sizeof(where); z++)
		if (allowed & (1u << z))
			off += (size_t)snprintf(where + off, sizeof(where) - off, "%s%s",
						off ? ", " : "", spec->zones[z].name);
	const char *words = none_ok ? "'all' or 'none'" : "'both'";
	if (!strcmp(value, "both") || !strcmp(value, "all")) {
		*out = allowed;
		return PORTSPEC_OK;
	}
	if (none_ok && !strcmp(value, "none")) {
		*out = 0;
		return PORTSPEC_OK;
	}
	uint32_t mask = 0;
	unsigned base = pr->here.column;
	for (const char *s = value; *s;) {
		while (list_space(*s))
			s++;
		if (!*s)
			break;
		size_t n = strcspn(s, ", \t");
		if (pr->here.line)
			pr->here.column = base + (unsigned)(s - value);
		size_t z = zone_named(spec, s, n);
		if (z == SIZE_MAX || !(allowed & (1u << z)))
			return perr(err, PORTSPEC_E_PROFILE,
				    "%s takes zones from %s, or %s; '%.*s' is not one of them", key,
				    where, words, (int)(n > PS_MAX_NAME ? PS_MAX_NAME : n), s);
		mask |= 1u << z;
		s += n;
	}
	if (!mask)
		return perr(err, PORTSPEC_E_PROFILE, "%s: expected zones from %s, or %s", key, where,
			    words);
	*out = mask;
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

/* "SERVICE:ADDRESS" for server= and client=. */
static enum portspec_status set_narrowing(struct portspec_profile *pr, const char *key,
					  const char *value, size_t which,
					  struct portspec_error *err)
{
	(void)which;
	const struct portspec_spec *spec = pr->spec;
	struct ps_cidr_list *lists = key[0] == 's' ? pr->servers : pr->clients;
	const char *colon = strchr(value, ':');
	if (!colon || colon == value || colon - value > (long)PS_MAX_NAME)
		return perr(err, PORTSPEC_E_PROFILE, "%s takes SERVICE:ADDRESS, as in %s", key,
			    key[0] == 's' ? "server=dns:192.0.2.53" : "client=snmp:192.0.2.0/24");
	char name[PS_MAX_NAME + 1];
	memcpy(name, value, (size_t)(colon - value));
	name[colon - value] = '\0';
	const struct portspec_service *svc = need_service(pr, name, err);
	if (!svc)
		return PORTSPEC_E_UNKNOWN;
	if (pr->here.line)
		pr->here.column += (unsigned)(colon + 1 - value);
	return add_address(pr, &lists[svc - spec->services], colon + 1, false, key, err);
}

/* ---- the keys ---- */

/* The setters of the keys: `which` is the zone or service a key of a
 * family names (unused by the others). */

/* enable= and disable= */
static enum portspec_status set_choice(struct portspec_profile *pr, const char *key,
				       const char *value, size_t which, struct portspec_error *err)
{
	(void)which;
	return portspec_profile_enable(pr, value, key[0] == 'e', err);
}

static enum portspec_status set_required_only_key(struct portspec_profile *pr, const char *key,
						  const char *value, size_t which,
						  struct portspec_error *err)
{
	(void)key, (void)which;
	bool on;
	if (!parse_bool(value, &on))
		return perr(err, PORTSPEC_E_PROFILE, "required-only takes true or false");
	set_required_only(pr, on);
	return PORTSPEC_OK;
}

static enum portspec_status set_role(struct portspec_profile *pr, const char *key,
				     const char *value, size_t which, struct portspec_error *err)
{
	(void)key, (void)which;
	enum portspec_role r = portspec_role_from_name(value);
	if (!r)
		return perr(err, PORTSPEC_E_PROFILE,
			    "role: '%.64s' is not a role; use standalone, central or member", value);
	return portspec_profile_set_role(pr, r, NULL);
}

/* interface=NAME for every zone, or ZONE:NAME for the zone's own interface */
static enum portspec_status set_host_interface(struct portspec_profile *pr, const char *key,
					       const char *value, size_t which,
					       struct portspec_error *err)
{
	(void)which;
	const char *colon = strchr(value, ':');
	if (!colon)
		return set_string(&pr->interface, value, key, err);
	size_t n = (size_t)(colon - value);
	size_t z = n ? zone_named(pr->spec, value, n) : SIZE_MAX;
	if (z == SIZE_MAX)
		return perr(err, PORTSPEC_E_UNKNOWN,
			    "interface: '%.*s' is not a zone of the spec; use "
			    "interface=IFNAME, or interface=ZONE:IFNAME for each zone",
			    (int)(n > PS_MAX_NAME ? PS_MAX_NAME : n), value);
	return set_string(&pr->host_interface[z], colon + 1, key, err);
}

static enum portspec_status set_appliance(struct portspec_profile *pr, const char *key,
					  const char *value, size_t which,
					  struct portspec_error *err)
{
	(void)which;
	return add_address(pr, &pr->appliance, value, true, key, err);
}

static enum portspec_status set_appliance_interface(struct portspec_profile *pr,
						    const char *key, const char *value,
						    size_t which, struct portspec_error *err)
{
	(void)which;
	return set_string(&pr->appliance_interface, value, key, err);
}

static enum portspec_status set_ping(struct portspec_profile *pr, const char *key,
				     const char *value, size_t which, struct portspec_error *err)
{
	(void)which;
	uint32_t every_zone = (uint32_t)((1ull << pr->spec->nzones) - 1);
	return zone_mask(pr, key, value, every_zone, true, &pr->ping, err);
}

static enum portspec_status set_log(struct portspec_profile *pr, const char *key,
				    const char *value, size_t which, struct portspec_error *err)
{
	(void)key, (void)which;
	if (!strcmp(value, "drops"))
		pr->log = PS_LOG_DROPS;
	else if (!strcmp(value, "none"))
		pr->log = PS_LOG_NONE;
	else
		return perr(err, PORTSPEC_E_PROFILE,
			    "log takes drops (log what a complete ruleset drops) or none, not "
			    "'%.64s'", value);
	return PORTSPEC_OK;
}

/* cluster-peer: the addresses of the spec's (first) peers zone */
static enum portspec_status set_cluster_peer(struct portspec_profile *pr, const char *key,
					     const char *value, size_t which,
					     struct portspec_error *err)
{
	(void)which;
	const struct portspec_spec *spec = pr->spec;
	for (size_t z = 0; z < spec->nzones; z++)
		if (spec->zones[z].kind == PORTSPEC_ZONE_PEERS)
			return add_address(pr, &pr->zone_addresses[z], value, false, key, err);
	return perr(err, PORTSPEC_E_UNKNOWN, "cluster-peer: the spec has no peers zone");
}

/* "<zone>-interface" keys: the zone's index, or SIZE_MAX. */
static size_t match_zone_interface(const struct portspec_spec *spec, const char *key)
{
	const size_t suffix = sizeof(PS_INTERFACE_KEY_SUFFIX) - 1;
	size_t keylen = strlen(key);
	if (keylen <= suffix || strcmp(key + keylen - suffix, PS_INTERFACE_KEY_SUFFIX) != 0)
		return SIZE_MAX;
	return zone_named(spec, key, keylen - suffix);
}

static enum portspec_status set_zone_interface(struct portspec_profile *pr, const char *key,
					       const char *value, size_t z,
					       struct portspec_error *err)
{
	return set_string(&pr->zone_interface[z], value, key, err);
}

/* "<zone>" keys: the zone's index, or SIZE_MAX. */
static size_t match_zone(const struct portspec_spec *spec, const char *key)
{
	return ps_spec_zone_index(spec, key);
}

static enum portspec_status set_zone_addresses(struct portspec_profile *pr, const char *key,
					       const char *value, size_t z,
					       struct portspec_error *err)
{
	if (pr->spec->zones[z].kind == PORTSPEC_ZONE_COMPLEMENT)
		return perr(err, PORTSPEC_E_PROFILE,
			    "zone '%s' is everything outside the networks zones; it takes no "
			    "addresses (set the networks zones instead)", key);
	return add_address(pr, &pr->zone_addresses[z], value, false, key, err);
}

/* "<service>" keys: the service's index, or SIZE_MAX. */
static size_t match_service(const struct portspec_spec *spec, const char *key)
{
	const struct portspec_service *svc = portspec_spec_find_service(spec, key);
	return svc ? (size_t)(svc - spec->services) : SIZE_MAX;
}

/* Where an "either zone" service is served from. */
static enum portspec_status set_served_from(struct portspec_profile *pr, const char *key,
					    const char *value, size_t i,
					    struct portspec_error *err)
{
	uint32_t allowed = either_zones(pr->spec, i);
	if (!allowed)
		return perr(err, PORTSPEC_E_PROFILE,
			    "%s is not marked servable from either zone ('*' in the spec), "
			    "so where it is served is fixed", key);
	return zone_mask(pr, key, value, allowed, false, &pr->served_from[i], err);
}

/*
 * Every key of portspec-profile(5), in the order a key is looked up: the
 * fixed names, then the families of keys named after the spec's zones and
 * services (so that a zone called "role" does not hide the key).  A list
 * key's value is split into items, each set in turn.
 */
static const struct ps_profile_key profile_keys[] = {
	{.name = "enable", .list = true, .set = set_choice},
	{.name = "disable", .list = true, .set = set_choice},
	{.name = "required-only", .set = set_required_only_key},
	{.name = "role", .set = set_role},
	{.name = "interface", .list = true, .set = set_host_interface},
	{.name = "appliance", .list = true, .set = set_appliance},
	{.name = "appliance-interface", .set = set_appliance_interface},
	{.name = "server", .list = true, .set = set_narrowing},
	{.name = "client", .list = true, .set = set_narrowing},
	{.name = "ping", .set = set_ping},
	{.name = "log", .set = set_log},
	{.name = "cluster-peer", .list = true, .set = set_cluster_peer},
	{.name = "cluster-peers", .same_as = "cluster-peer", .list = true, .set = set_cluster_peer},
	{.name = "<zone>-interface", .match = match_zone_interface, .set = set_zone_interface},
	{.name = "<zone>", .list = true, .match = match_zone, .set = set_zone_addresses},
	{.name = "<service>", .match = match_service, .set = set_served_from},
};

const struct ps_profile_key *ps_profile_keys(size_t *n)
{
	*n = PS_COUNT(profile_keys);
	return profile_keys;
}

/* Whether `key` is k (a fixed name) or of k's family; *which is the zone
 * or service a family's key names. */
static bool key_matches(const struct ps_profile_key *k, const struct portspec_spec *spec,
			const char *key, size_t *which)
{
	*which = k->match ? k->match(spec, key) : SIZE_MAX;
	return k->match ? *which != SIZE_MAX : strcmp(k->name, key) == 0;
}

const struct ps_profile_key *ps_profile_find_key(const struct portspec_spec *spec,
						 const char *key, size_t *which)
{
	size_t n;
	const struct ps_profile_key *keys = ps_profile_keys(&n);
	for (size_t i = 0; i < n; i++)
		if (key_matches(&keys[i], spec, key, which))
			return &keys[i];
	return NULL;
}

/* The keys of the table that are neither a zone's nor a service's name. */
bool ps_profile_fixed_key(const char *name)
{
	size_t n;
	const struct ps_profile_key *keys = ps_profile_keys(&n);
	for (size_t i = 0; i < n; i++)
		if (!keys[i].match && strcmp(keys[i].name, name) == 0)
			return true;
	return false;
}

/* Sets one key to one value (lists are split by the caller). */
static enum portspec_status set_one(struct portspec_profile *pr, const char *key,
				    const char *value, struct portspec_error *err)
{
	size_t which;
	const struct ps_profile_key *k = ps_profile_find_key(pr->spec, key, &which);
	if (k)
		return k->set(pr, key, value, which, err);
	pr->bad_key = true;
	return perr(err, PORTSPEC_E_UNKNOWN,
		    "unknown profile key '%.64s'; see portspec-profile(5) for the keys", key);
}

/* Whether the value is a list: the key is, or is of the family of, any list
 * key (a zone called "x-interface" makes "x-interface" a list key). */
static bool list_key(const struct portspec_profile *pr, const char *key)
{
	size_t n, which;
	const struct ps_profile_key *keys = ps_profile_keys(&n);
	for (size_t i = 0; i < n; i++)
		if (keys[i].list && key_matches(&keys[i], pr->spec, key, &which))
			return true;
	return false;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static enum portspec_status set_list(struct portspec_profile *pr, const char *key,
				     const char *value, struct portspec_error *err)
{
	unsigned base = pr->here.column;
	bool any = false;
	for (const char *s = value;;) {
		while (list_space(*s))
			s++;
		if (!*s)
			break;
		size_t n = strcspn(s, ", \t");
		char *item = ps_strndup(s, n);
		if (!item)
			return perr(err, PORTSPEC_E_NOMEM, "out of memory");
		if (pr->here.line)
			pr->here.column = base + (unsigned)(s - value);
		enum portspec_status st = set_one(pr, key, item, err);
		ps_free(item);
		if (st)
			return st;
		any = true;
		s += n;
	}
	return any ? PORTSPEC_OK : perr(err, PORTSPEC_E_PROFILE, "%s: empty value", key);
}

PORTSPEC_EXPORT enum portspec_status portspec_profile_set(struct portspec_profile *pr,
							  const char *key, const char *value,
							  struct portspec_error *err)
{
	ps_error_clear(err);
	if (!pr || !key || !value)
		return perr(err, PORTSPEC_E_INVALID, "no profile, key or value given");
	/* Spaces around the key and the value mean nothing, as in a file. */
	while (blank(*key))
		key++;
	size_t klen = strlen(key);
	while (klen && blank(key[klen - 1]))
		klen--;
	const char *v = value;
	while (blank(*v))
		v++;
	size_t vlen = strlen(v);
	while (vlen && blank(v[vlen - 1]))
		vlen--;
	char *k = ps_strndup(key, klen), *val = ps_strndup(v, vlen);
	enum portspec_status st;
	if (!k || !val)
		st = perr(err, PORTSPEC_E_NOMEM, "out of memory");
	else if (!klen)
		st = perr(err, PORTSPEC_E_PROFILE, "missing key before '='");
	else if (!vlen)
		st = perr(err, PORTSPEC_E_PROFILE, "%s: empty value", k);
	else {
		if (pr->here.line)
			pr->here.column += (unsigned)(v - value);
		st = list_key(pr, k) ? set_list(pr, k, val, err) : set_one(pr, k, val, err);
	}
	ps_free(k);
	ps_free(val);
	return st;
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

static size_t service_index(const struct portspec_profile *pr, const struct portspec_service *svc)
{
	if (!pr || !svc || svc < pr->spec->services ||
	    svc >= pr->spec->services + pr->spec->nservices)
		return SIZE_MAX;
	return (size_t)(svc - pr->spec->services);
}

PORTSPEC_EXPORT bool portspec_profile_enabled(const struct portspec_profile *pr,
					      const struct portspec_service *svc)
{
	size_t i = service_index(pr, svc);
	return i != SIZE_MAX && pr->enabled[i];
}

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

PORTSPEC_EXPORT bool portspec_profile_served_from(const struct portspec_profile *pr,
						  const struct portspec_service *svc,
						  const struct portspec_zone *zone)
{
	size_t i = service_index(pr, svc);
	if (i == SIZE_MAX || !zone || !own_zone(pr, zone))
		return false;
	if (!either_zones(pr->spec, i))
		return true;
	return (pr->served_from[i] >> zone->index) & 1u;
}

static const struct ps_cidr_list *narrowing(const struct portspec_profile *pr,
					    const struct portspec_service *svc, bool client)
{
	size_t i = service_index(pr, svc);
	return i == SIZE_MAX ? NULL : client ? &pr->clients[i] : &pr->servers[i];
}

static size_t narrowing_count(const struct portspec_profile *pr,
			      const struct portspec_service *svc, bool client)
{
	const struct ps_cidr_list *l = narrowing(pr, svc, client);
	return l ? l->count : 0;
}

static const struct portspec_cidr *narrowing_at(const struct portspec_profile *pr,
						const struct portspec_service *svc, bool client,
						size_t index)
{
	const struct ps_cidr_list *l = narrowing(pr, svc, client);
	return l && index < l->count ? &l->items[index] : NULL;
}

PORTSPEC_EXPORT size_t portspec_profile_server_count(const struct portspec_profile *pr,
						     const struct portspec_service *svc)
{
	return narrowing_count(pr, svc, false);
}

PORTSPEC_EXPORT const struct portspec_cidr *
portspec_profile_server(const struct portspec_profile *pr, const struct portspec_service *svc,
			size_t index)
{
	return narrowing_at(pr, svc, false, index);
}

PORTSPEC_EXPORT size_t portspec_profile_client_count(const struct portspec_profile *pr,
						     const struct portspec_service *svc)
{
	return narrowing_count(pr, svc, true);
}

PORTSPEC_EXPORT const struct portspec_cidr *
portspec_profile_client(const struct portspec_profile *pr, const struct portspec_service *svc,
			size_t index)
{
	return narrowing_at(pr, svc, true, index);
}

PORTSPEC_EXPORT bool portspec_profile_ping(const struct portspec_profile *pr,
					   const struct portspec_zone *zone)
{
	return pr && zone && own_zone(pr, zone) && ((pr->ping >> zone->index) & 1u);
}

PORTSPEC_EXPORT bool portspec_profile_logs_drops(const struct portspec_profile *pr)
{
	return pr && pr->log == PS_LOG_DROPS;
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
							   const struct portspec_zone *zone)
{
	return pr && zone && own_zone(pr, zone) ? pr->zone_addresses[zone->index].count : 0;
}

PORTSPEC_EXPORT const struct portspec_cidr *
portspec_profile_zone_address(const struct portspec_profile *pr, const struct portspec_zone *zone,
			      size_t index)
{
	if (index >= portspec_profile_zone_address_count(pr, zone))
		return NULL;
	return &pr->zone_addresses[zone->index].items[index];
}
