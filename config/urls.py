"""Root URLconf: the WhatsApp edge under /bot/, the liveness probe and the admin."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from security import admin_site  # noqa: F401 - makes admin.site the TOTP-only, rate-limited VimbisoAdminSite


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness only: the process answers. Readiness with dependencies is the operator API's health."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bot/", include("bot.urls")),
    path("api/", include("bot.api.urls")),
    path("dev/", include("bot.devchat_urls")),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
