"""Scene files for presentation mode: prepared views a working group steps through.

A scene file is YAML or JSON written by hand, so every mistake gets one sentence naming the
file, the scene and the key, with a suggestion where a key is misspelt. It is also the place
where privacy is enforced for presentation whatever the file says (DESIGN §6):

- the k-threshold is at least :data:`PRESENT_K_FLOOR`; a lower ``k`` is raised and the scene
  carries a note saying so;
- only aggregated layers can be named (:data:`SCENE_LAYERS`): there is no way to ask for raw
  points of survey respondents or app users.

Example (``dashboards/scenes/example.yaml``)::

    title: Nightlife working group
    scenes:
      - title: Friday night in Rue des Lanternes
        note: Recorded incidents per night, Friday and Saturday nights, 22:00-04:00.
        query: {hours: 22-4, weekdays: fri,sat, res: 9}
        layers: [recorded, venues]
        centre: [45.7554, 4.8384]
        zoom: 15

``title`` and ``note`` may also be given per language (``{en: ..., fr: ...}``).

A ``layers: [change]`` scene compares its query's dates (``from``/``to``, else the last 28
nights) with ``baseline: previous`` (default), ``year_earlier`` or ``split`` (with
``split: YYYY-MM-DD``, the first night after); ``layers: [trend]`` shows the trend by month.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from geo.app._change_layer import BASELINES, parse_baseline
from geo.columns import DEFAULT_K
from geo.errors import AtlasError
from geo.i18n import DEFAULT_LANGUAGE, LANGUAGES
from geo.metrics import QUERY_KEYS, Query

PRESENT_K_FLOOR = max(DEFAULT_K, 5)
"""Smallest k-threshold presentation mode uses, whatever a scene file or a URL asks."""

TIME_LAYERS: tuple[str, ...] = ("change", "trend")
"""Cell layers over time: change between two periods, trend by month (published counts only)."""
CELL_LAYERS: tuple[str, ...] = ("recorded", "perceived", "gap", "bivariate", *TIME_LAYERS)
"""Aggregated cell layers a scene may show (one at a time)."""
SCENE_LAYERS: tuple[str, ...] = (*CELL_LAYERS, "venues")
"""Every layer a scene may name: cells and venues (public places), never raw points."""
RECORDED_METRICS: tuple[str, ...] = ("incidents_per_night", "incidents", "incidents_per_km2")
"""Values the recorded layer may colour by."""

SCENE_KEYS: tuple[str, ...] = ("title", "note", "query", "layers", "metric", "centre", "zoom")
"""Keys of one scene."""
CHANGE_KEYS: tuple[str, ...] = ("baseline", "split")
"""Keys of a ``layers: [change]`` scene: what the query's dates (``from``/``to``) are compared
with (``previous``, ``year_earlier`` or ``split`` at the date ``split``)."""
FILE_KEYS: tuple[str, ...] = ("title", "scenes")
"""Top-level keys of a scene file (a scene's query takes geo.metrics.QUERY_KEYS)."""
SUFFIXES: tuple[str, ...] = (".yaml", ".yml", ".json")
"""File types of a scene file."""
ZOOM_RANGE = (1.0, 20.0)
DEFAULT_SCENES = "example.yaml"
"""Scene file shown when the URL names none."""
REPO_SCENES = Path(__file__).resolve().parents[1] / "dashboards" / "scenes"
"""The repository's scene files, used when no other folder is named or found."""


class SceneFileError(AtlasError, ValueError):
    """A scene file that cannot be shown: unreadable, or a key or value it does not accept."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass(frozen=True)
class Scene:
    """One prepared view.

    Parameters
    ----------
    title, note
        Text per language, as ``(lang, text)`` pairs; see :meth:`text`.
    query
        What to show; its ``k`` is already raised to :data:`PRESENT_K_FLOOR`.
    layer
        The cell layer (one of :data:`CELL_LAYERS`), or ``None`` for venues only.
    venues
        Whether venues (open / closed / hours unknown) are drawn.
    metric
        What the recorded layer colours by.
    centre, zoom
        Map view; ``None`` keeps the study area's centre / the default zoom.
    k_asked
        The k the file asked for, kept so the view can say it was raised.
    """

    title: tuple[tuple[str, str], ...]
    note: tuple[tuple[str, str], ...] = ()
    query: Query = field(default_factory=lambda: Query(k=PRESENT_K_FLOOR))
    layer: str | None = "recorded"
    venues: bool = False
    metric: str = "incidents_per_night"
    centre: tuple[float, float] | None = None
    zoom: float | None = None
    k_asked: int = PRESENT_K_FLOOR
    baseline: str = "previous"
    """What a change scene compares its dates with (:data:`BASELINES`)."""
    split: dt.date | None = None
    """First night "after" of a ``baseline: split`` scene (None: the middle of the dates)."""

    def __post_init__(self) -> None:
        if self.layer is not None and self.layer not in CELL_LAYERS:
            raise ValueError(f"layer must be one of {CELL_LAYERS} or None, got {self.layer!r}")
        if self.layer is None and not self.venues:
            raise ValueError("a scene shows at least one layer")
        if self.metric not in RECORDED_METRICS:
            raise ValueError(f"metric must be one of {RECORDED_METRICS}, got {self.metric!r}")
        if self.baseline not in BASELINES:
            raise ValueError(f"baseline must be one of {BASELINES}, got {self.baseline!r}")
        if self.query.k < PRESENT_K_FLOOR:  # the floor holds however a Scene is built
            object.__setattr__(self, "query", replace(self.query, k=PRESENT_K_FLOOR))

    @property
    def k_raised(self) -> bool:
        """True when the file asked for a k below the presentation floor."""
        return self.k_asked < self.query.k

    @property
    def layers(self) -> tuple[str, ...]:
        """The layers in scene-file words, e.g. ``("recorded", "venues")``."""
        return tuple(x for x in (self.layer, "venues" if self.venues else None) if x)

    def text(self, what: str, lang: str) -> str:
        """``title`` or ``note`` in ``lang``, else in English, else in any language given."""
        pairs = dict(getattr(self, what))
        return pairs.get(lang) or pairs.get(DEFAULT_LANGUAGE) or next(iter(pairs.values()), "")


@dataclass(frozen=True)
class SceneDeck:
    """The scenes of one file, in order."""

    scenes: tuple[Scene, ...]
    title: tuple[tuple[str, str], ...] = ()
    path: str = ""

    def __post_init__(self) -> None:
        if not self.scenes:
            raise ValueError("a scene deck needs at least one scene")

    def __len__(self) -> int:
        return len(self.scenes)

    def __getitem__(self, index: int) -> Scene:
        return self.scenes[index]

    @property
    def name(self) -> str:
        """The file's base name (what a URL's ``scenes=`` names)."""
        return Path(self.path).name if self.path else ""


# ---------------------------------------------------------------------------------- reading
def _unknown(keys: Sequence[str], allowed: Sequence[str], where: str) -> str | None:
    bad = [k for k in keys if k not in allowed]
    if not bad:
        return None
    hints = []
    for key in bad:
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return f"{where}: unknown key {', '.join(hints)}; expected: {', '.join(allowed)}"


def _texts(value: Any, where: str, required: bool) -> tuple[tuple[str, str], ...]:
    if value is None:
        if required:
            raise ValueError(f"{where} is missing")
        return ()
    if isinstance(value, str | int | float):
        return ((DEFAULT_LANGUAGE, str(value).strip()),)
    if isinstance(value, Mapping):
        bad = [k for k in value if k not in LANGUAGES]
        if bad:
            raise ValueError(
                f"{where}: unknown language {', '.join(map(repr, bad))}; use {', '.join(LANGUAGES)}"
            )
        return tuple((str(k), str(v).strip()) for k, v in value.items() if v is not None)
    raise ValueError(f"{where} must be text or {{en: ..., fr: ...}}, got {type(value).__name__}")


def _param(value: Any) -> str:
    """A query value as URL text: lists are joined with commas, ``[22, 4]`` hours with a dash."""
    if isinstance(value, list | tuple):
        return ",".join(str(v).strip() for v in value)
    return str(value).strip()


def _query(value: Any, where: str) -> tuple[Query, int]:
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}.query must be a mapping of {', '.join(QUERY_KEYS)}")
    problem = _unknown(list(value), QUERY_KEYS, f"{where}.query")
    if problem:
        raise ValueError(problem)
    params = {}
    for key, raw in value.items():
        if raw is None:
            continue
        if key == "hours" and isinstance(raw, list | tuple) and len(raw) == 2:
            params[key] = f"{int(raw[0])}-{int(raw[1])}"
        else:
            params[key] = _param(raw)
    try:
        query = Query.from_params(params)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}.query: {exc}") from None
    asked = query.k
    if asked < PRESENT_K_FLOOR:
        query = replace(query, k=PRESENT_K_FLOOR)
    return query, asked


def _layers(value: Any, where: str) -> tuple[str | None, bool]:
    if value is None:
        return "recorded", True
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not names:
        raise ValueError(f"{where}.layers must be a list such as [recorded, venues]")
    names = [str(n).strip().lower() for n in names]
    for name in names:
        if name not in SCENE_LAYERS:
            raise ValueError(
                f"{where}.layers: {name!r} cannot be shown in presentation mode; it shows "
                f"aggregated layers only ({', '.join(SCENE_LAYERS)}), never raw points of "
                "survey respondents or app users"
            )
    cells = [n for n in names if n in CELL_LAYERS]
    if len(cells) > 1:
        raise ValueError(
            f"{where}.layers: one cell layer at a time (got {', '.join(cells)}); "
            "make one scene per layer"
        )
    return (cells[0] if cells else None), "venues" in names


def _change_choice(data: Mapping, layer: str | None, where: str) -> tuple[str, dt.date | None]:
    """``baseline`` and ``split`` of a change scene; named on any other layer, a mistake."""
    named = [k for k in CHANGE_KEYS if data.get(k) is not None]
    if layer != "change" and named:
        raise ValueError(f"{where}.{named[0]} only applies to a scene with layers: [change]")
    return parse_baseline(data.get("baseline"), data.get("split"), where)


def _centre(value: Any, where: str) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        lat, lon = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}.centre must be [lat, lon], got {value!r}") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{where}.centre must be [lat, lon] in degrees, got {value!r}")
    return lat, lon


def _zoom(value: Any, where: str) -> float | None:
    if value is None:
        return None
    try:
        zoom = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}.zoom must be a number, got {value!r}") from None
    if not ZOOM_RANGE[0] <= zoom <= ZOOM_RANGE[1]:
        raise ValueError(f"{where}.zoom must be between {ZOOM_RANGE[0]:g} and {ZOOM_RANGE[1]:g}")
    return zoom


def scene_from_mapping(data: Any, where: str = "scene") -> Scene:
    """One scene from its parsed mapping; ``where`` names it in error messages.

    Raises
    ------
    ValueError
        For an unknown key (with a suggestion), a layer that is not aggregated, or a bad value.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"{where} must be a mapping with {', '.join(SCENE_KEYS)}")
    title = data.get("title")
    if isinstance(title, str) and title.strip():
        where = f"{where} ({title.strip()!r})"
    problem = _unknown(list(data), (*SCENE_KEYS, *CHANGE_KEYS), where)
    if problem:
        raise ValueError(problem)
    query, asked = _query(data.get("query"), where)
    layer, venues = _layers(data.get("layers"), where)
    baseline, split = _change_choice(data, layer, where)
    metric = str(data.get("metric") or "incidents_per_night")
    if metric not in RECORDED_METRICS:
        raise ValueError(f"{where}.metric must be one of {', '.join(RECORDED_METRICS)}")
    return Scene(
        title=_texts(title, f"{where}.title", required=True),
        note=_texts(data.get("note"), f"{where}.note", required=False),
        query=query,
        layer=layer,
        venues=venues,
        metric=metric,
        centre=_centre(data.get("centre"), where),
        zoom=_zoom(data.get("zoom"), where),
        k_asked=asked,
        baseline=baseline,
        split=split,
    )


