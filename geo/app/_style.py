"""What each layer shows: values -> colours, dashed marks and the legend (no widgets here).

Pure functions of a QueryResult, so the choice of colours and the legend text are tested
without a browser, and the map only receives finished feature lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.classes import (
    BIVARIATE,
    DIVERGING_GAP,
    NO_DATA_COLOR,
    SUPPRESSED_COLOR,
    Classes,
    classify,
    legible,
)
from geo.compare import BIVARIATE_KEYS
from geo.fill import Fill
from geo.i18n import number, t
from geo.layers import bivariate_legend_html, legend_html
from geo.metrics import QueryResult

RANKED_LAYERS: tuple[str, ...] = ("gap", "bivariate", "hotspots")
"""Layers drawn from the view's comparison (ranks, gap, classes): the others need none to paint."""
GAP_BREAKS = (-0.5, -0.25, -0.1, 0.1, 0.25, 0.5, 1.0)
"""Fixed, symmetric gap classes: a rank gap means the same thing in every view."""

HOTSPOT_COLORS = {
    "hotspot.hot": "#b2182b",
    "hotspot.cold": "#2166ac",
    "hotspot.not_significant": "#f0f0f0",
}
VENUE_COLORS = {"open": "#1b9e77", "closed": "#7f7f7f", "unknown": "#ffffff"}
METRIC_FORMAT = {
    "incidents": 1,
    "incidents_per_night": 2,
    "incidents_per_km2": 0,
    "perceived_eb": 2,
    "gap": 2,
}


@dataclass(frozen=True)
class LayerStyle:
    """Cells to draw, their fill, which are dashed (hidden / too few), and the legend HTML."""

    cells: np.ndarray
    fill: Fill | Sequence[str]
    """Colour of each cell (``#rrggbb``), as a palette and an index where styles make them."""
    dashed: np.ndarray
    """Whether each cell is dashed (bool): arrays, as a res-10 city has ~40k cells to style."""
    legend: str
    empty: bool


def _notes(result: QueryResult, lang: str, synthetic: bool) -> list[str]:
    # the k floor and the noise bound, one line each: the legend is read with the map
    notes = result.privacy_notes(lang, short=True) if result.k > 0 else []
    if synthetic:
        notes.append(t("export.synthetic", lang))
    return notes


def _legible(
    values: np.ndarray, scheme: str, k_classes: int, palette: str, decimals: int, lang: str,
    fixed: Classes | None = None,
) -> tuple[Classes, list[str], list[str]]:
    """Breaks of the shown values (or the ``fixed`` ones of a series, geo.app._scale), labels
    whose bounds never print alike, and a note when classes had to be merged for that."""
    classes = fixed if fixed is not None else classify(values, scheme, k_classes, palette)
    classes, labels, merged = legible(classes, lambda v, d: number(v, lang, d), decimals)
    return classes, labels, [t("legend.merged", lang)] if merged else []


def _legend_classes(
    title: str, unit: str, classes: Classes, labels: list[str], extra, notes
) -> str:
    rows = [(c, label, False) for c, label in zip(classes.colors, labels, strict=True)]
    return legend_html(title, unit, None, extra=[*rows, *extra], notes=notes)


