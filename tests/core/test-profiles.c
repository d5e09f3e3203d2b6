/* SPDX-License-Identifier: MIT */
/* Profiles: site choices and how they change the policy; profile errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <portspec/portspec.h>

#include "testutil.h"

struct fixture {
	struct portspec_spec *spec;
	struct portspec_profile *profile;
	struct portspec_error err;
};

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	if (portspec_spec_new_default(&f.spec, &f.err) ||
	    portspec_profile_new(f.spec, &f.profile, NULL))
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	portspec_profile_free(f->profile);
	portspec_spec_free(f->spec);
	return 0;
}

static struct portspec_policy *compile(struct fixture *f)
{
	struct portspec_policy *p = NULL;
	enum portspec_status st = portspec_policy_new(f->spec, f->profile, &p, &f->err);
	if (st)
		fail_msg("compile failed: %s", f->err.text);
	return p;
}

static void set_ok(struct fixture *f, const char *key, const char *value)
{
	enum portspec_status st = portspec_profile_set(f->profile, key, value, &f->err);
	if (st)
		fail_msg("%s=%s: %s", key, value, f->err.text);
}

static bool has_warning(const struct portspec_policy *p, const char *needle)
{
	for (size_t i = 0; i < portspec_policy_warning_count(p); i++)
		if (strstr(portspec_policy_warning(p, i), needle))
			return true;
	return false;
}

static int allowed(const struct portspec_policy *p, const char *zone, int dir, int proto,
		   unsigned port)
{
	return tu_allowed(p, zone, dir, proto, port, NULL);
}

static void test_default_warns_about_ssh(void **state)
{
	struct fixture *f = *state;
	struct portspec_policy *p = compile(f);
	assert_true(has_warning(p, "ssh: Not required unless otherwise directed"));
	assert_false(has_warning(p, "FQDN"));
	portspec_policy_free(p);
}

/* Every warning has a stable kind: the ssh caution is a note. */
static void test_warning_kinds(void **state)
{
	struct fixture *f = *state;
	set_ok(f, "inside", "0.0.0.0/0");
	struct portspec_policy *p = compile(f);
	size_t n = portspec_policy_warning_count(p);
	unsigned seen = 0;
	for (size_t i = 0; i < n; i++) {
		enum portspec_warning_kind k = portspec_policy_warning_kind(p, i);
		const char *text = portspec_policy_warning(p, i);
		if (strstr(text, "ssh: Not required")) {
			assert_int_equal(k, PORTSPEC_WARNING_SERVICE_NOTE);
			seen |= 1;
		} else if (strstr(text, "covers every IPv4 address")) {
			assert_int_equal(k, PORTSPEC_WARNING_ZONE_COVERS_FAMILY);
			seen |= 2;
		}
	}
	assert_int_equal(seen, 3);
	assert_int_equal(portspec_policy_warning_kind(p, n), 0);
	assert_int_equal(portspec_policy_warning_kind(NULL, 0), 0);
	portspec_policy_free(p);
	assert_string_equal(portspec_warning_kind_name(PORTSPEC_WARNING_SERVICE_NOTE),
			    "service-note");
	assert_string_equal(portspec_warning_kind_name(PORTSPEC_WARNING_ZONE_NOTE), "zone-note");
	assert_string_equal(portspec_warning_kind_name(PORTSPEC_WARNING_ZONE_COVERS_FAMILY),
			    "zone-covers-family");
	assert_string_equal(portspec_warning_kind_name(PORTSPEC_WARNING_NO_RULE), "no-rule");
	assert_string_equal(portspec_warning_kind_name(PORTSPEC_WARNING_UNUSED_KEY), "unused-key");
	assert_null(portspec_warning_kind_name((enum portspec_warning_kind)0));
	assert_null(portspec_warning_kind_name((enum portspec_warning_kind)99));
	assert_true(portspec_warning_kind_is_note(PORTSPEC_WARNING_SERVICE_NOTE));
	assert_true(portspec_warning_kind_is_note(PORTSPEC_WARNING_ZONE_NOTE));
	assert_false(portspec_warning_kind_is_note(PORTSPEC_WARNING_NO_RULE));
	assert_false(portspec_warning_kind_is_note(PORTSPEC_WARNING_UNUSED_KEY));
	assert_false(portspec_warning_kind_is_note(PORTSPEC_WARNING_ZONE_COVERS_FAMILY));
}

