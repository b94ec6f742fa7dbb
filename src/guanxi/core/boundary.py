"""Where a channel partner's people may go (the partner portal, SPEC §14.9).

A user who belongs to a channel partner (``core.scope.partner_of``) signs in on the same site as the
company's staff, but every page and API route outside the areas the portal declares answers 404 to them,
exactly like a missing page, before any view runs: a module added later is closed to them without knowing
about them. Two guards keep the boundary, one per way of signing in: the middleware for browser sessions and
the API's authentication classes for tokens (DRF authenticates a token inside the view, after middleware).
The data scope behind them (``core.scope``) shows such a user only their partner's rows in any case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme, TokenScheme
from rest_framework import authentication, exceptions

from .scope import partner_of

# (path prefix, the URL a partner's person lands on from "/"): the portal registers its pages and its API.
_AREAS: list[str] = []
_HOME: list[str] = []


def allow_partners(*prefixes: str, home: str | None = None) -> None:
    """Open these path prefixes to partners' people; ``home`` is where "/" sends them."""
    for prefix in prefixes:
        if prefix not in _AREAS:
            _AREAS.append(prefix)
    if home:
        _HOME[:] = [home]


def _always_open(path: str) -> bool:
    """What every signed-in person may reach: static files, the health check, sign-out and the language."""
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path.startswith(static) or path in ("/healthz", "/logout/", "/language/")


def partner_may_enter(path: str) -> bool:
    return _always_open(path) or any(path.startswith(prefix) for prefix in _AREAS)


class PartnerBoundaryMiddleware:
    """A partner's person in a browser session: the portal's pages and API, nothing else (404)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or partner_of(user) is None or partner_may_enter(request.path):
            return self.get_response(request)
        if request.path == "/" and _HOME:
            return redirect(_HOME[0])
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
        raise Http404


class _Bounded:
    """An API authentication that refuses (404) a partner's person outside the portal's routes."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        found = super().authenticate(request)  # type: ignore[misc]
        if found is not None and partner_of(found[0]) is not None and not partner_may_enter(request.path):
            raise exceptions.NotFound
        return found


class TokenAuthentication(_Bounded, authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        """DRF's, reading the user's department with the token: nearly every request asks for it."""
        model: Any = self.get_model()
        try:  # get(), not first(): no ORDER BY to compile for the one row a key names
            token = model._default_manager.select_related("user__department").get(key=key)
        except model.DoesNotExist:
            return super().authenticate_credentials(key)  # DRF's own refusal, in its words
        if not token.user.is_active:
            return super().authenticate_credentials(key)
        return token.user, token


class SessionAuthentication(_Bounded, authentication.SessionAuthentication):
    pass


class TokenSchemeBounded(TokenScheme):
    """The API description names these as DRF's own (``tokenAuth``, ``cookieAuth``)."""

    target_class = "guanxi.core.boundary.TokenAuthentication"


class SessionSchemeBounded(SessionScheme):
    target_class = "guanxi.core.boundary.SessionAuthentication"
