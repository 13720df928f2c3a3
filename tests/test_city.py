"""City projects: atlas.yaml validation, builds from real export slices, never touching the user's
files, atomic builds under kill -9, incremental rebuilds, init, and `atlas query --city`."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.city import (
    CURRENT,
    ProjectError,
    build_project,
    current_generation,
    finest_resolution,
    init_project,
    load_project,
    open_city,
)
from geo.cli import main as atlas
from geo.export import metadata_path
from geo.io import read_table
from geo.metrics import Query

pytestmark = pytest.mark.formats


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "atlas.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def _pins(folder: Path) -> tuple[Path, Path]:
    """Crowd "I feel unsafe / safe here" pins in two files, as such apps export them."""
    rng = np.random.default_rng(3)
    paths = []
    for name, n in (("unsafe", 30), ("safe", 20)):
        frame = pd.DataFrame({
            "pin": [f"{name}-{i}" for i in range(n)],
            "latitude": 41.88 + rng.normal(0, 0.003, n),
            "longitude": -87.63 + rng.normal(0, 0.003, n),
            "when": ["2024-02-10T23:15:00"] * n,
        })
        path = folder / f"pins_{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    for path, value in zip(paths, (1.0, 0.0), strict=True):
        (folder / f"{path.stem}.yaml").write_text(textwrap.dedent(f"""\
            table: perceptions
            columns: {{response_id: pin, lat: latitude, lon: longitude, answered_at: when}}
            insecurity: {{constant: {value}}}
            """))
    return paths[0], paths[1]


@pytest.fixture()
def exports(tmp_path: Path, formats_dir: Path) -> Path:
    """A folder of the team's exports: the real slices plus pin files (never to be written)."""
    data = tmp_path / "exports"
    data.mkdir()
    for name in ("chicago_crimes_sample.csv", "sf_incident_reports_sample.csv",
                 "nypd_complaints_sample.csv", "policeuk_street_sample.csv",
                 "osm_pubs_sample.geojson"):
        (data / name).write_bytes((formats_dir / name).read_bytes())
    _pins(data)
    return data


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                         p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


US_PROJECT = """\
    city: Three US exports
    timezone: America/Chicago
    privacy: {k: 5}
    default_view: {query: {res: 8}, layer: recorded, lang: fr}
    sources:
      incidents:
        - path: ../exports/chicago_crimes_sample.csv
          source: police
          published: true
          notes: {provider: City of Chicago, licence: terms of use, period: 2024}
        - path: ../exports/sf_incident_reports_sample.csv
        - path: ../exports/nypd_complaints_sample.csv
          format: nypd
      perceptions:
        - path: ../exports/pins_unsafe.csv
          mapping: ../exports/pins_unsafe.yaml
          source: app
        - path: ../exports/pins_safe.csv
          mapping: ../exports/pins_safe.yaml
    """


def test_a_project_of_three_police_exports_and_two_pin_files_builds(exports: Path) -> None:
    project = load_project(_write(exports.parent / "us", US_PROJECT))
    report = build_project(project)
    by_file = {Path(e["path"]).name: e for e in report.sources}
    # Counts per source are what `atlas validate` reports for the same file.
    for name, entry in by_file.items():
        mapping = exports / f"{Path(name).stem}.yaml" if name.startswith("pins") else None
        alone = read_table(exports / name, entry["table"], mapping=mapping).report
        assert (entry["rows_in"], entry["rows_out"], entry["rows_merged"], entry["dropped"]) == (
            alone.rows_in, alone.rows_out, alone.rows_merged, alone.dropped), name
    assert by_file["chicago_crimes_sample.csv"]["source"] == "police"
    assert by_file["sf_incident_reports_sample.csv"]["rows_merged"] > 0
    totals = report.totals
    assert totals["incidents"]["files"] == 3 and totals["perceptions"]["files"] == 2
    assert totals["perceptions"]["rows_out"] == 50
    city = open_city(project.folder)
    assert city.atlas.incident_cube.rows == totals["incidents"]["rows_out"]
    assert len(city.atlas.perceptions) == 50
    assert city.project.view.lang == "fr" and city.project.view.query.resolution == 8
    assert city.atlas.metadata["city"] == "Three US exports"
    assert not city.atlas.synthetic
    assert "chicago" in " ".join(city.atlas.reports)
    west, south, east, north = city.bbox
    assert west < -87 and east > -74  # Chicago to New York: the map fits all three


