"""Analytics' only writes: sales targets (a grid of a department's months at once), saved report views and
the dashboard's cards. Each in one transaction, validated whole before anything is written."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import Conflict, DomainError
from guanxi.core.permissions import grants_of, require_perm
from guanxi.core.scope import Scope
from guanxi.io.reading import BadFile, as_text, folded, read_table
from guanxi.org.models import Department, User
from guanxi.org.selectors import departments_in_scope, people_in_scope

from .models import DashboardLayout, SavedView, Target, TargetKind

CELL = re.compile(r"^(?P<row>u\d+|d\d+|unit)-(?P<month>\d{1,2})$")
MAX_TARGET = Decimal("9999999999999")


def _row_owner(actor: User, row: str) -> tuple[Department | None, User | None] | None:
    """The department and user of a grid row the actor may set, or None when they may not."""
    if row == "unit":
        return (None, None) if grants_of(actor).scope("targets") in (Scope.UNIT, Scope.ALL) else None
    pk = int(row[1:])
    if row.startswith("d"):
        departments = departments_in_scope(actor, "targets")
        found = (
            departments.filter(pk=pk, business_unit_id=actor.business_unit_id).first()
            if departments is not None
            else None
        )
        return (found, None) if found else None
    people = people_in_scope(actor, "targets")
    person = people.filter(pk=pk).select_related("department").first() if people is not None else None
    if person is None or person.department is None or person.business_unit_id != actor.business_unit_id:
        return None
    return person.department, person


def _value(raw: str, kind: str) -> Decimal | None:
    text = raw.strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise DomainError(_("Enter a number.")) from None
    if not value.is_finite():
        raise DomainError(_("Enter a number."))
    if value < 0:
        raise DomainError(_("A target cannot be negative."))
    if value > MAX_TARGET:
        raise DomainError(_("This target is too large."))
    if kind == TargetKind.COUNT and value != value.to_integral_value():
        raise DomainError(_("A count target is a whole number."))
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise DomainError(_("At most two decimal places."))
    return value


ROW_KEY = re.compile(r"^(u\d+|d\d+|unit)$")


def targets_cells_read(content: bytes, file_name: str) -> dict[str, str]:
    """The cells of a targets file (the grid's own template: a row key, a name, then months 1–12), ready for
    ``targets_set``. A row whose key is not a grid row's refuses the whole file, naming the row."""
    table = read_table(content, file_name)
    if len(table.headers) < 14:
        raise BadFile(_("Use the template: a key, a name and twelve months in each row."))
    cells: dict[str, str] = {}
    for number, row in enumerate(table.rows, start=2):
        key = as_text(row[0]).strip()
        if not key and not any(as_text(cell).strip() for cell in row[2:14]):
            continue  # an empty line
        if not ROW_KEY.match(key):
            raise BadFile(_("Row %(row)s: its key “%(key)s” is not a row of the grid.") % {"row": number, "key": key})
        for month, cell in enumerate(row[2:14], start=1):
            cells[f"{key}-{month}"] = folded(cell)
    return cells


@transaction.atomic
def targets_set(*, actor: User, year: int, kind: str, cells: Mapping[str, str]) -> int:
    """Set a grid of monthly targets (``u<user>-<month>``, ``d<department>-<month>``, ``unit-<month>`` → value;
    an empty cell removes that month's target). Every cell is checked first; one bad cell saves nothing and
    each bad cell gets its own message. Answers how many cells changed."""
    require_perm(actor, "targets.configure")
    if actor.business_unit_id is None:
        raise DomainError(_("You belong to no business unit."), code="not_permitted")
    if kind not in TargetKind.values:
        raise DomainError(_("Choose amount or count."), field="kind")
    if not 2000 <= year <= 2100:
        raise DomainError(_("Choose a year between 2000 and 2100."), field="year")
    errors: dict[str, list[str]] = {}
    wanted: list[tuple[Department | None, User | None, int, Decimal | None]] = []
    owners: dict[str, tuple[Department | None, User | None] | None] = {}
    for name, raw in cells.items():
        match = CELL.match(name)
        if not match or not 1 <= int(match["month"]) <= 12:
            errors.setdefault(name, []).append(_("There is no such cell."))
            continue
        row = match["row"]
        if row not in owners:
            owners[row] = _row_owner(actor, row)
        owner = owners[row]
        if owner is None:
            errors.setdefault(name, []).append(_("You may not set this target."))
            continue
        try:
            value = _value(str(raw), kind)
        except DomainError as error:
            errors.setdefault(name, []).append(str(error.message))
            continue
        wanted.append((owner[0], owner[1], int(match["month"]), value))
    if errors:
        raise ValidationError(errors)
    changed = 0
    now = timezone.now()
    for department, user, month, value in wanted:
        key = {
            "business_unit_id": actor.business_unit_id,
            "department": department,
            "user": user,
            "kind": kind,
            "year": year,
            "month": month,
        }
        current = Target.objects.select_for_update().filter(**key).first()
        if value is None:
            if current is not None:
                current.delete()
                changed += 1
            continue
        if current is None:
            try:
                with transaction.atomic():
                    Target.objects.create(**key, value=value, updated_at=now, updated_by=actor)
            except IntegrityError:
                raise Conflict(_("Someone else saved these targets at the same time. Reload and try again.")) from None
            changed += 1
        elif current.value != value:
            current.value = value
            current.updated_at = now
            current.updated_by = actor
            current.save(update_fields=["value", "updated_at", "updated_by"])
            changed += 1
    if changed:
        audit_log(
            actor=actor,
            action=Action.UPDATE,
            object_type="analytics.target",
            object_repr=f"{year} {kind}",
            changes={"cells": changed},
            note=str(changed),
        )
    return changed


# --- saved views -------------------------------------------------------------------------------------------


@transaction.atomic
def saved_view_create(*, actor: User, report: str, name: str, query: str) -> SavedView:
    name = name.strip()
    if not name:
        raise DomainError(_("Give the view a name."), field="name")
    if SavedView.objects.filter(user=actor, report=report, name=name).exists():
        raise DomainError(_("You already have a view with this name."), field="name", code="duplicate")
    try:
        with transaction.atomic():
            return SavedView.objects.create(user=actor, report=report, name=name, query=query[:1000])
    except IntegrityError:
        raise DomainError(_("You already have a view with this name."), field="name", code="duplicate") from None


@transaction.atomic
def saved_view_delete(*, actor: User, view: SavedView) -> None:
    if view.user_id != actor.pk:
        raise DomainError(_("This is not your view."), code="not_permitted")
    view.delete()


# --- the dashboard -----------------------------------------------------------------------------------------


@transaction.atomic
def dashboard_layout_set(*, actor: User, cards: Sequence[str], available: Sequence[str]) -> DashboardLayout:
    """The cards the user chose, in their order; unknown or unavailable cards are refused."""
    unknown = [code for code in cards if code not in available]
    if unknown:
        raise DomainError(
            _("These cards are not available to you: %(cards)s") % {"cards": ", ".join(unknown)}, field="cards"
        )
    unique: list[str] = list(dict.fromkeys(cards))
    layout, _created = DashboardLayout.objects.select_for_update().get_or_create(user=actor)
    layout.cards = unique
    layout.updated_at = timezone.now()
    layout.save(update_fields=["cards", "updated_at"])
    return layout


def cell_name(row: str, month: int) -> str:
    return f"{row}-{month}"
