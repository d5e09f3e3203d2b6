/* SPDX-License-Identifier: MIT */
/* API misuse returns errors, never crashes; enum names; error formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <portspec/portspec.h>

#include "testutil.h"

/* A reference taken with portspec_spec_ref() keeps the spec alive after the
 * loader's portspec_spec_free(); the last free releases it (ASan and valgrind
 * see a leak or a use after free otherwise). */
static void test_spec_ref(void **state)
{
	(void)state;
	struct portspec_error err;
	struct portspec_spec *spec = NULL;
	assert_null(portspec_spec_ref(NULL));
	assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	struct portspec_spec *held = portspec_spec_ref(spec);
	assert_ptr_equal(held, spec);
	portspec_spec_free(spec);
	assert_non_null(portspec_spec_find_zone(held, "inside"));
	struct portspec_policy *policy = NULL;
	assert_int_equal(portspec_policy_new(held, NULL, &policy, &err), PORTSPEC_OK);
	portspec_spec_free(held);
	assert_ptr_equal(portspec_policy_spec(policy), held);
	assert_non_null(portspec_spec_find_zone(portspec_policy_spec(policy), "outside"));
	portspec_policy_free(policy);
}

static void test_null_handles(void **state)
{
	(void)state;
	struct portspec_error err;
	struct portspec_spec *spec = NULL;
	portspec_spec_free(NULL);
	portspec_profile_free(NULL);
	portspec_policy_free(NULL);
	portspec_free(NULL);
	assert_int_equal(portspec_spec_parse(NULL, 5, NULL, &spec, &err), PORTSPEC_E_INVALID);
	assert_int_equal(portspec_spec_parse("portspec 1", 10, NULL, NULL, &err), PORTSPEC_E_INVALID);
	assert_int_equal(portspec_spec_load(NULL, &spec, &err), PORTSPEC_E_INVALID);
	assert_int_equal(portspec_spec_new_default(NULL, NULL), PORTSPEC_E_INVALID);
	assert_null(spec);
	assert_int_equal(portspec_profile_new(NULL, NULL, NULL), PORTSPEC_E_INVALID);
	assert_int_equal(portspec_profile_set(NULL, "a", "b", &err), PORTSPEC_E_INVALID);
	assert_int_equal(portspec_profile_parse(NULL, "", 0, NULL, &err), PORTSPEC_E_INVALID);
	assert_int_equal(portspec_profile_required_only(NULL, NULL), PORTSPEC_E_INVALID);
	assert_int_equal(portspec_profile_set_role(NULL, PORTSPEC_ROLE_CENTRAL, NULL), PORTSPEC_E_INVALID);
	assert_int_equal(portspec_policy_new(NULL, NULL, NULL, &err), PORTSPEC_E_INVALID);
	assert_int_equal(tu_allowed(NULL, "inside", PORTSPEC_INBOUND, PORTSPEC_TCP, 22, NULL),
			 -PORTSPEC_E_INVALID);
	size_t cursor = 0;
	assert_null(portspec_policy_find(NULL, PORTSPEC_LEVEL_ANY, NULL, 0, 0, &cursor));
	assert_null(portspec_list_required(NULL, &cursor));
	assert_null(portspec_cluster_ports(NULL, &cursor));
	assert_int_equal(portspec_policy_flow_count(NULL), 0);
	assert_null(portspec_policy_flow(NULL, 0));
	assert_null(portspec_service_name(NULL));
	assert_int_equal(portspec_flow_port_first(NULL), 0);
	assert_false(portspec_service_port(NULL, 0, NULL, NULL, NULL));
	assert_null(portspec_spec_find_service(NULL, "smtp"));
	assert_null(portspec_spec_find_zone(NULL, "inside"));
	assert_false(portspec_spec_equal(NULL, (const struct portspec_spec *)&err));
	assert_int_equal(portspec_spec_to_string(NULL, NULL, NULL, NULL), PORTSPEC_E_INVALID);
	assert_int_equal(portspec_render_to_string(
				 NULL, "nft",
				 &(struct portspec_render_options){.mode = PORTSPEC_MODE_HOST},
				 NULL, NULL, &err),
			 PORTSPEC_E_INVALID);
}

