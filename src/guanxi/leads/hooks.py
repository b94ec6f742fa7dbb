"""The steps the apps above leads add to its intake. Marketing sits above leads, so leads cannot import it:
it registers its step here in ``ready()`` and the intake calls it, inside its own transaction, once the new
lead is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Lead, LeadForm

# (*, lead, form): a visitor's lead arrived through a public web form (marketing: the campaign's touch)
CAPTURED: list[Callable[..., object]] = []


def register_captured(step: Callable[..., object]) -> None:
    if step not in CAPTURED:
        CAPTURED.append(step)


def captured(*, lead: Lead, form: LeadForm | None) -> None:
    for step in CAPTURED:
        step(lead=lead, form=form)