def parse_scenes(data: Any, path: str | Path = "<scenes>") -> SceneDeck:
    """A deck from an already parsed file (a mapping with ``scenes``, or a bare list).

    Raises
    ------
    SceneFileError
        Naming the file, the scene and what is wrong.
    """
    if isinstance(data, list):
        data = {"scenes": data}
    if not isinstance(data, Mapping):
        raise SceneFileError(path, "expected a mapping with a list under 'scenes'")
    problem = _unknown(list(data), FILE_KEYS, "file")
    if problem:
        raise SceneFileError(path, problem)
    raw = data.get("scenes")
    if not isinstance(raw, list) or not raw:
        raise SceneFileError(path, "'scenes' must be a non-empty list of scenes")
    scenes = []
    for i, item in enumerate(raw, start=1):
        try:
            scenes.append(scene_from_mapping(item, f"scene {i}"))
        except ValueError as exc:
            raise SceneFileError(path, str(exc)) from None
    try:
        title = _texts(data.get("title"), "title", required=False)
    except ValueError as exc:
        raise SceneFileError(path, str(exc)) from None
    return SceneDeck(scenes=tuple(scenes), title=title, path=str(path))


def load_scenes(path: str | Path) -> SceneDeck:
    """Read a scene file (``.yaml``, ``.yml`` or ``.json``).

    Raises
    ------
    SceneFileError
        When the file is missing, of another type, not valid YAML/JSON, or not a valid deck.
    """
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise SceneFileError(path, f"a scene file is {', '.join(SUFFIXES)}, not {path.suffix!r}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SceneFileError(path, "no such scene file") from None
    except OSError as exc:
        raise SceneFileError(path, f"cannot be read ({exc.strerror})") from None
    import yaml  # scene files are read when a presentation opens, not at import

    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise SceneFileError(path, f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc
        raise SceneFileError(path, f"not valid YAML{line}: {problem}") from None
    return parse_scenes(data, path)


def find_scenes_dir(folder: str | Path | None) -> Path:
    """Folder of scene files a page URL may name: ``folder``, else ``$ATLAS_SCENES_DIR``, else
    ``scenes`` beside the notebook, else :data:`REPO_SCENES`."""
    if folder is not None:
        return Path(folder)
    if os.environ.get("ATLAS_SCENES_DIR"):
        return Path(os.environ["ATLAS_SCENES_DIR"])
    beside = Path.cwd() / "scenes"
    return beside if beside.is_dir() else REPO_SCENES