def test_building_serving_and_querying_never_touch_the_users_files(exports: Path) -> None:
    before = _snapshot(exports)
    project = load_project(_write(exports.parent / "us", US_PROJECT))
    build_project(project)
    city = open_city(project.folder)
    city.atlas.query(Query(resolution=9))
    build_project(project, force=True)
    assert _snapshot(exports) == before
    written = {p.relative_to(project.folder).parts[0] for p in project.folder.rglob("*")}
    assert written == {"atlas.yaml", "build"}


def test_police_uk_and_osm_month_only_data_has_no_per_night_rate(exports: Path) -> None:
    folder = _write(exports.parent / "london", """\
        city: City of London
        timezone: Europe/London
        sources:
          incidents: [../exports/policeuk_street_sample.csv]
          venues: [{path: ../exports/osm_pubs_sample.geojson, notes: {licence: ODbL}}]
        """)
    report = build_project(load_project(folder))
    assert report.totals["venues"]["rows_out"] == 120
    assert report.sources[0]["time_precision"] == {"month": report.sources[0]["rows_out"]}
    atlas = open_city(folder).atlas
    result = atlas.query(Query(resolution=8, k=0))
    assert result.summary["nights"] == 0
    assert result.table["incidents"].sum() == report.totals["incidents"]["rows_out"]
    assert result.table["incidents_per_night"].isna().all()  # no night known: empty, not a count
    assert atlas.query(Query(resolution=8, k=0)).table["venues"].sum() == 120


def test_study_area_polygon_reports_rows_outside(exports: Path) -> None:
    area = exports.parent / "area.geojson"
    # A box around the Loop only: Chicago rows elsewhere are outside the study area.
    ring = [[-87.66, 41.86], [-87.60, 41.86], [-87.60, 41.90], [-87.66, 41.90], [-87.66, 41.86]]
    area.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))
    folder = _write(exports.parent / "loop", """\
        city: Loop
        timezone: America/Chicago
        study_area: {polygon: ../area.geojson}
        sources: {incidents: [../exports/chicago_crimes_sample.csv]}
        """)
    entry = build_project(load_project(folder)).sources[0]
    outside = entry["dropped"]["outside_study_area"]
    assert 0 < outside < entry["rows_in"]
    assert entry["rows_in"] == entry["rows_out"] + entry["rows_merged"] + entry["rows_dropped"]


def test_a_coarse_location_source_is_left_out_of_finer_cells_and_counted(exports: Path) -> None:
    folder = _write(exports.parent / "grid", """\
        city: Chicago
        timezone: America/Chicago
        sources:
          incidents:
            - {path: ../exports/chicago_crimes_sample.csv, source: police,
               location_precision: 600}
        """)
    build_project(load_project(folder))
    atlas = open_city(folder).atlas
    # H3 mean edges: res 7 1.4 km, res 8 531 m, res 10 76 m.
    assert finest_resolution(600) == 7 and finest_resolution(500) == 8
    assert finest_resolution(60) == 10
    coarse = atlas.query(Query(resolution=7, k=0))
    fine = atlas.query(Query(resolution=9, k=0))
    assert coarse.table["incidents"].sum() > 0
    assert fine.table["incidents"].sum() == 0
    assert fine.summary["rows_left_out_location"] == pytest.approx(coarse.table["incidents"].sum())


def test_rebuild_reuses_unchanged_sources_and_rereads_a_changed_mapping(exports: Path) -> None:
    project = load_project(_write(exports.parent / "us", US_PROJECT))
    first = build_project(project)
    again = build_project(project)
    assert not again.rebuilt and again.generation == first.generation
    mapping = exports / "pins_safe.yaml"
    mapping.write_text(mapping.read_text().replace("constant: 0.0", "constant: 0.25"))
    third = build_project(load_project(project.folder))
    assert third.rebuilt and third.generation != first.generation
    cached = {Path(e["path"]).name: e["cached"] for e in third.sources}
    assert cached == {"chicago_crimes_sample.csv": True, "sf_incident_reports_sample.csv": True,
                      "nypd_complaints_sample.csv": True, "pins_unsafe.csv": True,
                      "pins_safe.csv": False}
    assert open_city(project.folder).atlas.perceptions["insecurity"].min() == 0.25


