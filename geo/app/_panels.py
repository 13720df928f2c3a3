"""HTML of the side panels: summary, cell detail, validation reports, download links.

Plain functions returning strings, so their content (privacy included) is testable headless.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

import numpy as np
import pandas as pd

from geo.app._dates import date_items
from geo.i18n import number, reason, t
from geo.metrics import QueryResult
from geo.schema import EXACT, ValidationReport

CSS = """
<style>
.atlas-root { font-size: 16px; }
.atlas-root .widget-label, .atlas-root .widget-readout, .atlas-root button,
.atlas-root select, .atlas-root .widget-checkbox label { font-size: 15px; }
.atlas-header h1 { font-size: 28px; margin: 4px 0; }
.atlas-header .atlas-sub { font-size: 16px; color: #333; }
.atlas-badge { background: #fff3cd; color: #4d3800; border: 1px solid #8a6d00;
  padding: 2px 8px; border-radius: 4px; font-weight: 600; margin-left: 8px; }
.atlas-legend { background: rgba(255,255,255,.95); padding: 8px 10px; border-radius: 4px;
  font-size: 15px; line-height: 1.5; color: #111; max-width: 320px; }
.atlas-legend-title { font-weight: 700; font-size: 16px; }
.atlas-legend-unit { color: #333; font-size: 13px; margin-bottom: 4px; }
.atlas-note { color: #333; font-size: 12px; margin-top: 4px; }
.atlas-bivariate { display: grid; grid-template-columns: auto auto auto; align-items: center;
  justify-content: center; gap: 2px 4px; }
.atlas-bivariate-grid { display: grid; grid-template-columns: repeat(3, 26px);
  grid-template-rows: repeat(3, 26px); }
.atlas-bivariate-grid span { display: block; width: 26px; height: 26px; font-size: 13px;
  font-weight: 700; text-align: center; line-height: 26px; }
.atlas-bivariate-y { writing-mode: vertical-rl; transform: rotate(180deg); font-size: 12px; }
.atlas-bivariate-yticks { display: flex; flex-direction: column; justify-content: space-between;
  height: 78px; font-size: 11px; text-align: right; }
.atlas-bivariate-x { grid-column: 3; font-size: 12px; text-align: center; }
.atlas-bivariate-xticks { display: flex; justify-content: space-between; font-size: 11px;
  width: 78px; margin: 0 auto; }
.atlas-bivariate-corners { display: flex; justify-content: space-between; gap: 8px;
  font-size: 12px; line-height: 1.25; margin: 2px 0; }
.atlas-bivariate-corners > div { flex: 1 1 50%; }
.atlas-corner-tr, .atlas-corner-br { text-align: right; }
.atlas-info { background: rgba(255,255,255,.95); padding: 6px 10px; border-radius: 4px;
  font-size: 14px; min-width: 200px; color: #111; }
.atlas-summary li, .atlas-detail li { margin: 2px 0; }
.atlas-status { font-size: 14px; color: #333; }
.atlas-root .jupyter-button.mod-active { background: #1a4e8a; color: #fff; }
.atlas-root :focus-visible { outline: 3px solid #1a73e8 !important; outline-offset: 2px; }
.atlas-side .widget-inline-hbox { flex-wrap: wrap; height: auto; width: auto !important; }
.atlas-side .widget-inline-hbox > select { height: var(--jp-widgets-inline-height, 28px); }
.atlas-side .jupyter-button.atlas-section-header { width: auto !important; }
.atlas-side .widget-inline-hbox > .widget-label { width: 100% !important; max-width: 100%;
  white-space: normal; overflow: visible; text-overflow: clip; text-align: left;
  height: auto; line-height: 1.3; margin-bottom: 2px; }
.atlas-side .widget-checkbox label, .atlas-side .widget-label-basic,
.atlas-side .widget-label-basic span { white-space: normal; overflow: visible;
  text-overflow: clip; height: auto; line-height: 1.3; }
.atlas-side .widget-inline-hbox .widget-readout { overflow: visible; max-width: none; }
.atlas-side .jupyter-button { white-space: normal; overflow: visible; text-overflow: clip;
  height: auto; min-height: 30px; line-height: 1.25; padding: 3px 8px; }
.atlas-side .atlas-chip { margin: 2px; border-radius: 14px; max-width: 100%; text-align: left;
  width: auto; }
.atlas-side .atlas-chip.mod-active::before { content: "✓ "; }
.atlas-side .atlas-chip-action { margin: 0 0 0 6px; font-size: 13px; width: auto; }
.atlas-side .atlas-chips { margin: 6px 0; }
.atlas-chips-head, .atlas-chips-row { display: flex; flex-flow: row wrap; }
.atlas-chips-head { align-items: center; }
.atlas-chips-title { margin: 2px; font-size: var(--jp-widgets-font-size, 13px);
  line-height: var(--jp-widgets-inline-height, 28px); }
.atlas-side .atlas-section-header { text-align: left; font-weight: 700; margin-top: 6px;
  background: #eef2f7; color: #111; }
.atlas-side .atlas-section-header.mod-active { background: #dde6f2; color: #111; }
.atlas-side input[type=number] { width: 7em; }
.atlas-root .lm-TabBar-tab { flex: 0 0 auto; max-width: none; min-width: 0; }
.atlas-howto { max-width: 60em; line-height: 1.45; }
.atlas-howto p { margin: 6px 0; }
.atlas-root a.atlas-download { display: inline-block; margin: 4px 0; padding: 4px 10px;
  border: 1px solid #1a4e8a; border-radius: 4px; color: #1a4e8a; text-decoration: none; }
</style>
"""
FOCUS_CSS = """<style>
.atlas-root .jupyter-widget-text input:focus-visible, .atlas-root .widget-text input:focus-visible,
.atlas-root .jupyter-widget-textarea textarea:focus-visible,
.atlas-root .widget-datepicker input:focus, .atlas-root .widget-datepicker:focus-within input,
.atlas-root .widget-datepicker input:focus-within,
.atlas-root .widget-inline-hbox input:focus-visible {
  outline: 3px solid #1a73e8 !important; outline-offset: 2px; }
</style>"""
"""Focus ring for text, number and date inputs, whose widget CSS removes it with a more specific
``outline: none !important`` than the dashboards' general ``:focus-visible`` rule. Date inputs
take it whenever focus is inside them: while the day, month or year part of a date field has the
keyboard, Chromium matches neither ``:focus-visible`` nor ``:focus`` on the field itself."""


def _n(value: float, lang: str, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    return number(float(value), lang, decimals)


def summary_items(result: QueryResult, lang: str) -> list[str]:
    """The summary's figures as sentences (the page's Summary tab and the council report)."""
    s = result.summary
    hidden = max(s["cells_suppressed"].get("incidents", 0), 0)
    rho = s["spearman"]["rho"]
    items = [
        *date_items(result, lang),  # which nights and which sun window (geo.app._dates)
        t("summary.cells_shown", lang, n=_n(s["cells_shown"], lang)),
        t("summary.cells_hidden_k", lang, n=_n(hidden, lang)),
        t("summary.incidents", lang, n=_n(s["incidents_shown"], lang)),
        t("summary.answers", lang, n=_n(s["answers_shown"], lang)),
        t("summary.time_left_out", lang, n=_n(s["rows_left_out_untimed"], lang)),
        *([t("summary.location_left_out", lang, n=_n(s["rows_left_out_location"], lang))]
          if s.get("rows_left_out_location") else []),
        t("summary.spearman", lang, rho=_n(rho, lang, 2), n=_n(s["spearman"]["n"], lang)),
    ]
    return items


def summary_html(result: QueryResult, lang: str) -> str:
    """Cells shown and hidden, rows left out for lack of time, Spearman with n, the caveat."""
    s = result.summary
    items = summary_items(result, lang)
    notes = [t("summary.caveat", lang)]
    notes.extend(result.privacy_notes(lang))  # the k floor, and the noise or "exact"
    if s.get("synthetic"):
        notes.append(t("export.synthetic", lang))
    body = "".join(f"<li>{html.escape(i)}</li>" for i in items)
    foot = "".join(f'<div class="atlas-note">{html.escape(n)}</div>' for n in notes)
    return (
        f'<div class="atlas-summary" aria-live="polite"><b>{html.escape(t("summary.title", lang))}'
        f"</b><ul>{body}</ul>{foot}</div>"
    )


def _bars(
    values: Sequence[float],
    labels: Sequence[str],
    k: int,
    highlight: Sequence[bool],
    width: int = 360,
    height: int = 120,
) -> str:
    """A small inline SVG bar chart; NaN bars (0 < count < k) are drawn hatched as "< k"."""
    values = np.asarray(values, dtype=float)
    top = np.nanmax(values) if np.isfinite(values).any() and np.nanmax(values) > 0 else 1.0
    n = len(values)
    bw = width / n
    parts = [
        f'<svg width="{width}" height="{height + 18}" role="img">',
        '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse">'
        '<path d="M0,4 l4,-4" stroke="#777" stroke-width="1"/></pattern></defs>',
    ]
    for i, (v, label) in enumerate(zip(values, labels, strict=True)):
        x = i * bw
        color = "#31688e" if highlight[i] else "#9ecae1"
        if np.isnan(v):
            h = height * 0.15
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{height - h:.1f}" width="{bw - 2:.1f}" '
                f'height="{h:.1f}" fill="url(#hatch)"><title>{label}: &lt; {k}</title></rect>'
            )
        else:
            h = height * v / top
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{height - h:.1f}" width="{bw - 2:.1f}" '
                f'height="{h:.1f}" fill="{color}"><title>{label}: {v:.1f}</title></rect>'
            )
        if i % 3 == 0:
            parts.append(f'<text x="{x:.1f}" y="{height + 14}" font-size="11">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def detail_html(
    row: pd.Series,
    hours: np.ndarray,
    answers: np.ndarray,
    window_hours: set[int],
    k: int,
    lang: str,
) -> str:
    """One cell: incidents by hour (noon to noon), perception distribution, venues open."""
    order = [*range(12, 24), *range(0, 12)]
    bars = _bars(
        [hours[h] for h in order],
        [f"{h:02d}" for h in order],
        k,
        [h in window_hours for h in order],
    )
    levels = [t(f"detail.level_{i}", lang) for i in range(len(answers))]
    dist = _bars(answers, levels, k, [True] * len(answers), width=200, height=80)
    if bool(row.get("perceived_ok", False)):
        mean = t(
            "detail.mean",
            lang,
            mean=_n(row["perceived"], lang, 2),
            low=_n(row["perceived_lo"], lang, 2),
            high=_n(row["perceived_hi"], lang, 2),
            n=_n(row["perceived_n"], lang),
        )
    else:
        mean = (
            t("empty.no_answers", lang)
            if not row.get("perceived_n")
            else t("legend.too_few_answers", lang)
        )
    incidents = row.get("incidents")
    inc_text = (
        t("legend.hidden", lang, k=k)
        if incidents is None or not np.isfinite(incidents)
        else f"{t('metric.incidents', lang)}: {_n(incidents, lang, 1)}"
    )
    return (
        f'<div class="atlas-detail"><b>{html.escape(t("detail.title", lang, cell=row["cell_id"]))}'
        f"</b><ul><li>{html.escape(inc_text)}</li>"
        f"<li>{html.escape(t('detail.venues_open', lang))}: {_n(row.get('venues_open', 0), lang)}"
        f" / {_n(row.get('venues', 0), lang)}</li></ul>"
        f"<div>{html.escape(t('detail.by_hour', lang))}</div>{bars}"
        f"<div>{html.escape(t('detail.distribution', lang))} — {html.escape(mean)}</div>{dist}"
        "</div>"
    )


def info_html(row: pd.Series | None, lang: str, k: int) -> str:
    """The hover box: the few numbers of one cell."""
    if row is None:
        return f'<div class="atlas-info">{html.escape(t("detail.hint", lang))}</div>'
    inc = row.get("incidents")
    inc_text = f"&lt; {k}" if inc is None or not np.isfinite(inc) else _n(inc, lang, 1)
    per = _n(row.get("perceived_eb"), lang, 2) if row.get("perceived_ok") else "—"
    return (
        f'<div class="atlas-info"><b>{html.escape(row["cell_id"])}</b><br>'
        f"{html.escape(t('metric.incidents', lang))}: {inc_text}<br>"
        f"{html.escape(t('metric.smoothed_insecurity', lang))}: {per}<br>"
        f"{html.escape(t('metric.venues_open', lang))}: {_n(row.get('venues_open', 0), lang)}"
        "</div>"
    )


def report_html(report: ValidationReport, lang: str) -> str:
    """A validation report as the data panel shows it, reasons translated."""
    rows = [
        (t("data.rows_in", lang), report.rows_in),
        (t("data.rows_kept", lang), report.rows_out),
        (t("data.rows_merged", lang), report.rows_merged),
        (t("data.rows_dropped", lang), report.rows_dropped),
        (t("data.rows_repaired", lang), sum(report.repaired.values())),
    ]
    table = "".join(f"<tr><td>{html.escape(a)}</td><td>{_n(b, lang)}</td></tr>" for a, b in rows)
    reasons = [*report.dropped.items(), *report.repaired.items(), *report.flagged.items()]
    listing = "".join(f"<li>{html.escape(reason(r, lang))}: {_n(c, lang)}</li>" for r, c in reasons)
    return (
        f'<div class="atlas-report"><b>{html.escape(report.path.split("/")[-1])}</b> '
        f"— {html.escape(t('data.format', lang, format=report.format))}"
        f"<table>{table}</table><ul>{listing}</ul>{_precisions_html(report, lang)}</div>"
    )


def _precisions_html(report: ValidationReport, lang: str) -> str:
    """How precise the kept rows are in time and place: what each filter can rely on."""
    time = {t(f"precision.{k}", lang): n for k, n in report.time_precision.items()}
    place = {t("data.location_exact", lang) if k == EXACT else k: n
             for k, n in report.location_precision.items()}
    lines = [
        f"<div>{html.escape(t(key, lang))}: "
        + ", ".join(f"{html.escape(label)} ({_n(n, lang)})" for label, n in counts.items())
        + "</div>"
        for key, counts in (("data.time_precision", time), ("data.location_precision", place))
        if counts
    ]
    return "".join(lines)


def download_link(data: bytes, filename: str, label: str, mime: str) -> str:
    """An <a download> with the file inline: works in Voila without a file server."""
    payload = base64.b64encode(data).decode("ascii")
    return (
        f'<a class="atlas-download" download="{html.escape(filename)}" '
        f'href="data:{mime};base64,{payload}">{html.escape(label)}</a>'
    )


def escape_html(text: str) -> str:
    """``text`` safe inside HTML, line breaks kept as ``<br>``."""
    return html.escape(text).replace("\n", "<br>")


def header_html(lang: str, synthetic: bool, city: str = "") -> str:
    """The analyst page's title and tagline, the city shown, and a badge for synthetic data."""
    badge = f'<span class="atlas-badge">{t("present.synthetic", lang)}</span>' if synthetic else ""
    where = f' — <span class="atlas-city">{escape_html(city)}</span>' if city else ""
    return (
        f'<div class="atlas-header"><h1>{t("app.title", lang)}{where}{badge}</h1>'
        f'<div class="atlas-sub">{t("app.subtitle", lang)} — '
        f"{t('app.tagline', lang)}</div></div>"
    )


def venue_info_html(name: str | None, state: str, hours: str | None, lang: str) -> str:
    """A venue's box on hover or click: name, open / closed / hours unknown, its hours."""
    key = {"open": "legend.open", "closed": "legend.closed"}.get(state, "legend.hours_unknown")
    return (
        f'<div class="atlas-info"><b>{escape_html(name or "—")}</b><br>'
        f"{escape_html(t(key, lang))}<br><small>{escape_html(hours or '?')}</small>"
        "</div>"
    )
