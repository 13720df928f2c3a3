"""Load: 20 concurrent dashboard sessions on the served deployment (issue: all complete; report
p50/p95 of a filter change, memory per kernel, and no kernel left once the sessions close).

The server is `make serve`'s: Voila with deploy/voila.py (preheated kernel, dashboards only),
bound to 127.0.0.1 on a free port instead of 0.0.0.0, with culling shortened from an hour to a
minute (:data:`CULL`) so the run can watch kernels go. Every session opens
/voila/render/atlas.ipynb together; when all are open the kernels' resident memory is read
(psutil, the ipykernel processes under the Voila process: ``/api/kernels`` is closed in the
served configuration); then each moves the hour window 10 times, a change being done when the
map's draw counter (``.atlas-stamp[data-draws]``) has moved; then the sessions close as a tab
closes (the shutdown beacon) and the script waits, bounded, until only the preheated pool kernels
are left.

The sessions speak the kernel/widget protocol directly (:mod:`benchmarks._voila_client`: the
page request, the kernel websocket in the page's own binary framing, the widget control comm's
``request_states``, ``update`` messages to the hour slider, the shutdown beacon), with no browser
per session, so the figure is the server's, not Chromium's; they open the city-sized sample
(``atlas sample --size city``, 1M incidents, ~54k occupied res-10 cells; built once into
``data/cache/bench-city``). Then :data:`BROWSERS` Chromium pages open the same server together
and must really paint hexagons (pixels on the map's canvas) and restyle on an hour change.
``BENCH_LOAD_BROWSER=1`` drives all the sessions with Chromium pages on the sample city instead
(the earlier figure).

This is a benchmark script, not a test: pytest does not collect it (``__test__ = False``).
Run it alone (`make bench` runs every bench_*.py); ``BENCH_QUICK=1`` runs 2 sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._common import city_dir, quick, record  # noqa: E402
from benchmarks._voila_client import Session  # noqa: E402
from tests.browser import CHROMIUM_ARGS, _wait_for_port, chromium_path, free_port  # noqa: E402

__test__ = False

SESSIONS = 2 if quick() else 20
CHANGES = 2 if quick() else 10
BROWSERS = 1 if quick() else 5
"""Chromium pages of the paint check, opened together once the protocol sessions are done."""
POOL = len([p for p in (REPO / "dashboards").rglob("*.ipynb") if ".ipynb_checkpoints" not in
            p.parts])
"""Preheated kernels the served configuration keeps waiting: one per dashboard notebook."""
CULL = (
    "--MappingKernelManager.cull_idle_timeout=60",
    "--MappingKernelManager.cull_interval=5",
    "--MappingKernelManager.cull_connected=False",
)
"""Culling for the run: a minute instead of an hour, and only for kernels whose page is gone
(with the served file's ``cull_connected``, sessions idle while waiting for the others to open
would lose their kernels: that is the served setting working, not the load being served)."""
OPEN_TIMEOUT_MS = 600_000
CHANGE_TIMEOUT_MS = 120_000
KERNELS_GONE_WITHIN_S = 180
RUN_TIMEOUT_S = 1_800

READY_JS = """() => !!document.querySelector('.atlas-summary')
  && (document.querySelector('.atlas-status')?.textContent || '').includes('Ready')"""
SIGNATURE_JS = """() => {
  const stamp = document.querySelector('.atlas-stamp[data-draws]');
  if (stamp) return 'draws:' + stamp.dataset.draws;
  return 'summary:' + (document.querySelector('.atlas-summary')?.innerText || '');
}"""


@dataclass
class Run:
    """What the sessions share: readiness (a barrier that tolerates failures) and results."""

    sessions: int
    loaded: int = 0
    all_open: asyncio.Event = field(default_factory=asyncio.Event)
    open_seconds: list[float] = field(default_factory=list)
    changes_ms: list[float] = field(default_factory=list)
    completed: int = 0
    errors: list[str] = field(default_factory=list)

    def arrived(self) -> None:
        self.loaded += 1
        if self.loaded == self.sessions:
            self.all_open.set()


BROWSER = os.environ.get("BENCH_LOAD_BROWSER") == "1"
"""Drive every session with a Chromium page on the sample city (``BENCH_LOAD_BROWSER=1``)
instead of protocol sessions on the city-sized build."""


def serve_command(port: int) -> list[str]:
    """`make serve`'s command (see the Makefile), on loopback, with short culling."""
    return [
        str(Path(sys.executable).with_name("voila")), "dashboards", "--no-browser",
        f"--Voila.config_file_paths={REPO / 'deploy'}", "--Voila.ip=127.0.0.1", f"--port={port}",
        *CULL,
    ]


