"""Venues' opening hours: parsing a thousand distinct ``opening_hours`` strings, then one window.

Targets (set with the venue opening slots, and asserted by tests/test_hours.py until issue 18
moved them here, because wall-clock limits flake in a test on a busy machine): the 168 night
slots of 1,000 distinct expressions precomputed in at most 2 s; "open in the window" (22-4,
Friday and Saturday nights) for all of them in at most 10 ms, as a slider move costs it. The
test keeps what the result must be.

Run from the repo root: ``.venv/bin/python benchmarks/bench_hours.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._common import median_seconds, record, timed  # noqa: E402
from geo.hours import OPEN, open_in_window, open_slots  # noqa: E402

FRI, SAT = 4, 5
VENUES = 1_000


def distinct_hours(count: int) -> list[str]:
    """``count`` distinct expressions, each open late on Friday and Saturday nights."""
    return [
        f"Mo-Th {16 + i % 4}:00-0{i % 3}:{i % 6}0; Fr-Sa {17 + i % 3}:{i % 4}5-0{3 + i % 3}:00"
        for i in range(count)
    ]


def main() -> None:
    hours = distinct_hours(VENUES)
    precompute, (slots, known) = timed(lambda: open_slots(hours))
    if not known.all():
        raise SystemExit("an expression of the benchmark did not parse: fix the generator")
    window = ([22, 23, 0, 1, 2, 3], [FRI, SAT])
    if not (open_in_window(slots, known, *window) == OPEN).all():
        raise SystemExit("a venue of the benchmark is not open on Friday night: fix the generator")
    per_query = median_seconds(lambda: open_in_window(slots, known, *window), repeat=21)
    record("hours_precompute_1000_venues", precompute, "s", 2)
    record("hours_open_in_window_1000_venues", per_query * 1000, "ms", 10)


if __name__ == "__main__":
    main()
