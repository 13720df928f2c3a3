"""The zygote: a warm process that forks served kernels (``python -m geo.serve._forkserver DIR``).

A cold page (a visitor past the preheated pool, or a server without one) waited ~1.8 s for
its kernel before the notebook's first cell did any work: the interpreter starting, ipykernel's
imports (~0.85 s from launch to ready) and ``from geo.app import AtlasApp`` (~1.0 s). The
zygote pays those once, when the server starts: it imports ipykernel's kernel application and
:mod:`geo.app` (what the dashboards import first), then waits on a Unix socket in a private
(0700) folder. For each kernel the server asks for, it forks; the child becomes the kernel that
``python -m geo.serve.ipykernel_launcher ARGV`` would have been, with the request's
environment and working directory, and shares the zygote's pages copy-on-write.

Forking is only safe from a process without threads, event loops or zmq contexts (a child gets
one thread and every lock as it was): the zygote creates none, and only imports. Two threads
come with libraries it imports, both made for fork: OpenBLAS's worker (NumPy; its fork handlers
stop its workers, and a child starts its own when it needs them) and pyarrow's jemalloc
background purge thread (jemalloc's fork handlers keep its locks whole; a child runs without
that thread, and the dashboards allocate Arrow memory through malloc anyway:
``geo.app._page.lean_arrow_pool``). What the child changes before it runs the kernel
(:func:`_become_kernel`):

- a session of its own (``setsid``, as ``jupyter_client`` starts kernels), so that an interrupt
  or a kill reaches its process group and not the zygote;
- the request's ``cwd`` (also ``sys.path[0]``, as ``python -m`` in that folder would have it),
  environment, stdin from ``/dev/null``;
- its command line, as ``ps`` and ``/proc/PID/cmdline`` show it, is the kernel's
  (``python -m geo.serve.ipykernel_launcher -f ...``): what recognises a kernel by its command
  line (tests, benchmarks, an operator's ``ps``) still does (:func:`_retitle`);
- fresh seeds for :mod:`random` and NumPy's global generator: children of one zygote would
  otherwise draw the same numbers;
- what a preloaded module does on import only inside a kernel, done once the kernel exists
  (:func:`_found_a_kernel`: ipywidgets' comm targets);
- ``JPY_PARENT_PID`` is the zygote, and so is the kernel's ``parent_handle`` (ipykernel reads
  that variable when it is imported, here once for every kernel): its parent poller ends the
  kernel within a second of the zygote's end, and the zygote ends within a second of the
  server's (it watches ``os.getppid()``). A SIGKILLed server leaves no kernel behind.

The child never returns into the zygote's loop: it leaves by ``os._exit``. The zygote answers
each request with the child's pid and a pidfd (``SCM_RIGHTS``): the server then watches and
signals a process that is not its child without the race of a pid reused after exit. Requests
come from the server only (the folder is private and the peer's pid is checked).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import traceback
from pathlib import Path
from typing import Any

SOCKET_NAME = "zygote.sock"
"""The zygote's socket, in the private folder the server names on its command line."""
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "geo.serve.ipykernel_launcher", "geo.app",
           # imported while a kernel starts (found by comparing a kernel's sys.modules)
           "ipykernel.debugger", "IPython.core.debugger", "IPython.core.completerlib",
           "IPython.core.oinspect", "IPython.extensions.storemagic", "tornado.platform.asyncio",
           "tornado.queues",
           # imported by the analyst dashboard's ``load_city()`` (opening a built city's
           # project, build and mapped codes; the sample's generator, which reading the sample
           # names): 0.14 s of a cold kernel's 0.55 s there
           "geo.city._build", "geo.city._project", "geo.cube._mapped", "geo.io", "geo.sample",
           "pyarrow.pandas_compat", "yaml")
"""Modules imported before the first fork: the kernel and what every dashboard imports first."""
POLL_S = 1.0
"""Seconds between checks that the server is alive (and reaps of ended kernels)."""
MAX_REQUEST_BYTES = 1 << 20
"""A request larger than this (argv, environment, cwd as JSON) is refused."""
STARTUP_VARS = ("PYTHON", "LD_", "MALLOC_")
"""Prefixes of environment variables read when a process starts (by the interpreter, the
dynamic loader, glibc's malloc): a fork cannot apply them, so a request whose values differ
from the zygote's is refused (the server then starts that kernel as a plain process)."""
ARGV_ROOM = 4096
"""Bytes of blank command line the zygote is started with (a last argument of spaces), where
each child writes the command line it stands for (:func:`_retitle`)."""


def preload() -> None:
    """Import what a kernel imports, as :mod:`geo.serve.ipykernel_launcher` does (no debugpy)."""
    import importlib

    # A None entry makes ``import debugpy`` fail: ipykernel then runs as without debugpy.
    sys.modules.setdefault("debugpy", None)  # type: ignore[arg-type]
    for name in PRELOAD:
        importlib.import_module(name)


