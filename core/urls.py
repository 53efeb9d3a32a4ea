from django.urls import path
from rest_framework.routers import SimpleRouter

from core import apis

router = SimpleRouter(trailing_slash=False)
router.register("audit-logs", apis.AuditLogViewSet, basename="audit-log")
router.register("api-keys", apis.ApiKeyViewSet, basename="api-key")
router.register("members", apis.MembershipViewSet, basename="member")

urlpatterns = [
    path("tenant", apis.CurrentTenantView.as_view(), name="current-tenant"),
    path("restore", apis.RestoreView.as_view(), name="restore"),
    *router.urls,
]
