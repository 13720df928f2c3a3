"""The analyst page's time layers: change between two periods, trend by month, the cell chart.

A mixin of :class:`geo.app.AtlasApp`. The selected period is the app's current Query date range
(the filter panel owns it; without one, the last 28 nights); this mixin only adds the baseline
choice, the date of a before/after split, and recorded/perceived. Comparisons are computed when
one of these layers is shown and kept until the query or the choice changes, so restyling and
hovering cost nothing.
"""

from __future__ import annotations

import datetime as dt
import html

import ipywidgets as widgets
import numpy as np

from geo.app._change_layer import (
    BASELINES,
    CHANGE_OF,
    answer_span,
    cannot_html,
    change_cell_line,
    change_classes,
    change_summary_html,
    class_style,
    perceived_cell_line,
    perceived_change_classes,
    perceived_summary_html,
    periods,
    trend_cell_line,
    trend_classes,
    trend_summary_html,
    waves,
)
from geo.app._controls import _set_options
from geo.app._style import LayerStyle, _notes
from geo.classes import ClassLayer
from geo.columns import DEFAULT_TIMEZONE
from geo.i18n import t

TIME_LAYERS: tuple[str, ...] = ("change", "trend")
"""Layers drawn by this mixin instead of :func:`geo.app._style.style_layer`."""


