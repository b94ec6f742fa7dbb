"""Records of other modules that a follow-up on a customer may be about (its open opportunities …). Those
modules sit above activities, so each registers a provider in ``AppConfig.ready()`` and the follow-up form
offers what they give without importing them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import models

from guanxi.customers.models import Customer
from guanxi.org.models import User

Provider = Callable[[User, Customer], Iterable[models.Model]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def reference(record: models.Model) -> str:
    """``app_label.model:pk``: how pages and forms name a related record (``?related=sales.opportunity:7``)."""
    return f"{record._meta.app_label}.{record._meta.model_name}:{record.pk}"


def related_choices(*, actor: User, customer: Customer) -> list[tuple[str, str]]:
    """(reference, label) of the customer's records the actor may see, for the follow-up form's picker."""
    return [(reference(row), str(row)) for provider in _providers for row in provider(actor, customer)]
