"""Kernel messages leave for the page at once: the kernel websocket without Nagle's algorithm.

An hour change sends the cells' new colours (~108 kB on the city-sized sample) and then a few
small messages: the legend, the draw counter, the side panels. Tornado leaves Nagle's algorithm
on for websockets, so a small message written while the end of the large one is still unacked
waits for that ack, and the browser delays its acks by up to 40 ms (Linux's minimum delayed ack).
Measured on the city page at res 10, 60 hour changes each way (2026-12-02): the legend and
counter came 38-46 ms after the cells in 8 of 60 changes with Nagle, in none without; those
changes were the slow third of the figure. ``TCP_NODELAY`` sends every message as it is written;
the messages of one change are written together anyway, so the extra packets are few.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


class PromptConnection(ZMQChannelsWebsocketConnection):
    """Jupyter's kernel websocket connection, with ``TCP_NODELAY`` set on the socket."""

    def connect(self) -> Any:
        # the websocket is open by now (the handler connects from its ``open``)
        self.websocket_handler.set_nodelay(True)
        return super().connect()


def send_promptly(app: Any) -> None:
    """Make a Voila app's kernel websockets :class:`PromptConnection`, unless its configuration
    chose another connection class (then it is left alone)."""
    current = getattr(app, "kernel_websocket_connection_class", None)
    if current is ZMQChannelsWebsocketConnection:
        app.kernel_websocket_connection_class = PromptConnection
