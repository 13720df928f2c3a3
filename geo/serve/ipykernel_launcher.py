"""``python -m geo.serve.ipykernel_launcher -f FILE``: ipykernel without its debugger.

The served dashboards' kernel (see :mod:`geo.serve._kernel`). Named like ipykernel's own
launcher so that whatever recognises a kernel by its command line (process listings, tests,
benchmarks) still does.
"""

from __future__ import annotations

import sys
from typing import Any


def main(argv: list[str] | None = None, **app_traits: Any) -> None:
    """Start an ipykernel that does not import debugpy (Voila offers no debugger).

    Parameters
    ----------
    argv
        The kernel's command line after the module (default: ``sys.argv[1:]``).
    **app_traits
        Traits of the kernel application set before ``argv`` is read (the zygote of
        :mod:`geo.serve._forkserver` sets ``parent_handle``).
    """
    # A None entry makes ``import debugpy`` fail: ipykernel then runs as without debugpy.
    sys.modules.setdefault("debugpy", None)  # type: ignore[arg-type]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv, **app_traits)


if __name__ == "__main__":
    main()
