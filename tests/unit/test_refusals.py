"""The member's sentence for a secured-balance or tier-limit refusal (`flows/refusals.py`, pure).

The e2e tests (tests/e2e/test_offer.py) drive the real refusals through the sandbox; these pin the edges:
the note about the ledger counting below what it shows appears only when the ledger's stated figure is not
below the amount in the same denomination, and every sentence says nothing was sent.
"""

from decimal import Decimal

import pytest

from credex_api.errors import InsufficientSecuredBalance, TierLimitExceeded
from flows.refusals import balance_refusal

SECURED = (
    "Error: Your secured credex for {a} {d} cannot be issued because your maximum securable {d} balance "
    "is {m} {d}"
)
LIMIT = "You are only able to issue {m} USD until tomorrow. Limits renew at midnight UTC."


def _offer(amount: str, denom: str = "USD") -> dict:
    return {"amount": Decimal(amount), "denom": denom}


def test_a_stated_balance_equal_to_the_amount_gets_the_note_and_a_smaller_amount():
    error = InsufficientSecuredBalance(SECURED.format(a="1,000.00", d="USD", m="1,000.00"))
    said = balance_refusal(error, _offer("1000"))
    assert said.startswith(
        "The ledger refused to send 1,000.00 USD because of your secured USD balance: Your"
    )
    assert "Error:" not in said
    assert "slightly less than the 1,000.00 USD it shows" in said and "999.99 USD or less" in said
    assert said.endswith("Nothing was sent.")


def test_a_stated_balance_below_the_amount_gets_no_note():
    said = balance_refusal(
        InsufficientSecuredBalance(SECURED.format(a="9.00", d="USD", m="8.00")), _offer("9")
    )
    assert "maximum securable USD balance is 8.00 USD." in said and "slightly less" not in said
    assert said.endswith("Nothing was sent.")


def test_xau_steps_by_its_own_last_digit():
    error = InsufficientSecuredBalance(SECURED.format(a="0.0300", d="XAU", m="0.0300"))
    assert "0.0299 XAU or less" in balance_refusal(error, _offer("0.03", "XAU"))


def test_a_limit_in_usd_is_not_compared_with_an_amount_in_another_denomination():
    said = balance_refusal(TierLimitExceeded(LIMIT.format(m="3.00")), _offer("3", "CAD"))
    assert "because of your daily limit" in said and "slightly less" not in said


@pytest.mark.parametrize(
    ("error", "params", "expected"),
    [
        (TierLimitExceeded("Unsecured credex not permitted on open tier"), _offer("3"), "membership tier"),
        (TierLimitExceeded(""), {}, "The ledger refused this because of your membership tier"),
        (InsufficientSecuredBalance(""), _offer("0.01"), "secured balance does not cover it"),
    ],
    ids=["open-tier-rule", "no-reason-no-amount", "no-reason"],
)
def test_other_refusals_still_say_why_and_that_nothing_was_sent(error, params, expected):
    said = balance_refusal(error, params)
    assert expected in said and said.endswith("Nothing was sent.") and "slightly less" not in said
