"""City-project build: `atlas build` of 1M incidents (CSV) + 10k answers + 500 venues.

Target (issue "Your city in the atlas"): a cold build in at most 10 s. Also recorded: the
up-to-date check of an unchanged project (every file hashed again, nothing read), a rebuild
after one small source changed (the big CSV comes from the cache), the time to open the built
city as a dashboard kernel does, and the size of the build on disk.

Run from the repo root: ``.venv/bin/python benchmarks/bench_city.py`` (``BENCH_QUICK=1``: 30k
incidents, figures recorded under ``*_quick`` names).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._common import peak_rss_mb, quick, record, timed  # noqa: E402
from geo.city import build_project, load_project, open_city  # noqa: E402
from geo.sample import generate_city, write_city  # noqa: E402


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def main() -> None:
    suffix = "_quick" if quick() else ""
    n = 1_000_000 if not quick() else 30_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app = min(10_000, n // 10)
        city = generate_city(incidents=n - app, app_reports=app, perceptions=10_000, venues=500)
        write_city(city, folder, fmt="csv")
        csv_mb = (folder / "incidents.csv").stat().st_size / 2**20
        print(f"project: {n:,} incidents ({csv_mb:.0f} MB CSV), 10,000 answers, 500 venues")
        project = load_project(folder)
        seconds, report = timed(lambda: build_project(project))
        assert report.totals["incidents"]["rows_out"] == n
        record(f"city_build_1M_cold{suffix}", seconds, "s", 10)
        seconds, again = timed(lambda: build_project(load_project(folder)))
        assert not again.rebuilt
        record(f"city_build_up_to_date{suffix}", seconds, "s", None)
        venues = folder / "venues.geojson"
        venues.write_text(venues.read_text().replace('"name": "', '"name": "The ', 1))
        seconds, third = timed(lambda: build_project(load_project(folder)))
        assert third.rebuilt and third.sources[0]["cached"]
        record(f"city_rebuild_one_source_changed{suffix}", seconds, "s", None)
        seconds, opened = timed(lambda: open_city(folder))
        assert opened.atlas.incident_cube.rows == n
        record(f"city_open_built{suffix}", seconds, "s", None)
        record(f"city_build_on_disk{suffix}", _size_mb(project.build_root), "MB", None)
        record(f"city_build_peak_rss{suffix}", peak_rss_mb(), "MB", None)


if __name__ == "__main__":
    main()
