"""What each layer shows: values -> colours, dashed marks and the legend (no widgets here).

Pure functions of a QueryResult, so the choice of colours and the legend text are tested
without a browser, and the map only receives finished feature lists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.classes import BIVARIATE, DIVERGING_GAP, NO_DATA_COLOR, SUPPRESSED_COLOR, Classes, classify
from geo.compare import BIVARIATE_KEYS
from geo.i18n import number, t
from geo.layers import bivariate_legend_html, legend_html
from geo.metrics import QueryResult

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
    fill: list[str]
    dashed: list[bool]
    legend: str
    empty: bool


def _notes(result: QueryResult, lang: str, synthetic: bool) -> list[str]:
    # the k floor and the noise bound, one line each: the legend is read with the map
    notes = result.privacy_notes(lang, short=True) if result.k > 0 else []
    if synthetic:
        notes.append(t("export.synthetic", lang))
    return notes


def _fmt(decimals: int, lang: str):
    class _F:
        @staticmethod
        def format(value: float) -> str:
            return number(value, lang, decimals)

    return _F()


def _labels(classes: Classes, decimals: int, lang: str) -> list[str]:
    lows = (classes.lower, *classes.bins[:-1])
    return [
        f"{number(lo, lang, decimals)} – {number(hi, lang, decimals)}"
        for lo, hi in zip(lows, classes.bins, strict=True)
    ]


def _legend_classes(
    title: str, unit: str, classes: Classes, decimals: int, lang: str, extra, notes
) -> str:
    # legend_html formats with str.format; hand it pre-localised labels instead
    labelled = Classes(
        bins=classes.bins, colors=classes.colors, scheme=classes.scheme, lower=classes.lower
    )
    rows = list(
        zip(
            labelled.colors,
            _labels(classes, decimals, lang),
            [False] * len(classes.bins),
            strict=True,
        )
    )
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
) -> LayerStyle:
    """Colours and legend of one layer for one query result."""
    table = result.table
    notes = _notes(result, lang, synthetic)
    hidden_label = t("legend.hidden", lang, k=result.k)
    if layer == "recorded":
        hidden = table.get("suppressed_incidents", pd.Series(False, index=table.index))
        hidden = hidden.fillna(False).astype(bool).to_numpy()
        values = table[metric].to_numpy(dtype=float)
        shown = np.isfinite(values) & (table["incidents"].fillna(0).to_numpy() > 0)
        classes = classify(values[shown], scheme, k_classes, "viridis")
        draw = shown | hidden
        fill = np.where(hidden, SUPPRESSED_COLOR, classes.colors_of(values))
        notes = [t("summary.caveat", lang), *notes]
        legend = _legend_classes(
            t("legend.recorded.title", lang),
            t(f"unit.{metric}", lang),
            classes,
            METRIC_FORMAT[metric],
            lang,
            [(SUPPRESSED_COLOR, hidden_label, True)],
            notes,
        )
        return LayerStyle(
            table["cell"].to_numpy()[draw],
            list(fill[draw]),
            list(hidden[draw]),
            legend,
            not shown.any(),
        )
    if layer == "perceived":
        hidden = table.get("suppressed_perceived", pd.Series(False, index=table.index))
        hidden = hidden.fillna(False).astype(bool).to_numpy()
        ok = table["perceived_ok"].to_numpy(dtype=bool)
        values = table["perceived_eb"].to_numpy(dtype=float)
        few = (table["perceived_n"].fillna(0).to_numpy() > 0) & ~ok & ~hidden
        classes = classify(values[ok], scheme, k_classes, "magma")
        fill = np.where(
            hidden, SUPPRESSED_COLOR, np.where(few, NO_DATA_COLOR, classes.colors_of(values))
        )
        draw = ok | hidden | few
        legend = _legend_classes(
            t("legend.perceived.title", lang),
            t("unit.insecurity", lang),
            classes,
            2,
            lang,
            [
                (NO_DATA_COLOR, t("legend.too_few_answers", lang), True),
                (SUPPRESSED_COLOR, hidden_label, True),
            ],
            notes,
        )
        return LayerStyle(
            table["cell"].to_numpy()[draw],
            list(fill[draw]),
            list((hidden | few)[draw]),
            legend,
            not ok.any(),
        )
    if layer == "gap":
        values = table["gap"].to_numpy(dtype=float)
        shown = np.isfinite(values)
        idx = np.minimum(np.searchsorted(GAP_BREAKS, values[shown], side="left"), 6)
        fill = np.asarray(DIVERGING_GAP, dtype=object)[idx]
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
            list(fill),
            [False] * int(shown.sum()),
            legend,
            not shown.any(),
        )
    if layer == "bivariate":
        codes = table["bivariate_class"].to_numpy(dtype=float, na_value=np.nan)
        shown = np.isfinite(codes)
        fill = np.asarray(BIVARIATE, dtype=object)[codes[shown].astype(int)]
        corners = [t(BIVARIATE_KEYS[i], lang) for i in (8, 6, 2, 0)]
        legend = bivariate_legend_html(
            t("legend.bivariate.title", lang),
            t("legend.bivariate.perceived_axis", lang),
            t("legend.bivariate.recorded_axis", lang),
            notes=[*corners, *notes],
        )
        return LayerStyle(
            table["cell"].to_numpy()[shown],
            list(fill),
            [False] * int(shown.sum()),
            legend,
            not shown.any(),
        )
    if layer == "hotspots":
        keys = table["hotspot"].astype(str).to_numpy()
        shown = np.isin(keys, list(HOTSPOT_COLORS))
        fill = [HOTSPOT_COLORS[k] for k in keys[shown]]
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
            [False] * int(shown.sum()),
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
