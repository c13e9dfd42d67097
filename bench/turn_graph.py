"""The turn benchmark's fake Graph API: records when each reply reaches "Meta", per recipient, and answers
like Meta (200 with a fresh message id) so the bot's sender counts every send as accepted.

A `ThreadingHTTPServer` on a free loopback port inside the benchmark process, so its arrival times
(`time.monotonic()`) share a clock with the webhook POSTs the load generator sends. Each reply is read,
parsed just enough (`to`, `type`), recorded, and answered with ONE write of status line, headers and body.
Why not `tests/support/fake_graph.FakeGraph`: it writes the headers and the body separately, so every answer
waits for the client's delayed ACK (Nagle), about 40 ms per request, which would be measured as the bot's.

Waiting: `wait_for(member, count, deadline)` returns once `count` interactive replies to `member` arrived.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"


class ReplyRecorder:
    """The fake server and what it recorded: interactive replies' arrival times per recipient, and every
    message's recipient and type."""

    def __init__(self) -> None:
        self.interactive: defaultdict[str, list[float]] = defaultdict(list)
        self.messages = 0
        self.other_types: defaultdict[str, int] = defaultdict(int)
        self._arrived = threading.Condition()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="turn-graph", daemon=True)  # fmt: skip

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReplyRecorder:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def record(self, at: float, payload: Any) -> str:
        """Note one message that arrived at `at`; the recipient ('' when the body names none)."""
        to = str(payload.get("to", "")).lstrip("+") if isinstance(payload, dict) else ""
        kind = str(payload.get("type", "")) if isinstance(payload, dict) else ""
        with self._arrived:
            self.messages += 1
            if kind == "interactive":
                self.interactive[to].append(at)
                self._arrived.notify_all()
            else:
                self.other_types[kind] += 1
        return to

    def replies_to(self, member: str) -> list[float]:
        """Arrival times of the interactive replies to `member` so far, in arrival order."""
        with self._arrived:
            return list(self.interactive.get(member, ()))

    def wait_for(self, member: str, count: int, deadline: float) -> bool:
        """Wait until `member` has `count` interactive replies, or until `deadline` (monotonic)."""
        with self._arrived:
            while len(self.interactive.get(member, ())) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(min(left, 0.5))  # short waits keep Ctrl-C responsive
            return True

    def wait_all(self, expected: dict[str, int], deadline: float) -> bool:
        """Wait until every member in `expected` has that many interactive replies, or until `deadline`."""
        return all(self.wait_for(member, count, deadline) for member, count in expected.items())

    def next_wamid(self) -> str:
        return f"wamid.bench{next(self._ids)}"


class _Handler(BaseHTTPRequestHandler):
    recorder: ReplyRecorder  # set on the per-server subclass
    protocol_version = "HTTP/1.1"
    timeout = 30

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        at = time.monotonic()
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        to = self.recorder.record(at, payload)
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": self.recorder.next_wamid()}],
        }
        raw = json.dumps(answer).encode()
        self.wfile.write(ANSWER % (len(raw), raw))  # one write: no delayed-ACK wait

    def log_message(self, format: str, *args: Any) -> None:
        return


def _handler_for(recorder: ReplyRecorder) -> type[BaseHTTPRequestHandler]:
    return type("TurnGraphHandler", (_Handler,), {"recorder": recorder})
