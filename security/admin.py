"""Admin registrations of the security layer: django-otp's TOTP devices, searched as their list shows them.

django-otp's device list shows each device's user by username but searches the users' e-mail addresses by
substring too: a blind oracle on addresses the list never shows. Re-registered here with the username searched
as shown and the address by exact match only, as phone numbers are elsewhere.

The audit log (`AuditEvent`) is listed read-only, newest first, for holders of `security.view_auditevent`:
nothing can be added, changed or deleted here (the table is append-only underneath, `security.audit`).
"""

from __future__ import annotations

from django.contrib import admin
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.admin_site import ReadOnlyAdmin
from security.models import AuditEvent

admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class DeviceAdmin(TOTPDeviceAdmin):
    search_fields = ["user__username", "=user__email"]
    search_help_text = "Search by user's username, or by a full e-mail address."


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "obj", "client_ip", "correlation_id")
    list_filter = ("action", "at")
    search_fields = ("=action", "=actor", "=correlation_id")
    search_help_text = "Exact action (e.g. admin.member_viewed), actor (staff:<username>) or correlation id."
    fields = ("at", "actor", "action", "obj", "old_values", "new_values", "client_ip", "user_agent")
    fields += ("correlation_id",)
    readonly_fields = fields
