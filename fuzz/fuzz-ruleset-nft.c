/* SPDX-License-Identifier: MIT */
/* The nft JSON reader (fuzz-ruleset-common.h); a build without jansson
 * refuses every input, as it must: unsupported, with a reason. */
#include "fuzz-ruleset-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ruleset(PORTSPEC_RULESET_NFT_JSON, data, size);
	return 0;
}
