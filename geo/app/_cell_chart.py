"""Small inline SVG charts for the cell detail and the trend summary (no plotting library).

A click on a cell shows its recorded incidents month by month and, beside them, when dusk and
dawn fall in each month: winter nights are long, so a rise in winter records may be darkness,
not place. Plain SVG strings keep the kernel light (no matplotlib at start) and print the same
in the page and in tests.

Privacy: the bars are published counts (cell-key noise, k floor). A month hidden by k is drawn
as a hatched "hidden" bar of no height, and any value from 1 to k-1 that reached this module by
mistake is drawn hidden as well: the chart never shows 1..k-1.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

import numpy as np
import pandas as pd

from geo.i18n import month_names, number, t

WIDTH, HEIGHT, PAD = 300, 90, 18
BAR_COLOR = "#5e3c99"
HIDDEN_FILL = "url(#atlas-hatch)"
DUSK_COLOR, DAWN_COLOR = "#e66101", "#5e3c99"
HATCH = ('<defs><pattern id="atlas-hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
         'patternTransform="rotate(45)"><rect width="4" height="4" fill="#e6e6e6"/>'
         '<line x1="0" y1="0" x2="0" y2="4" stroke="#888" stroke-width="1.5"/></pattern></defs>')


def shown_months(counts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(values, hidden)``: hidden where the count is unknown (NaN) or in 1..k-1."""
    values = np.asarray(counts, dtype=float)
    hidden = ~np.isfinite(values) | ((values > 0) & (values < k))
    return np.where(hidden, np.nan, values), hidden


def _month_label(day: dt.date, lang: str) -> str:
    return month_names(lang)[day.month - 1][:1].upper()


def _svg(body: str, title: str, height: int = HEIGHT) -> str:
    label = html.escape(title)
    return (f'<svg class="atlas-chart" role="img" aria-label="{label}" width="{WIDTH}" '
            f'height="{height}" viewBox="0 0 {WIDTH} {height}" '
            f'style="font:10px sans-serif"><title>{label}</title>{body}</svg>')


def month_bars_svg(series: pd.DataFrame, k: int, lang: str) -> str:
    """Bars of a cell's published counts per month; hidden months hatched and labelled."""
    months = list(series["month"])
    values, hidden = shown_months(series["incidents"].to_numpy(dtype=float), k)
    n = max(len(months), 1)
    top = float(np.nanmax(values)) if np.isfinite(values).any() else 0.0
    top = max(top, float(k))
    step = (WIDTH - 2 * PAD) / n
    base = HEIGHT - PAD
    parts = [HATCH, f'<line x1="{PAD}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" '
             'stroke="#555"/>']
    word = html.escape(t("chart.hidden", lang))
    colon = "\u00a0: " if lang == "fr" else ": "  # French typography
    for i, (month, value, off) in enumerate(zip(months, values, hidden, strict=True)):
        x = PAD + i * step + 1
        if off:
            parts.append(f'<rect class="atlas-hidden-month" x="{x:.1f}" y="{PAD}" '
                         f'width="{step - 2:.1f}" height="{base - PAD}" fill="{HIDDEN_FILL}">'
                         f"<title>{html.escape(month.isoformat()[:7])}{colon}{word}</title></rect>")
        else:
            h = (base - PAD) * value / top if top > 0 else 0
            parts.append(f'<rect class="atlas-month" x="{x:.1f}" y="{base - h:.1f}" '
                         f'width="{step - 2:.1f}" height="{h:.1f}" fill="{BAR_COLOR}">'
                         f"<title>{html.escape(month.isoformat()[:7])}{colon}"
                         f"{number(value, lang, 0)}</title></rect>")
        parts.append(f'<text x="{x + step / 2 - 1:.1f}" y="{HEIGHT - 5}" '
                     f'text-anchor="middle">{html.escape(_month_label(month, lang))}</text>')
    parts.append(f'<text x="{PAD}" y="{PAD - 5}">{number(top, lang, 0)}</text>')
    return _svg("".join(parts), t("chart.title", lang))


