"""Views of the operator API under /api/ (routes in `operator_api.urls`; README "Operator API").

Every view answers JSON with `Cache-Control: no-store`. All need an active staff user's access token
(`operator_api.auth`) and the Django permission the view names in `required_permission`, except `health`
and the two token endpoints. The token endpoint is guarded as the admin login is (`security.login_guard`: the
same per-address and per-username limit and lockout, in shared counters) and wants the TOTP code as well as
the password. Health reports whether each dependency answers, as "ok" or "error" only: no versions, host
names, URLs, error texts or secrets, so it is safe to expose.
"""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.db import connection
from django_redis import get_redis_connection
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import generics, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from credex_api.breaker import breaker_status
from credex_api.health import ledger_healthy
from operator_api import gdpr
from operator_api.auth import HasNamedPermission, OperatorJWTAuthentication, require_signing_key
from operator_api.gdpr_subject import UnknownMember
from operator_api.serializers import (
    AtomicTokenRefreshSerializer,
    AuditEventSerializer,
    AuditQuerySerializer,
    OperatorTokenObtainSerializer,
)
from security.login_guard import lockout_refusal, login_refusal
from security.redaction import mask_member

logger = logging.getLogger(__name__)

LEDGER_HEALTH_TIMEOUT_SECONDS = 2  # connect and read, each
AUDIT_PAGE_SIZE = 50


class OperatorJWTScheme(SimpleJWTScheme):
    """OpenAPI security scheme of `OperatorJWTAuthentication` (drf-spectacular extension, registered here)."""

    target_class = "operator_api.auth.OperatorJWTAuthentication"


def operator_endpoints_only(endpoints: list[tuple], **kwargs: Any) -> list[tuple]:
    """drf-spectacular preprocessing hook: the schema describes /api/ only (not /bot/notify)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


class NoStoreMixin:
    """`Cache-Control: no-store` on every answer, errors included."""

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        response["Cache-Control"] = "no-store"
        return response


class OperatorView(NoStoreMixin, APIView):
    """Base of the staff-only views; each names its `required_permission`."""

    authentication_classes = [OperatorJWTAuthentication]
    permission_classes = [HasNamedPermission]
    required_permission = ""


class TokenObtainView(NoStoreMixin, TokenObtainPairView):
    """`POST /api/token/`: username, password and TOTP code of an active staff user → access and refresh.

    Over the login limit → 429 (503 when it cannot count) before any password is checked; while django-axes
    has this username or address locked → 429 for the lockout's 30 minutes, whatever the password."""

    serializer_class = OperatorTokenObtainSerializer

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_signing_key()  # 503 before anything else while no token could be signed
        body = request.data
        username = body.get("username", "") if isinstance(body, dict) else ""
        refusal = login_refusal(request._request, username)
        if refusal is None:
            try:
                return super().post(request, *args, **kwargs)
            except AuthenticationFailed:
                if not getattr(request, "axes_locked_out", False):
                    raise
                refusal = lockout_refusal()
        headers = {"Retry-After": str(refusal.retry_after)}
        return Response({"detail": refusal.message}, status=refusal.status, headers=headers)


class TokenRefreshGuardedView(NoStoreMixin, TokenRefreshView):
    """`POST /api/token/refresh/`: a refresh token, usable once → a new access and refresh token."""

    serializer_class = AtomicTokenRefreshSerializer


class SchemaView(NoStoreMixin, SpectacularAPIView):
    """`GET /api/schema/`: the OpenAPI 3 schema (JSON), for operators only."""

    authentication_classes = [OperatorJWTAuthentication]
    permission_classes = [HasNamedPermission]
    required_permission = "bot.view_operator_api_schema"
    renderer_classes = [OpenApiJsonRenderer]


def _check(name: str, probe: Any) -> str:
    try:
        probe()
    except Exception as exc:  # any failure of a dependency is "error"; the class name goes to the log only
        logger.warning("health: %s check failed (%s)", name, type(exc).__name__)
        return "error"
    return "ok"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _ledger() -> None:
    if not ledger_healthy(timeout=LEDGER_HEALTH_TIMEOUT_SECONDS):
        raise RuntimeError("ledger health did not answer 200")


