"""How the presentation looks on a projector: type sized for distance, colours at WCAG AA.

Type sizes: title 52 px, note 28 px, hour 64 px, legend 22 px. Every text colour pair this mode
introduces is listed in :data:`TEXT_COLOURS` and checked by the tests with
:func:`contrast_ratio` (WCAG 2.x, https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio).
"""

from __future__ import annotations

MAP_HEIGHT = "calc(100vh - 280px)"
CLOCK_ROOM = "240px"
"""Height the clock (label, 64 px hour, venues line, padding, margins) takes above the legend in
the map's top-right corner: the legend is never taller than the rest, a taller one scrolls."""
"""The map takes the screen below the control bar, title and note, above the footer line."""
VENUE_RADIUS = 7

TEXT_COLOURS: dict[str, tuple[str, str]] = {
    "title": ("#111111", "#ffffff"),
    "note": ("#222222", "#ffffff"),
    "counter, footer, legend notes": ("#333333", "#ffffff"),
    "clock and legend on their panel": ("#111111", "#f2f2f2"),
    "share link": ("#0b4f9c", "#ffffff"),
    "active button": ("#ffffff", "#1a4e8a"),
    "table header": ("#111111", "#e8eef6"),
    "synthetic badge": ("#4d3800", "#fff3cd"),
}
"""Text and background colours this mode introduces (foreground, background); each pair is
at least 4.5:1 (WCAG 2.x AA for text), see :func:`contrast_ratio`."""
FOCUS_COLOUR = "#1a4e8a"
"""Focus ring: 8.6:1 against white, well above the 3:1 WCAG asks of non-text contrast."""

PRESENT_CSS = f"""<style>
body:has(.atlas-present) {{ margin: 0; padding: 0; background: #fff; }}
body:has(.atlas-present) #rendered_cells, body:has(.atlas-present) .jp-Cell,
body:has(.atlas-present) .jp-OutputArea-output, body:has(.atlas-present) main {{
  padding: 0 !important; margin: 0 !important; }}
.atlas-present {{ font-size: 20px; color: #111; background: #fff; padding: 6px 14px 0; }}
.atlas-present .widget-label, .atlas-present button, .atlas-present .widget-readout {{
  font-size: 18px; }}
.atlas-present button.jupyter-button {{ height: 40px; width: auto; padding: 0 14px; }}
.atlas-present .widget-toggle-buttons button.jupyter-button {{ width: 3.5em; }}
.atlas-present-bar {{ align-items: center; gap: 6px; flex-wrap: wrap; }}
.atlas-present-hour .slider-container {{ flex: 0 0 220px; }}
.atlas-present-hour .widget-readout {{ max-width: none; min-width: 6em; text-align: left;
  overflow: visible; font-weight: 600; }}
.atlas-present-counter {{ font-size: 20px; color: #333; margin-right: 12px; }}
.atlas-present-title {{ font-size: 52px; line-height: 1.1; margin: 6px 0 2px; color: #111;
  font-weight: 700; }}
.atlas-present-note {{ font-size: 28px; line-height: 1.25; margin: 0 0 8px; color: #222;
  max-width: 85em; }}
.atlas-present .atlas-legend {{ font-size: 22px; max-width: 480px; background: #f2f2f2;
  color: #111; max-height: calc({MAP_HEIGHT} - {CLOCK_ROOM}); overflow-y: auto; }}
.atlas-present .atlas-legend-title {{ font-size: 24px; }}
.atlas-present .atlas-legend-unit, .atlas-present .atlas-note,
.atlas-present .atlas-bivariate-x, .atlas-present .atlas-bivariate-y {{ font-size: 20px;
  color: #333; }}
.atlas-present .atlas-bivariate-grid {{ grid-template-columns: repeat(3, 36px);
  grid-template-rows: repeat(3, 36px); }}
.atlas-present .atlas-bivariate-grid span {{ width: 36px; height: 36px; }}
.atlas-clock {{ background: #f2f2f2; color: #111; padding: 8px 18px; border-radius: 6px;
  text-align: right; min-width: 300px; }}
.atlas-clock-label {{ font-size: 20px; color: #333; }}
.atlas-clock-hour {{ font-size: 64px; font-weight: 700; line-height: 1.1;
  font-variant-numeric: tabular-nums; }}
.atlas-clock-venues {{ font-size: 28px; }}
.atlas-present-foot {{ font-size: 20px; color: #333; align-items: center; gap: 16px;
  flex-wrap: wrap; }}
.atlas-present-foot .widget-html-content, .atlas-present-foot .atlas-status {{
  font-size: 20px; color: #333; }}
.atlas-present-foot .atlas-note {{ font-size: 20px; margin: 0; }}
.atlas-present .atlas-table {{ font-size: 22px; }}
.atlas-present .atlas-table-wrap {{ max-height: {MAP_HEIGHT}; }}
.atlas-present :focus-visible, .atlas-present :focus-visible + .widget-label {{
  outline: 4px solid {FOCUS_COLOUR} !important; outline-offset: 3px; }}
</style>"""



def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.x contrast ratio of two ``#rrggbb`` colours (1 .. 21).

    >>> round(contrast_ratio("#000000", "#ffffff"), 1), round(contrast_ratio("#777777", "#fff"), 2)
    (21.0, 4.48)
    """

    def luminance(colour: str) -> float:
        c = colour.lstrip("#")
        if len(c) == 3:
            c = "".join(ch * 2 for ch in c)
        channels = [int(c[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
