"""A report for the council: the current view as an A4 PDF and an HTML page, in one click.

A council member reads a map on paper, often printed in black and white, without the page's
tooltips and tabs. So the report carries what the page spreads over tabs: the map and its
legend (hidden cells hatched, not only grey), the summary figures, the method notes of the
layers shown (the same paragraphs as "How to read this map"), the data sources with their
validation counts, the privacy statement and the caveats, all in the page's language.
Both files are rendered from one :class:`CouncilReport`, so they never disagree. Matplotlib
draws the PDF (no new dependency, nothing fetched); the HTML embeds the same map PNG.
"""

from __future__ import annotations

import base64
import html
import tempfile
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from geo.app._howto import method_notes
from geo.app._labels import describe_query
from geo.app._panels import summary_items
from geo.city import DisplayLabels
from geo.i18n import number, reason, t
from geo.metrics import QueryResult
from geo.schema import ValidationReport

if TYPE_CHECKING:
    from geo.classes import ClassLayer
    from geo.compare import PeriodChange

__all__ = ["A4_INCHES", "SECTIONS", "CouncilReport", "ReportSection", "build_report",
           "write_report"]

A4_INCHES = (8.27, 11.69)
"""A4 portrait, in inches (matplotlib's unit)."""
SECTIONS: tuple[str, ...] = ("map", "summary", "methods", "sources", "privacy", "caveats")
"""Every report has these sections, in this order (``report.section.<key>`` titles); a report
of the change layer has ``change`` in place of ``methods`` (:func:`change_section`)."""
FIGURE_VALUE = {"perceived": "perceived_eb", "gap": "gap", "bivariate": "bivariate_class"}
"""The value a layer's map is coloured by (recorded and hot spots: the chosen metric)."""


@dataclass(frozen=True)
class ReportSection:
    """A titled section: paragraphs, then label/value rows."""

    key: str
    title: str
    paragraphs: tuple[str, ...] = ()
    rows: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CouncilReport:
    """Everything the PDF and the HTML page say, in one language."""

    lang: str
    title: str
    subtitle: str
    synthetic: bool
    map_png: bytes
    sections: tuple[ReportSection, ...]

    def text(self) -> str:
        """All the words of the report (for tests and search)."""
        parts = [self.title, self.subtitle]
        for s in self.sections:
            parts += [s.title, *s.paragraphs, *(f"{a}: {b}" for a, b in s.rows)]
        return "\n".join(parts)


def _source_rows(reports: Mapping[str, ValidationReport], provenance: Mapping[str, dict],
                 lang: str) -> tuple[tuple[str, str], ...]:
    rows = []
    for name, rep in reports.items():
        counts = t("report.source_counts", lang, rows_in=number(rep.rows_in, lang),
                   kept=number(rep.rows_out, lang), dropped=number(rep.rows_dropped, lang),
                   repaired=number(sum(rep.repaired.values()), lang))
        why = "; ".join(f"{reason(r, lang)} ({number(n, lang)})" for r, n in rep.dropped.items())
        where = provenance.get(name.split(" ")[0], {})
        origin = ", ".join(str(v) for k, v in where.items() if k in ("provider", "licence",
                                                                    "period"))
        label = f"{Path(rep.path).name} — {t('data.format', lang, format=rep.format)}"
        rows.append((label, " ".join(x for x in (counts, why, origin) if x)))
    return tuple(rows)


def change_section(change: PeriodChange, lang: str) -> tuple[str, ...]:
    """"Change between periods": the two periods, the city-wide sentence and the cells per
    class, from published counts only (what the change layer's summary says, on paper)."""
    from geo.app._change_layer import periods_line
    from geo.compare import change_line

    counts = change.counts()
    cells = t("change.class_counts", lang, more=counts["change.more"],
              fewer=counts["change.fewer"], same=counts["change.no_clear"],
              hidden=counts["change.not_compared"])
    return (periods_line(change.before, change.after, lang), change_line(change, lang), cells,
            t("legend.change.fdr", lang))


