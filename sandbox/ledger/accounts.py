"""Accounts: lookup by handle, creation, and who may act on them.

The owner may create more accounts from tier 3, authorise up to 5 members in all (owner included) from
tier 4, unauthorise them, and choose who is notified of incoming offers. An unknown account is a 404;
an account the caller does not own is a 403 `FORBIDDEN` on owner-only routes.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from sandbox.ledger.calls import Call
from sandbox.ledger.dashboard import single_dashboard
from sandbox.ledger.envelope import Reply, action, business_error, success
from sandbox.ledger.members import create_account as new_account
from sandbox.ledger.members import grant_access
from sandbox.ledger.models import Account, AccountAccess, Member

MAX_AUTHORIZED = 5


def find_account(account_id: str, *, actor: object = "system") -> Account:
    """The account with this id, or 404 `ACCOUNT_NOT_FOUND`."""
    account = Account.objects.select_related("send_offers_to").filter(account_id=account_id).first()
    if account is None:
        raise business_error(404, "ERROR_NOT_FOUND", "ACCOUNT_NOT_FOUND", "Account not found", actor=actor)
    return account


def is_authorized(member: Member, account_id: object) -> bool:
    """Whether `member -AUTHORIZED_FOR-> account`."""
    return AccountAccess.objects.filter(member=member, account_id=account_id).exists()


def owned_account(member: Member, account_id: str, what: str) -> Account:
    """The account if `member` owns it; 404 if unknown, 403 `FORBIDDEN` if someone else's."""
    account = find_account(account_id, actor=member.member_id)
    if account.owner_id != member.member_id:
        message = f"Only the account owner can {what}"
        raise business_error(403, "ERROR_UNAUTHORIZED", "FORBIDDEN", message, actor=member.member_id)
    return account


def get_account_by_handle(call: Call) -> Reply:
    """200 `ACCOUNT_FOUND` with an empty dashboard, or 404."""
    account = Account.objects.filter(account_handle=call.body["accountHandle"]).first()
    if account is None:
        raise business_error(404, "ERROR_NOT_FOUND", "ACCOUNT_NOT_FOUND", "Account not found")
    details = {
        "accountID": str(account.account_id),
        "accountName": account.account_name,
        "accountHandle": account.account_handle,
    }
    body = action("ACCOUNT_FOUND", action_id=account.account_id, actor="system", details=details)
    return success(200, "Account retrieved successfully", body, {})


def create_account(call: Call) -> Reply:
    """201 `ACCOUNT_CREATED`; tiers 1–2 may own one account only; handles are unique."""
    owner, body = call.signer, call.body
    if owner.tier <= 2 and Account.objects.filter(owner=owner).exists():
        message = "You cannot create an account on the Open or Verified membership tiers."
        raise business_error(403, "ERROR_UNAUTHORIZED", "TIER_LIMIT_EXCEEDED", message, actor=owner.member_id)
    handle_taken = Account.objects.filter(account_handle=body["accountHandle"]).exists()
    if handle_taken or Member.objects.filter(member_handle=body["accountHandle"]).exists():
        raise _handle_exists(owner)
    try:
        with transaction.atomic():
            account = new_account(
                owner,
                account_type=body["accountType"],
                name=body["accountName"],
                handle=body["accountHandle"],
                denom=body["defaultDenom"],
            )
    except IntegrityError as exc:
        raise _handle_exists(owner) from exc
    details = {
        "accountID": str(account.account_id),
        "accountName": account.account_name,
        "accountHandle": account.account_handle,
        "defaultDenom": account.default_denom,
        "ownerID": str(owner.member_id),
    }
    reply = action("ACCOUNT_CREATED", action_id=account.account_id, actor=owner.member_id, details=details)
    return success(201, "Account created successfully", reply, single_dashboard(owner, account))


def _handle_exists(owner: Member) -> Exception:
    message = "Sorry, that handle is already in use"
    return business_error(409, "ERROR_VALIDATION", "HANDLE_EXISTS", message, actor=owner.member_id)


