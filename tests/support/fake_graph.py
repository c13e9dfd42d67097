"""A local fake of Meta's Graph API messages endpoint, over real HTTP, for sender tests.

`FakeGraph` is a `ThreadingHTTPServer` on 127.0.0.1 (free port) that records every request (method, path,
headers, exact body bytes and parsed JSON) and answers from a script. With nothing scripted it answers like
Meta: 200 `{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid.<uuid>"}]}`.
Scripted steps, consumed in order, one per request:

- `respond_ok(before=...)`: a 200 as above; `before(request)` runs first (e.g. a status webhook racing us);
- `respond_error(code, http_status=400)`: Graph error JSON `{"error": {"code", "message", ...}}`;
- `respond_raw(http_status, body, headers=...)`: any status, body and headers (a bare 500, a redirect);
- `hang(seconds)`: read the request, then answer nothing for that long (beyond the client's read timeout);
- `drop()`: read the request, then close the connection without an answer.

Every scripting call takes `to=<recipient>`: that step then answers only a request to that recipient (steps
scoped to others stay queued for theirs). Each recorded request carries `at`, its arrival time
(`time.monotonic()`), and `to`, its recipient.

Fixtures (import the `*_fixture` functions into a test module or conftest to register them):
- `fake_graph`: a running server, `settings.WHATSAPP_API_URL` pointing at it, stopped after the test;
- `graph_sender`: a `bot.sender.GraphSender` whose jitter is the constant `JITTER` (so its retry delays are
  exact).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

JITTER = 0.25  # the `graph_sender` fixture's jitter draw: delays are exactly base × 2^i × (1 + JITTER)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it. Header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any
    at: float = 0.0  # arrival, time.monotonic()

    @property
    def to(self) -> str:
        """The recipient of a messages request ('' when the body names none)."""
        return str(self.json.get("to", "")) if isinstance(self.json, dict) else ""


@dataclass
class _Step:
    kind: str  # "ok" | "raw" | "hang" | "drop"
    status: int = 200
    body: Any = None
    seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    before: Callable[[RecordedRequest], None] | None = None
    to: str | None = None  # answer only a request to this recipient


@dataclass
class _Script:
    steps: list[_Step] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def push(self, step: _Step) -> None:
        with self.lock:
            self.steps.append(step)

    def pop(self, to: str) -> _Step:
        """The first step for this recipient (scoped to it, or unscoped); a plain 200 when none is left."""
        with self.lock:
            for index, step in enumerate(self.steps):
                if step.to is None or step.to == to:
                    return self.steps.pop(index)
            return _Step("ok")


def graph_error_body(code: int, message: str = "", details: str = "") -> dict:
    """Graph error JSON as Meta returns it from the messages endpoint."""
    return {
        "error": {
            "message": message or f"(#{code}) scripted error",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details or "scripted by the fake"},
            "fbtrace_id": "AbCdEfFakeTrace",
        }
    }


class FakeGraph:
    """The fake server. `requests` holds what arrived; `issued_wamids` the message ids it handed out."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.issued_wamids: list[str] = []
        self._script = _Script()
        self._record_lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-graph", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGraph:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hanging handlers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- scripting -----------------------------------------------------------------------------------
    def respond_ok(
        self, *, before: Callable[[RecordedRequest], None] | None = None, to: str | None = None
    ) -> None:
        self._script.push(_Step("ok", before=before, to=to))

    def respond_error(
        self, code: int, *, http_status: int = 400, message: str = "", to: str | None = None
    ) -> None:
        self._script.push(_Step("raw", status=http_status, body=graph_error_body(code, message), to=to))

    def respond_raw(
        self,
        http_status: int,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        to: str | None = None,
    ) -> None:
        self._script.push(_Step("raw", status=http_status, body=body, headers=headers or {}, to=to))

    def hang(self, seconds: float = 5.0, *, to: str | None = None) -> None:
        self._script.push(_Step("hang", seconds=seconds, to=to))

    def drop(self, *, to: str | None = None) -> None:
        self._script.push(_Step("drop", to=to))

    def to(self, recipient: str) -> list[RecordedRequest]:
        """The requests that arrived for `recipient`, in arrival order."""
        with self._record_lock:
            return [request for request in self.requests if request.to == recipient]

    # --- used by the handler -------------------------------------------------------------------------
    def _record(self, request: RecordedRequest) -> _Step:
        with self._record_lock:
            self.requests.append(request)
        return self._script.pop(request.to)

    def _ok_body(self, request: RecordedRequest) -> dict:
        wamid = f"wamid.{uuid.uuid4().hex}"
        with self._record_lock:
            self.issued_wamids.append(wamid)
        to = request.json.get("to", "") if isinstance(request.json, dict) else ""
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
            "messages": [{"id": wamid}],
        }


class _Handler(BaseHTTPRequestHandler):
    """Reads and records each request, then plays the next scripted step."""

    fake: FakeGraph  # set on the per-server subclass
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections are closed, so no handler thread outlives its test long

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        request = self._read()
        step = self.fake._record(request)
        if step.kind in {"drop", "hang"}:
            self.close_connection = True
            if step.kind == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                self.fake._stopping.wait(step.seconds)
            return
        if step.before is not None:
            step.before(request)
        body = self.fake._ok_body(request) if step.kind == "ok" else step.body
        self._answer(step.status, body, step.headers)

    def _read(self) -> RecordedRequest:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        headers = {name.lower(): value for name, value in self.headers.items()}
        return RecordedRequest(self.command, self.path, headers, body, parsed, time.monotonic())

    def _answer(self, status: int, body: Any, headers: dict[str, str]) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        # Headers and body in one write: two writes would wait on the client's delayed ACK (~40 ms a send).
        self._headers_buffer.extend([b"\r\n", raw])
        self.flush_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


def _handler_for(fake: FakeGraph) -> type[BaseHTTPRequestHandler]:
    return type("FakeGraphHandler", (_Handler,), {"fake": fake})


@pytest.fixture(name="fake_graph")
def fake_graph_fixture(settings) -> Iterator[FakeGraph]:
    """A running fake Graph API; `settings.WHATSAPP_API_URL` points at it for the test."""
    fake = FakeGraph().start()
    settings.WHATSAPP_API_URL = fake.url
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(name="graph_sender")
def graph_sender_fixture():
    """A sender with a constant jitter draw; closed after the test."""
    from bot.sender import GraphSender

    sender = GraphSender(rand=lambda: JITTER)
    yield sender
    sender.close()