class HealthView(NoStoreMixin, APIView):
    """`GET /api/health/` (no auth): 200 when every dependency answers, else 503; which ones, nothing more."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT}, auth=[])
    def get(self, request: Request) -> Response:
        checks = {
            "database": _check("database", _database),
            "cache": _check("cache", lambda: get_redis_connection("default").ping()),
            "state": _check("state", lambda: get_redis_connection("state").ping()),
            "ledger": _check("ledger", _ledger),
        }
        healthy = all(value == "ok" for value in checks.values())
        body = {"status": "ok" if healthy else "degraded", "checks": checks}
        return Response(body, status=status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE)


class BreakerView(OperatorView):
    """`GET /api/breaker/`: the shared circuit breaker in front of the ledger."""

    required_permission = "credex_api.view_breaker"

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        try:
            return Response(breaker_status())
        except Exception as exc:  # the cache Redis holds it; without it there is nothing to show
            logger.warning("breaker status unavailable (%s)", type(exc).__name__)
            return Response(
                {"error": "breaker state unavailable"}, status=status.HTTP_503_SERVICE_UNAVAILABLE
            )


class AuditPagination(PageNumberPagination):
    page_size = AUDIT_PAGE_SIZE


def audit_model() -> Any:
    """`security.models.AuditEvent`, or None while the security app is not installed."""
    if not apps.is_installed("security"):
        return None
    try:
        return apps.get_model("security", "AuditEvent")
    except LookupError:
        return None


class AuditListView(NoStoreMixin, generics.ListAPIView):
    """`GET /api/audit/?action=&actor=&since=&until=&page=`: the audit log, newest first, 50 a page."""

    authentication_classes = [OperatorJWTAuthentication]
    permission_classes = [HasNamedPermission]
    required_permission = "security.view_auditevent"
    serializer_class = AuditEventSerializer
    pagination_class = AuditPagination

    @extend_schema(parameters=[AuditQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if audit_model() is None:
            return Response({"error": "audit log not available"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        query = AuditQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        rows = audit_model().objects.order_by("-at", "-id")
        lookups = {"action": "action", "actor": "actor", "since": "at__gte", "until": "at__lt"}
        return rows.filter(**{lookups[name]: value for name, value in filters.items() if name in lookups})


def _audit(request: Request, action: str, member: str, values: dict[str, Any]) -> None:
    """An audit row for an export or erasure, when `security.audit.record` exists (built alongside); the
    member masked (`mask_member`)."""
    try:
        from security import audit  # noqa: PLC0415 - optional: the audit log is built alongside
    except (ImportError, RuntimeError):  # RuntimeError: its app is not installed
        logger.info("audit log absent: %s of %s not audited", action, mask_member(member))
        return
    audit.record(
        action,
        actor=audit.staff(request.user.get_username()),
        obj=f"member:{mask_member(member)}",
        new=values,
        request=request,
    )


@extend_schema(responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT})
class MemberExportView(OperatorView):
    """`GET /api/members/<phone, BSUID or member key>/export/`: every registered personal-data field of the
    member, as JSON; 400 for a malformed name, 404 for a BSUID or key of no member (`gdpr_subject`)."""

    required_permission = "bot.export_member_data"

    def get(self, request: Request, member: str) -> Response:
        try:
            data = gdpr.export_member(member)
        except UnknownMember as unknown:
            return Response({"error": unknown.reason}, status=unknown.status)
        _audit(request, "member.exported", member, {"rows": sum(map(len, data["records"].values()))})
        return Response(data)


@extend_schema(
    request=None,
    responses={code: OpenApiTypes.OBJECT for code in (200, 400, 404, 409)},
)
class MemberEraseView(OperatorView):
    """`POST /api/members/<phone, BSUID or member key>/erase/`: pseudonymise the member's data, delete their
    identity and their Redis keys; 400 / 404 as the export."""

    required_permission = "bot.erase_member_data"

    def post(self, request: Request, member: str) -> Response:
        try:
            done = gdpr.erase_member(member)
        except UnknownMember as unknown:
            return Response({"error": unknown.reason}, status=unknown.status)
        except gdpr.ErasureRefused as refused:
            return Response({"error": refused.reason}, status=status.HTTP_409_CONFLICT)
        _audit(request, "member.erased", member, {"database": done["database"], "redis": done["redis"]})
        return Response(done)
