"""A visitor without a browser: open a Voila page and drive its widgets over the kernel protocol.

The load benchmark must measure the server, not Chromium: 20 browsers on a 2-core machine spend
the cores on layout and painting, and the server's own figure drowns. A session here does what
the page's JavaScript does on the wire and nothing else:

1. ``GET /voila/render/NAME.ipynb``: Voila runs the notebook in a (preheated) kernel and sends
   the page, whose config names the kernel; the ``_xsrf`` cookie comes with it;
2. open the kernel's websocket (``/api/kernels/ID/channels``, Jupyter's JSON protocol) and ask
   the widget manager for every model's state (``jupyter.widget.control`` comm,
   ``request_states``), as ipywidgets 8 does on page load;
3. a filter change is an ``update`` comm message to the hour slider's model, done when the
   kernel sends the page's draw counter (``.atlas-stamp`` ``data-draws``) one higher;
4. close: ``POST /voila/api/shutdown/ID`` (the page's beacon on ``beforeunload``).

Binary frames (hexagon outlines, colour bytes) are received and counted, never decoded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import struct
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

DRAWS = re.compile(r'data-draws="(\d+)"')
WIDGET_VERSION = "2.1.0"
"""ipywidgets 8's widget message protocol."""
CONTROL_VERSION = "1.0.0"
"""ipywidgets 8's control comm (``request_states``): its own, older, version."""


@dataclass
class Session:
    """One visitor's page: its kernel, its websocket and the widget models it needs."""

    base: str
    kernel_id: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    ws: Any = None
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    states: dict[str, dict] = field(default_factory=dict)
    draws: int = 0
    binary_bytes: int = 0
    _waiters: list[tuple[Any, asyncio.Future]] = field(default_factory=list)
    _reader: asyncio.Task | None = None

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    async def open(self, path: str, timeout: float) -> None:
        """Render the page (the notebook runs), then connect and load every widget state."""
        response = await AsyncHTTPClient().fetch(HTTPRequest(
            self.base + path, request_timeout=timeout, connect_timeout=timeout))
        for header in response.headers.get_list("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        match = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', response.body.decode())
        if not match:
            raise RuntimeError("the page names no kernel")
        self.kernel_id = match.group(1)
        url = (self.base.replace("http", "ws", 1) + f"/api/kernels/{self.kernel_id}/channels"
               f"?session_id={self.session_id}")
        self.ws = await websocket_connect(HTTPRequest(
            url, headers={"Cookie": self._cookie_header()}, connect_timeout=timeout,
            request_timeout=timeout), max_message_size=256 * 2**20)
        self._reader = asyncio.create_task(self._read())
        control = uuid.uuid4().hex
        reply = self._expect(lambda m: m["msg_type"] == "comm_msg"
                             and m["content"]["data"].get("method") == "update_states")
        opened = await self._send("comm_open", {"comm_id": control, "target_name":
                                                "jupyter.widget.control", "data": {}},
                                  CONTROL_VERSION)
        # ipykernel 7 may handle the next shell message before the comm exists ("No such
        # comm"): wait until the kernel is idle after the open, as the page's await does
        await asyncio.wait_for(self._expect(
            lambda m: m["msg_type"] == "status"
            and m.get("parent_header", {}).get("msg_id") == opened
            and m["content"].get("execution_state") == "idle"), timeout)
        await self._send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}},
                         CONTROL_VERSION)
        message = await asyncio.wait_for(reply, timeout)
        self.states = message["content"]["data"]["states"]
        stamp = self.model("HTMLModel", lambda s: "atlas-stamp" in str(s.get("value", "")))
        self.draws = int(DRAWS.search(self.states[stamp]["state"]["value"]).group(1))

    def model(self, name: str, test=lambda state: True) -> str:
        """The id of the first model of class ``name`` whose state passes ``test``."""
        for model_id, entry in self.states.items():
            if entry.get("model_name") == name and test(entry.get("state", {})):
                return model_id
        raise KeyError(f"no {name} on the page")

    async def change_hours(self, step: int, timeout: float) -> None:
        """Move the hour window's start by ``step`` and wait for the map's draw counter."""
        slider = self.model("SelectionRangeSliderModel")
        low, high = self.states[slider]["state"]["index"]
        low = max(0, min(high - 1, low + step))
        self.states[slider]["state"]["index"] = [low, high]
        want = self.draws + 1
        stamp = self.model("HTMLModel", lambda s: "atlas-stamp" in str(s.get("value", "")))
        done = self._expect(lambda m: m["msg_type"] == "comm_msg"
                            and m["content"].get("comm_id") == stamp
                            and int((DRAWS.search(str(m["content"]["data"].get("state", {})
                                                      .get("value", ""))) or [0, 0])[1]) >= want)
        await self._send("comm_msg", {"comm_id": slider, "data": {
            "method": "update", "state": {"index": [low, high]}, "buffer_paths": []}})
        await asyncio.wait_for(done, timeout)
        self.draws = want

    async def close(self) -> None:
        """Ask Voila to shut the kernel down, as the page does when its tab closes."""
        if self.kernel_id:
            xsrf = self.cookies.get("_xsrf", "")
            await AsyncHTTPClient().fetch(HTTPRequest(
                f"{self.base}/voila/api/shutdown/{self.kernel_id}", method="POST", body=b"",
                headers={"Cookie": self._cookie_header(), "X-XSRFToken": xsrf}),
                raise_error=False)
        if self._reader:
            self._reader.cancel()
        if self.ws:
            self.ws.close()

    def _expect(self, test) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((test, future))
        return future

    async def _send(self, msg_type: str, content: dict, version: str = WIDGET_VERSION) -> str:
        """Send a shell message; return its id (replies name it as their parent)."""
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "username": "load", "session": self.session_id,
                  "date": dt.datetime.now(dt.UTC).isoformat(), "msg_type": msg_type,
                  "version": "5.3"}
        await self.ws.write_message(json.dumps({
            "header": header, "parent_header": {}, "metadata": {"version": version},
            "content": content, "channel": "shell", "buffers": []}))
        return msg_id

    async def _read(self) -> None:
        while True:
            raw = await self.ws.read_message()
            if raw is None:
                return
            if isinstance(raw, bytes):  # a message with binary buffers: outlines, colour bytes
                self.binary_bytes += len(raw)
                raw = _json_part(raw)
            message = json.loads(raw)
            message["msg_type"] = message.get("msg_type") or message["header"]["msg_type"]
            for test, future in list(self._waiters):
                if not future.done() and test(message):
                    future.set_result(message)
                    self._waiters.remove((test, future))


def _json_part(frame: bytes) -> bytes:
    """The JSON of a binary websocket frame (jupyter_server's ``serialize_binary_message``:
    a count, offsets, then the JSON and the buffers); the buffers are left alone."""
    (count,) = struct.unpack("!I", frame[:4])
    offsets = struct.unpack(f"!{count}I", frame[4:4 + 4 * count])
    end = offsets[1] if count > 1 else len(frame)
    return frame[offsets[0]:end]
