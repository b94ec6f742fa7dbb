"""The left navigation: each app adds its modules when it lands, so no link leads to an unbuilt page."""

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


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
_BY_NAME: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    if item.url_name not in _BY_NAME:
        _BY_NAME[item.url_name] = item
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
    """The menu's entries, each section's heading before its first entry. Written in Python, and each entry's
    markup kept per language: the template's loop over some fifty entries cost every page about 3 ms, and
    escaping them on every page another."""
    language, parts = get_language(), []
    section: str | None = None
    for shown in items:
        item = shown.item
        url = item.url
        heading, plain = _entry(item.url_name, url, language)
        if heading != section:
            section = heading
            if heading:
                parts.append(_heading(heading))
        here = url == current_path
        parts.append(_entry_html(item, here=here, count=shown.count) if here or shown.count else plain)
    return mark_safe("\n".join(parts))  # every part is escaped by format_html


@functools.cache
def _entry(url_name: str, url: str, language: str) -> tuple[str, SafeString]:
    """An entry's section heading and its markup when it is neither the current page nor counting anything, at
    this address in this language (which its lazy texts read when made)."""
    item = _BY_NAME[url_name]
    return str(item.section), _entry_html(item, here=False, count=0)


def _heading(section: str) -> SafeString:
    return format_html(
        '<li class="nav-item nav-section-title mt-3 text-uppercase small text-secondary px-3">{}</li>', section
    )


def _entry_html(item: NavItem, *, here: bool, count: int) -> SafeString:
    return format_html(
        '<li class="nav-item{}"><a class="nav-link" href="{}"{}><span class="nav-link-icon">'
        '<i class="ti ti-{}" aria-hidden="true"></i></span><span class="nav-link-title">{}</span>{}</a></li>',
        " active" if here else "",
        item.url,
        CURRENT if here else "",
        item.icon,
        item.label,
        format_html('<span class="badge bg-red text-red-fg ms-auto" data-nav-badge>{}</span>', count) if count else "",
    )


def needs(code: str) -> Callable[[HttpRequest], bool]:
    """Visibility for an item that needs a permission code."""
    from .permissions import has_perm

    return lambda request: has_perm(request.user, code)
