"""The left navigation: each app adds its modules when it lands, so no link leads to an unbuilt page."""

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


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
        return _reversed(self.url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@functools.cache
def _reversed(url_name: str, script_prefix: str, urlconf: str) -> str:
    """A menu entry's address: the same on every page under one script prefix and URL configuration, so it is
    reversed once per process rather than up to three times per entry on every page."""
    return reverse(url_name, urlconf=urlconf)


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


CURRENT = mark_safe(' aria-current="page"')


def menu_html(items: Iterable[ShownItem], current_path: str) -> SafeString:
    """The menu's entries, each section's heading before its first entry. Written in Python: the template's loop
    over some fifty entries cost every page about 3 ms."""
    parts: list[SafeString] = []
    section: str | None = None
    for item in items:
        if str(item.section) != section:
            section = str(item.section)
            if section:
                parts.append(
                    format_html(
                        '<li class="nav-item nav-section-title mt-3 text-uppercase small text-secondary px-3">{}</li>',
                        section,
                    )
                )
        url = item.url
        here = url == current_path
        parts.append(
            format_html(
                '<li class="nav-item{}"><a class="nav-link" href="{}"{}><span class="nav-link-icon">'
                '<i class="ti ti-{}" aria-hidden="true"></i></span><span class="nav-link-title">{}</span>{}</a></li>',
                " active" if here else "",
                url,
                CURRENT if here else "",
                item.icon,
                item.label,
                format_html('<span class="badge bg-red text-red-fg ms-auto" data-nav-badge>{}</span>', item.count)
                if item.count
                else "",
            )
        )
    return format_html_join("\n", "{}", ((part,) for part in parts))


def needs(code: str) -> Callable[[HttpRequest], bool]:
    """Visibility for an item that needs a permission code."""
    from .permissions import has_perm

    return lambda request: has_perm(request.user, code)
