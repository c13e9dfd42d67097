"""`security.csp.CachedPolicyCSPMiddleware` writes exactly the headers django-csp's own middleware writes,
case by case (nonce or none, report-only, exemptions, excluded paths, a view's own header or policy parts,
debug pages), and follows a change of the CSP settings at once."""

from __future__ import annotations

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE, SELF
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from security.csp import CachedPolicyCSPMiddleware

REPORT_ONLY = {"DIRECTIVES": {"default-src": [SELF], "script-src": [SELF, NONCE], "report-uri": "/csp/"}}
NONCE_VALUE = "bm9uY2Utb2YtdGhpcy1yZXF1ZXN0"


def _headers(middleware_class: type, *, path: str = "/admin/", nonce: bool = True, status: int = 200,
             view=None) -> dict[str, str | None]:  # fmt: skip
    """The two CSP headers `middleware_class` gives the response `view` makes for a request to `path`."""
    request = RequestFactory().get(path)
    middleware = middleware_class(lambda req: view(req) if view else HttpResponse(status=status))
    if nonce:
        request._csp_nonce = NONCE_VALUE  # as drawn by security.headers (the same for both middlewares)
    response = middleware(request)
    return {name: response.headers.get(name) for name in (HEADER, HEADER_REPORT_ONLY)}


def _same_as_django_csp(**case) -> dict[str, str | None]:
    ours, theirs = _headers(CachedPolicyCSPMiddleware, **case), _headers(CSPMiddleware, **case)
    assert ours == theirs
    return ours


def test_the_settings_policy_with_the_requests_nonce():
    headers = _same_as_django_csp()
    assert f"'nonce-{NONCE_VALUE}'" in headers[HEADER] and headers[HEADER_REPORT_ONLY] is None


def test_no_nonce_drawn_leaves_the_nonce_source_out():
    headers = _same_as_django_csp(nonce=False)
    assert "nonce-" not in headers[HEADER] and "script-src 'self'" in headers[HEADER]


def test_a_nonce_drawn_after_the_header_is_written_is_an_error():
    request = RequestFactory().get("/")
    CachedPolicyCSPMiddleware(lambda req: HttpResponse())(request)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_report_only_policy_too(settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = REPORT_ONLY
    headers = _same_as_django_csp()
    assert "report-uri /csp/" in headers[HEADER_REPORT_ONLY]
    assert f"'nonce-{NONCE_VALUE}'" in headers[HEADER_REPORT_ONLY]


def test_a_changed_policy_is_written_from_the_next_response_on(settings):
    before = _same_as_django_csp()[HEADER]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [SELF], "img-src": ["data:"]}}
    after = _same_as_django_csp()[HEADER]
    assert after != before and "img-src data:" in after


def test_excluded_prefix_exempt_view_and_a_views_own_header(settings):
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "EXCLUDE_URL_PREFIXES": ["/bot/"]}
    assert _same_as_django_csp(path="/bot/webhook")[HEADER] is None

    def exempt(request):
        response = HttpResponse()
        response._csp_exempt = True
        return response

    def own_header(request):
        response = HttpResponse()
        response[HEADER] = "default-src 'none'"
        return response

    assert _same_as_django_csp(view=exempt)[HEADER] is None
    assert _same_as_django_csp(view=own_header)[HEADER] == "default-src 'none'"


def test_a_views_own_policy_parts_are_applied():
    def updated(request):
        response = HttpResponse()
        response._csp_update = {"img-src": ["https://cdn.example.org"]}
        return response

    assert "img-src https://cdn.example.org" in _same_as_django_csp(view=updated)[HEADER]


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("status", [404, 500])
def test_debug_pages_as_django_csp_leaves_them(settings, debug, status):
    settings.DEBUG = debug
    headers = _same_as_django_csp(status=status)
    assert (headers[HEADER] is None) is debug
