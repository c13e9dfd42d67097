"""What a member is told about one money instruction, from the instruction's own state (pure).

The rule: what a member reads about a money action comes from that action's
instruction, never from what happened to the screens after it. `told(action, params, state)` is that
sentence: `done` → "… went through.", `failed` → "… did not go through; nothing was sent.", anything else
(`sent`, `unknown`) → "I cannot tell yet" (`flows.money.OUTCOME_UNKNOWN`). `flows.services` says it when a
turn that sent an instruction cannot show the screens after it, and the worker (`bot.settled`) sends it once
when reconciliation settles an instruction whose outcome was unknown. `params` are the instruction's
decoded parameters (`credex_api.actions.decode_params`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.money import OUTCOME_UNKNOWN, show

DONE, FAILED = "done", "failed"  # `credex_api.models.Instruction.State` values
PHRASES = {
    "credex_accept": "Your accepting of that offer",
    "credex_accept_bulk": "Your accepting of those offers",
    "credex_decline": "Your declining of that offer",
    "credex_cancel": "Your cancelling of that offer",
    "tier_upgrade": "Your tier upgrade",
    "account_create": "Opening your new account",
    "account_authorize": "Authorising that member on your account",
    "account_unauthorize": "Removing that member from your account",
    "send_offers_to_update": "Changing who receives your account's offers",
    "member_onboard": "Opening your membership",
}
SOMEONE = "the other member"


def phrase(action: str, params: Mapping[str, Any]) -> str:
    """The action as the subject of a sentence: "Your offer of 5.00 USD to Rudo Dube"."""
    if action == "credex_offer":
        name = params.get("receiver_account_name") or SOMEONE
        return f"Your offer of {show(params['amount'], params['denom'])} to {name}"
    return PHRASES.get(action, "Your last change")


def told(action: str, params: Mapping[str, Any], state: str) -> str:
    """The true sentence about the instruction in `state`."""
    if state == DONE:
        return f"{phrase(action, params)} went through."
    if state == FAILED:
        nothing = "nothing was sent" if action == "credex_offer" else "nothing was changed"
        return f"{phrase(action, params)} did not go through; {nothing}."
    return OUTCOME_UNKNOWN