def _clock(value: dt.datetime | None) -> float:
    """Hours on a noon-to-noon axis (dusk ~ 5-10, dawn ~ 17-20): NaN when the sun never sets."""
    if value is None:
        return float("nan")
    return (value.hour + value.minute / 60 - 12) % 24


def dusk_dawn_svg(rows: Sequence[tuple[dt.date, dt.datetime | None, dt.datetime | None]],
                  lang: str) -> str:
    """Two lines, dusk and dawn of the 15th of each month, on a noon-to-noon clock axis."""
    dusk = np.array([_clock(r[1]) for r in rows])
    dawn = np.array([_clock(r[2]) for r in rows])
    low = np.nanmin(np.r_[dusk, dawn, 6.0]) - 1
    high = np.nanmax(np.r_[dusk, dawn, 18.0]) + 1
    n = max(len(rows), 1)
    step = (WIDTH - 2 * PAD - 20) / max(n - 1, 1)

    def y(v: float) -> float:
        return PAD + (HEIGHT - 2 * PAD) * (v - low) / (high - low)

    parts = []
    for values, color, key in ((dusk, DUSK_COLOR, "chart.dusk"), (dawn, DAWN_COLOR, "chart.dawn")):
        points = " ".join(f"{PAD + 20 + i * step:.1f},{y(v):.1f}"
                          for i, v in enumerate(values) if np.isfinite(v))
        parts.append(f'<polyline class="atlas-{key[6:]}" points="{points}" fill="none" '
                     f'stroke="{color}" stroke-width="2"/>')
        if np.isfinite(values).any():
            first = int(np.flatnonzero(np.isfinite(values))[0])
            clock = (values[first] + 12) % 24
            parts.append(f'<text x="{WIDTH - PAD - 40}" y="{y(values[first]) - 3:.1f}" '
                         f'fill="{color}">{html.escape(t(key, lang))} '
                         f"{int(clock):02d}:{int(round(clock % 1 * 60)) % 60:02d}</text>")
    for i, row in enumerate(rows):
        parts.append(f'<text x="{PAD + 20 + i * step:.1f}" y="{HEIGHT - 4}" text-anchor="middle">'
                     f"{html.escape(_month_label(row[0], lang))}</text>")
    return _svg("".join(parts), t("chart.sun_title", lang))


def sparkline_svg(months: Sequence[dt.date], values: np.ndarray, title: str, lang: str) -> str:
    """A small line of a city-wide monthly series, with its first and last month named."""
    values = np.asarray(values, dtype=float)
    ok = np.isfinite(values)
    if not ok.any():
        return ""
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    span = high - low or 1.0
    step = (WIDTH - 2 * PAD) / max(len(months) - 1, 1)
    ys = HEIGHT - PAD - (HEIGHT - 2 * PAD) * (values - low) / span
    points = " ".join(f"{PAD + i * step:.1f},{y:.1f}" for i, y in enumerate(ys) if np.isfinite(y))
    label = f"{months[0].isoformat()[:7]} – {months[-1].isoformat()[:7]}"
    body = (f'<polyline points="{points}" fill="none" stroke="{BAR_COLOR}" stroke-width="2"/>'
            f'<text x="{PAD}" y="{PAD - 5}">{number(high, lang, 1)}</text>'
            f'<text x="{PAD}" y="{HEIGHT - 4}">{number(low, lang, 1)} · {label}</text>')
    return f"<div><small>{html.escape(title)}</small><br>{_svg(body, title)}</div>"


def cell_chart_html(series: pd.DataFrame | None, k: int, sun_rows, lang: str) -> str:
    """The cell detail's charts: monthly bars (when there is a series) and dusk/dawn."""
    parts = []
    if series is not None and len(series):
        parts.append(f"<div><b>{html.escape(t('chart.title', lang))}</b><br>"
                     f"{month_bars_svg(series, k, lang)}<br>"
                     f"<small>{html.escape(t('chart.hidden_note', lang, k=k))}</small></div>")
    if sun_rows:
        parts.append(f"<div><b>{html.escape(t('chart.sun_title', lang))}</b><br>"
                     f"{dusk_dawn_svg(sun_rows, lang)}</div>")
    return f'<div class="atlas-cell-chart">{"".join(parts)}</div>' if parts else ""
