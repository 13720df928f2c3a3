"""The analyst page's views: default view, shared URL view, share link, council report.

A mixin of :class:`geo.app.AtlasApp` (it uses the app's controls, map and language); kept apart
so the app module holds the update path and nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from geo.app._request import preheated
from geo.app._share import ViewState, read_view, share_link_html
from geo.layers._auto_res import AUTO, auto_resolution
from geo.metrics import RESOLUTIONS

if TYPE_CHECKING:
    from geo.city import DefaultView


class AnalystViews:
    """Views in and out of the analyst page (default view, URL, "Share this view")."""

    def _apply_defaults(self, view: DefaultView) -> None:
        """A city's default view into the controls (before any shared URL)."""
        c = self.controls
        c.set_query(view.query)
        c.layer.value = view.layer
        c.basemap.value = view.basemap
        if view.lang != self.lang:
            self.set_language(view.lang)

    def _open_url_view(self) -> None:
        """Read the page URL, once (after the data: see geo.app._share), and draw its view.

        A preheated kernel draws the city's default view first, while no visitor waits: it is
        handed over with its map drawn, and a room arriving together does not pay twenty first
        renders at once (benchmarks/bench_load.py); a URL asking for another view redraws.
        """
        if preheated():
            self._draw_as_is()
        self._view = read_view()
        if preheated() and self._view == ViewState():
            return
        self._apply_view(self._view)
        self._draw_as_is()

    def _apply_view(self, view: ViewState) -> None:
        """Put a shared view (from the page URL) into the controls and the map."""
        c = self.controls
        with self._mute():
            if view.query is not None:
                c.set_query(view.merged_query(c.query()))
            if view.auto_res:
                c.resolution.value = AUTO
            if view.layer:
                c.layer.value = view.layer
            if view.metric:
                c.metric.value = view.metric
            self._apply_time_view(view)
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
            auto_res=c.resolution.value == AUTO,
            layer=c.layer.value,
            metric=c.metric.value,
            lang=self.lang,
            basemap=c.basemap.value,
            centre=(float(lat), float(lon)),
            zoom=float(self.map.zoom),
            **self.time_share(),
        )

    def _auto_res(self) -> int:
        """The resolution "Auto" stands for at the map's zoom (see geo.layers._auto_res)."""
        return auto_resolution(float(self.map.center[0]), float(self.map.zoom), RESOLUTIONS)

    def _follow_zoom(self) -> None:
        """With "Auto", a zoom that changes the fitting resolution re-queries."""
        c, result = self.controls, self.result
        if c is not None and c.resolution.value == AUTO and result is not None:
            if result.query.resolution != self._auto_res():
                self.refresh()

    def _update_share(self) -> None:
        if self.result is not None and self.controls is not None:
            self.share.value = share_link_html(self.share_state(), self.lang)

    def _shown_change(self):
        """The recorded comparison the change layer shows, for the report (else None)."""
        state = getattr(self, "_time_state", None)
        return state[1] if state is not None and state[0] == "change" else None

    def council_report(self, folder: Path | None = None) -> tuple[Path, Path]:
        """The current view as the council report (PDF and HTML), offered for download."""
        import tempfile

        from geo.app._report import build_report, write_report

        assert self.result is not None and self.atlas is not None
        provenance = {}
        if self.city is not None:
            provenance = {s.get("entry", ""): s.get("provenance") or {}
                          for s in self.city.info.get("sources", [])}
        report = build_report(
            self.result, layer=self.controls.layer.value, metric=self.controls.metric.value,
            data_label=self.data_label, lang=self.lang, reports=self.atlas.reports,
            synthetic=bool(self.atlas.synthetic), provenance=provenance,
            labels=self.controls.labels, change=self._shown_change(),
            classes=self.time_classes,
        )
        folder = folder or Path(tempfile.mkdtemp(prefix="atlas-report-"))
        paths = write_report(report, folder, f"atlas-report-{self.lang}")
        self.export_panel.offer(list(paths), self.lang)
        return paths
