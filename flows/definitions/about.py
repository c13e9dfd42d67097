"""About: what credex and VimbisoPay are. Triggered by `about` and `ids.entry("about")` (welcome, menus)."""

from __future__ import annotations

from flows import ids, texts
from flows.flow import Done, Flow, Result, Step, Turn
from flows.state import ConversationState
from flows.types import Button, ButtonsReply

NAME = "about"


def _about_prompt(state: ConversationState) -> ButtonsReply:
    return ButtonsReply(
        body=texts.ABOUT,
        buttons=(
            Button(id=ids.entry("help"), title=texts.HELP_BUTTON),
            Button(id=ids.menu(NAME, "about"), title=texts.MENU_BUTTON),
        ),
    )


def _leave(turn: Turn, state: ConversationState) -> Result:
    """Text typed while reading: not an answer to anything, so say so and go home."""
    return Done(say=(texts.NOT_UNDERSTOOD,))


class About(Flow):
    name = NAME
    triggers = ("about", ids.entry(NAME))
    steps = (Step("about", prompt=_about_prompt, on_text=_leave),)
