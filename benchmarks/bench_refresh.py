"""An hour change inside the kernel, without a browser: the analyst app's whole refresh (query,
privacy, comparison, styles, the map's and panels' widget updates) on the city- and metro-sized
samples at res 10.

The page figures (``bench_dashboard.py``, ``bench_metro.py``) add the websocket round trip and
the browser's frames to this; this is the part our Python decides, measured on its own so a
change to the query path shows without the browser's noise. The slider moves one step back and
forth as in the page benchmarks (4 moves to warm up, then ``moves`` timed); median and p90 in ms
of the whole refresh, and the median until the map's message is sent (its stamp: the panels and
the comparison of a recorded map come after it, while the browser paints).
``BENCH_QUICK=1``: the small sample for both.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._common import city_dir, metro_dir, quick, record, suffix  # noqa: E402


def hour_changes(folder: Path, moves: int) -> tuple[int, list[float], list[float]]:
    """Grid cells at res 10, and the seconds of ``moves`` one-step hour changes: whole, and
    until the map's message is out."""
    from geo.app import AtlasApp

    with contextlib.redirect_stdout(io.StringIO()):  # display() outside a notebook prints
        app = AtlasApp().display().load_city(folder)
    app.controls.resolution.value = 10
    hours = app.controls.hours

    def move(i: int) -> None:
        lo, hi = hours.index
        hours.index = (lo - 1, hi) if i % 2 == 0 else (lo + 1, hi)

    stamps: list[float] = []  # the map's stamp is the first of a redraw's two
    app.stamp.observe(lambda _: stamps.append(time.perf_counter()), names="value")
    for i in range(4):
        move(i)
    seconds, to_map = [], []
    for i in range(moves):
        stamps.clear()
        start = time.perf_counter()
        move(i)
        seconds.append(time.perf_counter() - start)
        to_map.append(stamps[0] - start)
    return int(app.atlas.grid_cells(10).size), seconds, to_map


def main() -> None:
    moves = 8 if quick() else 30
    for size, folder in (("city", city_dir()), ("metro", metro_dir())):
        cells, seconds, to_map = hour_changes(folder, moves)
        ms = sorted(s * 1000 for s in seconds)
        tag = f"kernel_hour_change_{size}_res10_{cells // 1000}k_cells"
        print(f"{size}: {cells:,} grid cells at res 10, {moves} hour changes", flush=True)
        record(f"{tag}_median{suffix()}", statistics.median(ms), "ms", None)
        record(f"{tag}_p90{suffix()}", statistics.quantiles(ms, n=10)[-1], "ms", None)
        record(f"{tag}_to_map_message_median{suffix()}",
               statistics.median(s * 1000 for s in to_map), "ms", None)


if __name__ == "__main__":
    main()
