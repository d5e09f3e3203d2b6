/* SPDX-License-Identifier: MIT */
/*
 * Spec parser: any bytes either parse or fail with a located error; a parsed
 * spec survives every accessor, and its canonical text parses back to an
 * equal spec whose canonical text is the same (a fixed point).
 */
#include "fuzz-common.h"

static void walk(const struct portspec_spec *spec)
{
	(void)portspec_spec_name(spec);
	(void)portspec_spec_version(spec);
	(void)portspec_spec_source(spec);
	FUZZ_CHECK(portspec_spec_filename(spec) != NULL, "no filename");
	for (size_t i = 0; i < portspec_spec_service_count(spec); i++) {
		const struct portspec_service *s = portspec_spec_service(spec, i);
		FUZZ_CHECK(s != NULL, "service %zu", i);
		const char *name = portspec_service_name(s);
		FUZZ_CHECK(name && portspec_spec_find_service(spec, name) == s, "lookup of %s",
			   name ? name : "(null)");
		for (size_t j = 0; j < portspec_service_port_count(s); j++) {
			enum portspec_protocol p;
			unsigned a, b;
			FUZZ_CHECK(portspec_service_port(s, j, &p, &a, &b), "port %zu", j);
			FUZZ_CHECK(a >= 1 && a <= b && b <= 65535, "range %u-%u in %s", a, b, name);
			FUZZ_CHECK(portspec_protocol_name(p) != NULL, "protocol %d", (int)p);
		}
		FUZZ_CHECK(!portspec_service_port(s, portspec_service_port_count(s), NULL, NULL, NULL),
			   "port past the end");
		FUZZ_CHECK(portspec_level_name(portspec_service_level(s)) != NULL, "level");
	}
	for (size_t i = 0; i < portspec_spec_zone_count(spec); i++) {
		const struct portspec_zone *z = portspec_spec_zone(spec, i);
		FUZZ_CHECK(z && portspec_spec_find_zone(spec, portspec_zone_name(z)) == z, "zone %zu",
			   i);
		FUZZ_CHECK(portspec_zone_kind_name(portspec_zone_kind(z)) != NULL, "zone kind");
	}
	for (size_t i = 0; i < portspec_spec_interface_count(spec); i++)
		FUZZ_CHECK(portspec_interface_name(portspec_spec_interface(spec, i)) != NULL,
			   "interface %zu", i);
	size_t cursor = 0, n = 0;
	while (portspec_spec_next_service(spec, PORTSPEC_LEVEL_ANY, &cursor))
		n++;
	FUZZ_CHECK(n == portspec_spec_service_count(spec), "iterator saw %zu services", n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct portspec_spec *spec = NULL, *again = NULL;
	struct portspec_error err;
	memset(&err, 0, sizeof(err));
	enum portspec_status st = portspec_spec_parse((const char *)data, size, "fuzz", &spec, &err);
	if (st != PORTSPEC_OK) {
		fuzz_check_error(st, &err);
		FUZZ_CHECK(spec == NULL, "spec set on failure");
		return 0;
	}
	FUZZ_CHECK(spec != NULL, "no spec on success");
	walk(spec);

	char *text = NULL, *text2 = NULL;
	size_t len = 0, len2 = 0;
	st = portspec_spec_to_string(spec, &text, &len, NULL);
	FUZZ_CHECK(st == PORTSPEC_OK, "to_string failed: %d", (int)st);
	FUZZ_CHECK(strlen(text) == len, "canonical text has a NUL byte");
	st = portspec_spec_parse(text, len, "canonical", &again, &err);
	FUZZ_CHECK(st == PORTSPEC_OK, "canonical text does not parse: %s:%u:%u: %s\n%s", err.file,
		   err.line, err.column, err.text, text);
	FUZZ_CHECK(portspec_spec_equal(spec, again), "canonical text parses to another spec:\n%s",
		   text);
	st = portspec_spec_to_string(again, &text2, &len2, NULL);
	FUZZ_CHECK(st == PORTSPEC_OK && len == len2 && memcmp(text, text2, len) == 0,
		   "canonical text is not a fixed point:\n%s\n----\n%s", text, text2 ? text2 : "");
	portspec_free(text);
	portspec_free(text2);
	portspec_spec_free(again);
	portspec_spec_free(spec);
	return 0;
}
