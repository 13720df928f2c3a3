"""The presentation's cell layer: one scene's style, legend, city-wide lines and table.

A mixin of :class:`geo.app.PresentApp`. The ordinary layers come from
:func:`geo.app._style.style_layer`; the change and trend layers (issue 15) from the same pure
functions as the analyst map (:mod:`geo.app._change_layer`), so a room reads the same colours,
legend and neutral words as the analyst who prepared the scene. Each comparison is a pair of
ordinary published views of the scene's query (k floor, cell-key noise), so nothing here can
show a count of 1..k-1, and no point is drawn.

The change classes have fixed bounds (ratio 2 and 1/2, and significance), so the colour scale
is the same in every scene and every hour of playback.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from geo.app._cells_table import cells_table_html
from geo.app._change_layer import (
    change_style,
    periods,
    periods_line,
    trend_style,
)
from geo.app._scenes import Scene
from geo.app._style import LayerStyle, _notes, style_layer
from geo.app._time_table import change_table_html, trend_table_html
from geo.i18n import t
from geo.metrics import Atlas, Query, QueryResult

CACHE_SIZE = 8
"""Comparisons kept (a deck steps back and forth; each costs a few queries)."""


@dataclass(frozen=True)
class SceneLayer:
    """What one scene's cell layer draws and says.

    ``lines`` are the city-wide sentences shown under the scene's note (the periods and the
    change, or the trend classes); ``kind`` and ``payload`` (``"change"`` and a
    :class:`~geo.compare.PeriodChange`, ``"trend"`` and :class:`~geo.compare.Trends`) feed
    the table.
    """

    style: LayerStyle
    lines: tuple[str, ...] = ()
    kind: str | None = None
    payload: Any = None


def change_periods(atlas: Atlas, scene: Scene, query: Query) -> tuple[tuple[dt.date, dt.date],
                                                                     tuple[dt.date, dt.date]]:
    """The two night ranges a change scene compares: its dates (``from``/``to``, else the
    last 28 nights) after its baseline."""
    return periods(atlas, query, scene.baseline, scene.split)


def time_scene_layer(atlas: Atlas, result: QueryResult, scene: Scene, lang: str,
                     cache: dict) -> SceneLayer:
    """The change or trend layer of ``scene`` on the published views of ``result.query``."""
    from geo.compare import change_line, compare_periods, monthly_trends

    query = result.query
    notes = _notes(result, lang, bool(atlas.synthetic))
    if scene.layer == "trend":
        key: tuple = ("trend", query)
        if key not in cache:
            _remember(cache, key, monthly_trends(atlas, query))
        trends = cache[key]
        found = trends.table["trend"].value_counts()
        counts = t("trend.class_counts", lang, up=int(found.get("trend.increasing", 0)),
                   down=int(found.get("trend.decreasing", 0)),
                   none=int(found.get("trend.none", 0)),
                   short=int(found.get("trend.too_short", 0)))
        return SceneLayer(trend_style(trends, lang, notes), (counts,), "trend", trends)
    try:
        before, after = change_periods(atlas, scene, query)
        key = ("change", query, before, after)
        if key not in cache:
            _remember(cache, key, compare_periods(atlas, query, before, after))
    except ValueError:
        empty = LayerStyle(np.zeros(0, dtype=np.uint64), [], [], "", True)
        return SceneLayer(empty, (t("change.cannot", lang,
                                    reason=t("change.no_nights", lang)),))
    change = cache[key]
    lines = (periods_line(change.before, change.after, lang), change_line(change, lang))
    return SceneLayer(change_style(change, lang, query.k, notes), lines, "change", change)


def _remember(cache: dict, key: tuple, value: Any) -> None:
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = value


class PresentLayers:
    """Draws the scene's cell layer and fills the table (mixin of PresentApp)."""

    def _draw_cells(self) -> str:
        """Style and draw the scene's cells; returns the legend (empty for venues only)."""
        scene, lang = self.scene, self.lang
        self.time_lines, self._shown = (), None
        if scene.layer is None:
            venues = self.result.table["venues"].to_numpy(dtype=float) > 0
            self.cells = self.result.table["cell"].to_numpy(dtype=np.uint64)[venues]
            self.hexes.clear()
            return ""
        if scene.layer in ("change", "trend"):
            shown = time_scene_layer(self.atlas, self.result, scene, lang, self._time_cache)
            fixed = ""  # fixed class bounds: the same scale in every scene and hour already
        else:
            classes, fixed = self.fixed_scale()  # one scale for a played night or a period run
            shown = SceneLayer(style_layer(self.result, scene.layer, metric=scene.metric,
                                           lang=lang, synthetic=self.atlas.synthetic,
                                           classes=classes))
        self._shown, self.time_lines = shown, shown.lines
        style = shown.style
        self.cells = np.asarray(style.cells, dtype=np.uint64)
        self.hexes.draw(style.cells, style.fill, style.dashed,
                        grid=self.atlas.grid_cells(self.result.query.resolution),
                        geometry=self.atlas.geometry)
        legend = style.legend + fixed
        if style.empty:
            legend += f'<div class="atlas-note"><b>{t("empty.no_cells", lang)}</b></div>'
        return legend

    def _table_html(self) -> str:
        """The shown cells as a table: the change or trend columns on those layers."""
        assert self.result is not None
        shown = self._shown
        if shown is not None and shown.kind == "change":
            return change_table_html(shown.payload, self.lang, self.result.k)
        if shown is not None and shown.kind == "trend":
            return trend_table_html(shown.payload, self.lang, self.result.k)
        sort_by = "perceived_eb" if self.scene.layer == "perceived" else "incidents"
        return cells_table_html(self.result, self.cells, self.lang, sort_by=sort_by)
