"""Mutation check: change one line of core logic at a time and see whether a test notices.

A test suite can pass and still miss a wrong number. Each mutation below is a one-line change
of the kind a slip of the keyboard or a hasty refactor makes (``<`` for ``<=``, a filter
dropped, a step skipped) in the time windows, the privacy rules, the query engine or the
validators. Each is applied to a fresh temporary copy of the working tree (the tree itself is
never edited) and the test files relevant to that module run against the copy. A mutation that
no test fails *survives*: either the tests miss something, or the change does not alter any
outcome (an equivalent mutation); the list below says which, where it is known.

Not part of CI's pass/fail: ``make mutations`` prints the survivors and exits 0. It takes
several minutes on two cores (``--only TEXT``, repeatable, runs the mutations whose id
contains one of the texts).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTEST_ARGS = ("-q", "-x", "-p", "no:cacheprovider", "-m", "not browser and not slow")
TIMEOUT_S = 900
"""A mutation that hangs the tests (an endless loop) counts as caught after this long."""

TIMEWIN = ("tests/test_timewin.py", "tests/test_cube.py", "tests/test_metrics.py")
PRIVACY = ("tests/test_privacy.py", "tests/test_metrics.py", "tests/test_cli_query.py")
ATLAS = ("tests/test_metrics.py", "tests/test_cli_query.py", "tests/test_app.py")
VALIDATE = (
    "tests/test_schema.py",
    "tests/test_io_bad_input.py",
    "tests/test_io_generic.py",
    "tests/test_cube.py",
)


@dataclass(frozen=True)
class Mutation:
    """Replace ``old`` (found exactly once in ``path``) by ``new``, then run ``tests``."""

    id: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    note: str = ""
    """Why a survivor is harmless (an equivalent mutation), when it is known to survive."""


MUTATIONS: tuple[Mutation, ...] = (
    # ---- geo/timewin.py
    Mutation(
        "timewin.whole_day_hours",
        "geo/timewin.py",
        "return (self.end - self.start) % 24 or 24",
        "return (self.end - self.start) % 24",
        TIMEWIN,
    ),
    Mutation(
        "timewin.no_day_boundary",
        "geo/timewin.py",
        "night = (t - day_boundary * _HOUR) // _DAY",
        "night = t // _DAY",
        TIMEWIN,
    ),
    Mutation(
        "timewin.epoch_weekday",
        "geo/timewin.py",
        "_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday",
        "_EPOCH_WEEKDAY = 4",
        TIMEWIN,
    ),
    Mutation(
        "timewin.end_on_the_hour_touches_it",
        "geo/timewin.py",
        "n[spanned] = (t1[spanned] - 1 - first[spanned]) // _HOUR + 1",
        "n[spanned] = (t1[spanned] - first[spanned]) // _HOUR + 1",
        TIMEWIN,
    ),
    Mutation(
        "timewin.last_share_not_exact",
        "geo/timewin.py",
        "weight[ends - 1] = 1.0 - (n - 1) * share",
        "weight[ends - 1] = share[ends - 1]",
        TIMEWIN,
    ),
    Mutation(
        "timewin.span_cap_inclusive",
        "geo/timewin.py",
        "over = spanned & (t1 - t0 > int(span_cap_hours * _HOUR)) & (code == 0)",
        "over = spanned & (t1 - t0 >= int(span_cap_hours * _HOUR)) & (code == 0)",
        TIMEWIN,
    ),
    Mutation(
        "timewin.weekday_range_short",
        "geo/timewin.py",
        "days.update((first + k) % 7 for k in range((last - first) % 7 + 1))",
        "days.update((first + k) % 7 for k in range((last - first) % 7))",
        TIMEWIN,
    ),
    # ---- geo/privacy.py
    Mutation(
        "privacy.coarsen_merges_k",
        "geo/privacy.py",
        "return (counts > 0) & (counts < k)",
        "return (counts > 0) & (counts <= k)",
        PRIVACY,
    ),
    Mutation(
        "privacy.coarsen_merges_zero",
        "geo/privacy.py",
        "return (counts > 0) & (counts < k)",
        "return (counts >= 0) & (counts < k)",
        PRIVACY,
    ),
    Mutation(
        "privacy.suppress_hides_k",
        "geo/privacy.py",
        "flags = {m.name: (counts[m.count] > 0) & (counts[m.count] < k) for m in measures}",
        "flags = {m.name: (counts[m.count] > 0) & (counts[m.count] <= k) for m in measures}",
        PRIVACY,
    ),
    Mutation(
        "privacy.parent_takes_small_cells_only",
        "geo/privacy.py",
        "absorb = np.isin(parent, parent[small])",
        "absorb = small",
        PRIVACY,
    ),
    Mutation(
        "privacy.missing_sums_become_zero",
        "geo/privacy.py",
        ".groupby(parent[absorb], sort=True).sum(min_count=1)",
        ".groupby(parent[absorb], sort=True).sum()",
        PRIVACY,
    ),
    Mutation(
        "privacy.coarsen_with_k_zero",
        "geo/privacy.py",
        'if mode == "coarsen" and k > 0:',
        'if mode == "coarsen":',
        PRIVACY,
        "with k = 0 no count is small: _coarsen merges nothing and adds the same cell, "
        "resolution and merged columns as the k = 0 branch; it differs only by refusing mixed "
        "resolutions, and Atlas.query never calls protect with k = 0",
    ),
    # ---- geo/metrics/_atlas.py
    Mutation(
        "atlas.nights_ignore_weekdays",
        "geo/metrics/_atlas.py",
        "days = range(7) if query.weekdays is None else query.weekdays\n"
        "        return int(sum(per_weekday.get(d, 0) for d in days))",
        "days = range(7)\n        return int(sum(per_weekday.get(d, 0) for d in days))",
        ATLAS,
    ),
    Mutation(
        "atlas.no_rederive_after_coarsen",
        "geo/metrics/_atlas.py",
        "frame = self._derive(protected.table, query)",
        "frame = protected.table",
        ATLAS,
    ),
    Mutation(
        "atlas.per_km2_mean_area",
        "geo/metrics/_atlas.py",
        'out["incidents_per_km2"] = incidents / np.where(area > 0, area, np.nan)',
        'out["incidents_per_km2"] = incidents / np.nanmean(np.where(area > 0, area, np.nan))',
        ATLAS,
    ),
    Mutation(
        "atlas.source_differences_shown",
        "geo/metrics/_atlas.py",
        "_hide_source_differences(table, self.sources)",
        "None",
        ATLAS,
    ),
    Mutation(
        "atlas.dayparts_ignore_window",
        "geo/metrics/_atlas.py",
        "keep &= np.where(timed, in_window, overlaps[codes])",
        "keep &= np.where(timed, in_window, True)",
        ATLAS,
    ),
    Mutation(
        "atlas.single_hidden_bar",
        "geo/metrics/_atlas.py",
        "if hidden.sum() == 1:",
        "if hidden.sum() == 0:",
        ATLAS,
    ),
    Mutation(
        "atlas.rehide_after_rederive",
        "geo/metrics/_atlas.py",
        "frame.loc[hidden, list(m.values)] = np.nan",
        "pass",
        ATLAS,
    ),
    Mutation(
        "atlas.perceived_ok_ignores_k",
        "geo/metrics/_atlas.py",
        'ok = np.asarray(table["perceived_ok"], dtype=bool) & ~table["suppressed_perceived"]',
        'ok = np.asarray(table["perceived_ok"], dtype=bool)',
        ATLAS,
    ),
    # ---- geo/schema/_validate.py
    Mutation(
        "validate.zero_zero_either",
        "geo/schema/_validate.py",
        '(frame["lat"] == 0) & (frame["lon"] == 0), "zero_zero_sentinel"',
        '(frame["lat"] == 0) | (frame["lon"] == 0), "zero_zero_sentinel"',
        VALIDATE,
    ),
    Mutation(
        "validate.keep_last_duplicate",
        "geo/schema/_validate.py",
        'frame[id_col].duplicated(keep="first")',
        'frame[id_col].duplicated(keep="last")',
        VALIDATE,
    ),
    Mutation(
        "validate.insecurity_open_range",
        "geo/schema/_validate.py",
        '~frame["insecurity"].between(0, 1), "insecurity_out_of_range"',
        '~frame["insecurity"].between(0, 1, inclusive="neither"), "insecurity_out_of_range"',
        VALIDATE,
    ),
    Mutation(
        "validate.weight_zero_kept",
        "geo/schema/_validate.py",
        'weight_text | ~(frame["weight"] > 0), "invalid_weight"',
        'weight_text | ~(frame["weight"] >= 0), "invalid_weight"',
        VALIDATE,
    ),
    Mutation(
        "validate.hour_24_kept",
        "geo/schema/_validate.py",
        "(~hour.between(0, 23) | (hour % 1 != 0))",
        "(~hour.between(0, 24) | (hour % 1 != 0))",
        VALIDATE,
    ),
    Mutation(
        "validate.noon_not_a_default_time",
        "geo/schema/_validate.py",
        "clock.isin([0, 720])",
        "clock.isin([0])",
        VALIDATE,
    ),
    Mutation(
        "validate.equal_times_swapped",
        "geo/schema/_validate.py",
        "inverted = end.notna() & start.notna() & (end < start)",
        "inverted = end.notna() & start.notna() & (end <= start)",
        VALIDATE,
    ),
    Mutation(
        "validate.missing_start_keeps_precision",
        "geo/schema/_validate.py",
        'precision = precision.mask(start.isna(), "unknown")',
        "precision = precision",
        VALIDATE,
    ),
    Mutation(
        "validate.daypart_end_inclusive",
        "geo/schema/_validate.py",
        "inside = (hour >= lo) & (hour < hi) if lo < hi",
        "inside = (hour >= lo) & (hour <= hi) if lo < hi",
        VALIDATE,
        "DAYPART_HOURS runs day, evening, night, each starting where the one before ends, and "
        "a later daypart overwrites an earlier one: hour 18 still lands in evening, 22 in night",
    ),
)


def tracked_files() -> list[str]:
    """The working tree as git sees it (committed and new files, not ignored ones)."""
    out = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [p for p in out.split("\0") if p and (REPO / p).is_file()]


def copy_tree(source: Path, files: list[str], parent: Path) -> Path:
    """A copy of ``files`` from ``source`` in ``parent/<repo name>``, with ../shared beside it
    as a link (the tests read the real export slices from there)."""
    target = parent / REPO.name
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, target / name)
    shared = REPO.parent / "shared"
    if shared.is_dir():
        (parent / "shared").symlink_to(shared, target_is_directory=True)
    return target


def environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    env.pop("CI", None)  # local figures: skips stay skips
    return env


def check_isolation(copy: Path) -> None:
    """The copy's ``geo`` is the one imported (the editable install points at the tree)."""
    found = subprocess.run(
        [sys.executable, "-c", "import geo; print(geo.__file__)"],
        cwd=copy,
        env=environment(copy),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(copy.resolve()):
        raise SystemExit(f"the copy imports geo from {found}, not from {copy}: stopping")


def run_tests(copy: Path, tests: tuple[str, ...]) -> tuple[bool, str, float]:
    """(passed, first failing test or reason, seconds)."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", *PYTEST_ARGS, *tests],
            cwd=copy,
            env=environment(copy),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        return False, f"timeout after {TIMEOUT_S} s", time.perf_counter() - start
    seconds = time.perf_counter() - start
    if done.returncode == 0:
        return True, "", seconds
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", done.stdout, flags=re.MULTILINE)
    tail = done.stdout.strip().splitlines()[-1:] or ["pytest exited " + str(done.returncode)]
    return False, failed[0] if failed else tail[0], seconds


def apply(copy: Path, mutation: Mutation) -> None:
    path = copy / mutation.path
    text = path.read_text(encoding="utf-8")
    found = text.count(mutation.old)
    if found != 1:
        raise ValueError(f"{mutation.id}: the line occurs {found} times in {mutation.path}")
    path.write_text(text.replace(mutation.old, mutation.new), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", action="append", default=[], help="run the mutations whose id contains this"
    )
    parser.add_argument("--list", action="store_true", help="list the mutations and stop")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.only or any(t in m.id for t in args.only)]
    if args.list:
        for m in chosen:
            print(f"{m.id:<40} {m.path}")
        return 0
    files = tracked_files()
    survivors: list[Mutation] = []
    stale: list[str] = []
    with tempfile.TemporaryDirectory(prefix="atlas-mutations-") as base:
        # One snapshot of the tree, so edits made while this runs do not mix in; tested
        # unmutated first: a test set that fails on its own would "kill" every mutation.
        pristine = copy_tree(REPO, files, Path(base) / "pristine")
        check_isolation(pristine)
        for tests in dict.fromkeys(m.tests for m in chosen):
            passed, why, seconds = run_tests(pristine, tests)
            verdict = "pass" if passed else f"FAIL {why}"
            print(f"{'baseline':<40} {verdict} ({seconds:.0f} s)", flush=True)
            if not passed:
                print("the unmutated tree fails these tests: fix that first", file=sys.stderr)
                return 1
        for i, mutation in enumerate(chosen):
            copy = copy_tree(pristine, files, Path(base) / f"m{i}")
            try:
                apply(copy, mutation)
            except ValueError as error:
                stale.append(str(error))
                print(f"{mutation.id:<40} STALE (the line is gone: update the list)")
                continue
            passed, why, seconds = run_tests(copy, mutation.tests)
            shutil.rmtree(copy.parent)
            verdict = "SURVIVED" if passed else f"killed by {why}"
            print(f"{mutation.id:<40} {verdict} ({seconds:.0f} s)", flush=True)
            if passed:
                survivors.append(mutation)
    print(f"\n{len(chosen) - len(survivors) - len(stale)} of {len(chosen)} mutations caught")
    for mutation in survivors:
        print(f"survived: {mutation.id} ({mutation.path})")
        print(f"    {mutation.old.strip()!r} -> {mutation.new.strip()!r}")
        if mutation.note:
            print(f"    known equivalent: {mutation.note}")
    for message in stale:
        print(f"stale: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
