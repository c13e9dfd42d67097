"""Help: what the bot can do — commands, the offer shorthand, tiers and limits, fees.

Triggered by the word `help` (from any state) and by `ids.entry("help")`; `ids.entry("help", arg=<topic>)`
opens one topic directly. Steps: `topics` (a list) → `topic` (the text, with Back and Menu buttons).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flows import ids, texts
from flows.flow import Done, Flow, Goto, Result, Step, Turn
from flows.menu import MenuEntry
from flows.state import ConversationState
from flows.types import Button, ButtonsReply, ListReply, ListRow, ListSection

NAME = "help"

# topic key → (row title, row description, text)
TOPICS: dict[str, tuple[str, str, str]] = {
    "commands": (texts.HELP_COMMANDS_TITLE, texts.HELP_COMMANDS_ROW, texts.HELP_COMMANDS),
    "shorthand": (texts.HELP_SHORTHAND_TITLE, texts.HELP_SHORTHAND_ROW, texts.HELP_SHORTHAND),
    "tiers": (texts.HELP_TIERS_TITLE, texts.HELP_TIERS_ROW, texts.HELP_TIERS),
    "fees": (texts.HELP_FEES_TITLE, texts.HELP_FEES_ROW, texts.HELP_FEES),
}


def topic_rows(make_id: Callable[[str], str]) -> tuple[ListRow, ...]:
    """One list row per topic, with ids made by `make_id(topic)` (home and the topics list share this)."""
    return tuple(
        ListRow(id=make_id(key), title=title, description=description)
        for key, (title, description, _text) in TOPICS.items()
    )


def _topics_prompt(state: ConversationState) -> ListReply:
    rows = (
        *topic_rows(lambda topic: ids.make(NAME, "topics", "topic", topic)),
        ListRow(id=ids.entry("about"), title=texts.ABOUT_TITLE, description=texts.ABOUT_ROW),
    )
    return ListReply(
        body=texts.HELP_TOPICS_BODY,
        button=texts.HELP_TOPICS_BUTTON,
        sections=(ListSection(title=texts.HOME_SECTION, rows=rows),),
    )


def _open_topic(turn: Turn, state: ConversationState) -> Result:
    topic = turn.choice.arg if turn.choice else ""
    return Goto("topic", data={"topic": topic})


def _topic_prompt(state: ConversationState) -> ButtonsReply:
    _title, _description, text = TOPICS[state.data["topic"]]
    return ButtonsReply(
        body=text,
        buttons=(
            Button(id=ids.back(NAME, "topic"), title=texts.BACK_BUTTON),
            Button(id=ids.menu(NAME, "topic"), title=texts.MENU_BUTTON),
        ),
    )


def _leave(turn: Turn, state: ConversationState) -> Result:
    """Text typed while reading: not an answer to anything, so say so and go home."""
    return Done(say=(texts.NOT_UNDERSTOOD,))


class Help(Flow):
    name = NAME
    triggers = ("help", ids.entry(NAME))
    menu = MenuEntry(order=90, title="Help", description="Commands, quick offers, fees")
    entry_steps = ("topics", "topic")
    steps = (
        Step("topics", prompt=_topics_prompt, choices={"topic": _open_topic}, next=("topic",)),
        Step("topic", prompt=_topic_prompt, on_text=_leave),
    )

    def start(self, turn: Turn, session: Mapping[str, Any], arg: str) -> Goto | Done:
        if arg in TOPICS:
            return Goto("topic", data={"topic": arg})
        return Goto("topics")
