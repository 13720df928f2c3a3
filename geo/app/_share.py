"""Shareable views: the state of a dashboard as a URL query string, and back.

A planner sends a colleague the exact view they are looking at: the query
(:meth:`geo.metrics.Query.to_params`), the layer, metric, language, basemap and map position,
plus, in presentation mode, the scene file, scene and hour of the night. Both dashboards write
that state into a "Share this view" link on every redraw and read it when they start.

How the URL reaches the kernel: Voila 0.5 starts each page's kernel with the request's query
string in the ``QUERY_STRING`` environment variable (CGI style, ``voila/handler.py``). A
*preheated* kernel (``--preheat_kernel``, as ``deploy/voila.py`` runs) starts before anyone
asks for a page; it learns the request through :func:`geo.app._request.wait_for_request`
(Voila's own helper, without importing Voila), which blocks until a visitor arrives — so the
dashboards read the URL after their data is loaded.

How it reaches the address bar: the kernel does not know the page's base URL, so the link's
``href`` is relative (``?res=9&hours=22-4...``) and resolves against whatever URL the page has.
:func:`page_script` keeps the address bar equal to that link (``history.replaceState``), so
reloading or bookmarking the page keeps the view; without it the link still works.

Reading is lenient: a URL is typed, truncated and pasted by people, so a bad value is left out
with a note in :attr:`ViewState.problems` instead of stopping the page.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, quote, urlencode

from geo.app._request import preheated, wait_for_request
from geo.i18n import LANGUAGES, t
from geo.layers._auto_res import AUTO
from geo.metrics import QUERY_KEYS, Query

VIEW_LAYERS: tuple[str, ...] = (
    "recorded", "perceived", "gap", "bivariate", "hotspots", "change", "trend",
)
VIEW_METRICS: tuple[str, ...] = ("incidents_per_night", "incidents", "incidents_per_km2")
VIEW_BASEMAPS: tuple[str, ...] = ("light", "osm", "none")
VIEW_BASELINES: tuple[str, ...] = ("previous", "year_earlier", "split")
"""Baselines of the change layer (geo.app._change_layer.BASELINES)."""
VIEW_CHANGE_OF: tuple[str, ...] = ("recorded", "perceived")
COORD_DECIMALS = 5
"""Map centre precision in a link: about 1 m, and stable under the browser's float echo."""