def test_an_up_to_date_build_reads_no_file_and_an_edit_is_still_seen(
        exports: Path, monkeypatch) -> None:
    """Unchanged files are known by identity (no re-hash, no cached table read); an edit that
    keeps the size and puts the old mtime back still changes the ctime and is re-read."""
    import geo.city._build as build
    import geo.city._digest as digest

    project = load_project(_write(exports.parent / "us", US_PROJECT))
    first = build_project(project)
    old = time.time() - 3600  # older than the racy margin: the memo may trust them
    for path in exports.iterdir():
        os.utime(path, (old, old))
    build_project(project)  # records the identities with their (now old) mtimes
    hashed: list[str] = []
    real_digest = digest.file_digest
    monkeypatch.setattr(digest, "file_digest", lambda p: hashed.append(p.name) or real_digest(p))
    monkeypatch.setattr(build, "read_source", lambda *a: pytest.fail("read a source"))
    again = build_project(load_project(project.folder))
    assert not again.rebuilt and again.generation == first.generation and hashed == []
    monkeypatch.undo()
    pins = exports / "pins_unsafe.csv"
    text = pins.read_text()
    pins.write_text(text.replace("2024-02-10T23:15", "2024-02-11T23:15"))  # same size
    os.utime(pins, (old, old))
    edited = build_project(load_project(project.folder))
    assert edited.rebuilt
    assert {Path(e["path"]).name for e in edited.sources if not e["cached"]} == {pins.name}


_KILLED_BUILD = """
import os, sys, time
import geo.city._build as build

import geo.cube as cube
original = cube.save_cube
def slow_save(c, path):
    original(c, path)
    open(sys.argv[2], "w").write("writing")
    time.sleep(120)
cube.save_cube = slow_save
from geo.city import build_project, load_project
build_project(load_project(sys.argv[1]), force=True)
"""


def test_kill_9_during_a_build_leaves_the_previous_build_readable(exports: Path,
                                                                  tmp_path: Path) -> None:
    project = load_project(_write(exports.parent / "us", US_PROJECT))
    build_project(project)
    before = (project.build_root / CURRENT).read_text()
    expected = open_city(project.folder).atlas.query(Query(resolution=8)).table
    flag = tmp_path / "writing"
    child = subprocess.Popen([sys.executable, "-c", _KILLED_BUILD, str(project.folder), str(flag)])
    try:
        deadline = time.monotonic() + 120
        while not flag.exists():
            assert child.poll() is None, "the build ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.1)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    assert (project.build_root / CURRENT).read_text() == before
    assert list(project.build_root.glob(".tmp-*")), "the killed build's staging folder is left"
    pd.testing.assert_frame_equal(
        open_city(project.folder).atlas.query(Query(resolution=8)).table, expected)
    build_project(project, force=True)  # the next build cleans up and succeeds
    assert not list(project.build_root.glob(".tmp-*"))
    assert current_generation(project.build_root) is not None


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("city: X\ntimezone: Europe/Paris\nsources:\n  incidents:\n    - path: a.csv\n"
         "      fromat: chicago\n", 6, "did you mean 'format'"),
        ("city: X\ntimezone: Europe/Pariss\nsources: {incidents: [a.csv]}\n", 2,
         "unknown time zone"),
        ("city: X\ntimezone: UTC\nprivacy:\n  k: 0\nsources: {incidents: [a.csv]}\n", 4,
         "k: must be a whole number >= 1"),
        ("city: X\ntimezone: UTC\ndefault_view:\n  layer: heat\nsources: {incidents: [a.csv]}\n",
         4, "'heat' is not one of"),
        ("city: X\ntimezone: UTC\nsoruces: {incidents: [a.csv]}\n", 3, "did you mean 'sources'"),
        ("city: X\ntimezone: UTC\nsources:\n  incidents:\n    - path: a.csv\n"
         "      format: chicago\n      mapping: {columns: {lat: y}}\n", 7,
         "a mapping applies to generic files"),
        ("city: X\ntimezone: UTC\nsources:\n  incidents: [a.csv]\n  venues:\n"
         "    - {path: v.geojson, published: true}\n", 6, "only incident sources"),
        ("city: [unclosed\n", 2, "not valid YAML"),
    ],
)
def test_project_errors_name_the_line_and_the_fix(tmp_path: Path, text: str, line: int,
                                                  words: str) -> None:
    (tmp_path / "atlas.yaml").write_text(text)
    with pytest.raises(ProjectError) as err:
        load_project(tmp_path)
    assert err.value.line == line
    assert words in str(err.value)
    assert f"atlas.yaml:{line}:" in str(err.value)


