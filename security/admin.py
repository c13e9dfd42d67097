"""Admin registrations of the security layer: django-otp's TOTP devices, searched as their list shows them.

django-otp's device list shows each device's user by username but searches the users' e-mail addresses by
substring too: a blind oracle on addresses the list never shows. Re-registered here with the username searched
as shown and the address by exact match only, as phone numbers are elsewhere.
"""

from __future__ import annotations

from django.contrib import admin
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class DeviceAdmin(TOTPDeviceAdmin):
    search_fields = ["user__username", "=user__email"]
    search_help_text = "Search by user's username, or by a full e-mail address."
