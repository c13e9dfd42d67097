"""A tiny loopback HTTP server that counts requests and answers from a script, for faults the sandbox
cannot produce (connection reset after the request arrived, a proxy's HTML 502, an empty 200, v1 shapes).

`FakeLedger().start()`; `fake.script("login", reply(...), reply(...))` queues answers per route (the last
one repeats); `fake.count("login")` says how many requests arrived; `fake.stop()`. A `Reply` is a status,
bytes and headers, or `RESET` (read the request, then close the socket without answering) or `HANG`
(read it and answer nothing until the server stops or `hang_seconds` pass) or `TLS_BREAK` (over TLS:
read it, then write a raw TLS alert record outside the session and close, so the client's TLS layer fails
after its request was sent). `FakeLedger(tls=context)` serves HTTPS with that server-side `SSLContext`.
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    action: str = "answer"  # answer | reset | hang | tls_break


RESET = Reply(action="reset")
HANG = Reply(action="hang")
TLS_BREAK = Reply(action="tls_break")
RAW_TLS_ALERT = b"\x15\x03\x03\x00\x02\x02\x50"  # a plaintext fatal internal_error alert record


def reply_json(status: int, body: Any, **headers: str) -> Reply:
    return Reply(status, json.dumps(body).encode(), {"Content-Type": "application/json", **headers})


def reply_text(status: int, text: str, content_type: str = "text/plain", **headers: str) -> Reply:
    return Reply(status, text.encode(), {"Content-Type": content_type, **headers})


def envelope(
    action_type: str,
    details: dict,
    *,
    action_id: str | None = None,
    dashboard: Any = None,
    message: str = "ok",
) -> dict:
    """An envelope-era body."""
    action = {
        "id": action_id,
        "type": action_type,
        "timestamp": "2025-01-01T00:00:00.000Z",
        "actor": "system",
        "details": details,
    }
    return {
        "message": message,
        "data": {"action": action, "dashboard": {} if dashboard is None else dashboard},
    }


class FakeLedger:
    """The server; scripted answers per route name (the path without its leading slash)."""

    def __init__(self, hang_seconds: float = 30.0, *, tls: ssl.SSLContext | None = None) -> None:
        self.hang_seconds = hang_seconds
        self.tls = tls
        self._scripts: dict[str, list[Reply]] = defaultdict(list)
        self._counts: Counter[str] = Counter()
        self.seen_headers: list[dict[str, str]] = []
        self.seen_bodies: list[bytes] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeLedger:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if self.tls is not None:  # the handshake runs in accept(); a failed one is dropped by the server
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def script(self, route: str, *replies: Reply) -> None:
        with self._lock:
            self._scripts[route] = list(replies)

    def count(self, route: str | None = None) -> int:
        with self._lock:
            return self._counts[route] if route else sum(self._counts.values())

    def _next(self, route: str) -> Reply:
        with self._lock:
            self._counts[route] += 1
            queue = self._scripts.get(route) or [reply_json(404, {"status": "error", "statusCode": 404})]
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        route = handler.path.strip("/")
        with self._lock:
            self.seen_headers.append(dict(handler.headers.items()))
            self.seen_bodies.append(body)
        reply = self._next(route)
        if reply.action == "reset":
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.close()
            handler.close_connection = True
            return
        if reply.action == "tls_break":  # bytes written under the TLS layer: the client's TLS read fails
            socket.socket.sendall(handler.connection, RAW_TLS_ALERT)
            handler.connection.close()
            handler.close_connection = True
            return
        if reply.action == "hang":
            self._stopping.wait(self.hang_seconds)
            handler.close_connection = True
            return
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        handler.wfile.write(reply.body)


def wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
