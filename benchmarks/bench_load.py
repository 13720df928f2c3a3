"""Load: 20 concurrent dashboard sessions on the served deployment (issue: all complete; report
p50/p95 of a filter change, memory per kernel, and no kernel left once the sessions close).

The server is `make serve POOL_SIZE=20`'s: ``atlas serve CITY --public --pool-size=20``'s Voila
command and environment (geo.serve: deploy/voila.py, a pool of preheated analyst kernels the
size of the room, refilled a few at a time), run through tests/browser.py's
``running_server``, bound to 127.0.0.1 on a free port instead of 0.0.0.0, with culling
shortened from an hour to three minutes (:data:`CULL`) so the run can watch kernels go. The room
arrives once the pool is warm (every preheated kernel waits for its visitor), as at a server
that has been up for a while. Every session opens /voila/render/atlas.ipynb together; when all
are open the kernels' memory is read (``/proc/PID/smaps_rollup`` of the ipykernel processes
under the Voila process, resident, shared and private: ``/api/kernels`` is closed in the served
configuration); then each moves the hour window 10 times, a change being done when the map's
draw counter (``.atlas-stamp[data-draws]``) has moved; then the sessions close as a tab closes
(the shutdown beacon) and the script waits, bounded, until only the preheated pool kernels are
left.

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
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._common import city_dir, quick, record, smaps_mb  # noqa: E402
from benchmarks._voila_client import Session  # noqa: E402
from geo.serve import PRESENT_POOL_SIZE, voila_command  # noqa: E402
from tests.browser import (  # noqa: E402
    CHROMIUM_ARGS,
    OFFLINE_ARGS,
    chromium_path,
    free_port,
    running_server,
)

__test__ = False

SESSIONS = 2 if quick() else 20
CHANGES = 2 if quick() else 10
BROWSERS = 1 if quick() else 5
"""Chromium pages of the paint check, opened together once the protocol sessions are done."""
POOL_SIZE = int(os.environ.get("BENCH_LOAD_POOL") or SESSIONS)
"""Preheated kernels of the analyst dashboard: a pool the size of the room
(``atlas serve --pool-size``, ``make serve POOL_SIZE=20``); ``BENCH_LOAD_POOL`` sets another."""
POOL = POOL_SIZE + PRESENT_POOL_SIZE
"""Preheated kernels the served configuration keeps waiting, both dashboards together."""
POOL_WARM_WITHIN_S = 600
CULL = (
    "--MappingKernelManager.cull_idle_timeout=180",
    "--MappingKernelManager.cull_interval=5",
    "--MappingKernelManager.cull_connected=False",
)
"""Culling for the run: three minutes instead of an hour, and only for kernels whose page is
gone (with the served file's ``cull_connected``, sessions idle while waiting for the others to
open would lose their kernels: that is the served setting working, not the load being served).
Not shorter: a Chromium page on a loaded machine took over a minute to connect to the kernel it
was handed, which a one-minute cull had already shut down (the page then waits for ever)."""
KERNELS_GONE_WITHIN_S = 240
OPEN_TIMEOUT_MS = 600_000
CHANGE_TIMEOUT_MS = 120_000
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


def serve(city: Path, port: int) -> tuple[list[str], dict[str, str]]:
    """`make serve`'s command and environment (``atlas serve CITY --public``, see
    geo.serve), on loopback instead of 0.0.0.0, with short culling."""
    argv, env = voila_command(city, port=port, public=True, pool_size=POOL_SIZE)
    argv = ["--Voila.ip=127.0.0.1" if a == "--Voila.ip=0.0.0.0" else a for a in argv]
    return [*argv, *CULL], env


def server_process(port: int) -> psutil.Process:
    """The Voila process serving ``port``."""
    for proc in psutil.process_iter(["cmdline"]):
        if f"--port={port}" in (proc.info["cmdline"] or []) and "voila" in proc.info["cmdline"]:
            return proc
    raise RuntimeError(f"no Voila process on port {port}")


def kernels(server: psutil.Process) -> list[psutil.Process]:
    out = []
    for child in server.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                out.append(child)
    return out


def waiting_for_a_visitor(kernel: psutil.Process, port: int) -> bool:
    """A preheated kernel that has run its dashboard holds a websocket to the server's
    ``voila/query`` route, where its visitor's request will come (geo.app._request)."""
    with contextlib.suppress(psutil.Error):
        return any(c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
                   for c in kernel.net_connections("tcp"))
    return False


def wait_for_warm_pool(server: psutil.Process, port: int) -> float:
    """Seconds until every preheated kernel waits for a visitor: a room arrives at a server
    that has been up for a while, not at one still starting its pool."""
    start = time.monotonic()
    while time.monotonic() - start < POOL_WARM_WITHIN_S:
        if sum(waiting_for_a_visitor(k, port) for k in kernels(server)) >= POOL:
            break
        time.sleep(0.5)
    else:
        raise TimeoutError(f"the pool of {POOL} kernels was not warm within {POOL_WARM_WITHIN_S} s")
    return time.monotonic() - start