def test_a_source_matching_no_file_is_a_clear_error(tmp_path: Path) -> None:
    _write(tmp_path, "city: X\ntimezone: UTC\nsources: {incidents: [exports/*.csv]}\n")
    with pytest.raises(ProjectError, match=r"sources.incidents.0.path: no file matches"):
        build_project(load_project(tmp_path))


def test_an_unbuilt_or_missing_project_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="not a city project"):
        open_city(tmp_path)
    _write(tmp_path, "city: X\ntimezone: UTC\nsources: {incidents: [a.csv]}\n")
    with pytest.raises(ProjectError, match="atlas build"):
        open_city(tmp_path)


def test_init_writes_a_project_that_builds(exports: Path, capsys) -> None:
    before = _snapshot(exports)
    folder = exports.parent / "mine"
    files = [exports / n for n in ("chicago_crimes_sample.csv", "osm_pubs_sample.geojson",
                                   "pins_unsafe.csv")]
    assert atlas(["init", str(folder), *map(str, files)]) == 0
    out = capsys.readouterr().out
    assert "atlas build" in out and "TODO" in out
    found = {d.path.name: d for d in init_project(folder.parent / "again", files)}
    assert (found["chicago_crimes_sample.csv"].table, found["chicago_crimes_sample.csv"].format) \
        == ("incidents", "chicago")
    assert found["osm_pubs_sample.geojson"].table == "venues"
    pins = found["pins_unsafe.csv"]
    assert pins.table == "perceptions" and pins.mapping is not None and pins.todo >= 1
    mapping = pins.mapping.read_text()
    assert "latitude" in mapping and "TODO" in mapping
    with pytest.raises(ProjectError, match="TODO"):  # the pins mapping still has blanks
        load_project(folder)
    # Filled in, it builds.
    path = folder / "mappings" / "pins_unsafe.yaml"
    text = path.read_text()
    filled = text.replace("column: TODO   # TODO: the answer column", "column: when")
    filled = filled.split("\ninsecurity:")[0] + "\ninsecurity: {constant: 1.0}\n"
    path.write_text(filled)
    project = load_project(folder)
    assert project.timezone == "America/Chicago"
    assert {s.table for s in project.sources} == {"incidents", "venues", "perceptions"}
    assert build_project(project).totals["perceptions"]["rows_out"] == 30
    assert _snapshot(exports) == before
    assert atlas(["init", str(folder), str(files[0])]) == 2  # never overwrites a project


