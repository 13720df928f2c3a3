"""AtlasApp: the analyst dashboard as one object that owns the widgets and one update path.

    query (widgets -> Query) -> compute (Atlas.query) -> draw (layers, legend, panels)

The notebook only builds and displays it; tests drive it headless by setting widget values and
reading ``app.result`` and the layers' data.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

import ipyleaflet
import ipywidgets as widgets
import numpy as np
import pandas as pd

from geo.app._cells_table import TABLE_CSS, cells_table_html
from geo.app._controls import Controls
from geo.app._page import PageApp
from geo.app._panels import (
    CSS,
    FOCUS_CSS,
    detail_html,
    download_link,
    info_html,
    report_html,
    summary_html,
)
from geo.app._share import ViewState, read_view, share_link_html
from geo.app._style import VENUE_COLORS, style_layer, venue_legend_html
from geo.i18n import t
from geo.layers import HexLayer, VenueLayer, basemap_layer, make_map
from geo.metrics import Atlas, Query, QueryResult

DATA_EXTENSIONS: tuple[str, ...] = (".csv", ".geojson", ".json", ".parquet", ".gpkg")
"""File types the data panel reads. Checked in the kernel: the upload button's ``accept`` is only
a hint to the browser's file chooser, and a visitor can send any bytes under any name."""
MAPPING_EXTENSIONS: tuple[str, ...] = (".yaml", ".yml", ".json")
"""File types of a column mapping."""
MAX_UPLOAD_BYTES = 50 * 2**20
"""Largest file the data panel reads (50 MiB): a city-year of incidents fits, and a visitor
cannot fill a shared server's memory. The served deployment (``deploy/voila.py``) lets websocket
messages up to a little more through, so a larger file gets this message, not a dropped
connection."""

_REFUSED = {
    "en": {
        "extension": "not loaded: files of type {ext} are not accepted (use {allowed})",
        "size": "not loaded: the file is {size} MB, larger than the {limit} MB limit",
    },
    "fr": {
        "extension": "non chargé : les fichiers de type {ext} ne sont pas acceptés ({allowed})",
        "size": "non chargé : le fichier fait {size} Mo, plus que la limite de {limit} Mo",
    },
}
"""Refusal messages of the upload checks, kept beside the check until the catalogues have
``upload.*`` keys; English is the fallback."""


