/* SPDX-License-Identifier: MIT */
#include "common.h"

static enum portspec_status render_iptables(struct ps_render *r)
{
	return ps_error_set(r->err, PORTSPEC_E_UNSUPPORTED, NULL, 0, 0,
			    "the iptables backend is not implemented yet");
}

const struct ps_backend ps_backend_iptables = {
	.name = "iptables",
	.description = "iptables (not implemented yet)",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_iptables,
};
