"""Checks the system libraries WeasyPrint needs before the app starts.

Run as `python -m sponsorship.syscheck`; prints the exact apt-get line and exits 1
instead of a stack trace when something is missing.
"""

from __future__ import annotations

import ctypes.util
import sys

APT_LINE = (
    "sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
)


def main() -> int:
    try:
        import weasyprint  # noqa: F401 - importing loads Pango through cffi
    except OSError as error:
        print(
            "WeasyPrint cannot load a system library it needs "
            f"({error.__class__.__name__}: {str(error).splitlines()[0]}).\n"
            f"Install them with:\n\n    {APT_LINE}\n",
            file=sys.stderr,
        )
        return 1
    if ctypes.util.find_library("harfbuzz-subset") is None:
        # Without it WeasyPrint falls back to fontTools: about 0.5 s per page, not 0.08 s.
        print(
            "Warning: libharfbuzz-subset0 is missing; PDF letters will render slowly.\n"
            f"Install it with:\n\n    {APT_LINE}\n",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
