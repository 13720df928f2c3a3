"""Served kernels forked from the zygote (geo/serve/_forkserver.py, geo/serve/_provisioner.py),
started as Voila starts them: jupyter_client's AsyncKernelManager with the lean kernel spec."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from jupyter_client.manager import AsyncKernelManager

from geo.serve._kernel import DashboardKernelSpecs, lean_spec
from geo.serve._provisioner import (
    FORK_ENV,
    GIVE_UP_AFTER,
    PROVISIONER_NAME,
    ZYGOTE,
    ForkProvisioner,
    Zygote,
    ZygoteUnavailable,
)
from tests.conftest import REPO

pytestmark = pytest.mark.slow

SEEN = """import json, os, random, sys
import comm
import numpy as np
print(json.dumps({"targets": sorted(comm.get_comm_manager().targets),
                  "ppid": os.getppid(), "modules": sorted(sys.modules),
                  "cwd": os.getcwd(), "path0": sys.path[0], "mark": os.environ.get("MARK"),
                  "parent": os.environ.get("JPY_PARENT_PID"), "random": random.random(),
                  "numpy": float(np.random.random()), "pid": os.getpid()}))"""


@pytest.fixture(scope="module")
def _stopped_after() -> Iterator[None]:
    yield
    ZYGOTE.stop()


@pytest.fixture
def zygote(_stopped_after: None) -> int:
    """The zygote's pid, warm (a kernel forked from it); started as Voila's server start does
    when not running (a test before may have killed it)."""
    DashboardKernelSpecs()
    assert asyncio.run(_seen())["ppid"] == ZYGOTE.pid
    assert ZYGOTE.pid is not None
    return ZYGOTE.pid


async def _execute(client, code: str, timeout: float = 60) -> tuple[dict, str]:
    out: list[str] = []
    reply = await client.execute_interactive(
        code, timeout=timeout, output_hook=lambda m: out.append(m["content"].get("text", "")))
    return reply["content"], "".join(out)


async def _started(cwd: Path | None = None, specs: DashboardKernelSpecs | None = None,
                   **env: str) -> tuple[AsyncKernelManager, object]:
    manager = AsyncKernelManager(kernel_name="python3",
                                 kernel_spec_manager=specs or DashboardKernelSpecs())
    await manager.start_kernel(env={**os.environ, **env}, cwd=str(cwd or REPO))
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    return manager, client


async def _seen(cwd: Path | None = None, specs: DashboardKernelSpecs | None = None,
                **env: str) -> dict:
    manager, client = await _started(cwd, specs, **env)
    try:
        reply, out = await _execute(client, SEEN)
        assert reply["status"] == "ok"
        return {**json.loads(out), "provisioner": type(manager.provisioner).__name__}
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)


def _gone(pid: int, within: float = 10.0) -> bool:
    """``pid`` has exited within ``within`` seconds (an orphan's zombie counts as gone: its
    reaper is init, which in a container may never reap it)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return True
        if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


