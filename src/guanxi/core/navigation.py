"""The left navigation: each app adds its modules when it lands, so no link leads to an unbuilt page."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    order: int = 100
    visible: Callable[[HttpRequest], bool] = field(default=lambda request: True)
    section: str | Promise = ""  # items of one section are listed together under its heading
    badge: Callable[[HttpRequest], int] | None = None  # a count shown beside the label (e.g. waiting approvals)

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if item.url_name not in {existing.url_name for existing in _ITEMS}:
        _ITEMS.append(item)
        _ITEMS.sort(key=lambda existing: existing.order)


@dataclass(frozen=True)
class ShownItem:
    """A menu entry as one request shows it, with its badge counted."""

    item: NavItem
    count: int = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.item, name)


def items_for(request: HttpRequest) -> list[ShownItem]:
    return [ShownItem(item, item.badge(request) if item.badge else 0) for item in _ITEMS if item.visible(request)]


def needs(code: str) -> Callable[[HttpRequest], bool]:
    """Visibility for an item that needs a permission code."""
    from .permissions import has_perm

    return lambda request: has_perm(request.user, code)