def authorize_for_account(call: Call) -> Reply:
    """200 `ACCOUNT_AUTHORIZED`; owner on tier ≥ 4; at most 5 authorised members per account."""
    owner = call.signer
    account = owned_account(owner, call.body["accountID"], "authorize members")
    if owner.tier <= 3:
        message = (
            "You can only authorize someone to transact on behalf of your account when you are on the "
            "Entrepreneur tier or above."
        )
        failure = "ACCOUNT_AUTHORIZATION_FAILED"
        raise business_error(403, failure, "TIER_REQUIREMENT", message, actor=owner.member_id)
    target = Member.objects.filter(member_handle=call.body["memberHandleToBeAuthorized"]).first()
    if target is None:
        raise business_error(
            404, "ERROR_NOT_FOUND", "MEMBER_NOT_FOUND", "Member not found", actor=owner.member_id
        )
    already = is_authorized(target, account.account_id)
    if not already and AccountAccess.objects.filter(account=account).count() >= MAX_AUTHORIZED:
        message = (
            "Limit of 5 authorized accounts reached. Remove an authorized account if you want to add another."
        )
        raise business_error(400, "ERROR_VALIDATION", "LIMIT_EXCEEDED", message, actor=owner.member_id)
    grant_access(target, account)
    details = {"accountID": str(account.account_id), "memberIdAuthorized": str(target.member_id)}
    body = action("ACCOUNT_AUTHORIZED", action_id=account.account_id, actor=owner.member_id, details=details)
    return success(200, "Member authorized successfully", body, single_dashboard(owner, account))


def unauthorize_for_account(call: Call) -> Reply:
    """200 `ACCOUNT_UNAUTHORIZED`; the owner cannot be removed; offers fall back to the owner."""
    owner = call.signer
    account = owned_account(owner, call.body["accountID"], "unauthorize members")
    target_id = call.body["memberID"]
    if str(account.owner_id) == target_id:
        message = "The account owner cannot be unauthorized"
        raise business_error(
            400, "ERROR_VALIDATION", "CANNOT_UNAUTHORIZE_OWNER", message, actor=owner.member_id
        )
    removed, _ = AccountAccess.objects.filter(account=account, member_id=target_id).delete()
    if not removed:
        message = "Member is not authorized for this account"
        raise business_error(404, "ERROR_NOT_FOUND", "MEMBER_NOT_AUTHORIZED", message, actor=owner.member_id)
    if str(account.send_offers_to_id) == target_id:
        Account.objects.filter(pk=account.pk).update(send_offers_to=owner)
        account.refresh_from_db()
    details = {"accountID": str(account.account_id), "memberIdUnauthorized": target_id}
    body = action(
        "ACCOUNT_UNAUTHORIZED", action_id=account.account_id, actor=owner.member_id, details=details
    )
    return success(200, "Member unauthorized successfully", body, single_dashboard(owner, account))


def update_send_offers_to(call: Call) -> Reply:
    """200 `SEND_OFFERS_UPDATED`; the new recipient must already be authorised for the account."""
    owner = call.signer
    account = owned_account(owner, call.body["accountID"], "update the offer recipient")
    target = Member.objects.filter(member_id=call.body["memberID"]).first()
    if target is None or not is_authorized(target, account.account_id):
        message = "Member is not authorized for this account"
        raise business_error(400, "ERROR_VALIDATION", "MEMBER_NOT_AUTHORIZED", message, actor=owner.member_id)
    Account.objects.filter(pk=account.pk).update(send_offers_to=target)
    account.refresh_from_db()
    details = {"accountID": str(account.account_id), "memberIDtoSendOffers": str(target.member_id)}
    body = action("SEND_OFFERS_UPDATED", action_id=account.account_id, actor=owner.member_id, details=details)
    return success(200, "Offer recipient updated successfully", body, single_dashboard(owner, account))
