"""The real ledger's float pre-checks as the sandbox reproduces them (`sandbox/ledger/ledgerfloat.py`, pure).

The HTTP behaviour is proved in test_secured_balance.py and test_tier_limits.py; these pin the rules the
sandbox cannot produce over HTTP: a `CLEARED` credex (the sandbox never clears loops) does not count toward
the daily tier limit, because credex-core sums only credexes the member's accounts still `OWES|OFFERS`
(src/api/Member/services/AuthForTierSpendLimit.ts:60).
"""

from decimal import Decimal

from sandbox.ledger.ledgerfloat import (
    securable_in_denom,
    secured_refused,
    tier_allows,
    tier_available_usd,
)

RATES = {"CXX": Decimal(1), "CAD": Decimal(1), "USD": Decimal("1.36"), "XAU": Decimal(3600)}
TEN = Decimal(10)


def _usd(text: str) -> Decimal:
    return Decimal(text)


def test_a_cleared_credex_does_not_count_toward_the_daily_limit():
    cleared = [("CLEARED", _usd("8.00"), "USD")]
    assert tier_available_usd(TEN, cleared, RATES) == 10.0
    assert tier_allows(tier_available_usd(TEN, cleared, RATES), _usd("5.00"), "USD", RATES)


def test_offers_and_debts_count_and_finished_ones_do_not():
    rows = [
        ("OFFERS", _usd("2.00"), "USD"),
        ("OWES", _usd("3.00"), "USD"),
        ("CLEARED", _usd("4.00"), "USD"),
        ("DECLINED", _usd("4.00"), "USD"),
        ("CANCELLED", _usd("4.00"), "USD"),
        ("EXPIRED", _usd("4.00"), "USD"),
    ]
    available = tier_available_usd(TEN, rows, RATES)
    assert round(available, 9) == 5.0
    assert not tier_allows(available, _usd("5.01"), "USD", RATES)


def test_the_limit_is_decided_in_float_seven_then_three_is_refused():
    available = tier_available_usd(TEN, [("OFFERS", _usd("7"), "USD")], RATES)
    assert available < 3  # 10 − 9.520000000000001 / 1.36 = 2.999999999999999
    assert not tier_allows(available, _usd("3"), "USD", RATES)
    assert tier_allows(available, _usd("2.99"), "USD", RATES)


def test_the_securable_balance_is_decided_in_float():
    incoming, outgoing = [10 * 1.36], [0.03 * 1.36]
    securable = securable_in_denom(incoming, outgoing, RATES["USD"])
    assert securable == 9.969999999999999
    assert secured_refused(securable, _usd("9.97")) and not secured_refused(securable, _usd("9.96"))