def style_layer(
    result: QueryResult,
    layer: str,
    *,
    metric: str = "incidents_per_night",
    scheme: str = "quantiles",
    k_classes: int = 5,
    lang: str = "en",
    synthetic: bool = False,
    classes: Classes | None = None,
) -> LayerStyle:
    """Colours and legend of one layer for one query result.

    ``classes`` fixes the breaks of the recorded and perceived layers (one scale for a played
    night or a series of periods, :mod:`geo.app._scale`); by default each view has its own.
    """
    fixed = classes
    table = result.table
    notes = _notes(result, lang, synthetic)
    hidden_label = t("legend.hidden", lang, k=result.k)
    if layer == "recorded":
        hidden = table.get("suppressed_incidents", pd.Series(False, index=table.index))
        hidden = hidden.fillna(False).astype(bool).to_numpy()
        values = table[metric].to_numpy(dtype=float)
        shown = np.isfinite(values) & (table["incidents"].fillna(0).to_numpy() > 0)
        classes, labels, merged = _legible(
            values[shown], scheme, k_classes, "viridis", METRIC_FORMAT[metric], lang, fixed
        )
        draw = shown | hidden
        fill = classes.fill_of(values).where(hidden, SUPPRESSED_COLOR)
        notes = [*merged, t("summary.caveat", lang), *notes]
        legend = _legend_classes(
            t("legend.recorded.title", lang),
            t(f"unit.{metric}", lang),
            classes,
            labels,
            [(SUPPRESSED_COLOR, hidden_label, True)],
            notes,
        )
        return LayerStyle(
            table["cell"].to_numpy()[draw],
            fill[draw],
            hidden[draw],
            legend,
            not shown.any(),
        )
    if layer == "perceived":
        hidden = table.get("suppressed_perceived", pd.Series(False, index=table.index))
        hidden = hidden.fillna(False).astype(bool).to_numpy()
        ok = table["perceived_ok"].to_numpy(dtype=bool)
        values = table["perceived_eb"].to_numpy(dtype=float)
        few = (table["perceived_n"].fillna(0).to_numpy() > 0) & ~ok & ~hidden
        classes, labels, merged = _legible(values[ok], scheme, k_classes, "magma", 2, lang,
                                           fixed)
        fill = classes.fill_of(values).where(few, NO_DATA_COLOR)
        fill = fill.where(hidden, SUPPRESSED_COLOR)
        draw = ok | hidden | few
        legend = _legend_classes(
            t("legend.perceived.title", lang),
            t("unit.insecurity", lang),
            classes,
            labels,
            [
                (NO_DATA_COLOR, t("legend.too_few_answers", lang), True),
                (SUPPRESSED_COLOR, hidden_label, True),
            ],
            [*merged, *notes],
        )
        return LayerStyle(
            table["cell"].to_numpy()[draw],
            fill[draw],
            (hidden | few)[draw],
            legend,
            not ok.any(),
        )
    if layer == "gap":
        values = table["gap"].to_numpy(dtype=float)
        shown = np.isfinite(values)
        idx = np.minimum(np.searchsorted(GAP_BREAKS, values[shown], side="left"), 6)
        fill = Fill.indexed(DIVERGING_GAP, idx)
        rows = [
            (DIVERGING_GAP[0], t("legend.gap.more_recorded", lang), False),
            (DIVERGING_GAP[3], t("legend.gap.balanced", lang), False),
            (DIVERGING_GAP[6], t("legend.gap.more_perceived", lang), False),
        ]
        legend = legend_html(
            t("legend.gap.title", lang), t("unit.rank_gap", lang), None, extra=rows, notes=notes
        )
        return LayerStyle(
            table["cell"].to_numpy()[shown],
            fill,
            np.zeros(int(shown.sum()), dtype=bool),
            legend,
            not shown.any(),
        )
    if layer == "bivariate":
        codes = table["bivariate_class"].to_numpy(dtype=float, na_value=np.nan)
        shown = np.isfinite(codes)
        fill = Fill.indexed(BIVARIATE, codes[shown].astype(np.intp))
        legend = bivariate_legend_html(
            t("legend.bivariate.title", lang),
            t("legend.bivariate.perceived_axis", lang),
            t("legend.bivariate.recorded_axis", lang),
            notes=[t("legend.bivariate.hint", lang), *notes],
            classes=[t(key, lang) for key in BIVARIATE_KEYS],
            ticks=(t("legend.low", lang), t("legend.high", lang)),
        )
        return LayerStyle(
            table["cell"].to_numpy()[shown],
            fill,
            np.zeros(int(shown.sum()), dtype=bool),
            legend,
            not shown.any(),
        )
    if layer == "hotspots":
        keys = table["hotspot"].astype(str).to_numpy()
        shown = np.isin(keys, list(HOTSPOT_COLORS))
        fill = Fill.of([HOTSPOT_COLORS[k] for k in keys[shown]])
        rows = [(c, t(k, lang), False) for k, c in HOTSPOT_COLORS.items()]
        legend = legend_html(
            t("legend.hotspots.title", lang),
            t("unit.incidents", lang),
            None,
            extra=rows,
            notes=notes,
        )
        return LayerStyle(
            table["cell"].to_numpy()[shown],
            fill,
            np.zeros(int(shown.sum()), dtype=bool),
            legend,
            not shown.any(),
        )
    raise ValueError(f"unknown layer {layer!r}")


def venue_legend_html(lang: str) -> str:
    """Venue dots: open / closed / hours unknown in the window."""
    rows = [
        (VENUE_COLORS["open"], t("legend.open", lang), False),
        (VENUE_COLORS["closed"], t("legend.closed", lang), False),
        (VENUE_COLORS["unknown"], t("legend.hours_unknown", lang), True),
    ]
    return legend_html(t("legend.venues.title", lang), "", None, extra=rows)
