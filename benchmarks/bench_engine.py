"""Speed and memory of the night-time engine: H3 indexing, cube build, per-query fast path.

Targets (issue "night-time H3 engine core"): 1M incidents indexed in at most 0.4 s; the
incident cube of 1M incidents built in at most 2 s; a typical dashboard query (hours 22-4,
Friday and Saturday nights, 3 categories) answered per res-9 cell by mask + ``np.bincount`` in
a median of at most 30 ms. Peak RSS is recorded after each step.

The incidents are synthetic canonical rows made here with NumPy (seeded): a city of ~10 x 8 km
with six nightlife districts, a year of events with night and weekend rhythms, ~15 % known only
as a span (~1 % of all longer than the 24 h cap) and ~4 % without a usable hour.

Run from the repo root: ``.venv/bin/python benchmarks/bench_engine.py`` (``BENCH_QUICK=1`` for
a smoke run on 30k rows).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._common import median_seconds, peak_rss_mb, quick, record, timed  # noqa: E402
from geo.columns import CATEGORIES  # noqa: E402
from geo.cube import build_incident_cube, cube_key, load_cube, save_cube  # noqa: E402
from geo.index import cells_of  # noqa: E402
from geo.timewin import HourWindow, parse_weekdays  # noqa: E402

CENTRE = (48.8566, 2.3522)
KM_LAT = 1 / 111.2
KM_LON = 1 / (111.32 * np.cos(np.radians(CENTRE[0])))
HOUR_PROFILE = np.array(
    [9, 8, 7, 6, 4, 2, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10], dtype=float
)
CATEGORY_P = np.array([14, 3, 8, 6, 25, 5, 10, 8, 12, 2, 7], dtype=float)


def synthetic_incidents(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` canonical incidents of one synthetic city-year (see the module note)."""
    districts = rng.uniform([-4, -3], [4, 3], size=(6, 2))
    in_district = rng.random(n) < 0.6
    which = rng.integers(0, 6, n)
    xy = np.where(
        in_district[:, None],
        districts[which] + rng.normal(0, 0.45, (n, 2)),
        rng.uniform([-5, -4], [5, 4], (n, 2)),
    )
    xy = np.clip(xy, [-5, -4], [5, 4])
    lat = CENTRE[0] + xy[:, 1] * KM_LAT
    lon = CENTRE[1] + xy[:, 0] * KM_LON

    days = np.arange(np.datetime64("2025-01-01"), np.datetime64("2026-01-01"))
    weekday = (days.astype(np.int64) + 3) % 7
    day_p = np.where(weekday >= 4, 2.0, 1.0)
    day = rng.choice(days, n, p=day_p / day_p.sum())
    hour = rng.choice(24, n, p=HOUR_PROFILE / HOUR_PROFILE.sum())
    minute = rng.integers(0, 60, n)
    start = day.astype("datetime64[ns]") + (hour * 60 + minute).astype("timedelta64[m]")

    end = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    spanned = rng.random(n) < 0.15
    n_spans = int(spanned.sum())
    span_min = rng.choice([60, 120, 180, 240, 360, 480], n_spans) + rng.integers(0, 60, n_spans)
    long = rng.random(n_spans) < 0.07  # ~1 % of all rows: longer than the 24 h cap
    span_min[long] = rng.integers(25 * 60, 72 * 60, long.sum())
    end[spanned] = start[spanned] + span_min.astype("timedelta64[m]")

    precision = np.full(n, "minute", dtype=object)
    untimed = rng.random(n) < 0.04
    kind = rng.choice(np.array(["day", "month", "unknown"], dtype=object), untimed.sum())
    precision[untimed] = kind
    start_u = start[untimed].astype("datetime64[D]").astype("datetime64[ns]")
    month = start[untimed].astype("datetime64[M]").astype("datetime64[ns]")
    start_u = np.where(kind == "month", month, start_u)
    start_u[kind == "unknown"] = np.datetime64("NaT")
    start[untimed] = start_u
    end[untimed] = np.datetime64("NaT")

    category = np.array(CATEGORIES, dtype=object)[
        rng.choice(len(CATEGORIES), n, p=CATEGORY_P / CATEGORY_P.sum())
    ]
    source = np.where(rng.random(n) < 0.7, "police", "app")
    return pd.DataFrame(
        {
            "incident_id": pd.Series(np.arange(n)).map("inc-{:07d}".format),
            "occurred_from": start,
            "occurred_to": end,
            "time_precision": pd.Series(precision, dtype="str"),
            "lat": lat,
            "lon": lon,
            "category": pd.Series(category, dtype="str"),
            "category_raw": pd.Series(category, dtype="str"),
            "source": pd.Series(source, dtype="str"),
        }
    )


def main() -> None:
    n = 30_000 if quick() else 1_000_000
    incidents = synthetic_incidents(n, np.random.default_rng(20261122))
    lat, lon = incidents["lat"].to_numpy(), incidents["lon"].to_numpy()
    print(f"{n:,} synthetic incidents (quick={quick()})", flush=True)

    cells_of(lat[:1000], lon[:1000])  # warm-up: first call loads the native library
    seconds = median_seconds(lambda: cells_of(lat, lon, 10), repeat=3)
    record("index_1M_incidents", seconds, "s", 0.4)
    record("index_1M_incidents_peak_rss", peak_rss_mb(), "MB")

    seconds, cube = timed(lambda: build_incident_cube(incidents, resolution=10))
    record("cube_build_1M", seconds, "s", 2)
    record("cube_build_1M_peak_rss", peak_rss_mb(), "MB")
    print(f"  cube rows at res 10: {len(cube.table):,}; untimed: {cube.untimed_by_precision}")

    seconds, codes = timed(lambda: cube.codes(9))
    record("cube_codes_res9_first_call", seconds, "s")
    print(f"  rows at res 9: {codes.count.size:,}; cells: {codes.cells.size:,}")

    window, weekdays = HourWindow.parse("22-4"), parse_weekdays("fri,sat")
    chosen = ["violence", "harassment", "theft"]

    def query() -> np.ndarray:
        codes = cube.codes(9)
        return codes.per_cell(codes.mask(window, weekdays, chosen))

    query()
    record("query_filter_bincount_res9_median", median_seconds(query, repeat=31) * 1000, "ms", 30)
    record("query_filter_bincount_res9_peak_rss", peak_rss_mb(), "MB")

    record("cube_key_1M", timed(lambda: cube_key(incidents, {"resolution": 10}))[0], "s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "incidents.parquet"
        record("cube_save_1M", timed(lambda: save_cube(cube, path))[0], "s")
        seconds, loaded = timed(lambda: load_cube(path))
        record("cube_load_1M", seconds, "s")
        assert loaded.table.equals(cube.table)
    record("cube_store_1M_peak_rss", peak_rss_mb(), "MB")


if __name__ == "__main__":
    main()
