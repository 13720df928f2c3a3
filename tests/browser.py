"""Voila on a free loopback port and Playwright driving Debian's headless Chromium.

Used by the browser tests and by `make screenshot`. The browser is Debian's /usr/bin/chromium:
a Playwright browser download cannot work on our machines.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from geo.serve import page_args

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]
"""No host name resolves but localhost (the served pages use 127.0.0.1): basemap tiles and any
CDN fail at once, inside Chromium. Playwright's request routing did the same, but sent every
request through the driver process: a page open's ~140 requests cost 0.1-0.8 s more."""


def chromium_path() -> str | None:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited early with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise TimeoutError(f"voila did not listen on port {port} within {timeout} s")


@contextlib.contextmanager
def voila_server(
    root: Path = REPO / "dashboards",
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Serve a folder of notebooks with Voila; yield its base URL; stop it and its kernels."""
    port = free_port()
    env = {**os.environ, **(env or {})}
    cmd = [
        str(Path(sys.executable).with_name("voila")),
        *page_args(env),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--MappingKernelManager.cull_idle_timeout=120",
        *extra_args,
        str(root),
    ]
    with running_server(cmd, port, env) as url:
        yield url


@contextlib.contextmanager
def running_server(argv: list[str], port: int, env: dict[str, str],
                   log: Path | None = None) -> Iterator[str]:
    """Run ``argv`` (a server on loopback ``port``) in its own process group; yield its URL once
    it listens; stop the group (server and kernels) after. Without ``log``, output goes to a
    file in tests/ removed afterwards."""
    keep_log = log is not None
    log = log or REPO / "tests" / f".voila-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(argv, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        try:
            _wait_for_port(port, proc, 60)
            yield f"http://127.0.0.1:{port}"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    if not keep_log:
        log.unlink(missing_ok=True)


@contextlib.contextmanager
def browser_page(width: int = 1440, height: int = 900, offline: bool = True):
    """A Playwright page in headless Chromium; with ``offline`` only loopback requests pass
    (:data:`OFFLINE_ARGS`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        args = CHROMIUM_ARGS + OFFLINE_ARGS if offline else CHROMIUM_ARGS
        browser = pw.chromium.launch(executable_path=chromium_path(), args=args)
        context = browser.new_context(
            viewport={"width": width, "height": height}, accept_downloads=True
        )
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()
