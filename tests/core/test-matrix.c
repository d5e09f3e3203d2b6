/* SPDX-License-Identifier: MIT */
/*
 * The built-in spec against the vendor document: every cell of the graphic
 * allowed with its protocols, every other (zone, direction, protocol, port)
 * denied, and the three tables' levels, titles and descriptions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <portspec/portspec.h>

#include "testutil.h"

#include "seed-oracle.h"

static struct seed seed;

static struct portspec_policy *default_policy(struct portspec_spec **spec_out)
{
	struct portspec_spec *spec = NULL;
	struct portspec_policy *policy = NULL;
	struct portspec_error err;
	assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	assert_int_equal(portspec_policy_new(spec, NULL, &policy, &err), PORTSPEC_OK);
	if (spec_out)
		*spec_out = spec;
	else
		portspec_spec_free(spec);
	return policy;
}

static bool seed_allows(const char *zone, int dir, int proto, unsigned port)
{
	for (size_t i = 0; i < seed.ncells; i++) {
		const struct seed_cell *c = &seed.cells[i];
		if (c->port == port && c->direction == dir && !strcmp(c->zone, zone) &&
		    (seed_protocols(port) & (proto == PORTSPEC_TCP ? 1u : 2u)))
			return true;
	}
	return false;
}

static void test_every_cell(void **state)
{
	(void)state;
	struct portspec_policy *policy = default_policy(NULL);
	static const char *const zones[] = {"outside", "inside", "cluster"};
	size_t allowed = 0;
	for (size_t z = 0; z < 3; z++)
		for (int dir = PORTSPEC_INBOUND; dir <= PORTSPEC_OUTBOUND; dir++)
			for (int proto = PORTSPEC_TCP; proto <= PORTSPEC_UDP; proto++)
				for (unsigned port = 1; port <= 65535; port++) {
					const struct portspec_flow *f = NULL;
					int got = tu_allowed(policy, zones[z], dir, proto,
								      port, &f);
					int want = seed_allows(zones[z], dir, proto, port);
					if (got != want)
						fail_msg("%s %s %s/%u: library says %d, document "
							 "says %d", zones[z],
							 portspec_direction_name(dir),
							 portspec_protocol_name(proto), port, got, want);
					if (got == 1) {
						allowed++;
						assert_non_null(f);
						assert_string_equal(portspec_zone_name(portspec_flow_zone(f)),
								    zones[z]);
						assert_int_equal(portspec_flow_direction(f), dir);
						assert_int_equal(portspec_flow_protocol(f), proto);
						assert_true(portspec_flow_port_first(f) <= port &&
							    port <= portspec_flow_port_last(f));
					} else {
						assert_null(f);
					}
				}
	/* 20 cells; 53 is tcp and udp in two zones */
	assert_int_equal(allowed, 22);
	assert_int_equal(portspec_policy_flow_count(policy), 22);
	portspec_policy_free(policy);
}

static void test_either_marks(void **state)
{
	(void)state;
	struct portspec_spec *spec;
	struct portspec_policy *policy = default_policy(&spec);
	for (size_t i = 0; i < portspec_policy_flow_count(policy); i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, i);
		bool want = false;
		for (size_t c = 0; c < seed.ncells; c++)
			if (seed.cells[c].port == portspec_flow_port_first(f) &&
			    seed.cells[c].direction == (int)portspec_flow_direction(f) &&
			    !strcmp(seed.cells[c].zone, portspec_zone_name(portspec_flow_zone(f))))
				want = seed.cells[c].either;
		assert_int_equal(portspec_flow_either(f), want);
	}
	/* the footnote travels with the mark: its first sentence is the spec's
	 * either-note, its second, about external DNS servers, DNS's for the
	 * zone outside */
	const char *first = portspec_spec_either_note(spec);
	const char *dns_outside = portspec_service_either_note(
		portspec_spec_find_service(spec, "dns"), portspec_spec_find_zone(spec, "outside"));
	assert_non_null(first);
	assert_non_null(dns_outside);
	char joined[sizeof(seed.footnote) + 8];
	snprintf(joined, sizeof(joined), "%s %s", first, dns_outside);
	assert_string_equal(joined, seed.footnote);
	assert_null(portspec_service_either_note(portspec_spec_find_service(spec, "dns"),
						 portspec_spec_find_zone(spec, "inside")));
	assert_null(portspec_service_either_note(portspec_spec_find_service(spec, "ntp"),
						 portspec_spec_find_zone(spec, "outside")));
	char *text;
	assert_int_equal(portspec_spec_to_string(spec, &text, NULL, NULL), PORTSPEC_OK);
	assert_non_null(strstr(text, first));
	assert_non_null(strstr(text, dns_outside));
	portspec_free(text);
	assert_int_equal(portspec_spec_interface_count(spec), 1);
	const struct portspec_interface *eth1 = portspec_spec_interface(spec, 0);
	assert_string_equal(portspec_interface_title(eth1), "ETH1");
	assert_string_equal(portspec_interface_name(eth1), "eth1");
	assert_ptr_equal(portspec_spec_find_interface(spec, "eth1"), eth1);
	assert_null(portspec_spec_find_interface(spec, "eth9"));
	assert_null(portspec_spec_interface(spec, 1));
	/* Every flow of the built-in spec is on ETH1, as a handle of the spec. */
	for (size_t i = 0; i < portspec_policy_flow_count(policy); i++)
		assert_ptr_equal(portspec_flow_interface(portspec_policy_flow(policy, i)), eth1);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
}

