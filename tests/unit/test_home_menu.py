"""The home screen for every member state the tests know, pinned: the menu is built from each flow's
`menu` declaration (`flows.registry`), and the screens must read exactly as they did when home hard-coded it.

States: a number the ledger does not know; tiers 1 to 5; an incoming offer; two accounts (the active
one not owned, where *Manage members* hides); a balance with unsecured amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import pytest

from credex_api.results import Balances, Money
from flows import ids
from flows.definitions import REGISTRY
from flows.definitions.home import Home
from flows.flow import Flow, InvalidFlowDefinition, Step
from flows.menu import MenuEntry
from flows.registry import Registry
from flows.types import ButtonsReply, ListReply, TextReply
from tests.unit.demo_flows import Chat
from tests.unit.member_ledger import MemberLedger, RichMemberLedger

SECOND = "44444444-4444-4444-8444-444444444444"


@dataclass
class TwoAccounts(MemberLedger):
    """A member acting for two accounts; the active one (the first) owes and is owed, and is `owned` or not
    (*Manage members* shows only to an owner of tier 4 or more)."""

    owned: bool = True

    def login(self):
        login = super().login()
        usd = Money(Decimal("3.00"), "USD")
        owing = Balances((usd,), Money(Decimal("2.00"), "USD"), Money(Decimal("5.00"), "USD"),
                         Money(Decimal("-3.00"), "USD"), Money(Decimal("0.00"), "USD"))  # fmt: skip
        first = replace(login.accounts[0], is_owned=self.owned, balances=owing)
        second = replace(
            first, account_id=SECOND, name="Moyo Hardware", handle="moyohw", account_type="BUSINESS"
        )
        return replace(login, accounts=(first, second))


STATES = {
    "not a member": MemberLedger(member=False),
    "tier 1": MemberLedger(),
    "tier 1, an offer in": RichMemberLedger(),
    "tier 2, nothing secured": MemberLedger(tier=2, secured="0.00"),
    "tier 3": MemberLedger(tier=3),
    "tier 4": MemberLedger(tier=4),
    "tier 5, two accounts": TwoAccounts(tier=5),
    "tier 4, two accounts, not owner": TwoAccounts(tier=4, owned=False),
}


def screen(reply) -> tuple:
    if isinstance(reply, ButtonsReply):
        return (reply.body, tuple((button.id, button.title) for button in reply.buttons))
    assert isinstance(reply, ListReply)
    rows = tuple((row.id, row.title, row.description) for section in reply.sections for row in section.rows)
    return (reply.body, reply.button, tuple(section.title for section in reply.sections), rows)


def screens(name: str) -> list[tuple]:
    chat = Chat(REGISTRY, ledger=STATES[name])
    return [screen(reply) for reply in chat.say("hi")]


@pytest.mark.parametrize("name", list(STATES))
def test_home_reads_as_pinned(name):
    assert screens(name) == PINNED[name]


def a_flow(name: str, menu: object, triggers: tuple[str, ...] | None = None) -> Flow:
    steps = (Step("a", prompt=lambda state: TextReply(body="p")),)
    attrs = {"name": name, "triggers": (ids.entry(name),) if triggers is None else triggers, "steps": steps}
    return type(f"Flow_{name}", (Flow,), {**attrs, "menu": menu})()


def entry(order: object = 5, **more: object) -> MenuEntry:
    return MenuEntry(order=order, title="T", description="D", **more)


@pytest.mark.parametrize(
    ("flows", "message"),
    [
        ([a_flow("one", entry(0))], "menu order must be a positive int"),
        ([a_flow("one", entry(True))], "menu order must be a positive int"),
        ([a_flow("one", entry("1"))], "menu order must be a positive int"),
        ([a_flow("one", entry(5)), a_flow("two", entry(5))], "two: menu slot 5 is already 'one''s"),
        ([a_flow("one", entry(min_tier=6))], "unknown tier 6"),
        ([a_flow("one", entry(max_tier=0))], "unknown tier 0"),
        ([a_flow("one", entry(min_tier=4, max_tier=2))], "min_tier 4 is above max_tier 2"),
        ([a_flow("one", MenuEntry(order=1, title="", description="D"))], "text or functions"),
        ([a_flow("one", MenuEntry(order=1, title="T", description="D", when=True))], "condition"),
        ([a_flow("one", ("order", 1))], "menu must be a MenuEntry"),
        ([a_flow("one", entry(), triggers=("one",))], "must be one of its triggers"),
        ([a_flow(f"f{n}", entry(n + 1)) for n in range(11)], "a WhatsApp list holds 10"),
    ],
)
def test_a_bad_menu_declaration_stops_the_registry(flows, message):
    with pytest.raises(InvalidFlowDefinition, match=message):
        Registry(flows, Home())


def test_a_new_flow_appears_on_home_by_its_own_declaration_in_its_order_and_for_its_tiers():
    login = STATES["tier 1"].login()
    account = login.accounts[0]
    registry = Registry([*REGISTRY.flows.values(), a_flow("savings", entry(45, max_tier=1))], Home())
    rows = [row.title for row in registry.menu_rows(login, account)]
    assert rows[3:6] == ["Ledger", "T", "Upgrade tier"]
    assert "T" not in [row.title for row in registry.menu_rows(STATES["tier 3"].login(), account)]


# The rows of home's menu, as a member reads them (id, title, description).
OFFER = ("v1:offer:entry:open", "Offer credex", "Promise value to a member")
INCOMING_NONE = ("v1:incoming:entry:open", "Incoming offers (0)", "Offers waiting for your answer")
OUTGOING_NONE = ("v1:outgoing:entry:open", "Outgoing offers (0)", "Your offers not yet accepted")
LEDGER = ("v1:ledger:entry:open", "Ledger", "Your accepted credex")
HELP = ("v1:help:entry:open", "Help", "Commands, quick offers, fees")
CREATE_ACCOUNT = ("v1:create_account:entry:open", "Create account", "E.g. for a business")
UPGRADE = ("v1:upgrade:entry:open", "Upgrade tier", "No daily limit")
SWITCH = ("v1:switch:entry:open", "Switch account", "Tendai Moyo Personal")
MEMBERS = ("v1:members:entry:open", "Manage members", "Who acts, who is notified")


PINNED: dict[str, list[tuple]] = {
    "not a member": [
        (
            "*Welcome to VimbisoPay*\n"
            "Here you can offer and accept *credex* — promises of value between members — and see "
            "your balances and ledger, all inside WhatsApp. Opening an account is free.\n"
            "\n"
            "Become a member to start, or read what credex is first.",
            (("v1:onboard:entry:open", "Become a member"), ("v1:about:entry:open", "About credex")),
        )
    ],
    "tier 1": [
        (
            "*Tendai Moyo Personal*\n"
            "Handle: 263771234567\n"
            "\n"
            "Secured: 25.00 USD\n"
            "Net assets: 25.00 USD\n"
            "\n"
            "Tier: Open · 10.00 USD left to offer today",
            "Menu",
            ("What you can do",),
            (
                OFFER,
                INCOMING_NONE,
                OUTGOING_NONE,
                LEDGER,
                UPGRADE,
                HELP,
            ),
        )
    ],
    "tier 1, an offer in": [
        (
            "*Tendai Moyo Personal*\n"
            "Handle: 263771234567\n"
            "\n"
            "Secured: 25.00 USD\n"
            "Net assets: 25.00 USD\n"
            "\n"
            "Tier: Open · 10.00 USD left to offer today",
            "Menu",
            ("What you can do",),
            (
                OFFER,
                ("v1:incoming:entry:open", "Incoming offers (1)", "Offers waiting for your answer"),
                OUTGOING_NONE,
                LEDGER,
                UPGRADE,
                HELP,
            ),
        )
    ],
    "tier 2, nothing secured": [
        (
            "*Tendai Moyo Personal*\n"
            "Handle: 263771234567\n"
            "\n"
            "Secured: none yet\n"
            "Net assets: 0.00 USD\n"
            "\n"
            "Tier: Verified · 10.00 USD left to offer today",
            "Menu",
            ("What you can do",),
            (
                OFFER,
                INCOMING_NONE,
                OUTGOING_NONE,
                LEDGER,
                UPGRADE,
                HELP,
            ),
        )
    ],
    "tier 3": [
        (
            "*Tendai Moyo Personal*\n"
            "Handle: 263771234567\n"
            "\n"
            "Secured: 25.00 USD\n"
            "Net assets: 25.00 USD\n"
            "\n"
            "Tier: Hustler",
            "Menu",
            ("What you can do",),
            (
                OFFER,
                INCOMING_NONE,
                OUTGOING_NONE,
                LEDGER,
                CREATE_ACCOUNT,
                HELP,
            ),
        )
    ],
    "tier 4": [
        (
            "*Tendai Moyo Personal*\n"
            "Handle: 263771234567\n"
            "\n"
            "Secured: 25.00 USD\n"
            "Net assets: 25.00 USD\n"
            "\n"
            "Tier: Entrepreneur",
            "Menu",
            ("What you can do",),
            (
                OFFER,
                INCOMING_NONE,
                OUTGOING_NONE,
                LEDGER,
                CREATE_ACCOUNT,
                MEMBERS,
                HELP,
            ),
        )
    ],
    "tier 4, two accounts, not owner": [
        (
            "*Tendai Moyo Personal*\n"
            "Handle: 263771234567\n"
            "\n"
            "Secured: 3.00 USD\n"
            "Unsecured: owed to you 5.00 USD, you owe 2.00 USD, net -3.00 USD\n"
            "Net assets: 0.00 USD\n"
            "\n"
            "Tier: Entrepreneur",
            "Menu",
            ("What you can do",),
            (
                OFFER,
                INCOMING_NONE,
                OUTGOING_NONE,
                LEDGER,
                SWITCH,
                CREATE_ACCOUNT,
                HELP,
            ),
        )
    ],
    "tier 5, two accounts": [
        (
            "*Tendai Moyo Personal*\n"
            "Handle: 263771234567\n"
            "\n"
            "Secured: 3.00 USD\n"
            "Unsecured: owed to you 5.00 USD, you owe 2.00 USD, net -3.00 USD\n"
            "Net assets: 0.00 USD\n"
            "\n"
            "Tier: Entrepreneur",
            "Menu",
            ("What you can do",),
            (
                OFFER,
                INCOMING_NONE,
                OUTGOING_NONE,
                LEDGER,
                SWITCH,
                CREATE_ACCOUNT,
                MEMBERS,
                HELP,
            ),
        )
    ],
}
