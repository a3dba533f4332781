#!/usr/bin/python3
"""pythondir.py -- where `make install` puts the neobay_py package for a prefix.

    python3 tools/pythondir.py PREFIX

Prints the directory under PREFIX that this interpreter searches for pure-Python
packages once the prefix is installed: on Debian /usr/lib/python3/dist-packages for
PREFIX=/usr and /usr/local/lib/python3.X/dist-packages for /usr/local (Debian's own
schemes); elsewhere PREFIX/lib/python3.X/site-packages (the standard posix_prefix
scheme, which PYTHONPATH or a venv can name).  Exit code 2 on a bad command line.
"""
import os
import sys
import sysconfig


def pythondir(prefix):
    """The purelib directory of `prefix` (a path; trailing slashes ignored)."""
    prefix = os.path.normpath(prefix)
    schemes = sysconfig.get_scheme_names()
    if prefix == "/usr" and "deb_system" in schemes:
        return sysconfig.get_path("purelib", "deb_system", vars={"base": "/usr"})
    if prefix == "/usr/local" and "posix_local" in schemes:
        # Debian's posix_local scheme already adds "local" to its base.
        return sysconfig.get_path("purelib", "posix_local", vars={"base": "/usr"})
    return sysconfig.get_path("purelib", "posix_prefix",
                              vars={"base": prefix, "platbase": prefix})


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1]:
        print("usage: pythondir.py PREFIX", file=sys.stderr)
        sys.exit(2)
    print(pythondir(sys.argv[1]))
