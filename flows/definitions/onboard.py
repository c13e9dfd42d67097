"""Onboarding: a newcomer becomes a member.

Started from the welcome screen's *Become a member* (`ids.entry("onboard")`) or the word `join`. Steps:
first name → last name (the ledger's rule: 3–50 letters, spaces or hyphens, said clearly on a re-prompt) →
default denomination (a list of the five) → confirmation restating all three → `onboardMember`, once, as an
instruction → a welcome that explains the free tier and that the handle is the phone number → dashboard.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows import ids
from flows.flow import Done, Flow, Goto, Reprompt, Result, Step, Turn
from flows.money import (
    confirm_buttons,
    denomination_list,
    issue_confirmation,
    pick_denomination,
    run_confirmed,
)
from flows.state import ConversationState
from flows.types import ButtonsReply, ListReply, TextReply
from security.validation import InvalidInput, parse_person_name

NAME = "onboard"
ACTION = "member_onboard"
ASK_FIRST = "Let's open your account. What is your *first name*?\n(3–50 letters, spaces or hyphens)"
ASK_LAST = "Thanks, {first}. What is your *last name*?"
ASK_DENOM = "Which denomination should your account show amounts in? You can use all of them."
CONFIRM = "Please check:\n• Name: *{first} {last}*\n• Denomination: *{denom}*\n\nOpen the account?"
WELCOME = (
    "Welcome, {first}! Your account is open on the free *Open* tier: you can offer up to 10 USD of "
    "credex a day. Your member handle is your phone number, {handle}: give it to people who want to "
    "offer you credex."
)


def _ask_first(state: ConversationState) -> TextReply:
    return TextReply(body=ASK_FIRST)


def _take_first(turn: Turn, state: ConversationState) -> Result:
    try:
        first = parse_person_name(turn.text)
    except InvalidInput as invalid:
        return Reprompt(str(invalid))
    return Goto("last", data={"first": first})


def _ask_last(state: ConversationState) -> TextReply:
    return TextReply(body=ASK_LAST.format(first=state.data["first"]))


def _take_last(turn: Turn, state: ConversationState) -> Result:
    try:
        last = parse_person_name(turn.text)
    except InvalidInput as invalid:
        return Reprompt(str(invalid))
    return Goto("denom", data={"last": last})


def _ask_denom(state: ConversationState) -> ListReply:
    return denomination_list(NAME, ASK_DENOM)


def _values(state: ConversationState) -> dict[str, Any]:
    return {"first": state.data["first"], "last": state.data["last"], "denom": state.data["denom"]}


def _params(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"first_name": values["first"], "last_name": values["last"], "default_denom": values["denom"]}


def _enter_confirm(turn: Turn, state: ConversationState) -> Mapping[str, Any]:
    return issue_confirmation(turn, ACTION, _values(state), _params(_values(state)))


def _ask_confirm(state: ConversationState) -> ButtonsReply:
    return ButtonsReply(
        body=CONFIRM.format(**_values(state)),
        buttons=confirm_buttons(NAME, "confirm", state.data["nonce"], "Open account"),
    )


def _open(turn: Turn, state: ConversationState) -> Result:
    values = _values(state)
    _result, refusal = run_confirmed(turn, ACTION, values, _params(values))
    if refusal is not None:
        return Done(say=(refusal,))
    return Done(say=(WELCOME.format(first=values["first"], handle=turn.wa_id),))


class Onboard(Flow):
    name = NAME
    triggers = ("join", ids.entry(NAME))
    steps = (
        Step("first", prompt=_ask_first, on_text=_take_first, next=("last",)),
        Step("last", prompt=_ask_last, on_text=_take_last, next=("denom",)),
        Step("denom", prompt=_ask_denom, choices={"pick": pick_denomination}, next=("confirm",)),
        Step("confirm", prompt=_ask_confirm, choices={"yes": _open}, enter=_enter_confirm),
    )
