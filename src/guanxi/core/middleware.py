import json
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from .context import client_ip
from .errors import NotPermitted
from .memo import remembering


def ip_of(request: HttpRequest) -> str | None:
    """The client's address; behind a trusted proxy the first X-Forwarded-For entry."""
    if settings.SECURE_PROXY_SSL_HEADER and (forwarded := request.META.get("HTTP_X_FORWARDED_FOR")):
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Remember the client's IP for the audit log; turn a service's NotPermitted into the 403 page. A read
    (GET, HEAD) reads each piece of configuration once (``core.memo``): a list page asked for the same custom
    fields four times; a request that may write reads it afresh each time."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_ip.set(ip_of(request))
        try:
            if request.method in ("GET", "HEAD"):
                with remembering():
                    return self.get_response(request)
            return self.get_response(request)
        finally:
            client_ip.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotPermitted):
            raise PermissionDenied(str(exception.message)) from exception
        return None


NUL = "\x00"
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


# Routes that take uploads with a known ceiling: view name → largest body accepted (see limit_upload).
UPLOAD_LIMITS: dict[str, int] = {}


def limit_upload(view_name: str, max_bytes: int) -> None:
    """Refuse a body larger than ``max_bytes`` on this route before it is read (apps call it in ready())."""
    UPLOAD_LIMITS[view_name] = max_bytes


class RequestSizeMiddleware:
    """A request whose declared body is larger than its route takes (or than ``MAX_REQUEST_BYTES`` anywhere)
    answers 413 before anything reads the body: a 60 MB file sent to the import wizard costs neither the
    upload's disk nor a worker's minutes. Its place: before the NUL check and any view's process_view (CSRF),
    which read the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = self._limit(request, length)
        if length <= limit:
            return self.get_response(request)
        message = _("The request is larger than %(size)s MB; send a smaller file.") % {"size": f"{limit / 2**20:g}"}
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=413)
        return render(request, "413.html", {"message": message}, status=413)

    @staticmethod
    def _limit(request: HttpRequest, length: int) -> int:
        limit = int(settings.MAX_REQUEST_BYTES)
        if UPLOAD_LIMITS and length > min(UPLOAD_LIMITS.values()):  # resolve only bodies that could be too large
            with suppress(Resolver404):
                limit = min(limit, UPLOAD_LIMITS.get(resolve(request.path_info).view_name, limit))
        return limit


class RefuseNulMiddleware:
    """A NUL character anywhere in the path, the query or the body (form or JSON) answers 400 naming where it
    is, before any view: PostgreSQL can neither store nor compare it, so it must never reach a query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = [name for name, value in _inputs(request) if _holds_nul(value)]
        if not found:
            return self.get_response(request)
        message = _("Remove the NUL character (\\0): it is not allowed.")
        if request.path.startswith("/api/"):
            return JsonResponse({name: [message] for name in found}, status=400)
        return render(request, "400.html", {"message": message, "fields": found}, status=400)


def _inputs(request: HttpRequest) -> list[tuple[str, Any]]:
    """(name, value) of every input: the path, each query parameter and each top-level body field."""
    inputs: list[tuple[str, Any]] = [("path", request.path), *_fields(request.GET)]
    if request.content_type == "application/json":
        with suppress(ValueError, RecursionError):  # not JSON: the API's parser refuses it with its own message
            inputs += _fields(json.loads(request.body))
    elif request.method == "POST" and request.content_type in FORMS:
        inputs += _fields(request.POST)
    elif request.content_type == "application/x-www-form-urlencoded":  # PUT, PATCH
        inputs += _fields(QueryDict(request.body))
    return inputs


def _fields(data: Any) -> list[tuple[str, Any]]:
    if isinstance(data, QueryDict):
        return [(_printable(name), [name, *values]) for name, values in data.lists()]
    if isinstance(data, dict):
        return [(_printable(name), [name, value]) for name, value in data.items()]
    return [("non_field_errors", data)]


def _printable(name: str) -> str:
    return name.replace(NUL, "\\0")


def _holds_nul(value: Any) -> bool:
    """Whether a NUL hides in the value, its keys or items at any depth (a loop: JSON may nest deeply)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item
    return False
