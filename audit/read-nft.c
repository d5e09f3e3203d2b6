/* SPDX-License-Identifier: MIT */
#include "internal.h"

enum portspec_status pa_read_nft_json(struct portspec_ruleset *rs, const char *text, size_t len,
				      uint32_t file, struct portspec_error *err)
{
	(void)text; (void)len;
	return ps_error_set(err, PORTSPEC_E_UNSUPPORTED, rs->files[file], 0, 0, "nft: TODO");
}
