"""Home: the screen every flow returns to (greetings, `menu`, `cancel`, the end of a flow).

Until the ledger-backed dashboard exists, home is the help overview with a menu of help topics. The dashboard
replaces this module's `Home.show` (it may log in on `greeting`, keep the member in the session, and list the
member's actions as entry ids).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows import ids, texts
from flows.definitions.help import topic_rows
from flows.flow import HomeScreen, HomeView, Turn
from flows.types import ListReply, ListRow, ListSection


class Home(HomeScreen):
    """The help overview with a topics menu (no ledger needed)."""

    def show(self, turn: Turn, session: Mapping[str, Any], *, greeting: bool) -> HomeView:
        return HomeView(replies=(home_menu(),))


def home_menu() -> ListReply:
    """The home list: each row opens a help topic (or About) through its entry id."""
    rows = (
        *topic_rows(lambda topic: ids.entry("help", arg=topic)),
        ListRow(id=ids.entry("about"), title=texts.ABOUT_TITLE, description=texts.ABOUT_ROW),
    )
    return ListReply(
        body=texts.HOME_BODY,
        button=texts.HOME_LIST_BUTTON,
        sections=(ListSection(title=texts.HOME_SECTION, rows=rows),),
    )
