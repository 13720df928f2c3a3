"""The cube built on Dask equals the cube built with pandas, from the same partitioned input.

One LocalCluster (two worker processes on 127.0.0.1, no dashboard) serves the module and is
always closed. Counts are float sums taken in another order, so they are compared to 1e-12
relative; keys, categories, order and metadata are compared exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import distributed  # a required dependency: a broken install must fail here, not skip
import numpy as np
import pandas as pd
import pytest

from geo.cli import EXIT_OK, EXIT_UNUSABLE, main
from geo.cube import (
    BUILD_FILE,
    CUBE_FILE,
    WORKER_PACKAGES,
    IncidentCube,
    WorkerEnvironmentError,
    build_cube,
    build_incident_cube,
    check_workers,
    combine_incident_cubes,
    find_inputs,
    read_cube_dir,
    write_cube_dir,
)
from geo.errors import FileFormatError
from geo.metrics import Atlas, Query
from geo.sample import write_partitioned_city
from geo.timewin import HourWindow

CITY = {"seed": 11, "incidents": 40_000, "app_reports": 10_000, "perceptions": 500,
        "venues": 30}
KEYS = list(IncidentCube.KEY_COLUMNS)


def assert_same_cube(got: IncidentCube, expected: IncidentCube) -> None:
    """Same keys in the same order, same dtypes and metadata; counts to float rounding, and
    record-key sums exactly (so every view's noise is the same however the build was split)."""
    pd.testing.assert_frame_equal(got.table[KEYS], expected.table[KEYS], check_exact=True)
    assert got.table["key"].equals(expected.table["key"])
    pd.testing.assert_frame_equal(got.table, expected.table, check_exact=False, rtol=1e-12)
    assert got.metadata() == expected.metadata()


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("city")
    write_partitioned_city(folder / "parquet", partitions=4, **CITY)
    write_partitioned_city(folder / "csv", partitions=4, fmt="csv", **CITY)
    return folder


@pytest.fixture(scope="module")
def whole(city: Path) -> IncidentCube:
    """The reference: build_incident_cube of every row in one frame."""
    return build_incident_cube(pd.read_parquet(city / "parquet" / "incidents"))


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, memory_limit="1GiB",
        ) as cluster,
        distributed.Client(cluster) as connected,
    ):
        yield connected


def test_dask_and_pandas_build_the_same_cube(city: Path, whole: IncidentCube, client) -> None:
    lines: list[str] = []
    dask = build_cube(city / "parquet", engine="dask", client=client, progress=lines.append)
    pandas = build_cube(city / "parquet", engine="pandas")
    assert dask.info["partitions"] == 4 and dask.cube.rows == 50_000
    assert_same_cube(dask.cube, pandas.cube)
    assert_same_cube(dask.cube, whole)
    assert list(dask.cube.table["source"].cat.categories) == ["police", "app"]
    # untimed rows sit in how = -1 with weight 1, so the counts add up to the rows
    assert dask.cube.table["count"].sum() == pytest.approx(50_000, rel=1e-12)
    assert len(lines) == 4 and all("counted" in line for line in lines)
    assert dask.info["metadata"]["synthetic"] is True


def test_two_dask_builds_give_identical_counts(city: Path, client) -> None:
    # the combine tree is fixed by partition order, not by which worker finishes first
    a = build_cube(city / "parquet", client=client).cube
    b = build_cube(city / "parquet", client=client).cube
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)


def test_csv_partitions_give_the_parquet_cube(city: Path, whole: IncidentCube, client) -> None:
    # same seed and chunking, so the same rows: CSV times and floats round-trip exactly
    csv = build_cube(city / "csv", client=client, blocksize="300KiB")
    assert csv.info["format"] == "csv" and csv.info["partitions"] > 4  # blocks, not files
    assert_same_cube(csv.cube, whole)


