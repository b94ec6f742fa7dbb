import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from guanxi.core.context import amounts_in_wan
from guanxi.core.middleware import ip_of

from . import security, two_factor
from .models import User


class UserLanguageMiddleware:
    """A signed-in user's chosen language wins over the browser's (LocaleMiddleware ran before us); their
    choice of amounts in 万 holds for the request too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = getattr(request.user, "language", "")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        token = amounts_in_wan.set(getattr(request.user, "amounts_in_wan", False))
        try:
            return self.get_response(request)
        finally:
            amounts_in_wan.reset(token)


TOUCH_EVERY = 60  # seconds between two notes of one session's use
SEEN_HERE_MAX = 10_000  # sessions this process remembers noting; forgotten all at once beyond that


class SessionActivityMiddleware:
    """Keep the online-users list (在线用户) current: note each signed-in session's use, at most once a
    minute per session (a cache key gates the write), so ordinary requests cost no database write. The process
    also remembers when the session was last noted, so within that minute a request does not ask the cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.seen_here: dict[str, float] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        # After the view, so the sign-in request itself counts with its new session key.
        if isinstance(user, User) and session is not None and session.session_key:
            key, now = session.session_key, time.time()
            if key in self.seen_here and now - self.seen_here[key] < TOUCH_EVERY:
                return response
            seen = cache.get(f"guanxi:session-seen:{key}")
            # The time is compared here rather than left to the key's expiry, so it follows the app's clock.
            if seen is None or now - seen >= TOUCH_EVERY:
                cache.set(f"guanxi:session-seen:{key}", now, timeout=TOUCH_EVERY * 2)
                security.session_touch(
                    session_key=key,
                    user=user,
                    ip=ip_of(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
                seen = now
            if len(self.seen_here) >= SEEN_HERE_MAX:
                self.seen_here.clear()
            self.seen_here[key] = seen
        return response


class TwoFactorRequiredMiddleware:
    """A user whose role requires two-factor sign-in but who has not set it up may use nothing but the
    set-up page (and sign-out) until they have."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if isinstance(user, User) and two_factor.setup_missing(user) and not _exempt(request.path):
            if request.path.startswith("/api/"):
                message = _("Set up two-factor sign-in before using Guanxi.")
                return JsonResponse({"detail": message, "code": "two_factor_setup_required"}, status=403)
            return redirect("org:security")
        return self.get_response(request)


def _exempt(path: str) -> bool:
    allowed = {reverse(name) for name in ("org:security", "org:logout", "org:set_language")}
    return path in allowed or path.startswith(("/" + settings.STATIC_URL.lstrip("/"), "/healthz"))
