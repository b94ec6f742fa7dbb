"""Panels on a record's page that apps above the record's own add (the documents of an opportunity or a
ticket, the scripts for an opportunity's stage): each loads itself from its app's URL, so the record's app
knows none of them. ``{% record_panels obj %}`` (core/templatetags/panels.py) shows them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Panel:
    code: str
    label: str | Promise
    url_name: str  # reversed with (record label, record pk), e.g. ("sales.opportunity", 42)
    permission: str = ""


_PANELS: dict[str, list[Panel]] = {}


def register_panel(record_label: str, panel: Panel) -> None:
    panels = _PANELS.setdefault(record_label, [])
    if panel.code not in {existing.code for existing in panels}:
        panels.append(panel)


def panels_of(record_label: str) -> list[Panel]:
    return list(_PANELS.get(record_label, []))