static void test_bad_query_arguments(void **state)
{
	(void)state;
	struct portspec_spec *spec;
	struct portspec_policy *p;
	struct portspec_error err;
	assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	assert_int_equal(portspec_policy_new(spec, NULL, &p, &err), PORTSPEC_OK);
	const struct portspec_flow *f = (const struct portspec_flow *)&err;
	assert_int_equal(tu_allowed(p, "inside", PORTSPEC_INBOUND, PORTSPEC_TCP, 0, &f),
			 -PORTSPEC_E_INVALID);
	assert_null(f);
	assert_int_equal(tu_allowed(p, "inside", PORTSPEC_INBOUND, PORTSPEC_TCP, 65536, NULL),
			 -PORTSPEC_E_INVALID);
	assert_int_equal(tu_allowed(p, "inside", PORTSPEC_INBOUND, PORTSPEC_TCP, 65535, NULL), 0);
	assert_int_equal(tu_allowed(p, "inside", PORTSPEC_DIR_ANY, PORTSPEC_TCP, 22, NULL),
			 -PORTSPEC_E_INVALID);
	assert_int_equal(tu_allowed(p, "inside", 7, PORTSPEC_TCP, 22, NULL),
			 -PORTSPEC_E_INVALID);
	assert_int_equal(tu_allowed(p, "inside", PORTSPEC_INBOUND, 9, 22, NULL),
			 -PORTSPEC_E_INVALID);
	assert_int_equal(tu_allowed(p, "dmz", PORTSPEC_INBOUND, PORTSPEC_TCP, 22, NULL),
			 -PORTSPEC_E_UNKNOWN);
	assert_int_equal(tu_allowed(p, NULL, PORTSPEC_INBOUND, PORTSPEC_TCP, 22, NULL),
			 -PORTSPEC_E_INVALID);
	assert_null(portspec_policy_flow(p, portspec_policy_flow_count(p)));
	assert_null(portspec_policy_warning(p, 99));
	/* rendering: unknown backend, bad mode, bad fragment names */
	char *out = NULL;
	assert_int_equal(portspec_render_to_string(
				 p, "ipfw",
				 &(struct portspec_render_options){.mode = PORTSPEC_MODE_HOST},
				 &out, NULL, &err),
			 PORTSPEC_E_UNKNOWN);
	assert_non_null(strstr(err.text, "the backends are: iptables"));
	assert_int_equal(portspec_render_to_string(p, "nft",
						   &(struct portspec_render_options){.mode = 3},
						   &out, NULL, &err),
			 PORTSPEC_E_INVALID);
	assert_int_equal(
		portspec_render_to_string(p, "nft",
					  &(struct portspec_render_options){
						  .mode = PORTSPEC_MODE_HOST, .flags = 0x80},
					  &out, NULL, &err),
		PORTSPEC_E_INVALID);
	/* a reserved member set is refused, not ignored; NULL options are host mode */
	struct portspec_render_options ro = PORTSPEC_RENDER_OPTIONS_INIT;
	ro.reserved[2] = &ro;
	assert_int_equal(portspec_render_to_string(p, "nft", &ro, &out, NULL, &err),
			 PORTSPEC_E_INVALID);
	assert_non_null(strstr(err.text, "reserved member 2"));
	assert_null(out);
	size_t dlen = 0, hlen = 0;
	char *hout = NULL;
	assert_int_equal(portspec_render_to_string(p, "nft", NULL, &out, &dlen, &err), PORTSPEC_OK);
	assert_int_equal(portspec_render_to_string(
				 p, "nft",
				 &(struct portspec_render_options){.mode = PORTSPEC_MODE_HOST},
				 &hout, &hlen, &err),
			 PORTSPEC_OK);
	assert_int_equal(dlen, hlen);
	assert_string_equal(out, hout);
	portspec_free(out);
	portspec_free(hout);
	out = NULL;
	static const char *const bad_names[] = {"", "a b", "x;y", "1abc", "\"q", "a\nb",
						"abcdefghijabcdefghijabcdefghij"};
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		assert_int_equal(
			portspec_render_to_string(
				p, "nft",
				&(struct portspec_render_options){.mode = PORTSPEC_MODE_HOST,
								  .flags = PORTSPEC_RENDER_FRAGMENT,
								  .name = bad_names[i]},
				&out, NULL, &err),
			PORTSPEC_E_INVALID);
	assert_null(out);
	portspec_policy_free(p);
	portspec_spec_free(spec);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(portspec_direction_name(PORTSPEC_INBOUND), "inbound");
	assert_int_equal(portspec_direction_from_name("outbound"), PORTSPEC_OUTBOUND);
	assert_int_equal(portspec_direction_from_name("sideways"), PORTSPEC_DIR_ANY);
	assert_null(portspec_direction_name(9));
	assert_string_equal(portspec_protocol_name(PORTSPEC_UDP), "udp");
	assert_int_equal(portspec_protocol_from_name("tcp"), PORTSPEC_TCP);
	assert_int_equal(portspec_protocol_from_name(NULL), PORTSPEC_PROTO_ANY);
	assert_string_equal(portspec_level_name(PORTSPEC_CLUSTER), "cluster");
	assert_int_equal(portspec_level_from_name("optional"), PORTSPEC_OPTIONAL);
	assert_null(portspec_level_name(PORTSPEC_LEVEL_ANY));
	assert_string_equal(portspec_role_name(PORTSPEC_ROLE_MEMBER), "member");
	assert_int_equal(portspec_role_from_name("central"), PORTSPEC_ROLE_CENTRAL);
	assert_string_equal(portspec_zone_kind_name(PORTSPEC_ZONE_PEERS), "peers");
	for (int s = PORTSPEC_OK; s <= PORTSPEC_E_LIMIT; s++)
		assert_string_not_equal(portspec_strerror(s), "unknown status");
	assert_string_equal(portspec_strerror(999), "unknown status");
	assert_non_null(strchr(portspec_version(), '.'));
}

