"""geo.app._request: a preheated kernel learns its visitor's request as Voila's helper does,
without importing Voila (whose import compiles jsonschema's grammars in every kernel)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from tornado.web import Application
from voila.request_info_handler import RequestInfoSocketHandler

from geo.app import _request, _share
from tests.browser import free_port
from tests.conftest import REPO

SERVER_ONLY = ("voila", "jupyter_server", "jupyter_events", "jsonschema", "rfc3987_syntax")
"""Modules of the Voila *server* that a kernel has no use for."""


@pytest.fixture(autouse=True)
def environment() -> Iterator[None]:
    """The helpers write the request into ``os.environ`` (as Voila's does): undo it."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[asyncio.AbstractEventLoop]:
    """Voila's own request-info websocket on a loopback port, in a thread; a kernel's
    environment pointing at it, as Voila sets it for a pool kernel."""
    port = free_port()
    ready = threading.Event()
    loops: list[asyncio.AbstractEventLoop] = []

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loops.append(loop)
        Application([(r"/voila/query/(.*)", RequestInfoSocketHandler)]).listen(
            port, "127.0.0.1")
        loop.call_soon(ready.set)
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    for name, value in {"VOILA_PREHEAT": "True", "VOILA_APP_PORT": str(port),
                        "VOILA_SERVER_URL": "/", "VOILA_KERNEL_ID": str(uuid.uuid4())}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    yield loops[0]
    loops[0].call_soon_threadsafe(loops[0].stop)
    thread.join(5)


def visitor_arrives(loop: asyncio.AbstractEventLoop, query: str, after: float = 0.0) -> None:
    """What Voila's page handler does when the visitor's request comes in."""
    payload = {"kernel_id": os.environ["VOILA_KERNEL_ID"],
               "payload": {"QUERY_STRING": query, "SERVER_NAME": "atlas.example"}}
    loop.call_soon_threadsafe(loop.call_later, after, RequestInfoSocketHandler.send_updates,
                              payload)


def test_same_answer_as_voilas_own_helper(server: asyncio.AbstractEventLoop,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from voila.utils import wait_for_request as voilas

    for helper in (voilas, _request.wait_for_request):
        monkeypatch.setenv("VOILA_KERNEL_ID", str(uuid.uuid4()))
        monkeypatch.delenv("QUERY_STRING", raising=False)
        visitor_arrives(server, "res=8&layer=gap")
        helper()
        assert os.environ["QUERY_STRING"] == "res=8&layer=gap", helper
        assert os.environ["SERVER_NAME"] == "atlas.example", helper


def test_the_kernel_waits_for_its_visitor(server: asyncio.AbstractEventLoop) -> None:
    visitor_arrives(server, "res=7", after=0.6)
    start = time.monotonic()
    assert _share.page_query_string() == "res=7"
    assert time.monotonic() - start >= 0.5


def test_no_server_means_no_view_not_a_stuck_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_APP_PORT", str(free_port()))  # nothing listens there
    monkeypatch.delenv("QUERY_STRING", raising=False)
    with pytest.warns(UserWarning, match="Failed to connect"):
        assert _share.page_query_string() == ""


def test_outside_a_preheated_kernel_nothing_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "res=9")
    assert _share.page_query_string() == "res=9"


def test_waiting_for_the_visitor_imports_no_server() -> None:
    code = textwrap.dedent(f"""
        import os, sys, socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
        os.environ.update(VOILA_PREHEAT="True", VOILA_APP_PORT=str(port), VOILA_KERNEL_ID="k")
        from geo.app._share import page_query_string
        import warnings; warnings.simplefilter("ignore")
        assert page_query_string() == ""
        loaded = [m for m in {SERVER_ONLY!r} if m in sys.modules]
        assert not loaded, loaded
        print("ok")
    """)
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert run.stdout.strip() == "ok", run.stderr
