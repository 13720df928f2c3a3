"""Readers' leases on build generations: a build removes every older generation no process
reads, and never one a kernel still reads (geo.city._generations)."""

from __future__ import annotations

import fcntl
import gc
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from geo.city import build_project, current_generation, load_project, open_city
from geo.city._generations import LEASE, _remove, take_lease
from geo.metrics import Query

pytestmark = pytest.mark.formats

_PROJECT = """\
city: Leases
timezone: America/Chicago
sources:
  incidents:
    - path: ../exports/chicago.csv
"""


@pytest.fixture()
def project(tmp_path: Path, formats_dir: Path):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "chicago.csv").write_bytes((formats_dir / "chicago_crimes_sample.csv").read_bytes())
    folder = tmp_path / "city"
    folder.mkdir()
    (folder / "atlas.yaml").write_text(_PROJECT, encoding="utf-8")
    return load_project(folder)


def _generations(project) -> list[str]:
    return sorted(p.name for p in project.build_root.glob("gen-*"))


def test_without_readers_a_rebuild_leaves_one_generation_on_disk(project) -> None:
    build_project(project)
    build_project(project, force=True)
    build_project(project, force=True)
    assert _generations(project) == [current_generation(project.build_root).name]
    assert not list(project.build_root.glob(".tmp-*"))


def test_an_open_citys_generation_outlives_rebuilds_until_it_is_closed(project) -> None:
    build_project(project)
    city = open_city(project.folder)
    read = city.generation.name
    said: list[str] = []
    build_project(project, force=True)
    build_project(project, force=True, progress=said.append)
    assert said[-1] == f"kept 1 older build(s) still open in a dashboard: {read}"
    current = current_generation(project.build_root).name
    # the one read and the current: the generation between them nobody read is gone
    assert _generations(project) == sorted({read, current}) and read != current
    # and the open city still answers, at a resolution it had not mapped yet
    assert city.atlas.query(Query(resolution=7, k=0)).summary["cells_shown"] > 0
    del city
    gc.collect()
    build_project(project, force=True)
    assert _generations(project) == [current_generation(project.build_root).name]


_READER = """
import sys
from geo.city import open_city
city = open_city(sys.argv[1])
print(city.generation.name, flush=True)
sys.stdin.read()  # hold it until the test closes our stdin
"""


def test_a_kernel_in_another_process_holds_its_generation(project) -> None:
    build_project(project)
    reader = subprocess.Popen([sys.executable, "-c", _READER, str(project.folder)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        read = reader.stdout.readline().strip()
        assert read == current_generation(project.build_root).name
        build_project(project, force=True)
        assert read in _generations(project)
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)
    build_project(project, force=True)
    assert read not in _generations(project) and len(_generations(project)) == 1


def test_a_generation_removed_before_its_reader_locked_it_is_read_again_from_current(
    project, monkeypatch
) -> None:
    import geo.city._build as build

    build_project(project)
    gone = current_generation(project.build_root)
    build_project(project, force=True)  # nobody read it: removed
    assert not gone.exists()
    names = iter([gone])  # a reader that read CURRENT just before the switch
    real = build.current_generation
    monkeypatch.setattr(build, "current_generation", lambda root: next(names, None) or real(root))
    city = open_city(project.folder)
    assert city.generation == real(project.build_root)


def test_a_reader_waiting_on_a_removal_is_sent_back_to_current(project) -> None:
    build_project(project)
    generation = current_generation(project.build_root)
    builder = os.open(generation / LEASE, os.O_RDONLY)
    fcntl.flock(builder, fcntl.LOCK_EX)  # a build about to remove it
    got = []
    waiting = threading.Thread(target=lambda: got.append(take_lease(generation)))
    waiting.start()
    time.sleep(0.3)
    assert waiting.is_alive()  # the reader waits for the build ...
    _remove(project.build_root, generation)
    os.close(builder)
    waiting.join(timeout=10)
    assert got == [None]  # ... and is told its generation is gone


def test_a_generation_written_before_leases_is_kept_while_it_is_the_one_replaced(
    project,
) -> None:
    build_project(project)
    legacy = current_generation(project.build_root)
    (legacy / LEASE).unlink()  # as builds wrote it before leases existed
    assert take_lease(legacy) == -1  # its reader holds nothing, and is not refused
    build_project(project, force=True)
    assert legacy.name in _generations(project)  # kept: a reader may not hold a lease on it
    build_project(project, force=True)  # no longer the one replaced: removed as before
    assert _generations(project) == [current_generation(project.build_root).name]