def test_validated_files_count_alike_and_report(city: Path, whole: IncidentCube, client) -> None:
    built = build_cube(city / "csv", client=client, validate=True)
    assert_same_cube(built.cube, whole)
    report = built.info["validation"]
    assert report["rows_in"] == report["rows_out"] == 50_000 and len(report["files"]) == 4


def test_settings_reach_the_workers(city: Path, client) -> None:
    settings = {"resolution": 8, "day_boundary": 5, "span_cap_hours": 3}
    dask = build_cube(city / "parquet", client=client, **settings).cube
    pandas = build_cube(city / "parquet", engine="pandas", **settings).cube
    assert dask.resolution == 8 and dask.settings["span_cap_hours"] == 3
    assert_same_cube(dask, pandas)


def test_a_worker_error_reaches_the_caller_with_its_type(city: Path, tmp_path: Path,
                                                         client) -> None:
    frame = pd.read_parquet(city / "parquet" / "incidents" / "part-00000.parquet")
    frame.loc[frame.index[:3], "category"] = "not-a-category"
    frame.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(ValueError, match="category outside the vocabulary"):
        build_cube(tmp_path / "bad.parquet", client=client)


def test_cube_folder_serves_queries_as_a_local_cube(city: Path, tmp_path: Path, client) -> None:
    built = build_cube(city / "parquet", client=client)
    folder = write_cube_dir(built, tmp_path / "cube")
    assert (folder / CUBE_FILE).is_file() and (folder / BUILD_FILE).is_file()
    assert json.loads((folder / BUILD_FILE).read_text())["engine"] == "dask"
    assert_same_cube(read_cube_dir(folder).cube, built.cube)

    perceptions = pd.read_parquet(city / "parquet" / "perceptions.parquet")
    remote = Atlas.from_cube(folder, perceptions)
    local = Atlas(pd.read_parquet(city / "parquet" / "incidents"), perceptions,
                  metadata=remote.metadata)
    assert remote.synthetic and remote.sources == local.sources
    assert remote.incident_cube is not None and len(remote.incidents) == 0
    # without metadata, the map still centres on the data: the cube's count-weighted centre
    assert Atlas.from_cube(folder, metadata={}).centre == pytest.approx(remote.centre, abs=0.02)
    query = Query(hours=HourWindow(22, 4), weekdays=frozenset({4, 5}))
    got, expected = remote.query(query), local.query(query)
    pd.testing.assert_frame_equal(got.table, expected.table, check_exact=False, rtol=1e-9)
    assert _close(got.summary, expected.summary)


