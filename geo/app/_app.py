"""AtlasApp: the analyst dashboard as one object that owns the widgets and one update path.

    query (widgets -> Query) -> compute (Atlas.query) -> draw (layers, legend, panels)

The notebook only builds and displays it; tests drive it headless by setting widget values and
reading ``app.result`` and the layers' data.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import ipyleaflet
import ipywidgets as widgets
import numpy as np
import pandas as pd

from geo.app._analyst_cells import AnalystCells
from geo.app._analyst_views import AnalystViews
from geo.app._cells_table import TABLE_CSS, cells_table_html
from geo.app._controls import DEFAULT_K_FLOOR, Controls
from geo.app._data_panel import MAX_UPLOAD_BYTES, DataPanel
from geo.app._dates import data_when
from geo.app._export_panel import ExportPanel
from geo.app._howto import howto_html
from geo.app._page import IdleTrim, PageApp, release_free_memory
from geo.app._panels import (
    CSS,
    FOCUS_CSS,
    header_html,
    info_html,
    summary_html,
)
from geo.app._share import ViewState
from geo.app._style import RANKED_LAYERS, VENUE_COLORS, style_layer, venue_legend_html
from geo.app._time_layers import TimeLayers
from geo.city import City
from geo.i18n import t
from geo.layers import VenueLayer, basemap_layer, fit_view, hex_layer, make_map
from geo.metrics import Atlas, Query, QueryResult, with_comparison

if TYPE_CHECKING:
    from geo.city import DefaultView


class AtlasApp(TimeLayers, AnalystViews, AnalystCells, PageApp):
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
        self._idle_trim = IdleTrim()
        self.city: City | None = None
        """The built city shown (None for uploads of a session)."""
        self.k_floor = DEFAULT_K_FLOOR
        self.atlas: Atlas | None = None
        self.result: QueryResult | None = None
        self._compare_after_map = False
        """The result's comparison is still to come (redraw adds it once the map is out)."""
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
        self.hexes = hex_layer("hexes")
        self.venues = VenueLayer("venues", VENUE_COLORS)
        self.hexes.add_to(self.map)
        self.legend = widgets.HTML()
        self.info = widgets.HTML()
        self.map.add(ipyleaflet.WidgetControl(widget=self.legend, position="bottomright"))
        self.map.add(ipyleaflet.WidgetControl(widget=self.info, position="topright"))
        self.show_venues = widgets.Checkbox(value=True, indent=False)
        self.summary = widgets.HTML()
        self.detail = widgets.HTML()
        self.howto = widgets.HTML()
        self._init_time_layers()
        """"How to read this map" for the layer shown (geo.app._howto)."""
        self.controls: Controls | None = None
        self.controls_box = widgets.VBox(
            layout=widgets.Layout(width="360px", min_width="360px", flex="0 0 360px")
        )
        self.data_panel = DataPanel(
            lang=lang,
            max_upload_bytes=max_upload_bytes,
            step=self._step,
            on_data=self._show_data,
            on_city=self.show_city,
        )
        # The names the page and tests have always used for the panel's widgets.
        self.uploads = self.data_panel.uploads
        self.mapping_upload = self.data_panel.mapping_upload
        self.reports = self.data_panel.reports
        self.export_panel = ExportPanel(lambda fmt: self.export(fmt))
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
        self.hexes.on_hover(self._on_hover)
        self.hexes.on_click(self._on_click)
        self.venues.on_hover(self._on_venue)
        self.venues.on_click(self._on_venue)
        self.map.observe(lambda _: self._update_share(), names=["center", "zoom"])
        self.map.observe(lambda _: self._follow_zoom(), names="zoom")
        self.side.observe(lambda _: self._fill_table(), names="selected_index")
        self._relabel_static()
        if atlas is not None:
            self.use(atlas)

    # ------------------------------------------------------------------ loading
    def load_city(self, folder: str | Path | None = None) -> AtlasApp:
        """Open a built city project (``folder``, ``$ATLAS_CITY``, else the sample city, which
        is generated and built first if needed), then show it on its default view."""
        self.show_city(self._read_city(folder))
        return self

    def load_sample(self, folder: str | Path | None = None) -> AtlasApp:
        """The sample city (or the project ``folder``): what :meth:`load_city` opens."""
        return self.load_city(folder)

    def show_city(self, city: City) -> None:
        """Show a built city: its default view, its k floor, its extent."""
        self.city = city
        self.data_label = (t("data.sample", self.lang) if city.atlas.synthetic
                           else city.project.city)
        self.use(city.atlas, defaults=city.project.view, k_floor=city.k_floor, bbox=city.bbox)

    def load_uploads(self) -> None:
        """Read the files uploaded in the data panel and show them (see :class:`DataPanel`)."""
        self.data_panel.load_uploads()

    def _show_data(self, atlas: Atlas, label: str) -> None:
        """Show the session's uploaded city (no project: the default k floor)."""
        self.city = None
        self.data_label = label
        self.use(atlas)

    @property
    def max_upload_bytes(self) -> int:
        """Largest file the data panel reads."""
        return self.data_panel.max_upload_bytes

    @property
    def last_reports(self) -> dict:
        """Validation reports of the last uploads, by table."""
        return self.data_panel.last_reports

    def use(
        self,
        atlas: Atlas,
        *,
        defaults: DefaultView | None = None,
        k_floor: int = DEFAULT_K_FLOOR,
        bbox: tuple[float, float, float, float] | None = None,
    ) -> None:
        """Show another data set: controls follow its sources and groups.

        ``defaults`` is the view a city opens on (a shared URL still wins), ``k_floor`` the k
        no control or URL can go below, ``bbox`` the extent the map fits.
        """
        self.atlas = atlas
        self.k_floor = k_floor
        old = self.controls
        labels = self.city.project.labels if self.city is not None else None
        self.controls = Controls(atlas.sources, atlas.groups, self.lang, k_floor=k_floor,
                                 labels=labels, when=data_when(atlas))
        if old is not None:
            self.controls.set_query(old.query())
        elif defaults is not None:
            self._apply_defaults(defaults)
        if atlas.nights(Query()) == 0:  # no night known: "per night" would be empty
            self.controls.metric.value = "incidents"
        self.controls.observe(self._on_query_change, self._on_style_change)
        self.controls.language.observe(self._on_language, names="value")
        self.controls.basemap.observe(self._on_basemap, names="value")
        self.show_venues.observe(lambda _: self.redraw(), names="value")
        self.controls_box.children = [self.controls.panel((self.time_box, self.show_venues))]
        if bbox is not None:
            self.map.center, self.map.zoom = fit_view(bbox)
        else:
            self.map.center = atlas.centre
        self.controls.basemap.observe(lambda _: self._update_share(), names="value")
        if self._view is None:
            self._open_url_view()
        else:
            self._draw_as_is()

    def _draw_as_is(self) -> None:
        """The first draw of a data set, with the controls as they stand."""
        self._honest_time()
        self._relabel_static()
        self.refresh()

    def _honest_time(self) -> None:
        """Data without any usable hour opens on "all times", hour controls off, and says why."""
        cube = self.atlas.incident_cube
        if cube.rows and cube.untimed >= cube.rows:
            self.controls.disable_time(t("time.untimed", self.lang))

    # ------------------------------------------------------------------ the update path
    def query(self) -> Query:
        """The controls' query, never below the k floor (whatever a page sends)."""
        assert self.controls is not None
        self.controls.auto_res = self._auto_res()
        q = self.controls.query()
        return q if q.k >= self.k_floor else q.with_(k=self.k_floor)

    def refresh(self) -> None:
        """Query -> compute -> draw. The only path from a control to the map."""
        if self.atlas is None or self.controls is None:
            return
        layer = self.controls.layer.value
        local = layer == "hotspots"
        if local:  # permutation tests take about a second: say what is going on
            self._step("progress.comparing", 3)
        # A map that shows no ranks goes out first (redraw compares, for panels and exports).
        self._compare_after_map = layer not in RANKED_LAYERS
        self.result = self.atlas.query(
            self.query(), local_stats=local, compare=not self._compare_after_map
        )
        self._rows_of = None
        grids = self.hexes.feature_sends
        self.redraw()
        if self.hexes.feature_sends != grids:  # a new grid: its temporaries are garbage now
            release_free_memory()
        else:  # a filter change: once the visitor pauses
            self._idle_trim.poke()

    def redraw(self) -> None:
        """Restyle from the current result (no recomputation)."""
        if self.result is None or self.controls is None:
            return
        c = self.controls
        timed = self.time_style()  # change / trend layers (geo.app._time_layers), else None
        style = timed[0] if timed else style_layer(
            self.result, c.layer.value, metric=c.metric.value, scheme=c.scheme.value,
            k_classes=c.classes.value, lang=self.lang,
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
            geometry=self.atlas.geometry,
        )
        self.venues.show_on(self.map, venues)
        self.legend.value = legend
        self._stamp_map()
        if self._compare_after_map:  # the map is out: now what the panels and exports read
            self.result, self._compare_after_map = with_comparison(self.result), False
        self._table_cells = style.cells
        self.summary.value = timed[1] if timed else summary_html(self.result, self.lang)
        c.dates.show_nights(self.result.summary["nights"])
        if self._selected is not None:
            self._show_detail(self._selected)
        else:
            self.detail.value = f"<i>{t('detail.hint', self.lang)}</i>"
        self.info.value = info_html(None, self.lang, self.result.k)
        self.howto.value = howto_html(c.layer.value, self.lang, self.result.k)
        c.metric.layout.display = "" if c.layer.value == "recorded" else "none"
        self.progress.value = 4
        self.status.value = (
            f'<span class="atlas-status" role="status">{t("progress.ready", self.lang)}</span>'
        )
        self._update_share()
        self.table.value = ""
        self._fill_table()
        self._stamp_done()

    def _fill_table(self) -> None:
        """Build the table of shown cells only while its tab is open (it can be long)."""
        i = self.side.selected_index
        if i is None or self.side.children[i] is not self.table or self.table.value:
            return
        if self.result is None:
            return
        sort_by = "perceived_eb" if self.controls.layer.value == "perceived" else "incidents"
        self.table.value = TABLE_CSS + (self.time_table_html() or cells_table_html(
            self.result, self._table_cells, self.lang, sort_by=sort_by
        ))  # the change or trend columns while those layers are shown

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
        if self.controls is not None and self.controls.time_note.value:
            self.controls.disable_time(t("time.untimed", lang))
        self._relabel_static()
        self.redraw()

    def _on_basemap(self, change) -> None:
        base = [layer for layer in self.map.layers if getattr(layer, "base", False)]
        for layer in base:
            self.map.remove(layer)
        self.map.add(basemap_layer(change["new"]))
        self.hexes.keep_on_top(self.map)  # above the new basemap

    @contextlib.contextmanager
    def _mute(self):
        self._muted = True
        try:
            yield
        finally:
            self._muted = False

    def export(self, fmt: str) -> Path:
        """Write the protected table, the figure or the council report (PDF, with its HTML
        beside it), and offer it as a download link."""
        assert self.result is not None
        if fmt == "report":
            return self.council_report()[0]
        return self.export_panel.export(
            fmt,
            self.result,
            layer=self.controls.layer.value,
            metric=self.controls.metric.value,
            data_label=self.data_label,
            lang=self.lang,
            classes=self.time_classes,
        )

    # ------------------------------------------------------------------ static labels
    def _relabel_static(self) -> None:
        lang = self.lang
        city = self.city.project.city if self.city is not None else ""
        self.header.value = header_html(lang, self.atlas is not None and self.atlas.synthetic,
                                        city)
        self.show_venues.description = t("layer.venues", lang)
        self.data_panel.relabel(lang)
        self.export_panel.relabel(lang)
        self.side.children = [
            self.summary, self.howto, self.detail, self.data_panel.box, self.export_panel.box,
            self.table,
        ]
        for i, key in enumerate(
            ("summary.title", "howto.tab", "detail.tab", "data.title", "export.title",
             "table.tab")
        ):
            self.side.set_title(i, t(key, lang))
        if self.atlas is not None:
            self.data_panel.show_reports(self.atlas.reports)


def cells_in(result: QueryResult) -> np.ndarray:
    """Cells of a result (helper for tests and scripts)."""
    return result.table["cell"].to_numpy(dtype=np.uint64)
