"""The admin site: TOTP for every page (django-otp), a rate-limited login, and extra read-only pages.

Importing this module (config/urls.py does, before it reads `admin.site.urls`) turns the default
`django.contrib.admin.site` into a `VimbisoAdminSite`, django-otp's `OTPAdminSite` underneath: every admin
page needs a staff user *verified by an OTP device* in this session, so a password alone reaches nothing
but the login page, whose form asks for the device and its current token.

Login rate limit (django-ratelimit, atomic `cache.add`/`incr` on the cache Redis): each POST to the login
page counts first against its client IP, then, only if the IP is under its limit, against the username
typed; over either limit (settings.ADMIN_LOGIN_RATE_PER_MINUTE, 5 by default) the request is refused with
429 before any password is checked, so N concurrent attempts get exactly the limit evaluated. If the cache
Redis cannot count, the login fails closed: 503, nothing evaluated. The client IP is django-axes' (set to
`security.client_ip`: the trusted proxy hop count), so the limit and the lockout see the same address.

`ReadOnlyAdmin` is the base of the project's model pages (view only, for everyone). `add_page` lists a
custom admin view (bot's members, credex_api's breaker) on the index beside the models; `render_page`
renders such a view inside the admin's own layout from a template string.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import reverse
from django_otp.admin import OTPAdminSite
from django_ratelimit.core import is_ratelimited

logger = logging.getLogger("security.admin")

RETRY_AFTER_SECONDS = 60
TOO_MANY = "Too many login attempts. Please wait a minute, then try again."
UNAVAILABLE = "Logging in is unavailable for a moment. Please try again shortly."

_PAGE = (
    '{%% extends "admin/base_site.html" %%}'
    '{%% block content %%}<div id="content-main">%s</div>{%% endblock %%}'
)
_REFUSAL = '<p class="errornote">{{ message }}</p><p><a href="{{ login_url }}">Back to the login page</a></p>'


@dataclass(frozen=True)
class ExtraPage:
    """A custom admin view listed on the index under its app, for users holding `permission`."""

    app_label: str
    name: str
    url_name: str
    permission: str


_pages: dict[str, ExtraPage] = {}


def add_page(*, app_label: str, name: str, url_name: str, permission: str) -> None:
    """List the admin view named `url_name` (in the admin namespace) on the index under `app_label`."""
    _pages[url_name] = ExtraPage(app_label, name, url_name, permission)


def client_ip(group: str | None, request: HttpRequest) -> str:
    """The trusted client address (django-axes' resolution; a django-ratelimit key function)."""
    return get_client_ip_address(request) or "unknown"


def typed_username(group: str | None, request: HttpRequest) -> str:
    """The username a login POST carries, case-folded, so case variants share one budget."""
    return str(request.POST.get("username", "")).strip().casefold()


def login_refusal(request: HttpRequest) -> HttpResponse | None:
    """A refusal page when this login POST is over a limit or cannot be counted; None to let it through."""
    rate = f"{settings.ADMIN_LOGIN_RATE_PER_MINUTE}/m"
    try:
        for group, key in (("admin-login:ip", client_ip), ("admin-login:username", typed_username)):
            if is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True):
                logger.warning(
                    "admin login refused: over the %s limit (client %s)", group, client_ip(None, request)
                )
                return _refusal(request, TOO_MANY, status=429)
    except Exception as error:  # any failure to count refuses: the limiter fails closed
        logger.error("admin login refused: the rate limiter cannot count (%s)", type(error).__name__)
        return _refusal(request, UNAVAILABLE, status=503)
    return None


def _refusal(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    context = {"message": message, "login_url": reverse("admin:login")}
    response = render_page(request, title="Log in", body=_REFUSAL, context=context, status=status)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@lru_cache(maxsize=32)
def _compiled(body: str):
    """The page template for `body`, a constant of our code (never user input), compiled once."""
    return engines["django"].from_string(_PAGE % body)


def render_page(
    request: HttpRequest, *, title: str, body: str, context: dict | None = None, status: int = 200
) -> HttpResponse:
    """`body` (a template string) rendered with `context` inside the admin layout (header, breadcrumbs)."""
    values = {**admin.site.each_context(request), "title": title, **(context or {})}
    return HttpResponse(_compiled(body).render(values, request), status=status)


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only, for everyone: no add, change or delete (and so no bulk-delete action)."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class VimbisoAdminSite(OTPAdminSite):
    """OTPAdminSite (TOTP-verified staff only) with a rate-limited login and the extra pages listed."""

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "POST":
            refusal = login_refusal(request)
            if refusal is not None:
                return refusal
        return super().login(request, extra_context)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            for page in _pages.values():
                if page.app_label == app["app_label"] and request.user.has_perm(page.permission):
                    app["models"].append(_page_entry(page))
            app["models"].sort(key=lambda entry: entry["name"])
        return app_list


def _page_entry(page: ExtraPage) -> dict:
    """An index entry shaped like a model's, linking to a read-only page."""
    return {
        "model": None,
        "name": page.name,
        "object_name": page.url_name.replace("_", ""),
        "perms": {"view": True},
        "admin_url": reverse(f"admin:{page.url_name}"),
        "add_url": None,
        "view_only": True,
    }


admin.site.__class__ = VimbisoAdminSite
