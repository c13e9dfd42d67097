"""A WhatsApp user of the username era talking to the bot through the real signed webhook (mock header: the
replies come back): they show their business-scoped user id (BSUID) always and their number while
`shows_phone`; `share_number` is WhatsApp's answer to our contact request, from this very user."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.test import Client

from bot.models import MemberIdentity
from devtools.payloads import bsuid as b
from tests.e2e.chat import MOCK, body, options
from tests.support.signing import post_signed


@dataclass
class User:
    """A WhatsApp user who shows the bot their BSUID and, while `shows_phone`, their number too; their
    contact carries `username` and `parent` (BSUID) when given."""

    phone: str
    bsuid: str = field(default_factory=b.new_bsuid)
    shows_phone: bool = True
    username: str | None = None
    parent: str | None = None
    client: Client = field(default_factory=Client)
    last: list[dict] = field(default_factory=list)

    def deliver(self, message: dict) -> list[dict]:
        return self.deliver_all(message)

    def deliver_all(self, *messages: dict) -> list[dict]:
        """One signed delivery holding `messages`; the replies to all of them."""
        payload = b.delivery(*messages, username=self.username, parent=self.parent)
        response = post_signed(self.client, payload, headers=MOCK)
        assert response.status_code == 200, response.status_code
        self.last = response.json()["replies"]
        return self.last

    def _ids(self) -> dict:
        return {"phone": self.phone if self.shows_phone else None, "bsuid": self.bsuid}

    def say(self, words: str) -> list[dict]:
        return self.deliver(b.text(words, **self._ids()))

    def tap(self, title: str) -> list[dict]:
        for reply in reversed(self.last):
            for shown, (choice_id, kind) in options(reply).items():
                if shown.startswith(title):
                    return self.deliver(b.tap(choice_id, shown, kind=kind, **self._ids()))
        raise AssertionError(f"no option {title!r}")

    def share_number(self) -> list[dict]:
        """Tap "Share phone number": WhatsApp's answer, a contact_request card from this very user."""
        return self.deliver(b.contact_request_answer(self.phone, **self._ids()))

    def text(self) -> str:
        return "\n".join(body(reply) for reply in self.last)

    def key(self) -> str:
        return MemberIdentity.objects.get(bsuid=self.bsuid).key


def addressed(replies: list[dict]) -> set[tuple[str | None, str | None]]:
    """The (to, recipient) of every reply."""
    return {(reply.get("to"), reply.get("recipient")) for reply in replies}


def requests(ledger) -> int:
    return ledger.stats()["requests"]
