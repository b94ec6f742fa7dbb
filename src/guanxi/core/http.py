from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from guanxi.org.models import User


class AuthedRequest(HttpRequest):
    """The request of a view behind login_required: its user is a real User."""

    user: User
    htmx: HtmxDetails