static void test_error_format(void **state)
{
	(void)state;
	struct portspec_error err = {.status = PORTSPEC_E_PARSE, .line = 3, .column = 7};
	strcpy(err.file, "x.portspec");
	strcpy(err.text, "bad");
	char buf[128];
	assert_string_equal(portspec_error_format(&err, buf, sizeof(buf)),
			    "x.portspec:3:7: error: bad");
	err.line = 0;
	assert_string_equal(portspec_error_format(&err, buf, sizeof(buf)), "x.portspec: error: bad");
	err.file[0] = '\0';
	assert_string_equal(portspec_error_format(&err, buf, sizeof(buf)), "error: bad");
	char tiny[8];
	assert_string_equal(portspec_error_format(&err, tiny, sizeof(tiny)), "error: ");
}

static void test_cidr(void **state)
{
	(void)state;
	struct portspec_cidr c;
	char buf[64];
	assert_int_equal(portspec_cidr_parse("192.0.2.0/24", &c, NULL), PORTSPEC_OK);
	assert_int_equal(c.family, 4);
	assert_int_equal(c.prefix, 24);
	assert_string_equal(portspec_cidr_format(&c, buf, sizeof(buf)), "192.0.2.0/24");
	assert_int_equal(portspec_cidr_parse("2001:DB8::1", &c, NULL), PORTSPEC_OK);
	assert_int_equal(c.prefix, 128);
	assert_string_equal(portspec_cidr_format(&c, buf, sizeof(buf)), "2001:db8::1");
	assert_int_equal(portspec_cidr_parse("0.0.0.0/0", &c, NULL), PORTSPEC_OK);
	assert_int_equal(portspec_cidr_parse("::/0", &c, NULL), PORTSPEC_OK);
	assert_int_equal(portspec_cidr_parse("1.2.3.4/32/1", &c, NULL), PORTSPEC_E_PROFILE);
	assert_int_equal(portspec_cidr_parse("/8", &c, NULL), PORTSPEC_E_PROFILE);
	assert_int_equal(portspec_cidr_parse(" 1.2.3.4", &c, NULL), PORTSPEC_E_PROFILE);
	assert_int_equal(portspec_cidr_parse("1.2.3.4/-1", &c, NULL), PORTSPEC_E_PROFILE);
	assert_int_equal(portspec_cidr_parse(NULL, &c, NULL), PORTSPEC_E_INVALID);
}

static void test_allocator_hooks(void **state)
{
	(void)state;
	assert_int_equal(portspec_set_allocator(NULL, NULL, free), PORTSPEC_E_INVALID);
	assert_int_equal(portspec_set_allocator(NULL, NULL, NULL), PORTSPEC_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_ref),
		cmocka_unit_test(test_null_handles),
		cmocka_unit_test(test_bad_query_arguments),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_allocator_hooks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