def serve(folder: Path) -> None:
    """Listen on ``folder/``:data:`SOCKET_NAME` and fork a kernel for each request, until the
    process that started the zygote has gone."""
    server_pid = os.getppid()
    # Ctrl-C in a terminal reaches the whole process group: the server decides, and the zygote
    # follows it when it exits.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = folder / SOCKET_NAME
    listener.bind(str(path))
    listener.listen(16)
    try:
        while os.getppid() == server_pid:
            ready, _, _ = select.select([listener], [], [], POLL_S)
            _reap()
            if ready:
                conn, _ = listener.accept()
                with conn:
                    _answer(conn, listener, server_pid)
    finally:
        listener.close()
        path.unlink(missing_ok=True)


def _reap() -> None:
    """Collect the exit status of every ended kernel (no zombies)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _answer(conn: socket.socket, listener: socket.socket, server_pid: int) -> None:
    conn.settimeout(10)
    pid, _uid, _gid = struct.unpack("3i", conn.getsockopt(
        socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    if pid != server_pid:
        return
    try:
        request = json.loads(_read_all(conn))
        argv, env, cwd = list(request["argv"]), dict(request["env"]), str(request["cwd"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        _reply(conn, {"error": f"bad request: {error}"})
        return
    refusal = _refusal(env, cwd)
    if refusal:
        _reply(conn, {"error": refusal})
        return
    zygote = os.getpid()
    child = os.fork()
    if child == 0:
        _exit_as_kernel(argv, env, cwd, zygote, (conn, listener))
    pidfd = os.pidfd_open(child)
    try:
        _reply(conn, {"pid": child}, pidfd)
    finally:
        os.close(pidfd)


def _refusal(env: dict[str, str], cwd: str) -> str | None:
    """Why a fork could not be the kernel this request asks for, or None."""
    if not os.path.isdir(cwd):
        return f"no folder {cwd}"  # refused here: a plain start reports it to the caller
    differ = sorted(name for name in {*env, *os.environ} if name.startswith(STARTUP_VARS)
                    and env.get(name) != os.environ.get(name))
    if differ:
        return f"read at process start, unlike the zygote's: {', '.join(differ)}"
    return None


def _read_all(conn: socket.socket) -> bytes:
    chunks, size = [], 0
    while chunk := conn.recv(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise ValueError("request too large")
    return b"".join(chunks)


def _reply(conn: socket.socket, answer: dict[str, Any], fd: int | None = None) -> None:
    data = json.dumps(answer).encode()
    with contextlib.suppress(OSError):  # the server gave up waiting: the kernel is its to find
        if fd is None:
            conn.sendall(data)
        else:
            socket.send_fds(conn, [data], [fd])


def _exit_as_kernel(argv: list[str], env: dict[str, str], cwd: str, zygote: int,
                    sockets: tuple[socket.socket, ...]) -> None:
    """In the forked child: become the kernel, then leave by ``os._exit`` whatever happens."""
    code = 1
    try:
        _become_kernel(env, cwd, zygote, sockets)
        from geo.serve.ipykernel_launcher import main

        with contextlib.suppress(OSError, ValueError, IndexError):  # cosmetic: never fatal
            _retitle([sys.executable, "-m", "geo.serve.ipykernel_launcher", *argv])

        main(argv, after_init=_found_a_kernel, parent_handle=zygote)
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _found_a_kernel() -> None:
    """What preloaded modules do on import when they find a kernel, done now that there is one.

    ipywidgets registers its comm targets on import only inside a kernel: imported in the
    zygote it did not, and without ``jupyter.widget.control`` the page falls back to asking
    for every widget's state one message at a time (369 round trips on the analyst dashboard:
    a cold page 1-2 s slower than from a plain kernel).
    """
    if "ipywidgets" in sys.modules:
        sys.modules["ipywidgets"].register_comm_target()


def _become_kernel(env: dict[str, str], cwd: str, zygote: int,
                   sockets: tuple[socket.socket, ...]) -> None:
    os.setsid()
    for sock in sockets:
        sock.close()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.chdir(cwd)
    sys.path[0] = os.getcwd()  # ``python -m`` puts the folder it started in first
    os.environ.clear()
    os.environ.update(env)
    os.environ["JPY_PARENT_PID"] = str(zygote)
    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    import geo.serve.ipykernel_launcher as launcher

    sys.argv[0] = launcher.__file__


def _retitle(cmdline: list[str]) -> None:
    """Write ``cmdline`` over this process's original argv, which ``/proc/PID/cmdline`` shows
    (the C strings: Python runs on copies of them). Cut to the room there is (the zygote's own
    command line and :data:`ARGV_ROOM`)."""
    import ctypes

    # /proc/self/stat fields 48 and 49 (Linux >= 3.5): where the argv strings start and end;
    # fields are counted from 1, the first after the ")" ending the name is field 3
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    start, end = int(fields[48 - 3]), int(fields[49 - 3])
    data = "\0".join(cmdline).encode()[: end - start - 1]
    ctypes.memmove(start, data + b"\0" * (end - start - len(data)), end - start)


def main(argv: list[str] | None = None) -> None:
    """``python -m geo.serve._forkserver DIR``: preload, then serve ``DIR``'s socket."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):  # DIR and the blank room of ARGV_ROOM
        sys.exit("usage: python -m geo.serve._forkserver DIR [ROOM]")
    preload()
    serve(Path(args[0]))


if __name__ == "__main__":
    main()
