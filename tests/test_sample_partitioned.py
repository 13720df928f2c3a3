"""geo.sample.write_partitioned_city: a large synthetic set written chunk by chunk, reproducibly."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import geo.sample._partitioned as partitioned
from geo.cli import EXIT_OK, main
from geo.columns import INCIDENT_COLUMNS
from geo.sample import (
    generate_city,
    is_complete,
    partition_sizes,
    write_city,
    write_partitioned_city,
)
from geo.schema import check_contract

SMALL = {"incidents": 3_000, "app_reports": 600, "perceptions": 300, "venues": 30}


def _parts(folder: Path, fmt: str = "parquet") -> list[Path]:
    return sorted((folder / "incidents").glob(f"part-*.{fmt}"))


def test_partition_sizes_split_evenly() -> None:
    assert partition_sizes(10, 3) == [4, 3, 3]
    assert partition_sizes(0, 2) == [0, 0]
    assert sum(partition_sizes(20_000_001, 7)) == 20_000_001
    with pytest.raises(ValueError):
        partition_sizes(5, 0)


def test_same_seed_and_chunking_give_the_same_bytes(tmp_path: Path) -> None:
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        write_partitioned_city(tmp_path / name, seed=seed, partitions=3, **SMALL)
    a, b, c = (_parts(tmp_path / name) for name in "abc")
    assert len(a) == 3
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert a[0].read_bytes() != c[0].read_bytes()


def test_partitions_hold_every_row_once_in_the_canonical_layout(tmp_path: Path) -> None:
    write_partitioned_city(tmp_path, seed=3, partitions=4, **SMALL)
    frames = [pd.read_parquet(p) for p in _parts(tmp_path)]
    assert [len(f) for f in frames] == [900] * 4
    whole = pd.concat(frames, ignore_index=True)
    assert list(whole.columns) == list(INCIDENT_COLUMNS)
    assert whole["incident_id"].is_unique
    assert whole["source"].value_counts().to_dict() == {"police": 3_000, "app": 600}
    # ids run on across partitions: inc-000001 .. inc-003000, as generate_city numbers them
    police = whole.loc[whole["source"] == "police", "incident_id"]
    assert police.min() == "inc-000001" and police.max() == "inc-003000"
    check_contract(whole, "incidents")


def test_perceptions_and_venues_are_those_of_generate_city(tmp_path: Path) -> None:
    write_partitioned_city(tmp_path / "p", seed=5, partitions=2, **SMALL)
    write_city(generate_city(5, **SMALL), tmp_path / "w", fmt="parquet")
    for name in ("perceptions.parquet", "venues.geojson"):
        assert (tmp_path / "p" / name).read_bytes() == (tmp_path / "w" / name).read_bytes()


def test_no_chunk_is_larger_than_asked(tmp_path: Path, monkeypatch) -> None:
    sizes: list[int] = []
    real = partitioned.make_incidents

    def spy(rng, n, source):
        sizes.append(n)
        return real(rng, n, source)

    monkeypatch.setattr(partitioned, "make_incidents", spy)
    write_partitioned_city(tmp_path, rows_per_partition=1_000, **SMALL)
    assert len(_parts(tmp_path)) == 4  # ceil(3600 / 1000)
    police, app = sizes[0::2], sizes[1::2]
    assert max(p + a for p, a in zip(police, app, strict=True)) <= 1_000
    assert sum(police) == 3_000 and sum(app) == 600


def test_a_rewrite_leaves_no_stale_partition_and_metadata_marks_completion(tmp_path: Path) -> None:
    write_partitioned_city(tmp_path, partitions=4, **SMALL)
    assert is_complete(tmp_path, partitions=4, incidents=3_600, format="parquet")
    write_partitioned_city(tmp_path, partitions=2, fmt="csv", **SMALL)
    assert _parts(tmp_path) == [] and len(_parts(tmp_path, "csv")) == 2
    meta = json.loads((tmp_path / "metadata.json").read_text())
    assert meta["synthetic"] is True and meta["partitions"] == 2
    assert meta["counts"]["incidents"] == 3_600 and meta["files"]["incidents"] == "incidents"
    assert is_complete(tmp_path, partitions=2, format="csv")
    assert not is_complete(tmp_path, partitions=4)
    _parts(tmp_path, "csv")[0].unlink()
    assert not is_complete(tmp_path)


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not both"):
        write_partitioned_city(tmp_path, partitions=2, rows_per_partition=10)
    with pytest.raises(ValueError, match="fmt"):
        write_partitioned_city(tmp_path, partitions=2, fmt="xlsx")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="incidents"):
        write_partitioned_city(tmp_path, incidents=-1)


def test_cli_sample_writes_partitions(tmp_path: Path, capsys) -> None:
    out = tmp_path / "big"
    code = main(["sample", "--fmt", "parquet", "--incidents", "2000", "--partitions", "3",
                 "--out", str(out)])
    captured = capsys.readouterr()
    assert code == EXIT_OK
    assert len(_parts(out)) == 3 and "3 partitions" in captured.out
    assert captured.err.count("partition ") == 3  # one progress line per partition
    assert main(["sample", "--incidents", "2000", "--rows-per-partition", "1000",
                 "--out", str(tmp_path / "csv")]) == EXIT_OK
    assert len(_parts(tmp_path / "csv", "csv")) == 12  # 12,000 rows: app reports default 10k
    for bad in (["--partitions", "0"], ["--partitions", "2", "--rows-per-partition", "5"]):
        with pytest.raises(SystemExit) as exc:
            main(["sample", "--out", str(tmp_path / "x"), *bad])
        assert exc.value.code == 2
