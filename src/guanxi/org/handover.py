"""What a user can own. Every module registers its owned record types here, so when a user leaves the
handover moves all of them and nothing can stay with a departed user (SPEC §1.4)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise


@dataclass(frozen=True)
class OwnedType:
    model: type[models.Model]
    field: str  # the foreign key to the owning user
    label: str | Promise
    # When set, these records may instead go back to a pool: called with (actor, queryset).
    to_pool: Callable[..., int] | None = None
    # Rows that count as "owned" (e.g. only open plans); default every row.
    owned: Callable[[models.QuerySet], models.QuerySet] | None = None
    # Called with (rows, successor) just before the rows go to the successor, in the same transaction: the
    # records that keep a copy of the owner follow them.
    moving: Callable[[models.QuerySet, models.Model], object] | None = None

    def rows_of(self, user: models.Model) -> models.QuerySet:
        rows = self.model._default_manager.filter(**{self.field: user})
        return self.owned(rows) if self.owned else rows


_TYPES: list[OwnedType] = []


def register_owned(owned: OwnedType) -> None:
    _TYPES.append(owned)


def owned_types() -> list[OwnedType]:
    return list(_TYPES)


def register() -> None:
    """What a leaving user hands over of the organisation: departments and teams led, direct reports."""
    from django.utils.translation import gettext_lazy as _

    from .models import Department, Team, User

    register_owned(OwnedType(Department, "lead", _("Departments led")))
    register_owned(OwnedType(Team, "lead", _("Teams led")))
    register_owned(
        OwnedType(User, "manager", _("Direct reports"), owned=lambda rows: rows.exclude(status=User.Status.LEFT))
    )
