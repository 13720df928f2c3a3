"""``atlas query``: counts that match an independent count of a real export, protection, formats."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import h3
import pandas as pd
import pyarrow.parquet as pq
import pytest

from geo.cli import EXIT_OK, EXIT_UNUSABLE, K_ZERO_WARNING, PUBLIC_SALT_NOTE, main
from geo.export import METADATA_KEY, metadata_path
from geo.sample import generate_city, write_city

SF = "sf_incident_reports_sample.csv"
NIGHT_HOURS = {22, 23, 0, 1, 2, 3}
ALWAYS = ["cell", "incidents", "perceived", "perceived_n", "venues", "venues_open", "gap",
          "bivariate_class"]


def _query(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["query", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _sf_night_counts(path: Path, direct: bool = False) -> Counter:
    """Incidents per res-9 cell in 22:00-04:00, counted without geo.io.

    The export has one row per incident code plus supplements: an incident is its initial
    report (not IS/VS) with the lowest Row ID, else its lowest-Row-ID supplement; a row
    without coordinates takes those of the incident's next row in that order that has them.

    The cell is the res-9 *parent of the point's res-10 cell* (DESIGN §4: points are indexed
    once, at the finest resolution, and rolled up). H3 children do not tile their parent
    exactly, so near an edge that parent differs from the res-9 cell of the point itself
    (``direct=True``): 1 of this slice's night incidents lies in such a sliver.
    """
    by_incident: dict[str, list[dict]] = defaultdict(list)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            by_incident[row["Incident ID"].strip()].append(row)
    counts: Counter = Counter()
    for rows in by_incident.values():
        ordered = sorted(rows, key=lambda r: (r["Report Type Code"].strip().upper() in
                                              {"IS", "VS"}, int(r["Row ID"])))
        placed = [r for r in ordered if r["Latitude"].strip() and r["Longitude"].strip()]
        if not placed:
            continue
        when = datetime.strptime(ordered[0]["Incident Datetime"], "%Y/%m/%d %I:%M:%S %p")
        if when.hour in NIGHT_HOURS:
            lat, lon = float(placed[0]["Latitude"]), float(placed[0]["Longitude"])
            cell = h3.latlng_to_cell(lat, lon, 9 if direct else 10)
            counts[cell if direct else h3.cell_to_parent(cell, 9)] += 1
    return counts


@pytest.mark.formats
def test_night_counts_match_an_independent_count(formats_dir: Path, capsys) -> None:
    path = formats_dir / SF
    code, out, err = _query(capsys, "--incidents", str(path), "--hours", "22-4", "--k", "0",
                            "--res", "9", "--timezone", "America/Los_Angeles")
    assert code == EXIT_OK
    table = pd.read_csv(io.StringIO(out), dtype={"cell": str})
    got = {c: n for c, n in zip(table["cell"], table["incidents"], strict=True) if n > 0}
    expected = _sf_night_counts(path)
    assert expected and got == dict(expected)
    direct = _sf_night_counts(path, direct=True)
    assert sum(direct.values()) == sum(got.values())  # same incidents, only sliver cells move
    assert sum((Counter(got) - direct).values()) <= 1
    assert "rows in 150, kept 105, merged 44, dropped 1 (missing_coordinates 1)" in err


@pytest.mark.formats
def test_k_5_publishes_no_small_count(formats_dir: Path, capsys) -> None:
    code, out, err = _query(capsys, "--incidents", str(formats_dir / SF), "--k", "5",
                            "--res", "10")
    assert code == EXIT_OK and K_ZERO_WARNING not in err
    assert PUBLIC_SALT_NOTE in err  # real data without the project's salt: said, once
    table = pd.read_csv(io.StringIO(out))
    for column in [c for c in table.columns if c.startswith("incidents")]:
        assert not table[column].between(0, 5, inclusive="neither").any(), column
    assert table["suppressed_incidents"].any()  # the slice is sparse: some cells were hidden
    assert "k = 5" in err  # the caption goes beside a CSV on stdout


@pytest.mark.formats
def test_k_0_warns(formats_dir: Path, capsys) -> None:
    code, _, err = _query(capsys, "--incidents", str(formats_dir / SF), "--k", "0")
    assert code == EXIT_OK
    assert K_ZERO_WARNING in err and "k = 0: no suppression — internal analysis only" in err


@pytest.mark.formats
@pytest.mark.parametrize("fmt", ["csv", "json", "geojson", "parquet"])
def test_each_format_writes_a_readable_file(formats_dir: Path, tmp_path: Path, capsys,
                                            fmt: str) -> None:
    out = tmp_path / f"cells.{fmt}"
    code, stdout, err = _query(capsys, "--incidents", str(formats_dir / SF), "--k", "0",
                               "--format", fmt, "--out", str(out))
    assert code == EXIT_OK and stdout == "" and str(out) in err
    if fmt == "csv":
        cells = pd.read_csv(out)
        meta = json.loads(metadata_path(out).read_text(encoding="utf-8"))
    elif fmt == "json":
        doc = json.loads(out.read_text(encoding="utf-8"))
        cells, meta = pd.DataFrame(doc["cells"]), doc["metadata"]
    else:
        cells = gpd.read_parquet(out) if fmt == "parquet" else gpd.read_file(out)
        meta = (json.loads(pq.read_schema(out).metadata[METADATA_KEY.encode()])
                if fmt == "parquet" else json.loads(out.read_text(encoding="utf-8"))["metadata"])
        assert set(cells.geom_type) == {"Polygon"}
        lng, lat = cells.geometry.iloc[0].exterior.coords[0]
        assert -123 < lng < -122 and 37 < lat < 38  # [lng, lat], not h3's (lat, lng)
    assert set(ALWAYS) <= set(cells.columns) and len(cells) > 0
    assert meta["k"] == 0 and meta["privacy"] == "no suppression: internal analysis only"


@pytest.mark.formats
def test_format_follows_the_out_suffix(formats_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "cells.geojson"
    assert _query(capsys, "--incidents", str(formats_dir / SF), "--out", str(out))[0] == EXIT_OK
    assert json.loads(out.read_text(encoding="utf-8"))["type"] == "FeatureCollection"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--hours", "25-4"], ["--hours", "25-4"]),
        (["--hours", "night"], ["--hours", "not an hour window"]),
        (["--weekdays", "fryday"], ["--weekdays", "fryday"]),
        (["--categories", "murder"], ["--categories", "murder"]),
        (["--res", "6"], ["--res", "7"]),
        (["--format", "parquet"], ["--out"]),
        (["--from", "2025-13-01"], ["--from", "2025-13-01"]),
        (["--from", "2025-04-01", "--to", "2025-03-01"], ["--from/--to", "after"]),
        (["--hours", "dusk+30"], ["--hours"]),
    ],
)
def test_bad_options_give_one_message_and_exit_2(tmp_path: Path, capsys, args, words) -> None:
    # The file does not exist: options are checked before any file is read.
    code, out, err = _query(capsys, "--incidents", str(tmp_path / "never-read.csv"), *args)
    assert code == EXIT_UNUSABLE and out == ""
    assert err.startswith("atlas query: ") and "Traceback" not in err
    assert "never-read" not in err
    for word in words:
        assert word in err


def test_bad_file_is_one_clear_error(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("just some words\n")
    code, _, err = _query(capsys, "--incidents", str(path))
    assert code == EXIT_UNUSABLE and str(path) in err and "Traceback" not in err


@pytest.fixture(scope="module")
def city_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("city")
    city = generate_city(seed=2, incidents=2000, app_reports=400, perceptions=600, venues=40)
    write_city(city, folder)
    return folder


def test_three_files_give_every_column_and_the_synthetic_label(city_dir: Path, capsys) -> None:
    code, out, err = _query(
        capsys, "--incidents", str(city_dir / "incidents.csv"),
        "--perceptions", str(city_dir / "perceptions.csv"),
        "--venues", str(city_dir / "venues.geojson"),
        "--hours", "22-4", "--weekdays", "fri,sat", "--format", "json",
    )
    assert code == EXIT_OK
    doc = json.loads(out)
    cells = pd.DataFrame(doc["cells"])
    assert set(ALWAYS) <= set(cells.columns)
    assert cells["perceived_n"].fillna(0).sum() > 0 and cells["venues"].sum() == 40
    assert doc["metadata"]["synthetic"] is True
    assert doc["metadata"]["params"] == {"res": "9", "hours": "22-4", "weekdays": "fri,sat"}
    assert "synthetic" in doc["metadata"]["caption"].lower()
    for table in ("incidents", "perceptions", "venues"):
        assert f"{table}: " in err


def test_from_and_to_take_the_nights_of_a_range(city_dir: Path, capsys) -> None:
    base = ["--incidents", str(city_dir / "incidents.csv"), "--format", "json", "--k", "0"]
    code, out, _ = _query(capsys, *base, "--from", "2025-03-01", "--to", "2025-03-31",
                          "--hours", "dark")
    assert code == EXIT_OK
    doc = json.loads(out)
    assert doc["metadata"]["params"]["from"] == "2025-03-01"
    assert doc["metadata"]["params"]["hours"] == "dark"
    march = pd.DataFrame(doc["cells"])["incidents"].sum()
    _, whole, _ = _query(capsys, *base)
    year = pd.DataFrame(json.loads(whole)["cells"])["incidents"].sum()
    assert 0 < march < year / 6


def test_coarsen_still_lists_the_comparison_columns(city_dir: Path, capsys) -> None:
    code, out, _ = _query(capsys, "--incidents", str(city_dir / "incidents.csv"),
                          "--perceptions", str(city_dir / "perceptions.csv"),
                          "--mode", "coarsen", "--hours", "2-3")
    table = pd.read_csv(io.StringIO(out))
    assert code == EXIT_OK and set(ALWAYS) <= set(table.columns)
    assert table["gap"].isna().all()


def test_a_mapping_per_file(tmp_path: Path, capsys) -> None:
    incidents = tmp_path / "reports.csv"
    incidents.write_text(
        "id;when;y;x;what\n"
        + "".join(f"r{i};2025-03-07 23:{i:02d}:00;45.75;4.85;Vol\n" for i in range(6))
    )
    mapping = tmp_path / "reports.json"
    mapping.write_text(json.dumps({
        "table": "incidents", "delimiter": ";", "source": "app",
        "columns": {"incident_id": "id", "occurred_from": "when", "lat": "y", "lon": "x",
                    "category": "what"},
        "categories": {"Vol": "theft"},
    }))
    code, out, err = _query(capsys, "--incidents", str(incidents),
                            "--incidents-mapping", str(mapping), "--res", "10", "--k", "0")
    table = pd.read_csv(io.StringIO(out))
    assert code == EXIT_OK, err
    assert table["incidents"].tolist() == [6.0] and table["incidents_app"].tolist() == [6.0]


def test_the_noise_is_stated_beside_the_table_and_public_sources_are_exact(
    city_dir: Path, capsys
) -> None:
    args = ("--incidents", str(city_dir / "incidents.csv"), "--res", "8")
    code, out, err = _query(capsys, *args)
    assert code == EXIT_OK and "at most ±2" in err and "comparing views" in err
    assert PUBLIC_SALT_NOTE not in err  # the sample city is synthetic: its public salt is fine
    noisy = pd.read_csv(io.StringIO(out), dtype={"cell": str}).set_index("cell")
    code, out, _ = _query(capsys, *args, "--k", "0")
    exact = pd.read_csv(io.StringIO(out), dtype={"cell": str}).set_index("cell")
    code, out, err = _query(capsys, *args, "--published-sources", "police", "--format", "json")
    doc = json.loads(out)
    assert code == EXIT_OK and doc["metadata"]["noise"]["exact_sources"] == ["police"]
    police = pd.DataFrame(doc["cells"]).set_index("cell")["incidents_police"].dropna()
    assert len(police) > 5 and (police == exact.loc[police.index, "incidents_police"]).all()
    shown = noisy["incidents"].dropna()
    assert (shown != exact.loc[shown.index, "incidents"]).any()


def test_a_cube_needs_the_salt_it_was_built_with(city_dir: Path, tmp_path: Path, capsys) -> None:
    salt = tmp_path / "key-salt"
    salt.write_text("a city's secret\n", encoding="utf-8")
    cube = tmp_path / "cube"
    assert main(["build-cube", str(city_dir / "incidents.csv"), "--out", str(cube),
                 "--engine", "pandas", "--key-salt-file", str(salt)]) == EXIT_OK
    capsys.readouterr()
    assert "secret" not in (cube / "build.json").read_text(encoding="utf-8")
    code, _, err = _query(capsys, "--cube", str(cube))
    assert code == EXIT_UNUSABLE and "salt" in err
    code, out, err = _query(capsys, "--cube", str(cube), "--key-salt-file", str(salt))
    assert code == EXIT_OK and len(pd.read_csv(io.StringIO(out))) > 0
    assert PUBLIC_SALT_NOTE not in err
    salt.write_text("  \n", encoding="utf-8")
    code, _, err = _query(capsys, "--cube", str(cube), "--key-salt-file", str(salt))
    assert code == EXIT_UNUSABLE and "empty" in err
