"""Pieces an app adds to every page of the shell (the call centre's pop-up), without the shell naming the
app: each registers a template and when it shows (``AppConfig.ready()``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class ShellPart:
    template: str
    shown: Callable[[HttpRequest], bool]


_PARTS: list[ShellPart] = []


def register(part: ShellPart) -> None:
    if part.template not in {known.template for known in _PARTS}:
        _PARTS.append(part)


def parts_for(request: HttpRequest) -> list[str]:
    """The templates to include at the end of the page for this request."""
    if not request.user.is_authenticated:
        return []
    return [part.template for part in _PARTS if part.shown(request)]
