"""A whole query, as a slider move costs it: Atlas.query at res 9 over a 1M-incident year.

Target (issue "Night-time H3 engine"): median <= 30 ms for a mix of windows, weekdays and
categories. This is the full path (filter, aggregate, perceived statistics, k-protection,
ranks/gap/bivariate classes), not just the bincount; local statistics are measured separately
because the dashboard runs them only for the hot-spot layer.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import peak_rss_mb, quick, record, timed  # noqa: E402
from geo.metrics import Atlas, Query  # noqa: E402
from geo.sample import generate_city  # noqa: E402
from geo.timewin import HourWindow  # noqa: E402

QUERIES = [
    dict(hours=HourWindow(22, 4), weekdays={4, 5}),
    dict(
        hours=HourWindow(22, 4), weekdays={4, 5}, categories={"violence", "disorder", "harassment"}
    ),
    dict(hours=HourWindow(18, 22)),
    dict(hours=HourWindow(0, 6), weekdays={0, 1, 2, 3}, sources={"app"}),
    dict(),
    dict(hours=HourWindow(23, 3), weekdays={5}, categories={"theft", "robbery"}),
    dict(hours=HourWindow(20, 2), weekdays={4, 5, 6}),
    dict(weekdays={5, 6}, categories={"sexual_violence", "harassment"}),
]


def main() -> None:
    n = 30_000 if quick() else 1_000_000
    city = generate_city(incidents=n, app_reports=n // 6, perceptions=6_000, venues=320)
    build, atlas = timed(
        lambda: Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata)
    )
    atlas.query(Query(resolution=9))  # codes for res 9 are built once, on first use
    times = []
    for _ in range(5):
        for spec in QUERIES:
            start = time.perf_counter()
            atlas.query(Query(resolution=9, **spec))
            times.append(time.perf_counter() - start)
    local, _ = timed(lambda: atlas.query(Query(resolution=9, **QUERIES[0]), local_stats=True))
    suffix = "_quick" if quick() else ""
    record(f"atlas_build_{n // 1000}k{suffix}", build, "s", None)
    record(f"query_full_res9_median{suffix}", statistics.median(times) * 1000, "ms", 30)
    record(f"query_full_res9_p95{suffix}", sorted(times)[int(len(times) * 0.95)] * 1000, "ms", None)
    record(f"query_with_local_stats_999perm{suffix}", local, "s", 2)
    record(f"query_peak_rss{suffix}", peak_rss_mb(), "MB", None)


if __name__ == "__main__":
    main()
