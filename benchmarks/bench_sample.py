"""Benchmark of the sample-city generator (geo.sample): is it cheap enough to run on first use
and to make the millions of incidents the cube benchmarks need?

Run from the repo root: ``.venv/bin/python benchmarks/bench_sample.py`` (``BENCH_QUICK=1`` for a
smoke run on smaller inputs, recorded under ``*_quick`` names so figures of record are kept).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._common import peak_rss_mb, quick, record, timed  # noqa: E402
from geo.sample import generate_city, write_city  # noqa: E402


def main() -> None:
    """Time generate+write of the default city, then generation of 1M police incidents."""
    suffix = "_quick" if quick() else ""
    with tempfile.TemporaryDirectory() as tmp:
        seconds, _ = timed(lambda: write_city(generate_city(), tmp))
    record(f"sample_generate_default{suffix}", seconds, "s", 10)

    n = 30_000 if quick() else 1_000_000
    seconds, city = timed(lambda: generate_city(incidents=n))
    assert len(city.incidents) == n + 10_000
    record(f"sample_generate_1M_incidents{suffix}", seconds, "s", None)
    record(f"sample_peak_rss{suffix}", peak_rss_mb(), "MB", None)


if __name__ == "__main__":
    main()
