"""The visitor's request, in a preheated Voila kernel, without importing Voila.

A preheated kernel (``--preheat_kernel``) runs the dashboard before anyone asks for a page, then
waits for the request of the visitor it is handed to: Voila's page handler sends the request's
CGI variables (``QUERY_STRING`` and the like) over a websocket, ``voila/query/<kernel id>``
(``voila/request_info_handler.py``), and :func:`voila.utils.wait_for_request` receives them.

That helper is a dozen lines, but importing it runs ``voila/__init__``, which imports the whole
server: jupyter_server, jupyter_events, jsonschema and rfc3987-syntax, whose Lark grammars are
compiled at import. That is 3-4 s of CPU in *every* kernel (10 s when the cores are busy), and
a room opening the link at once starts many kernels on two cores: two sessions of the load
benchmark waited 45-70 s for their pages, most of it spent compiling those grammars
(benchmarks/bench_load.py). :func:`wait_for_request` speaks the same protocol with tornado's
websocket client, which the kernel has already imported (ipykernel runs on tornado).
tests/test_request.py checks it against Voila's own helper on one server.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import warnings

CONNECT_TIMEOUT_S = 5.0
"""As Voila's helper: a server that is not there is given up after 5 s (the page is then
drawn without its URL's view rather than never)."""


def preheated() -> bool:
    """True in a kernel Voila started ahead of its visitor."""
    return os.environ.get("VOILA_PREHEAT", "False") != "False"


def request_url() -> str:
    """Where the kernel's request info is served: the environment Voila gives a pool kernel."""
    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    host = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{host}:{port}{base}voila/query/{os.environ.get('VOILA_KERNEL_ID')}"


async def _receive(url: str) -> str | None:
    from tornado.websocket import websocket_connect

    try:
        connection = await websocket_connect(url, connect_timeout=CONNECT_TIMEOUT_S)
    except Exception as exc:  # refused, timed out, 404: the page goes on without its URL
        warnings.warn(f"Failed to connect to {url}: {exc}", stacklevel=2)
        return None
    try:
        message = await connection.read_message()  # blocks until a visitor arrives
    finally:
        connection.close()
    return message if isinstance(message, str) else None


def wait_for_request() -> None:
    """Block until this preheated kernel is handed to a visitor; put the visitor's request
    variables into ``os.environ``. Does nothing outside a preheated kernel.

    The wait runs on its own thread and event loop, as Voila's does: the kernel's main thread
    is inside a running loop (the cell being executed).
    """
    if not preheated():
        return
    received: list[str | None] = [None]

    def receive() -> None:
        received[0] = asyncio.run(_receive(request_url()))

    thread = threading.Thread(target=receive, name="atlas-request", daemon=True)
    thread.start()
    thread.join()
    if received[0]:
        for name, value in json.loads(received[0]).items():
            os.environ[name] = value
