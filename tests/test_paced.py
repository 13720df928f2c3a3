"""geo.serve._paced: preheated kernels warm up a few at a time, the next when one is warm.

The kernels are stand-ins: :class:`Preheating` plays Voila's preheating subclass (built on the
manager by ``voila_kernel_manager_factory``), whose ``_initialize`` renders and starts a pool
kernel. What is tested is the pacing; tests/test_serve.py and benchmarks/bench_load.py run the
real thing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from voila.request_info_handler import RequestInfoSocketHandler

from geo.serve._paced import PacedKernelManager

IDS = (f"kernel-{i}" for i in itertools.count())
STARTED: list[str] = []
"""Kernel ids in the order their (stand-in) kernels were started."""


class Preheating(PacedKernelManager):
    """Voila's subclass in miniature: ``_initialize`` starts a pool kernel, returns its id."""

    async def _initialize(self, notebook_path: str, kernel_id: str | None = None,
                          **kwargs) -> dict:
        kernel_id = next(IDS)
        STARTED.append(kernel_id)
        self._kernels[kernel_id] = SimpleNamespace(
            execution_state="busy", last_activity=dt.datetime.now(dt.UTC))
        return {"kernel_id": kernel_id}


@pytest.fixture
def started() -> Iterator[list[str]]:
    STARTED.clear()
    yield STARTED
    for kernel_id in STARTED:
        RequestInfoSocketHandler._waiters.pop(kernel_id, None)
        RequestInfoSocketHandler._cache.pop(kernel_id, None)


def manager(**settings) -> Preheating:
    return Preheating(**{"concurrent_starts": 2, "poll_interval": 0.01, **settings})


def warm(km: Preheating, n: int) -> list[asyncio.Task]:
    return [asyncio.create_task(km._initialize("atlas.ipynb")) for _ in range(n)]


async def _settle() -> None:
    await asyncio.sleep(0.1)


def test_half_the_cores_at_least_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for cores, want in ((1, 1), (2, 1), (4, 2), (16, 8), (None, 1)):
        monkeypatch.setattr("os.cpu_count", lambda cores=cores: cores)
        assert PacedKernelManager().concurrent_starts == want


def test_the_next_kernel_starts_when_one_waits_for_its_visitor(started: list[str]) -> None:
    async def scenario() -> None:
        km = manager()
        tasks = warm(km, 5)
        await _settle()
        assert len(started) == 2  # two warming, three waiting for a slot
        RequestInfoSocketHandler._waiters[started[0]] = object()  # preheated: waits
        await _settle()
        assert len(started) == 3
        RequestInfoSocketHandler._cache[started[1]] = {}  # a visitor took it while warming
        del km._kernels[started[2]]  # and one went away
        await _settle()
        assert len(started) == 5
        ids = [content["kernel_id"] for content in await asyncio.gather(*tasks)]
        assert ids == started  # in the order they were asked for
        for kernel_id in started:
            RequestInfoSocketHandler._waiters[kernel_id] = object()
        await _settle()

    asyncio.run(scenario())


def test_a_notebook_that_never_waits_frees_its_slot_once_it_has_run(started: list[str]) -> None:
    async def scenario() -> None:
        km = manager(concurrent_starts=1)
        tasks = warm(km, 2)
        await _settle()
        assert len(started) == 1
        kernel = km._kernels[started[0]]
        kernel.execution_state = "idle"
        kernel.last_activity = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
        await _settle()
        assert len(started) == 2
        km._kernels.clear()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())


def test_a_kernel_that_never_warms_frees_its_slot_in_time(started: list[str]) -> None:
    async def scenario() -> None:
        km = manager(concurrent_starts=1, warm_within=0.2)
        tasks = warm(km, 2)
        await _settle()
        assert len(started) == 1
        await asyncio.sleep(0.3)
        assert len(started) == 2
        km._kernels.clear()
        await asyncio.gather(*tasks)

    asyncio.run(scenario())


def test_a_failed_start_frees_its_slot() -> None:
    class Failing(PacedKernelManager):
        async def _initialize(self, notebook_path: str, kernel_id: str | None = None,
                              **kwargs) -> dict:
            raise RuntimeError("no kernel spec")

    async def scenario() -> None:
        km = Failing(concurrent_starts=1)
        for _ in range(3):  # would block on the second try if the slot were lost
            with pytest.raises(RuntimeError):
                await asyncio.wait_for(km._initialize("atlas.ipynb"), 1)

    asyncio.run(scenario())


def test_without_a_pool_nothing_is_paced() -> None:
    assert "_initialize" not in vars(PacedKernelManager())


def test_refills_wait_while_visitors_are_busy(started: list[str]) -> None:
    """A refill waits until the visitors' kernels have been quiet for ``quiet_for``; a kernel
    a visitor is waiting for (no longer in the pool) does not."""
    async def scenario() -> None:
        km = manager(quiet_for=0.4)
        km._kernels["visitor"] = SimpleNamespace(execution_state="idle",
                                                 last_activity=dt.datetime.now(dt.UTC))
        km._pools = {"atlas.ipynb": []}
        refill = asyncio.create_task(km._initialize("atlas.ipynb"))
        km._pools["atlas.ipynb"].append(refill)
        taken = asyncio.create_task(km._initialize("atlas.ipynb"))  # popped by a visitor
        await _settle()
        assert len(started) == 1 and not refill.done()
        await asyncio.sleep(0.45)
        assert len(started) == 2 and refill.done()
        for kernel_id in started:
            RequestInfoSocketHandler._waiters[kernel_id] = object()
        await asyncio.gather(taken, refill)
        await _settle()

    asyncio.run(scenario())


def test_refills_wait_a_bounded_time() -> None:
    async def scenario() -> None:
        km = manager(quiet_for=60, quiet_within=0.3)
        km._kernels["visitor"] = SimpleNamespace(execution_state="busy",
                                                 last_activity=dt.datetime.now(dt.UTC))
        km._pools = {"atlas.ipynb": []}
        refill = asyncio.create_task(km._initialize("atlas.ipynb"))
        km._pools["atlas.ipynb"].append(refill)
        await asyncio.wait_for(refill, 2)
        km._kernels.clear()
        await _settle()

    STARTED.clear()
    asyncio.run(scenario())
