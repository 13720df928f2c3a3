"""Tests of geo.sample: a deterministic synthetic city that shows both agreement and divergence
between recorded incidents and felt insecurity, in the canonical layout."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import opening_hours
import pandas as pd
import pytest

import geo.sample._write as sample_write
from geo.columns import CATEGORIES, DAYPARTS, HOURLY_PRECISIONS
from geo.sample import (
    BBOX,
    DEFAULT_SEED,
    DISTRICTS,
    GENERATOR_VERSION,
    NOTICE,
    SampleCity,
    district,
    ensure_sample,
    generate_city,
    venues_geojson,
    write_city,
)
from geo.sample._categories import SPECS, raw_labels
from geo.sample._city import to_latlon, to_xy
from geo.sample._perceptions import GROUPS
from geo.sample._time import sample_rows
from geo.sample._venues import MESSY
from geo.schema import VALIDATORS, ReportBuilder, check_contract, hours_parse

SMALL = {"incidents": 4_000, "app_reports": 800, "perceptions": 600, "venues": 60}
CITY_KM2 = 8 * 6


@pytest.fixture(scope="module")
def city() -> SampleCity:
    return generate_city()


@pytest.fixture(scope="module")
def hourly(city: SampleCity) -> pd.DataFrame:
    """Incidents whose hour is known, with the hour and the weekday of their night."""
    inc = city.incidents[city.incidents["time_precision"].isin(HOURLY_PRECISIONS)]
    start = inc["occurred_from"]
    return inc.assign(
        hour=start.dt.hour,
        night_dow=(start - pd.Timedelta(hours=6)).dt.day_of_week,
    )


def _near(frame: pd.DataFrame, kind: str) -> np.ndarray:
    mask = np.zeros(len(frame), dtype=bool)
    for d in DISTRICTS:
        if d.kind == kind:
            mask |= d.contains(frame["lat"], frame["lon"])
    return mask


def _weighted(per: pd.DataFrame, mask: np.ndarray) -> float:
    return float(np.average(per["insecurity"][mask], weights=per["weight"][mask]))


def _hashes(paths: dict[str, Path]) -> dict[str, str]:
    return {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in paths.items()}


# --- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_identical_frames() -> None:
    a, b = generate_city(5, **SMALL), generate_city(5, **SMALL)
    for table in ("incidents", "perceptions", "venues"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))
    assert a.metadata == b.metadata


def test_other_seed_differs() -> None:
    a, b = generate_city(5, **SMALL), generate_city(6, **SMALL)
    assert not a.incidents["lat"].equals(b.incidents["lat"])
    assert not a.perceptions["insecurity"].equals(b.perceptions["insecurity"])
    assert not a.venues["opening_hours"].equals(b.venues["opening_hours"])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_files_are_byte_identical_for_a_seed(tmp_path: Path, fmt: str) -> None:
    first = write_city(generate_city(5, **SMALL), tmp_path / "a", fmt=fmt)
    second = write_city(generate_city(5, **SMALL), tmp_path / "b", fmt=fmt)
    assert set(first) == {"incidents", "perceptions", "venues", "metadata"}
    assert first["incidents"].name == f"incidents.{fmt}"
    assert _hashes(first) == _hashes(second)
    other = write_city(generate_city(6, **SMALL), tmp_path / "c", fmt=fmt)
    assert _hashes(other)["incidents"] != _hashes(first)["incidents"]


def test_more_incidents_leave_other_tables_unchanged() -> None:
    a = generate_city(5, **SMALL)
    b = generate_city(5, **{**SMALL, "incidents": 5_000})
    pd.testing.assert_frame_equal(a.perceptions, b.perceptions)
    pd.testing.assert_frame_equal(a.venues, b.venues)


# --- shape and contracts -----------------------------------------------------------------------


def test_counts_meet_the_minimums(city: SampleCity) -> None:
    counts = city.incidents["source"].value_counts()
    assert counts["police"] == 60_000 and counts["app"] == 10_000
    assert len(city.perceptions) >= 5_000
    assert len(city.venues) >= 300
    assert city.metadata["counts"] == {
        "incidents": 70_000,
        "incidents_police": 60_000,
        "incidents_app": 10_000,
        "perceptions": 6_000,
        "venues": 320,
    }


@pytest.mark.parametrize("table", ["incidents", "perceptions", "venues"])
def test_tables_pass_their_contracts(city: SampleCity, table: str) -> None:
    check_contract(getattr(city, table), table)


def test_dtypes(city: SampleCity) -> None:
    inc, per, ven = city.incidents, city.perceptions, city.venues
    assert inc["occurred_from"].dtype == "datetime64[ns]"
    assert inc["occurred_to"].dtype == "datetime64[ns]"
    assert per["answered_at"].dtype == "datetime64[ns]"
    assert per["hour"].dtype == "Int64"
    assert ven["hours_known"].dtype == bool
    for frame, column in (
        (inc, "incident_id"),
        (inc, "category"),
        (per, "group"),
        (ven, "opening_hours"),
    ):
        assert pd.api.types.is_string_dtype(frame[column])


def test_zero_counts_and_bad_counts() -> None:
    empty = generate_city(1, incidents=0, app_reports=0, perceptions=0, venues=0)
    for table in ("incidents", "perceptions", "venues"):
        check_contract(getattr(empty, table), table)
    with pytest.raises(ValueError, match="incidents"):
        generate_city(1, incidents=-1)


def test_ids_are_synthetic_and_unique(city: SampleCity) -> None:
    ids = city.incidents["incident_id"]
    assert ids.is_unique
    assert ids.str.fullmatch(r"(inc|app)-\d{6}").all()
    prefix = city.incidents["source"].map({"police": "inc", "app": "app"})
    assert (ids.str[:3] == prefix).all()
    assert city.perceptions["response_id"].str.fullmatch(r"resp-\d{6}").all()
    assert city.venues["venue_id"].str.fullmatch(r"node/\d{7}").all()
    few = generate_city(1, incidents=12, app_reports=0, perceptions=0, venues=0)
    assert few.incidents["incident_id"].iloc[-1] == "inc-000012"


def test_points_lie_in_the_bbox(city: SampleCity) -> None:
    min_lon, min_lat, max_lon, max_lat = BBOX
    for frame in (city.incidents, city.perceptions, city.venues):
        assert frame["lat"].between(min_lat, max_lat).all()
        assert frame["lon"].between(min_lon, max_lon).all()


def test_metadata_labels_the_data_synthetic(city: SampleCity) -> None:
    meta = city.metadata
    assert meta["synthetic"] is True and meta["notice"] == NOTICE
    assert meta["seed"] == DEFAULT_SEED and meta["generator_version"] == GENERATOR_VERSION
    assert meta["timezone"] == "Europe/Paris" and meta["city"] == "Sampleville"
    min_lon, min_lat, max_lon, max_lat = meta["bbox"]
    lat, lon = meta["centre"]
    assert min_lat < lat < max_lat and min_lon < lon < max_lon
    assert 7.5 < (max_lon - min_lon) * 111.32 * np.cos(np.radians(lat)) < 8.5
    assert {d["name"] for d in meta["districts"]} == {d.name for d in DISTRICTS}
    assert {d["kind"] for d in meta["districts"]} >= {
        "nightlife",
        "station",
        "park",
        "business",
        "residential",
    }
    json.dumps(meta)


# --- geometry ----------------------------------------------------------------------------------


def test_local_metres_round_trip_and_lat_lon_order() -> None:
    lat, lon = to_latlon(np.array([1000.0]), np.array([-500.0]))
    assert lat[0] < 45.75 < 45.75 + 0.01 and lon[0] > 4.85  # east is +lon, south is -lat
    x, y = to_xy(lat, lon)
    assert np.allclose([x[0], y[0]], [1000.0, -500.0])
    for d in DISTRICTS:
        assert d.contains([d.centre[0]], [d.centre[1]])[0], d.name
    with pytest.raises(KeyError, match="known"):
        district("Atlantis")


def test_sample_rows_picks_from_each_rows_profile() -> None:
    weights = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0], [1.0, 0.0, 0.0]])
    rows = np.array([0, 1, 2, 1, 0, 2])
    picks = sample_rows(np.random.default_rng(0), weights, rows)
    assert picks.tolist() == [1, 2, 0, 2, 1, 0]


# --- time quirks -------------------------------------------------------------------------------


def test_time_precision_quirks(city: SampleCity) -> None:
    inc = city.incidents
    police = inc[inc["source"] == "police"]
    share = police["time_precision"].value_counts(normalize=True)
    assert 0.02 < share["day"] < 0.04 and 0.005 < share["unknown"] < 0.015
    day = police[police["time_precision"] == "day"]["occurred_from"]
    assert (day == day.dt.normalize()).all()
    unknown = inc[inc["time_precision"] == "unknown"]
    assert unknown["occurred_from"].isna().all() and unknown["occurred_to"].isna().all()
    spans = inc[inc["occurred_to"].notna()]
    assert set(spans["source"]) == {"police", "app"}
    assert (spans["time_precision"] == "hour").all()
    hours = (spans["occurred_to"] - spans["occurred_from"]) / pd.Timedelta(hours=1)
    assert hours.between(1, 5).all() and set(np.round(hours).astype(int)) >= {1, 2, 3, 4}
    assert (inc[inc["time_precision"] == "minute"]["occurred_to"].isna()).all()
    assert set(inc["time_precision"]) <= {"minute", "hour", "day", "unknown"}


def test_times_lie_in_2025_and_never_in_the_dst_gap(city: SampleCity) -> None:
    start = city.incidents["occurred_from"].dropna()
    assert start.min() >= pd.Timestamp("2025-01-01") and start.max() < pd.Timestamp("2026-01-01")
    answered = city.perceptions["answered_at"]
    assert answered.notna().all() and (answered.dt.year == 2025).all()
    for column in (city.incidents["occurred_from"], city.incidents["occurred_to"], answered):
        gap = (column >= "2025-03-30 02:00") & (column < "2025-03-30 03:00")
        assert not gap.any()


def test_raw_labels_map_to_one_category(city: SampleCity) -> None:
    inc = city.incidents
    assert inc.groupby("category_raw")["category"].nunique().max() == 1
    labels, mapping = raw_labels()
    assert set(inc["category_raw"]) <= set(labels)
    assert {"Vol simple", "Cambriolage", "Harcèlement de rue", "Stupéfiants"} <= set(labels)
    assert tuple(s.name for s in SPECS) == CATEGORIES
    assert (inc["category"] == inc["category_raw"].map(mapping)).all()


# --- rhythms -----------------------------------------------------------------------------------


def test_weekend_nights_around_bars_bring_violence_and_disorder(hourly: pd.DataFrame) -> None:
    window = ((hourly["hour"] >= 23) | (hourly["hour"] < 3)).to_numpy()
    near = _near(hourly, "nightlife")
    weekend = hourly["night_dow"].isin([4, 5]).to_numpy()  # Friday and Saturday nights
    vd = hourly["category"].isin(["violence", "disorder"]).to_numpy()
    per_weekend_night = (vd & near & window & weekend).sum() / 104
    per_weekday_night = (vd & near & window & ~weekend).sum() / 261
    assert per_weekend_night > 3 * per_weekday_night
    assert vd[near & window & weekend].mean() > vd[near & window & ~weekend].mean() + 0.05


def test_burglary_by_day_theft_in_the_evening_drugs_late(hourly: pd.DataFrame) -> None:
    hours = hourly.groupby("category")["hour"]
    burglary = hourly[hourly["category"] == "burglary"]["hour"]
    assert burglary.between(8, 17).mean() > 0.6
    assert 17 <= hours.get_group("theft").value_counts().idxmax() <= 21
    drugs = hours.get_group("drugs")
    assert ((drugs >= 22) | (drugs < 4)).mean() > 0.4


def test_app_reports_lean_to_night_and_to_harassment(hourly: pd.DataFrame) -> None:
    night = (hourly["hour"] >= 22) | (hourly["hour"] < 6)
    by_source = night.groupby(hourly["source"]).mean()
    assert by_source["app"] > by_source["police"] + 0.1
    app = hourly[hourly["source"] == "app"]["category"].value_counts(normalize=True)
    assert app.index[0] == "harassment"
    assert "burglary" not in app.index


def test_special_nights_stand_out(hourly: pd.DataFrame) -> None:
    nightlife = hourly[_near(hourly, "nightlife")]
    night_date = (nightlife["occurred_from"] - pd.Timedelta(hours=6)).dt.normalize()
    per_night = night_date.value_counts()
    saturdays = per_night[per_night.index.day_of_week == 5]
    assert per_night[pd.Timestamp("2025-06-21")] > 1.5 * saturdays.median()


# --- agreement and divergence ------------------------------------------------------------------


def test_dark_park_feels_unsafe_with_few_records(city: SampleCity) -> None:
    inc, per = city.incidents, city.perceptions
    park = district("Parc du Belvédère")
    night = (per["daypart"] == "night").to_numpy()
    in_park = park.contains(per["lat"], per["lon"])
    assert _weighted(per, in_park & night) > _weighted(per, np.ones(len(per), bool)) + 0.25
    park_rate = park.contains(inc["lat"], inc["lon"]).sum() / park.area_km2
    assert park_rate < 0.5 * len(inc) / CITY_KM2


def test_station_high_on_both_residential_low_on_both(city: SampleCity) -> None:
    inc, per = city.incidents, city.perceptions
    city_rate, city_feel = len(inc) / CITY_KM2, _weighted(per, np.ones(len(per), bool))
    station = district("Gare Centrale")
    assert station.contains(inc["lat"], inc["lon"]).sum() / station.area_km2 > 5 * city_rate
    assert _weighted(per, station.contains(per["lat"], per["lon"])) > city_feel + 0.1
    for d in DISTRICTS:
        if d.kind == "residential":
            assert d.contains(inc["lat"], inc["lon"]).sum() / d.area_km2 < city_rate, d.name
            assert _weighted(per, d.contains(per["lat"], per["lon"])) < city_feel - 0.1, d.name


def test_bar_street_splits_young_men_and_women(city: SampleCity) -> None:
    inc, per = city.incidents, city.perceptions
    street = district("Rue des Lanternes")
    assert (
        street.contains(inc["lat"], inc["lon"]).sum() / street.area_km2 > 10 * len(inc) / CITY_KM2
    )
    here = street.contains(per["lat"], per["lon"]) & (per["daypart"] == "night").to_numpy()
    women = per["group"].str.startswith("women").fillna(False).to_numpy()
    young_men = per["group"].isin(["men 18-29", "men 30-44"]).to_numpy()
    assert _weighted(per, here & women) > _weighted(per, here & young_men) + 0.25


# --- perceptions -------------------------------------------------------------------------------


def test_perception_values(city: SampleCity) -> None:
    per = city.perceptions
    assert set(np.round(per["insecurity"] * 3, 9)) == {0.0, 1.0, 2.0, 3.0}
    assert per["weight"].between(0.4, 2.5).all() and per["weight"].nunique() > 100
    assert 0.4 < per["hour"].notna().mean() < 0.6
    assert set(per["group"].dropna()) == set(GROUPS) and per["group"].isna().any()
    assert set(per["daypart"]) <= set(DAYPARTS)
    survey = per[per["hour"].isna()]
    assert survey["daypart"].value_counts().idxmax() == "night"
    pins = per[per["hour"].notna()]
    assert (pins["hour"] == pins["answered_at"].dt.hour).all()
    night_pin = (pins["hour"] >= 22) | (pins["hour"] < 6)
    assert (pins["daypart"][night_pin] == "night").all()


# --- venues ------------------------------------------------------------------------------------


def test_opening_hours_variety(city: SampleCity) -> None:
    ven = city.venues
    hours = ven["opening_hours"]
    assert ven["hours_known"].equals(hours_parse(hours))
    assert hours.str.contains("+", regex=False).any()
    assert (hours == "24/7").sum() >= 2
    assert hours.str.contains("PH off", regex=False).any()
    assert hours.str.contains("Apr-Sep", regex=False).any()
    spans = hours.dropna().str.findall(r"(\d\d):\d\d-(\d\d):\d\d").explode().dropna()
    assert any(int(b) < int(a) for a, b in spans)  # closes after midnight
    missing = hours.isna()
    assert 0.06 < missing.mean() < 0.10 and not ven["hours_known"][missing].any()
    messy = hours.notna() & ~ven["hours_known"]
    assert 0.02 < messy.mean() < 0.05
    assert not any(opening_hours.validate(s) for s in MESSY)


def test_venues_cluster_in_nightlife_districts(city: SampleCity) -> None:
    ven = city.venues
    assert set(ven["kind"]) == {"bar", "pub", "nightclub", "biergarten", "fast_food"}
    assert _near(ven, "nightlife").mean() > 0.5
    docks = district("Quai des Docks").contains(ven["lat"], ven["lon"])
    assert (ven["kind"][docks] == "nightclub").mean() > (ven["kind"] == "nightclub").mean()


def test_venues_geojson_mirrors_an_osm_export(city: SampleCity, tmp_path: Path) -> None:
    paths = write_city(generate_city(5, **SMALL), tmp_path)
    data = json.loads(paths["venues"].read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and data["copyright"] == NOTICE
    gj = venues_geojson(city.venues)
    first = city.venues.iloc[0]
    feature = gj["features"][0]
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [first["lon"], first["lat"]],
    }  # lon, lat
    assert feature["properties"]["@id"] == first["venue_id"] == feature["id"]
    for f, (_, row) in zip(gj["features"], city.venues.iterrows(), strict=True):
        props = f["properties"]
        assert props["amenity"] == row["kind"]
        assert ("opening_hours" in props) == (not pd.isna(row["opening_hours"]))


# --- writing and ensure_sample -----------------------------------------------------------------


def test_csv_round_trips_canonical_columns(tmp_path: Path) -> None:
    small = generate_city(5, **SMALL)
    paths = write_city(small, tmp_path)
    text = paths["incidents"].read_text(encoding="utf-8")
    assert text.startswith("incident_id,occurred_from,") and not text.startswith("\ufeff")
    assert re.search(r",2025-\d\d-\d\dT\d\d:\d\d:00,", text)
    back = pd.read_csv(paths["incidents"], parse_dates=["occurred_from", "occurred_to"])
    assert len(back) == len(small.incidents)
    for column in ("occurred_from", "occurred_to"):
        assert back[column].astype("datetime64[ns]").equals(small.incidents[column])
    meta = json.loads(paths["metadata"].read_text(encoding="utf-8"))
    assert meta["files"] == {
        "incidents": "incidents.csv",
        "perceptions": "perceptions.csv",
        "venues": "venues.geojson",
    }
    with pytest.raises(ValueError, match="fmt"):
        write_city(small, tmp_path, fmt="xlsx")  # type: ignore[arg-type]


def test_ensure_sample_generates_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def small_default(seed: int) -> SampleCity:
        calls.append(seed)
        return generate_city(seed, **SMALL)

    monkeypatch.setattr(sample_write, "generate_city", small_default)
    out = tmp_path / "sample"
    assert ensure_sample(out) == out and calls == [DEFAULT_SEED]
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert ensure_sample(out) == out and calls == [DEFAULT_SEED]  # present: not regenerated
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamps

    meta_path = out / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "generator_version": "0.0.1"}), encoding="utf-8")
    ensure_sample(out)
    assert len(calls) == 2
    (out / "perceptions.csv").unlink()
    ensure_sample(out)
    assert len(calls) == 3 and (out / "perceptions.csv").is_file()


@pytest.mark.parametrize("table", ["incidents", "perceptions"])
def test_written_csv_validates_back_to_the_same_table(tmp_path: Path, table: str) -> None:
    small = generate_city(5, **SMALL)
    path = write_city(small, tmp_path)[table]
    raw = pd.read_csv(path)
    clean, report = VALIDATORS[table](raw, ReportBuilder(str(path), "csv", table, len(raw)))
    assert report.ok and not report.repaired
    pd.testing.assert_frame_equal(clean, getattr(small, table))
