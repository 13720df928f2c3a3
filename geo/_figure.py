"""Static map figures of one view (PNG, PDF) for reports and slides, with the same legend,
hidden-cell styling and caption as the dashboard: split from :mod:`geo.export`, which re-exports
:func:`export_figure` (matplotlib is imported only when a figure is drawn)."""

from __future__ import annotations

import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from geo.classes import (
    BIVARIATE,
    DIVERGING_GAP,
    SUPPRESSED_COLOR,
    Classes,
    ClassLayer,
    classify,
    legible,
)
from geo.compare import BIVARIATE_KEYS
from geo.i18n import number, t
from geo.index import cell_boundaries
from geo.metrics import QueryResult

FigureFormat = Literal["png", "pdf"]
FIGURE_FORMATS: tuple[str, ...] = ("png", "pdf")

FIGURE_LAYERS: dict[str, tuple[str, str]] = {
    "incidents": ("metric.incidents", "unit.incidents"),
    "incidents_per_night": ("metric.incidents_per_night", "unit.incidents_per_night"),
    "incidents_per_km2": ("metric.incidents_per_km2", "unit.incidents_per_km2"),
    "perceived_eb": ("metric.smoothed_insecurity", "unit.insecurity"),
    "gap": ("metric.gap", "unit.rank_gap"),
    "bivariate_class": ("layer.bivariate", "legend.bivariate.title"),
}
"""Layers a figure can show: catalogue keys of its title and of its legend's unit line."""

GAP_BREAKS: tuple[float, ...] = (-0.5, -0.25, -0.1, 0.1, 0.25, 0.5, 1.0)
"""Upper bounds of the seven fixed, symmetric gap classes: the dashboard's (geo.app._style),
so a figure and the map it was exported from read alike; quantiles would move "agree" off the
middle colour."""
EMPTY_MESSAGE = "No cells to show for these filters"

_DECIMALS_IN_LEGEND = {"incidents": 1, "incidents_per_night": 3, "incidents_per_km2": 0,
                       "perceived_eb": 2, "gap": 2}
_RECORDED_LAYERS = ("incidents", "incidents_per_night", "incidents_per_km2")
_GAP_CLASSES = Classes(bins=GAP_BREAKS, colors=DIVERGING_GAP, scheme="fixed", lower=-1.0)


def _pick(rings: list[np.ndarray], mask: np.ndarray) -> list[np.ndarray]:
    return [ring for ring, keep in zip(rings, mask, strict=True) if keep]


def _flag(table: pd.DataFrame, *names: str) -> np.ndarray:
    out = np.zeros(len(table), dtype=bool)
    for name in names:
        if name in table:
            out |= table[name].fillna(False).astype(bool).to_numpy()
    return out


def _column(table: pd.DataFrame, name: str) -> np.ndarray:
    if name not in table:
        return np.full(len(table), np.nan)
    return pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float, copy=True)