static void test_required_only(void **state)
{
	struct fixture *f = *state;
	set_ok(f, "required-only", "true");
	struct portspec_policy *p = compile(f);
	for (size_t i = 0; i < portspec_policy_flow_count(p); i++)
		assert_int_equal(portspec_flow_level(portspec_policy_flow(p, i)), PORTSPEC_REQUIRED);
	assert_int_equal(portspec_policy_flow_count(p), 14);
	assert_int_equal(allowed(p, "inside", PORTSPEC_INBOUND, PORTSPEC_TCP, 22), 0);
	assert_int_equal(allowed(p, "inside", PORTSPEC_INBOUND, PORTSPEC_TCP, 4443), 1);
	assert_false(has_warning(p, "ssh"));
	portspec_policy_free(p);
	/* and one optional service back on */
	set_ok(f, "enable", "ssh");
	p = compile(f);
	assert_int_equal(allowed(p, "inside", PORTSPEC_INBOUND, PORTSPEC_TCP, 22), 1);
	assert_int_equal(allowed(p, "outside", PORTSPEC_INBOUND, PORTSPEC_TCP, 465), 0);
	portspec_policy_free(p);
}

static void test_dns_outside_only(void **state)
{
	struct fixture *f = *state;
	set_ok(f, "dns", "outside");
	struct portspec_policy *p = compile(f);
	for (int proto = PORTSPEC_TCP; proto <= PORTSPEC_UDP; proto++) {
		assert_int_equal(allowed(p, "outside", PORTSPEC_OUTBOUND, proto, 53), 1);
		assert_int_equal(allowed(p, "inside", PORTSPEC_OUTBOUND, proto, 53), 0);
	}
	/* NTP is still served from both */
	assert_int_equal(allowed(p, "inside", PORTSPEC_OUTBOUND, PORTSPEC_UDP, 123), 1);
	assert_true(has_warning(p, "dns is served from outside, not from inside: If external DNS "
				   "servers are used, you must set up FQDNs of internal hosts "
				   "externally."));
	assert_false(has_warning(p, "ntp is served"));
	const struct portspec_service *dns = portspec_spec_find_service(f->spec, "dns");
	const struct portspec_service *smtp = portspec_spec_find_service(f->spec, "smtp");
	const struct portspec_zone *outside = portspec_spec_find_zone(f->spec, "outside");
	const struct portspec_zone *inside = portspec_spec_find_zone(f->spec, "inside");
	assert_true(portspec_profile_served_from(f->profile, dns, outside));
	assert_false(portspec_profile_served_from(f->profile, dns, inside));
	assert_true(portspec_profile_served_from(f->profile, smtp, inside));
	assert_false(portspec_profile_served_from(f->profile, dns, NULL));
	assert_false(portspec_profile_served_from(NULL, dns, outside));
	/* A zone of another spec is none of this profile's zones. */
	struct portspec_spec *other = NULL;
	assert_int_equal(portspec_spec_new_default(&other, NULL), PORTSPEC_OK);
	assert_false(portspec_profile_served_from(f->profile, dns,
						  portspec_spec_find_zone(other, "outside")));
	assert_int_equal(portspec_profile_zone_address_count(
				 f->profile, portspec_spec_find_zone(other, "inside")), 0);
	portspec_spec_free(other);
	portspec_policy_free(p);
}

