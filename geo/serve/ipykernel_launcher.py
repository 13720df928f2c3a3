"""``python -m geo.serve.ipykernel_launcher -f FILE``: ipykernel without its debugger.

The served dashboards' kernel (see :mod:`geo.serve._kernel`). Named like ipykernel's own
launcher so that whatever recognises a kernel by its command line (process listings, tests,
benchmarks) still does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def main(argv: list[str] | None = None, after_init: Callable[[], None] | None = None,
         **app_traits: Any) -> None:
    """Start an ipykernel that does not import debugpy (Voila offers no debugger).

    Parameters
    ----------
    argv
        The kernel's command line after the module (default: ``sys.argv[1:]``).
    after_init
        Called once the kernel exists, before it serves (the zygote of
        :mod:`geo.serve._forkserver` redoes there what modules it imported do on import when
        they find a kernel).
    **app_traits
        Traits of the kernel application set before ``argv`` is read (the zygote sets
        ``parent_handle``).
    """
    # A None entry makes ``import debugpy`` fail: ipykernel then runs as without debugpy.
    sys.modules.setdefault("debugpy", None)  # type: ignore[arg-type]
    from ipykernel.kernelapp import IPKernelApp

    # as ``IPKernelApp.launch_instance`` (ipykernel's own launcher), with the hook between
    app = IPKernelApp.instance(**app_traits)
    app.initialize(argv)
    if after_init is not None:
        after_init()
    app.start()


if __name__ == "__main__":
    main()
