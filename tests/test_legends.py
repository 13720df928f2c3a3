"""Legends that explain: bounds that never print alike, a bivariate key labelled on itself."""

from __future__ import annotations

import re

import numpy as np
import pytest

from geo.app._style import style_layer
from geo.classes import SCHEMES, Classes, legible
from geo.columns import CATEGORIES
from geo.compare import BIVARIATE_KEYS
from geo.i18n import number, t
from geo.metrics import Query
from geo.timewin import HourWindow
from tests.conftest import REPO, need


def _fmt(value: float, decimals: int) -> str:
    return number(value, "en", decimals)


def test_close_bounds_get_more_decimals_for_every_class() -> None:
    classes = Classes(bins=(0.051, 0.054, 0.3), colors=("a", "b", "c"), scheme="q", lower=0.01)
    out, labels, merged = legible(classes, _fmt, 2)
    assert not merged and out == classes
    assert labels == ["0.010 – 0.051", "0.051 – 0.054", "0.054 – 0.300"]


def test_bounds_that_stay_alike_are_merged_into_the_class_above() -> None:
    classes = Classes(bins=(1.0, 1.0 + 1e-9, 2.0), colors=("a", "b", "c"), scheme="q", lower=0.0)
    out, labels, merged = legible(classes, _fmt, 1)
    assert merged and out.bins == (1.0 + 1e-9, 2.0) and out.colors == ("b", "c")
    assert len(set(labels)) == len(labels)
    assert out.colors_of(np.array([0.5, 1.0, 1.5])).tolist() == ["b", "b", "c"]


def test_a_class_of_one_value_prints_it_once() -> None:
    classes = Classes(bins=(1.0, 2.0, 3.0), colors=("a", "b", "c"), scheme="q", lower=1.0)
    assert legible(classes, _fmt, 0)[1] == ["1", "1 – 2", "2 – 3"]


def _ranges(legend: str) -> list[tuple[str, str]]:
    return re.findall(r"</span>([^<–]+?) – ([^<]+?)</div>", legend)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_bivariate_key_names_its_corners_on_the_key(lang: str) -> None:
    import types

    import pandas as pd

    table = pd.DataFrame({"cell": np.array([1, 2], dtype=np.uint64),
                          "bivariate_class": pd.array([0, 8], dtype="Int64")})
    result = types.SimpleNamespace(  # all the bivariate style reads
        table=table, k=5, privacy_notes=lambda lang, short=False: [])
    legend = style_layer(result, "bivariate", lang=lang).legend
    for letter, code in (("A", 6), ("B", 8), ("C", 0), ("D", 2)):
        phrase = t(BIVARIATE_KEYS[code], lang)
        assert re.search(rf'data-class="{code}"[^>]*><b>{letter}</b> {re.escape(phrase)}',
                         legend.replace("&#x27;", "'")), (letter, phrase)
        assert re.search(rf'data-class="{code}" title="[^"]+"[^>]*>{letter}</span>', legend)
    assert legend.count('class="atlas-bivariate-square"') == 9
    assert t("legend.low", lang) in legend and t("legend.high", lang) in legend


@pytest.fixture(scope="module")
def sample_atlas():
    need((REPO / "data" / "sample" / "build" / "CURRENT").exists(), "sample city not built")
    from geo.city import open_city

    return open_city(REPO / "data" / "sample").atlas


def _random_query(rng: np.random.Generator, groups: tuple[str, ...]) -> Query:
    start = int(rng.integers(0, 24))
    end = (start + int(rng.integers(1, 12))) % 24
    hours = None if rng.random() < 0.2 else HourWindow(start, end)
    days = frozenset(int(d) for d in rng.choice(7, size=int(rng.integers(1, 8)), replace=False))
    cats = frozenset(rng.choice(CATEGORIES, size=int(rng.integers(1, len(CATEGORIES) + 1)),
                                replace=False).tolist())
    some = frozenset(rng.choice(groups, size=int(rng.integers(1, len(groups) + 1)),
                                replace=False).tolist())
    return Query(
        resolution=int(rng.integers(7, 11)),
        hours=hours,
        weekdays=days if len(days) < 7 else None,
        categories=cats if len(cats) < len(CATEGORIES) else None,
        groups=some if rng.random() < 0.5 else None,
        k=int(rng.integers(5, 15)),
    )


@pytest.mark.slow
def test_no_legend_prints_two_identical_bounds_over_200_random_views(sample_atlas) -> None:
    rng = np.random.default_rng(17)
    layers = (("recorded", "incidents_per_night"), ("recorded", "incidents"),
              ("recorded", "incidents_per_km2"), ("perceived", "incidents_per_night"))
    checked = 0
    for _ in range(200):
        result = sample_atlas.query(_random_query(rng, sample_atlas.groups))
        layer, metric = layers[int(rng.integers(len(layers)))]
        lang = ("en", "fr")[int(rng.integers(2))]
        legend = style_layer(result, layer, metric=metric, lang=lang,
                             scheme=SCHEMES[int(rng.integers(len(SCHEMES)))],
                             k_classes=int(rng.integers(3, 8))).legend
        ranges = _ranges(legend)
        for lo, hi in ranges:
            assert lo.strip() != hi.strip(), (result.query, layer, metric, legend)
        labels = re.findall(r"</span>([^<]+)</div>", legend)
        assert len(labels) == len(set(labels)), (result.query, labels)
        checked += bool(ranges)
    assert checked > 100  # most views have classes to check


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("layer", ["recorded", "perceived", "gap", "bivariate", "hotspots"])
def test_how_to_read_this_map_is_short_and_says_what_matters(layer: str, lang: str) -> None:
    from geo.app._howto import howto_html, method_notes

    notes = method_notes([layer], lang, k=5)
    assert notes[-1] == t("howto.privacy", lang, k_minus=4)
    assert sum(len(n.split()) for n in notes) < 260  # about a minute read aloud
    text = howto_html(layer, lang, 5)
    assert t(f"layer.{layer}", lang) in text.replace("&#x27;", "'")
    if layer in ("recorded", "hotspots", "gap", "bivariate"):
        assert t("howto.dark_number", lang) in notes
    if layer in ("perceived", "gap", "bivariate"):
        assert t("howto.perceived", lang) in notes  # the smoothing and why