static void test_ntp_inside_only(void **state)
{
	struct fixture *f = *state;
	set_ok(f, "ntp", "inside");
	struct portspec_policy *p = compile(f);
	assert_int_equal(allowed(p, "outside", PORTSPEC_OUTBOUND, PORTSPEC_UDP, 123), 0);
	assert_int_equal(allowed(p, "inside", PORTSPEC_OUTBOUND, PORTSPEC_UDP, 123), 1);
	/* the vendor's note is about external DNS: nothing to say here */
	assert_false(has_warning(p, "ntp"));
	assert_false(has_warning(p, "FQDN"));
	portspec_policy_free(p);
	/* nor for DNS served from inside */
	set_ok(f, "dns", "inside");
	p = compile(f);
	assert_false(has_warning(p, "FQDN"));
	assert_false(has_warning(p, "dns"));
	portspec_policy_free(p);
}

static void test_served_from_errors(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(portspec_profile_set(f->profile, "dns", "cluster", &f->err),
			 PORTSPEC_E_PROFILE);
	assert_non_null(strstr(f->err.text, "outside, inside"));
	assert_int_equal(portspec_profile_set(f->profile, "smtp", "inside", &f->err),
			 PORTSPEC_E_PROFILE);
	assert_non_null(strstr(f->err.text, "not marked servable from either zone"));
}

static void test_inside_covers_everything(void **state)
{
	struct fixture *f = *state;
	set_ok(f, "inside", "0.0.0.0/0, 2001:db8::/32");
	struct portspec_policy *p = compile(f);
	assert_true(has_warning(p, "zone inside covers every IPv4 address, so zone outside has none"));
	assert_false(has_warning(p, "IPv6 address"));
	portspec_policy_free(p);
}

static void test_cluster_roles(void **state)
{
	struct fixture *f = *state;
	struct portspec_policy *p = compile(f);
	for (unsigned port = 4990; port <= 5432; port += 442) {
		assert_int_equal(allowed(p, "cluster", PORTSPEC_INBOUND, PORTSPEC_TCP, port), 0);
		assert_int_equal(allowed(p, "cluster", PORTSPEC_OUTBOUND, PORTSPEC_TCP, port), 0);
	}
	portspec_policy_free(p);

	set_ok(f, "role", "central");
	p = compile(f);
	for (unsigned port = 4990; port <= 5432; port += 442) {
		assert_int_equal(allowed(p, "cluster", PORTSPEC_INBOUND, PORTSPEC_TCP, port), 1);
		assert_int_equal(allowed(p, "cluster", PORTSPEC_OUTBOUND, PORTSPEC_TCP, port), 0);
		assert_int_equal(allowed(p, "outside", PORTSPEC_INBOUND, PORTSPEC_TCP, port), 0);
	}
	assert_int_equal(allowed(p, "cluster", PORTSPEC_INBOUND, PORTSPEC_UDP, 4990), 0);
	assert_int_equal(portspec_policy_flow_count(p), 24);
	portspec_policy_free(p);

	set_ok(f, "role", "member");
	p = compile(f);
	for (unsigned port = 4990; port <= 5432; port += 442) {
		assert_int_equal(allowed(p, "cluster", PORTSPEC_INBOUND, PORTSPEC_TCP, port), 0);
		assert_int_equal(allowed(p, "cluster", PORTSPEC_OUTBOUND, PORTSPEC_TCP, port), 1);
	}
	portspec_policy_free(p);

	assert_int_equal(portspec_profile_set(f->profile, "role", "leader", &f->err),
			 PORTSPEC_E_PROFILE);
	assert_non_null(strstr(f->err.text, "standalone, central or member"));
}

