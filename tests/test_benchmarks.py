"""Every benchmark script runs once at tiny sizes (``BENCH_QUICK=1``), so none can rot.

Figures are printed and written to a scratch results file; nothing is timed as a pass or fail:
a script fails this test only by crashing. Scripts run as ``make bench`` runs them (by path, from
another working directory, the package only on ``sys.path`` through the script itself), which
is how a fresh clone met ``No module named 'benchmarks'``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import chromium_path
from tests.conftest import REPO, need

SCRIPTS = sorted((REPO / "benchmarks").glob("bench_*.py"))
BROWSER = {"bench_dashboard.py", "bench_load.py", "bench_metro.py", "bench_pan.py",
           "bench_renderers.py", "bench_venues.py"}
"""Scripts that drive Chromium: they need it (skipped locally without it, failed on CI)."""


def test_every_script_is_listed() -> None:
    assert len(SCRIPTS) >= 9


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_script_runs_quick(script: Path, tmp_path: Path) -> None:
    if script.name in BROWSER:
        need(chromium_path() is not None, "Debian chromium is missing")
    results = tmp_path / "results.json"
    env = {**os.environ, "BENCH_QUICK": "1", "BENCH_RESULTS": str(results)}
    env.pop("PYTHONPATH", None)
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=900)
    tail = f"{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    assert run.returncode == 0, f"{script.name} crashed:\n{tail}"
    figures = json.loads(results.read_text())
    assert figures and all(name.endswith("_quick") for name in figures), figures
