"""Routes of the REST API v1; each app contributes its resources here."""

from django.urls import path

from guanxi.org import api as org_api

urlpatterns = [
    path("auth/token/", org_api.TokenView.as_view(), name="api-token"),
    path("me/", org_api.MeView.as_view(), name="api-me"),
]