def test_atlas_build_json_and_query_city(exports: Path, tmp_path: Path, capsys) -> None:
    folder = _write(exports.parent / "us", US_PROJECT)
    code = atlas(["build", str(folder), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == (1 if any(s["rows_dropped"] for s in report["sources"]) else 0)
    assert {"path", "table", "format", "source", "rows_in", "rows_out", "rows_merged",
            "dropped", "repaired", "time_precision"} <= set(report["sources"][0])
    assert set(report["totals"]) == {"incidents", "perceptions"}
    out = tmp_path / "q.csv"
    assert atlas(["query", "--city", str(folder), "--res", "8", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    shown = table["incidents"].dropna()
    assert len(table) and ((shown == 0) | (shown >= 5)).all()  # the project's k = 5
    assert "k = 5" in metadata_path(out).read_text()


def test_a_date_time_split_file_and_a_grid_range_file_in_one_project(tmp_path: Path) -> None:
    """Two export shapes that once lost every row: date and time in two columns (times like
    ``2130`` and ``9:30 PM``), and coordinates published as 500 m grid ranges."""
    exports = tmp_path / "exports"
    exports.mkdir()
    pd.DataFrame({
        "id": [f"d{i}" for i in range(8)],
        "date": ["03/01/2024", "03/01/2024", "03/02/2024", "03/02/2024"] * 2,
        "time": ["2130", "9:30 PM", "23:05", "", "0115", "1:15 AM", "22:00", "7 PM"],
        "lat": [59.334 + i / 2000 for i in range(8)],
        "lon": [18.06 + i / 2000 for i in range(8)],
        "type": ["theft"] * 8,
    }).to_csv(exports / "split.csv", index=False)
    (exports / "split.yaml").write_text(textwrap.dedent("""\
        table: incidents
        columns: {incident_id: id, occurred_from: {date: date, time: time}, lat: lat, lon: lon,
                  category: type}
        date_format: "%m/%d/%Y"
        """))
    # SWEREF99 TM northing / easting ranges of a 500 m privacy grid around central Stockholm.
    north = [f"{6580000 + 500 * (i % 3)}-{6580499 + 500 * (i % 3)}" for i in range(12)]
    east = [f"{674000 + 500 * (i % 2)}-{674499 + 500 * (i % 2)}" for i in range(12)]
    pd.DataFrame({"nr": range(12), "nordlig": north, "ostlig": east,
                  "datum": ["2024-03-01T23:00"] * 12}).to_csv(exports / "grid.csv", index=False)
    (exports / "grid.yaml").write_text(textwrap.dedent("""\
        table: incidents
        columns: {incident_id: nr, occurred_from: datum}
        coordinates: {x: ostlig, y: nordlig, crs: "EPSG:3006"}
        source: police
        """))
    folder = _write(tmp_path / "stockholm", """\
        city: Stockholm
        timezone: Europe/Stockholm
        sources:
          incidents:
            - {path: ../exports/split.csv, mapping: ../exports/split.yaml, source: app}
            - {path: ../exports/grid.csv, mapping: ../exports/grid.yaml}
        """)
    report = build_project(load_project(folder))
    split, grid = report.sources
    assert split["rows_out"] == 8 and grid["rows_out"] == 12  # nothing lost
    assert split["time_precision"].get("day") == 1  # the blank time: day, not midnight
    assert grid["location_precision"] == {"500 m": 12}
    atlas = open_city(folder).atlas
    assert atlas.location_limits == {"police": finest_resolution(500)} == {"police": 8}
    at8 = atlas.query(Query(resolution=8, k=0))
    at9 = atlas.query(Query(resolution=9, k=0))
    assert at8.table["incidents_police"].sum() == 12
    assert at9.table["incidents_police"].sum() == 0
    assert at9.summary["rows_left_out_location"] == 12
    assert at9.table["incidents_app"].sum() == 8


def test_a_month_only_city_opens_on_all_times_with_the_hour_controls_off(exports: Path) -> None:
    from geo.app import AtlasApp

    folder = _write(exports.parent / "london", """\
        city: City of London
        timezone: Europe/London
        default_view: {query: {res: 8, hours: "22-4", weekdays: "fri,sat"}}
        sources:
          incidents: [../exports/policeuk_street_sample.csv]
        """)
    build_project(load_project(folder))
    before = _snapshot(folder.parent / "exports")
    app = AtlasApp().load_city(folder)
    c = app.controls
    assert c.all_times.value and c.all_times.disabled and c.hours.disabled
    assert c.weekdays.disabled and c.weekdays.value == tuple(range(7))
    assert "month" in c.time_note.value
    assert c.dates.night_kind.disabled and c.dates.sun() is None  # no sun window either
    assert app.result.query.hours is None and app.result.query.weekdays is None
    assert c.metric.value == "incidents"  # no night is known: not "per night"
    assert app.result.summary["incidents_shown"] > 0
    assert "City of London" in app.header.value
    app.set_language("fr")
    assert "mois" in c.time_note.value
    assert _snapshot(folder.parent / "exports") == before
