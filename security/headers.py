"""Response headers beyond Django's SecurityMiddleware: a CSP nonce on every response, `no-store` on the API.

`ResponseHeadersMiddleware` sits after django-csp's `CSPMiddleware` in `settings.MIDDLEWARE`:

- on the way in it draws the request's CSP nonce (`request.csp_nonce`, 16 bytes from `os.urandom`, base64).
  django-csp adds the nonce to the header only once something has read it; drawing it here gives every
  response, the admin's included, its own nonce in `script-src` and `style-src`, ready for any inline
  script or style a template adds with `nonce="{{ request.csp_nonce }}"`;
- on the way out it sets `Cache-Control: no-store` on every response under `/bot/` (the webhook, the
  ledger's notifications) and `/api/` (the operator API) that has no Cache-Control of its own, errors
  included: those answers carry personal data or secrets and must never sit in a shared cache.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

NO_STORE_PREFIXES = ("/bot/", "/api/")


class ResponseHeadersMiddleware:
    """Draw the CSP nonce for every request; `Cache-Control: no-store` on the webhook, notify and API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        nonce = getattr(request, "csp_nonce", None)
        if nonce is not None:
            str(nonce)  # evaluates django-csp's lazy nonce, so its header names it
        response = self.get_response(request)
        if request.path_info.startswith(NO_STORE_PREFIXES) and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
