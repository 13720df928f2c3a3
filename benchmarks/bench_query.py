"""A whole query, as a slider move costs it: Atlas.query at res 9 over a 1M-incident year.

Targets: issue "Night-time H3 engine", median <= 30 ms for a mix of windows, weekdays and
categories; issue 13, median <= 15 ms with the cell-key noise on (the default: key sums per
cell and source, published counts and perturbed answer sums). This is the full path (filter,
aggregate, publish, perceived statistics, k-protection, ranks/gap/bivariate classes), not just
the bincount; local statistics are measured separately because the dashboard runs them only
for the hot-spot layer. The same queries with exact values (internal analysis) are timed
beside, interleaved, so a busy machine weighs on both alike.
"""

from __future__ import annotations

import dataclasses
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
    noisy, exact = atlas.noise, dataclasses.replace(atlas.noise, exact=True)
    times: list[float] = []
    exact_times: list[float] = []
    cpu: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(5):
        for spec in QUERIES:
            for settings, into in ((noisy, times), (exact, exact_times)):
                atlas.noise = settings
                start, start_cpu = time.perf_counter(), time.process_time()
                atlas.query(Query(resolution=9, **spec))
                into.append(time.perf_counter() - start)
                cpu[settings.exact].append(time.process_time() - start_cpu)
    atlas.noise = noisy
    local, _ = timed(lambda: atlas.query(Query(resolution=9, **QUERIES[0]), local_stats=True))
    suffix = "_quick" if quick() else ""
    record(f"atlas_build_{n // 1000}k{suffix}", build, "s", None)
    print(f"{n:,} incidents, {len(atlas.perceptions):,} answers, {len(atlas.venues):,} venues; "
          f"{atlas.grid_cells(9).size:,} res-9 cells; {len(QUERIES)} queries x 5")
    record(f"query_full_res9_median{suffix}", statistics.median(times) * 1000, "ms", 15)
    record(f"query_full_res9_median_exact{suffix}", statistics.median(exact_times) * 1000, "ms",
           None)
    # CPU time of this process: what the query costs when other processes share the cores
    record(f"query_full_res9_median_cpu{suffix}", statistics.median(cpu[False]) * 1000, "ms", 15)
    record(f"query_full_res9_median_cpu_exact{suffix}", statistics.median(cpu[True]) * 1000, "ms",
           None)
    record(f"query_full_res9_p95{suffix}", sorted(times)[int(len(times) * 0.95)] * 1000, "ms", None)
    record(f"query_with_local_stats_999perm{suffix}", local, "s", 2)
    record(f"query_peak_rss{suffix}", peak_rss_mb(), "MB", None)


if __name__ == "__main__":
    main()
