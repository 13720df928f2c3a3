"""Names a package exports but imports only when first asked for (PEP 562).

A dashboard kernel imports ``geo.app`` before its first map (issue "real-city scale": <= 1 s).
Packages such as :mod:`geo.cube` and :mod:`geo.city` export what a build needs (Parquet,
Dask, YAML, every reader) beside what a kernel needs (a cube, a built city): their
``__init__`` imports the light part and names the rest here, so ``from geo.cube import
build_cube`` still works and costs its import only then.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_names(package: str, names: dict[str, str],
               namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` importing ``package.<names[name]>`` on first use of ``name``."""

    def __getattr__(name: str) -> Any:
        try:
            module = names[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value  # later look-ups are plain attribute reads
        return value

    return __getattr__
