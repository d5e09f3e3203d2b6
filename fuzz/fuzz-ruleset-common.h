/* SPDX-License-Identifier: MIT */
/*
 * What every ruleset reader promises, for the ruleset harnesses: any bytes
 * either read or fail with a located error and leave the ruleset empty; the
 * same bytes read to the same model; a ruleset that reads is equal to
 * itself (diff), and a connection can be traced through it.
 */
#ifndef PORTSPEC_FUZZ_RULESET_COMMON_H
#define PORTSPEC_FUZZ_RULESET_COMMON_H

#include "fuzz-common.h"
#include "internal.h"

static int fuzz_null_sink(void *userdata, const char *data, size_t len)
{
	(void)userdata;
	(void)data;
	(void)len;
	return 0;
}

static char *fuzz_dump(const struct portspec_ruleset *rs, size_t *len)
{
	struct ps_buf b;
	ps_buf_init(&b);
	pa_ruleset_dump(rs, &b);
	FUZZ_CHECK(!b.failed, "dump out of memory");
	return ps_buf_steal(&b, len);
}

static void fuzz_ruleset(enum portspec_ruleset_format format, const uint8_t *data, size_t size)
{
	struct portspec_ruleset *rs = NULL, *again = NULL;
	struct portspec_error err;
	FUZZ_CHECK(portspec_ruleset_new(&rs) == PORTSPEC_OK, "new");
	memset(&err, 0xff, sizeof(err)); /* a failure must fill it */
	enum portspec_status st = portspec_ruleset_parse(rs, format, (const char *)data, size,
							 "fuzz", &err);
	if (st != PORTSPEC_OK) {
		fuzz_check_error(st, &err);
		if (st == PORTSPEC_E_PARSE)
			FUZZ_CHECK(err.line > 0, "a parse error without a line: %s", err.text);
		FUZZ_CHECK(portspec_ruleset_rule_count(rs) == 0 && portspec_ruleset_chain_count(rs) == 0,
			   "a failed read changed the ruleset");
		portspec_ruleset_free(rs);
		return;
	}
	for (size_t i = 0; i < portspec_ruleset_note_count(rs); i++)
		FUZZ_CHECK(portspec_ruleset_note(rs, i) != NULL, "note %zu", i);
	FUZZ_CHECK(portspec_ruleset_note(rs, portspec_ruleset_note_count(rs)) == NULL,
		   "note past the end");

	/* Deterministic: the same text reads to the same model. */
	FUZZ_CHECK(portspec_ruleset_new(&again) == PORTSPEC_OK, "new");
	FUZZ_CHECK(portspec_ruleset_parse(again, format, (const char *)data, size, "fuzz", &err) ==
		   PORTSPEC_OK, "read once, refused the second time: %s", err.text);
	size_t n1, n2;
	char *d1 = fuzz_dump(rs, &n1), *d2 = fuzz_dump(again, &n2);
	FUZZ_CHECK(n1 == n2 && (!n1 || !memcmp(d1, d2, n1)), "two reads, two models");
	ps_free(d1);
	ps_free(d2);

	/* Equal to itself.  The analysis may refuse (a limit), never err. */
	struct portspec_ruleset_diff *diff = NULL;
	st = portspec_ruleset_diff(rs, again, &diff, &err);
	if (st == PORTSPEC_OK) {
		FUZZ_CHECK(portspec_ruleset_diff_count(diff) == 0, "a ruleset differs from itself");
		FUZZ_CHECK(portspec_ruleset_diff_write(diff, PORTSPEC_AUDIT_JSON, fuzz_null_sink,
						       NULL) == PORTSPEC_OK, "diff_write");
		portspec_ruleset_diff_free(diff);
	} else {
		fuzz_check_error(st, &err);
		FUZZ_CHECK(st == PORTSPEC_E_LIMIT || st == PORTSPEC_E_NOMEM, "diff: %s", err.text);
	}

	/* One connection in, one out. */
	static const enum portspec_hook hooks[] = {PORTSPEC_HOOK_INPUT, PORTSPEC_HOOK_FORWARD,
						   PORTSPEC_HOOK_OUTPUT};
	for (size_t h = 0; h < 3; h++) {
		unsigned fam = portspec_ruleset_families(rs) & 2u ? 6 : 4;
		struct portspec_packet p = {.size = sizeof(p), .hook = hooks[h],
					    .protocol = PORTSPEC_TCP,
					    .src = fam == 6 ? "2001:db8::1" : "192.0.2.1",
					    .dst = fam == 6 ? "2001:db8::2" : "198.51.100.1",
					    .dport_first = 22, .dport_last = 22,
					    .iif = hooks[h] == PORTSPEC_HOOK_OUTPUT ? NULL : "eth0",
					    .oif = hooks[h] == PORTSPEC_HOOK_INPUT ? NULL : "eth1"};
		struct portspec_ruleset_trace *t = NULL;
		st = portspec_ruleset_trace(rs, &p, &t, &err);
		if (st == PORTSPEC_OK) {
			FUZZ_CHECK(portspec_ruleset_verdict_name(portspec_ruleset_trace_verdict(t)),
				   "verdict");
			FUZZ_CHECK(portspec_ruleset_trace_write(t, PORTSPEC_AUDIT_TEXT, fuzz_null_sink,
								NULL) == PORTSPEC_OK, "trace_write");
			portspec_ruleset_trace_free(t);
		} else {
			fuzz_check_error(st, &err);
			FUZZ_CHECK(t == NULL, "trace set on failure");
			FUZZ_CHECK(st == PORTSPEC_E_LIMIT || st == PORTSPEC_E_NOMEM, "trace: %s", err.text);
		}
	}
	portspec_ruleset_free(again);
	portspec_ruleset_free(rs);
}

#endif /* PORTSPEC_FUZZ_RULESET_COMMON_H */