@dataclass(frozen=True)
class ViewState:
    """What a link restores; ``None`` means "not in the link" (the dashboard's default)."""

    query: Query | None = None
    auto_res: bool = False
    """``res=auto``: the grid follows the map's zoom (geo.layers._auto_res)."""
    layer: str | None = None
    metric: str | None = None
    lang: str | None = None
    basemap: str | None = None
    centre: tuple[float, float] | None = None
    zoom: float | None = None
    scenes: str | None = None
    """Presentation: the scene file's base name (in the dashboard's scenes folder)."""
    scene: int | None = None
    """Presentation: the scene, 1-based as people count."""
    hour: int | None = None
    """Presentation: the clock hour shown by night playback."""
    baseline: str | None = None
    """Change layer: what the selected period is compared with (:data:`VIEW_BASELINES`)."""
    split: dt.date | None = None
    """Change layer, "before and after a date": the first night after."""
    change_of: str | None = None
    """Change layer: recorded incidents or perceived insecurity."""
    problems: tuple[str, ...] = ()
    """Values of the link that were left out, each with the reason."""
    query_params: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    """The query keys the URL gave, as given: see :meth:`merged_query`."""

    def to_params(self) -> dict[str, str]:
        """URL parameters, in a fixed, readable order."""
        out: dict[str, str] = {}
        if self.query is not None:
            out = dict(self.query.to_params())
            # "all" said out loud: a link to an all-times view must not fall back to a
            # dashboard's default window when it is opened (see merged_query).
            if self.query.hours is None and self.query.sun is None:  # a sun window says itself
                out["hours"] = "all"
            if self.query.weekdays is None:
                out["weekdays"] = "all"
            out = {k: out[k] for k in QUERY_KEYS if k in out}
            if self.auto_res:
                out["res"] = AUTO
        if self.layer:
            out["layer"] = self.layer
        if self.metric:
            out["metric"] = self.metric
        if self.lang:
            out["lang"] = self.lang
        if self.basemap:
            out["basemap"] = self.basemap
        if self.centre is not None:
            out["lat"] = _coord(self.centre[0])
            out["lon"] = _coord(self.centre[1])
        if self.zoom is not None:
            out["zoom"] = f"{round(float(self.zoom), 2):g}"
        if self.scenes:
            out["scenes"] = self.scenes
        if self.scene is not None:
            out["scene"] = str(self.scene)
        if self.hour is not None:
            out["hour"] = str(self.hour)
        if self.baseline:
            out["baseline"] = self.baseline
        if self.split is not None:
            out["split"] = self.split.isoformat()
        if self.change_of:
            out["change_of"] = self.change_of
        return out

    def to_query_string(self) -> str:
        """``res=9&hours=22-4&weekdays=fri,sat...`` (commas and colons left readable)."""
        return urlencode(self.to_params(), quote_via=quote, safe=",:")

    @property
    def href(self) -> str:
        """A link to this view relative to the current page: ``?`` + the query string."""
        return "?" + self.to_query_string()

    @classmethod
    def from_query_string(cls, text: str | None) -> ViewState:
        """Parse a query string (with or without the leading ``?``), leaving bad values out."""
        pairs = parse_qsl((text or "").lstrip("?"), keep_blank_values=False)
        return cls.from_params(dict(pairs))

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> ViewState:
        """Inverse of :meth:`to_params`; unknown keys are ignored, bad values noted and dropped."""
        problems: list[str] = []
        good: dict[str, str] = {}
        auto_res = params.get("res") == AUTO
        if auto_res:  # the query gets the zoom's resolution later; the link keeps "auto"
            params = {k: v for k, v in params.items() if k != "res"}
        for key in QUERY_KEYS:
            if key in params:
                try:
                    Query.from_params({key: params[key]})
                except (TypeError, ValueError) as exc:
                    problems.append(f"{key}={params[key]!r}: {exc}")
                else:
                    good[key] = params[key]
        query = None
        if good:
            try:
                query = Query.from_params(good)
            except (TypeError, ValueError) as exc:  # each alone was fine; together they are not
                problems.append(f"query: {exc}")

        def choice(key: str, allowed: tuple[str, ...]) -> str | None:
            value = params.get(key)
            if value is None:
                return None
            if value in allowed:
                return value
            problems.append(f"{key}={value!r}: expected one of {', '.join(allowed)}")
            return None

        def number(key: str, low: float, high: float, kind=float):
            value = params.get(key)
            if value is None:
                return None
            try:
                out = kind(value)
            except ValueError:
                problems.append(f"{key}={value!r}: not a number")
                return None
            if not low <= out <= high:
                problems.append(f"{key}={value!r}: outside {low:g}..{high:g}")
                return None
            return out

        split = params.get("split")
        if split is not None:
            try:
                split = dt.date.fromisoformat(split)
            except ValueError:
                problems.append(f"split={split!r}: a date such as 2025-07-01")
                split = None
        lat, lon = number("lat", -90, 90), number("lon", -180, 180)
        centre = (lat, lon) if lat is not None and lon is not None else None
        scenes = params.get("scenes")
        if scenes is not None and not _plain_name(scenes):
            problems.append(f"scenes={scenes!r}: a file name in the scenes folder, e.g. x.yaml")
            scenes = None
        return cls(
            query=query,
            auto_res=auto_res,
            query_params=tuple(good.items()) if query is not None else (),
            layer=choice("layer", VIEW_LAYERS),
            metric=choice("metric", VIEW_METRICS),
            lang=choice("lang", LANGUAGES),
            basemap=choice("basemap", VIEW_BASEMAPS),
            centre=centre,
            zoom=number("zoom", 0, 22),
            scenes=scenes,
            scene=number("scene", 1, 999, int),
            hour=number("hour", 0, 23, int),
            baseline=choice("baseline", VIEW_BASELINES),
            split=split,
            change_of=choice("change_of", VIEW_CHANGE_OF),
            problems=tuple(problems),
        )

    def merged_query(self, base: Query) -> Query:
        """``base`` (a dashboard's current query) with the keys this URL gives replaced.

        A hand-typed ``?res=8`` keeps the dashboard's hour window and nights; a shared link
        gives every key, so it restores its view exactly.
        """
        if not self.query_params:
            return base
        return Query.from_params({**base.to_params(), **dict(self.query_params)})

    def with_(self, **changes) -> ViewState:
        return replace(self, **changes)