static void test_servers_narrow_outbound(void **state)
{
	struct fixture *f = *state;
	set_ok(f, "inside", "10.1.0.0/16");
	set_ok(f, "server", "dns:10.1.0.53, ldap:10.1.0.10");
	struct portspec_policy *p = compile(f);
	/* DNS only from the inside server now; the outside flow has no server */
	assert_int_equal(allowed(p, "outside", PORTSPEC_OUTBOUND, PORTSPEC_UDP, 53), 0);
	const struct portspec_flow *fl = NULL;
	assert_int_equal(tu_allowed(p, "inside", PORTSPEC_OUTBOUND, PORTSPEC_UDP, 53, &fl), 1);
	assert_int_equal(portspec_flow_address_count(fl), 1);
	char buf[64];
	assert_string_equal(portspec_cidr_format(portspec_flow_address(fl, 0), buf, sizeof(buf)),
			    "10.1.0.53");
	assert_int_equal(tu_allowed(p, "inside", PORTSPEC_OUTBOUND, PORTSPEC_TCP, 389, &fl), 1);
	assert_int_equal(portspec_flow_address_count(fl), 1);
	/* NTP untouched: no server given */
	assert_int_equal(tu_allowed(p, "outside", PORTSPEC_OUTBOUND, PORTSPEC_UDP, 123, &fl), 1);
	assert_int_equal(portspec_flow_address_count(fl), 0);
	const struct portspec_service *dns = portspec_spec_find_service(f->spec, "dns");
	assert_int_equal(portspec_profile_server_count(f->profile, dns), 1);
	assert_string_equal(portspec_cidr_format(portspec_profile_server(f->profile, dns, 0), buf,
						 sizeof(buf)), "10.1.0.53");
	assert_null(portspec_profile_server(f->profile, dns, 1));
	portspec_policy_free(p);
}

static void test_server_contradiction(void **state)
{
	struct fixture *f = *state;
	set_ok(f, "inside", "10.0.0.0/8");
	set_ok(f, "dns", "inside");
	set_ok(f, "server", "dns:203.0.113.53");
	struct portspec_policy *p = NULL;
	assert_int_equal(portspec_policy_new(f->spec, f->profile, &p, &f->err), PORTSPEC_E_PROFILE);
	assert_null(p);
	assert_non_null(strstr(f->err.text, "server=dns:203.0.113.53"));
	/* set with portspec_profile_set(): no place to name */
	assert_int_equal(f->err.line, 0);
}

/* A contradiction found when compiling stands where the profile file set it. */
static void test_contradictions_name_the_line(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "inside = 10.20.0.0/16\n"
				   "dns = inside\n"
				   "server = dns:10.20.0.53, dns:192.0.2.53\n";
	assert_int_equal(portspec_profile_parse(f->profile, text, sizeof(text) - 1, "site.profile",
						&f->err),
			 PORTSPEC_OK);
	struct portspec_policy *p = NULL;
	assert_int_equal(portspec_policy_new(f->spec, f->profile, &p, &f->err), PORTSPEC_E_PROFILE);
	assert_string_equal(f->err.file, "site.profile");
	assert_int_equal(f->err.line, 3);
	assert_int_equal(f->err.column, 30); /* the address of the second item */
	assert_non_null(strstr(f->err.text, "server=dns:192.0.2.53"));
	/* server= for an inbound service says client= narrows it */
	portspec_profile_free(f->profile);
	assert_int_equal(portspec_profile_new(f->spec, &f->profile, NULL), PORTSPEC_OK);
	static const char snmp[] = "inside = 10.20.0.0/16\nserver = snmp:10.20.9.0/24\n";
	assert_int_equal(portspec_profile_parse(f->profile, snmp, sizeof(snmp) - 1, "s.profile",
						&f->err),
			 PORTSPEC_OK);
	assert_int_equal(portspec_policy_new(f->spec, f->profile, &p, &f->err), PORTSPEC_E_PROFILE);
	assert_int_equal(f->err.line, 2);
	assert_int_equal(f->err.column, 15);
	assert_non_null(strstr(f->err.text, "client=snmp:10.20.9.0/24 narrows those"));
	/* a role whose flows need peers, with none: at the role, naming the key */
	portspec_profile_free(f->profile);
	assert_int_equal(portspec_profile_new(f->spec, &f->profile, NULL), PORTSPEC_OK);
	static const char central[] = "inside = 10.20.0.0/16\nrole = central\n";
	assert_int_equal(portspec_profile_parse(f->profile, central, sizeof(central) - 1,
						"c.profile", &f->err),
			 PORTSPEC_OK);
	assert_int_equal(portspec_policy_new(f->spec, f->profile, &p, &f->err), PORTSPEC_E_PROFILE);
	assert_string_equal(f->err.file, "c.profile");
	assert_int_equal(f->err.line, 2);
	assert_int_equal(f->err.column, 8);
	assert_non_null(strstr(f->err.text, "set cluster-peer=ADDRESS"));
}

