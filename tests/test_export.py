"""Public exports: every format reads back, says what it shows, and leaks nothing it must not."""

from __future__ import annotations

import datetime as dt
import doctest
import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import geo
import geo.export
from geo.export import (
    CAVEAT,
    FIGURE_LAYERS,
    METADATA_KEY,
    NO_SUPPRESSION,
    PUBLIC_COLUMNS,
    TABLE_FORMATS,
    caption,
    export_figure,
    export_table,
    metadata_path,
    public_columns,
    public_table,
)
from geo.index import cells_to_str
from geo.metrics import Atlas, Query, QueryResult
from geo.sample import generate_city
from geo.timewin import HourWindow

CREATED = "2025-06-01T12:00:00+00:00"
LABEL = "Sampleville"
FORBIDDEN = {"lat", "lon", "n", "sw", "sw2", "swx", "swx2", "perceived_sw", "perceived_neff",
             "incident_id", "response_id", "venue_id", "geometry_point"}
RAW_ID = re.compile(r"\b(?:inc|resp)-\d+\b|node/\d+")
"""How the generator spells incident, response and venue ids: none may reach an export."""


@pytest.fixture(scope="module")
def city():
    return generate_city(seed=1, incidents=4000, app_reports=800, perceptions=800, venues=60)


@pytest.fixture(scope="module")
def atlas(city) -> Atlas:
    return Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata)


@pytest.fixture(scope="module")
def night(atlas: Atlas) -> QueryResult:
    return atlas.query(Query(resolution=9, hours=HourWindow(22, 4), k=5))


@pytest.fixture(scope="module")
def empty(city) -> QueryResult:
    # Without answers or venues a cell only shows for its incidents: a source nobody
    # reports leaves no cell at all.
    result = Atlas(city.incidents, metadata=city.metadata).query(Query(sources="nobody"))
    assert len(result.table) == 0
    return result


def test_doctests() -> None:
    assert doctest.testmod(geo.export).failed == 0


def _read_back(path: Path, fmt: str) -> tuple[pd.DataFrame, dict]:
    """The exported cells and metadata, read with ordinary tools (not with geo.export)."""
    if fmt == "csv":
        return (pd.read_csv(path, dtype={"cell": str}),
                json.loads(metadata_path(path).read_text(encoding="utf-8")))
    if fmt == "json":
        doc = json.loads(path.read_text(encoding="utf-8"))
        return pd.DataFrame.from_records(doc["cells"]), doc["metadata"]
    if fmt == "geojson":
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
        return gpd.read_file(path), meta
    meta = json.loads(pq.read_schema(path).metadata[METADATA_KEY.encode()])
    return gpd.read_parquet(path), meta


@pytest.mark.parametrize("fmt", TABLE_FORMATS)
def test_every_format_round_trips_cells_and_counts(night, tmp_path: Path, fmt: str) -> None:
    path = export_table(night, tmp_path / f"cells.{fmt}", fmt, data_label=LABEL, created=CREATED)
    cells, meta = _read_back(path, fmt)
    expected = cells_to_str(night.table["cell"].to_numpy(dtype=np.uint64)).tolist()
    assert cells["cell"].tolist() == expected
    got = pd.to_numeric(cells["incidents"], errors="coerce").to_numpy(dtype=float)
    want = night.table["incidents"].round(2).to_numpy(dtype=float)
    np.testing.assert_array_equal(got, want)  # NaN (hidden) where hidden, equal elsewhere
    assert meta["k"] == 5 and meta["protected"] is True
    assert meta["synthetic"] is True
    assert meta["query"] == night.query.describe()
    assert meta["params"] == night.query.to_params()
    assert meta["caveat"] == CAVEAT
    assert meta["version"] == geo.__version__ and meta["created"] == CREATED
    assert meta["data"] == LABEL and "k = 5" in meta["caption"]
    # every format says the counts carry noise, and how much
    assert meta["noise"]["perturbed"] is True and meta["noise"]["bound"] == 2
    assert "±2" in meta["noise"]["notice"] and "±2" in meta["caption"]
    assert meta["summary"]["incidents_shown"] == pytest.approx(night.table["incidents"].sum())


