"""Helpers on reply screens shared by the engine and flows (pure).

- `compose(say, replies)`: put short sentences ("Cancelled.", a validation reason, a result line) above the
  first reply's body when the result stays within WhatsApp's body limit — one message instead of two
  (Meta paces messages to one user) — else send them as a text message first. Nothing is ever truncated.
- `screen_ids(reply)`: the button / list-row ids a screen offers (what a tap must match to act);
  `option_ids(reply)` the same in the order the member sees them (a typed `1` names the first).
"""

from __future__ import annotations

from dataclasses import replace

from flows.types import ButtonsReply, ListReply, Reply, TextReply

TEXT_BODY_MAX = 4096
INTERACTIVE_BODY_MAX = 1024


def utf16_len(text: str) -> int:
    """Length as WhatsApp may count it: UTF-16 code units (never fewer than code points)."""
    return len(text.encode("utf-16-le")) // 2


def screen_ids(reply: Reply) -> set[str]:
    """The ids a member can tap on `reply` (empty for text and templates)."""
    if isinstance(reply, ButtonsReply):
        return {button.id for button in reply.buttons}
    if isinstance(reply, ListReply):
        return {row.id for section in reply.sections for row in section.rows}
    return set()


def option_ids(reply: Reply) -> tuple[str, ...]:
    """The ids a member can tap on `reply`, in the order shown (empty for text and templates)."""
    if isinstance(reply, ButtonsReply):
        return tuple(button.id for button in reply.buttons)
    if isinstance(reply, ListReply):
        return tuple(row.id for section in reply.sections for row in section.rows)
    return ()


def compose(say: tuple[str, ...], replies: tuple[Reply, ...]) -> tuple[Reply, ...]:
    """Put the sentences above the first reply's body when they fit (one message), else send them first."""
    lines = [line for line in say if line]
    if not lines:
        return replies
    preface = "\n\n".join(lines)
    if replies:
        merged = _with_preface(replies[0], preface)
        if merged is not None:
            return (merged, *replies[1:])
    return (TextReply(body=preface), *replies)


def _with_preface(reply: Reply, preface: str) -> Reply | None:
    if not isinstance(reply, TextReply | ButtonsReply | ListReply):
        return None
    limit = TEXT_BODY_MAX if isinstance(reply, TextReply) else INTERACTIVE_BODY_MAX
    body = f"{preface}\n\n{reply.body}"
    if utf16_len(body) > limit:
        return None
    return replace(reply, body=body)
