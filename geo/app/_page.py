"""What both dashboards share as pages: display with the page script, a progress line, and
reading the city they show (a built city project; the sample by default)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from IPython.display import HTML, display

from geo.app._share import PAGE_SCRIPT
from geo.city import City, default_city_dir, open_city, ready_city_dir
from geo.i18n import t


def default_data_dir() -> Path:
    """The city project the dashboards open: ``$ATLAS_CITY`` or the checkout's sample."""
    return default_city_dir()


class PageApp:
    """Base of the dashboard app objects: subclasses build ``root``, ``progress``, ``status``
    and ``lang`` and show data with ``use(atlas)``."""

    root: widgets.Widget
    progress: widgets.IntProgress
    status: widgets.HTML
    stamp: widgets.HTML
    lang: str
    draws = 0
    """Completed redraws; mirrored into ``stamp`` so a browser can tell a draw has landed."""
    map_draws = 0
    """Redraws whose map part (cells, venue dots, legend) has been sent; the side panels
    (summary, share link, detail) follow it."""

    def _stamp_map(self) -> None:
        """The map of this redraw is sent: the page can show it before the panels arrive."""
        self.map_draws = self.draws + 1
        self._write_stamp()

    def _stamp_done(self) -> None:
        """Everything of this redraw is sent."""
        self.draws += 1
        self.map_draws = self.draws
        self._write_stamp()

    def _write_stamp(self) -> None:
        self.stamp.value = (
            f'<span class="atlas-stamp" data-map="{self.map_draws}" '
            f'data-draws="{self.draws}"></span>'
        )

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.root._repr_mimebundle_(**kwargs)

    def display(self):
        """Show the page, and the page script (address bar on the share link, keys)."""
        display(self.root)
        display(HTML(PAGE_SCRIPT))
        return self

    def _step(self, key: str, value: int) -> None:
        self.progress.value = value
        self.status.value = f'<span class="atlas-status" role="status">{t(key, self.lang)}</span>'

    def _read_city(self, folder: str | Path | None) -> City:
        """The built city (the sample, generated and built first if needed), with progress."""
        return read_city(folder, self._step)


def read_city(folder: str | Path | None, step: Callable[[str, int], None]) -> City:
    """Open the city project ``folder`` (default :func:`default_data_dir`) from its build.

    Only the checkout's own sample is generated or built here; any other folder is read as it
    is, never written (an unbuilt project is an error saying to run ``atlas build``).
    ``step(message_key, value)`` shows progress on the page.
    """
    step("progress.loading", 1)
    folder = ready_city_dir(folder)
    step("progress.cubes", 2)
    lean_arrow_pool()
    return open_city(folder)


def lean_arrow_pool() -> None:
    """Arrow allocates through the C library's ``malloc`` in a dashboard kernel.

    A kernel reads a few small tables once (answers, venues); Arrow's default mimalloc pool
    then keeps ~20 MB of private pages per kernel that it never gives back (measured on the
    city-sized sample). ``$ARROW_DEFAULT_MEMORY_POOL``, when set, still chooses.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa  # already imported with pandas

    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc ``malloc_trim``; else nothing).

    A new grid (the first view, a resolution change) makes tens of MB of short-lived arrays
    and objects; glibc keeps the freed pages inside the process, ~15 MB per kernel on the
    city-sized sample at res 10 (issue "real-city scale": kernel <= 250 MB). Trimming takes
    ~30 ms, after the map's messages are out, and only when a new grid was drawn. Dask's
    workers do the same for the same reason.
    """
    import ctypes

    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        return
    trim(0)


IDLE_TRIM_SECONDS = 2.0
"""How long a kernel stays quiet after a view before it gives freed heap pages back."""


class IdleTrim:
    """:func:`release_free_memory` once the kernel has been quiet for a while after views.

    Every filter change at res 10 makes ~20 MB of short-lived tables; the heap kept ~37 MB more
    after 30 hour changes on the city sample. Trimming on each change would add ~30 ms to it;
    trimming when the visitor pauses costs the visit nothing. Scheduled on the kernel's event
    loop; without a running loop (tests, scripts) nothing is scheduled.
    """

    def __init__(self, delay: float = IDLE_TRIM_SECONDS) -> None:
        self.delay = delay
        self._handle: asyncio.TimerHandle | None = None

    def poke(self) -> None:
        """A view was just drawn: (re)start the quiet-time countdown."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._handle is not None:
            self._handle.cancel()
        self._handle = loop.call_later(self.delay, self._fire)

    def _fire(self) -> None:
        self._handle = None
        release_free_memory()

