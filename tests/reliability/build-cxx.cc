/* SPDX-License-Identifier: MIT */
/* The public header compiles and links from C++. */
#include <portspec/portspec.h>

int main()
{
	struct portspec_spec *spec = nullptr;
	struct portspec_error err = {};
	if (portspec_spec_new_default(&spec, &err) != PORTSPEC_OK)
		return 1;
	size_t n = portspec_spec_service_count(spec);
	portspec_spec_free(spec);
	return n > 0 ? 0 : 1;
}
