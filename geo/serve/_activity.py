"""The server's kernel activity record, reading only what it records.

jupyter_server watches every IOPub message of every kernel to know when each was last active
(idle kernels are culled by it) and its execution state. It fully deserializes each message
for that: the HMAC check, then header and parent header parsed with their dates turned into
datetimes by regular expression. A page open of the analyst dashboard sends ~640 messages
(mostly its widgets' comm_opens), an hour change a dozen, and the server, which also forwards
them all to the page, spent ~0.3 s of its single thread per page open on this record alone (a
profile of a cold open). Here the message types come from the two header frames as JSON, and
the content frame is read for status messages only: the same record, the same rules.

The signature is not checked here: these messages come from the kernel's own IOPub socket,
which nothing else can publish on, and their other reader (the kernel's websocket) still
checks it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from jupyter_server._tz import utcnow


class LightActivity:
    """A mixin for jupyter_server's mapping kernel managers: the same activity record, cheaper
    (placed before the manager class in the bases)."""

    def start_watching_activity(self, kernel_id: str) -> None:
        super().start_watching_activity(kernel_id)  # type: ignore[misc]
        kernel = self._kernels[kernel_id]  # type: ignore[attr-defined]
        kernel._activity_stream.on_recv(partial(self._record_activity, kernel))  # replaces

    def _record_activity(self, kernel: Any, msg_list: list[bytes]) -> None:
        """What jupyter_server's own callback records, from the header frames."""
        session = kernel.session
        _idents, frames = session.feed_identities(msg_list)
        msg_type = session.unpack(frames[1])["msg_type"]
        parent_type = (session.unpack(frames[2]) or {}).get("msg_type")
        track = self.track_message_type  # type: ignore[attr-defined]
        if track(msg_type) or track(parent_type) or kernel.execution_state == "busy":
            self.last_kernel_activity = kernel.last_activity = utcnow()
        if msg_type == "status":
            state = session.unpack(frames[4])["execution_state"]
            if track(parent_type):
                kernel.execution_state = state
            elif kernel.execution_state == "starting" and state != "starting":
                kernel.execution_state = "idle"  # as jupyter_server normalises it
