/* SPDX-License-Identifier: MIT */
/* Helpers shared by the backends. */
#include <string.h>

#include "common.h"

void ps_comment_line(struct ps_buf *b, const char *prefix, const char *text)
{
	size_t len = strlen(text);
	/* cut between characters, never inside a multibyte one */
	size_t keep = ps_utf8_cut(text, len, PS_COMMENT_MAX);
	ps_buf_puts(b, prefix);
	for (size_t i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)text[i];
		ps_buf_putc(b, (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
	}
	if (keep < len)
		ps_buf_puts(b, " [...]");
	ps_buf_putc(b, '\n');
}

/*
 * A comment line of the strings up to a NULL one, sanitized like any spec
 * string (joined, not formatted: some lines are written per service or
 * warning).
 */
static void header_cat(struct ps_buf *b, const char *prefix, ...) PS_SENTINEL;

static void header_cat(struct ps_buf *b, const char *prefix, ...)
{
	struct ps_buf line;
	va_list ap;

	ps_buf_init(&line);
	va_start(ap, prefix);
	for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
		ps_buf_puts(&line, s);
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
				ps_buf_cat(&zones, " ",
					   portspec_zone_name(portspec_spec_zone(spec, z)), NULL);
		if (zones.failed)
			r->out->failed = true;
		else
			header_cat(r->out, prefix, "  ",
				   portspec_service_name(portspec_spec_service(spec, s)),
				   " served from:", zones.data ? zones.data : " (nowhere)", NULL);
		ps_buf_release(&zones);
	}
out:
	ps_free(zones_of);
	ps_free(either);
}

/*
 * "label: a b c" comment lines, wrapped so that nothing is cut: a line is
 * written once its items are longer than HEADER_LIST_WRAP bytes, so that with
 * the prefix and a label it stays near 80 columns.
 */
#define HEADER_LIST_WRAP 72u

struct header_list {
	const struct ps_render *r;
	const char *prefix;
	const char *label;
	struct ps_buf line;
	size_t lines;
};

/* "label: items" (the first line) or "   : items" as a comment line. */
static void list_line(struct header_list *l)
{
	header_cat(l->r->out, l->prefix, l->lines ? "   " : l->label, ":",
		   l->line.data ? l->line.data : "", NULL);
}

static void list_add(struct header_list *l, const char *item)
{
	if (l->line.len > HEADER_LIST_WRAP) {
		list_line(l);
		l->line.len = 0;
		l->lines++;
	}
	ps_buf_cat(&l->line, " ", item, NULL);
}

static void list_end(struct header_list *l)
{
	if (l->line.failed)
		l->r->out->failed = true;
	else if (l->line.len)
		list_line(l);
	ps_buf_release(&l->line);
}