/* Client narrowing: the inbound flows of a service from those sources only. */
static void test_client_narrows_inbound(void **state)
{
	struct fixture *f = *state;
	set_ok(f, "inside", "10.20.0.0/16, fd12:3456::/48");
	set_ok(f, "client", "snmp:10.20.9.0/24");
	set_ok(f, "client", "snmp:fd12:3456:0:9::/64");
	struct portspec_policy *p = compile(f);
	const struct portspec_flow *fl = NULL;
	assert_int_equal(tu_allowed(p, "inside", PORTSPEC_INBOUND, PORTSPEC_UDP, 161, &fl),
			 1);
	assert_int_equal(portspec_flow_address_count(fl), 2);
	char buf[64];
	assert_string_equal(portspec_cidr_format(portspec_flow_address(fl, 0), buf, sizeof(buf)),
			    "10.20.9.0/24");
	const struct portspec_service *snmp = portspec_spec_find_service(f->spec, "snmp");
	assert_int_equal(portspec_profile_client_count(f->profile, snmp), 2);
	assert_non_null(portspec_profile_client(f->profile, snmp, 1));
	assert_null(portspec_profile_client(f->profile, snmp, 2));
	assert_int_equal(portspec_profile_server_count(f->profile, snmp), 0);
	/* the plan intersects them with the zone */
	const struct portspec_plan *plan = portspec_policy_plan(p, PORTSPEC_MODE_HOST);
	struct portspec_connection c = {.direction = PORTSPEC_INBOUND, .protocol = PORTSPEC_UDP,
					.port = 161};
	bool ok = false;
	assert_int_equal(portspec_cidr_parse("10.20.9.7", &c.remote, NULL), PORTSPEC_OK);
	assert_int_equal(portspec_plan_check(plan, &c, &ok, NULL, NULL), PORTSPEC_OK);
	assert_true(ok);
	assert_int_equal(portspec_cidr_parse("10.20.1.7", &c.remote, NULL), PORTSPEC_OK);
	assert_int_equal(portspec_plan_check(plan, &c, &ok, NULL, NULL), PORTSPEC_OK);
	assert_false(ok);
	/* other services of the zone are not narrowed */
	c.protocol = PORTSPEC_TCP;
	c.port = 443;
	assert_int_equal(portspec_plan_check(plan, &c, &ok, NULL, NULL), PORTSPEC_OK);
	assert_true(ok);
	portspec_policy_free(p);
}

static void test_bad_addresses(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *key, *value, *needle;
	} cases[] = {
		{"inside", "192.0.2.1/24", "did you mean 192.0.2.0/24"},
		{"inside", "10.0.0.0/33", "prefixes are 0 to 32"},
		{"inside", "2001:db8::/129", "prefixes are 0 to 128"},
		{"inside", "2001:db8::1/64", "did you mean 2001:db8::/64"},
		{"inside", "10.0.0.0/", "bad prefix length"},
		{"inside", "10.0.0.0/1x", "bad prefix length"},
		{"inside", "300.1.2.3", "not an IPv4 or IPv6 address"},
		{"inside", "garbage", "not an IPv4 or IPv6 address"},
		{"appliance", "198.51.100.0/24", "single address"},
		{"cluster-peer", "::g", "not an IPv4 or IPv6 address"},
		{"interface", "eth0; rm -rf /", "not an interface name"},
		{"interface", "averyveryverylongname", "not an interface name"},
		{"outside", "10.0.0.0/8", "takes no addresses"},
		{"server", "dns", "SERVICE:ADDRESS"},
		{"required-only", "maybe", "true or false"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&f->err, 0, sizeof(f->err));
		enum portspec_status st =
			portspec_profile_set(f->profile, cases[i].key, cases[i].value, &f->err);
		if (st != PORTSPEC_E_PROFILE || !strstr(f->err.text, cases[i].needle))
			fail_msg("%s=%s: status %d, '%s' (wanted '%s')", cases[i].key,
				 cases[i].value, st, f->err.text, cases[i].needle);
	}
}

