"""Police records and app reports of Sampleville, drawn in whole-array steps.

Each row draws, in turn: a category (by source), a zone (by category and source), an hour of
the week (by category, zone kind and source), a day (by season and special nights), then the
time quirks real exports have: police times heaped on quarter hours, some with only a date,
a few with no time at all, and spans ("between 22:00 and 02:00") from both sources. Nothing
loops over rows, so 5 million incidents take seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionArray

from geo.columns import INCIDENT_COLUMNS
from geo.sample._categories import SPECS, raw_labels
from geo.sample._change import light_incidents
from geo.sample._city import ZONES, scatter_zones
from geo.sample._time import (
    DOW,
    HOUR,
    IS_NIGHT,
    YEAR_START,
    bump,
    day_weights,
    sample_rows,
    shift_dst_gap,
    timestamps,
    weekly,
)

ZONE_WEIGHT: dict[str, float] = {
    "Rue des Lanternes": 1.0,
    "Quai des Docks": 0.8,
    "Vieille Ville": 0.7,
    "Gare Centrale": 1.2,
    "Rue du Commerce": 0.8,
    "Quartier des Tours": 0.6,
    "Parc du Belvédère": 0.12,
    "Les Tilleuls": 0.2,
    "Bellevue": 0.2,
    "Les Coteaux": 0.2,
    "Sampleville": 6.0,
}
"""How much activity (people, hence records) each zone has, before category affinities."""

APP_PLACES: dict[str, float] = {
    "nightlife": 2.0, "station": 2.0, "shopping": 1.0, "business": 0.6,
    "residential": 0.4, "park": 0.6, "background": 0.6,
}
"""App users report most around nightlife and transport, where the app is promoted and used."""

POLICE_PRECISION = {"unknown": 0.01, "day": 0.03, "hour": 0.06}
APP_SPAN = 0.15
"""Shares of the time quirks: police rows with no time / only a date / a span; app spans."""

_HOUR_NS = 3_600 * 10**9
_NAT = np.iinfo(np.int64).min
_PRECISIONS = ["minute", "hour", "day", "unknown"]


def _kind_rhythm(kind: str) -> np.ndarray:
    """Hour-of-week factors a place adds to every category: bars fill at night, offices by day."""
    if kind == "nightlife":
        return np.where(IS_NIGHT, weekly((1.0, 1.0, 1.1, 1.4, 2.0, 2.0, 1.1), (1,) * 7), 0.5)
    if kind == "station":
        return 1.0 + bump(8.0, 1.2, 0.8) + bump(18.0, 1.5, 0.8) - 0.1 * IS_NIGHT
    if kind == "shopping":
        open_hours = (HOUR >= 10) & (HOUR < 20) & (DOW < 6)
        return np.where(open_hours, 1.6, 0.5)
    if kind == "business":
        office = (HOUR >= 8) & (HOUR < 19) & (DOW < 5)
        return np.where(office, 2.0, 0.3)
    if kind == "park":
        return np.where(IS_NIGHT, 1.0, 0.6)
    return np.ones(168)


def _tables(source: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Category shares, zone weights per category, hour profiles per (category, zone), and
    raw-label weights per category, for one source."""
    share = np.array([getattr(s, source) for s in SPECS])
    kinds = [z.kind for z in ZONES]
    place = np.array([
        [s.places[k] * ZONE_WEIGHT[z.name] * (APP_PLACES[k] if source == "app" else 1.0)
         for z, k in zip(ZONES, kinds, strict=True)]
        for s in SPECS
    ])
    source_rhythm = np.where(IS_NIGHT, 1.8, 1.0) if source == "app" else np.ones(168)
    rhythm = np.array([_kind_rhythm(k) for k in kinds])
    hours = np.stack([s.profile() * rhythm * source_rhythm for s in SPECS])
    labels, _ = raw_labels()
    label_w = np.zeros((len(SPECS), len(labels)))
    for i, s in enumerate(SPECS):
        for label, w in s.police_labels if source == "police" else s.app_labels:
            label_w[i, labels.index(label)] = w
    return share / share.sum(), place, hours.reshape(-1, 168), label_w, labels


