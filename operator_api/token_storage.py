"""Refresh tokens are not kept: the blacklist's `OutstandingToken` row keeps the jti, user and times only.

simplejwt writes every issued refresh token whole into `token_blacklist_outstandingtoken.token`, so anyone who
can read that table (a backup, a replica, a support query) holds refresh tokens that still work for a day.
Blacklisting needs only the jti (`operator_api.serializers.claim_once` looks rows up by jti; simplejwt's own
`blacklist()` and `outstand()` use `get_or_create(jti=...)`; `flushexpiredtokens` uses `expires_at`), so the
token text is blanked before every save. Migration bot 0006 blanked the rows written before.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_save
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken


def drop_token_text(sender: type, instance: OutstandingToken, **kwargs: Any) -> None:
    """pre_save receiver: keep the jti (and user, times), never the token itself."""
    instance.token = ""


def connect() -> None:
    """Called once from `BotConfig.ready`."""
    pre_save.connect(drop_token_text, sender=OutstandingToken, dispatch_uid="operator_api.drop_token_text")
