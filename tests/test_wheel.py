"""The built wheel serves a city on its own: dashboards, scenes, catalogues and the public Voila
configuration ship inside the package, and nothing reads the checkout.

The wheel is installed into a fresh venv whose only other packages are the project's
dependencies (made importable with a ``.pth`` line to this venv's site-packages, which does not
bring this checkout's editable install along). ``atlas sample``, ``atlas build`` and
``atlas serve`` then run from that venv, and the served analyst page renders.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import sysconfig
import urllib.request
from pathlib import Path

import pytest

from tests.browser import _wait_for_port, free_port
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, check=True, **kwargs)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)]
    try:  # offline-friendly: this venv's setuptools, when it can build wheels by itself
        _run([*build, "--no-build-isolation"])
    except subprocess.CalledProcessError:
        _run(build)
    wheel = next(dist.glob("insecurity_atlas-*.whl"))
    env_dir = root / "venv"
    _run([sys.executable, "-m", "venv", str(env_dir)])
    python = env_dir / "bin" / "python"
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    Path(site.stdout.strip(), "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)])
    return env_dir


def test_the_wheel_holds_the_dashboards_and_runs_outside_the_checkout(venv: Path,
                                                                      tmp_path: Path) -> None:
    python = str(venv / "bin" / "python")
    # The dependencies' data files (Voila's templates, the widgets' lab extensions) sit in this
    # venv's share/jupyter, which a real install of the wheel would have put in its own venv.
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    env.pop("ATLAS_CITY", None)
    where = _run([python, "-c", "import geo, geo.serve, geo.city as c; print(geo.__file__); "
                  "print(geo.serve.DASHBOARDS); print(c.REPO_SAMPLE)"], env=env, cwd=tmp_path)
    package, dashboards, sample = where.stdout.split()
    assert package.startswith(str(venv)) and dashboards.startswith(str(venv))
    assert sample.startswith(str(tmp_path / "cache"))  # the sample is never written in the venv
    for name in ("atlas.ipynb", "present.ipynb", "scenes/example.yaml"):
        assert (Path(dashboards) / name).is_file(), name
    assert (Path(package).parent / "serve" / "voila.py").is_file()
    template = Path(package).parent / "serve" / "jupyter" / "voila" / "templates" / "atlas"
    assert {p.name for p in template.iterdir()} >= {"conf.json", "index.html.j2"}
    city = tmp_path / "city"
    cli = [python, "-m", "geo.cli"]
    _run([*cli, "sample", "--out", str(city)], env=env, cwd=tmp_path)
    assert (city / "scenes" / "example.yaml").is_file()
    _run([*cli, "build", str(city)], env=env, cwd=tmp_path)
    dry = _run([*cli, "serve", str(city), "--dry-run"], env=env, cwd=tmp_path).stdout
    assert dashboards in dry and python in dry
    port = free_port()
    argv = [*cli, "serve", str(city), f"--port={port}"]
    proc = subprocess.Popen(argv, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for_port(port, proc, 90)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/render/atlas.ipynb",
                                    timeout=300) as response:
            page = response.read().decode("utf-8", "replace")
        assert response.status == 200
        assert "application/vnd.jupyter.widget" in page
        assert "There was an error when executing cell" not in page
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
