"""The turn benchmark's simulated members: signed "hi" webhooks POSTed to the bot, as Meta would deliver them.

Each delivery holds one text message with a fresh wamid and is signed with the app secret
(`X-Hub-Signature-256`), without the mock header, over a keep-alive connection per sending thread. A send
time (`time.monotonic()`, taken just before the POST) is recorded per member; the replies are matched to
them afterwards (`bench.turn_figures`). Three shapes of load:
- `closed_loop`: each member sends, waits for its interactive reply, and sends again until the time is up
  (a member whose reply does not come within the timeout stops);
- `open_loop`: messages at a fixed rate, round-robin over the members, whatever the bot's pace;
- `burst`: every message of a list at once, over a few connections.
"""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bench.turn_graph import ReplyRecorder
from devtools.payloads.deliveries import new_wamid, sample_bsuid, whatsapp_text_payload
from security.signatures import sign_body

SENDING_THREADS = 8


@dataclass
class Sent:
    """Send times per member, and deliveries the webhook did not acknowledge with a 2xx (by reason)."""

    times: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    refused: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, member: str, began: float, refusal: str | None) -> None:
        with self.lock:
            if refusal is None:
                self.times[member].append(began)
            else:
                self.refused[refusal] += 1

    @property
    def last(self) -> float:
        return max((began for times in self.times.values() for began in times), default=time.monotonic())


class Poster:
    """One keep-alive connection to the webhook, posting signed deliveries."""

    def __init__(self, port: int, secret: str, phone_number_id: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.secret, self.phone_number_id = secret.encode(), phone_number_id

    def hi(self, member: str, sent: Sent) -> bool:
        """POST one "hi" from `member`; note its send time in `sent`; True when acknowledged (2xx)."""
        payload = whatsapp_text_payload(text="hi", wamid=new_wamid(), phone_number_id=self.phone_number_id,
                                        wa_id=member, user_id=sample_bsuid(member))  # fmt: skip
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body, self.secret),
                   "User-Agent": "facebookexternalua"}  # fmt: skip
        began, refusal = time.monotonic(), None
        try:
            self.connection.request("POST", "/bot/webhook", body=body, headers=headers)
            response = self.connection.getresponse()
            response.read()
            refusal = None if 200 <= response.status < 300 else f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()  # reconnects on the next request
            refusal = type(error).__name__
        sent.note(member, began, refusal)
        return refusal is None

    def close(self) -> None:
        self.connection.close()


def _run_threads(count: int, target, *args: object) -> None:
    threads = [threading.Thread(target=target, args=args, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)  # short joins keep Ctrl-C responsive


@dataclass
class Target:
    """Where the load goes and how long a reply may take."""

    port: int
    secret: str
    phone_number_id: str
    recorder: ReplyRecorder
    timeout: float

    def poster(self) -> Poster:
        return Poster(self.port, self.secret, self.phone_number_id)


def closed_loop(target: Target, members: list[str], seconds: float) -> Sent:
    """Each member: "hi", wait for the dashboard, again, until `seconds` have passed."""
    sent, queue = Sent(), iter(members)
    stop_at = time.monotonic() + seconds

    def member_loop() -> None:
        poster, member = target.poster(), next(queue)
        while time.monotonic() < stop_at:
            if not poster.hi(member, sent):
                break  # refused: counted in `sent.refused`
            count = len(sent.times[member])
            if not target.recorder.wait_for(member, count, time.monotonic() + target.timeout):
                break
        poster.close()

    _run_threads(len(members), member_loop)
    return sent


def open_loop(target: Target, members: list[str], rate: float, seconds: float) -> Sent:
    """`rate` messages per second for `seconds`, member after member, on schedule whatever the replies."""
    sent, claim, total = Sent(), itertools.count(), int(rate * seconds)
    start = time.monotonic() + 0.2

    def sender() -> None:
        poster = target.poster()
        for index in claim:
            if index >= total:
                break
            time.sleep(max(0.0, start + index / rate - time.monotonic()))
            poster.hi(members[index % len(members)], sent)
        poster.close()

    _run_threads(SENDING_THREADS, sender)
    return sent


def burst(target: Target, messages: list[str], sent: Sent | None = None) -> Sent:
    """Every message of `messages` (one member each, repeats allowed) at once, over a few connections."""
    sent, claim = sent or Sent(), itertools.count()

    def sender() -> None:
        poster = target.poster()
        for index in claim:
            if index >= len(messages):
                break
            poster.hi(messages[index], sent)
        poster.close()

    _run_threads(min(SENDING_THREADS, len(messages)), sender)
    return sent
