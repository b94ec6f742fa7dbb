"""The dashboard (the home page) shows the panels the apps register in ``ready()``: core knows none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .http import AuthedRequest


@dataclass(frozen=True)
class Panel:
    template: str  # renders a column of the dashboard's row; its data is ``panel``
    data: Callable[[AuthedRequest], dict[str, Any]] = field(default=lambda request: {})
    order: int = 100


_PANELS: list[Panel] = []


def register(panel: Panel) -> None:
    _PANELS.append(panel)
    _PANELS.sort(key=lambda registered: registered.order)


def panels_for(request: AuthedRequest) -> list[tuple[str, dict[str, Any]]]:
    return [(panel.template, panel.data(request)) for panel in _PANELS]
