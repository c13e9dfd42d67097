"""Seed data like the real dev ledger: tier-5 system members, trust and operations accounts, day zero.

Accounts: `greatsun_ops` (subscription target), `greatsun_trust` (audited), `vimbisopay_trust` (audited;
the default source of `/devadmin/mint`), `vimbisopay_ops`, `credexfoundation.dco` (audited; its dot makes it
unreachable through getAccountByHandle, as in reality). The owners' phone numbers use the unassigned
country code 999 so they can never collide with a real WhatsApp number. Day zero is today's UTC date.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from sandbox.ledger.days import DEFAULT_RATES, open_day
from sandbox.ledger.members import create_account
from sandbox.ledger.models import Account, AccountAccess, Credex, DayNode, Member, Recurring

SEED_MEMBERS = (
    # (key, firstname, lastname, phone)
    ("greatsun", "Greatsun", "Operator", "999000000001"),
    ("vimbisopay", "Vimbisopay", "Operator", "999000000002"),
    ("foundation", "Credex", "Foundation", "999000000003"),
)
SEED_ACCOUNTS = (
    # (owner key, handle, name, type, default denomination, audited)
    ("greatsun", "greatsun_ops", "Great Sun Operations", "OPERATIONS", "USD", False),
    ("greatsun", "greatsun_trust", "Great Sun Trust", "TRUST", "USD", True),
    ("vimbisopay", "vimbisopay_trust", "VimbisoPay Trust", "TRUST", "USD", True),
    ("vimbisopay", "vimbisopay_ops", "VimbisoPay Operations", "OPERATIONS", "USD", False),
    ("foundation", "credexfoundation.dco", "Credex Foundation DCO", "CREDEX_FOUNDATION", "CXX", True),
)


def is_seeded() -> bool:
    """Whether the database already holds a ledger."""
    return DayNode.objects.exists()


def _seed_members() -> dict[str, Member]:
    members = {}
    for key, first, last, phone in SEED_MEMBERS:
        members[key] = Member.objects.create(
            firstname=first,
            lastname=last,
            phone=phone,
            member_handle=phone,
            default_denom="USD",
            tier=5,
            admin_level=1,
            created_at=timezone.now(),
        )
    return members


def seed() -> None:
    """Create the seed ledger in an empty database."""
    with transaction.atomic():
        open_day(datetime.now(UTC).date(), dict(DEFAULT_RATES))
        members = _seed_members()
        for owner_key, handle, name, kind, denom, audited in SEED_ACCOUNTS:
            account = create_account(
                members[owner_key], account_type=kind, name=name, handle=handle, denom=denom
            )
            if audited:
                Account.objects.filter(pk=account.pk).update(audited=True)


def wipe() -> None:
    """Delete every row (children first). The caller holds the transaction."""
    Credex.objects.all().delete()
    Recurring.objects.all().delete()
    AccountAccess.objects.all().delete()
    Account.objects.all().delete()
    Member.objects.all().delete()
    DayNode.objects.all().delete()


def reset() -> None:
    """Wipe and reseed in one transaction."""
    with transaction.atomic():
        wipe()
        seed()


def seed_if_empty() -> bool:
    """Seed an empty database; True when it seeded."""
    with transaction.atomic():
        if is_seeded():
            return False
        seed()
        return True