static void test_tables(void **state)
{
	(void)state;
	struct portspec_spec *spec;
	struct portspec_error err;
	assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	assert_int_equal(portspec_spec_service_count(spec), seed.nrows);
	for (size_t r = 0; r < seed.nrows; r++) {
		const struct seed_row *row = &seed.rows[r];
		const struct portspec_service *found = NULL;
		for (size_t i = 0; i < portspec_spec_service_count(spec); i++) {
			const struct portspec_service *svc = portspec_spec_service(spec, i);
			unsigned first, last;
			for (size_t k = 0; portspec_service_port(svc, k, NULL, &first, &last); k++)
				if (first <= row->port && row->port <= last) {
					/* one service per table row */
					assert_true(found == NULL || found == svc);
					found = svc;
				}
		}
		assert_non_null(found);
		assert_string_equal(portspec_level_name(portspec_service_level(found)), row->level);
		assert_string_equal(portspec_service_title(found), row->title);
		/* the document writes SSH's caution in front of its description */
		char desc[1024];
		if (portspec_service_note(found))
			snprintf(desc, sizeof(desc), "(%s) %s", portspec_service_note(found),
				 portspec_service_description(found));
		else
			snprintf(desc, sizeof(desc), "%s", portspec_service_description(found));
		assert_string_equal(desc, row->description);
		/* and its protocols are the domain facts */
		unsigned mask = 0;
		enum portspec_protocol proto;
		for (size_t k = 0; portspec_service_port(found, k, &proto, NULL, NULL); k++)
			mask |= proto == PORTSPEC_TCP ? 1u : 2u;
		assert_int_equal(mask, seed_protocols(row->port));
	}
	portspec_spec_free(spec);
}

static void test_required_list(void **state)
{
	(void)state;
	struct portspec_policy *policy = default_policy(NULL);
	size_t cursor = 0, n = 0;
	const struct portspec_flow *f;
	while ((f = portspec_list_required(policy, &cursor))) {
		assert_int_equal(portspec_flow_level(f), PORTSPEC_REQUIRED);
		bool in_table = false;
		for (size_t r = 0; r < seed.nrows; r++)
			in_table |= seed.rows[r].port == portspec_flow_port_first(f) &&
				    !strcmp(seed.rows[r].level, "required");
		assert_true(in_table);
		n++;
	}
	/* required flows: 25 x4, 53 x4 (tcp+udp, two zones), 123 x2, 389, 443 x2, 4443 */
	assert_int_equal(n, 14);
	portspec_policy_free(policy);
}

static void test_cluster_ports(void **state)
{
	(void)state;
	struct portspec_spec *spec;
	struct portspec_error err;
	assert_int_equal(portspec_spec_new_default(&spec, &err), PORTSPEC_OK);
	size_t cursor = 0, n = 0;
	const struct portspec_service *svc;
	while ((svc = portspec_cluster_ports(spec, &cursor))) {
		unsigned first;
		assert_true(portspec_service_port(svc, 0, NULL, &first, NULL));
		bool in_table = false;
		for (size_t r = 0; r < seed.nrows; r++)
			in_table |= seed.rows[r].port == first && !strcmp(seed.rows[r].level, "cluster");
		assert_true(in_table);
		n++;
	}
	assert_int_equal(n, 2);
	portspec_spec_free(spec);
}

int main(void)
{
	seed_load(&seed);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_cell),
		cmocka_unit_test(test_either_marks),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_required_list),
		cmocka_unit_test(test_cluster_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
