"""Routes of the operator API, included under /api/ by config/urls.py (README "Operator API")."""

from django.urls import path, re_path

from operator_api import views

# A member, named by their WhatsApp number, their BSUID or their member key: any one path segment here;
# the view checks it (`operator_api.gdpr_subject.resolve`: 400 with a reason when it is none of the three, 404
# when it names no member), after authentication, so an anonymous caller learns nothing.
MEMBER = r"(?P<member>[^/]{1,200})"

urlpatterns = [
    path("token/", views.TokenObtainView.as_view(), name="api-token"),
    path("token/refresh/", views.TokenRefreshGuardedView.as_view(), name="api-token-refresh"),
    path("health/", views.HealthView.as_view(), name="api-health"),
    path("breaker/", views.BreakerView.as_view(), name="api-breaker"),
    path("audit/", views.AuditListView.as_view(), name="api-audit"),
    re_path(rf"^members/{MEMBER}/export/$", views.MemberExportView.as_view(), name="api-member-export"),
    re_path(rf"^members/{MEMBER}/erase/$", views.MemberEraseView.as_view(), name="api-member-erase"),
    path("schema/", views.SchemaView.as_view(), name="api-schema"),
]
