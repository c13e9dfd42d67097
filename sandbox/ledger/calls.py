"""What a route handler receives (`Call`) and how a contract route is declared (`Route`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.ledger.envelope import Reply
from sandbox.ledger.models import Member
from sandbox.ledger.validation import Field


@dataclass
class Call:
    """A validated request: the sanitised body and, on JWT routes, the calling member."""

    body: dict[str, Any]
    member: Member | None = None

    @property
    def signer(self) -> Member:
        """The authenticated member (JWT routes only)."""
        if self.member is None:
            raise RuntimeError("route has no authenticated member")
        return self.member


@dataclass(frozen=True)
class Route:
    """A contract route: its name (= path), handler, schema, and whether it is a keyhole."""

    name: str
    handler: Callable[[Call], Reply]
    schema: tuple[Field, ...]
    keyhole: bool = False