def _coord(value: float) -> str:
    return f"{round(float(value), COORD_DECIMALS):.{COORD_DECIMALS}f}".rstrip("0").rstrip(".")


def _plain_name(name: str) -> bool:
    """A bare file name (letters, digits, ``._-``), never a path: a URL cannot reach other files."""
    import re

    return bool(re.fullmatch(r"[\w][\w.\-]{0,120}\.(ya?ml|json)", name)) and ".." not in name


def page_query_string() -> str:
    """The query string of the page this kernel serves ("" outside Voila).

    In a preheated Voila kernel this waits for the visitor's request first (see module doc).
    """
    if preheated():
        try:
            wait_for_request()
        except Exception:  # never stop a page for want of its URL
            return ""
    return os.environ.get("QUERY_STRING", "")


def read_view() -> ViewState:
    """The view the page's URL asks for."""
    return ViewState.from_query_string(page_query_string())


LINK_STYLE = "color: #0b4f9c; text-decoration: underline; font-weight: 600"
"""The link looks like a link on any page (8.0:1 on white), whatever the page's own CSS."""


def share_link_html(state: ViewState, lang: str) -> str:
    """The "Share this view" link: an ``<a>`` whose relative href carries the whole view."""
    href = html.escape(state.href, quote=True)
    return (
        f'<a class="atlas-share" href="{href}" style="{LINK_STYLE}" '
        f'title="{html.escape(t("share.title", lang))}">'
        f"{html.escape(t('share.link', lang))}</a>"
    )


PAGE_SCRIPT = """<script>
(function () {
  /* Insecurity Atlas: keep the address bar equal to the "Share this view" link, and give
     presentation mode its keys. Installed once per page. */
  if (window.__atlasPage) return;
  window.__atlasPage = true;
  var last = null;
  function sync() {
    var a = document.querySelector('a.atlas-share');
    var href = a && a.getAttribute('href');
    if (!href || href === last) return;
    last = href;
    try { history.replaceState(history.state, '', href); } catch (e) { /* file:// etc. */ }
  }
  new MutationObserver(sync).observe(document.documentElement,
    {subtree: true, childList: true, attributes: true, attributeFilter: ['href']});
  function press(cls) {
    var el = document.querySelector('.' + cls);
    if (!el) return false;
    var button = el.tagName === 'BUTTON' ? el : el.querySelector('button');
    if (!button || button.disabled) return false;
    button.click();
    return true;
  }
  document.addEventListener('click', function (e) {
    var fs = e.target.closest && e.target.closest('.atlas-present-fullscreen');
    if (!fs) return;
    var root = document.documentElement;
    if (document.fullscreenElement) { document.exitFullscreen(); }
    else if (root.requestFullscreen) { root.requestFullscreen().catch(function () {}); }
  });
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || !document.querySelector('.atlas-present')) return;
    var t = e.target;
    if (t && t.closest && t.closest('input, textarea, select, [contenteditable="true"], ' +
        '.noUi-target, .widget-slider, .leaflet-container')) return;
    var done = false;
    if (e.key === 'PageDown' || e.key === 'ArrowRight') done = press('atlas-present-next');
    else if (e.key === 'PageUp' || e.key === 'ArrowLeft') done = press('atlas-present-previous');
    else if (e.key === 'f' || e.key === 'F') done = press('atlas-present-fullscreen');
    if (done) e.preventDefault();
  });
})();
</script>"""
"""A page-level script, displayed once as a notebook output (Voila runs scripts of outputs,
not of widget HTML): address bar sync, and Page Up / Page Down / arrows / F in presentation.
Presentation clickers send Page Up / Page Down. Keys typed into a control, a slider or the
map (which pans with the arrows) are left alone."""
