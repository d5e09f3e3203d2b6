/* SPDX-License-Identifier: MIT */
/* Helpers shared by the backends. */
#include <string.h>

#include "common.h"

void ps_comment_line(struct ps_buf *b, const char *prefix, const char *text)
{
	size_t n = 0;
	ps_buf_puts(b, prefix);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++, n++) {
		if (n == PS_COMMENT_MAX) {
			ps_buf_puts(b, " [...]");
			break;
		}
		ps_buf_putc(b, (*p < 0x20 || *p == 0x7f) ? ' ' : (char)*p);
	}
	ps_buf_putc(b, '\n');
}

static void header_printf(struct ps_buf *b, const char *prefix, const char *fmt, ...)
	PS_PRINTF(3, 4);

/* A comment line built with printf; the result is sanitized like any spec string. */
static void header_printf(struct ps_buf *b, const char *prefix, const char *fmt, ...)
{
	struct ps_buf line;
	va_list ap;

	ps_buf_init(&line);
	va_start(ap, fmt);
	ps_buf_vprintf(&line, fmt, ap);
	va_end(ap);
	if (line.failed || !line.data)
		b->failed = true;
	else
		ps_comment_line(b, prefix, line.data);
	ps_buf_release(&line);
}

/* For each "either zone" service: the zones the policy serves it from. */
static void header_either(const struct ps_render *r, const char *prefix)
{
	const struct portspec_spec *spec = portspec_policy_spec(r->policy);
	size_t nflows = portspec_policy_flow_count(r->policy);
	size_t nservices = portspec_spec_service_count(spec);

	/* One pass over the flows: the zones (at most PS_MAX_ZONES, 32) of each
	 * service's "either" flows, so that large specs stay linear. */
	uint32_t *zones_of = ps_calloc(nservices ? nservices : 1, sizeof(*zones_of));
	bool *either = ps_calloc(nservices ? nservices : 1, sizeof(*either));
	if (!zones_of || !either) {
		r->out->failed = true;
		goto out;
	}
	for (size_t i = 0; i < nflows; i++) {
		const struct portspec_flow *f = portspec_policy_flow(r->policy, i);
		if (!portspec_flow_either(f))
			continue;
		size_t s = (size_t)(portspec_flow_service(f) - spec->services);
		either[s] = true;
		zones_of[s] |= UINT32_C(1) << portspec_flow_zone(f)->index;
	}
	for (size_t s = 0; s < nservices; s++) {
		struct ps_buf zones;

		if (!either[s])
			continue;
		ps_buf_init(&zones);
		for (size_t z = 0; z < portspec_spec_zone_count(spec); z++)
			if (zones_of[s] & (UINT32_C(1) << z))
				ps_buf_printf(&zones, " %s",
					      portspec_zone_name(portspec_spec_zone(spec, z)));
		if (zones.failed)
			r->out->failed = true;
		else
			header_printf(r->out, prefix, "  %s served from:%s",
				      portspec_service_name(portspec_spec_service(spec, s)),
				      zones.data ? zones.data : " (nowhere)");
		ps_buf_release(&zones);
	}
out:
	ps_free(zones_of);
	ps_free(either);
}

/* "label: a b c" comment lines, wrapped so that nothing is cut. */
struct header_list {
	const struct ps_render *r;
	const char *prefix;
	const char *label;
	struct ps_buf line;
	size_t lines;
};

static void list_add(struct header_list *l, const char *item)
{
	if (l->line.len > 72) {
		header_printf(l->r->out, l->prefix, "%s:%s", l->lines ? "   " : l->label,
			      l->line.data);
		l->line.len = 0;
		l->lines++;
	}
	ps_buf_printf(&l->line, " %s", item);
}

static void list_end(struct header_list *l)
{
	if (l->line.failed)
		l->r->out->failed = true;
	else if (l->line.len)
		header_printf(l->r->out, l->prefix, "%s:%s", l->lines ? "   " : l->label,
			      l->line.data);
	ps_buf_release(&l->line);
}

