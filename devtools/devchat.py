"""Local chat with the bot through the signed webhook in mock-testing mode (shared by `manage.py chat` and
the development chat page, `devtools/views.py`).

No Django here: the caller passes the app secret, our phone number id and the webhook URL.

- `delivery` builds the WhatsApp webhook body for a typed line or a tapped option
  (`devtools.payloads.deliveries`); with `username=True` the member is a "username user" whose number WhatsApp
  withholds: only a BSUID and a username, no `wa_id`/`from` (`deliveries.as_username_user`). The bot's
  `request_contact_info` is shown with one option, `SHARE` ("Share phone number"): tapping it sends WhatsApp's
  contact-request answer with the member's own number, from that same BSUID. `vcard_delivery` forwards a vCard
  of other numbers (the bot must refuse it: only a contact-request answer links a number).
- `post_delivery` signs the exact bytes it sends (`X-Hub-Signature-256`), posts them with
  `X-Mock-Testing: true` and an explicit timeout, and returns the reply payloads (the Graph API JSON the bot
  would have sent), or raises `DevChatError` with a one-line reason.
- `screen_of` reads one reply payload into a `Screen` (body, header, footer, list label, options);
  `render_text` prints screens for a terminal with their options numbered across the whole answer, and
  `pick` maps a typed number to the option it taps.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

import requests

from devtools.payloads import SENDER_NAME
from devtools.payloads.deliveries import (
    as_username_user,
    new_wamid,
    whatsapp_choice_payload,
    whatsapp_contacts_payload,
    whatsapp_text_payload,
)
from security.signatures import sign_body

TIMEOUT_SECONDS = (3.05, 30.0)  # (connect, read): processing is inline in mock mode
TEXT_MAX = 4096
CHOICE_ID_MAX = 256
TITLE_MAX = 256
PHONE = re.compile(r"[1-9][0-9]{1,14}", re.ASCII)

_STATUS_REASONS = {
    400: "the server could not read the message (400)",
    401: "the server saw no signature (401)",
    403: "mock testing is disabled on that server, or it has another WHATSAPP_APP_SECRET (403)",
    404: "there is no webhook at that URL (404)",
    413: "the message is too large for the server (413)",
    500: "the server failed to store the message; try again (500)",
}


class DevChatError(Exception):
    """The message got no replies; `reason` is one line to show the developer (no secret, no number)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Option:
    """Something the member can tap: a reply button, a list row or a template quick reply."""

    kind: str  # "button", "list", "quick_reply" (deliveries.CHOICE_KINDS) or "share" (SHARE)
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Screen:
    """One reply as the member sees it. `kind`: text, buttons, list, template or other."""

    kind: str
    body: str
    header: str = ""
    footer: str = ""
    button: str = ""  # a list's button label
    options: tuple[Option, ...] = ()

    def lines(self, first_number: int = 1) -> list[str]:
        """Readable lines, the options numbered from `first_number`."""
        lines = [text for text in (self.header, self.body, self.footer) if text]
        if self.button:
            lines.append(f"☰ {self.button}")
        for number, option in enumerate(self.options, start=first_number):
            extra = f" — {option.description}" if option.description else ""
            lines.append(f"[{number}] {option.title}{extra}")
        return lines

    def as_dict(self, first_number: int = 1) -> dict:
        """JSON for the chat page: the fields, the options with their numbers, and the text form."""
        options = [
            {**asdict(option), "number": number}
            for number, option in enumerate(self.options, start=first_number)
        ]
        fields = {key: value for key, value in asdict(self).items() if key != "options"}
        return {**fields, "options": options, "text": "\n".join(self.lines(first_number))}


SHARE_KIND = "share"
SHARE = Option(SHARE_KIND, "share_phone_number", "Share phone number")  # WhatsApp's request_contact_info


def valid_phone(value: object) -> bool:
    """2–15 ASCII digits, not starting with 0 (a WhatsApp id: country code and number)."""
    return isinstance(value, str) and PHONE.fullmatch(value) is not None


def delivery(
    *, wa_id: str, phone_number_id: str, text: str | None = None, choice: Option | None = None,
    username: bool = False, name: str = SENDER_NAME,
) -> dict:  # fmt: skip
    """The webhook body WhatsApp would send for `text` typed, or `choice` tapped, by `wa_id` whose WhatsApp
    profile name is `name` (a username user when `username`: module docstring)."""
    if (text is None) == (choice is None):
        raise ValueError("give exactly one of text and choice")
    payload = _delivery(wa_id=wa_id, phone_number_id=phone_number_id, text=text, choice=choice, name=name)
    return as_username_user(payload, wa_id=wa_id) if username else payload


def vcard_delivery(
    *, wa_id: str, phone_number_id: str, phones: list[str], username: bool = False, name: str = SENDER_NAME
) -> dict:  # fmt: skip
    """`wa_id` (profile name `name`) forwarding a vCard of `phones` (origin "other"): never links a number."""
    payload = whatsapp_contacts_payload(
        phones=phones, origin="other", wamid=new_wamid(), phone_number_id=phone_number_id, wa_id=wa_id,
        name=name,
    )  # fmt: skip
    return as_username_user(payload, wa_id=wa_id) if username else payload


