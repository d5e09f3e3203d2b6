/* SPDX-License-Identifier: MIT */
/* The audit header compiles and links from C++. */
#include <portspec/audit.h>

#include <cstring>

int main()
{
	struct portspec_ruleset *rs = nullptr;
	struct portspec_error err = {};
	const char text[] = "pass in proto tcp to port 22\n";
	if (portspec_ruleset_new(&rs) != PORTSPEC_OK)
		return 1;
	enum portspec_status st = portspec_ruleset_parse(rs, PORTSPEC_RULESET_PF, text,
							 std::strlen(text), "t", &err);
	size_t n = portspec_ruleset_rule_count(rs);
	portspec_ruleset_free(rs);
	return st == PORTSPEC_OK && n == 1 ? 0 : 1;
}
