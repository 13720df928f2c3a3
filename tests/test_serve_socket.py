"""Kernel websockets send without Nagle's wait (geo/serve/_socket.py): every server we start
gets the connection class that sets TCP_NODELAY, and the class sets it before connecting."""

from __future__ import annotations

from unittest import mock

import pytest
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine
from tornado.web import Application
from voila.app import Voila

from geo.serve._kernel import DashboardKernelSpecs
from geo.serve._socket import PromptConnection, send_promptly


def test_a_server_of_ours_sends_kernel_messages_promptly() -> None:
    app = Voila()
    assert app.kernel_websocket_connection_class is ZMQChannelsWebsocketConnection
    DashboardKernelSpecs(parent=app)  # what Voila makes while it starts
    assert app.kernel_websocket_connection_class is PromptConnection


def test_a_connection_class_chosen_in_the_configuration_is_kept() -> None:
    class Chosen(ZMQChannelsWebsocketConnection):
        pass

    app = Voila(kernel_websocket_connection_class=Chosen)
    send_promptly(app)
    assert app.kernel_websocket_connection_class is Chosen


def test_the_connection_sets_nodelay_before_it_connects(monkeypatch: pytest.MonkeyPatch) -> None:
    line = RequestStartLine("GET", "/api/kernels/k/channels", "HTTP/1.1")
    request = HTTPServerRequest(start_line=line, headers=HTTPHeaders({"Host": "127.0.0.1"}),
                                connection=mock.Mock())
    handler = KernelWebsocketHandler(Application(), request)
    calls: list[object] = []
    handler.set_nodelay = lambda value: calls.append(("nodelay", value))  # type: ignore[method-assign]
    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "connect",
                        lambda self: calls.append("connect") or "nudged")
    connection = PromptConnection(websocket_handler=handler)
    assert connection.connect() == "nudged"
    assert calls == [("nodelay", True), "connect"]