@pytest.mark.parametrize("fmt", TABLE_FORMATS)
def test_no_export_carries_points_sums_or_raw_ids(night, tmp_path: Path, fmt: str) -> None:
    path = export_table(night, tmp_path / f"cells.{fmt}", fmt, data_label=LABEL, created=CREATED)
    cells, _ = _read_back(path, fmt)
    assert not FORBIDDEN & set(cells.columns)
    assert not [c for c in cells.columns if c.endswith("_id")]
    if fmt != "parquet":
        assert RAW_ID.search(path.read_text(encoding="utf-8")) is None


def test_geometries_are_the_cells_in_lng_lat_order(night, tmp_path: Path) -> None:
    path = export_table(night, tmp_path / "cells.geojson", "geojson", data_label=LABEL)
    doc = json.loads(path.read_text(encoding="utf-8"))
    feature = doc["features"][0]
    ring = feature["geometry"]["coordinates"][0]
    lat, lng = h3.cell_to_latlng(feature["properties"]["cell"])
    assert feature["geometry"]["type"] == "Polygon" and ring[0] == ring[-1]
    assert abs(np.mean([p[0] for p in ring[:-1]]) - lng) < 0.01  # x is the longitude (~4.8)
    assert abs(np.mean([p[1] for p in ring[:-1]]) - lat) < 0.01
    assert all(len(str(v).split(".")[-1]) <= 6 for p in ring for v in p)
    parquet = gpd.read_parquet(
        export_table(night, tmp_path / "cells.parquet", "parquet", data_label=LABEL))
    assert parquet.crs.to_epsg() == 4326
    assert set(parquet.geom_type) == {"Polygon"}


def test_public_columns_are_a_whitelist_in_order(night) -> None:
    table = public_table(night)
    columns = list(table.columns)
    assert columns == public_columns(night.table.columns)
    assert columns[:5] == ["cell", "resolution", "incidents", "incidents_police", "incidents_app"]
    core = [c for c in columns if c in PUBLIC_COLUMNS]
    assert core == list(PUBLIC_COLUMNS)
    assert set(columns) - set(PUBLIC_COLUMNS) == {
        "incidents_police", "incidents_app", *[c for c in columns if c.startswith("suppressed_")]
    }
    assert set(table["resolution"]) == {9}


@pytest.mark.parametrize("column", ["incidents", "incidents_police", "incidents_app"])
def test_no_exported_count_is_between_zero_and_k(night, column: str) -> None:
    counts = public_table(night)[column].to_numpy(dtype=float)
    assert not ((counts > 0) & (counts < night.k)).any()


def test_coarsened_views_keep_the_header_with_null_comparison(atlas: Atlas, tmp_path) -> None:
    result = atlas.query(Query(resolution=9, hours=HourWindow(22, 4), mode="coarsen"))
    table = public_table(result)
    assert {"gap", "bivariate_class", "perceived", "venues_open"} <= set(table.columns)
    assert table["gap"].isna().all() and table["bivariate_class"].isna().all()
    assert (table["resolution"] < 9).any()
    cells, meta = _read_back(
        export_table(result, tmp_path / "c.geojson", "geojson", data_label=LABEL), "geojson")
    assert len(cells) == len(table) and meta["mode"] == "coarsen"


def test_k_zero_is_labelled_internal_only(atlas: Atlas, tmp_path: Path) -> None:
    result = atlas.query(Query(resolution=9, k=0))
    _, meta = _read_back(export_table(result, tmp_path / "x.json", "json", data_label=LABEL),
                         "json")
    assert meta["k"] == 0 and meta["protected"] is False
    assert meta["privacy"] == NO_SUPPRESSION
    assert meta["noise"]["perturbed"] is False and "internal analysis only" in meta["caption"]


def test_exports_are_deterministic_with_a_fixed_date(night, tmp_path: Path) -> None:
    for fmt in TABLE_FORMATS:
        a = export_table(night, tmp_path / f"a.{fmt}", fmt, data_label=LABEL, created=CREATED)
        b = export_table(night, tmp_path / f"b.{fmt}", fmt, data_label=LABEL, created=CREATED)
        assert a.read_bytes() == b.read_bytes(), fmt


