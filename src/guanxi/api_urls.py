"""Routes of the REST API v1; each app contributes its resources here."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from guanxi.core.auditlog import api as audit_api
from guanxi.core.notifications import api as notification_api
from guanxi.customers import region_api
from guanxi.org import api as org_api

router = SimpleRouter(use_regex_path=False)
router.register("users", org_api.UserViewSet, basename="user")
router.register("departments", org_api.DepartmentViewSet, basename="department")
router.register("teams", org_api.TeamViewSet, basename="team")
router.register("roles", org_api.RoleViewSet, basename="role")
router.register("business-units", org_api.BusinessUnitViewSet, basename="business-unit")
router.register("notifications", notification_api.NotificationViewSet, basename="notification")
router.register("audit", audit_api.AuditViewSet, basename="audit")
router.register("regions", region_api.RegionViewSet, basename="region")

urlpatterns = [
    path("auth/token/", org_api.TokenView.as_view(), name="api-token"),
    path("me/", org_api.MeView.as_view(), name="api-me"),
    *router.urls,
]
