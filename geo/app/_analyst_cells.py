"""The analyst map's cells under the pointer: hover information, click detail, venue boxes.

A mixin of :class:`geo.app.AtlasApp` (it reads the app's current result and atlas).
"""

from __future__ import annotations

import pandas as pd

from geo.app._panels import detail_html, info_html, venue_info_html
from geo.i18n import t


class AnalystCells:
    """Hover and click on the map: a cell's numbers and its detail, a venue's hours."""

    @property
    def _rows(self) -> pd.DataFrame:
        """The result's rows by cell, for hover, click and detail (built on first use: a
        slider move does not need it)."""
        if self._rows_of is None:
            table = self.result.table
            self._rows_of = table.assign(
                cell_id=[format(int(c), "x") for c in table["cell"]]
            ).set_index("cell", drop=False)
        return self._rows_of

    def _row(self, cell_hex: str | None):
        if not cell_hex or self.result is None:
            return None
        cell = int(cell_hex, 16)
        return self._rows.loc[cell] if cell in self._rows.index else None

    def _on_hover(self, feature=None, properties=None, **_) -> None:
        row = self._row((properties or {}).get("cell"))
        self.info.value = info_html(row, self.lang, self.result.k if self.result else 0)

    def _on_venue(self, feature=None, properties=None, **_) -> None:
        p = properties or {}
        i = p.get("i")
        # The state is read here, not from the browser's copy: colours change without re-sending
        # the points, so the point's own properties do not carry it.
        state = self.venues.states[i] if isinstance(i, int) and i < len(self.venues.states) else ""
        self.info.value = venue_info_html(p.get("name"), state, p.get("hours"), self.lang)

    def _on_click(self, feature=None, properties=None, **_) -> None:
        cell_hex = (properties or {}).get("cell")
        if cell_hex:
            self.select_cell(int(cell_hex, 16))

    def select_cell(self, cell: int) -> None:
        """Open a cell's detail (what a click on the map does)."""
        self._selected = int(cell)
        self._show_detail(self._selected)
        self.side.selected_index = list(self.side.children).index(self.detail)

    def _show_detail(self, cell: int) -> None:
        if self.result is None or cell not in self._rows.index:
            self.detail.value = f"<i>{t('detail.hint', self.lang)}</i>"
            return
        q = self.result.query
        row = self._rows.loc[cell]
        hours = self.atlas.cell_hours(cell, q)
        answers = self.atlas.cell_answers(cell, q)
        window = set(q.hours.hours) if q.hours is not None else set(range(24))
        self.detail.value = detail_html(row, hours, answers, window, q.k, self.lang)
