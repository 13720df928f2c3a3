"""The atlas command line: exit codes, JSON report, and no traceback for a bad file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from geo.cli import EXIT_DROPPED, EXIT_OK, EXIT_UNUSABLE, main


def _atlas(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo.cli", *args], capture_output=True, text=True)


def test_validate_json_on_a_slice_with_dropped_rows(formats_dir: Path, capsys) -> None:
    code = main(["validate", str(formats_dir / "chicago_crimes_sample.csv"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == EXIT_DROPPED
    for key in (
        "format",
        "table",
        "rows_in",
        "rows_out",
        "rows_merged",
        "dropped",
        "repaired",
        "time_precision",
    ):
        assert key in report
    assert report["format"] == "chicago" and report["table"] == "incidents"
    assert report["rows_in"] == report["rows_out"] + report["rows_merged"] + sum(
        report["dropped"].values()
    )
    assert report["dropped"] == {"missing_coordinates": 6}


def test_validate_writes_the_dropped_rows(formats_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "dropped.csv"
    main(
        ["validate", str(formats_dir / "sf_incident_reports_sample.csv"), "--dropped-out", str(out)]
    )
    text = capsys.readouterr().out
    assert "merged" in text and str(out) in text
    lines = out.read_text().splitlines()
    assert lines[0].startswith("_row,_reason")
    assert len(lines) > 1


def test_validate_a_clean_file_exits_zero(tmp_path: Path, capsys) -> None:
    path = tmp_path / "inc.csv"
    path.write_text(
        "incident_id,occurred_from,lat,lon,category,source\n"
        "a,2025-03-07 23:10:00,48.85,2.35,theft,police\n"
    )
    assert main(["validate", str(path), "--table", "incidents"]) == EXIT_OK
    assert "rows kept 1" in capsys.readouterr().out


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\xff" * 50, b"just some words\n"])
def test_unusable_files_give_one_message_and_exit_2(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    proc = _atlas("validate", str(path), "--table", "incidents")
    assert proc.returncode == EXIT_UNUSABLE
    assert "Traceback" not in proc.stderr
    assert str(path) in proc.stderr


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    proc = _atlas("validate", str(tmp_path / "nope.csv"))
    assert proc.returncode == EXIT_UNUSABLE
    assert "Traceback" not in proc.stderr and "nope.csv" in proc.stderr


def test_sample_writes_a_deterministic_city(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["sample", "--out", str(a), "--incidents", "3000", "--seed", "7"]) == EXIT_OK
    assert main(["sample", "--out", str(b), "--incidents", "3000", "--seed", "7"]) == EXIT_OK
    assert (a / "incidents.csv").read_bytes() == (b / "incidents.csv").read_bytes()
    meta = json.loads((a / "metadata.json").read_text())
    assert meta["synthetic"] is True and meta["seed"] == 7
