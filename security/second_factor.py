"""The second factor outside the admin: a TOTP code checked with django-otp, as the admin's login form does.

`verified_device(user, code)` asks each of the user's confirmed devices (or the one named) through
`django_otp.verify_token`, which locks the device row (`select_for_update`; SQLite's IMMEDIATE transactions
serialise writers) while it checks and records the code: a code is accepted once per 30-second step (the
device's `last_t`), so N concurrent requests with one code get one success, and each wrong code grows the
device's throttle (1, 2, 4 … seconds during which even the right code is refused; `OTP_TOTP_THROTTLE_FACTOR`).
`device_in_force(user, device_id)` says whether the device a token was issued through still exists, is
confirmed and is the user's: deleting an operator's device ends their tokens, as it ends their admin session.
"""

from __future__ import annotations

from typing import Any

import django_otp
from django_otp.models import Device


def verified_device(user: Any, code: str, device_id: str | None = None) -> Device | None:
    """The user's confirmed device that accepts `code` (single use, throttled), or None."""
    for device in django_otp.devices_for_user(user, confirmed=True):
        if device_id and device.persistent_id != device_id:
            continue
        accepted = django_otp.verify_token(user, device.persistent_id, code)
        if accepted is not None:
            return accepted
    return None


def device_in_force(user: Any, device_id: object) -> bool:
    """Whether `device_id` names a confirmed device of `user` (a token's second factor still stands)."""
    if not isinstance(device_id, str) or not device_id:
        return False
    return any(device.persistent_id == device_id for device in django_otp.devices_for_user(user))