static void header_cidrs(const struct ps_render *r, const char *prefix, const char *label,
			 const struct portspec_zone *zone)
{
	const struct portspec_profile *profile = portspec_policy_profile(r->policy);
	struct header_list l = {.r = r, .prefix = prefix, .label = label};
	size_t n = zone ? portspec_profile_zone_address_count(profile, zone)
			: portspec_profile_appliance_count(profile);
	char buf[PS_CIDR_TEXT_MAX];

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

/* Where the zones are: the interfaces this mode matches, and the addresses. */
static void header_zones(const struct ps_render *r, const char *prefix)
{
	const struct portspec_profile *profile = portspec_policy_profile(r->policy);
	const struct portspec_spec *spec = portspec_policy_spec(r->policy);
	bool host = r->mode == PORTSPEC_MODE_HOST;
	char label[PS_MAX_NAME + 32]; /* "  NAME (networks)" */

	if (host) {
		const char *ifname = portspec_profile_host_interface(profile, NULL);
		header_cat(r->out, prefix, "  appliance interface: ",
			   ifname ? ifname : "any (interface= is not set)", NULL);
	} else {
		const char *app_if = portspec_profile_gateway_interface(profile, NULL);
		header_cidrs(r, prefix, "  appliance", NULL);
		if (app_if)
			header_cat(r->out, prefix, "  interface facing the appliance: ", app_if,
				   NULL);
	}
	for (size_t z = 0; z < portspec_spec_zone_count(spec); z++) {
		const struct portspec_zone *zone = portspec_spec_zone(spec, z);
		const char *name = portspec_zone_name(zone);
		const char *bound = host ? portspec_profile_host_interface(profile, zone)
					 : portspec_profile_gateway_interface(profile, zone);
		enum portspec_zone_kind kind = portspec_zone_kind(zone);

		if (bound && (!host || bound != portspec_profile_host_interface(profile, NULL)))
			header_cat(r->out, prefix, "  ", name, " interface: ", bound, NULL);
		if (kind == PORTSPEC_ZONE_COMPLEMENT) {
			header_cat(r->out, prefix, "  ", name, ": every address in no networks zone",
				   NULL);
			continue;
		}
		snprintf(label, sizeof(label), "  %s (%s)", name, portspec_zone_kind_name(kind));
		header_cidrs(r, prefix, label, zone);
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

void ps_render_header(const struct ps_render *r, const char *prefix, const char *what,
		      const char *replaces)
{
	const struct portspec_spec *spec = portspec_policy_spec(r->policy);
	const struct portspec_profile *profile = portspec_policy_profile(r->policy);
	const char *name = portspec_spec_name(spec);
	const char *version = portspec_spec_version(spec);
	struct ps_buf *b = r->out;

	header_cat(b, prefix, "Generated by libportspec: ", what, ".", NULL);
	header_cat(b, prefix, "Do not edit; render it again from the spec and the profile.", NULL);
	if (replaces)
		header_cat(b, prefix, "Replaces: ", replaces, NULL);
	header_cat(b, prefix, "Spec: ", name ? name : "(unnamed)", NULL);
	header_cat(b, prefix, "Version: ", version ? version : "(none)", NULL);
	header_cat(b, prefix, "Profile: role ", portspec_role_name(portspec_profile_role(profile)),
		   portspec_profile_uses_examples(profile)
			   ? "; the addresses are the documentation examples of portspec-profile(5), "
			     "not a site's: set the site's own"
			   : "; the addresses below are the site's own",
		   NULL);
	header_services(r, prefix, "  required", PORTSPEC_REQUIRED, true);
	header_services(r, prefix, "  optional, enabled", PORTSPEC_OPTIONAL, true);
	header_services(r, prefix, "  optional, disabled", PORTSPEC_OPTIONAL, false);
	header_services(r, prefix, "  cluster (flows by role)", PORTSPEC_CLUSTER, true);
	header_either(r, prefix);
	header_zones(r, prefix);
	const struct portspec_plan *plan = ps_render_plan(r);
	for (size_t i = 0; i < portspec_plan_warning_count(plan); i++)
		header_cat(b, prefix,
			   portspec_warning_kind_is_note(portspec_plan_warning_kind(plan, i))
				   ? "Note: "
				   : "Warning: ",
			   portspec_plan_warning(plan, i), NULL);
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


const struct portspec_plan *ps_render_plan(const struct ps_render *r)
{
	return portspec_policy_plan(r->policy, r->mode);
}

bool ps_render_has(const struct ps_render *r, const struct portspec_plan_entry *e)
{
	return !e->complete_only || !(r->flags & PORTSPEC_RENDER_FRAGMENT);
}

enum portspec_status ps_linux_check(const struct ps_render *r, const char *backend)
{
	const struct portspec_plan *plan = ps_render_plan(r);
	for (size_t i = 0; i < portspec_plan_entry_count(plan); i++) {
		const struct portspec_plan_entry *e = portspec_plan_entry(plan, i);
		if (!e->helper || ps_helper_supports(e->helper, e->protocol))
			continue;
		const struct portspec_service *svc = ps_entry_service(e);
		return ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
				    "%s: service %s needs the conntrack helper '%.64s' for %s, "
				    "which Linux does not have; the helpers are amanda, ftp, "
				    "irc, netbios-ns, pptp, sane, sip, snmp and tftp, each "
				    "for its own protocol",
				    backend, portspec_service_name(svc), e->helper,
				    portspec_protocol_name(e->protocol));
	}
	return PORTSPEC_OK;
}

static void label_add(struct ps_buf *b, const struct portspec_flow *flow)
{
	if (b->len)
		ps_buf_puts(b, ", ");
	ps_buf_cat(b, portspec_service_name(portspec_flow_service(flow)), " ",
		   portspec_level_name(portspec_flow_level(flow)), NULL);
}

/*
 * Each service once, in order, from flow @from on; stops once the text is
 * longer than @max, so that an entry of a hundred thousand services costs no
 * more than a short one (the caller sees the length and says how many
 * instead).  Returns the index it stopped at: going on from there gives the
 * text of a longer run of flows.
 */
static size_t labels_of(struct ps_buf *b, const struct portspec_flow *const *flows, size_t from,
			size_t n, size_t max)
{
	size_t i = from;
	for (; i < n && b->len <= max; i++) {
		const struct portspec_service *svc = portspec_flow_service(flows[i]);
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = portspec_flow_service(flows[j]) == svc;
		if (!dup)
			label_add(b, flows[i]);
	}
	return i;
}

const struct portspec_service *ps_entry_service(const struct portspec_plan_entry *e)
{
	size_t n, count;
	const struct portspec_plan_port *r = ps_plan_entry_ranges(e, &n);
	const struct portspec_flow *const *flows = ps_ranges_flows(r, n, &count);
	return count ? portspec_flow_service(flows[0]) : NULL;
}

const struct portspec_flow *const *ps_ranges_flows(const struct portspec_plan_port *r, size_t n,
						    size_t *count)
{
	/* The flows of an entry's ranges are consecutive in one array; the
	 * established entries' ICMP types serve none. */
	*count = 0;
	if (!n || !r[0].flows)
		return NULL;
	*count = (size_t)(r[n - 1].flows - r[0].flows) + r[n - 1].flow_count;
	return r[0].flows;
}

void ps_ports_labels(struct ps_buf *b, const struct portspec_plan_port *ports, size_t n,
		     size_t max)
{
	size_t count;
	const struct portspec_flow *const *flows = ps_ranges_flows(ports, n, &count);
	labels_of(b, flows, 0, count, max);
}

void ps_run_labels_init(struct ps_run_labels *l, size_t max)
{
	memset(l, 0, sizeof(*l));
	ps_buf_init(&l->text);
	l->max = max;
}

void ps_run_labels_release(struct ps_run_labels *l)
{
	ps_buf_release(&l->text);
}

/* Back to the run before the last growth. */
static void run_undo(struct ps_run_labels *l)
{
	l->n = l->prev_n;
	l->done = l->prev_done;
	l->text.len = l->prev_len;
	if (l->text.data)
		l->text.data[l->text.len] = '\0';
}

void ps_run_labels_set(struct ps_run_labels *l, const struct portspec_plan_port *first, size_t n)
{
	if (l->first == first && n == l->prev_n && n < l->n) {
		run_undo(l);
		return;
	}
	if (l->first != first || n < l->n) {
		l->first = first;
		l->n = 0;
		l->done = 0;
		l->text.len = 0;
		if (l->text.data)
			l->text.data[0] = '\0';
	}
	l->prev_n = l->n;
	l->prev_done = l->done;
	l->prev_len = l->text.len;
	size_t count;
	const struct portspec_flow *const *flows = ps_ranges_flows(first, n, &count);
	l->done = labels_of(&l->text, flows, l->done, count, l->max);
	l->n = n;
}

void ps_entry_labels(struct ps_buf *b, const struct portspec_plan_entry *e, size_t max)
{
	size_t n;
	const struct portspec_plan_port *r = ps_plan_entry_ranges(e, &n);
	ps_ports_labels(b, r, n, max);
}

const char *ps_entry_way(const struct portspec_plan_entry *e)
{
	return e->direction == PORTSPEC_INBOUND ? "inbound from" : "outbound to";
}

void ps_entry_comment_start(struct ps_buf *b, const char *prefix,
			    const struct portspec_plan_entry *e)
{
	ps_buf_cat(b, prefix, ps_entry_way(e), " ", portspec_zone_name(e->zone), ", IPv", NULL);
	ps_buf_put_uint(b, e->family);
	ps_buf_cat(b, " ", portspec_protocol_name(e->protocol), ": ", NULL);
}

bool ps_same_ports(const struct portspec_plan_entry *a, const struct portspec_plan_entry *b)
{
	if (a->port_count != b->port_count)
		return false;
	for (size_t i = 0; i < a->port_count; i++) {
		const struct portspec_plan_port *x = &a->ports[i], *y = &b->ports[i];
		if (x->first != y->first || x->last != y->last || x->flow_count != y->flow_count ||
		    memcmp(x->flows, y->flows, x->flow_count * sizeof(*x->flows)) != 0)
			return false;
	}
	return true;
}

void ps_text_filtered(struct ps_buf *b, const char *text, const char *extra, size_t max)
{
	size_t written = 0;
	bool pending_space = false;

	for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
		unsigned char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') ||
			  (c != 0 && c < 0x80 && extra && strchr(extra, c));
		if (!ok || c == ' ') {
			pending_space = written > 0;
			continue;
		}
		if (written + (pending_space ? 2 : 1) > max)
			break;
		if (pending_space) {
			ps_buf_putc(b, ' ');
			written++;
			pending_space = false;
		}
		ps_buf_putc(b, (char)c);
		written++;
	}
}