class TimeLayers:
    """Change and trend layers of the analyst map, and the cell's monthly chart."""

    def _init_time_layers(self) -> None:
        self.baseline = widgets.Dropdown(options=[(b, b) for b in BASELINES], value="previous",
                                         layout=widgets.Layout(width="100%"))
        self.split_date = widgets.DatePicker(layout=widgets.Layout(width="100%"))
        self.change_of = widgets.ToggleButtons(options=[(c, c) for c in CHANGE_OF],
                                               value="recorded")
        self.time_box = widgets.VBox([self.change_of, self.baseline, self.split_date],
                                     layout=widgets.Layout(display="none"))
        self.time_box.add_class("atlas-change-controls")
        self._time_cache: dict = {}
        self._time_lang: str | None = None
        self._time_state: tuple | None = None
        """What the current time layer shows: (kind, payload), read by hover and detail."""
        self.time_classes: ClassLayer | None = None
        """The change or trend classes on the map, for figures and the report."""
        for w in (self.baseline, self.split_date, self.change_of):
            w.observe(lambda _: self._on_time_choice(), names="value")

    def _on_time_choice(self) -> None:
        self.split_date.layout.display = "" if self.baseline.value == "split" else "none"
        if not self._muted and self.result is not None and self.controls is not None:
            self.redraw()

    def time_share(self) -> dict:
        """The change layer's choices for a "Share this view" link (only while it is shown)."""
        if self.controls.layer.value != "change":
            return {}
        split = self.split_date.value if self.baseline.value == "split" else None
        return {"baseline": self.baseline.value, "split": split, "change_of": self.change_of.value}

    def _apply_time_view(self, view) -> None:
        """A shared link's change-layer choices into the widgets (the caller mutes redraws)."""
        if view.baseline:
            self.baseline.value = view.baseline
        if view.split is not None:
            self.split_date.value = view.split
        if view.change_of:
            self.change_of.value = view.change_of

    def _relabel_time(self) -> None:
        lang = self.lang
        self.baseline.description = t("change.baseline", lang)
        _set_options(self.baseline, [(t(f"change.baseline.{b}", lang), b) for b in BASELINES])
        self.split_date.description = t("change.split_date", lang)
        self.change_of.description = t("change.of", lang)
        _set_options(self.change_of, [(t(f"change.of.{c}", lang), c) for c in CHANGE_OF])

    def _cached(self, key: tuple, compute):
        if key not in self._time_cache:
            if len(self._time_cache) > 8:
                self._time_cache.clear()
            self._time_cache[key] = compute()
        return self._time_cache[key]

    def time_style(self) -> tuple[LayerStyle, str] | None:
        """Style and summary of the change or trend layer, or None for the other layers."""
        layer = self.controls.layer.value
        shown = layer in TIME_LAYERS
        self.time_box.layout.display = "" if layer == "change" else "none"
        self.split_date.layout.display = "" if self.baseline.value == "split" else "none"
        self._time_state = None
        self.time_classes = None
        if not shown:
            return None
        if self._time_lang != self.lang:  # new labels only when the language changes
            with self._mute():
                self._relabel_time()
            self._time_lang = self.lang
        query, lang = self.result.query, self.lang
        notes = _notes(self.result, lang, bool(self.atlas.synthetic))
        empty = LayerStyle(np.zeros(0, dtype=np.uint64), [], [], "", True)
        if layer == "trend":
            from geo.compare import monthly_trends

            trends = self._cached(("trend", query), lambda: monthly_trends(self.atlas, query))
            self._time_state = ("trend", trends)
            self.time_classes = trend_classes(trends, lang)
            return class_style(self.time_classes, notes), trend_summary_html(trends, lang)
        dated = self._cached(("answers", id(self.atlas)), lambda: answer_span(self.atlas))
        self.change_of.layout.display = "" if dated is not None else "none"  # waves need dates
        baseline, split = self.baseline.value, self.split_date.value
        try:
            before, after = periods(self.atlas, query, baseline, split)
            if baseline == "split" and split != after[0]:  # show the date actually used
                with self._mute():
                    self.split_date.value = after[0]
            if self.change_of.value == "perceived":
                from geo.compare import compare_waves

                wb, wa = waves(self.atlas, before, after, baseline)
                table = self._cached(("waves", query, wb, wa),
                                     lambda: compare_waves(self.atlas, query, wb, wa))
                self._time_state = ("perceived", table)
                self.time_classes = perceived_change_classes(table, wb, wa, lang, query.k)
                return (class_style(self.time_classes, notes),
                        perceived_summary_html(table, wb, wa, lang))
            from geo.compare import compare_periods

            change = self._cached(("change", query, before, after),
                                  lambda: compare_periods(self.atlas, query, before, after))
        except LookupError as exc:
            return empty, cannot_html(str(exc.args[0]), lang)
        except ValueError:
            return empty, cannot_html("change.no_nights", lang)
        self._time_state = ("change", change)
        self.time_classes = change_classes(change, lang, query.k)
        return class_style(self.time_classes, notes), change_summary_html(change, lang)

    def time_cell_line(self, cell: int) -> str | None:
        """The hovered or clicked cell's change or trend, in words (None: not a time layer)."""
        if self._time_state is None:
            return None
        kind, payload = self._time_state
        line = {"change": change_cell_line, "perceived": perceived_cell_line,
                "trend": trend_cell_line}[kind](payload, cell, self.lang)
        return line or t("detail.hint", self.lang)

    def time_table_html(self) -> str | None:
        """The table tab while a time layer is shown: per cell its class, ratio (or difference,
        or tau) and the published counts behind it; None for the other layers."""
        from geo.app._time_table import change_table_html, perceived_table_html, trend_table_html

        if self._time_state is None:
            return None
        kind, payload = self._time_state
        table = {"change": change_table_html, "perceived": perceived_table_html,
                 "trend": trend_table_html}[kind]
        return table(payload, self.lang, self.result.k)

    def _on_hover(self, feature=None, properties=None, **kwargs) -> None:
        super()._on_hover(feature, properties, **kwargs)
        cell = (properties or {}).get("cell")
        line = self.time_cell_line(int(cell, 16)) if cell else None
        if line:
            self.info.value += f'<div class="atlas-change-info">{html.escape(line)}</div>'

    def _show_detail(self, cell: int) -> None:
        super()._show_detail(cell)
        if self.result is None:
            return
        line = self.time_cell_line(cell)
        extra = f"<p><b>{html.escape(line)}</b></p>" if line else ""
        self.detail.value += extra + self.cell_chart(cell)

    def cell_chart(self, cell: int) -> str:
        """The cell's monthly published counts (hidden months hatched) and the city's dusk and
        dawn month by month."""
        from geo.app._cell_chart import cell_chart_html
        from geo.compare import monthly_trends
        from geo.sun import monthly_dusk_dawn

        query = self.result.query
        trends = self._cached(("trend", query), lambda: monthly_trends(self.atlas, query))
        series = trends.series(cell) if trends.months else None
        year = trends.months[-1].year if trends.months else dt.date.today().year
        lat, lon = self.atlas.centre
        zone = str(self.atlas.metadata.get("timezone") or DEFAULT_TIMEZONE)
        sun = self._cached(("sun", year, round(lat, 3), round(lon, 3), zone),
                           lambda: monthly_dusk_dawn(year, lat, lon, zone))
        return cell_chart_html(series, query.k, sun, self.lang)
