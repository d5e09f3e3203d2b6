/* SPDX-License-Identifier: MIT */
/* The iptables-save reader, as IPv4 and as IPv6 (fuzz-ruleset-common.h). */
#include "fuzz-ruleset-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ruleset(PORTSPEC_RULESET_IPTABLES, data, size);
	fuzz_ruleset(PORTSPEC_RULESET_IP6TABLES, data, size);
	return 0;
}
