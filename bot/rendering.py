"""Replies (`flows.types`) → the exact JSON of a Graph `POST /{version}/{phone_number_id}/messages` (pure).

WhatsApp's limits are checked here, BEFORE anything is sent: a reply that breaks one raises
`ReplyLimitError`. That is a bug in the flow that built the reply, caught by tests — text is never truncated
(a cut amount or payee would be worse than no message).

Decisions:
- Lengths are counted in UTF-16 code units, not code points. Meta does not say how it counts; units are
  never fewer than code points, so this is the safe side: an emoji outside the Basic Multilingual Plane
  costs 2, and "💸 Offer Secured Credex 💸" (24 code points, 26 units) does not fit a 24-character row title.
- `to` is sent as E.164 with a leading "+". Inbound gives us `wa_id` digits; Meta recommends the "+" because
  a number without it may get the *business* number's country code prepended (misdelivery). Both "2637…"
  and "+2637…" are accepted; anything that is not 6–15 digits (first digit non-zero) is refused. A member
  whose number we do not know is addressed by their business-scoped user id in `recipient` instead of `to`
  (Meta: `to` and `recipient` are alternatives, `to` wins when both are sent; "Business-scoped user IDs").
- `ContactRequestReply` is WhatsApp's own `request_contact_info` interactive: the member taps to share their
  number and WhatsApp answers with a `contacts` message whose origin is "contact_request".
- Interactive bodies are capped at 1024 for lists too (product rule), although Meta allows 4096 for lists.
- Optional fields (header, footer, single-section title, row description, template components) are left out
  of the JSON when empty, as Meta's examples do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flows.types import (
    ButtonsReply,
    ContactRequestReply,
    ListReply,
    ListRow,
    Reply,
    TemplateReply,
    TextReply,
)
from security.validation import is_bsuid, is_wa_id

TEXT_BODY_MAX = 4096
INTERACTIVE_BODY_MAX = 1024
HEADER_MAX = 60
FOOTER_MAX = 60
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_BUTTON_MAX = 20
SECTIONS_MAX = 10
SECTION_TITLE_MAX = 24
ROWS_MAX = 10
ROW_ID_MAX = 200
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
TEMPLATE_NAME_MAX = 512
TEMPLATE_QUICK_REPLIES_MAX = 10
QUICK_REPLY_PAYLOAD_MAX = 256  # our cap: a payload plays the role of a reply-button id
TEMPLATE_PARAM_MAX = 1024  # our cap: a parameter can never exceed the template body limit

_TEMPLATE_NAME = re.compile(r"[a-z0-9_]+")
# Meta rejects template parameters with new lines, tabs or more than 4 consecutive spaces.
_BAD_TEMPLATE_PARAM = re.compile(r"[\n\r\t]| {5,}")


class ReplyLimitError(ValueError):
    """A reply breaks a WhatsApp limit. The message names the field and the limit, never the content."""


class InvalidRecipientError(ReplyLimitError):
    """The recipient is not an E.164 number (the number itself is not repeated in the message)."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (characters outside the BMP, such as most emoji, count 2)."""
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def render_kind(reply: Reply) -> str:
    """The outbox `kind` of a reply: "text", "interactive" or "template"."""
    if isinstance(reply, TextReply):
        return "text"
    if isinstance(reply, ButtonsReply | ListReply | ContactRequestReply):
        return "interactive"
    if isinstance(reply, TemplateReply):
        return "template"
    raise TypeError(f"not a reply: {type(reply).__name__}")


def render(reply: Reply, *, to: str) -> dict:
    """The Graph API message JSON for `reply` to `to` (wa_id digits, "+"-E.164 or a BSUID).

    Raises `ReplyLimitError` (a bug in the caller) if any WhatsApp limit is broken; nothing is truncated.
    """
    payload: dict = {"messaging_product": "whatsapp", "recipient_type": "individual", **_recipient(to)}
    if isinstance(reply, TextReply):
        _check("text.body", reply.body, high=TEXT_BODY_MAX)
        payload.update(type="text", text={"body": reply.body, "preview_url": bool(reply.preview_url)})
    elif isinstance(reply, ButtonsReply):
        payload.update(type="interactive", interactive=_buttons(reply))
    elif isinstance(reply, ListReply):
        payload.update(type="interactive", interactive=_list(reply))
    elif isinstance(reply, TemplateReply):
        payload.update(type="template", template=_template(reply))
    elif isinstance(reply, ContactRequestReply):
        _check("interactive.body.text", reply.body, high=INTERACTIVE_BODY_MAX)
        interactive = {"type": "request_contact_info", "body": {"text": reply.body}}
        payload.update(
            type="interactive", interactive={**interactive, "action": {"name": "request_contact_info"}}
        )
    else:
        raise TypeError(f"not a reply: {type(reply).__name__}")
    return payload


def _recipient(to: str) -> dict:
    if is_bsuid(to):
        return {"recipient": to}
    digits = to[1:] if isinstance(to, str) and to.startswith("+") else to
    if not is_wa_id(digits):
        raise InvalidRecipientError("recipient must be 6-15 digits of an E.164 number or a BSUID")
    return {"to": "+" + digits}


