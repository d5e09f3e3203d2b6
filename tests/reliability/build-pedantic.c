/* SPDX-License-Identifier: MIT */
/* The public header compiles as C99 with -pedantic -Werror (meson.build). */
#include <portspec/portspec.h>

int main(void)
{
	struct portspec_error err;
	err.status = PORTSPEC_OK;
	return portspec_strerror(err.status) == NULL;
}
