/* SPDX-License-Identifier: MIT */
/* The audit header compiles as C99 with -pedantic -Werror (meson.build). */
#include <portspec/audit.h>

int main(void)
{
	struct portspec_packet p;
	p.size = sizeof(p);
	p.hook = PORTSPEC_HOOK_INPUT;
	(void)p;
	return portspec_ruleset_format_name(PORTSPEC_RULESET_PF) == NULL;
}
