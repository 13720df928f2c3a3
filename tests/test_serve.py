"""The served deployment (`make serve`, deploy/voila.py): a visitor reaches the dashboards only.

Voila runs with `make serve`'s own command line (read from ``make -n serve``), bound to
loopback and a free port instead of 0.0.0.0:8866 — the only difference. Every path a curious
visitor could try — the file tree, the contents API, notebook source, the data folder, static
files outside the dashboards, traversal tricks — is requested over raw HTTP (no client-side
normalisation of ``..``) and must be refused; the dashboard itself must still render, with its
page assets, and a notebook that raises must not show the visitor a traceback.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import psutil
import pytest
from traitlets.config.loader import PyFileConfigLoader

from geo.app._data_panel import MAX_UPLOAD_BYTES
from geo.serve import (
    DASHBOARDS,
    DEFAULT_POOL_SIZE,
    PACED,
    PRESENT_POOL_SIZE,
    PUBLIC_POOL_SIZE,
    voila_command,
)
from tests.browser import free_port, running_server
from tests.conftest import REPO

pytestmark = pytest.mark.slow

DEPLOY = REPO / "deploy"
CULL = ("--MappingKernelManager.cull_idle_timeout=6", "--MappingKernelManager.cull_interval=2")
"""Short culling so the test can watch an idle kernel go (the file says one hour)."""
POOL_SIZE = 2
"""`make serve POOL_SIZE=2`: the setting goes through to Voila, the test stays light."""
ATLAS = "/voila/render/atlas.ipynb"
SECRET = "secret-detail-/home/analyst/private.csv"

FORBIDDEN: tuple[tuple[str, str], ...] = (
    # the file tree
    ("GET", "/"),
    ("GET", "/voila/tree"),
    ("GET", "/voila/tree/"),
    ("GET", "/voila/tree/atlas.ipynb"),
    ("GET", "/tree"),
    ("GET", "/lab"),
    # contents APIs (listing and notebook models)
    ("GET", "/voila/api/contents"),
    ("GET", "/voila/api/contents/atlas.ipynb"),
    ("GET", "/voila/api/contents/atlas.ipynb?content=1&format=text"),
    ("GET", "/api/contents"),
    ("GET", "/api/contents/atlas.ipynb"),
    ("PUT", "/voila/api/contents/new.ipynb"),
    # notebook source and conversions
    ("GET", "/voila/files/atlas.ipynb"),
    ("GET", "/voila/files/atlas.ipynb?download=1"),
    ("GET", "/files/atlas.ipynb?download=1"),
    ("GET", "/notebooks/atlas.ipynb"),
    ("GET", "/edit/atlas.ipynb"),
    ("GET", "/view/atlas.ipynb"),
    ("GET", "/nbconvert/html/atlas.ipynb?download=true"),
    ("GET", "/nbconvert/script/atlas.ipynb"),
    ("GET", "/voila/nbconvert/script/atlas.ipynb"),
    ("GET", "/voila/render/.ipynb_checkpoints/atlas-checkpoint.ipynb"),
    ("GET", "/voila/render/../benchmarks/naive_dashboard.ipynb"),
    # the data folder and other files of the repository
    ("GET", "/voila/files/../data/sample/incidents.csv"),
    ("GET", "/voila/files/%2e%2e/data/sample/incidents.csv"),
    ("GET", "/voila/files/..%2fdata%2fsample%2fperceptions.csv"),
    ("GET", "/voila/render/../data/sample/incidents.csv"),
    ("GET", "/voila/render/%2e%2e/data/sample/perceptions.csv"),
    ("GET", "/voila/render/atlas.ipynb/../../data/sample/incidents.csv"),
    ("GET", "/voila/render/../pyproject.toml"),
    ("GET", "/data/sample/incidents.csv"),
    ("GET", "/voila/files/../../etc/passwd"),
    # static routes pointed outside their own folders
    ("GET", "/voila/static/../../../../../../etc/passwd"),
    ("GET", "/voila/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"),
    ("GET", "/voila/templates/lab/static/../../../../../../../../etc/passwd"),
    ("GET", "/voila/labextensions/../../../../../etc/passwd"),
    ("GET", "/voila/api/themes/../../../../../etc/passwd"),
    ("GET", "/static/../../etc/passwd"),
    # server APIs: kernels, sessions, status, specs, login
    ("GET", "/api/kernels"),
    ("POST", "/api/kernels"),
    ("GET", "/api/sessions"),
    ("GET", "/api/status"),
    ("GET", "/api/kernelspecs"),
    ("GET", "/api/config/notebook"),
    ("GET", "/login"),
    ("GET", "/logout"),
)
"""(method, raw path) pairs a visitor must not get content from."""

REFUSED = (403, 404, 405)
ASSERTS_ON_PATH = "/voila/templates/lab/static/../../../../../../../../etc/passwd"
"""Voila 0.5.13's template asset handler (a plain tornado StaticFileHandler, which the gate in
deploy/voila.py does not see) asserts on the shape of the normalised path and answers 500:
refused all the same, nothing is read."""

LEAKS = re.compile(
    rb"incident_id|response_id|\"cell_type\"|nbformat|AtlasApp|load_sample|root:x:0|"
    rb"<title>Voil\S* Home|\[project\]"
)
"""Bytes that would mean a refused request still gave something away."""


def fetch(base: str, path: str, method: str = "GET", hops: int = 3) -> tuple[int, bytes]:
    """Status and body of a raw request, following redirects like a browser would."""
    url = urlsplit(base)
    for _ in range(hops + 1):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        try:
            conn.request(method, path, body=b"{}" if method in ("POST", "PUT") else None)
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        location = response.getheader("Location")
        if response.status in (301, 302, 303, 307, 308) and location and method == "GET":
            target = urlsplit(location)
            path = target.path + (f"?{target.query}" if target.query else "")
            continue
        return response.status, body
    raise AssertionError(f"{path}: more than {hops} redirects")


def kernels_of(port: int) -> list[psutil.Process]:
    """Kernel processes started by the Voila server listening on ``port``."""
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if any(a.endswith("voila") for a in cmdline[:3]) and f"--port={port}" in cmdline:
            return [child for child in proc.children(recursive=True) if _is_kernel(child)]
    raise AssertionError(f"no voila process on port {port}")


def _is_kernel(proc: psutil.Process) -> bool:
    """A live kernel process; a culled kernel not yet reaped (a zombie) is not one."""
    try:
        return "ipykernel_launcher" in " ".join(proc.cmdline())
    except (psutil.ZombieProcess, psutil.NoSuchProcess):
        return False


def make_serve_line(**variables: object) -> list[str]:
    """The ``atlas serve`` command `make serve` runs with these make variables."""
    dry = subprocess.run(
        ["make", "-n", "serve", *(f"{k}={v}" for k, v in variables.items())],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.replace("\\\n", " ")
    return shlex.split(next(x for x in dry.splitlines() if "atlas serve" in x))


def serve_command(port: int, root: Path | None = None) -> list[str]:
    """`make serve`'s command line, bound to loopback on ``port`` (optionally another folder).

    `make serve` runs ``atlas serve CITY --public``; its ``--dry-run`` prints the Voila command,
    which is what runs here (with the environment ``atlas serve`` gives it: see ``serving``).
    """
    line = make_serve_line(SERVE_PORT=port, POOL_SIZE=POOL_SIZE)
    assert "--public" in line and f"--port={port}" in line, line
    assert f"--pool-size={POOL_SIZE}" in line, line
    argv, _env = voila_command(REPO / line[line.index("serve") + 1], port=port, public=True,
                               pool_size=POOL_SIZE)
    assert "--Voila.ip=0.0.0.0" in argv and f"--port={port}" in argv, argv
    argv = ["--Voila.ip=127.0.0.1" if a == "--Voila.ip=0.0.0.0" else a for a in argv]
    if root is not None:
        argv = [str(root) if a == str(DASHBOARDS) else a for a in argv]
    return argv


@contextlib.contextmanager
def serving(argv: list[str], log: Path) -> Iterator[str]:
    """Run ``argv`` (a Voila server on loopback); yield its URL; stop it and its kernels."""
    port = int(next(a for a in argv if a.startswith("--port=")).split("=")[1])
    _argv, env = voila_command(REPO / "data" / "sample", public=True)
    with running_server(argv, port, env, log) as url:
        yield url


@pytest.fixture(scope="module")
def served_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("voila") / "served.log"


@pytest.fixture(scope="module")
def served(served_log: Path) -> Iterator[str]:
    with serving([*serve_command(free_port()), *CULL], served_log) as url:
        yield url


@pytest.fixture(scope="module")
def dashboard(served: str) -> bytes:
    """The dashboard page, fetched once (each fetch runs the notebook in a kernel)."""
    status, body = fetch(served, ATLAS)
    assert status == 200
    return body


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway folder with one notebook that raises, served with the same command."""
    folder = tmp_path_factory.mktemp("failing")
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.HTML('<b>before</b>')"),
            nbformat.v4.new_code_cell(f"raise RuntimeError({SECRET!r})"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    nbformat.write(notebook, folder / "fails.ipynb")
    with serving(serve_command(free_port(), folder), folder.parent / "failing.log") as url:
        yield url


@pytest.mark.parametrize(("method", "path"), FORBIDDEN, ids=[f"{m} {p}" for m, p in FORBIDDEN])
def test_forbidden_paths_are_refused(served: str, method: str, path: str) -> None:
    status, body = fetch(served, path, method)
    assert status in ((*REFUSED, 500) if path == ASSERTS_ON_PATH else REFUSED), (status, body[:300])
    assert not LEAKS.search(body), body[:300]


def test_the_dashboard_renders_without_its_source(served: str, dashboard: bytes) -> None:
    query = "?download=1&format=script&template=classic&theme=dark"
    for body in (dashboard, fetch(served, ATLAS + query)[1]):
        page = body.decode("utf-8", "replace")
        assert "jupyter-widgets" in page or "application/vnd.jupyter.widget" in page
        for source in ("from geo.app import AtlasApp", "app.load_city", '"cell_type"'):
            assert source not in page, (query, source)


def test_the_page_assets_stay_reachable(served: str, dashboard: bytes) -> None:
    """The gate must not break the page: every same-server asset the page links loads."""
    links = set(re.findall(rb'(?:src|href)="(/voila/[^"?#]+)', dashboard))
    assert links, "the page links no Voila assets"
    for link in sorted(links):
        status, _ = fetch(served, link.decode())
        assert status == 200, link


def test_the_page_script_is_asked_for_before_the_cells_run(dashboard: bytes) -> None:
    """Our template (geo/serve/jupyter/voila/templates/atlas) puts Voila's script right after
    the page configuration it reads, ahead of the first cell's output, once, and keeps Voila's
    end of page; a cold kernel's page then loads its script while the notebook runs."""
    page = dashboard.decode("utf-8", "replace")
    scripts = [m.start() for m in re.finditer(r'<script src="[^"]*/voila/static/voila\.js"', page)]
    assert len(scripts) == 1, scripts
    config = page.index('id="jupyter-config-data"')
    first_cell = page.index("<div cell-index=")
    assert config < scripts[0] < first_cell
    assert "window.voila_finish()" in page[first_cell:]
    assert page.rstrip().endswith("</html>")
    assert "//cdn." not in page


def test_a_visitor_sees_no_traceback(failing: str) -> None:
    status, body = fetch(failing, "/voila/render/fails.ipynb")
    page = body.decode("utf-8", "replace")
    assert status == 200
    assert "There was an error when executing cell" in page  # the failure was exercised
    for leak in ("Traceback", "RuntimeError", SECRET, "raise "):
        assert leak not in page, leak


def test_idle_kernels_are_culled_and_the_preheated_ones_stay(
    served: str, served_log: Path, dashboard: bytes
) -> None:
    """The pages fetched above never ran their script, so never connected or closed: only
    the culler can free their kernels. The preheated ones (the analyst pool, one for the
    presentation) stay."""
    port = urlsplit(served).port
    pools = POOL_SIZE + PRESENT_POOL_SIZE
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and len(kernels_of(port)) > pools:
        time.sleep(1)
    assert len(kernels_of(port)) == pools
    assert "Culling 'idle' kernel" in served_log.read_text(errors="replace")


def test_the_configuration_file_holds_the_limits() -> None:
    config = PyFileConfigLoader("voila.py", path=str(DEPLOY)).load_config()
    voila, conf, kernels = config.Voila, config.VoilaConfiguration, config.MappingKernelManager
    assert conf.show_tracebacks is False and conf.strip_sources is True
    assert conf.file_allowlist == [] and conf.file_denylist == [".*"]
    assert conf.preheat_kernel is True and conf.default_pool_size >= 1
    assert kernels.cull_idle_timeout > 0 and kernels.cull_interval > 0
    # Under load a cell's output lags its reply: nbclient's 4 s default blanks the page.
    assert config.VoilaExecutor.iopub_timeout >= 60
    # Uploads ride the kernel websocket: its limit sits just above the data panel's own.
    limit = voila.tornado_settings["websocket_max_message_size"]
    assert MAX_UPLOAD_BYTES < limit <= 2 * MAX_UPLOAD_BYTES
    assert "ip" not in voila  # binding is the command line's choice


def test_make_serve_binds_the_network_with_this_configuration() -> None:
    argv = serve_command(8866)  # SERVE_PORT's default
    assert f"--Voila.config_file_paths={DEPLOY.resolve()}" in argv and str(DASHBOARDS) in argv
    _argv, env = voila_command(REPO / "data" / "sample", public=True)
    assert env["ATLAS_PUBLIC"] == "1" and env["ATLAS_CITY"].endswith("sample")


def _pools(argv: list[str]) -> dict:
    """The per-notebook pools an argv gives Voila, as traitlets reads them."""
    from traitlets import Dict
    from traitlets.config.loader import KVArgParseConfigLoader

    option = next(a for a in argv if a.startswith("--VoilaKernelManager.kernel_pools_config="))
    value = KVArgParseConfigLoader([option]).load_config().VoilaKernelManager.kernel_pools_config
    return Dict().from_string(value) if isinstance(value, str) else dict(value)


def test_the_pool_size_reaches_voila() -> None:
    """`make serve POOL_SIZE=N` -> `atlas serve --pool-size=N` -> Voila's pools: N analyst
    kernels, one for the presentation; defaults: one on a laptop, more on a public server."""
    city = REPO / "data" / "sample"
    assert make_serve_line(POOL_SIZE=7)[-1] == "--pool-size=7"
    assert not any(a.startswith("--pool-size") for a in make_serve_line())
    for public, size, want in ((False, None, DEFAULT_POOL_SIZE), (True, None, PUBLIC_POOL_SIZE),
                               (True, 7, 7), (False, 3, 3)):
        argv, _env = voila_command(city, public=public, pool_size=size)
        pools = _pools(argv)
        assert pools["atlas.ipynb"]["pool_size"] == want
        assert pools["default"]["pool_size"] == PRESENT_POOL_SIZE  # the presentation
        assert "--preheat_kernel=True" in argv
        assert f"--VoilaConfiguration.multi_kernel_manager_class={PACED}" in argv
    with pytest.raises(ValueError):
        voila_command(city, pool_size=0)


@pytest.mark.parametrize(("args", "want"), [((), DEFAULT_POOL_SIZE), (("--public",),
                         PUBLIC_POOL_SIZE), (("--pool-size", "5"), 5)])
def test_atlas_serve_takes_a_pool_size(args: tuple[str, ...], want: int) -> None:
    atlas = str(Path(sys.executable).with_name("atlas"))
    run = subprocess.run([atlas, "serve", "data/sample", "--dry-run", *args], cwd=REPO,
                         capture_output=True, text=True, check=True)
    assert _pools(shlex.split(run.stdout.strip()))["atlas.ipynb"]["pool_size"] == want
    bad = subprocess.run([atlas, "serve", "data/sample", "--dry-run", "--pool-size", "0"],
                         cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2 and "at least 1" in bad.stderr
