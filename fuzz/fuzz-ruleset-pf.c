/* SPDX-License-Identifier: MIT */
/* The pf.conf reader (fuzz-ruleset-common.h). */
#include "fuzz-ruleset-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ruleset(PORTSPEC_RULESET_PF, data, size);
	return 0;
}
