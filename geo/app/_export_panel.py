"""The analyst's export panel: the protected table or the figure of the view, as a download.

Files are written by :mod:`geo.export` (which stamps the privacy settings on every output) into
a fresh temp dir and offered as a link; nothing goes beside the data.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets

from geo.app._panels import download_link
from geo.classes import ClassLayer
from geo.i18n import t
from geo.metrics import QueryResult

FORMATS: tuple[str, ...] = ("report", "geojson", "csv", "parquet", "png", "pdf")
"""Export buttons, in page order: the council report, three tables, two figures."""
_LABELS = {
    "report": "export.report",
    "geojson": "export.table_geojson",
    "csv": "export.table_csv",
    "parquet": "export.table_geoparquet",
    "png": "export.figure_png",
    "pdf": "export.figure_pdf",
}


class ExportPanel:
    """One button per format and the download link of the last export.

    Parameters
    ----------
    on_export
        Called with the format of the button clicked (the app knows the view to export).
    """

    def __init__(self, on_export: Callable[[str], object]) -> None:
        self.buttons = {fmt: widgets.Button(layout=widgets.Layout(width="auto")) for fmt in FORMATS}
        for fmt, button in self.buttons.items():
            button.on_click(lambda _, fmt=fmt: on_export(fmt))
        self.downloads = widgets.HTML()
        self.box = widgets.VBox()

    def export(
        self,
        fmt: str,
        result: QueryResult,
        *,
        layer: str,
        metric: str,
        data_label: str,
        lang: str,
        classes: ClassLayer | None = None,
    ) -> Path:
        """Write ``result`` as ``fmt`` and offer it as a download link.

        ``layer`` and ``metric`` are the dashboard's controls: a figure shows the value the map
        colours by, or ``classes``, the change or trend classes the map shows.
        """
        from geo.export import export_figure, export_table

        folder = Path(tempfile.mkdtemp(prefix="atlas-export-"))
        stem = f"insecurity-atlas-res{result.query.resolution}"
        if fmt in ("png", "pdf"):
            value = {
                "recorded": metric,
                "perceived": "perceived_eb",
                "gap": "gap",
                "bivariate": "bivariate_class",
                "hotspots": metric,
            }.get(layer, metric)  # change / trend without classes: the recorded metric
            path = export_figure(
                result,
                folder / f"{stem}.{fmt}",
                fmt,
                layer=value,
                data_label=data_label,
                lang=lang,
                classes=classes,
            )
            mime = "image/png" if fmt == "png" else "application/pdf"
        else:
            suffix = {"geojson": "geojson", "csv": "csv", "parquet": "parquet"}[fmt]
            path = export_table(result, folder / f"{stem}.{suffix}", fmt, data_label=data_label)
            mime = {
                "geojson": "application/geo+json",
                "csv": "text/csv",
                "parquet": "application/octet-stream",
            }[fmt]
        self.downloads.value = download_link(
            path.read_bytes(), path.name, t("export.saved", lang, path=path.name), mime
        )
        return path

    def offer(self, paths: list[Path], lang: str) -> None:
        """Download links for files already written (the council report's PDF and HTML)."""
        mimes = {".pdf": "application/pdf", ".html": "text/html"}
        self.downloads.value = "".join(
            download_link(p.read_bytes(), p.name, t("export.saved", lang, path=p.name),
                          mimes.get(p.suffix, "application/octet-stream"))
            for p in paths
        )

    def relabel(self, lang: str) -> None:
        """Labels in ``lang``; the panel's children are rebuilt with their titles."""
        for fmt, button in self.buttons.items():
            button.description = t(_LABELS[fmt], lang)
        self.box.children = [
            widgets.HTML(
                f"<b>{t('export.title', lang)}</b><div class='atlas-note'>"
                f"{t('export.public_note', lang)}</div>"
            ),
            widgets.HBox(
                list(self.buttons.values()), layout=widgets.Layout(flex_flow="row wrap")
            ),
            self.downloads,
        ]