static void header_cidrs(const struct ps_render *r, const char *prefix, const char *label,
			 const char *zone)
{
	const struct portspec_profile *profile = portspec_policy_profile(r->policy);
	struct header_list l = {.r = r, .prefix = prefix, .label = label};
	size_t n = zone ? portspec_profile_zone_address_count(profile, zone)
			: portspec_profile_appliance_count(profile);
	char buf[64];

	ps_buf_init(&l.line);
	for (size_t i = 0; i < n; i++) {
		const struct portspec_cidr *c =
			zone ? portspec_profile_zone_address(profile, zone, i)
			     : portspec_profile_appliance(profile, i);
		list_add(&l, portspec_cidr_format(c, buf, sizeof(buf)));
	}
	if (!n)
		list_add(&l, "(none)");
	list_end(&l);
}

/* Where the zones are: interfaces and addresses. */
static void header_zones(const struct ps_render *r, const char *prefix)
{
	const struct portspec_profile *profile = portspec_policy_profile(r->policy);
	const struct portspec_spec *spec = portspec_policy_spec(r->policy);
	const char *ifname = portspec_profile_interface(profile);
	const char *app_if = portspec_profile_zone_interface(profile, "appliance");
	char label[160];

	if (r->mode == PORTSPEC_MODE_HOST)
		header_printf(r->out, prefix, "  interface: %s", ifname ? ifname : "(any)");
	else
		header_cidrs(r, prefix, "  appliance", NULL);
	if (r->mode == PORTSPEC_MODE_GATEWAY && app_if)
		header_printf(r->out, prefix, "  appliance interface: %s", app_if);
	for (size_t z = 0; z < portspec_spec_zone_count(spec); z++) {
		const struct portspec_zone *zone = portspec_spec_zone(spec, z);
		const char *name = portspec_zone_name(zone);
		const char *bound = portspec_profile_zone_interface(profile, name);
		enum portspec_zone_kind kind = portspec_zone_kind(zone);

		if (bound)
			header_printf(r->out, prefix, "  %s interface: %s", name, bound);
		if (kind == PORTSPEC_ZONE_COMPLEMENT) {
			if (!bound)
				header_printf(r->out, prefix,
					      "  %s: every address in no networks zone", name);
			continue;
		}
		snprintf(label, sizeof(label), "  %s (%s)", name, portspec_zone_kind_name(kind));
		header_cidrs(r, prefix, label, name);
	}
}

/* The services of @level that the profile turns on (on = true) or off. */
static void header_services(const struct ps_render *r, const char *prefix, const char *label,
			    unsigned levels, bool on)
{
	const struct portspec_profile *profile = portspec_policy_profile(r->policy);
	const struct portspec_spec *spec = portspec_policy_spec(r->policy);
	struct header_list l = {.r = r, .prefix = prefix, .label = label};

	ps_buf_init(&l.line);
	for (size_t i = 0; i < portspec_spec_service_count(spec); i++) {
		const struct portspec_service *svc = portspec_spec_service(spec, i);
		if ((portspec_service_level(svc) & levels) &&
		    portspec_profile_enabled(profile, svc) == on)
			list_add(&l, portspec_service_name(svc));
	}
	list_end(&l);
}

void ps_render_header(const struct ps_render *r, const char *prefix, const char *what)
{
	const struct portspec_spec *spec = portspec_policy_spec(r->policy);
	const struct portspec_profile *profile = portspec_policy_profile(r->policy);
	const char *name = portspec_spec_name(spec);
	const char *version = portspec_spec_version(spec);
	struct ps_buf *b = r->out;

	header_printf(b, prefix, "Generated by libportspec: %s.", what);
	header_printf(b, prefix, "Do not edit; render it again from the spec and the profile.");
	header_printf(b, prefix, "Spec: %s", name ? name : "(unnamed)");
	header_printf(b, prefix, "Version: %s", version ? version : "(none)");
	header_printf(b, prefix, "Profile: role %s%s",
		      portspec_role_name(portspec_profile_role(profile)),
		      portspec_profile_uses_examples(profile)
			      ? "; addresses are the documentation examples of portspec-profile(5)"
			      : "");
	header_services(r, prefix, "  required", PORTSPEC_REQUIRED, true);
	header_services(r, prefix, "  optional, enabled", PORTSPEC_OPTIONAL, true);
	header_services(r, prefix, "  optional, disabled", PORTSPEC_OPTIONAL, false);
	header_services(r, prefix, "  cluster (flows by role)", PORTSPEC_CLUSTER, true);
	header_either(r, prefix);
	header_zones(r, prefix);
	for (size_t i = 0; i < portspec_policy_warning_count(r->policy); i++)
		header_printf(b, prefix, "Warning: %s", portspec_policy_warning(r->policy, i));
}