def _layer_cells(table: pd.DataFrame, layer: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Per cell: the value to colour (NaN = not coloured), hidden, blank, and the blank's label.

    As on the dashboard: a recorded layer colours cells with records (no record: not drawn); the
    perceived layer colours cells with enough answers and marks those with too few; hidden
    cells are grey. Gap and bivariate mark the cells that could not be compared.
    """
    if layer in _RECORDED_LAYERS:
        values = _column(table, layer)
        values[~(_column(table, "incidents") > 0)] = np.nan
        hidden = _flag(table, "suppressed_incidents")
        return values, hidden, np.zeros(len(table), dtype=bool), "legend.no_data"
    hidden = _flag(table, "suppressed_perceived")
    if layer == "perceived_eb":
        ok = _flag(table, "perceived_ok") & ~hidden
        values = np.where(ok, _column(table, layer), np.nan)
        blank = ~hidden & ~ok & (np.nan_to_num(_column(table, "perceived_n")) > 0)
        return values, hidden, blank, "legend.too_few_answers"
    hidden |= _flag(table, "suppressed_incidents")
    values = _column(table, layer)
    return values, hidden, ~hidden & ~np.isfinite(values), "bivariate.not_compared"


def _range_labels(classes: Classes, decimals: int, lang: str) -> list[str]:
    lows = (classes.lower, *classes.bins[:-1])
    return [f"{number(lo, lang, decimals)} – {number(hi, lang, decimals)}"
            for lo, hi in zip(lows, classes.bins, strict=True)]


def _wrap(label: str, width: int = 46) -> str:
    """A legend label on lines that fit beside the map (long French class names)."""
    return "\n".join(textwrap.wrap(label, width)) or label


def _colours(layer: str, values: np.ndarray, lang: str) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Fill colour of each (finite) value and the legend rows (colour, label), top to bottom.

    Palettes are the dashboard's: viridis for records, magma for feelings, PuOr for the gap,
    the 3x3 bivariate scheme for the classes. Only drawn values set the quantile breaks.
    """
    if layer == "bivariate_class":
        # The corner letters of the page's key, so the method notes read the same on paper.
        corner = {6: "A: ", 8: "B: ", 0: "C: ", 2: "D: "}
        rows = [(BIVARIATE[code], corner.get(code, "") + t(BIVARIATE_KEYS[code], lang))
                for code in range(8, -1, -1)]
        return np.asarray(BIVARIATE, dtype=object)[values.astype(int)], rows
    if layer == "gap":
        classes = _GAP_CLASSES
    else:
        with warnings.catch_warnings():
            # Ties leave fewer than 5 quantile classes; classify is built for that, so
            # mapclassify's warning about it would only be noise in a pipeline's log.
            warnings.filterwarnings("ignore", "Not enough unique values", UserWarning)
            classes = classify(values, "quantiles", k=5,
                               palette="magma" if layer == "perceived_eb" else "viridis")
    if layer == "gap":
        labels = _range_labels(classes, _DECIMALS_IN_LEGEND[layer], lang)
    else:  # never two bounds that print alike (more decimals, else merged and said so)
        classes, labels, merged = legible(classes, lambda v, d: number(v, lang, d),
                                          _DECIMALS_IN_LEGEND[layer])
        if merged:
            labels[-1] += f" ({t('legend.merged', lang)})"
    if layer == "gap":
        labels[0] += f": {t('legend.gap.more_recorded', lang)}"
        labels[3] += f": {t('legend.gap.balanced', lang)}"
        labels[-1] += f": {t('legend.gap.more_perceived', lang)}"
    return classes.colors_of(values), list(zip(classes.colors, labels, strict=True))


@dataclass(frozen=True)
class _Group:
    """Cells drawn alike (one PolyCollection) and their legend rows (Patch style, label)."""

    cells: np.ndarray
    style: dict
    legend: list[tuple[dict, str]]
    always_in_legend: bool = False


_HIDDEN = {"facecolor": SUPPRESSED_COLOR, "edgecolor": "#7f7f7f", "hatch": "////"}
_OUTLINE = {"facecolor": "none", "edgecolor": "#808080", "linestyle": ":"}


def _value_groups(result: QueryResult, layer: str, lang: str) -> tuple[np.ndarray, list[_Group]]:
    """A value layer of the view: coloured classes, hidden cells (hatched grey), blank cells
    (dotted outline, no fill: "nothing to say here", unlike a light class colour)."""
    table = result.table
    values, hidden, blank, blank_key = _layer_cells(table, layer)
    coloured = np.isfinite(values) & ~hidden
    groups = []
    if coloured.any():
        fill = np.full(len(table), "none", dtype=object)
        fill[coloured], rows = _colours(layer, values[coloured], lang)
        groups.append(_Group(coloured, {"facecolors": list(fill[coloured]),
                                        "edgecolors": "#666666", "linewidths": 0.2},
                             [({"facecolor": c, "edgecolor": "#666666"}, label)
                              for c, label in rows]))
    groups.append(_Group(hidden, {"facecolors": SUPPRESSED_COLOR, "edgecolors": "#7f7f7f",
                                  "linewidths": 0.2, "hatch": "////"},
                         [(_HIDDEN, t("legend.hidden", lang, k=result.k))]))
    groups.append(_Group(blank, {"facecolors": "none", "edgecolors": "#808080",
                                 "linewidths": 0.5, "linestyles": ":"},
                         [(_OUTLINE, t(blank_key, lang))]))
    return table["cell"].to_numpy(dtype=np.uint64), groups


def _class_groups(classes: ClassLayer) -> list[_Group]:
    """A class layer as the map draws it: every class in the legend (a comparison reads
    against all its classes), dashed cells as dotted outlines over their fill."""
    solid, dashed = ~classes.dashed, classes.dashed
    fill = np.asarray(classes.fill, dtype=object)
    rows = [({"facecolor": c, "edgecolor": "#666666", **({"linestyle": ":"} if d else {})},
             label) for c, label, d in classes.rows]
    return [
        _Group(solid, {"facecolors": list(fill[solid]), "edgecolors": "#666666",
                       "linewidths": 0.2}, rows, always_in_legend=True),
        _Group(dashed, {"facecolors": list(fill[dashed]), "edgecolors": "#808080",
                        "linewidths": 0.5, "linestyles": ":"}, []),
    ]


def export_figure(
    result: QueryResult,
    path: str | Path,
    fmt: FigureFormat,
    *,
    layer: str = "incidents_per_night",
    data_label: str,
    lang: str = "en",
    classes: ClassLayer | None = None,
) -> Path:
    """A static map of one layer's hexagons, with legend and caption, for reports and slides.

    Drawn on its own matplotlib Figure (Agg for PNG, the PDF canvas for PDF), never through
    pyplot's global state, without a basemap (offline), in lon/lat with the aspect corrected
    for latitude; the same inputs give the same bytes. Hidden cells (0 < count < k) are grey
    and hatched; cells with too few answers, or not compared, are a dotted outline; a view with
    nothing to draw says so.

    Parameters
    ----------
    result
        The view to draw.
    path
        Output file (folder created).
    fmt
        ``png`` or ``pdf``.
    layer
        One of :data:`FIGURE_LAYERS`.
    data_label
        Name of the data for the caption.
    lang
        Language of title, legend and caption.
    classes
        A change or trend layer as the map draws it: its classes are drawn instead of
        ``layer`` (its dashed cells as outlines), its method and context printed under it.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        For an unknown format or layer.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"unknown figure format {fmt!r}; one of {', '.join(FIGURE_FORMATS)}")
    if classes is None and layer not in FIGURE_LAYERS:
        raise ValueError(f"unknown layer {layer!r}; one of {', '.join(FIGURE_LAYERS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if classes is None:
        title, unit = (t(key, lang) for key in FIGURE_LAYERS[layer])
        cells, groups = _value_groups(result, layer, lang)
    else:
        title, unit = classes.title, classes.unit
        cells, groups = classes.cells, _class_groups(classes)

    fig = Figure(figsize=(11, 7.5), dpi=120)
    FigureCanvasAgg(fig)
    fig.suptitle(title, x=0.03, ha="left", fontsize=15, fontweight="bold")
    fig.text(0.03, 0.905, data_label, fontsize=10, color="#444444")
    ax = fig.add_axes((0.03, 0.17, 0.58, 0.71))
    ax.set_axis_off()
    drawn = np.zeros(len(cells), dtype=bool)
    for group in groups:
        drawn |= group.cells
    if not drawn.any():
        ax.text(0.5, 0.5, EMPTY_MESSAGE, ha="center", va="center", fontsize=13,
                color="#555555", transform=ax.transAxes)
    else:
        rings = [np.asarray(ring[:-1]) for ring in cell_boundaries(np.asarray(cells,
                                                                              dtype=np.uint64))]
        handles = []
        for group in groups:
            if group.cells.any():
                ax.add_collection(PolyCollection(_pick(rings, group.cells), **group.style))
            handles += [Patch(label=_wrap(label), **style) for style, label in group.legend
                        if group.cells.any() or group.always_in_legend]
        ax.autoscale_view()
        mean_lat = float(np.mean([ring[:, 1].mean() for ring in _pick(rings, drawn)]))
        ax.set_aspect(1 / max(np.cos(np.radians(mean_lat)), 0.01))
        fig.legend(handles=handles, title=unit, loc="upper left",
                   bbox_to_anchor=(0.63, 0.88), fontsize=8, title_fontsize=9, frameon=False,
                   alignment="left")
    from geo.export import caption  # geo.export re-exports this module: import at use

    lines = [caption(result, data_label, lang)]
    if classes is not None:
        lines += [*classes.context, classes.method]
    if classes is not None or layer in _RECORDED_LAYERS or layer in ("gap", "bivariate_class"):
        lines.append(t("summary.caveat", lang))
    footer = "\n".join("\n".join(textwrap.wrap(line, 125)) for line in lines if line)
    fig.text(0.03, 0.02, footer, fontsize=8, va="bottom", ha="left", color="#333333")
    metadata = {"CreationDate": None} if fmt == "pdf" else {}
    fig.savefig(path, format=fmt, metadata=metadata)
    return path