def _strings(codes: np.ndarray, labels: list[str]) -> ExtensionArray:
    """A pandas "string" array from small-integer codes, via Arrow (fast for millions)."""
    dictionary = pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(labels, pa.string()))
    return pd.array(dictionary.cast(pa.string()), dtype="string")


def numbered_ids(prefix: str, n: int) -> ExtensionArray:
    """``prefix-000001`` ... zero-padded to at least 6 digits, as a pandas "string" array."""
    digits = max(6, len(str(n)))
    numbers = pc.cast(pa.array(np.arange(1, n + 1)), pa.string())
    ids = pc.binary_join_element_wise(f"{prefix}-", pc.utf8_lpad(numbers, digits, "0"), "")
    return pd.array(ids, dtype="string")


def _quirks(
    rng: np.random.Generator, ns: np.ndarray, source: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(occurred_from, occurred_to, precision code) from true times, with export-like quirks."""
    n = ns.size
    u = rng.random(n)
    if source == "police":
        unknown = u < POLICE_PRECISION["unknown"]
        day = ~unknown & (u < POLICE_PRECISION["unknown"] + POLICE_PRECISION["day"])
        span = ~unknown & ~day & (u < sum(POLICE_PRECISION.values()))
        # Officers write times rounded: a fifth on quarter hours, a tenth on the hour.
        heap = rng.random(n)
        quarter = 15 * 60 * 10**9
        ns = np.where(heap < 0.2, ns - ns % quarter, np.where(heap < 0.3, ns - ns % _HOUR_NS, ns))
    else:
        unknown = day = np.zeros(n, dtype=bool)
        span = u < APP_SPAN
    length = rng.integers(1, 5, n)
    span_from = ns - ns % _HOUR_NS - rng.integers(0, length) * _HOUR_NS
    span_to = shift_dst_gap(span_from + length * _HOUR_NS)
    span_from = shift_dst_gap(np.maximum(span_from, YEAR_START.value))  # stay in the year
    start = np.where(span, span_from, ns)
    start = np.where(day, ns - ns % (24 * _HOUR_NS), start)
    start = np.where(unknown, _NAT, start)
    end = np.where(span, span_to, _NAT)
    precision = np.where(unknown, 3, np.where(day, 2, np.where(span, 1, 0))).astype(np.int8)
    return start, end, precision


def make_incidents(
    rng: np.random.Generator, n: int, source: str, change: np.random.Generator | None = None
) -> pd.DataFrame:
    """``n`` incidents of one source (``police`` or ``app``) in the canonical layout.

    Rows come sorted by time (undated last), ids numbered in that order, as exports list them.
    ``change`` draws the planted change (:mod:`geo.sample._change`: the incidents a street's
    new lighting prevents); without it the year has no change.
    """
    share, place, hours, label_w, labels = _tables(source)
    category = rng.choice(len(SPECS), size=n, p=share)
    zone = sample_rows(rng, place, category)
    how = sample_rows(rng, hours, category * len(ZONES) + zone)
    seasons = day_weights([s.season for s in SPECS])
    true_ns = timestamps(rng, how, category, seasons)
    decimals = 5 if source == "police" else 6
    lat, lon = scatter_zones(rng, zone, decimals=decimals)
    if change is not None:
        lat, lon = light_incidents(change, lat, lon, true_ns, decimals)
    raw = sample_rows(rng, label_w, category)
    start, end, precision = _quirks(rng, true_ns, source)

    order = np.argsort(np.where(start == _NAT, np.iinfo(np.int64).max, start), kind="stable")
    frame = pd.DataFrame({
        "incident_id": numbered_ids("inc" if source == "police" else source, n),
        "occurred_from": start[order].view("datetime64[ns]"),
        "occurred_to": end[order].view("datetime64[ns]"),
        "time_precision": _strings(precision[order], _PRECISIONS),
        "lat": lat[order],
        "lon": lon[order],
        "category": _strings(category[order].astype(np.int8), [s.name for s in SPECS]),
        "category_raw": _strings(raw[order].astype(np.int16), labels),
        "source": _strings(np.zeros(n, dtype=np.int8), [source]),
    })
    return frame[list(INCIDENT_COLUMNS)]