def kernels(server: psutil.Process) -> list[psutil.Process]:
    out = []
    for child in server.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                out.append(child)
    return out


def kernel_rss_mb(server: psutil.Process) -> tuple[int, float]:
    """Number of kernel processes and their total resident memory (MB)."""
    count, total = 0, 0
    for proc in kernels(server):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += proc.memory_info().rss
            count += 1
    return count, total / 2**20


async def offline(route) -> None:
    if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
        await route.continue_()
    else:
        await route.abort()


PAINTED_JS = """() => [...document.querySelectorAll('.leaflet-overlay-pane canvas')]
  .reduce((n, c) => { if (!c.width || !c.height) return n;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4 * 13) if (d[i] > 0) n++; return n; }, 0)"""
"""Sampled pixels of the map's canvases that hold paint (hexagons drawn), 0 on a blank map."""


async def session(index: int, browser, url: str, run: Run, painted: list[int] | None = None,
                  changes: int = CHANGES) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await page.route("**/*", offline)
    arrived = False
    try:
        start = time.perf_counter()
        await page.goto(url, timeout=OPEN_TIMEOUT_MS)
        await page.wait_for_function(READY_JS, timeout=OPEN_TIMEOUT_MS, polling=100)
        run.open_seconds.append(time.perf_counter() - start)
        run.arrived()
        print(f"  session {index} ready after {run.open_seconds[-1]:.0f} s "
              f"({run.loaded}/{run.sessions})", flush=True)
        arrived = True
        await run.all_open.wait()
        if painted is not None:
            await page.wait_for_timeout(1000)  # the canvas paints on the next frames
            painted.append(await page.evaluate(PAINTED_JS))
        handle = page.locator(".noUi-handle-lower").first
        await handle.focus()
        for change in range(changes):
            before = await page.evaluate(SIGNATURE_JS)
            start = time.perf_counter()
            await handle.press("ArrowLeft" if change % 2 == 0 else "ArrowRight")
            await page.wait_for_function(
                f"(b) => ({SIGNATURE_JS})() !== b", arg=before, timeout=CHANGE_TIMEOUT_MS,
                polling=5,
            )
            await page.evaluate("() => new Promise(r => requestAnimationFrame("
                                "() => requestAnimationFrame(r)))")
            run.changes_ms.append((time.perf_counter() - start) * 1000)
        run.completed += 1
    except Exception as exc:  # one failed session is a figure, not the end of the run
        run.errors.append(f"session {index}: {type(exc).__name__}: {str(exc)[:200]}")
        if not arrived:
            run.arrived()
    finally:
        with contextlib.suppress(Exception):
            await page.close(run_before_unload=True)
        await asyncio.sleep(1)  # let the page's shutdown request go out before the context
        with contextlib.suppress(Exception):
            await context.close()


async def drive(url: str, server: psutil.Process, sessions: int = SESSIONS,
                painted: list[int] | None = None,
                changes: int = CHANGES) -> tuple[Run, tuple[int, float]]:
    from playwright.async_api import async_playwright

    run = Run(sessions)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            tasks = [asyncio.create_task(session(i, browser, url, run, painted, changes))
                     for i in range(sessions)]
            await run.all_open.wait()
            memory = kernel_rss_mb(server)  # every session open, none changing yet
            await asyncio.gather(*tasks)
        finally:
            await browser.close()
    return run, memory


async def protocol_session(index: int, base: str, run: Run) -> None:
    """One visitor over the wire: open, wait for everyone, change the hours, close."""
    session = Session(base)
    arrived = False
    try:
        start = time.perf_counter()
        await session.open("/voila/render/atlas.ipynb", OPEN_TIMEOUT_MS / 1000)
        run.open_seconds.append(time.perf_counter() - start)
        run.arrived()
        arrived = True
        print(f"  session {index} ready after {run.open_seconds[-1]:.0f} s "
              f"({run.loaded}/{run.sessions}; {session.binary_bytes / 2**20:.1f} MB of binary "
              "map data)", flush=True)
        await run.all_open.wait()
        for change in range(CHANGES):
            start = time.perf_counter()
            await session.change_hours(-1 if change % 2 == 0 else 1, CHANGE_TIMEOUT_MS / 1000)
            run.changes_ms.append((time.perf_counter() - start) * 1000)
        run.completed += 1
    except Exception as exc:  # one failed session is a figure, not the end of the run
        run.errors.append(f"session {index}: {type(exc).__name__}: {str(exc)[:200]}")
        if not arrived:
            run.arrived()
    finally:
        with contextlib.suppress(Exception):
            await session.close()


