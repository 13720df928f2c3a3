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


CORNERS: tuple[tuple[str, int], ...] = (("A", 6), ("B", 8), ("C", 0), ("D", 2))
"""Letters of the key's corner squares (class code = perceived tertile * 3 + recorded
tertile): A top left (feels less safe), B top right (both high), C bottom left (both low),
D bottom right (records higher)."""


def bivariate_legend_html(
    title: str,
    perceived: str,
    recorded: str,
    notes: Sequence[str] = (),
    *,
    classes: Sequence[str] = (),
    ticks: tuple[str, str] = ("", ""),
) -> str:
    """The 3x3 key: rows = perceived tertile (high on top), columns = recorded tertile.

    With ``classes`` (the nine class phrases by code) the four corner phrases sit above and
    below the key, each beside the corner it names and tied to it by the letter printed in
    that square (readable without colour); every square carries its phrase as a tooltip.
    ``ticks`` (low, high) label the ends of both axes.
    """
    letters = {code: letter for letter, code in CORNERS}
    cells = []
    for p in (2, 1, 0):
        for r in (0, 1, 2):
            code = p * 3 + r
            phrase = html.escape(classes[code]) if classes else ""
            mark = letters.get(code, "") if classes else ""
            ink = "#fff" if code in (5, 7, 8) else "#111"
            cells.append(
                f'<span class="atlas-bivariate-square" data-class="{code}" title="{phrase}" '
                f'style="background:{BIVARIATE[code]};color:{ink}">{mark}</span>'
            )
    low, high = (html.escape(x) for x in ticks)

    def corner(letter: str, code: int, side: str) -> str:
        arrow = {"tl": "↘", "tr": "↙", "bl": "↗", "br": "↖"}[side]
        return (f'<div class="atlas-bivariate-corner atlas-corner-{side}" data-class="{code}">'
                f"<b>{letter}</b> {html.escape(classes[code])} {arrow}</div>")

    top = bottom = ""
    if classes:
        top = (f'<div class="atlas-bivariate-corners">{corner("A", 6, "tl")}'
               f'{corner("B", 8, "tr")}</div>')
        bottom = (f'<div class="atlas-bivariate-corners">{corner("C", 0, "bl")}'
                  f'{corner("D", 2, "br")}</div>')
    yticks = (f'<div class="atlas-bivariate-yticks"><span>{high}</span><span>{low}</span></div>'
              if high else "")
    xticks = (f'<div class="atlas-bivariate-xticks"><span>{low}</span><span>{high}</span></div>'
              if high else "")
    foot = "".join(f'<div class="atlas-note">{html.escape(n)}</div>' for n in notes)
    return (
        f'<div class="atlas-legend" role="region" aria-label="{html.escape(title)}">'
        f'<div class="atlas-legend-title">{html.escape(title)}</div>{top}'
        '<div class="atlas-bivariate">'
        f'<div class="atlas-bivariate-y">{html.escape(perceived)}</div>{yticks}'
        f'<div class="atlas-bivariate-grid" role="img" aria-label="{html.escape(title)}">'
        f'{"".join(cells)}</div>'
        f'<div class="atlas-bivariate-x">{xticks}{html.escape(recorded)}</div></div>'
        f"{bottom}{foot}</div>"
    )
