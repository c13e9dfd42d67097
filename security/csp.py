"""django-csp's middleware with the settings' policies built once per process instead of on every response.

django-csp 4's `CSPMiddleware.process_response` rebuilds both policies (enforced and report-only) for every
response: `dataclasses.asdict` deep-copies the directives, then `build_policy` walks every directive name.
That was about 70 µs of the ~340 µs Django spends answering a bare view, and 11 % of a Gunicorn worker's
interpreter time under `make bench`, the webhook's included. Between two responses only the nonce changes.
So `CachedPolicyCSPMiddleware` asks django-csp's own `build_policy` once for each policy, with and without
a nonce (a placeholder standing where the nonce goes), and then writes each response's header from that
text with the response's nonce put in. The header is the same string django-csp would have built in this
process (`tests/unit/test_csp.py` compares the two middlewares case by case).

A response carrying policy parts of its own (django-csp's `@csp_update`, `@csp_replace`, `@csp` and their
report-only forms) goes through the library's path unchanged. The cached texts (and each policy's excluded
path prefixes) are dropped when either CSP setting changes (`override_settings` in tests).
"""

from __future__ import annotations

import http.client
from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

NONCE_PLACEHOLDER = "\x00"  # cannot occur in a policy's text: headers carry no NUL
CSP_SETTINGS = {False: "CONTENT_SECURITY_POLICY", True: "CONTENT_SECURITY_POLICY_REPORT_ONLY"}
OWN_POLICY_ATTRIBUTES = tuple(
    f"_csp_{part}{suffix}" for part in ("config", "update", "replace") for suffix in ("", "_ro")
)
DEBUG_PAGES = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)


@cache
def policy_template(*, report_only: bool, with_nonce: bool) -> str:
    """django-csp's policy text from the settings ("" when that policy is not configured), with
    `NONCE_PLACEHOLDER` where a nonce goes (`with_nonce`) or the nonce sources left out."""
    return build_policy(nonce=NONCE_PLACEHOLDER if with_nonce else None, report_only=report_only)


def settings_policy(*, report_only: bool, nonce: str | None) -> str:
    """The settings' policy for a response whose request drew `nonce` (None: none drawn)."""
    template = policy_template(report_only=report_only, with_nonce=nonce is not None)
    return template if nonce is None else template.replace(NONCE_PLACEHOLDER, nonce)


@cache
def excluded_prefixes(*, report_only: bool) -> tuple[str, ...]:
    """The policy's EXCLUDE_URL_PREFIXES: paths whose responses get no such header."""
    return tuple((getattr(settings, CSP_SETTINGS[report_only], None) or {}).get("EXCLUDE_URL_PREFIXES") or ())


@receiver(setting_changed)
def _forget_policies(*, setting: str, **_: object) -> None:
    if setting in CSP_SETTINGS.values():
        policy_template.cache_clear()
        excluded_prefixes.cache_clear()


class CachedPolicyCSPMiddleware(CSPMiddleware):
    """`CSPMiddleware` writing the settings' policies from texts built once (see the module docstring)."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if any(getattr(response, name, None) is not None for name in OWN_POLICY_ATTRIBUTES):
            return super().process_response(request, response)  # a view's own policy parts: the library's way
        if response.status_code in DEBUG_PAGES and settings.DEBUG:
            return response  # Django's debug pages, as django-csp leaves them
        nonce = getattr(request, "_csp_nonce", None)
        for report_only, header in ((False, HEADER), (True, HEADER_REPORT_ONLY)):
            policy = settings_policy(report_only=report_only, nonce=nonce)
            if policy and _header_wanted(request, response, header, report_only):
                response[header] = policy
        if nonce is None:  # as django-csp: a nonce drawn after the header is written is an error
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


def _header_wanted(request: HttpRequest, response: HttpResponseBase, header: str, report_only: bool) -> bool:
    """django-csp's conditions: the view set no such header, did not exempt itself, and the path is not
    under one of the policy's EXCLUDE_URL_PREFIXES."""
    exempt = getattr(response, "_csp_exempt_ro" if report_only else "_csp_exempt", False) is not False
    excluded = request.path_info.startswith(excluded_prefixes(report_only=report_only))
    return header not in response and not exempt and not excluded
