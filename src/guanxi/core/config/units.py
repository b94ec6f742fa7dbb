"""Whose configuration is it (SPEC §1.1)? Dictionary types, custom fields, pipelines, plan templates and
custom roles belong to one business unit, or to none: group-wide. A unit's administrator changes only their
own unit's; group-wide items and other units' need the configure permission with the all-units scope.
Every configuration service asks here before it writes; reads go through the scope gate (``Rule(everyone=True,
unit=...)``), so no unit sees or uses another unit's configuration."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ..errors import NotPermitted
from ..permissions import grants_of, require_perm
from ..scope import Scope


def configures_all_units(actor: Any, code: str) -> bool:
    return grants_of(actor).scope_of(code) == Scope.ALL


def config_unit_check(*, actor: Any, code: str, unit_id: int | None) -> None:
    """Refuse unless the actor may change configuration of ``unit_id`` (None: group-wide) with ``code``."""
    require_perm(actor, code)
    if configures_all_units(actor, code):
        return
    if unit_id is None:
        raise NotPermitted(_("Only an administrator of all business units can change group-wide configuration."))
    scope = grants_of(actor).scope_of(code)
    if unit_id != actor.business_unit_id or scope is None or scope.width < Scope.UNIT.width:
        raise NotPermitted(_("This belongs to another business unit."))


def config_may_change(*, actor: Any, code: str, unit_id: int | None) -> bool:
    """For pages: offer a change only where ``config_unit_check`` would allow it."""
    try:
        config_unit_check(actor=actor, code=code, unit_id=unit_id)
    except NotPermitted:
        return False
    return True


def config_unit_for_new(*, actor: Any, code: str) -> int | None:
    """The unit a new item belongs to: a unit administrator's goes to their unit, an all-units
    administrator's is group-wide."""
    if configures_all_units(actor, code):
        return None
    config_unit_check(actor=actor, code=code, unit_id=actor.business_unit_id)
    return actor.business_unit_id
