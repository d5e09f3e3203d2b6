/* SPDX-License-Identifier: MIT */
#include "common.h"

static enum portspec_status render_pf(struct ps_render *r)
{
	return ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
			    "the pf backend is not implemented yet");
}

const struct ps_backend ps_backend_pf = {
	.name = "pf",
	.description = "pf (not implemented yet)",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_pf,
};
