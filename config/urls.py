"""Root URLconf: the WhatsApp edge under /bot/, the operator API under /api/, the liveness and readiness
probes, the Prometheus scrape (/metrics, token-gated: bot/metrics_view.py), the admin, and the development
chat under /dev/ only where the `devtools` app is installed (DEBUG and MOCK_TESTING_ENABLED both on,
config/settings/__init__.py)."""

from django.apps import apps
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path

from bot.metrics_view import scrape
from bot.readiness import failed_checks
from security import admin_site  # noqa: F401 - makes admin.site the TOTP-only, rate-limited VimbisoAdminSite


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness only: the process answers. Readiness with dependencies is the operator API's health."""
    return HttpResponse("ok", content_type="text/plain")


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database can be written, both Redis answer and (queue mode) the stream is
    consumed; else 503 with the names of the failed checks (bot/readiness.py)."""
    failed = failed_checks()
    response = JsonResponse({"ready": not failed, "failed": failed}, status=503 if failed else 200)
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("bot/", include("bot.urls")),
    path("api/", include("operator_api.urls")),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", scrape, name="metrics"),
    path("admin/", admin.site.urls),
]
if apps.is_installed("devtools"):
    urlpatterns.append(path("dev/", include("devtools.urls")))