static void test_unknown_names(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(portspec_profile_set(f->profile, "enable", "telnet", &f->err),
			 PORTSPEC_E_UNKNOWN);
	assert_non_null(strstr(f->err.text, "unknown service 'telnet'"));
	assert_non_null(strstr(f->err.text, "smtp"));
	assert_int_equal(portspec_profile_set(f->profile, "colour", "blue", &f->err),
			 PORTSPEC_E_UNKNOWN);
	assert_non_null(strstr(f->err.text, "unknown profile key 'colour'"));
	assert_int_equal(portspec_profile_set(f->profile, "disable", "smtp", &f->err),
			 PORTSPEC_E_PROFILE);
	assert_non_null(strstr(f->err.text, "required"));
	assert_int_equal(portspec_profile_set(f->profile, "server", "telnet:10.0.0.1", &f->err),
			 PORTSPEC_E_UNKNOWN);
}

static void test_profile_file(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "# site profile\n"
				   "role = central\n"
				   "inside = 10.0.0.0/8, fd00::/8\n"
				   "cluster-peer = 10.9.9.9\n"
				   "disable = ssh, snmp   # not used here\n"
				   "dns = inside\n"
				   "appliance = 10.0.0.5\n";
	assert_int_equal(portspec_profile_parse(f->profile, text, sizeof(text) - 1, "site.conf",
						&f->err), PORTSPEC_OK);
	assert_false(portspec_profile_uses_examples(f->profile));
	assert_int_equal(portspec_profile_zone_address_count(
				 f->profile, portspec_spec_find_zone(f->spec, "inside")), 2);
	assert_int_equal(portspec_profile_appliance_count(f->profile), 1);
	struct portspec_policy *p = compile(f);
	assert_int_equal(allowed(p, "inside", PORTSPEC_INBOUND, PORTSPEC_TCP, 22), 0);
	assert_int_equal(allowed(p, "cluster", PORTSPEC_INBOUND, PORTSPEC_TCP, 5432), 1);
	assert_int_equal(allowed(p, "outside", PORTSPEC_OUTBOUND, PORTSPEC_UDP, 53), 0);
	portspec_policy_free(p);

	/* the effective profile round-trips */
	char *out1, *out2;
	assert_int_equal(portspec_profile_to_string(f->profile, &out1, NULL, NULL), PORTSPEC_OK);
	struct portspec_profile *again;
	assert_int_equal(portspec_profile_new(f->spec, &again, NULL), PORTSPEC_OK);
	assert_int_equal(portspec_profile_parse(again, out1, strlen(out1), "effective", &f->err),
			 PORTSPEC_OK);
	assert_int_equal(portspec_profile_to_string(again, &out2, NULL, NULL), PORTSPEC_OK);
	assert_string_equal(out1, out2);
	assert_non_null(strstr(out1, "role = central"));
	assert_non_null(strstr(out1, "dns = inside"));
	portspec_free(out1);
	portspec_free(out2);
	portspec_profile_free(again);
}

