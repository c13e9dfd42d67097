"""Upgrade tier: subscribe to the Hustler tier from the personal account.

`ids.entry("upgrade")` (the dashboard row below tier 3) or the word `upgrade`. The screen explains the tier
(1.00 USD secured every 28 days, no daily limit) and is itself the confirmation (a single-use nonce);
`createRecurring` (MEMBERTIER_SUBSCRIPTION) runs once, and the member is told the upgrade takes effect
after the ledger's next daily run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credex_api.errors import CredexNotFound
from flows import ids
from flows.flow import Done, Flow, Goto, Result, Step, Turn
from flows.menu import MenuEntry
from flows.money import issue_confirmation, run_confirmed
from flows.state import ConversationState
from flows.types import Button, ButtonsReply

NAME = "upgrade"
ACTION = "tier_upgrade"
EXPLAIN = (
    "*Hustler tier*\n• 1.00 USD secured every 28 days, paid from *{account}*\n• No daily limit on offers\n"
    "• You can open more accounts\n\nSubscribe now?"
)
ALREADY = "You are already on the {tier} tier or above, so there is nothing to upgrade."
DONE = (
    "Subscribed. Your upgrade to the Hustler tier takes effect after the ledger's next daily run "
    "(midnight UTC), once the first 1.00 USD is paid."
)


def _enter(turn: Turn, state: ConversationState) -> Mapping[str, Any]:
    source = state.data["source"]
    return issue_confirmation(turn, ACTION, {"source": source}, {"source_account_id": source})


def _explain(state: ConversationState) -> ButtonsReply:
    return ButtonsReply(
        body=EXPLAIN.format(account=state.data["name"]),
        buttons=(
            Button(id=ids.make(NAME, "explain", "yes", state.data["nonce"]), title="Subscribe"),
            Button(id=ids.cancel(NAME, "explain"), title="Not now"),
        ),
    )


def _subscribe(turn: Turn, state: ConversationState) -> Result:
    source = state.data["source"]
    _result, refusal = run_confirmed(turn, ACTION, {"source": source}, {"source_account_id": source})
    return Done(say=(refusal or DONE,))


class Upgrade(Flow):
    name = NAME
    triggers = ("upgrade", ids.entry(NAME))
    menu = MenuEntry(order=80, title="Upgrade tier", description="No daily limit", max_tier=2)
    steps = (Step("explain", prompt=_explain, enter=_enter, choices={"yes": _subscribe}),)

    def start(self, turn: Turn, session: Mapping[str, Any], arg: str) -> Goto | Done:
        try:
            login = turn.ledger.login()
        except CredexNotFound:
            return Done()
        if login.member.tier >= 3:
            return Done(say=(ALREADY.format(tier="Hustler"),))
        personal = [a for a in login.accounts if a.account_type == "PERSONAL" and a.is_owned]
        if not personal:
            return Done(say=("Only the owner of a personal account can subscribe.",))
        return Goto("explain", data={"source": personal[0].account_id, "name": personal[0].name})