def build_report(
    result: QueryResult,
    *,
    layer: str,
    metric: str,
    data_label: str,
    lang: str,
    reports: Mapping[str, ValidationReport],
    synthetic: bool,
    provenance: Mapping[str, dict] | None = None,
    labels: DisplayLabels | None = None,
    change: PeriodChange | None = None,
    classes: ClassLayer | None = None,
) -> CouncilReport:
    """The report of one view (see the module notes); ``provenance`` maps a source entry
    (``incidents[0]``) to its notes (provider, licence, period) from the city's build;
    ``change``, the comparison the change layer shows, replaces the method notes by a short
    "Change between periods" section; ``classes`` (the change or trend classes on the map)
    are drawn on the report's map instead of the metric."""
    from geo.export import export_figure

    with tempfile.TemporaryDirectory(prefix="atlas-report-") as tmp:
        png = export_figure(result, Path(tmp) / "map.png", "png",
                            layer=FIGURE_VALUE.get(layer, metric), data_label=data_label,
                            lang=lang, classes=classes)
        map_png = png.read_bytes()
    k = result.k
    privacy = [t("privacy.k_threshold", lang, k=k) if k else t("privacy.off", lang),
               method_notes([], lang, k)[-1], t("report.privacy_exports", lang)]
    caveats = [t("summary.caveat", lang), t("app.tagline", lang)]
    if result.summary.get("rows_left_out_untimed"):
        caveats.append(t("report.untimed", lang))
    if synthetic:
        caveats.insert(0, t("export.synthetic", lang))
    body = {
        "map": ReportSection("map", "", (describe_query(result.query, lang, labels),)),
        "summary": ReportSection("summary", "", tuple(summary_items(result, lang))),
        "methods": ReportSection("methods", "", tuple(method_notes([layer], lang, k)[:-1])),
        "change": ReportSection("change", "", change_section(change, lang) if change else ()),
        "sources": ReportSection("sources", "", (t("report.sources_intro", lang),),
                                 _source_rows(reports, provenance or {}, lang)),
        "privacy": ReportSection("privacy", "", tuple(privacy)),
        "caveats": ReportSection("caveats", "", tuple(caveats)),
    }
    del body["methods" if change is not None else "change"]
    sections = tuple(
        ReportSection(key, t(f"report.section.{key}", lang), s.paragraphs, s.rows)
        for key, s in body.items()
    )
    title = t("report.title", lang, city=data_label)
    subtitle = t(f"layer.{layer}", lang) + (f" — {t('present.synthetic', lang)}"
                                             if synthetic else "")
    return CouncilReport(lang, title, subtitle, synthetic, map_png, sections)


# ---------------------------------------------------------------------------------- HTML
_HTML_CSS = """
@page { size: A4; margin: 16mm; }
body { font-family: sans-serif; color: #000; max-width: 180mm; margin: 0 auto; line-height: 1.4; }
h1 { font-size: 20pt; margin: 0 0 4pt; } h2 { font-size: 13pt; margin: 14pt 0 4pt;
  border-bottom: 1px solid #000; }
.sub { font-size: 11pt; } img { width: 100%; border: 1px solid #999; }
.flag { border: 2px solid #000; padding: 2pt 6pt; font-weight: 700; display: inline-block; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; }
td { border: 1px solid #777; padding: 2pt 4pt; vertical-align: top; }
section { break-inside: avoid-page; }
"""