class AtlasApp(PageApp):
    """The analyst dashboard (DESIGN §7).

    Parameters
    ----------
    atlas
        Data ready for queries; ``None`` shows the page first and loads later
        (:meth:`load_sample`), so the visitor sees progress instead of a blank page.
    lang
        ``en`` or ``fr``; switchable in the page.
    max_upload_bytes
        Largest file the data panel reads; larger uploads are refused with a message.
    """

    def __init__(
        self,
        atlas: Atlas | None = None,
        *,
        lang: str = "en",
        data_label: str | None = None,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        self.lang = lang
        self.max_upload_bytes = max_upload_bytes
        self.atlas: Atlas | None = None
        self.result: QueryResult | None = None
        self.data_label = data_label or ""
        self._muted = False
        self._selected: int | None = None
        self._rows_of: pd.DataFrame | None = None

        self.status = widgets.HTML(layout=widgets.Layout(margin="0 0 4px 0"))
        self.stamp = widgets.HTML(layout=widgets.Layout(display="none"))
        self.share = widgets.HTML(layout=widgets.Layout(margin="0 0 4px 12px"))
        """The "Share this view" link, rewritten on every redraw and map move."""
        self.table = widgets.HTML()
        """The shown cells as a table (the map's accessible alternative), filled when visible."""
        self._table_cells: np.ndarray | None = None
        self._view: ViewState | None = None
        self.progress = widgets.IntProgress(
            value=0, min=0, max=4, layout=widgets.Layout(width="240px")
        )
        self.header = widgets.HTML()
        self.map = make_map((45.75, 4.85), zoom=13)
        self.hexes = HexLayer("hexes")
        self.venues = VenueLayer("venues", VENUE_COLORS)
        self.map.add(self.hexes.layer)
        self.legend = widgets.HTML()
        self.info = widgets.HTML()
        self.map.add(ipyleaflet.WidgetControl(widget=self.legend, position="bottomright"))
        self.map.add(ipyleaflet.WidgetControl(widget=self.info, position="topright"))
        self.show_venues = widgets.Checkbox(value=True, indent=False)
        self.summary = widgets.HTML()
        self.detail = widgets.HTML()
        self.controls: Controls | None = None
        self.controls_box = widgets.VBox(layout=widgets.Layout(width="330px", min_width="300px"))
        self.data_panel = widgets.VBox()
        self.export_panel = widgets.VBox()
        self.side = widgets.Tab(layout=widgets.Layout(width="100%"))
        self.root = widgets.VBox(
            [
                widgets.HTML(CSS + FOCUS_CSS),
                self.header,
                widgets.HBox([self.progress, self.status, self.share, self.stamp]),
                widgets.HBox(
                    [
                        self.controls_box,
                        widgets.VBox([self.map, self.side], layout=widgets.Layout(flex="1 1 auto")),
                    ]
                ),
            ],
        )
        self.root.add_class("atlas-root")
        self.hexes.layer.on_hover(self._on_hover)
        self.hexes.layer.on_click(self._on_click)
        self.venues.layer.on_hover(self._on_venue)
        self.venues.layer.on_click(self._on_venue)
        self.map.observe(lambda _: self._update_share(), names=["center", "zoom"])
        self.side.observe(lambda _: self._fill_table(), names="selected_index")
        self._build_data_panel()
        self._build_export_panel()
        self._relabel_static()
        if atlas is not None:
            self.use(atlas)

    # ------------------------------------------------------------------ loading
    def load_sample(self, folder: str | Path | None = None) -> AtlasApp:
        """Read the sample city (generating it first if needed), then show it."""
        atlas, folder = self._read_sample(folder)
        self.data_label = t("data.sample", self.lang) if atlas.synthetic else str(folder)
        self.use(atlas)
        return self

    def use(self, atlas: Atlas) -> None:
        """Show another data set: controls follow its sources and groups."""
        self.atlas = atlas
        old = self.controls
        self.controls = Controls(atlas.sources, atlas.groups, self.lang)
        if old is not None:
            self.controls.set_query(old.query())
        self.controls.observe(self._on_query_change, self._on_style_change)
        self.controls.language.observe(self._on_language, names="value")
        self.controls.basemap.observe(self._on_basemap, names="value")
        self.show_venues.observe(lambda _: self.redraw(), names="value")
        self.controls_box.children = [self.controls.panel(), self.show_venues]
        self.map.center = atlas.centre
        self.controls.basemap.observe(lambda _: self._update_share(), names="value")
        if self._view is None:  # the page URL, read once (after the data: see geo.app._share)
            self._view = read_view()
            self._apply_view(self._view)
        self._relabel_static()
        self.refresh()

    # ------------------------------------------------------------------ the update path
    def query(self) -> Query:
        assert self.controls is not None
        return self.controls.query()

    def refresh(self) -> None:
        """Query -> compute -> draw. The only path from a control to the map."""
        if self.atlas is None or self.controls is None:
            return
        local = self.controls.layer.value == "hotspots"
        if local:  # permutation tests take about a second: say what is going on
            self._step("progress.comparing", 3)
        self.result = self.atlas.query(self.query(), local_stats=local)
        self._rows_of = None
        self.redraw()

    @property
    def _rows(self) -> pd.DataFrame:
        """The result's rows by cell, for hover, click and detail (built on first use: a
        slider move does not need it)."""
        if self._rows_of is None:
            table = self.result.table
            self._rows_of = table.assign(
                cell_id=[format(int(c), "x") for c in table["cell"]]
            ).set_index("cell", drop=False)
        return self._rows_of

    def redraw(self) -> None:
        """Restyle from the current result (no recomputation)."""
        if self.result is None or self.controls is None:
            return
        c = self.controls
        style = style_layer(
            self.result,
            c.layer.value,
            metric=c.metric.value,
            scheme=c.scheme.value,
            k_classes=c.classes.value,
            lang=self.lang,
            synthetic=bool(self.atlas and self.atlas.synthetic),
        )
        legend = style.legend
        if self.show_venues.value and self.atlas is not None and len(self.atlas.venues):
            legend += venue_legend_html(self.lang)
        if style.empty:
            legend += f'<div class="atlas-note"><b>{t("empty.no_cells", self.lang)}</b></div>'
        venues = self._venue_states()
        # Everything the map shows goes out in one burst, so the browser paints cells, dots
        # and legend in the same frame (computing between the sends would let a frame in).
        self.hexes.draw(
            style.cells,
            style.fill,
            style.dashed,
            grid=self.atlas.grid_cells(self.result.query.resolution),
        )
        self.venues.show_on(self.map, venues)
        self.legend.value = legend
        self._stamp_map()
        self._table_cells = style.cells
        self.summary.value = summary_html(self.result, self.lang)
        if self._selected is not None:
            self._show_detail(self._selected)
        else:
            self.detail.value = f"<i>{t('detail.hint', self.lang)}</i>"
        self.info.value = info_html(None, self.lang, self.result.k)
        c.metric.layout.display = "" if c.layer.value == "recorded" else "none"
        self.progress.value = 4
        self.status.value = (
            f'<span class="atlas-status" role="status">{t("progress.ready", self.lang)}</span>'
        )
        self._update_share()
        self.table.value = ""
        self._fill_table()
        self._stamp_done()

    # ------------------------------------------------------------------ shared views
    def _apply_view(self, view: ViewState) -> None:
        """Put a shared view (from the page URL) into the controls and the map."""
        c = self.controls
        with self._mute():
            if view.query is not None:
                c.set_query(view.merged_query(c.query()))
            if view.layer:
                c.layer.value = view.layer
            if view.metric:
                c.metric.value = view.metric
        if view.basemap:
            c.basemap.value = view.basemap
        if view.lang and view.lang != self.lang:
            self.set_language(view.lang)
        if view.centre is not None:
            self.map.center = view.centre
        if view.zoom is not None:
            self.map.zoom = view.zoom

    def share_state(self) -> ViewState:
        """The view a "Share this view" link restores: query, layer, language, map."""
        c = self.controls
        lat, lon = self.map.center
        return ViewState(
            query=self.query(),
            layer=c.layer.value,
            metric=c.metric.value,
            lang=self.lang,
            basemap=c.basemap.value,
            centre=(float(lat), float(lon)),
            zoom=float(self.map.zoom),
        )

    def _update_share(self) -> None:
        if self.result is not None and self.controls is not None:
            self.share.value = share_link_html(self.share_state(), self.lang)

    def _fill_table(self) -> None:
        """Build the table of shown cells only while its tab is open (it can be long)."""
        i = self.side.selected_index
        if i is None or self.side.children[i] is not self.table or self.table.value:
            return
        if self.result is None:
            return
        sort_by = "perceived_eb" if self.controls.layer.value == "perceived" else "incidents"
        self.table.value = TABLE_CSS + cells_table_html(
            self.result, self._table_cells, self.lang, sort_by=sort_by
        )

    def _venue_states(self) -> pd.DataFrame | None:
        """Venues with their state in the window, or None when the venue layer is off."""
        assert self.atlas is not None
        if not (self.show_venues.value and len(self.atlas.venues)):
            return None
        return self.atlas.venue_states(self.result.query)

    # ------------------------------------------------------------------ events
    def _on_query_change(self, _change=None) -> None:
        if not self._muted:
            self.refresh()

    def _on_style_change(self, change=None) -> None:
        if self._muted:
            return
        needs_local = (
            self.controls.layer.value == "hotspots"
            and self.result is not None
            and (self.result.table["hotspot"].eq("hotspot.not_computed").all())
        )
        self.refresh() if needs_local else self.redraw()

    def _on_language(self, change) -> None:
        self.set_language(change["new"])

    def set_language(self, lang: str) -> None:
        self.lang = lang
        with self._mute():
            if self.controls is not None:
                self.controls.language.value = lang
                self.controls.relabel(lang)
        if self.atlas is not None and self.atlas.synthetic:
            self.data_label = t("data.sample", lang)
        self._relabel_static()
        self.redraw()

    def _on_basemap(self, change) -> None:
        base = [layer for layer in self.map.layers if getattr(layer, "base", False)]
        for layer in base:
            self.map.remove(layer)
        self.map.add(basemap_layer(change["new"]))
        # keep the hexes above the new basemap
        self.map.remove(self.hexes.layer)
        self.map.add(self.hexes.layer)

    @contextlib.contextmanager
    def _mute(self):
        self._muted = True
        try:
            yield
        finally:
            self._muted = False

    def _row(self, cell_hex: str | None):
        if not cell_hex or self.result is None:
            return None
        cell = int(cell_hex, 16)
        return self._rows.loc[cell] if cell in self._rows.index else None

    def _on_hover(self, feature=None, properties=None, **_) -> None:
        row = self._row((properties or {}).get("cell"))
        self.info.value = info_html(row, self.lang, self.result.k if self.result else 0)

    def _on_venue(self, feature=None, properties=None, **_) -> None:
        p = properties or {}
        i = p.get("i")
        # The state is read here, not from the browser's copy: colours change without re-sending
        # the points, so the point's own properties do not carry it.
        state = self.venues.states[i] if isinstance(i, int) and i < len(self.venues.states) else ""
        key = {"open": "legend.open", "closed": "legend.closed"}.get(state, "legend.hours_unknown")
        self.info.value = (
            f'<div class="atlas-info"><b>{_escape(p.get("name") or "—")}</b><br>'
            f"{_escape(t(key, self.lang))}<br><small>{_escape(p.get('hours') or '?')}</small>"
            "</div>"
        )

    def _on_click(self, feature=None, properties=None, **_) -> None:
        cell_hex = (properties or {}).get("cell")
        if cell_hex:
            self.select_cell(int(cell_hex, 16))

    def select_cell(self, cell: int) -> None:
        """Open a cell's detail (what a click on the map does)."""
        self._selected = int(cell)
        self._show_detail(self._selected)
        self.side.selected_index = 1

    def _show_detail(self, cell: int) -> None:
        if self.result is None or cell not in self._rows.index:
            self.detail.value = f"<i>{t('detail.hint', self.lang)}</i>"
            return
        q = self.result.query
        row = self._rows.loc[cell]
        hours = self.atlas.cell_hours(cell, q)
        answers = self.atlas.cell_answers(cell, q)
        window = set(q.hours.hours) if q.hours is not None else set(range(24))
        self.detail.value = detail_html(row, hours, answers, window, q.k, self.lang)

    # ------------------------------------------------------------------ data panel
    def _build_data_panel(self) -> None:
        self.uploads = {
            table: widgets.FileUpload(accept=",".join(DATA_EXTENSIONS), multiple=False)
            for table in ("incidents", "perceptions", "venues")
        }
        self.mapping_upload = widgets.FileUpload(
            accept=",".join(MAPPING_EXTENSIONS), multiple=False
        )
        self.load_button = widgets.Button(button_style="primary")
        self.sample_button = widgets.Button()
        self.reports = widgets.HTML()
        self.load_button.on_click(lambda _: self.load_uploads())
        self.sample_button.on_click(lambda _: self.load_sample())

    def _saved_upload(
        self,
        upload: widgets.FileUpload,
        folder: Path,
        allowed: tuple[str, ...],
        refused: list[str],
    ) -> Path | None:
        """Write one uploaded file into ``folder`` (inside a fresh temp dir), or refuse it.

        Type and size are checked before anything touches the disk, and the browser's file name
        is reduced to a plain base name, so an upload can only ever land in ``folder``.
        """
        if not upload.value:
            return None
        item = upload.value[0]
        name = _safe_name(str(item.get("name") or ""))
        content = item["content"]
        size = content.nbytes if isinstance(content, memoryview) else len(content)
        suffix = Path(name).suffix.lower()
        problem = None
        if suffix not in allowed:
            problem = _REFUSED.get(self.lang, _REFUSED["en"])["extension"].format(
                ext=suffix or "(none)", allowed=" ".join(allowed)
            )
        elif size > self.max_upload_bytes:
            problem = _REFUSED.get(self.lang, _REFUSED["en"])["size"].format(
                size=f"{size / 2**20:.1f}", limit=f"{self.max_upload_bytes / 2**20:g}"
            )
        if problem is not None:
            refused.append(
                f'<div class="atlas-error" role="alert"><b>{_escape(name)}</b>: '
                f"{_escape(problem)}</div>"
            )
            return None
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(bytes(content))
        return path

    def load_uploads(self) -> None:
        """Read the uploaded files (formats detected, or the mapping), show their reports.

        Files go to a private temp dir, one folder per table (a mapping and a data file may
        share a name), and the dir is removed once read: raw points of app reports and survey
        answers stay in memory only as long as the session.
        """
        folder = Path(tempfile.mkdtemp(prefix="atlas-upload-"))
        try:
            self._read_uploads(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _read_uploads(self, folder: Path) -> None:
        from geo.errors import AtlasError
        from geo.io import read_table

        parts: list[str] = []
        mapping = self._saved_upload(
            self.mapping_upload, folder / "mapping", MAPPING_EXTENSIONS, parts
        )
        frames, reports, names = {}, {}, []
        self._step("progress.loading", 1)
        for table, upload in self.uploads.items():
            path = self._saved_upload(upload, folder / table, DATA_EXTENSIONS, parts)
            if path is None:
                continue
            names.append(path.name)
            try:
                result = read_table(
                    path, table, mapping=mapping if table == self._mapping_table(mapping) else None
                )
            except AtlasError as exc:
                # The message names the file by the name the visitor gave, not by its path on
                # the server.
                message = str(exc).replace(str(path), path.name).replace(str(folder), "")
                parts.append(
                    f'<div class="atlas-error" role="alert"><b>{_escape(path.name)}</b>: '
                    f"{_escape(message)}</div>"
                )
                continue
            frames[table], reports[table] = result.frame, result.report
            parts.append(report_html(result.report, self.lang))
            if result.report.rows_dropped:
                parts.append(
                    download_link(
                        result.report.dropped_rows.to_csv(index=False).encode(),
                        f"{path.stem}-dropped.csv",
                        t("data.download_dropped", self.lang),
                        "text/csv",
                    )
                )
        self.reports.value = "".join(parts)
        self.last_reports = reports
        if "incidents" in frames:
            self._step("progress.cubes", 2)
            atlas = Atlas(
                frames["incidents"],
                frames.get("perceptions"),
                frames.get("venues"),
                metadata={"synthetic": False},
                reports=reports,
            )
            self.data_label = ", ".join(names)
            self.use(atlas)
        else:
            self._step("progress.ready", 4)

    @staticmethod
    def _mapping_table(mapping: Path | None) -> str | None:
        if mapping is None:
            return None
        from geo.io import load_mapping

        return load_mapping(mapping).table

    # ------------------------------------------------------------------ export panel
    def _build_export_panel(self) -> None:
        self.export_buttons = {
            fmt: widgets.Button(layout=widgets.Layout(width="auto"))
            for fmt in ("geojson", "csv", "parquet", "png", "pdf")
        }
        for fmt, button in self.export_buttons.items():
            button.on_click(lambda _, fmt=fmt: self.export(fmt))
        self.downloads = widgets.HTML()

    def export(self, fmt: str) -> Path:
        """Write the protected table or the figure, and offer it as a download link."""
        from geo.export import export_figure, export_table

        assert self.result is not None
        folder = Path(tempfile.mkdtemp(prefix="atlas-export-"))
        stem = f"insecurity-atlas-res{self.result.query.resolution}"
        if fmt in ("png", "pdf"):
            layer = {
                "recorded": self.controls.metric.value,
                "perceived": "perceived_eb",
                "gap": "gap",
                "bivariate": "bivariate_class",
                "hotspots": self.controls.metric.value,
            }[self.controls.layer.value]
            path = export_figure(
                self.result,
                folder / f"{stem}.{fmt}",
                fmt,
                layer=layer,
                data_label=self.data_label,
                lang=self.lang,
            )
            mime = "image/png" if fmt == "png" else "application/pdf"
        else:
            suffix = {"geojson": "geojson", "csv": "csv", "parquet": "parquet"}[fmt]
            path = export_table(
                self.result, folder / f"{stem}.{suffix}", fmt, data_label=self.data_label
            )
            mime = {
                "geojson": "application/geo+json",
                "csv": "text/csv",
                "parquet": "application/octet-stream",
            }[fmt]
        self.downloads.value = download_link(
            path.read_bytes(), path.name, t("export.saved", self.lang, path=path.name), mime
        )
        return path

    # ------------------------------------------------------------------ static labels
    def _relabel_static(self) -> None:
        lang = self.lang
        badge = (
            f'<span class="atlas-badge">{t("present.synthetic", lang)}</span>'
            if self.atlas is not None and self.atlas.synthetic
            else ""
        )
        self.header.value = (
            f'<div class="atlas-header"><h1>{t("app.title", lang)}{badge}</h1>'
            f'<div class="atlas-sub">{t("app.subtitle", lang)} — '
            f"{t('app.tagline', lang)}</div></div>"
        )
        self.show_venues.description = t("layer.venues", lang)
        labels = {
            "geojson": "export.table_geojson",
            "csv": "export.table_csv",
            "parquet": "export.table_geoparquet",
            "png": "export.figure_png",
            "pdf": "export.figure_pdf",
        }
        for fmt, button in self.export_buttons.items():
            button.description = t(labels[fmt], lang)
        for table, upload in self.uploads.items():
            upload.description = t(f"data.upload_{table}", lang)
        self.mapping_upload.description = t("data.mapping", lang)
        self.load_button.description = t("data.load", lang)
        self.sample_button.description = t("data.sample", lang)
        self.data_panel.children = [
            widgets.HTML(f"<b>{t('data.title', lang)}</b>"),
            self.sample_button,
            *self.uploads.values(),
            self.mapping_upload,
            self.load_button,
            widgets.HTML(f"<b>{t('data.report', lang)}</b>"),
            self.reports,
        ]
        self.export_panel.children = [
            widgets.HTML(
                f"<b>{t('export.title', lang)}</b><div class='atlas-note'>"
                f"{t('export.public_note', lang)}</div>"
            ),
            widgets.HBox(
                list(self.export_buttons.values()), layout=widgets.Layout(flex_flow="row wrap")
            ),
            self.downloads,
        ]
        self.side.children = [
            self.summary, self.detail, self.data_panel, self.export_panel, self.table
        ]
        for i, key in enumerate(
            ("summary.title", "detail.tab", "data.title", "export.title", "table.tab")
        ):
            self.side.set_title(i, t(key, lang))
        if self.atlas is not None and self.atlas.reports and not self.reports.value:
            self.reports.value = "".join(report_html(r, lang) for r in self.atlas.reports.values())


def _safe_name(name: str) -> str:
    """A browser-given file name reduced to a harmless base name in the upload folder.

    Directory parts (either slash), leading dots and characters outside letters, digits,
    ``. _ - space`` are dropped, so ``../../x.csv`` or ``C:\\fakepath\\x.csv`` become ``x.csv``.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^\w.\- ]", "_", base).lstrip(". ").strip()
    stem, suffix = os.path.splitext(base)
    return (stem[:150] + suffix[:16]) or "upload"


def _escape(text: str) -> str:
    import html

    return html.escape(text).replace("\n", "<br>")


def cells_in(result: QueryResult) -> np.ndarray:
    """Cells of a result (helper for tests and scripts)."""
    return result.table["cell"].to_numpy(dtype=np.uint64)
