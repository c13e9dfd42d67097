"""Home: the member's dashboard, or the welcome screen for someone who is not a member yet (pure).

Every greeting, `menu`, `cancel` and finished flow lands here. Home logs in (`turn.ledger.login()`, once per
turn) and shows the active account: name and handle, secured balances per denomination, unsecured
receivables / payables / net when not zero, net assets, the tier and — below tier 3 — what remains of
today's limit; then the menu, which the flows declare (`flows.menu`: each flow's row, order, tiers and
condition; counts are live) and the registry builds.
A number the ledger does not know (`CredexNotFound` at login) gets the welcome: what VimbisoPay and credex
are, with *Become a member* and *About credex*.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credex_api.errors import CredexNotFound
from credex_api.results import Account, LoginResult, Member
from flows import ids
from flows.flow import HomeScreen, HomeView, Turn
from flows.money import ACTIVE_ACCOUNT, active_account, show, show_money
from flows.types import Button, ButtonsReply, ListReply, ListRow, ListSection

WELCOME = (
    "*Welcome to VimbisoPay*\n"
    "Here you can offer and accept *credex* — promises of value between members — and see your "
    "balances and ledger, all inside WhatsApp. Opening an account is free.\n\n"
    "Become a member to start, or read what credex is first."
)
JOIN_BUTTON = "Become a member"
ABOUT_BUTTON = "About credex"
MENU_BUTTON = "Menu"
MENU_SECTION = "What you can do"
TIER_NAMES = {1: "Open", 2: "Verified", 3: "Hustler", 4: "Entrepreneur", 5: "Entrepreneur"}


class Home(HomeScreen):
    """The dashboard of the active account (or the welcome for a newcomer)."""

    def show(self, turn: Turn, session: Mapping[str, Any], *, greeting: bool) -> HomeView:
        try:
            login = turn.ledger.login()
        except CredexNotFound:
            return HomeView(replies=(welcome(),))
        account = active_account(login, session)
        menu = turn.ctx.registry.menu_rows(login, account)
        return HomeView(
            replies=(dashboard(login, account, menu),), session={ACTIVE_ACCOUNT: account.account_id}
        )


def welcome() -> ButtonsReply:
    return ButtonsReply(
        body=WELCOME,
        buttons=(
            Button(id=ids.entry("onboard"), title=JOIN_BUTTON),
            Button(id=ids.entry("about"), title=ABOUT_BUTTON),
        ),
    )


def dashboard(login: LoginResult, account: Account, menu: tuple[ListRow, ...]) -> ListReply:
    """The dashboard text of `account` and the `menu` of what the member can do there."""
    return ListReply(
        body="\n".join(_summary_lines(login.member, account)),
        button=MENU_BUTTON,
        sections=(ListSection(title=MENU_SECTION, rows=menu),),
    )


def _summary_lines(member: Member, account: Account) -> list[str]:
    lines = [f"*{account.name}*", f"Handle: {account.handle}", ""]
    balances = account.balances
    secured = [money for money in (balances.secured_net if balances else ()) if money.amount]
    lines.append("Secured: " + (", ".join(show_money(m) for m in secured) if secured else "none yet"))
    if balances is not None:
        unsecured = (balances.total_receivables, balances.total_payables, balances.net_pay_rec)
        if any(money is not None and money.amount for money in unsecured):
            owed, owing, net = (show_money(m) if m else "0" for m in unsecured)
            lines.append(f"Unsecured: owed to you {owed}, you owe {owing}, net {net}")
        if balances.net_credex_assets is not None:
            lines.append(f"Net assets: {show_money(balances.net_credex_assets)}")
    lines += ["", _tier_line(member)]
    return lines


def _tier_line(member: Member) -> str:
    line = f"Tier: {TIER_NAMES.get(member.tier, str(member.tier))}"
    if member.tier < 3 and member.remaining_available_usd is not None:
        line += f" · {show(member.remaining_available_usd, 'USD')} left to offer today"
    return line