def report_html(report: CouncilReport) -> str:
    """The report as one self-contained HTML page (map inline), printable on A4."""
    e = html.escape
    png = base64.b64encode(report.map_png).decode("ascii")
    parts = [f'<!doctype html><html lang="{report.lang}"><head><meta charset="utf-8">'
             f"<title>{e(report.title)}</title><style>{_HTML_CSS}</style></head><body>",
             f"<h1>{e(report.title)}</h1><div class='sub'>{e(report.subtitle)}</div>"]
    if report.synthetic:
        parts.append(f"<p class='flag'>{e(t('export.synthetic', report.lang))}</p>")
    for s in report.sections:
        parts.append(f'<section id="{s.key}"><h2>{e(s.title)}</h2>')
        if s.key == "map":
            parts.append(f'<img alt="{e(report.subtitle)}" src="data:image/png;base64,{png}">')
        parts += [f"<p>{e(p)}</p>" for p in s.paragraphs]
        if s.rows:
            parts.append("<table>" + "".join(f"<tr><td>{e(a)}</td><td>{e(b)}</td></tr>"
                                             for a, b in s.rows) + "</table>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)


# ----------------------------------------------------------------------------------- PDF
class _Pages:
    """A top-to-bottom text flow over A4 pages of a matplotlib PdfPages."""

    MARGIN = 0.07

    def __init__(self, pdf, first_png: Path | None = None) -> None:
        self.pdf = pdf
        self.first_png = first_png
        self.fig = None
        self.y = 0.0
        self.count = 0

    def new(self) -> None:
        from matplotlib.figure import Figure

        self.flush()
        self.fig = Figure(figsize=A4_INCHES)
        self.y = 1 - self.MARGIN
        self.count += 1

    def flush(self) -> None:
        if self.fig is not None:
            self.pdf.savefig(self.fig)
            if self.count == 1 and self.first_png is not None:  # a preview without poppler
                from matplotlib.backends.backend_agg import FigureCanvasAgg

                FigureCanvasAgg(self.fig)
                self.fig.savefig(self.first_png, dpi=110, facecolor="white")
            self.fig = None

    def text(self, text: str, size: float = 9.5, weight: str = "normal", indent: float = 0,
             width: int | None = None) -> None:
        # ~0.6 em per character of DejaVu Sans over the usable width, in points
        usable = (1 - 2 * self.MARGIN - indent) * A4_INCHES[0] * 72
        width = width or int(usable / (size * 0.6))
        for line in textwrap.wrap(text, width) or [""]:
            step = size * 1.45 / 72 / A4_INCHES[1]
            if self.y - step < self.MARGIN:
                self.new()
            self.y -= step
            self.fig.text(self.MARGIN + indent, self.y, line, fontsize=size, weight=weight,
                          va="bottom")

    def gap(self, points: float = 6) -> None:
        self.y -= points / 72 / A4_INCHES[1]

    def image(self, png: bytes, height: float) -> None:
        import io

        from matplotlib.image import imread

        if self.y - height < self.MARGIN:
            self.new()
        ax = self.fig.add_axes((self.MARGIN, self.y - height, 1 - 2 * self.MARGIN, height))
        ax.imshow(imread(io.BytesIO(png), format="png"), interpolation="lanczos")
        ax.set_axis_off()
        self.y -= height


def report_pdf(report: CouncilReport, path: Path, first_png: Path | None = None) -> int:
    """Write the report as an A4 PDF (and its first page as PNG when ``first_png`` is given,
    for machines without poppler's pdftoppm); returns its number of pages."""
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path, metadata={"Title": report.title, "Subject": report.subtitle,
                                  "CreationDate": None}) as pdf:
        pages = _Pages(pdf, first_png)
        pages.new()
        pages.text(report.title, 17, "bold")
        pages.text(report.subtitle, 11)
        if report.synthetic:
            pages.text(t("export.synthetic", report.lang), 11, "bold")
        for s in report.sections:
            pages.gap(8)
            pages.text(s.title, 13, "bold")
            if s.key == "map":
                pages.image(report.map_png, 0.43)
            for p in s.paragraphs:
                pages.text(p)
                pages.gap(2)
            for label, value in s.rows:
                pages.text(label, 9.5, "bold")
                pages.text(value, 9, indent=0.02)
        pages.flush()
        return pages.count


def write_report(report: CouncilReport, folder: Path, stem: str = "atlas-report"
                 ) -> tuple[Path, Path]:
    """Write ``stem.pdf`` and ``stem.html`` into ``folder``; returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    pdf, page = folder / f"{stem}.pdf", folder / f"{stem}.html"
    report_pdf(report, pdf)
    page.write_text(report_html(report), encoding="utf-8")
    return pdf, page
