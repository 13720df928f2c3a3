"""Legends: class swatches with units and ranges, and the 3x3 bivariate key (HTML, no widgets)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from geo.classes import BIVARIATE, Classes


def _swatch(color: str, dashed: bool = False) -> str:
    border = "1px dashed #555" if dashed else "1px solid #333"
    return (
        f'<span class="atlas-swatch" style="background:{color};border:{border};'
        "display:inline-block;width:1.6em;height:1em;margin-right:.5em;"
        'vertical-align:middle"></span>'
    )


def legend_html(
    title: str,
    unit: str,
    classes: Classes | None,
    *,
    fmt: str = "{:,.1f}",
    extra: Sequence[tuple[str, str, bool]] = (),
    notes: Sequence[str] = (),
) -> str:
    """A legend: title, unit, one swatch per class with its range, extra rows, footnotes."""
    rows = []
    if classes is not None:
        for color, label in zip(classes.colors, classes.labels(fmt), strict=True):
            rows.append(f"<div>{_swatch(color)}{html.escape(label)}</div>")
    for color, label, dashed in extra:
        rows.append(f"<div>{_swatch(color, dashed)}{html.escape(label)}</div>")
    foot = "".join(f'<div class="atlas-note">{html.escape(n)}</div>' for n in notes)
    return (
        f'<div class="atlas-legend" role="region" aria-label="{html.escape(title)}">'
        f'<div class="atlas-legend-title">{html.escape(title)}</div>'
        f'<div class="atlas-legend-unit">{html.escape(unit)}</div>'
        f"{''.join(rows)}{foot}</div>"
    )


def bivariate_legend_html(
    title: str, perceived: str, recorded: str, notes: Sequence[str] = ()
) -> str:
    """The 3x3 key: rows = perceived tertile (high on top), columns = recorded tertile."""
    cells = []
    for p in (2, 1, 0):
        for r in (0, 1, 2):
            cells.append(f'<span style="background:{BIVARIATE[p * 3 + r]}"></span>')
    foot = "".join(f'<div class="atlas-note">{html.escape(n)}</div>' for n in notes)
    return (
        f'<div class="atlas-legend" role="region" aria-label="{html.escape(title)}">'
        f'<div class="atlas-legend-title">{html.escape(title)}</div>'
        '<div class="atlas-bivariate">'
        f'<div class="atlas-bivariate-y">{html.escape(perceived)}</div>'
        f'<div class="atlas-bivariate-grid">{"".join(cells)}</div>'
        f'<div class="atlas-bivariate-x">{html.escape(recorded)}</div></div>{foot}</div>'
    )