async def drive_protocol(base: str, server: psutil.Process) -> tuple[Run, tuple[int, float]]:
    run = Run(SESSIONS)
    tasks = [asyncio.create_task(protocol_session(i, base, run)) for i in range(SESSIONS)]
    await run.all_open.wait()
    memory = kernel_rss_mb(server)  # every session open, none changing yet
    await asyncio.gather(*tasks)
    return run, memory


def wait_for_pool_only(server: psutil.Process) -> tuple[int, float]:
    """Kernels left once culling had its chance, and how long it took to get there."""
    start = time.monotonic()
    while time.monotonic() - start < KERNELS_GONE_WITHIN_S:
        if len(kernels(server)) <= POOL:
            break
        time.sleep(1)
    return len(kernels(server)), time.monotonic() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def main() -> None:
    if chromium_path() is None:
        sys.exit("Debian chromium (/usr/bin/chromium) is needed for the browser load benchmark")
    city = None if BROWSER else city_dir()
    env = {**os.environ, **({"ATLAS_CITY": str(city)} if city else {})}
    port = free_port()
    log = Path(tempfile.gettempdir()) / f"atlas-voila-load-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(serve_command(port), cwd=REPO, stdout=out, env=env,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for_port(port, proc, 60)
        server = psutil.Process(proc.pid)
        deadline = time.monotonic() + 120
        while len(kernels(server)) < POOL and time.monotonic() < deadline:
            time.sleep(0.5)  # the preheated kernel is starting
        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        driver = (drive(base + "/voila/render/atlas.ipynb", server) if BROWSER
                  else drive_protocol(base, server))
        run, (open_kernels, open_mb) = asyncio.run(asyncio.wait_for(driver, RUN_TIMEOUT_S))
        elapsed = time.perf_counter() - started
        left, waited = wait_for_pool_only(server)
        painted: list[int] = []
        check = None
        if not BROWSER:  # the room's figure came from the wire: do real pages paint too?
            check, _memory = asyncio.run(asyncio.wait_for(
                drive(base + "/voila/render/atlas.ipynb", server, BROWSERS, painted, 2),
                RUN_TIMEOUT_S))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.unlink(missing_ok=True)

    for error in run.errors:
        print("  !", error, flush=True)
    print(f"  {SESSIONS} sessions x {CHANGES} changes in {elapsed:.0f} s; {open_kernels} kernels "
          f"open with all sessions, {left} left {waited:.0f} s after the pages closed "
          f"(the preheated pools keep {POOL})", flush=True)
    where = "browser_sample" if BROWSER else "protocol_city_1M"
    print(f"  driver: {where} ({city or 'the sample city'})", flush=True)
    record(f"load_{where}_{SESSIONS}_sessions_completed", run.completed, "count",
           f">= {SESSIONS}")
    if run.open_seconds:
        record(f"load_{where}_page_open_to_ready_median", statistics.median(run.open_seconds),
               "s", None)
        record(f"load_{where}_all_ready", max(run.open_seconds), "s", 30)
    if run.changes_ms:
        record(f"load_{where}_filter_change_p50", percentile(run.changes_ms, 50), "ms", None)
        record(f"load_{where}_filter_change_p95", percentile(run.changes_ms, 95), "ms", 1000)
    record(f"load_{where}_memory_per_kernel", open_mb / max(open_kernels, 1), "MB", None)
    record(f"load_{where}_kernels_left_after_close", max(left - POOL, 0), "count", 0)
    if check is not None:
        for error in check.errors:
            print("  ! browser check", error, flush=True)
        pages = sum(1 for n in painted if n > 0)
        print(f"  browser check: {BROWSERS} Chromium pages opened together; {pages} painted "
              f"hexagons ({painted} sampled pixels), {check.completed} restyled twice; ready "
              f"after {', '.join(f'{s:.0f}' for s in check.open_seconds)} s", flush=True)
        record(f"load_browser_check_{BROWSERS}_pages_painted", pages, "count", f">= {BROWSERS}")
        if check.open_seconds:
            record(f"load_browser_check_{BROWSERS}_pages_all_ready", max(check.open_seconds),
                   "s", None)
    if run.completed < SESSIONS or left > POOL or (check and check.completed < BROWSERS):
        sys.exit(1)


if __name__ == "__main__":
    main()
