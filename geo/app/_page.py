"""What both dashboards share as pages: display with the page script, a progress line, and
reading the sample city."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from IPython.display import HTML, display

from geo.app._share import PAGE_SCRIPT
from geo.i18n import t
from geo.metrics import Atlas

REPO_DATA = Path(__file__).resolve().parents[2] / "data" / "sample"


def default_data_dir() -> Path:
    """``$ATLAS_DATA_DIR`` or the repository's ``data/sample`` (generated if missing)."""
    return Path(os.environ.get("ATLAS_DATA_DIR", REPO_DATA))


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

    def _read_sample(self, folder: str | Path | None) -> tuple[Atlas, Path]:
        """The sample city as an Atlas (generated first if missing), with progress shown."""
        return read_sample(folder, self._step)


def read_sample(
    folder: str | Path | None, step: Callable[[str, int], None]
) -> tuple[Atlas, Path]:
    """The sample city in ``folder`` (default :func:`default_data_dir`) as an Atlas, generated
    first if missing; ``step(message_key, value)`` shows progress on the page."""
    from geo.sample import ensure_sample

    folder = Path(folder) if folder else default_data_dir()
    step("progress.loading", 1)
    ensure_sample(folder)
    step("progress.cubes", 2)
    return Atlas.from_dir(folder), folder
