"""Served kernels forked from the zygote (:mod:`geo.serve._forkserver`), in the server process.

:class:`ForkProvisioner` is a ``jupyter_client`` kernel provisioner (entry point
:data:`PROVISIONER_NAME`, named in the lean kernel spec's metadata by
:func:`geo.serve._kernel.lean_spec`): it prepares a kernel as :class:`LocalProvisioner` does
(ports, connection file, command line, environment), then asks the zygote to fork it instead of
starting ``python -m geo.serve.ipykernel_launcher``. The kernel is then not the server's child:
:class:`ForkedKernel` watches it through a pidfd (``poll``/``wait``) and signals its process
group as ``jupyter_client`` would (an interrupt is SIGINT to the kernel).

A page never fails because of the zygote: whenever it cannot fork (not started, still
importing past :data:`READY_WITHIN_S`, dead, a refused request, a command line that is not the
lean kernel of this interpreter), the kernel is started as :class:`LocalProvisioner` starts it,
and a dead zygote is started again for the next kernels. ``ATLAS_FORK_KERNELS=0`` turns forking
off (:func:`forking_enabled`).

One zygote serves the whole server process (:data:`ZYGOTE`): Voila starts it early through
:class:`geo.serve._kernel.DashboardKernelSpecs`, so that the first cold visitor already finds it
warm, and the preheated pool's kernels fork from it too.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner

from geo.serve._forkserver import ARGV_ROOM, SOCKET_NAME

PROVISIONER_NAME = "atlas-fork"
"""The entry point (group ``jupyter_client.kernel_provisioners``) of :class:`ForkProvisioner`."""
FORK_ENV = "ATLAS_FORK_KERNELS"
"""``0`` in the server's environment: served kernels are started as plain processes."""
READY_WITHIN_S = 15.0
"""A kernel waits this long at most for a zygote still importing (it takes ~2 s; a plain
start meanwhile would compete with it for the cores), then starts without it."""
GIVE_UP_AFTER = 3
"""Zygotes in a row that die before forking anything (an import or the socket failing) after
which no other is started: each would spend seconds of CPU on imports for nothing."""
LAUNCHER = "geo.serve.ipykernel_launcher"
"""Module run by ``python -m`` instead of ``ipykernel_launcher`` (the lean kernel spec's, see
:mod:`geo.serve._kernel`): the command lines the zygote can stand in for."""

log = logging.getLogger(__name__)


def forking_enabled() -> bool:
    """Served kernels are forked from the zygote unless ``ATLAS_FORK_KERNELS=0``."""
    return os.environ.get(FORK_ENV, "1") != "0"


class ZygoteUnavailable(RuntimeError):
    """The zygote cannot fork this kernel (the caller starts it the ordinary way)."""


