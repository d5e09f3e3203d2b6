/* SPDX-License-Identifier: MIT */
/* ip6tables-restore input: the iptables renderer (iptables.c) for IPv6 addresses. */
#include "common.h"

static enum portspec_status render_ip6tables(struct ps_render *r)
{
	return ps_xtables_render(r, 6);
}

const struct ps_backend ps_backend_ip6tables = {
	.name = "ip6tables",
	.kind = PORTSPEC_BACKEND_RULES,
	.description = "ip6tables-restore input for IPv6: filter table, raw table for "
		       "conntrack helpers; complete ruleset or chains",
	.modes = PORTSPEC_MODE_HOST | PORTSPEC_MODE_GATEWAY,
	.render = render_ip6tables,
};