def _delivery(
    *, wa_id: str, phone_number_id: str, text: str | None, choice: Option | None, name: str
) -> dict:  # fmt: skip
    if choice is None:
        return whatsapp_text_payload(
            text=str(text), wamid=new_wamid(), phone_number_id=phone_number_id, wa_id=wa_id, name=name
        )
    if choice.kind == SHARE_KIND:  # the answer to request_contact_info: the member's own number
        return whatsapp_contacts_payload(
            phones=[wa_id], origin="contact_request", wamid=new_wamid(), phone_number_id=phone_number_id,
            wa_id=wa_id, name=name,
        )  # fmt: skip
    return whatsapp_choice_payload(
        kind=choice.kind,
        choice_id=choice.id,
        title=choice.title,
        description=choice.description,
        wamid=new_wamid(),
        phone_number_id=phone_number_id,
        wa_id=wa_id,
        name=name,
    )


def post_delivery(
    url: str, payload: dict, *, secret: str, timeout: tuple[float, float] = TIMEOUT_SECONDS
) -> list[dict]:
    """Sign and post `payload` in mock-testing mode; the reply payloads, or DevChatError."""
    body = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign_body(body, secret.encode("utf-8")),
        "X-Mock-Testing": "true",
    }
    try:
        response = requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.Timeout:
        raise DevChatError(f"no answer from {url} within {timeout[1]:g} s") from None
    except requests.RequestException:
        raise DevChatError(f"cannot reach {url}: is the bot running (make run)?") from None
    if response.status_code != 200:
        raise DevChatError(reason_for_status(response.status_code))
    try:
        replies = response.json().get("replies")
    except (ValueError, AttributeError):
        replies = None
    if not isinstance(replies, list):
        raise DevChatError("the answer has no replies: is that URL this bot's webhook?")
    return replies


def reason_for_status(status: int) -> str:
    """One line saying why the webhook refused a message."""
    return _STATUS_REASONS.get(status, f"the server answered HTTP {status}")


def screen_of(payload: dict) -> Screen:
    """A Graph API message payload (text, interactive button/list/request_contact_info, template) as a
    `Screen`."""
    kind = payload.get("type") if isinstance(payload, dict) else None
    if kind == "text":
        return Screen(kind="text", body=str(payload.get("text", {}).get("body", "")))
    if kind == "template":
        return _template_screen(payload.get("template") or {})
    if kind == "interactive":
        interactive = payload.get("interactive") or {}
        if interactive.get("type") in ("button", "list"):
            return _interactive_screen(interactive)
        if interactive.get("type") == "request_contact_info":
            body = str((interactive.get("body") or {}).get("text", ""))
            return Screen(kind="contact_request", body=body, options=(SHARE,))
        kind = f"interactive {interactive.get('type')}"
    return Screen(kind="other", body=f"({kind} message)")


def _interactive_screen(interactive: dict) -> Screen:
    action = interactive.get("action") or {}
    common = {
        "header": str((interactive.get("header") or {}).get("text", "")),
        "body": str((interactive.get("body") or {}).get("text", "")),
        "footer": str((interactive.get("footer") or {}).get("text", "")),
    }
    if interactive["type"] == "button":
        buttons = [button.get("reply") or {} for button in action.get("buttons") or ()]
        options = tuple(Option("button", str(b.get("id", "")), str(b.get("title", ""))) for b in buttons)
        return Screen(kind="buttons", options=options, **common)
    rows = [row for section in action.get("sections") or () for row in section.get("rows") or ()]
    options = tuple(
        Option("list", str(row.get("id", "")), str(row.get("title", "")), str(row.get("description", "")))
        for row in rows
    )
    return Screen(kind="list", button=str(action.get("button", "")), options=options, **common)


def _template_screen(template: dict) -> Screen:
    params: list[str] = []
    options: list[Option] = []
    for component in template.get("components") or ():
        for parameter in component.get("parameters") or ():
            if component.get("type") == "body":
                params.append(str(parameter.get("text", "")))
            elif component.get("sub_type") == "quick_reply" and parameter.get("type") == "payload":
                payload = str(parameter.get("payload", ""))
                options.append(Option("quick_reply", payload, payload))
    body = f"template {template.get('name', '?')}"
    if params:
        body += ": " + ", ".join(params)
    return Screen(kind="template", body=body, options=tuple(options))


def screens_of(payloads: list[dict]) -> list[Screen]:
    return [screen_of(payload) for payload in payloads]


def numbered(screens: list[Screen]) -> list[tuple[int, Screen]]:
    """Each screen with the number of its first option: numbers run on across one answer's screens."""
    result, first = [], 1
    for screen in screens:
        result.append((first, screen))
        first += len(screen.options)
    return result


def all_options(screens: list[Screen]) -> list[Option]:
    """The options of an answer, in the order of their numbers (option n is at index n - 1)."""
    return [option for screen in screens for option in screen.options]


def render_text(screens: list[Screen]) -> str:
    """An answer as terminal text: one block per reply, options numbered across the answer."""
    blocks = ["\n".join(screen.lines(first)) for first, screen in numbered(screens)]
    return "\n\n".join(blocks)


def pick(line: str, options: list[Option]) -> Option | None:
    """The option a typed number taps (1-based), or None when the line is not one of their numbers."""
    cleaned = line.strip()
    if cleaned.isascii() and cleaned.isdigit() and 1 <= int(cleaned) <= len(options):
        return options[int(cleaned) - 1]
    return None