class Zygote:
    """The server's handle on its zygote process: started on demand, again after it died."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._folder: Path | None = None
        self._forked = False  # the running zygote has forked a kernel
        self._failed_in_a_row = 0
        atexit.register(self.stop)

    @property
    def pid(self) -> int | None:
        """The zygote's pid while it runs, else None."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def start(self, env: dict[str, str] | None = None) -> None:
        """Start the zygote unless it runs (``env``: its environment, by default the server's
        plus the lean kernel's, which glibc reads at process start)."""
        from geo.serve._kernel import KERNEL_ENV

        with self._lock:
            if self.pid is not None:
                return
            if self._process is not None:
                self._failed_in_a_row = 0 if self._forked else self._failed_in_a_row + 1
            if self._failed_in_a_row >= GIVE_UP_AFTER:
                log.error("kernels start without a zygote: %d died before forking",
                          self._failed_in_a_row)
                return
            self._discard()
            self._forked = False
            self._folder = Path(tempfile.mkdtemp(prefix="atlas-zygote-"))  # mode 0700
            # cwd "/": the zygote keeps no folder busy; each kernel gets its own cwd
            self._process = subprocess.Popen(
                [sys.executable, "-m", "geo.serve._forkserver", str(self._folder),
                 " " * ARGV_ROOM],
                env={**os.environ, **KERNEL_ENV, **(env or {})}, cwd="/",
                stdin=subprocess.DEVNULL)

    def stop(self) -> None:
        """End the zygote (its kernels end within a second, see :mod:`geo.serve._forkserver`)."""
        with self._lock:
            self._discard()

    def _discard(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(5)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def fork(self, argv: list[str], env: dict[str, str], cwd: str,
             ready_within: float = READY_WITHIN_S) -> tuple[int, int]:
        """Ask for a kernel (``argv``: its command line after ``-m LAUNCHER``); return its pid
        and a pidfd. Blocks while the zygote is still importing.

        Raises
        ------
        ZygoteUnavailable
            Not started, dead, not ready within ``ready_within`` seconds, or it refused.
        """
        process, folder = self._process, self._folder
        if process is None or folder is None:
            raise ZygoteUnavailable("not started")
        request = json.dumps({"argv": argv, "env": env, "cwd": cwd}).encode()
        deadline = time.monotonic() + ready_within
        while True:
            if process.poll() is not None:
                raise ZygoteUnavailable(f"exited with code {process.returncode}")
            try:
                forked = self._ask(folder / SOCKET_NAME, request)
                self._forked = True
                return forked
            except (FileNotFoundError, ConnectionRefusedError) as error:  # still importing
                if time.monotonic() > deadline:
                    raise ZygoteUnavailable(f"not ready within {ready_within} s") from error
                time.sleep(0.05)
            except (OSError, ValueError, KeyError) as error:
                raise ZygoteUnavailable(str(error)) from error

    @staticmethod
    def _ask(path: Path, request: bytes) -> tuple[int, int]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(10)
            conn.connect(str(path))
            conn.sendall(request)
            conn.shutdown(socket.SHUT_WR)
            data, fds, _flags, _addr = socket.recv_fds(conn, 65536, 1)
        answer = json.loads(data)
        if "pid" not in answer or len(fds) != 1:
            for fd in fds:
                os.close(fd)
            raise ZygoteUnavailable(answer.get("error", "no kernel"))
        return int(answer["pid"]), fds[0]


ZYGOTE = Zygote()
"""The zygote of this server process (one for all its kernels)."""


class ForkedKernel:
    """The part of :class:`subprocess.Popen` a provisioner uses, for a kernel that is not a
    child of this process: exit seen through a pidfd, signals through it or the process group.

    The exit code of a process that is not our child cannot be read (its parent, the zygote,
    collects it): an ended kernel reports 0, a killed one ``-SIGKILL`` if we killed it.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int) -> None:
        self.pid = pid
        self._pidfd: int | None = pidfd
        self.returncode: int | None = None
        self._killed_by: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and self._pidfd is not None:
            ended, _, _ = select.select([self._pidfd], [], [], 0)
            if ended:
                self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None and self._pidfd is not None:
            ended, _, _ = select.select([self._pidfd], [], [], timeout)
            if not ended:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            self._ended()
        assert self.returncode is not None
        return self.returncode

    def _ended(self) -> None:
        self.returncode = -self._killed_by if self._killed_by else 0
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def send_signal(self, signum: int) -> None:
        if self.poll() is not None or self._pidfd is None:
            raise ProcessLookupError(3, "No such process")  # as os.kill says: ESRCH
        signal.pidfd_send_signal(self._pidfd, signum)
        if signum == signal.SIGKILL:
            self._killed_by = signum

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def __del__(self) -> None:
        if self._pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self._pidfd)


class ForkProvisioner(LocalProvisioner):
    """:class:`LocalProvisioner` whose lean kernels are forked from :data:`ZYGOTE`."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        argv = self._forkable(cmd)
        if argv is None or not forking_enabled():
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        cwd = str(kwargs.get("cwd") or Path.cwd())
        try:
            pid, pidfd = await asyncio.to_thread(ZYGOTE.fork, argv, env, cwd)
        except ZygoteUnavailable as why:
            log.warning("kernel started without the zygote (%s); starting it again", why)
            ZYGOTE.start()
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedKernel(pid, pidfd)
        self.pid = self.pgid = pid  # the kernel leads its own session and process group
        self.cwd = cwd
        return self.connection_info

    @staticmethod
    def _forkable(cmd: list[str]) -> list[str] | None:
        """The arguments after ``-m LAUNCHER`` if ``cmd`` runs it with this interpreter (the one
        the zygote runs), else None."""
        if len(cmd) < 3 or cmd[1:3] != ["-m", LAUNCHER]:
            return None
        if os.path.abspath(cmd[0]) != os.path.abspath(sys.executable):
            return None
        return cmd[3:]