def kernel_memory_mb(server: psutil.Process) -> tuple[int, dict[str, float]]:
    """Number of kernel processes and their total memory (MB): resident, shared (the mapped
    build, libraries) and private (see benchmarks._common.smaps_mb)."""
    count, total = 0, {"rss": 0.0, "shared": 0.0, "private": 0.0, "private_dirty": 0.0}
    for proc in kernels(server):
        with contextlib.suppress(psutil.Error, OSError):
            for name, value in smaps_mb(proc.pid).items():
                total[name] += value
            count += 1
    return count, total


PAINTED_JS = """() => [...document.querySelectorAll('.leaflet-overlay-pane canvas')]
  .reduce((n, c) => { if (!c.width || !c.height) return n;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4 * 13) if (d[i] > 0) n++; return n; }, 0)"""
"""Sampled pixels of the map's canvases that hold paint (hexagons drawn), 0 on a blank map."""


async def session(index: int, browser, url: str, run: Run, painted: list[int] | None = None,
                  changes: int = CHANGES) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
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
                changes: int = CHANGES) -> tuple[Run, tuple[int, dict[str, float]]]:
    from playwright.async_api import async_playwright

    run = Run(sessions)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(),
                                           args=CHROMIUM_ARGS + OFFLINE_ARGS)
        try:
            tasks = [asyncio.create_task(session(i, browser, url, run, painted, changes))
                     for i in range(sessions)]
            await run.all_open.wait()
            memory = kernel_memory_mb(server)  # every session open, none changing yet
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


async def drive_protocol(base: str, server: psutil.Process
                         ) -> tuple[Run, tuple[int, dict[str, float]]]:
    run = Run(SESSIONS)
    tasks = [asyncio.create_task(protocol_session(i, base, run)) for i in range(SESSIONS)]
    await run.all_open.wait()
    memory = kernel_memory_mb(server)  # every session open, none changing yet
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


def report_room(run: Run, where: str, elapsed: float, load: float,
                memory: tuple[int, dict[str, float]], left: int, waited: float) -> None:
    """The room's figures (printed as soon as they are known: the browser check comes after)."""
    for error in run.errors:
        print("  !", error, flush=True)
    open_kernels, open_mb = memory
    print(f"  {SESSIONS} sessions x {CHANGES} changes in {elapsed:.0f} s (load {load:.1f}); "
          f"{open_kernels} kernels open with all sessions, {left} left {waited:.0f} s after the "
          f"pages closed (the preheated pools keep {POOL})", flush=True)
    record(f"load_{where}_{SESSIONS}_sessions_completed", run.completed, "count",
           f">= {SESSIONS}")
    if run.open_seconds:
        record(f"load_{where}_page_open_to_ready_median", statistics.median(run.open_seconds),
               "s", None)
        record(f"load_{where}_all_ready", max(run.open_seconds), "s", 30)
    if run.changes_ms:
        record(f"load_{where}_filter_change_p50", percentile(run.changes_ms, 50), "ms", None)
        record(f"load_{where}_filter_change_p95", percentile(run.changes_ms, 95), "ms", 1000)
    per = {name: value / max(open_kernels, 1) for name, value in open_mb.items()}
    print(f"  memory per kernel with all sessions open: {per['rss']:.0f} MB resident, "
          f"{per['shared']:.0f} MB shared, {per['private']:.0f} MB private "
          f"({per['private_dirty']:.0f} MB of it the kernel's own heap)", flush=True)
    record(f"load_{where}_memory_per_kernel", per["rss"], "MB", None)
    record(f"load_{where}_memory_per_kernel_private", per["private"], "MB", None)
    record(f"load_{where}_memory_per_kernel_shared", per["shared"], "MB", None)
    record(f"load_{where}_kernels_left_after_close", max(left - POOL, 0), "count", 0)


def report_browsers(check: Run, painted: list[int]) -> None:
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


def main() -> None:
    if chromium_path() is None:
        sys.exit("Debian chromium (/usr/bin/chromium) is needed for the browser load benchmark")
    city = REPO / "data" / "sample" if BROWSER else city_dir()
    where = "browser_sample" if BROWSER else "protocol_city_1M"
    print(f"  driver: {where} ({city})", flush=True)
    port = free_port()
    argv, env = serve(city, port)
    check = None
    with running_server(argv, port, env) as base:
        server = server_process(port)
        warm = wait_for_warm_pool(server, port)
        print(f"  pool of {POOL_SIZE} (+{PRESENT_POOL_SIZE} presentation) preheated kernels "
              f"warm after {warm:.0f} s; load {os.getloadavg()[0]:.1f}", flush=True)
        started = time.perf_counter()
        driver = (drive(base + "/voila/render/atlas.ipynb", server) if BROWSER
                  else drive_protocol(base, server))
        run, memory = asyncio.run(asyncio.wait_for(driver, RUN_TIMEOUT_S))
        elapsed, load = time.perf_counter() - started, os.getloadavg()[0]
        left, waited = wait_for_pool_only(server)
        report_room(run, where, elapsed, load, memory, left, waited)
        if not BROWSER:  # the room's figure came from the wire: do real pages paint too?
            wait_for_warm_pool(server, port)
            painted: list[int] = []
            check, _memory = asyncio.run(asyncio.wait_for(
                drive(base + "/voila/render/atlas.ipynb", server, BROWSERS, painted, 2),
                RUN_TIMEOUT_S))
            report_browsers(check, painted)
    if run.completed < SESSIONS or left > POOL or (check and check.completed < BROWSERS):
        sys.exit(1)


if __name__ == "__main__":
    main()
