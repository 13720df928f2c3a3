"""The browser of tests and benchmarks is offline: it reaches loopback only (tests/browser.py)."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.browser import browser_page, chromium_path, free_port
from tests.conftest import need

pytestmark = [pytest.mark.browser]


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def named_server() -> Iterator[tuple[str, str]]:
    """A local web server, as reached by this machine's host name (resolvable like any host)."""
    need(chromium_path() is not None, "Debian chromium (/usr/bin/chromium) is not installed")
    port = free_port()
    server = http.server.HTTPServer(("0.0.0.0", port), Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{socket.gethostname()}:{port}/", f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()
        server.server_close()


def test_only_loopback_is_reached_offline(named_server: tuple[str, str]) -> None:
    by_name, by_loopback = named_server
    with browser_page(offline=True) as page:
        assert page.goto(by_loopback).status == 200
        with pytest.raises(Exception, match="ERR_NAME_NOT_RESOLVED"):
            page.goto(by_name, timeout=10_000)
    with browser_page(offline=False) as page:  # the host name itself resolves
        assert page.goto(by_name).status == 200
