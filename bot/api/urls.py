"""Routes of the operator API, included under /api/ by config/urls.py (README "Operator API")."""

from django.urls import path, re_path

from bot.api import views
from security.validation import WA_ID_PATTERN

# A member's WhatsApp id: 6–15 ASCII digits, no leading 0 (anything else is 404 before any view runs).
WA_ID = rf"(?P<wa_id>{WA_ID_PATTERN})"

urlpatterns = [
    path("token/", views.TokenObtainView.as_view(), name="api-token"),
    path("token/refresh/", views.TokenRefreshGuardedView.as_view(), name="api-token-refresh"),
    path("health/", views.HealthView.as_view(), name="api-health"),
    path("breaker/", views.BreakerView.as_view(), name="api-breaker"),
    path("audit/", views.AuditListView.as_view(), name="api-audit"),
    re_path(rf"^members/{WA_ID}/export/$", views.MemberExportView.as_view(), name="api-member-export"),
    re_path(rf"^members/{WA_ID}/erase/$", views.MemberEraseView.as_view(), name="api-member-erase"),
    path("schema/", views.SchemaView.as_view(), name="api-schema"),
]
