/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the libFuzzer harnesses.  A harness aborts (and so
 * reports a crash) when the library breaks one of its documented promises,
 * not only when it crashes: a failed call must say why, an output pointer is
 * only set on success, canonical text must parse back to an equal object.
 */
#ifndef PORTSPEC_FUZZ_COMMON_H
#define PORTSPEC_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <portspec/portspec.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: broken promise: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A failed call fills the error with the status it returns and a reason. */
static inline void fuzz_check_error(enum portspec_status st, const struct portspec_error *err)
{
	FUZZ_CHECK(st != PORTSPEC_OK, "not an error");
	FUZZ_CHECK(err->status == st, "error says %d, call returned %d", (int)err->status, (int)st);
	FUZZ_CHECK(err->text[0] != '\0', "error without a reason (status %d)", (int)st);
	FUZZ_CHECK(memchr(err->text, '\0', sizeof(err->text)) != NULL, "unterminated error text");
	FUZZ_CHECK(memchr(err->file, '\0', sizeof(err->file)) != NULL, "unterminated file name");
	char buf[1024];
	portspec_error_format(err, buf, sizeof(buf));
}

/*
 * Splits the input at the first "\n%%\n": the spec text before it, the
 * profile text after.  Without a separator the whole input is the spec.
 */
static inline void fuzz_split(const uint8_t *data, size_t size, const char **spec, size_t *spec_len,
			      const char **profile, size_t *profile_len)
{
	static const char sep[] = "\n%%\n";
	const char *text = (const char *)data;
	*spec = text;
	*spec_len = size;
	*profile = NULL;
	*profile_len = 0;
	for (size_t i = 0; i + sizeof(sep) - 1 <= size; i++) {
		if (memcmp(text + i, sep, sizeof(sep) - 1) == 0) {
			*spec_len = i + 1;
			*profile = text + i + sizeof(sep) - 1;
			*profile_len = size - i - (sizeof(sep) - 1);
			return;
		}
	}
}

/*
 * The queries agree with the flow list: every flow's first and last port is
 * allowed in its zone, direction and protocol, and reading the flows of a
 * policy never fails.
 */
/* portspec_is_allowed() as 1, 0 or a negated status. */
static inline int fuzz_allowed(const struct portspec_policy *policy, const char *zone,
			       enum portspec_direction d, enum portspec_protocol p, unsigned port,
			       const struct portspec_flow **m)
{
	bool ok = false;
	enum portspec_status st = portspec_is_allowed(policy, zone, d, p, port, &ok, m, NULL);
	return st ? -(int)st : ok;
}

static inline void fuzz_check_queries(const struct portspec_policy *policy)
{
	size_t n = portspec_policy_flow_count(policy);
	for (size_t i = 0; i < n; i++) {
		const struct portspec_flow *f = portspec_policy_flow(policy, i);
		FUZZ_CHECK(f != NULL, "flow %zu of %zu is NULL", i, n);
		const struct portspec_zone *z = portspec_flow_zone(f);
		FUZZ_CHECK(z != NULL, "flow without a zone");
		unsigned first = portspec_flow_port_first(f), last = portspec_flow_port_last(f);
		FUZZ_CHECK(first >= 1 && first <= last && last <= 65535, "flow ports %u-%u", first,
			   last);
		const struct portspec_flow *m = NULL;
		int r = fuzz_allowed(policy, portspec_zone_name(z), portspec_flow_direction(f),
				     portspec_flow_protocol(f), first, &m);
		FUZZ_CHECK(r == 1 && m != NULL, "flow %zu port %u not allowed (%d)", i, first, r);
		r = fuzz_allowed(policy, portspec_zone_name(z), portspec_flow_direction(f),
				 portspec_flow_protocol(f), last, NULL);
		FUZZ_CHECK(r == 1, "flow %zu port %u not allowed (%d)", i, last, r);
	}
	size_t cursor = 0, found = 0;
	while (portspec_policy_find(policy, PORTSPEC_LEVEL_ANY, NULL, 0, 0, &cursor))
		found++;
	FUZZ_CHECK(found == n, "find returned %zu of %zu flows", found, n);
	for (size_t i = 0; i < portspec_policy_warning_count(policy); i++)
		FUZZ_CHECK(portspec_policy_warning(policy, i) != NULL, "warning %zu is NULL", i);
	FUZZ_CHECK(fuzz_allowed(policy, "outside", PORTSPEC_INBOUND, PORTSPEC_TCP, 0, NULL) < 0,
		   "port 0 accepted");
	FUZZ_CHECK(fuzz_allowed(policy, "outside", PORTSPEC_INBOUND, PORTSPEC_TCP, 65536, NULL) < 0,
		   "port 65536 accepted");
}

#endif /* PORTSPEC_FUZZ_COMMON_H */