def test_caption_names_data_filters_k_and_synthetic(night, atlas: Atlas) -> None:
    text = caption(night, LABEL)
    assert LABEL in text and "22:00–04:00" in text and "k = 5" in text
    assert "synthetic" in text.lower()
    assert "synthétiques" in caption(night, LABEL, "fr").lower()
    assert "off" in caption(atlas.query(Query(k=0)), LABEL)
    assert "noise" in text and "±2" in text
    assert "bruit" in caption(night, LABEL, "fr") and "±2" in caption(night, LABEL, "fr")


def test_a_french_caption_names_the_filters_in_french(atlas: Atlas) -> None:
    result = atlas.query(Query(resolution=9, hours=HourWindow(22, 4), weekdays={4, 5},
                               date_from=dt.date(2025, 3, 1), k=5))
    english, french = caption(result, LABEL), caption(result, LABEL, "fr")
    assert "hours 22:00–04:00" in english and "nights fri,sat" in english
    assert "heures 22:00–04:00" in french and "ven., sam." in french
    assert "2025-03-01 – dernière nuit" in french
    assert not {"hours", "nights", "last night"} & set(french.replace(";", " ").split())


def test_empty_result_exports_an_empty_table(empty, tmp_path: Path) -> None:
    for fmt in TABLE_FORMATS:
        cells, meta = _read_back(
            export_table(empty, tmp_path / f"e.{fmt}", fmt, data_label=LABEL), fmt)
        assert len(cells) == 0 and meta["k"] == 5


SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF"}


@pytest.mark.parametrize("fmt", ["png", "pdf"])
@pytest.mark.parametrize("which", ["night", "empty"])
def test_figures_are_written(request, tmp_path: Path, fmt: str, which: str) -> None:
    result = request.getfixturevalue(which)
    path = export_figure(result, tmp_path / f"map.{fmt}", fmt, data_label=LABEL)
    data = path.read_bytes()
    assert data.startswith(SIGNATURES[fmt]) and len(data) > 5_000


@pytest.mark.parametrize("layer", list(FIGURE_LAYERS))
def test_every_layer_draws(night, tmp_path: Path, layer: str) -> None:
    path = export_figure(night, tmp_path / "map.png", "png", layer=layer, data_label=LABEL)
    assert path.read_bytes().startswith(SIGNATURES["png"])


def test_french_figure_localises_numbers_and_labels(night, tmp_path: Path) -> None:
    path = export_figure(night, tmp_path / "carte.pdf", "pdf", layer="perceived_eb",
                         data_label=LABEL, lang="fr")
    assert path.read_bytes().startswith(SIGNATURES["pdf"])


def test_figures_are_deterministic(night, tmp_path: Path) -> None:
    for fmt in ("png", "pdf"):
        a = export_figure(night, tmp_path / f"a.{fmt}", fmt, data_label=LABEL, layer="gap")
        b = export_figure(night, tmp_path / f"b.{fmt}", fmt, data_label=LABEL, layer="gap")
        assert a.read_bytes() == b.read_bytes(), fmt


def test_unknown_format_or_layer_is_refused(night, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        export_table(night, tmp_path / "x.xlsx", "xlsx", data_label=LABEL)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="layer"):
        export_figure(night, tmp_path / "x.png", "png", layer="venues", data_label=LABEL)


def test_export_imports_no_widgets_and_leaves_no_pyplot_figure(tmp_path: Path) -> None:
    # mapclassify itself imports pyplot, so its presence proves nothing; what matters is that
    # export_figure draws on its own Figure and leaves pyplot's global list of figures empty.
    code = f"""
import sys
import pandas as pd
from geo.export import export_figure, export_table
from geo.metrics import Atlas, Query
rows = pd.DataFrame({{
    "incident_id": ["a", "b"], "occurred_from": pd.to_datetime(["2025-03-08 01:00"] * 2),
    "occurred_to": pd.to_datetime([None, None]), "time_precision": "minute",
    "lat": 45.75, "lon": 4.85, "category": "theft", "category_raw": "x", "source": "police"}})
result = Atlas(rows).query(Query(k=0))
export_table(result, r"{tmp_path / 'a.geojson'}", "geojson", data_label="t")
export_figure(result, r"{tmp_path / 'a.png'}", "png", data_label="t")
bad = [m for m in ("ipywidgets", "ipyleaflet") if m in sys.modules]
pyplot = sys.modules.get("matplotlib.pyplot")
print(bad, pyplot.get_fignums() if pyplot else [])
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[] []"
