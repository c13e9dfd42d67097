"""The admin site: TOTP for every page (django-otp), a rate-limited login, and extra read-only pages.

Importing this module (config/urls.py does, before it reads `admin.site.urls`) turns the default
`django.contrib.admin.site` into a `VimbisoAdminSite`, django-otp's `OTPAdminSite` underneath: every admin
page needs a staff user *verified by an OTP device* in this session, so a password alone reaches nothing
but the login page, whose form asks for the device and its current token.

The login is guarded as the operator API's token endpoint is (`security.login_guard`): the same per-address
and per-username rate limit, counted in the same counters, refused (429, or 503 when the cache Redis cannot
count) before any password is checked; and the same django-axes lockout, to which a wrong TOTP code after a
right password counts as a failure (`OTPLoginForm`), as it does on the token endpoint.

Its lists answer only their declared filters, search box, sorting and paging (`security.admin_lookups`:
every registered ModelAdmin, third-party ones too, is made strict when the site builds its URLs).

`ReadOnlyAdmin` is the base of the project's model pages (view only, for everyone). `add_page` lists a
custom admin view (bot's members, credex_api's breaker) on the index beside the models; `render_page`
renders such a view inside the admin's own layout from a template string.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import reverse
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from security.login_guard import Refusal, login_failed, login_refusal

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


def _refusal(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    context = {"message": refusal.message, "login_url": reverse("admin:login")}
    response = render_page(request, title="Log in", body=_REFUSAL, context=context, status=refusal.status)
    response["Retry-After"] = str(refusal.retry_after)
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


class OTPLoginForm(OTPAdminAuthenticationForm):
    """django-otp's admin login form; a wrong code after the right password is a failed login (axes)."""

    def clean_otp(self, user: object) -> None:
        try:
            super().clean_otp(user)
        except forms.ValidationError:
            if user is not None and self.cleaned_data.get("otp_token"):
                login_failed(self.request, self.cleaned_data.get("username", ""))
            raise


class VimbisoAdminSite(OTPAdminSite):
    """OTPAdminSite (TOTP-verified staff only) with a rate-limited login and the extra pages listed."""

    login_form = OTPLoginForm

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "POST":
            refusal = login_refusal(request, request.POST.get("username", ""))
            if refusal is not None:
                return _refusal(request, refusal)
        return super().login(request, extra_context)

    def get_urls(self) -> list:
        """The admin's URLs, every ModelAdmin served by them first made strict (`security.admin_lookups`)."""
        from security.admin_lookups import harden  # noqa: PLC0415 - admin_lookups renders with this module

        harden(self)
        return super().get_urls()

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