bool ps_valid_ifname(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 15 || name[0] == '-' || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

const char *ps_zone_bound_interface(const struct ps_render *r, const struct portspec_zone *zone)
{
	return portspec_profile_zone_interface(portspec_policy_profile(r->policy),
					       portspec_zone_name(zone));
}

static const struct {
	const char *name;
	unsigned protocols; /* 1 << enum portspec_protocol */
} helpers[] = {
	{"amanda", 1u << PORTSPEC_UDP},
	{"ftp", 1u << PORTSPEC_TCP},
	{"irc", 1u << PORTSPEC_TCP},
	{"netbios-ns", 1u << PORTSPEC_UDP},
	{"pptp", 1u << PORTSPEC_TCP},
	{"sane", 1u << PORTSPEC_TCP},
	{"sip", (1u << PORTSPEC_TCP) | (1u << PORTSPEC_UDP)},
	{"snmp", 1u << PORTSPEC_UDP},
	{"tftp", 1u << PORTSPEC_UDP},
};

bool ps_helper_supports(const char *helper, enum portspec_protocol proto)
{
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		if (strcmp(helpers[i].name, helper) == 0)
			return (helpers[i].protocols >> proto) & 1u;
	return false;
}

static enum portspec_status check_ifname(const struct ps_render *r, const char *backend,
					 const char *what, const char *name)
{
	if (!name || ps_valid_ifname(name))
		return PORTSPEC_OK;
	return ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
			    "%s: the %s interface name '%.64s' is not a Linux interface name; "
			    "use 1 to 15 letters, digits, '_', '-' or '.'",
			    backend, what, name);
}

enum portspec_status ps_linux_check(const struct ps_render *r, const char *backend)
{
	const struct portspec_profile *profile = portspec_policy_profile(r->policy);
	const struct portspec_spec *spec = portspec_policy_spec(r->policy);
	enum portspec_status st;

	/* Host mode without an interface (a spec that names none) matches any. */
	if (r->mode == PORTSPEC_MODE_HOST &&
	    (st = check_ifname(r, backend, "appliance", portspec_profile_interface(profile))))
		return st;
	if ((st = check_ifname(r, backend, "appliance",
			       portspec_profile_zone_interface(profile, "appliance"))))
		return st;
	for (size_t z = 0; z < portspec_spec_zone_count(spec); z++) {
		const struct portspec_zone *zone = portspec_spec_zone(spec, z);
		if ((st = check_ifname(r, backend, portspec_zone_name(zone),
				       ps_zone_bound_interface(r, zone))))
			return st;
	}
	for (size_t i = 0; i < portspec_policy_flow_count(r->policy); i++) {
		const struct portspec_flow *f = portspec_policy_flow(r->policy, i);
		const struct portspec_service *svc = portspec_flow_service(f);

		/* A host fragment is one chain for both directions: only the
		 * interface (input or output) tells an inbound rule from an
		 * outbound one there. */
		if (r->mode == PORTSPEC_MODE_HOST && (r->flags & PORTSPEC_RENDER_FRAGMENT) &&
		    !portspec_profile_interface(profile) &&
		    !ps_zone_bound_interface(r, portspec_flow_zone(f)))
			return ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
					    "%s: a host-mode fragment needs the appliance's interface "
					    "to tell inbound from outbound rules in its one chain; set "
					    "interface=NAME in the profile, or render a complete ruleset",
					    backend);
		const char *helper = portspec_service_helper(svc);
		enum portspec_protocol proto = portspec_flow_protocol(f);

