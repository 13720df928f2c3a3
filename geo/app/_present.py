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

The table of shown cells (:func:`cells_table_html`) is the map's accessible alternative, used by
both dashboards.
"""

from __future__ import annotations

import contextlib
import html
import os
import posixpath
from pathlib import Path
from typing import Any

import ipyleaflet
import ipywidgets as widgets
import numpy as np
import pandas as pd

from geo.app._page import PageApp
from geo.app._panels import CSS
from geo.app._scenes import PRESENT_K_FLOOR, Scene, SceneDeck, SceneFileError, load_scenes
from geo.app._share import ViewState, read_view, share_link_html
from geo.app._style import VENUE_COLORS, style_layer, venue_legend_html
from geo.i18n import LANGUAGES, number, t, weekday_names
from geo.layers import BASEMAPS, HexLayer, VenueLayer, basemap_layer, make_map
from geo.metrics import Atlas, Query, QueryResult
from geo.timewin import HourWindow

PLAY_HOURS: tuple[int, ...] = (18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5)
"""The hours night playback steps through, 18:00 to 05:00 (the last step ends at 06:00)."""
PLAY_INTERVAL_MS = 1500
"""Time per hour during playback: long enough to read the map, short enough to watch a night."""
DEFAULT_SCENES = "example.yaml"
"""Scene file shown when the URL names none."""
REPO_SCENES = Path(__file__).resolve().parents[2] / "dashboards" / "scenes"
MAP_HEIGHT = "calc(100vh - 280px)"
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

FOCUS_CSS = """<style>
.atlas-root .jupyter-widget-text input:focus-visible, .atlas-root .widget-text input:focus-visible,
.atlas-root .jupyter-widget-textarea textarea:focus-visible {
  outline: 3px solid #1a73e8 !important; outline-offset: 2px; }
</style>"""
"""Focus ring for text and number inputs, whose widget CSS removes it with a more specific
``outline: none !important`` than the dashboards' general ``:focus-visible`` rule."""

TABLE_CSS = """<style>
.atlas-table-wrap { max-height: 560px; overflow: auto; }
.atlas-table { border-collapse: collapse; font-variant-numeric: tabular-nums; color: #111; }
.atlas-table caption { text-align: left; font-weight: 600; padding: 4px 0; color: #111;
  caption-side: top; }
.atlas-table th, .atlas-table td { border-bottom: 1px solid #c8c8c8; padding: 3px 10px;
  text-align: right; }
.atlas-table th[scope=row] { text-align: left; font-family: monospace; font-weight: 400; }
.atlas-table thead th { position: sticky; top: 0; background: #e8eef6; text-align: right; }
.atlas-table abbr { text-decoration: none; }
</style>"""

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
  color: #111; }}
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


# ---------------------------------------------------------------------------------- helpers
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


def hour_label(hour: int, lang: str) -> str:
    return t("time.hour", lang, hour=hour)


def window_label(window: HourWindow | None, lang: str) -> str:
    """``22:00–04:00`` / ``de 22 h à 4 h``; all times when there is no window."""
    if window is None:
        return t("ui.all_times", lang)
    end = 24 if window.end == 0 else window.end
    return t("time.window", lang, start=hour_label(window.start, lang), end=hour_label(end, lang))


def describe_query(query: Query, lang: str) -> str:
    """The filters of a query in words of ``lang`` (for captions)."""

    def part(key: str, value: str) -> str:
        return t("table.filter", lang, label=t(key, lang), value=value)

    parts = [part("ui.hours", window_label(query.hours, lang))]
    if query.weekdays is not None:
        names = weekday_names(lang)
        parts.append(part("ui.weekdays", ", ".join(names[d] for d in sorted(query.weekdays))))
    if query.categories is not None:
        cats = ", ".join(t(f"category.{c}", lang) for c in sorted(query.categories))
        parts.append(part("ui.categories", cats))
    if query.sources is not None:
        parts.append(part("ui.sources", ", ".join(sorted(query.sources))))
    if query.groups is not None:
        parts.append(part("ui.groups", ", ".join(sorted(query.groups))))
    parts.append(part("ui.resolution", str(query.resolution)))
    return " · ".join(parts)


def _cell_value(value: Any, hidden: bool, k: int, lang: str, decimals: int) -> str:
    if hidden:
        return f'<abbr title="{html.escape(t("legend.hidden", lang, k=k))}">&lt; {k}</abbr>'
    if value is None or not np.isfinite(float(value)):
        return "—"
    return html.escape(number(float(value), lang, decimals))


def cells_table_html(
    result: QueryResult, cells: np.ndarray | None, lang: str, *, sort_by: str = "incidents"
) -> str:
    """The shown cells as an accessible ``<table>``: the map's alternative for screen readers.

    Parameters
    ----------
    result
        A protected query result: hidden counts are already NaN and flagged.
    cells
        The cells the map draws (``None``: every cell of the result).
    sort_by
        Column to sort by, largest first (``incidents`` or ``perceived_eb``).

    Returns
    -------
    str
        A table with a caption naming the filters and k; one row per shown cell: cell id,
        incidents (or "< k"), smoothed perceived insecurity, answers, venues open.
    """
    table = result.table
    if cells is not None:
        table = table.loc[table["cell"].isin(np.asarray(cells, dtype=np.uint64))]
    k = result.k
    key = sort_by if sort_by in table else "incidents"
    table = table.sort_values([key, "cell"], ascending=[False, True], na_position="last")
    head = [
        t("table.cell", lang),
        t("metric.incidents", lang),
        t("metric.smoothed_insecurity", lang),
        t("metric.answers", lang),
        t("metric.venues_open", lang),
    ]
    flag = {
        c: table.get(c, pd.Series(False, index=table.index)).fillna(False).astype(bool)
        for c in ("suppressed_incidents", "suppressed_perceived")
    }
    rows = []
    for i, row in enumerate(table.itertuples(index=False)):
        inc_hidden = bool(flag["suppressed_incidents"].iat[i])
        per_hidden = bool(flag["suppressed_perceived"].iat[i])
        n = getattr(row, "perceived_n", 0)
        if per_hidden:
            perceived = _cell_value(None, True, k, lang, 2)
        elif bool(getattr(row, "perceived_ok", False)):
            perceived = _cell_value(row.perceived_eb, False, k, lang, 2)
        elif n and np.isfinite(n) and n > 0:
            perceived = html.escape(t("legend.too_few_answers", lang))
        else:
            perceived = "—"
        venues = f"{number(row.venues_open, lang)} / {number(row.venues, lang)}"
        rows.append(
            f'<tr><th scope="row">{format(int(row.cell), "x")}</th>'
            f"<td>{_cell_value(row.incidents, inc_hidden, k, lang, 1)}</td>"
            f"<td>{perceived}</td><td>{_cell_value(n, per_hidden, k, lang, 0)}</td>"
            f"<td>{venues}</td></tr>"
        )
    caption = t(
        "table.caption",
        lang,
        n=number(len(table), lang),
        filters=describe_query(result.query, lang),
        k=k,
    )
    body = "".join(rows) or (
        f'<tr><td colspan="5">{html.escape(t("empty.no_cells", lang))}</td></tr>'
    )
    ths = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    return (
        f'<div class="atlas-table-wrap" role="region" tabindex="0" '
        f'aria-label="{html.escape(t("table.tab", lang))}">'
        f'<table class="atlas-table"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def tiles_url(spec: str, *, cwd: Path | None = None, env: dict | None = None) -> str:
    """The TileLayer URL of local tiles named by the presenter.

    Parameters
    ----------
    spec
        A URL template (``http://192.168.1.5:8080/{z}/{x}/{y}.png``, used as is), or a folder
        beside the notebook holding ``{z}/{x}/{y}.png`` tiles (``tiles``, or a template such as
        ``tiles/{z}/{x}/{y}.jpg``), which Voila serves as static files under ``voila/files/``
        (its default ``file_allowlist`` lets ``.png``/``.jpg`` through).

    Raises
    ------
    FileNotFoundError
        When a folder is named and does not exist.
    """
    env = os.environ if env is None else env
    spec = spec.strip()
    template = spec if "{z}" in spec else spec.rstrip("/") + "/{z}/{x}/{y}.png"
    if spec.startswith(("http://", "https://", "/")):
        return template
    folder = template.split("{", 1)[0].rstrip("/")
    if not ((cwd or Path.cwd()) / folder).is_dir():
        raise FileNotFoundError(f"tiles folder {folder!r} not found beside the notebook")
    base = env.get("VOILA_BASE_URL", "/")
    script = env.get("SCRIPT_NAME", "")
    rendered = script.split("voila/render/", 1)[1] if "voila/render/" in script else ""
    sub = posixpath.dirname(rendered)
    return f"{base}voila/files/{sub + '/' if sub else ''}{template}"


def _open_count(states: pd.DataFrame | None) -> tuple[int, int]:
    """Venues open, and all venues (0, 0 without venues)."""
    if states is None:
        return 0, 0
    return int((states["state"] == "open").sum()), len(states)


# ---------------------------------------------------------------------------------- the app
class PresentApp(PageApp):
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
        self.atlas: Atlas | None = None
        self.deck: SceneDeck | None = None
        self._scenes_arg = scenes
        self.scenes_dir = _scenes_dir(scenes_dir)
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
        self._muted = False

        self.css = widgets.HTML(CSS + FOCUS_CSS + TABLE_CSS + PRESENT_CSS)
        self.counter = widgets.HTML()
        self.previous_button = widgets.Button()
        self.previous_button.add_class("atlas-present-previous")
        self.next_button = widgets.Button()
        self.next_button.add_class("atlas-present-next")
        self.play_button = widgets.ToggleButton(value=False)
        self.play_button.add_class("atlas-present-play")
        self.play = widgets.Play(
            value=0,
            min=0,
            max=len(PLAY_HOURS),
            interval=interval_ms,
            layout=widgets.Layout(display="none"),
        )
        self.hour_slider = widgets.SelectionSlider(
            options=[("", 0)],
            continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.hour_slider.add_class("atlas-present-hour")
        # The browser steps the hours (a kernel timer would need a running event loop):
        # the toggle starts and stops the Play widget, whose value moves the slider.
        widgets.jslink((self.play_button, "value"), (self.play, "playing"))
        widgets.jslink((self.play, "value"), (self.hour_slider, "index"))
        self.table_button = widgets.ToggleButton(value=False)
        self.table_button.add_class("atlas-present-table-toggle")
        self.fullscreen_button = widgets.Button()  # the page script acts on its click
        self.fullscreen_button.add_class("atlas-present-fullscreen")
        self.language = widgets.ToggleButtons(
            options=[(k.upper(), k) for k in LANGUAGES],
            value=lang,
            style={"button_width": "3.5em"},
        )
        bar = widgets.HBox(
            [
                self.counter,
                self.previous_button,
                self.next_button,
                self.play_button,
                self.play,
                self.hour_slider,
                self.table_button,
                self.fullscreen_button,
                self.language,
            ]
        )
        bar.add_class("atlas-present-bar")
        self.header = widgets.HTML()
        self.map = make_map((45.75, 4.85), zoom=13, basemap="none")
        self.map.layout.height = MAP_HEIGHT
        self.hexes = HexLayer("cells")
        self.venues = VenueLayer(
            "venues", VENUE_COLORS, radius=VENUE_RADIUS, weight=1.5, fill_opacity=0.95,
            details=False,
        )
        self.map.add(self.hexes.layer)
        self.legend = widgets.HTML()
        self.clock = widgets.HTML()
        self.map.add(ipyleaflet.WidgetControl(widget=self.legend, position="bottomright"))
        self.map.add(ipyleaflet.WidgetControl(widget=self.clock, position="topright"))
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
    def load_sample(self, folder: str | Path | None = None) -> PresentApp:
        """Read the sample city (generating it if needed), then show the first scene."""
        self.use(self._read_sample(folder)[0])
        return self

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
        name = view.scenes or DEFAULT_SCENES
        return load_scenes(self.scenes_dir / name)

    def _show_error(self, message: str) -> None:
        self.error = message
        self.hexes.clear()
        self.header.value = (
            f'<h1 class="atlas-present-title">{html.escape(t("present.error", self.lang))}</h1>'
            f'<div class="atlas-error" role="alert"><pre>{html.escape(message)}</pre></div>'
        )
        self._step("progress.ready", 4)

    def _set_basemap(self, name: str | None) -> None:
        """No basemap unless the link asks for one or local tiles are named."""
        layer = basemap_layer(name if name in BASEMAPS else "none")
        if name is None and self.tiles:
            try:
                url = tiles_url(self.tiles)
            except FileNotFoundError as exc:
                self.notices.append(str(exc))
            else:
                layer = ipyleaflet.TileLayer(
                    url=url, name="basemap", base=True, max_zoom=19, attribution=""
                )
        others = [x for x in self.map.layers if not getattr(x, "base", False)]
        self.map.layers = (layer, *others)

    # ------------------------------------------------------------------ navigation
    @property
    def scene(self) -> Scene:
        assert self.deck is not None
        return self.deck[self.index]

    @property
    def hour(self) -> int | None:
        """The clock hour shown by playback, or ``None`` for the scene's own window."""
        return PLAY_HOURS[self.step - 1] if self.step else None

    def go(
        self,
        index: int,
        *,
        step: int = 0,
        centre: tuple[float, float] | None = None,
        zoom: float | None = None,
    ) -> None:
        """Show scene ``index`` (0-based): its view, its hour window (or playback ``step``)."""
        if self.deck is None or self.atlas is None:
            return
        self.index = index % len(self.deck)
        scene = self.scene
        with self._mute():
            self.play_button.value = self.play.playing = False
            self._relabel_hours()
            self._set_step(step)
            self.map.center = centre or scene.centre or self.atlas.centre
            self.map.zoom = zoom if zoom is not None else (scene.zoom or 13)
        self.refresh()

    def next(self) -> None:
        self.go(self.index + 1)

    def previous(self) -> None:
        self.go(self.index - 1)

    def show_step(self, step: int) -> None:
        """Playback position: 0 = the scene's window, 1..12 = one hour from 18:00 to 05:00."""
        if not 0 <= step <= len(PLAY_HOURS):
            raise ValueError(f"step must be in 0..{len(PLAY_HOURS)}, got {step}")
        with self._mute():
            self._set_step(step)
        self.refresh()

    def _set_step(self, step: int) -> None:
        """Playback position in the kernel *and* in both linked widgets: the browser's link
        copies the Play widget's value onto the slider when the page builds it, so a value the
        kernel sets on the slider alone would be undone by the page."""
        self.step = step
        self.play.value = step
        self.hour_slider.index = step

    def show_hour(self, hour: int) -> None:
        """Show one hour of the night (18..23, 0..5)."""
        self.show_step(PLAY_HOURS.index(hour) + 1)

    def _on_hour(self, change) -> None:
        # From the page (Play ticking, a key on the slider): the page keeps Play and slider
        # equal itself; writing Play's value back from here would race the next tick.
        if not self._muted and change["new"] is not None:
            self.step = int(change["new"])
            self.refresh()

    def _on_play(self, change) -> None:
        self.play_button.description = t(
            "present.pause" if change["new"] else "present.play", self.lang
        )
        if change["new"] and self.step >= len(PLAY_HOURS):  # played to the end: from the top
            self.show_step(0)

    # ------------------------------------------------------------------ the update path
    def query(self) -> Query:
        """The scene's query, for the playback hour if one is shown; never k below the floor."""
        q = self.scene.query
        if self.hour is not None:
            q = q.with_(hours=HourWindow(self.hour, (self.hour + 1) % 24))
        return q.with_(k=max(q.k, PRESENT_K_FLOOR))

    def refresh(self) -> None:
        """Query -> compute -> draw: the only path from a scene or an hour to the map."""
        if self.atlas is None or self.deck is None or self.error:
            return
        self._step("progress.comparing", 3)
        self.result = self.atlas.query(self.query())
        self.redraw()

    def redraw(self) -> None:
        """Restyle from the current result: cells, venues, legend, clock, titles, table, link."""
        if self.result is None or self.atlas is None or self.error:
            return
        scene, lang = self.scene, self.lang
        synthetic = self.atlas.synthetic
        legend = ""
        if scene.layer is not None:
            style = style_layer(
                self.result, scene.layer, metric=scene.metric, lang=lang, synthetic=synthetic
            )
            self.cells = np.asarray(style.cells, dtype=np.uint64)
            self.hexes.draw(
                style.cells,
                style.fill,
                style.dashed,
                grid=self.atlas.grid_cells(self.result.query.resolution),
            )
            legend = style.legend
            if style.empty:
                legend += f'<div class="atlas-note"><b>{t("empty.no_cells", lang)}</b></div>'
        else:
            venues = self.result.table["venues"].to_numpy(dtype=float) > 0
            self.cells = self.result.table["cell"].to_numpy(dtype=np.uint64)[venues]
            self.hexes.clear()
        if scene.venues and len(self.atlas.venues):
            legend += venue_legend_html(lang)
        self.legend.value = legend
        # One evaluation of the venues' hours serves the dots and the clock's count.
        states = self._venue_states()
        self.venues.show_on(self.map, states if scene.venues else None)
        self.clock.value = self._clock_html(_open_count(states))
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
        return _open_count(self._venue_states())

    def _clock_html(self, venues_open: tuple[int, int]) -> str:
        lang = self.lang
        shown = (
            hour_label(self.hour, lang)
            if self.hour is not None
            else window_label(self.scene.query.hours, lang)
        )
        opened, total = venues_open
        venues = (
            t("present.venues_open", lang, open=number(opened, lang), total=number(total, lang))
            if total
            else t("empty.no_venues", lang)
        )
        return (
            '<div class="atlas-clock" role="status" aria-live="polite">'
            f'<div class="atlas-clock-label">{html.escape(t("present.hour", lang))}</div>'
            f'<div class="atlas-clock-hour">{html.escape(shown)}</div>'
            f'<div class="atlas-clock-venues">{html.escape(venues)}</div></div>'
        )

    def _table_html(self) -> str:
        assert self.result is not None
        sort_by = "perceived_eb" if self.scene.layer == "perceived" else "incidents"
        return cells_table_html(self.result, self.cells, self.lang, sort_by=sort_by)

    def _show_stage(self) -> None:
        showing_table = self.table_button.value
        self.table_button.description = t(
            "table.show_map" if showing_table else "table.show", self.lang
        )
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
            scenes=self.deck.name if self.deck and self.deck.name != DEFAULT_SCENES else None,
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
        lang = self.lang
        self.previous_button.description = t("present.previous", lang)
        self.previous_button.tooltip = t("present.keys", lang)
        self.next_button.description = t("present.next", lang)
        self.next_button.tooltip = t("present.keys", lang)
        self.play_button.description = t(
            "present.pause" if self.play_button.value else "present.play", lang
        )
        self.play_button.tooltip = t("present.play", lang)
        self.hour_slider.description = t("present.hour", lang)
        self.table_button.description = t(
            "table.show_map" if self.table_button.value else "table.show", lang
        )
        self.fullscreen_button.description = t("present.fullscreen", lang)
        self.language.tooltip = t("ui.language", lang)

    def _relabel_hours(self) -> None:
        """Slider stops: the scene's own window first, then each hour of the night."""
        window = window_label(self.scene.query.hours, self.lang)
        index = self.hour_slider.index or 0
        self.hour_slider.options = [
            (window, 0),
            *((hour_label(h, self.lang), i) for i, h in enumerate(PLAY_HOURS, start=1)),
        ]
        self.hour_slider.index = index

    def _relabel_scene(self) -> None:
        assert self.deck is not None
        lang, scene = self.lang, self.scene
        deck_title = dict(self.deck.title)
        deck = deck_title.get(lang) or deck_title.get("en") or ""
        self.counter.value = (
            f'<span class="atlas-present-counter">'
            f"{html.escape(t('present.scene', lang, i=self.index + 1, n=len(self.deck)))}</span>"
        )
        note = scene.text("note", lang)
        self.header.value = (
            f'<h1 class="atlas-present-title">{html.escape(scene.text("title", lang))}</h1>'
            + (f'<p class="atlas-present-note">{html.escape(note)}</p>' if note else "")
        )
        notes = [f"<b>{html.escape(deck)}</b>"] if deck else []
        if self.atlas is not None and self.atlas.synthetic:
            notes.append(
                f'<span class="atlas-badge">{html.escape(t("present.synthetic", lang))}</span>'
            )
        if self.result is not None:
            notes.extend(html.escape(n) for n in self.result.privacy_notes(lang, short=True))
        else:
            notes.append(html.escape(t("privacy.k_threshold", lang, k=self.query().k)))
        if scene.k_raised:
            notes.append(
                html.escape(t("present.k_raised", lang, asked=scene.k_asked, k=self.query().k))
            )
        notes.extend(html.escape(n) for n in self.notices)
        self.foot_notes.value = '<div class="atlas-note">' + " · ".join(notes) + "</div>"

    @contextlib.contextmanager
    def _mute(self):
        self._muted = True
        try:
            yield
        finally:
            self._muted = False


def _scenes_dir(folder: str | Path | None) -> Path:
    if folder is not None:
        return Path(folder)
    if os.environ.get("ATLAS_SCENES_DIR"):
        return Path(os.environ["ATLAS_SCENES_DIR"])
    beside = Path.cwd() / "scenes"
    return beside if beside.is_dir() else REPO_SCENES
