"""Time as a dimension (issue 15): the night date in the cube, what it costs and what it answers.

Targets: a query with a date range at res 9 over 1M incidents <= 15 ms median (the full
Atlas.query path, noise on); a period comparison <= 50 ms; cube build from 1M incidents
<= 2 s. Also recorded: cube rows and size on disk (zstd Parquet) with the night date, and the
same cube's rows without it (the date summed out), so the growth is visible; and the size of
the memory-mapped codes a build writes for kernels (res 7-10, dated with their night order,
and undated).
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import median_seconds, quick, record, timed  # noqa: E402
from geo.compare import compare_periods, monthly_trends  # noqa: E402
from geo.cube import build_incident_cube, save_cube  # noqa: E402
from geo.cube._aggregate import aggregate_table  # noqa: E402
from geo.cube._mapped import write_mapped_codes  # noqa: E402
from geo.metrics import Atlas, Query  # noqa: E402
from geo.metrics._periods import preset_range, previous_period  # noqa: E402
from geo.sample import generate_city  # noqa: E402
from geo.sun import SunWindow  # noqa: E402
from geo.timewin import HourWindow  # noqa: E402


def main() -> None:
    n = 100_000 if quick() else 1_000_000
    suffix = "_quick" if quick() else ""
    city = generate_city(incidents=n, app_reports=n // 6, perceptions=6_000, venues=320)
    build = [timed(lambda: build_incident_cube(city.incidents))[0] for _ in range(3)]
    cube = build_incident_cube(city.incidents)
    record(f"cube_build_with_dates_{n // 1000}k{suffix}", min(build), "s", 2)
    record(f"cube_rows_with_dates_res10{suffix}", len(cube.table), "rows")
    undated = aggregate_table(cube.table, ("cell", "how", "category", "source"), cube.MEASURES)
    record(f"cube_rows_without_dates_res10{suffix}", len(undated), "rows")
    with tempfile.TemporaryDirectory() as tmp:
        size = save_cube(cube, Path(tmp) / "cube.parquet").stat().st_size
        # what kernels memory-map: codes at res 7-10, dated (with their night order) and not
        mapped = sum(f.stat().st_size for f in write_mapped_codes(cube, Path(tmp) / "codes")
                     .iterdir())
    record(f"cube_size_on_disk_with_dates{suffix}", size / 1e6, "MB")
    record(f"codes_size_on_disk_mapped{suffix}", mapped / 1e6, "MB")
    atlas = Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata,
                  incident_cube=cube)
    record(f"cube_rows_with_dates_res9{suffix}",
           atlas.incident_cube.codes(9, dated=True).cell.size,
           "rows")
    atlas.query(Query(resolution=9))
    last = cube.last_night
    ranges = [preset_range(name, last) for name in
              ("last_28_days", "last_3_months", "last_12_months", "summer", "autumn")]
    specs = [dict(hours=HourWindow(22, 4), weekdays={4, 5}), dict(),
             dict(sun=SunWindow()), dict(sun=SunWindow(2), categories={"violence"})]
    times: list[float] = []
    for _ in range(3):
        for first, end in ranges:
            for spec in specs:
                query = Query(resolution=9, date_from=first, date_to=end, **spec)
                start = time.perf_counter()
                atlas.query(query)
                times.append(time.perf_counter() - start)
    record(f"query_date_range_res9_median{suffix}", statistics.median(times) * 1000, "ms", 15)
    this = preset_range("last_28_days", last)
    before = previous_period(*this)
    compare = median_seconds(
        lambda: compare_periods(atlas, Query(resolution=9), before, this), repeat=5)
    record(f"period_comparison_res9_median{suffix}", compare * 1000, "ms", 50)
    seasons = (dt.date(2025, 3, 1), dt.date(2025, 5, 31)), (dt.date(2025, 9, 1),
                                                            dt.date(2025, 11, 30))
    record(f"period_comparison_seasons_res9_median{suffix}", median_seconds(
        lambda: compare_periods(atlas, Query(resolution=9), *seasons), repeat=5) * 1000, "ms",
        50)
    record(f"monthly_trends_res9{suffix}",
           timed(lambda: monthly_trends(atlas, Query(resolution=9)))[0], "s")


if __name__ == "__main__":
    main()
