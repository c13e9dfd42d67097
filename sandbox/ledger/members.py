"""Members: `login` and `onboardMember` (keyhole routes).

Onboarding creates the member (tier 1, handle = phone digits) and a `PERSONAL` account named
"<first> <last> Personal" with handle = phone, owned by, authorised for, and sending offers to the member.
Both routes answer with a fresh token in `data.action.details.token` and the full dashboard.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from sandbox.ledger import auth
from sandbox.ledger.calls import Call
from sandbox.ledger.dashboard import full_dashboard
from sandbox.ledger.envelope import Reply, action, business_error, success
from sandbox.ledger.models import Account, AccountAccess, Member


def login(call: Call) -> Reply:
    """Log a member in by phone; 404 `ERROR_NOT_FOUND` (drives onboarding in the bot) when unknown."""
    member = Member.objects.filter(phone=call.body["phone"]).first()
    if member is None:
        raise business_error(404, "ERROR_NOT_FOUND", "NOT_FOUND", "Member not found")
    token = auth.issue_token(str(member.member_id))
    details = {"memberID": str(member.member_id), "phone": member.phone, "token": token}
    body = action("MEMBER_LOGIN", action_id=member.member_id, actor=member.member_id, details=details)
    return success(200, "Successfully logged in", body, full_dashboard(member))


def grant_access(member: Member, account: Account) -> None:
    """`member -AUTHORIZED_FOR-> account` (idempotent)."""
    AccountAccess.objects.get_or_create(
        member=member, account=account, defaults={"created_at": timezone.now()}
    )


def create_account(owner: Member, *, account_type: str, name: str, handle: str, denom: str) -> Account:
    """A new account owned by, authorised for, and sending offers to `owner`."""
    account = Account.objects.create(
        account_type=account_type,
        account_name=name,
        account_handle=handle,
        default_denom=denom,
        owner=owner,
        send_offers_to=owner,
        created_at=timezone.now(),
    )
    grant_access(owner, account)
    return account


def _refuse_duplicates(phone: str) -> None:
    if Member.objects.filter(phone=phone).exists():
        raise business_error(409, "ERROR_VALIDATION", "DUPLICATE_PHONE", "Phone number already in use")
    taken = (
        Member.objects.filter(member_handle=phone).exists()
        or Account.objects.filter(account_handle=phone).exists()
    )
    if taken:
        raise business_error(409, "ERROR_VALIDATION", "DUPLICATE_HANDLE", "Handle already in use")


def _create_member(body: dict) -> tuple[Member, Account]:
    _refuse_duplicates(body["phone"])
    try:
        with transaction.atomic():
            member = Member.objects.create(
                firstname=body["firstname"],
                lastname=body["lastname"],
                phone=body["phone"],
                member_handle=body["phone"],
                default_denom=body["defaultDenom"],
                created_at=timezone.now(),
            )
            name = f"{member.firstname} {member.lastname} Personal"
            account = create_account(
                member, account_type="PERSONAL", name=name, handle=member.phone, denom=member.default_denom
            )
    except IntegrityError as exc:  # a concurrent onboarding won the race for this phone
        raise business_error(
            409, "ERROR_VALIDATION", "DUPLICATE_PHONE", "Phone number already in use"
        ) from exc
    return member, account


def onboard_member(call: Call) -> Reply:
    """Create a member and their personal account (201), or 409 for a phone already in use."""
    member, account = _create_member(call.body)
    details = {
        "memberID": str(member.member_id),
        "firstname": member.firstname,
        "lastname": member.lastname,
        "memberHandle": member.member_handle,
        "defaultDenom": member.default_denom,
        "token": auth.issue_token(str(member.member_id)),
        "defaultAccountID": str(account.account_id),
    }
    body = action("MEMBER_ONBOARDED", action_id=member.member_id, actor=member.member_id, details=details)
    message = (
        f"{member.firstname} {member.lastname}: Personal account created with a default denomination "
        f"of {member.default_denom}."
    )
    return success(201, message, body, full_dashboard(member))