def test_the_lean_spec_names_the_provisioner(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = DashboardKernelSpecs().get_kernel_spec("python3")
    assert spec.metadata["kernel_provisioner"] == {"provisioner_name": PROVISIONER_NAME}
    monkeypatch.setenv(FORK_ENV, "0")
    assert "kernel_provisioner" not in lean_spec(
        DashboardKernelSpecs().get_kernel_spec("python3")).metadata


DASHBOARD = """import json, sys
before = set(sys.modules)
from geo.app import AtlasApp
app = AtlasApp().display()
app.load_city()
print(json.dumps(sorted(m for m in set(sys.modules) - before if m.startswith("geo"))))"""


def test_the_dashboards_cells_import_nothing_of_ours_in_a_forked_kernel(zygote: int) -> None:
    """The zygote preloads what the analyst dashboard's cells import (geo.app, and opening the
    sample city in load_city()), so a cold visitor's kernel spends no time on our imports."""

    async def run() -> list[str]:
        manager, client = await _started(REPO / "dashboards")
        try:
            reply, out = await _execute(client, DASHBOARD)
            assert reply["status"] == "ok", reply
            return json.loads(out.strip().splitlines()[-1])
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    assert asyncio.run(run()) == []


def test_a_kernel_is_forked_with_the_requests_env_and_cwd(zygote: int, tmp_path: Path) -> None:
    seen = asyncio.run(_seen(tmp_path, MARK="visitor"))
    assert seen["provisioner"] == ForkProvisioner.__name__
    assert seen["ppid"] == zygote != os.getpid()
    assert "geo.app" in seen["modules"]  # came with the fork: the notebook imported nothing yet
    # ipywidgets, imported in the zygote, registers its comm targets once the kernel exists
    # (without them the page asks for every widget's state one message at a time)
    assert {"jupyter.widget", "jupyter.widget.control"} <= set(seen["targets"])
    assert seen["cwd"] == seen["path0"] == str(tmp_path)
    assert seen["mark"] == "visitor"
    assert seen["parent"] == str(zygote)  # the parent poller watches the zygote


def test_a_forked_kernel_shows_the_kernels_command_line(zygote: int) -> None:
    async def cmdlines() -> tuple[list[str], list[str]]:
        manager, client = await _started()
        try:
            return (psutil.Process(manager.provisioner.pid).cmdline(),
                    manager.format_kernel_cmd())
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    shown, launched = asyncio.run(cmdlines())
    # what finds kernels by their command line (tests/test_serve.py, benchmarks) finds it
    assert [arg for arg in shown if arg] == launched
    assert "ipykernel_launcher" not in " ".join(psutil.Process(zygote).cmdline())


def test_kernels_draw_different_random_numbers(zygote: int) -> None:
    first, second = asyncio.run(_seen()), asyncio.run(_seen())
    assert first["pid"] != second["pid"]
    assert first["random"] != second["random"]
    assert first["numpy"] != second["numpy"]


def test_an_interrupt_stops_the_cell_and_the_kernel_lives_on(zygote: int) -> None:
    async def interrupted() -> tuple[dict, dict, str, int]:
        manager, client = await _started()
        try:
            assert manager.kernel_spec.interrupt_mode == "signal"
            cell = asyncio.ensure_future(_execute(client, "import time; time.sleep(60)", 90))
            await asyncio.sleep(2)
            await manager.interrupt_kernel()
            slept, _ = await asyncio.wait_for(cell, 30)
            after, out = await _execute(client, "print(6 * 7)")
            return slept, after, out, manager.provisioner.pid
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    slept, after, out, pid = asyncio.run(interrupted())
    assert slept["status"] == "error" and slept["ename"] == "KeyboardInterrupt"
    assert after["status"] == "ok" and out.strip() == "42"
    assert _gone(pid)


def test_shutdown_leaves_no_process_and_the_zygote_alive(zygote: int) -> None:
    async def shut() -> tuple[int, bool]:
        manager, client = await _started()
        pid = manager.provisioner.pid
        client.stop_channels()
        await manager.shutdown_kernel()  # a polite shutdown request, as a closed page sends
        return pid, await manager.is_alive()

    pid, alive = asyncio.run(shut())
    assert not alive
    assert _gone(pid)
    assert ZYGOTE.pid == zygote


def test_without_a_zygote_kernels_start_anyway_and_it_comes_back(zygote: int) -> None:
    specs = DashboardKernelSpecs()  # the server's, made at its start (the zygote was alive)
    os.kill(zygote, signal.SIGKILL)
    assert _gone(zygote)
    seen = asyncio.run(_seen(specs=specs, MARK="fallback"))
    assert seen["ppid"] == os.getpid() and "geo.app" not in seen["modules"]  # a plain process
    assert seen["mark"] == "fallback"
    assert ZYGOTE.pid not in (None, zygote)  # started again for the next kernels
    assert asyncio.run(_seen(specs=specs))["ppid"] == ZYGOTE.pid


def test_a_kernel_needing_another_interpreter_start_is_started_plain(zygote: int) -> None:
    # PYTHONPATH is read when the interpreter starts: a fork of the zygote could not apply it
    seen = asyncio.run(_seen(PYTHONPATH="/nonexistent-atlas", MARK="plain"))
    assert seen["ppid"] == os.getpid() and "geo.app" not in seen["modules"]
    assert seen["mark"] == "plain"
    assert ZYGOTE.pid == zygote  # still there for the next kernel
    assert asyncio.run(_seen())["ppid"] == zygote


def test_a_zygote_that_cannot_start_is_given_up() -> None:
    zygote, started = Zygote(), set()
    for _ in range(GIVE_UP_AFTER + 2):  # each failed kernel start asks for another zygote
        zygote.start(env={"PYTHONHOME": "/nonexistent-atlas"})  # the interpreter cannot start
        if zygote._process is not None:
            started.add(zygote._process.pid)
        with pytest.raises(ZygoteUnavailable):
            zygote.fork([], dict(os.environ), str(REPO))
    zygote.stop()
    assert len(started) == GIVE_UP_AFTER  # no endless restarts of a broken zygote


def test_fork_kernels_off_starts_plain_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FORK_ENV, "0")
    seen = asyncio.run(_seen())
    assert seen["provisioner"] != ForkProvisioner.__name__
    assert seen["ppid"] == os.getpid() and "geo.app" not in seen["modules"]


SERVER = """
import asyncio, json, sys
from jupyter_client.manager import AsyncKernelManager
from geo.serve._kernel import DashboardKernelSpecs
from geo.serve._provisioner import ZYGOTE

async def main():
    manager = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=DashboardKernelSpecs())
    await manager.start_kernel()
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    print(json.dumps({"kernel": manager.provisioner.pid, "zygote": ZYGOTE.pid}), flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def test_a_killed_server_leaves_no_zygote_and_no_kernel() -> None:
    server = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SERVER)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    try:
        pids = json.loads(server.stdout.readline())
        assert pids["zygote"] is not None
        assert Path(f"/proc/{pids['kernel']}").exists()
    finally:
        server.kill()
        server.wait()
    assert _gone(pids["zygote"])
    assert _gone(pids["kernel"])
