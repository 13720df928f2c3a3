"""The server's kernel activity record (geo/serve/_activity.py) is jupyter_server's, cheaper."""

from __future__ import annotations

from collections.abc import Callable

from jupyter_client.session import Session
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from geo.serve._paced import PacedKernelManager

BEFORE = object()


class Stream:
    """The kernel's IOPub stream: keeps the one callback set on it, as ZMQStream does."""

    def on_recv(self, callback: Callable) -> None:
        self.callback = callback


class Kernel:
    def __init__(self) -> None:
        self.session = Session(key=b"secret")
        self.execution_state = "starting"

    def connect_iopub(self) -> Stream:
        return Stream()


def watched(manager: AsyncMappingKernelManager) -> tuple[Kernel, Callable]:
    kernel = Kernel()
    manager._kernels["k"] = kernel
    manager.start_watching_activity("k")
    return kernel, kernel._activity_stream.callback


def messages(session: Session) -> list[list[bytes]]:
    """IOPub messages of a kernel starting, being asked for its info (untracked), running a
    cell and receiving a widget change, as the wire carries them."""
    def reply(msg_type: str, content: dict, parent: str | None) -> list[bytes]:
        parent_msg = session.msg(parent, {}) if parent else None
        msg = session.msg(msg_type, content, parent=parent_msg)
        return session.serialize(msg, ident=[b"kernel.k.iopub"])

    return [
        reply("status", {"execution_state": "starting"}, None),
        reply("status", {"execution_state": "busy"}, "kernel_info_request"),
        reply("status", {"execution_state": "idle"}, "kernel_info_request"),
        reply("status", {"execution_state": "busy"}, "execute_request"),
        reply("stream", {"name": "stdout", "text": "x"}, "execute_request"),
        reply("stream", {"name": "stdout", "text": "x"}, "kernel_info_request"),  # busy: counts
        reply("comm_open", {"comm_id": "c", "target_name": "t", "data": {}}, "execute_request"),
        reply("status", {"execution_state": "idle"}, "execute_request"),
        reply("status", {"execution_state": "busy"}, "comm_info_request"),
        reply("status", {"execution_state": "idle"}, "comm_info_request"),
        reply("status", {"execution_state": "busy"}, "comm_msg"),
        reply("comm_msg", {"comm_id": "c", "data": {}}, "comm_msg"),
        reply("status", {"execution_state": "idle"}, "comm_msg"),
        reply("stream", {"name": "stdout", "text": "x"}, "kernel_info_request"),  # idle: not
    ]


def record(manager: AsyncMappingKernelManager) -> list[tuple[bool, str]]:
    """(activity recorded, execution state) after each message."""
    kernel, callback = watched(manager)
    seen = []
    for msg in messages(kernel.session):
        kernel.last_activity = BEFORE
        callback(msg)
        seen.append((kernel.last_activity is not BEFORE, kernel.execution_state))
    return seen


def test_the_record_is_jupyter_servers_own() -> None:
    ours, theirs = record(PacedKernelManager()), record(AsyncMappingKernelManager())
    assert ours == theirs
    assert {state for _, state in ours} >= {"idle", "busy"}
    assert any(active for active, _ in ours) and not all(active for active, _ in ours)


def test_the_callback_is_ours() -> None:
    kernel, callback = watched(PacedKernelManager())
    assert callback.func.__name__ == "_record_activity"
