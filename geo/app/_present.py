"""PresentApp: presentation mode for meetings — full-screen map, large type, prepared scenes.

    scene (+ hour of the night) -> Query (k >= 5) -> Atlas.query -> cells, venues, legend, clock

A nightlife working group steps through scenes from a file it edits (:mod:`geo.app._scenes`),
plays the night hour by hour (18:00 -> 06:00) with venues opening and closing, and sends a
colleague the exact view through the "Share this view" link (:mod:`geo.app._share`).

Made for a projector in a room that may have no network:

- type sized for distance (title 52 px, note 28 px, hour 64 px, legend 22 px), colours at
  WCAG AA contrast (:data:`TEXT_COLOURS`, checked by the tests);
- basemap ``none`` by default: nothing is fetched from outside; a folder of local tiles, or a
  tile server on the local network, can be named (``tiles``, or ``$ATLAS_TILES``);
- every control is a real button reachable with Tab, with a visible focus ring; Page Up /
  Page Down (what presentation clickers send) and the arrow keys change scene;
- privacy as DESIGN §6 says: every query has k >= 5 whatever the scene file or URL says, and
  only aggregated layers exist here — there is no code path that draws a respondent's or an
  app user's point.

The pieces live beside it: the control bar (:mod:`geo.app._present_bar`), the texts
(:mod:`geo.app._present_html`), the cell layer, change and trend included
(:mod:`geo.app._present_layers`), the look (:mod:`geo.app._present_style`), local tiles
(:mod:`geo.app._tiles`) and the table of shown cells (:mod:`geo.app._cells_table`).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import ipyleaflet
import ipywidgets as widgets
import numpy as np
import pandas as pd

from geo.app._cells_table import TABLE_CSS
from geo.app._labels import hour_label, query_window_label, range_label
from geo.app._page import IdleTrim, PageApp, release_free_memory
from geo.app._panels import CSS, FOCUS_CSS
from geo.app._present_bar import PLAY_HOURS, PLAY_INTERVAL_MS, PresentBar
from geo.app._present_html import (
    clock_html,
    counter_html,
    error_header_html,
    foot_notes_html,
    open_count,
    scene_header_html,
    view_privacy_notes,
)
from geo.app._present_layers import PresentLayers, SceneLayer
from geo.app._present_nav import SceneNavigation
from geo.app._present_style import MAP_HEIGHT, PRESENT_CSS, VENUE_RADIUS
from geo.app._scenes import (
    DEFAULT_SCENES,
    PRESENT_K_FLOOR,
    REPO_SCENES,
    SceneDeck,
    SceneFileError,
    find_scenes_dir,
    load_scenes,
)
from geo.app._share import ViewState, read_view, share_link_html
from geo.app._style import RANKED_LAYERS, VENUE_COLORS, venue_legend_html
from geo.app._tiles import basemap_for
from geo.i18n import LANGUAGES, t
from geo.layers import VenueLayer, fit_view, hex_layer, make_map
from geo.metrics import Atlas, Query, QueryResult


class PresentApp(PresentLayers, SceneNavigation, PageApp):
    """Presentation mode (DESIGN §7): scenes, night playback, share link, offline-safe map.

    Parameters
    ----------
    atlas
        Data ready for queries; ``None`` shows the page first and loads later
        (:meth:`load_sample`).
    scenes
        A :class:`SceneDeck`, or the path of a scene file; ``None`` reads the file the page
        URL names (``?scenes=name.yaml`` in ``scenes_dir``), else :data:`DEFAULT_SCENES`.
    lang
        ``en`` or ``fr``; switchable in the page and by the URL (``lang=fr``).
    tiles
        Local tiles (see :func:`tiles_url`); default ``$ATLAS_TILES``, else no basemap.
    scenes_dir
        Folder of scene files a URL may name; default ``$ATLAS_SCENES_DIR``, else ``scenes``
        beside the notebook, else the repository's ``dashboards/scenes``.
    interval_ms
        Time per hour during playback.
    """

    def __init__(
        self,
        atlas: Atlas | None = None,
        scenes: SceneDeck | str | Path | None = None,
        *,
        lang: str = "en",
        tiles: str | None = None,
        scenes_dir: str | Path | None = None,
        interval_ms: int = PLAY_INTERVAL_MS,
    ) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; choose one of {LANGUAGES}")
        self.lang = lang
        self._idle_trim = IdleTrim()
        self.atlas: Atlas | None = None
        self.deck: SceneDeck | None = None
        self._scenes_arg = scenes
        self._own_scenes_dir = scenes_dir or os.environ.get("ATLAS_SCENES_DIR") or None
        self.scenes_dir = find_scenes_dir(scenes_dir)
        self.default_scenes = DEFAULT_SCENES
        """The scene file shown when the URL names none."""
        self.k_floor = PRESENT_K_FLOOR
        self.coarsen = False
        """Every scene and playback hour coarsens to reach k (the project's ``privacy.mode``);
        a scene can ask for it alone with ``mode: coarsen`` in its query."""
        """No scene, URL or project shows k below this (the project's k, at least 5)."""
        self.home: tuple[tuple[float, float], float] | None = None
        """Centre and zoom that fit the city, for scenes that name neither."""
        self.tiles = tiles if tiles is not None else os.environ.get("ATLAS_TILES") or None
        self.index = 0
        self.step = 0
        """0 = the scene's own hour window; 1..12 = one hour of :data:`PLAY_HOURS`."""
        self.result: QueryResult | None = None
        self.cells: np.ndarray = np.zeros(0, dtype=np.uint64)
        self.view: ViewState | None = None
        self.notices: list[str] = []
        """Things the presenter should know (link values left out, tiles not found)."""
        self.error: str | None = None
        self._scales: dict = {}  # fixed colour scales of played nights and period runs
        self._muted = False
        self._time_cache: dict = {}
        """Change and trend comparisons already made (geo.app._present_layers)."""
        self._shown: SceneLayer | None = None
        self.time_lines: tuple[str, ...] = ()
        """The city-wide sentences of a change or trend scene, shown under its note."""

        self.css = widgets.HTML(CSS + FOCUS_CSS + TABLE_CSS + PRESENT_CSS)
        self.bar = PresentBar(lang, interval_ms)
        bar = self.bar.box
        self.counter = self.bar.counter
        self.previous_button = self.bar.previous_button
        self.next_button = self.bar.next_button
        self.play_button = self.bar.play_button
        self.play = self.bar.play
        self.hour_slider = self.bar.hour_slider
        self.table_button = self.bar.table_button
        self.fullscreen_button = self.bar.fullscreen_button
        self.language = self.bar.language
        self.header = widgets.HTML()
        self.map = make_map((45.75, 4.85), zoom=13, basemap="none")
        self.map.layout.height = MAP_HEIGHT
        self.hexes = hex_layer("cells")
        self.venues = VenueLayer(
            "venues", VENUE_COLORS, radius=VENUE_RADIUS, weight=1.5, fill_opacity=0.95,
            details=False,
        )
        self.hexes.add_to(self.map)
        self.legend = widgets.HTML()
        self.legend.add_class("atlas-present-legend")  # legend and its notes, for scripts
        self.clock = widgets.HTML()
        # one corner, clock first: Leaflet stacks a corner's controls, so a tall legend sits
        # under the clock instead of over it (and scrolls past CLOCK_ROOM)
        self.map.add(ipyleaflet.WidgetControl(widget=self.clock, position="topright"))
        self.map.add(ipyleaflet.WidgetControl(widget=self.legend, position="topright"))
        self.table = widgets.HTML()
        self.stage = widgets.Box([self.map], layout=widgets.Layout(width="100%"))
        self.progress = widgets.IntProgress(
            value=0, min=0, max=4, layout=widgets.Layout(width="160px")
        )
        self.status = widgets.HTML()
        self.foot_notes = widgets.HTML()
        self.share = widgets.HTML()
        self.stamp = widgets.HTML(layout=widgets.Layout(display="none"))
        foot = widgets.HBox([self.progress, self.status, self.foot_notes, self.share, self.stamp])
        foot.add_class("atlas-present-foot")
        self.root = widgets.VBox([self.css, bar, self.header, self.stage, foot])
        self.root.add_class("atlas-root")
        self.root.add_class("atlas-present")

        self.previous_button.on_click(lambda _: self.previous())
        self.next_button.on_click(lambda _: self.next())
        self.play_button.observe(self._on_play, names="value")
        self.hour_slider.observe(self._on_hour, names="index")
        self.table_button.observe(lambda _: self._show_stage(), names="value")
        self.language.observe(lambda c: self.set_language(c["new"]), names="value")
        self.map.observe(lambda _: self._update_share(), names=["center", "zoom"])
        self._relabel()
        if atlas is not None:
            self.use(atlas)

    # ------------------------------------------------------------------ loading
    def load_city(self, folder: str | Path | None = None) -> PresentApp:
        """Open a built city project (``folder``, ``$ATLAS_CITY``, else the sample city), read
        its scenes (``DIR/scenes/``) and show the first one, fitted to the city's extent."""
        city = self._read_city(folder)
        self.k_floor = max(city.k_floor, PRESENT_K_FLOOR)
        self.coarsen = city.project.mode == "coarsen"
        if city.bbox is not None:
            self.home = fit_view(city.bbox)
        own = city.project.scenes_dir
        # The project's scenes, unless scenes were named (argument, $ATLAS_SCENES_DIR) or lie
        # beside the notebook: only the packaged default gives way to them.
        packaged = self.scenes_dir.resolve() == REPO_SCENES.resolve()
        if self._own_scenes_dir is None and packaged and own.is_dir() and any(own.glob("*.yaml")):
            self.scenes_dir = own
            names = sorted(p.name for p in own.glob("*.yaml"))
            self.default_scenes = DEFAULT_SCENES if DEFAULT_SCENES in names else names[0]
        self.use(city.atlas)
        return self

    def load_sample(self, folder: str | Path | None = None) -> PresentApp:
        """The sample city (or the project ``folder``): what :meth:`load_city` opens."""
        return self.load_city(folder)

    def use(self, atlas: Atlas) -> None:
        """Show ``atlas``: read the page URL (once), the scene file, and draw the scene."""
        self.atlas = atlas
        if self.view is None:
            self.view = read_view()
            self.notices.extend(self.view.problems)
        view = self.view
        if view.lang and view.lang != self.lang:
            self.set_language(view.lang)
        try:
            self.deck = self._load_deck(view)
        except SceneFileError as exc:
            self._show_error(str(exc))
            return
        self.error = None
        self._set_basemap(view.basemap)
        index = min(max((view.scene or 1) - 1, 0), len(self.deck) - 1)
        step = PLAY_HOURS.index(view.hour) + 1 if view.hour in PLAY_HOURS else 0
        self.go(index, step=step, centre=view.centre, zoom=view.zoom)

    def _load_deck(self, view: ViewState) -> SceneDeck:
        if isinstance(self._scenes_arg, SceneDeck):
            return self._scenes_arg
        if self._scenes_arg is not None:
            return load_scenes(self._scenes_arg)
        name = view.scenes or self.default_scenes
        return load_scenes(self.scenes_dir / name)

    def _show_error(self, message: str) -> None:
        self.error = message
        self.hexes.clear()
        self.header.value = error_header_html(message, self.lang)
        self._step("progress.ready", 4)

    def _set_basemap(self, name: str | None) -> None:
        """No basemap unless the link asks for one or local tiles are named."""
        layer = basemap_for(name, self.tiles, self.notices)
        others = [x for x in self.map.layers if not getattr(x, "base", False)]
        self.map.layers = (layer, *others)

    # ------------------------------------------------------------------ the update path
    def query(self) -> Query:
        """The scene's query, for the playback hour if one is shown; never k below the floor."""
        return self.scene_query(self.index, self.hour)

    def refresh(self) -> None:
        """Query -> compute -> draw: the only path from a scene or an hour to the map."""
        if self.atlas is None or self.deck is None or self.error:
            return
        self._step("progress.comparing", 3)
        # nothing on a projector reads the ranks but a gap or bivariate scene: compare for those
        self.result = self.atlas.query(self.query(),
                                       compare=self.scene.layer in RANKED_LAYERS)
        grids = self.hexes.feature_sends
        self.redraw()
        if self.hexes.feature_sends != grids:  # a new grid: its temporaries are garbage now
            release_free_memory()
        else:  # a filter change: once the visitor pauses
            self._idle_trim.poke()

    def redraw(self) -> None:
        """Restyle from the current result: cells, venues, legend, clock, titles, table, link."""
        if self.result is None or self.atlas is None or self.error:
            return
        scene, lang = self.scene, self.lang
        legend = self._draw_cells()  # geo.app._present_layers
        if scene.venues and len(self.atlas.venues):
            legend += venue_legend_html(lang)
        self.legend.value = legend
        # One evaluation of the venues' hours serves the dots and the clock's count.
        states = self._venue_states()
        self.venues.show_on(self.map, states if scene.venues else None)
        self.clock.value = self._clock_html(open_count(states))
        self._relabel_scene()
        if self.table_button.value:
            self.table.value = self._table_html()
        self._update_share()
        self.progress.value = 4
        self.progress.layout.display = "none"  # on a projector, "Ready" is enough
        self.status.value = (
            f'<span class="atlas-status" role="status">{t("progress.ready", lang)}</span>'
        )
        self._stamp_done()

    def _venue_states(self) -> pd.DataFrame | None:
        """Each venue's state in the window drawn (public places), None without venues."""
        assert self.atlas is not None and self.result is not None
        if not len(self.atlas.venues):
            return None
        return self.atlas.venue_states(self.result.query)

    def venues_open(self) -> tuple[int, int]:
        """Venues open in the window shown, and all venues."""
        return open_count(self._venue_states())

    def _clock_html(self, venues_open: tuple[int, int]) -> str:
        lang, query = self.lang, self.scene.query
        shown = hour_label(self.hour, lang) if self.hour is not None else query_window_label(
            query, lang)
        if query.dated:  # scenes stepping through periods say which one
            shown = f"{shown} · {range_label(query, lang)}"
        return clock_html(shown, venues_open, lang)

    def _show_stage(self) -> None:
        showing_table = self.table_button.value
        self.bar.label_table(self.lang)
        if showing_table and self.result is not None:
            self.table.value = self._table_html()
        self.stage.children = [self.table] if showing_table else [self.map]

    def share_state(self) -> ViewState:
        """What the "Share this view" link carries: the scene, the hour, the map, the query."""
        scene = self.scene
        lat, lon = self.map.center
        return ViewState(
            query=self.query(),
            layer=scene.layer,
            metric=scene.metric if scene.layer == "recorded" else None,
            lang=self.lang,
            centre=(float(lat), float(lon)),
            zoom=float(self.map.zoom),
            scenes=self.deck.name if self.deck and self.deck.name != self.default_scenes else None,
            scene=self.index + 1,
            hour=self.hour,
        )

    def _update_share(self) -> None:
        if self.deck is None or self.atlas is None or self.error:
            return
        self.share.value = share_link_html(self.share_state(), self.lang)

    # ------------------------------------------------------------------ language & labels
    def set_language(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; choose one of {LANGUAGES}")
        self.lang = lang
        with self._mute():
            self.language.value = lang
            self._relabel()
            if self.deck is not None:
                self._relabel_hours()
        self.redraw()

    def _relabel(self) -> None:
        self.bar.relabel(self.lang)

    def _relabel_hours(self) -> None:
        query = self.scene.query
        self.bar.relabel_hours(query.hours, self.lang, query_window_label(query, self.lang))

    def _relabel_scene(self) -> None:
        assert self.deck is not None
        lang, scene = self.lang, self.scene
        self.counter.value = counter_html(self.index, self.deck, lang)
        self.header.value = scene_header_html(scene, lang, self.time_lines)
        self.foot_notes.value = foot_notes_html(
            self.deck,
            scene,
            self.query().k,
            lang,
            synthetic=self.atlas is not None and self.atlas.synthetic,
            notices=self.notices,
            privacy=view_privacy_notes(self.result, lang),
        )

    @contextlib.contextmanager
    def _mute(self):
        self._muted = True
        try:
            yield
        finally:
            self._muted = False
