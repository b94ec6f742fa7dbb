"""The organisation as the kernel names it. Core sits below org: its gate, audit, notifications and settings
need the user, their business unit and their department, but never org's code. So they name org's models by
label, as Django's own apps name the user model and as core's foreign keys do (``"org.BusinessUnit"``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.apps import apps
from django.contrib.auth import get_user_model

if TYPE_CHECKING:
    from guanxi.org.models import BusinessUnit, Department, User


def user_model() -> type[User]:
    return get_user_model()  # AUTH_USER_MODEL is org.User


def unit_model() -> type[BusinessUnit]:
    return cast("type[BusinessUnit]", apps.get_model("org", "BusinessUnit"))


def department_model() -> type[Department]:
    return cast("type[Department]", apps.get_model("org", "Department"))
