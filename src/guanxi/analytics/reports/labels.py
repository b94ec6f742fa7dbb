"""How report keys are named: people, departments, dictionary items, choices, provinces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from guanxi.core.config.dictionary import dictionary_labels
from guanxi.org.models import Department, User

from ..framework import Labels


def people(keys: list[Any]) -> dict[Any, str]:
    rows = User.objects.filter(pk__in=keys).order_by("display_name").values_list("pk", "display_name", "username")
    return {pk: name or username for pk, name, username in rows}


def departments(keys: list[Any]) -> dict[Any, str]:
    return dict(Department.objects.filter(pk__in=keys).values_list("pk", "name"))


def dictionary(type_code: str) -> Labels:
    def labels(keys: list[Any]) -> dict[Any, str]:
        known = dictionary_labels(type_code)
        return {key: known.get(key, key) for key in keys}

    return labels


def choices(choice_type: type[models.Choices], complete: bool = False) -> Labels:
    def labels(keys: list[Any]) -> dict[Any, str]:
        named = {value: str(label) for value, label in choice_type.choices}
        if complete:
            return named
        return {key: named.get(key, str(key)) for key in keys}

    return labels


def fixed(pairs: Callable[[], list[tuple[Any, str]]]) -> Labels:
    def labels(keys: list[Any]) -> dict[Any, str]:
        named = dict(pairs())
        return {key: named.get(key, str(key)) for key in keys}

    return labels


def provinces(keys: list[Any]) -> dict[Any, str]:
    from guanxi.customers.regions.services import region_names

    names = region_names(keys)
    return {key: names.get(key, key) for key in keys}
