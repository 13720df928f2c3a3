"""Memory-mapped cube codes (geo.cube._mapped): what kernels read from a build, without copies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.cube import build_incident_cube, load_cube, save_cube
from geo.cube._mapped import read_mapped_codes, write_mapped_codes
from geo.metrics import Atlas, Query
from geo.sample import generate_city
from geo.timewin import HourWindow


@pytest.fixture(scope="module")
def city():
    return generate_city(incidents=6_000, app_reports=1_000, perceptions=800, venues=40)


def test_mapped_codes_equal_built_codes(city, tmp_path: Path) -> None:
    cube = build_incident_cube(city.incidents)
    write_mapped_codes(cube, tmp_path)
    for res in (7, 8, 9, 10):
        for dated in (True, False):
            built = cube.codes(res, dated=dated)
            mapped = read_mapped_codes(tmp_path, res, dated=dated)
            assert mapped is not None and mapped.dated is dated
            for name in ("cells", "cell", "how", "category", "source", "night", "count", "key"):
                a, b = getattr(built, name), getattr(mapped, name)
                assert a.dtype == b.dtype and np.array_equal(a, b), (res, dated, name)
                assert not b.flags.writeable and not b.flags.owndata  # a view of the mapped file
            assert (mapped.categories, mapped.sources) == (built.categories, built.sources)
            if dated:  # dated rows are stored in night order, mapped as well
                assert (np.diff(mapped.night.astype(np.int64)) >= 0).all()
        # the date summed out: fewer rows, the same total
        assert len(cube.codes(res, dated=False).count) < len(cube.codes(res, dated=True).count)
        assert cube.codes(res, dated=False).count.sum() == cube.codes(res, dated=True).count.sum()
    assert read_mapped_codes(tmp_path, 6) is None


def test_arrow_cube_round_trips_and_queries_match(city, tmp_path: Path) -> None:
    cube = build_incident_cube(city.incidents)
    save_cube(cube, tmp_path / "cube.arrow")
    loaded = load_cube(tmp_path / "cube.arrow")
    pd.testing.assert_frame_equal(loaded.table, cube.table)
    write_mapped_codes(loaded, tmp_path / "codes")
    fresh = load_cube(tmp_path / "cube.arrow")
    fresh.use_mapped(tmp_path / "codes")
    plain = Atlas(city.incidents.iloc[:0], city.perceptions, city.venues, incident_cube=cube)
    mapped = Atlas(city.incidents.iloc[:0], city.perceptions, city.venues, incident_cube=fresh)
    first = city.incidents["occurred_from"].min().date()
    for query in (Query(resolution=9, hours=HourWindow(22, 4), weekdays={4, 5}),
                  Query(resolution=9, hours=HourWindow(22, 4),
                        date_from=first + pd.Timedelta(days=30),
                        date_to=first + pd.Timedelta(days=120))):
        pd.testing.assert_frame_equal(plain.query(query).table, mapped.query(query).table)


def test_codes_of_an_older_layout_are_not_read(city, tmp_path: Path) -> None:
    """A build of the previous format kept dated rows in cube order beside a night order:
    reading them as night-ordered would slice the wrong rows, so they are left unread and
    the cube makes its codes instead (same answers, just not shared pages)."""
    import json

    import pyarrow as pa

    from geo.cube._mapped import _META_KEY, _write

    cube = build_incident_cube(city.incidents)
    write_mapped_codes(cube, tmp_path)
    path = tmp_path / "r9.arrow"
    table = pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()
    meta = json.loads(table.schema.metadata[_META_KEY])
    del meta["layout"]
    _write(path, {name: table.column(name).to_numpy() for name in table.column_names}, meta)
    assert read_mapped_codes(tmp_path, 9) is None
    assert read_mapped_codes(tmp_path, 9, dated=False) is not None
    fresh = build_incident_cube(city.incidents)
    fresh.use_mapped(tmp_path)
    assert fresh.codes(9, dated=True).night.flags.owndata  # made from the cube, not mapped


def test_a_kernel_keeps_one_resolution_mapped_and_maps_others_again(city, tmp_path: Path) -> None:
    cube = build_incident_cube(city.incidents)
    write_mapped_codes(cube, tmp_path / "codes")
    save_cube(cube, tmp_path / "cube.arrow")
    fresh = load_cube(tmp_path / "cube.arrow")
    fresh.use_mapped(tmp_path / "codes")
    nine, nine_dated = fresh.codes(9), fresh.codes(9, dated=True)
    assert fresh.codes(9) is nine and fresh.codes(9, dated=True) is nine_dated  # both kept
    ten = fresh.codes(10)
    assert set(fresh._index._codes) == {(10, False)}  # res 9's pages no longer held
    again = fresh.codes(9)
    assert again is not nine and np.array_equal(again.count, nine.count)
    assert np.array_equal(ten.cells, cube.codes(10).cells)


def test_small_tables_in_arrow_read_back_equal_to_parquet(city, tmp_path: Path) -> None:
    from geo.cube._mapped import read_arrow_table, write_arrow_table

    for frame in (city.perceptions, city.venues, city.perceptions.iloc[:0]):
        frame.to_parquet(tmp_path / "t.parquet", index=False)
        write_arrow_table(frame, tmp_path / "t.arrow")
        pd.testing.assert_frame_equal(read_arrow_table(tmp_path / "t.arrow"),
                                      pd.read_parquet(tmp_path / "t.parquet"))
