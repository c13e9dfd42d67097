"""The sandbox ledger's tables: members, accounts, access, credexes, recurring templates and day nodes.

The real service keeps a Neo4j graph; these rows carry the same facts. Money is stored exactly as
integers of `units.SCALE` per unit of the credex's own denomination (never float); rates are Decimal
text. Relationship names of the graph appear as status values (`OFFERS`, `OWES`, ...).
"""

import uuid

from django.db import models

# Credex statuses: the relationship between issuer and receiver in the real graph (+ EXPIRED).
OFFERS = "OFFERS"
REQUESTS = "REQUESTS"
OWES = "OWES"
CLEARED = "CLEARED"
DECLINED = "DECLINED"
CANCELLED = "CANCELLED"
EXPIRED = "EXPIRED"
PENDING = (OFFERS, REQUESTS)
ACCEPTED = (OWES, CLEARED)


class DayNode(models.Model):
    """A ledger day (the real `Daynode`): its date, its rate table, and whether it is the active one."""

    date = models.DateField(unique=True)
    rates = models.JSONField()  # {"USD": "1.36", ...}: CXX per one unit, as Decimal text
    active = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"day {self.date}"


class Member(models.Model):
    """A person who logs in with their phone number."""

    member_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    firstname = models.CharField(max_length=50)
    lastname = models.CharField(max_length=50)
    phone = models.CharField(max_length=15, unique=True)
    member_handle = models.CharField(max_length=30, unique=True)
    default_denom = models.CharField(max_length=3)
    tier = models.PositiveSmallIntegerField(default=1)
    admin_level = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"member {self.member_id}"


class Account(models.Model):
    """A ledger account, owned by one member; `audited` accounts secure credex without limit."""

    account_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    account_type = models.CharField(max_length=20)
    account_name = models.CharField(max_length=50)
    account_handle = models.CharField(max_length=30, unique=True)
    default_denom = models.CharField(max_length=3)
    owner = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="owned_accounts")
    send_offers_to = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    audited = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"account {self.account_handle}"


class AccountAccess(models.Model):
    """`Member -AUTHORIZED_FOR-> Account` (the owner included)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="access")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="access")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "account"], name="one_access_per_pair")]

    def __str__(self) -> str:
        return f"access {self.member_id} -> {self.account_id}"


class Recurring(models.Model):
    """A recurring template; the sandbox supports `MEMBERTIER_SUBSCRIPTION` only."""

    recurring_id = models.UUIDField(unique=True, default=uuid.uuid4)
    template_type = models.CharField(max_length=30)
    source = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="recurring_out")
    target = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="recurring_in")
    member_tier = models.PositiveSmallIntegerField()
    amount_units = models.BigIntegerField()
    denomination = models.CharField(max_length=3)
    secured = models.BooleanField()
    pay_frequency = models.PositiveIntegerField()
    start_date = models.DateField()
    next_pay_date = models.DateField()
    status = models.CharField(max_length=12)
    executions = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"recurring {self.recurring_id}"


class Credex(models.Model):
    """One credex between an issuer and a receiver account; `status` is its current relationship."""

    credex_id = models.UUIDField(unique=True, default=uuid.uuid4)
    issuer = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="issued")
    receiver = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="received")
    signer = models.ForeignKey(Member, on_delete=models.PROTECT, null=True, related_name="+")
    denomination = models.CharField(max_length=3)
    cxx_multiplier = models.CharField(max_length=40)  # Decimal text: CXX per unit on the creation day
    initial_units = models.BigIntegerField()
    outstanding_units = models.BigIntegerField()
    redeemed_units = models.BigIntegerField(default=0)
    defaulted_units = models.BigIntegerField(default=0)
    written_off_units = models.BigIntegerField(default=0)
    credex_type = models.CharField(max_length=12)
    offers_or_requests = models.CharField(max_length=8)
    status = models.CharField(max_length=10)
    secured = models.BooleanField()
    securer = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="secured_credexes"
    )
    due_date = models.DateField(null=True, blank=True)
    created_on_day = models.DateField()
    created_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    recurring = models.ForeignKey(
        Recurring, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )

    class Meta:
        indexes = [
            models.Index(fields=["issuer", "status"], name="credex_issuer_status"),
            models.Index(fields=["receiver", "status"], name="credex_receiver_status"),
            models.Index(fields=["status", "created_on_day"], name="credex_status_day"),
        ]

    def __str__(self) -> str:
        return f"credex {self.credex_id}"
