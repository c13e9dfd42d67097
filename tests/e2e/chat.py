"""A member chatting with the bot the way WhatsApp would: signed webhook deliveries with the mock header,
answered inline with the exact Graph API payloads the bot would send (`Member.say`, `Member.tap`).

Replies are plain dicts (the WhatsApp JSON). Helpers read them as a member would: `body(reply)`, the
`options(reply)` a member can tap (button and list-row titles → ids), and `tap(reply, title)` taps the one
whose title starts with `title` — through a `button_reply` or `list_reply` exactly as WhatsApp sends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.test import Client

from devtools import payloads as p
from tests.support.signing import post_signed

MOCK = {"X-Mock-Testing": "true"}


def body(reply: dict) -> str:
    """The text a member reads in one reply (text body or interactive body)."""
    if reply["type"] == "text":
        return reply["text"]["body"]
    if reply["type"] == "interactive":
        return reply["interactive"]["body"]["text"]
    return ""


def options(reply: dict) -> dict[str, tuple[str, str]]:
    """Tap targets of a reply: title → (id, kind) for reply buttons ("button") and list rows ("list")."""
    if reply.get("type") != "interactive":
        return {}
    interactive = reply["interactive"]
    if interactive["type"] == "button":
        return {b["reply"]["title"]: (b["reply"]["id"], "button") for b in interactive["action"]["buttons"]}
    rows = [row for section in interactive["action"]["sections"] for row in section["rows"]]
    return {row["title"]: (row["id"], "list") for row in rows}


@dataclass
class Member:
    """One WhatsApp user talking to the bot through the real signed webhook."""

    phone: str
    client: Client = field(default_factory=Client)
    last: list[dict] = field(default_factory=list)

    def deliver(self, message: dict) -> list[dict]:
        response = post_signed(self.client, p.single(message), headers=MOCK)
        assert response.status_code == 200, response.status_code
        self.last = response.json()["replies"]
        assert self.last, "every inbound message gets at least one reply"
        return self.last

    def say(self, text: str, *, timestamp: str | None = None) -> list[dict]:
        return self.deliver(p.text_message(text, sender=self.phone, timestamp=timestamp))

    def tap(self, title: str, *, reply: dict | None = None, timestamp: str | None = None) -> list[dict]:
        """Tap the option whose title starts with `title` on `reply` (default: the last reply)."""
        choice_id, kind = self.option(title, reply=reply)
        return self.tap_id(choice_id, title, kind=kind, timestamp=timestamp)

    def tap_id(self, choice_id: str, title: str = "", *, kind: str = "button",
               timestamp: str | None = None) -> list[dict]:  # fmt: skip
        build = p.button_reply if kind == "button" else p.list_reply
        return self.deliver(build(choice_id, title, sender=self.phone, timestamp=timestamp))

    def option(self, title: str, *, reply: dict | None = None) -> tuple[str, str]:
        """(id, kind) of the option titled `title…` on `reply` (default: the last reply with options)."""
        candidates = [reply] if reply is not None else [r for r in reversed(self.last) if options(r)]
        for candidate in candidates:
            for shown, target in options(candidate).items():
                if shown.startswith(title):
                    return target
        raise AssertionError(f"no option titled {title!r} in {[list(options(r)) for r in candidates]}")

    def text(self) -> str:
        """Everything the member read in the last answer, joined."""
        return "\n".join(body(reply) for reply in self.last)
