"""Routes of the REST API v1; each app contributes its resources here."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from guanxi.org import api as org_api

router = SimpleRouter()
router.register("users", org_api.UserViewSet, basename="user")
router.register("departments", org_api.DepartmentViewSet, basename="department")
router.register("teams", org_api.TeamViewSet, basename="team")
router.register("roles", org_api.RoleViewSet, basename="role")
router.register("business-units", org_api.BusinessUnitViewSet, basename="business-unit")

urlpatterns = [
    path("auth/token/", org_api.TokenView.as_view(), name="api-token"),
    path("me/", org_api.MeView.as_view(), name="api-me"),
    *router.urls,
]
