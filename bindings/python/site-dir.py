# SPDX-License-Identifier: MIT
"""Prints where the interpreter running this looks for packages under PREFIX.

meson installs Python modules per Debian's `deb_system` scheme, which under
the default prefix /usr/local gives /usr/local/lib/python3/dist-packages, a
directory Debian's /usr/bin/python3 does not search.  Debian's interpreter
reads /usr/local/lib/python3.X/dist-packages (its `posix_local` scheme) and
/usr/lib/python3/dist-packages; other interpreters follow sysconfig.
"""
import sys
import sysconfig

prefix = sys.argv[1].rstrip("/") or "/"
scheme = sysconfig.get_default_scheme()
if scheme == "posix_local" and prefix == "/usr/local":
    path = sysconfig.get_path("platlib", "posix_local")
elif scheme == "posix_local" and prefix == "/usr":
    path = sysconfig.get_path("platlib", "deb_system")
else:
    if scheme == "posix_local":
        scheme = "posix_prefix"
    path = sysconfig.get_path("platlib", scheme, vars={"base": prefix, "platbase": prefix})
print(path)