def _check(field: str, text: str, *, high: int, low: int = 1) -> str:
    if not isinstance(text, str):
        raise ReplyLimitError(f"{field}: must be text, got {type(text).__name__}")
    units = utf16_len(text)
    if not low <= units <= high:
        raise ReplyLimitError(f"{field}: {units} UTF-16 units, allowed {low}..{high}")
    if low and not text.strip():
        raise ReplyLimitError(f"{field}: blank")
    return text


def _check_count(field: str, count: int, *, high: int, low: int = 1) -> None:
    if not low <= count <= high:
        raise ReplyLimitError(f"{field}: {count} items, allowed {low}..{high}")


def _check_unique(field: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ReplyLimitError(f"{field}: item {index} repeats an earlier value")
        seen.add(value)


def _interactive(kind: str, reply: ButtonsReply | ListReply, action: dict) -> dict:
    """The `interactive` object shared by buttons and lists: optional text header and footer, body, action."""
    interactive: dict = {"type": kind}
    if reply.header:
        interactive["header"] = {"type": "text", "text": _check("header", reply.header, high=HEADER_MAX)}
    interactive["body"] = {"text": _check("body", reply.body, high=INTERACTIVE_BODY_MAX)}
    if reply.footer:
        interactive["footer"] = {"text": _check("footer", reply.footer, high=FOOTER_MAX)}
    interactive["action"] = action
    return interactive


def _buttons(reply: ButtonsReply) -> dict:
    _check_count("buttons", len(reply.buttons), high=BUTTONS_MAX)
    buttons = [
        {
            "type": "reply",
            "reply": {
                "id": _check(f"buttons[{i}].id", button.id, high=BUTTON_ID_MAX),
                "title": _check(f"buttons[{i}].title", button.title, high=BUTTON_TITLE_MAX),
            },
        }
        for i, button in enumerate(reply.buttons)
    ]
    _check_unique("buttons.id", (button.id for button in reply.buttons))
    _check_unique("buttons.title", (button.title for button in reply.buttons))
    return _interactive("button", reply, {"buttons": buttons})


def _list(reply: ListReply) -> dict:
    _check_count("sections", len(reply.sections), high=SECTIONS_MAX)
    _check_count("rows (all sections)", sum(len(s.rows) for s in reply.sections), high=ROWS_MAX)
    many = len(reply.sections) > 1
    sections = []
    for i, section in enumerate(reply.sections):
        rendered: dict = {}
        if many or section.title:
            title_min = 1 if many else 0  # a title is required once there is more than one section
            rendered["title"] = _check(
                f"sections[{i}].title", section.title, low=title_min, high=SECTION_TITLE_MAX
            )
        _check_count(f"sections[{i}].rows", len(section.rows), high=ROWS_MAX)
        rendered["rows"] = [_row(f"sections[{i}].rows[{j}]", row) for j, row in enumerate(section.rows)]
        sections.append(rendered)
    _check_unique("rows.id", (row.id for section in reply.sections for row in section.rows))
    action = {"button": _check("button", reply.button, high=LIST_BUTTON_MAX), "sections": sections}
    return _interactive("list", reply, action)


def _row(field: str, row: ListRow) -> dict:
    rendered = {
        "id": _check(f"{field}.id", row.id, high=ROW_ID_MAX),
        "title": _check(f"{field}.title", row.title, high=ROW_TITLE_MAX),
    }
    if row.description:
        rendered["description"] = _check(f"{field}.description", row.description, high=ROW_DESCRIPTION_MAX)
    return rendered


def _template(reply: TemplateReply) -> dict:
    _check("template.name", reply.name, high=TEMPLATE_NAME_MAX)
    if not _TEMPLATE_NAME.fullmatch(reply.name):
        raise ReplyLimitError("template.name: only lowercase letters, digits and underscores")
    _check("template.language", reply.language, high=16)
    components: list[dict] = []
    if reply.body_params:
        parameters = [
            {"type": "text", "text": _template_param(i, p)} for i, p in enumerate(reply.body_params)
        ]
        components.append({"type": "body", "parameters": parameters})
    _check_count(
        "template.quick_replies", len(reply.quick_reply_payloads), low=0, high=TEMPLATE_QUICK_REPLIES_MAX
    )
    for index, payload in enumerate(reply.quick_reply_payloads):
        components.append(
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": str(index),
                "parameters": [
                    {
                        "type": "payload",
                        "payload": _check(f"quick_reply[{index}]", payload, high=QUICK_REPLY_PAYLOAD_MAX),
                    }
                ],
            }
        )
    template: dict = {"name": reply.name, "language": {"code": reply.language}}
    if components:
        template["components"] = components
    return template


def _template_param(index: int, value: str) -> str:
    _check(f"template.body_params[{index}]", value, high=TEMPLATE_PARAM_MAX)
    if _BAD_TEMPLATE_PARAM.search(value):
        raise ReplyLimitError(
            f"template.body_params[{index}]: new line, tab or more than 4 consecutive spaces"
        )
    return value