def _close(a: object, b: object) -> bool:
    """Equal, floats to 1e-9 relative, through nested dicts."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return a == pytest.approx(b, rel=1e-9, nan_ok=True)
    return a == b


def test_cli_build_cube_then_query_the_cube(city: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "cube"
    code = main(["build-cube", "--engine", "pandas", str(city / "parquet"), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == EXIT_OK and "50,000 rows" in captured.out and "file 4/4" in captured.err
    code = main(["query", "--cube", str(out), "--hours", "22-4", "--format", "json"])
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert code == EXIT_OK and doc["metadata"]["synthetic"] is True
    assert sum(c["incidents"] or 0 for c in doc["cells"]) > 0
    assert f"cube {out}" in captured.err


def test_cli_build_cube_on_a_named_scheduler(city: Path, whole: IncidentCube, tmp_path: Path,
                                             client, capsys) -> None:
    address = client.scheduler.address  # an "existing cluster": this module's LocalCluster
    out = tmp_path / "cube"
    code = main(["build-cube", str(city / "parquet"), "--scheduler", address, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == EXIT_OK and f"scheduler {address}" in captured.out
    assert captured.err.count("counted") == 4
    assert_same_cube(read_cube_dir(out).cube, whole)
    assert client.scheduler_info()["workers"]  # the named cluster is left running


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--res", "99"], ["resolution"]),
        (["--worker-memory", "lots"], ["worker memory", "lots"]),
        (["--engine", "pandas", "--scheduler", "tcp://127.0.0.1:1"], ["dask engine"]),
    ],
)
def test_cli_bad_options_exit_2_before_any_work(city: Path, tmp_path: Path, capsys, args,
                                                words) -> None:
    code = main(["build-cube", str(city / "parquet"), "--out", str(tmp_path / "x"), *args])
    err = capsys.readouterr().err
    assert code == EXIT_UNUSABLE and err.startswith("atlas build-cube: ")
    assert "Traceback" not in err and all(w in err for w in words)
    assert not (tmp_path / "x").exists()


def test_inputs_are_checked_from_headers(city: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("id,when,y,x\n1,2025-01-01 22:00,45.7,4.8\n")
    with pytest.raises(FileFormatError, match="expected columns") as exc:
        build_cube(odd, engine="pandas")
    assert "--validate" in str(exc.value) and str(odd) in str(exc.value)
    with pytest.raises(ValueError, match="mix Parquet and CSV"):
        find_inputs([city / "parquet", city / "csv"])
    with pytest.raises(FileNotFoundError):
        find_inputs([tmp_path / "nowhere"])
    found = find_inputs([str(city / "parquet" / "incidents" / "part-*.parquet")])
    assert found.kind == "parquet" and len(found.paths) == 4


def test_combine_handles_empty_parts_new_sources_and_refuses_mixed_settings() -> None:
    def part(n: int, source: str, day: str, salt: str | None = None) -> IncidentCube:
        frame = pd.DataFrame({
            "incident_id": [f"{source}-{day}-{i}" for i in range(n)],
            "occurred_from": pd.to_datetime([f"{day} 23:30"] * n),
            "occurred_to": pd.Series([pd.NaT] * n, dtype="datetime64[ns]"),
            "time_precision": ["minute"] * n, "lat": [45.75] * n, "lon": [4.85] * n,
            "category": ["theft"] * n, "source": [source] * n,
        })
        return build_incident_cube(frame, key_salt=salt)

    parts = [part(2, "police", "2025-03-07"), part(0, "police", "2025-03-08"),
             part(3, "survey", "2025-03-09")]
    both = combine_incident_cubes(parts)
    assert both.rows == 5 and both.first_night == dt.date(2025, 3, 7)
    assert both.last_night == dt.date(2025, 3, 9)
    assert list(both.table["source"].cat.categories) == ["police", "app", "survey"]
    assert np.isclose(both.table["count"].sum(), 5)
    assert both.table["key"].sum() == sum(p.table["key"].sum() for p in parts)  # exact integers
    with pytest.raises(ValueError, match="different settings"):  # keys of another salt
        combine_incident_cubes([parts[0], part(1, "police", "2025-03-10", "another project")])
    coarser = dataclasses.replace(parts[0], resolution=9,
                                  settings={**parts[0].settings, "resolution": 9})
    with pytest.raises(ValueError, match="different settings"):
        combine_incident_cubes([parts[0], coarser])
    with pytest.raises(ValueError, match="no cube"):
        combine_incident_cubes([])


def test_workers_without_the_package_are_named_before_any_task(client) -> None:
    check_workers(client)  # the LocalCluster shares this environment

    class ClusterWithoutAtlas:
        """Answers ``client.run`` as workers would where the package was never installed."""

        def run(self, fn, name: str, on_error: str) -> dict[str, object]:
            assert fn is version and on_error == "return"
            got = PackageNotFoundError(name) if name == WORKER_PACKAGES[0] else version(name)
            return {"tcp://10.0.0.9:40000": got}

    with pytest.raises(WorkerEnvironmentError, match=r"insecurity-atlas==.*10\.0\.0\.9:40000: "
                       "missing"):
        check_workers(ClusterWithoutAtlas())  # type: ignore[arg-type]
