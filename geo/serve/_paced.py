"""Voila's kernel manager, starting preheated kernels a few at a time (``atlas serve``).

Voila refills its pool of preheated kernels as visitors take them, every refill at once: a room
of twenty taking twenty kernels starts twenty new ones together, each spending seconds of CPU
on imports, the city and a first render. On two cores that buried the room's own work: pages
from a warm pool of 20 took 60-100 s (benchmarks/bench_load.py). This manager lets only
:attr:`PacedKernelManager.concurrent_starts` kernels warm up together (half the cores: one on
two; CPU time is shared per process, so one warming kernel takes little from a busy room). The
next one starts when one is warm: it waits for its visitor (its ``voila/query`` websocket is
open, geo.app._request), was handed to a visitor, has run its notebook, or has gone; or after
:attr:`PacedKernelManager.warm_within` seconds at most. And a refill waits, before it starts,
until the visitors' kernels have been quiet for a moment (at most a minute): a room clicking
through its first views right after opening had 2 warming kernels take its cores (hour change
p95 3.4 s instead of under 1 s). A visitor waiting for that very kernel skips the wait.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float, Int, default

from geo.serve._activity import LightActivity


class PacedKernelManager(LightActivity, AsyncMappingKernelManager):
    """An :class:`AsyncMappingKernelManager` whose preheated kernels warm up a few at a time
    (kernels started for a visitor directly, with no pool, are not held back), recording
    kernel activity cheaply (:mod:`geo.serve._activity`)."""

    concurrent_starts = Int(
        config=True, help="Kernels allowed to warm up together (default: half the cores, at "
                          "least 1).")
    warm_within = Float(
        120.0, config=True, help="Seconds after which a warming kernel frees its slot anyway.")
    poll_interval = Float(0.2, config=True, help="Seconds between checks of a warming kernel.")
    quiet_for = Float(
        2.0, config=True, help="A refill waits until no visitor's kernel has been active for "
                               "this many seconds...")
    quiet_within = Float(60.0, config=True, help="... or this many seconds at most.")

    @default("concurrent_starts")
    def _half_the_cores(self) -> int:
        # one on two cores: with two, a room of 20 clicking while two kernels warmed saw hour
        # change p95 1.7 s (load 19); the pool's first fill takes longer, nobody waits on it
        return max(1, (os.cpu_count() or 2) // 2)

    _slots: asyncio.Semaphore | None = None
    _warming: set[str]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._warming = set()
        # Voila's preheating subclass (voila_kernel_manager_factory, built on this class)
        # warms a pool kernel in ``_initialize``: the page renderer (templates and the page
        # config read from disk, on the server's event loop: ~0.5 s each, which twenty refills
        # at once spent while the room waited), the kernel, the notebook run. That subclass's
        # method comes first in the MRO, so it is wrapped here, on the instance, before the
        # subclass's __init__ fills the pools.
        initialize = getattr(self, "_initialize", None)
        if initialize is not None:
            self._initialize = self._paced(initialize)

    def _paced(self, initialize: Callable[..., Awaitable[dict]]) -> Callable[..., Awaitable[dict]]:
        async def paced(notebook_path: str, kernel_id: str | None = None, **kwargs) -> dict:
            await self._until_quiet()
            if self._slots is None:
                self._slots = asyncio.Semaphore(max(1, self.concurrent_starts))
            await self._slots.acquire()
            try:
                content = await initialize(notebook_path, kernel_id, **kwargs)
            except BaseException:
                self._slots.release()
                raise
            self._warming.add(content["kernel_id"])
            asyncio.get_running_loop().create_task(self._free_when_warm(content["kernel_id"]))
            return content

        return paced

    async def _until_quiet(self) -> None:
        """Let a refill wait while visitors are busy (their clicks come first), unless a visitor
        is waiting for this very kernel (the pool was empty: it is no longer in the pool)."""
        me = asyncio.current_task()
        deadline = time.monotonic() + self.quiet_within
        while time.monotonic() < deadline and self._in_a_pool(me) and not self._quiet():
            await asyncio.sleep(self.poll_interval)

    def _in_a_pool(self, task: asyncio.Task | None) -> bool:
        return any(task in pool for pool in getattr(self, "_pools", {}).values())

    def _quiet(self) -> bool:
        """No visitor's kernel (neither waiting in a pool nor warming) was active lately."""
        waiting = set()
        for pool in getattr(self, "_pools", {}).values():
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    waiting.add(task.result()["kernel_id"])
        now = utcnow()
        return all((now - kernel.last_activity).total_seconds() >= self.quiet_for
                   for kernel_id, kernel in list(self._kernels.items())
                   if kernel_id not in waiting and kernel_id not in self._warming)

    async def _free_when_warm(self, kernel_id: str) -> None:
        deadline = time.monotonic() + self.warm_within
        ran = False  # a notebook that never waits for its visitor is warm once it has run
        try:
            while time.monotonic() < deadline and not self.is_warm(kernel_id, ran):
                ran = ran or self._state(kernel_id) == "busy"
                await asyncio.sleep(self.poll_interval)
        finally:
            self._warming.discard(kernel_id)
            assert self._slots is not None
            self._slots.release()

    def _state(self, kernel_id: str) -> str | None:
        return getattr(self._kernels.get(kernel_id), "execution_state", None)

    def is_warm(self, kernel_id: str, ran: bool = False) -> bool:
        """The kernel no longer needs a slot: it waits for or has its visitor, has run its
        notebook (``ran``, then idle for a second), or is gone."""
        from voila.request_info_handler import RequestInfoSocketHandler as requests

        if kernel_id not in self._kernels:
            return True
        # _waiters: kernels whose query websocket is open; _cache: requests sent to kernels
        # not connected yet (a visitor took the kernel while it was warming).
        if kernel_id in requests._waiters or kernel_id in requests._cache:
            return True
        kernel = self._kernels[kernel_id]
        idle_s = (utcnow() - kernel.last_activity).total_seconds()
        return ran and self._state(kernel_id) == "idle" and idle_s > 1.0