static void test_profile_file_errors(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *text;
		enum portspec_status st;
		unsigned line, column;
		const char *needle;
	} cases[] = {
		{"role = central\nnonsense\n", PORTSPEC_E_PARSE, 2, 1, "key = value"},
		{"role = central\n  colour = red\n", PORTSPEC_E_UNKNOWN, 2, 3, "colour"},
		{"inside = 10.0.0.0/8\ninside =  10.0.0.1/8\n", PORTSPEC_E_PROFILE, 2, 11, "host bits"},
		{"= 5\n", PORTSPEC_E_PARSE, 1, 1, "missing key"},
		{"dns =\n", PORTSPEC_E_PROFILE, 1, 6, "empty value"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct portspec_profile *pr;
		assert_int_equal(portspec_profile_new(f->spec, &pr, NULL), PORTSPEC_OK);
		memset(&f->err, 0, sizeof(f->err));
		enum portspec_status st = portspec_profile_parse(pr, cases[i].text,
								 strlen(cases[i].text), "p.conf",
								 &f->err);
		portspec_profile_free(pr);
		if (st != cases[i].st || f->err.line != cases[i].line ||
		    f->err.column != cases[i].column || !strstr(f->err.text, cases[i].needle) ||
		    strcmp(f->err.file, "p.conf"))
			fail_msg("case %zu: status %d at %s:%u:%u: %s", i, st, f->err.file,
				 f->err.line, f->err.column, f->err.text);
	}
}

static void test_policy_owns_its_inputs(void **state)
{
	struct fixture *f = *state;
	struct portspec_spec *spec;
	struct portspec_profile *pr;
	struct portspec_policy *p;
	assert_int_equal(portspec_spec_new_default(&spec, &f->err), PORTSPEC_OK);
	assert_int_equal(portspec_profile_new(spec, &pr, NULL), PORTSPEC_OK);
	assert_int_equal(portspec_policy_new(spec, pr, &p, &f->err), PORTSPEC_OK);
	/* changing the profile afterwards does not change the policy */
	assert_int_equal(portspec_profile_set(pr, "disable", "ssh", &f->err), PORTSPEC_OK);
	portspec_profile_free(pr);
	portspec_spec_free(spec);
	/* the spec lives on inside the policy (ASan/valgrind check the reads) */
	assert_int_equal(allowed(p, "inside", PORTSPEC_INBOUND, PORTSPEC_TCP, 22), 1);
	const struct portspec_flow *fl;
	assert_int_equal(tu_allowed(p, "outside", PORTSPEC_INBOUND, PORTSPEC_TCP, 25, &fl), 1);
	assert_string_equal(portspec_service_name(portspec_flow_service(fl)), "smtp");
	assert_string_equal(portspec_spec_name(portspec_policy_spec(p)),
			    "Lotus Protector for Mail Security");
	assert_true(portspec_profile_enabled(portspec_policy_profile(p),
					     portspec_spec_find_service(portspec_policy_spec(p), "ssh")));
	portspec_policy_free(p);
}

static void test_profile_of_other_spec(void **state)
{
	struct fixture *f = *state;
	struct portspec_spec *other;
	struct portspec_policy *p = NULL;
	assert_int_equal(portspec_spec_new_default(&other, &f->err), PORTSPEC_OK);
	assert_int_equal(portspec_policy_new(other, f->profile, &p, &f->err), PORTSPEC_E_INVALID);
	assert_null(p);
	portspec_spec_free(other);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_default_warns_about_ssh),
		T(test_warning_kinds),
		T(test_required_only),
		T(test_dns_outside_only),
		T(test_ntp_inside_only),
		T(test_served_from_errors),
		T(test_inside_covers_everything),
		T(test_cluster_roles),
		T(test_servers_narrow_outbound),
		T(test_server_contradiction),
		T(test_contradictions_name_the_line),
		T(test_client_narrows_inbound),
		T(test_bad_addresses),
		T(test_unknown_names),
		T(test_profile_file),
		T(test_profile_file_errors),
		T(test_policy_owns_its_inputs),
		T(test_profile_of_other_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