		if (proto != PORTSPEC_TCP && proto != PORTSPEC_UDP)
			return ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
					    "%s: service %s has a flow that is neither tcp nor udp",
					    backend, portspec_service_name(svc));
		if (helper && !ps_helper_supports(helper, proto))
			return ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
					    "%s: service %s needs the conntrack helper '%.64s' for %s, "
					    "which Linux does not have; the helpers are amanda, ftp, "
					    "irc, netbios-ns, pptp, sane, sip, snmp and tftp, each "
					    "for its own protocol",
					    backend, portspec_service_name(svc), helper,
					    portspec_protocol_name(proto));
	}
	return PORTSPEC_OK;
}

static bool cidr_equal(const struct portspec_cidr *a, const struct portspec_cidr *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

bool ps_flow_same_addresses(const struct portspec_flow *a, const struct portspec_flow *b)
{
	size_t n = portspec_flow_address_count(a);
	if (n != portspec_flow_address_count(b))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!cidr_equal(portspec_flow_address(a, i), portspec_flow_address(b, i)))
			return false;
	return true;
}

void ps_label_add(struct ps_buf *b, const struct portspec_flow *flow)
{
	ps_buf_printf(b, "%s%s %s", b->len ? ", " : "",
		      portspec_service_name(portspec_flow_service(flow)),
		      portspec_level_name(portspec_flow_level(flow)));
}

static bool same_run(const struct portspec_flow *a, const struct portspec_flow *b)
{
	return portspec_flow_direction(a) == portspec_flow_direction(b) &&
	       portspec_flow_zone(a) == portspec_flow_zone(b) &&
	       portspec_flow_protocol(a) == portspec_flow_protocol(b);
}

bool ps_flow_groups_build(const struct portspec_policy *policy, struct ps_flow_groups *g)
{
	size_t n = portspec_policy_flow_count(policy);
	bool *taken;
	size_t used = 0;

	memset(g, 0, sizeof(*g));
	if (n == 0)
		return true;
	g->items = ps_calloc(n, sizeof(*g->items));
	g->groups = ps_calloc(n, sizeof(*g->groups));
	taken = ps_calloc(n, sizeof(*taken));
	if (!g->items || !g->groups || !taken) {
		ps_free(taken);
		ps_flow_groups_release(g);
		return false;
	}
	/* Flows come sorted by direction, zone and protocol: within each such run,
	 * gather the flows that also share their narrowing addresses. */
	for (size_t start = 0; start < n;) {
		const struct portspec_flow *head = portspec_policy_flow(policy, start);
		size_t end = start + 1;
		while (end < n && same_run(head, portspec_policy_flow(policy, end)))
			end++;
		for (size_t i = start; i < end; i++) {
			const struct portspec_flow *fi = portspec_policy_flow(policy, i);
			struct ps_flow_group *grp;
			if (taken[i])
				continue;
			grp = &g->groups[g->count++];
			grp->flows = &g->items[used];
			for (size_t j = i; j < end; j++) {
				const struct portspec_flow *fj = portspec_policy_flow(policy, j);
				if (taken[j] || !ps_flow_same_addresses(fi, fj))
					continue;
				taken[j] = true;
				g->items[used++] = fj;
				grp->count++;
			}
		}
		start = end;
	}
	ps_free(taken);
	return true;
}

void ps_flow_groups_release(struct ps_flow_groups *g)
{
	ps_free(g->items);
	ps_free(g->groups);
	memset(g, 0, sizeof(*g));
}

void ps_labels_of(struct ps_buf *b, const struct portspec_flow *const *flows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct portspec_service *svc = portspec_flow_service(flows[i]);
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = portspec_flow_service(flows[j]) == svc;
		if (!seen)
			ps_label_add(b, flows[i]);
	}
}
