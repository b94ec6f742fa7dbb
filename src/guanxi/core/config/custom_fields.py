"""Custom fields (自定义字段, SPEC §14.3): fields administrators add to a record type.

A record type takes part by having a ``custom`` JSONField and calling ``register_custom_fields_model``.
Values are stored plainly in that JSON under each field's key: text and dates as strings
(``"2026-11-22"``), numbers and money as JSON numbers, a choice as its dictionary item's code, a
multiple choice as a list of codes, a user as their id, yes/no as a boolean. Empty values are left out.

Choices come from a dictionary type (§14.1), so options are renamed, ordered and disabled there, and
an option in use cannot be deleted. A field with stored values cannot be deleted: disable it instead
(its values are kept and come back when it is enabled again)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils.dateparse import parse_date
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from ..audit import Action, audit_log, diff, snapshot
from ..errors import Conflict, DomainError
from ..memo import remembered
from ..models import CustomField, DictionaryItem, DictionaryType
from ..people import user_model
from ..permissions import require_perm
from ..scope import ScopedQuerySet
from .lookups import json_list_contains
from .units import config_unit_check, config_unit_for_new

CONFIGURE = "system.configure"
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TEXT = 500
MAX_NUMBER = Decimal("1e15")
Type = CustomField.Type

# --- registry of record types -----------------------------------------------------------------------


@dataclass(frozen=True)
class RecordType:
    label: str  # "org.user"
    model: type[models.Model]
    module: str  # the permission module whose ``edit`` lets a user change the values

    @property
    def name(self) -> str | Promise:
        return self.model._meta.verbose_name_plural or self.label


_RECORD_TYPES: dict[str, RecordType] = {}


def register_custom_fields_model(model: type[models.Model], *, module: str) -> None:
    """Let administrators add fields to ``model`` (which needs a JSONField named ``custom``)."""
    if not isinstance(model._meta.get_field("custom"), models.JSONField):
        raise TypeError(f"{model.__name__}.custom must be a JSONField")
    _RECORD_TYPES[model._meta.label_lower] = RecordType(model._meta.label_lower, model, module)


def record_types() -> list[RecordType]:
    return list(_RECORD_TYPES.values())


def record_type_get(model: type[models.Model] | str) -> RecordType:
    label = model if isinstance(model, str) else model._meta.label_lower
    try:
        return _RECORD_TYPES[label]
    except KeyError:
        raise Http404 from None


# --- reads ------------------------------------------------------------------------------------------


def record_unit(obj: Any) -> int | None:
    """The business unit whose custom fields a record has (a user's is their department's)."""
    return getattr(obj, "business_unit_id", None)


@remembered
def custom_fields_for(
    model: type[models.Model] | str, *, unit: int | None, enabled_only: bool = True
) -> list[CustomField]:
    """The fields a record of the type in business unit ``unit`` has: the group-wide ones and that unit's,
    in their order (the enabled ones unless asked otherwise). Another unit's fields never apply."""
    fields = CustomField.objects.filter(
        Q(business_unit__isnull=True) | Q(business_unit_id=unit), model=record_type_get(model).label
    ).select_related("dictionary_type")
    return list(fields.filter(is_enabled=True) if enabled_only else fields)


def custom_field_list(*, actor: Any, model: str) -> ScopedQuerySet[CustomField]:
    return CustomField.objects.visible_to(actor).filter(model=record_type_get(model).label)


def custom_field_get(*, actor: Any, pk: int) -> CustomField:
    try:
        return CustomField.objects.visible_to(actor).select_related("dictionary_type").get(pk=pk)
    except (CustomField.DoesNotExist, ValueError):
        raise Http404 from None


def custom_field_usage(field: CustomField) -> int:
    """How many records hold a value for the field (soft-deleted ones included)."""
    model = record_type_get(field.model).model
    return model._base_manager.filter(custom__has_key=field.key).count()


def custom_filter_q(field: CustomField, *, value: Any = None, low: Any = None, high: Any = None) -> Q:
    """A filter on one custom field: text contains, choice/user/yes-no equals, multiple choice holds the
    code; numbers, money and dates also by range (``low``/``high``, inclusive). Works on SQLite and
    PostgreSQL alike."""
    path = f"custom__{field.key}"
    q = Q()
    if value not in (None, "", []):
        if field.type == Type.TEXT:
            q &= Q(**{f"{path}__icontains": str(value)})
        elif field.type == Type.MULTI_CHOICE:
            q &= json_list_contains(path, str(value))
        else:
            q &= Q(**{path: _stored(field, value)})
    if low not in (None, ""):
        q &= Q(**{f"{path}__gte": _stored(field, low)})
    if high not in (None, ""):
        q &= Q(**{f"{path}__lte": _stored(field, high)})
    return q


def _stored(field: CustomField, value: Any) -> Any:
    """A filter value in its stored JSON form."""
    if field.type in (Type.NUMBER, Type.MONEY):
        return _json_number(Decimal(str(value)))
    if field.type == Type.DATE:
        return value.isoformat() if isinstance(value, date) else str(value)
    if field.type == Type.USER:
        return value.pk if isinstance(value, models.Model) else int(value)
    return value


# --- values -----------------------------------------------------------------------------------------


def custom_values_clean(
    *,
    model: type[models.Model] | str,
    unit: int | None,
    values: Mapping[str, Any],
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The new ``custom`` JSON of a record of business unit ``unit`` from submitted values of its enabled
    fields (the group-wide ones and the unit's; another unit's do not apply), checked on the server:
    required, type, choice membership, user exists. A value the record already has stays acceptable even
    if its option or user was disabled since. Values of disabled fields are kept.
    Raises ValidationError keyed ``custom.<key>`` (the form field names of ``add_custom_fields``)."""
    current = current or {}
    fields = {field.key: field for field in custom_fields_for(model, unit=unit, enabled_only=False)}
    errors: dict[str, list[str]] = {}
    result = {key: value for key, value in current.items() if key not in fields or not fields[key].is_enabled}
    for key in values:
        if key not in fields:
            errors[f"custom.{key}"] = [_("There is no such field.")]
    for key, field in fields.items():
        if not field.is_enabled:
            continue
        try:
            value = _clean_value(field, values.get(key), current.get(key))
        except DomainError as error:
            errors[f"custom.{key}"] = [str(error.message)]
            continue
        if value is None:
            if field.required:
                errors[f"custom.{key}"] = [_("This field is required.")]
        else:
            result[key] = value
    if errors:
        raise ValidationError(errors)
    return result


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple) and not value)


def _clean_value(field: CustomField, raw: Any, current: Any) -> Any:
    if _empty(raw) or (isinstance(raw, str) and not raw.strip()):
        return None
    return _CLEANERS[field.type](field, raw, current)


def _text(field: CustomField, raw: Any, current: Any) -> str:
    if not isinstance(raw, str | int | Decimal) or isinstance(raw, bool):
        raise DomainError(_("Enter text."))
    text = str(raw).strip()
    if len(text) > MAX_TEXT:
        raise DomainError(_("At most %(count)s characters.") % {"count": MAX_TEXT})
    return text


def _json_number(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def _number(field: CustomField, raw: Any, current: Any) -> int | float:
    if isinstance(raw, bool):
        raise DomainError(_("Enter a number."))
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise DomainError(_("Enter a number.")) from None
    if not number.is_finite() or abs(number) >= MAX_NUMBER:
        raise DomainError(_("Enter a number."))
    if field.type == Type.MONEY and number != number.quantize(Decimal("0.01")):
        raise DomainError(_("Use at most 2 decimal places."))
    return _json_number(number)


def _date(field: CustomField, raw: Any, current: Any) -> str:
    if isinstance(raw, date):
        return raw.isoformat()
    try:
        parsed = parse_date(str(raw).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise DomainError(_("Enter a date as YYYY-MM-DD."))
    return parsed.isoformat()


def _codes(field: CustomField) -> set[str]:
    return set(
        DictionaryItem.objects.filter(type_id=field.dictionary_type_id, is_enabled=True).values_list("code", flat=True)
    )


def _choice(field: CustomField, raw: Any, current: Any) -> str:
    if not isinstance(raw, str) or (raw != current and raw not in _codes(field)):
        raise DomainError(_("Choose a value from the list."))
    return raw


def _multi_choice(field: CustomField, raw: Any, current: Any) -> list[str]:
    if not isinstance(raw, list | tuple) or not all(isinstance(code, str) for code in raw):
        raise DomainError(_("Choose values from the list."))
    allowed = _codes(field) | set(current or [])
    if any(code not in allowed for code in raw):
        raise DomainError(_("Choose values from the list."))
    return list(dict.fromkeys(raw))  # no duplicates, order kept


def _user(field: CustomField, raw: Any, current: Any) -> int:
    pk = raw.pk if isinstance(raw, models.Model) else raw
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise DomainError(_("Choose a user.")) from None
    User = user_model()
    if pk != current and not User.objects.filter(pk=pk, status=User.Status.ACTIVE).exists():
        raise DomainError(_("Choose an active user."))
    return pk


def _boolean(field: CustomField, raw: Any, current: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "1", "yes", "on"}:
        return True
    if text in {"false", "0", "no", "off"}:
        return False
    raise DomainError(_("Enter yes or no."))


_CLEANERS: dict[str, Callable[[CustomField, Any, Any], Any]] = {
    Type.TEXT: _text,
    Type.NUMBER: _number,
    Type.MONEY: _number,
    Type.DATE: _date,
    Type.CHOICE: _choice,
    Type.MULTI_CHOICE: _multi_choice,
    Type.USER: _user,
    Type.BOOLEAN: _boolean,
}


def custom_values_merge(
    *,
    model: type[models.Model] | str,
    unit: int | None,
    current: Mapping[str, Any] | None,
    changes: Mapping[str, Any],
) -> dict[str, Any]:
    """Apply a partial change (keys not sent keep their value; ``None`` clears one) and clean the result:
    the record's complete new ``custom`` JSON. Raises ValidationError keyed ``custom.<key>``."""
    current = dict(current or {})
    enabled = {field.key for field in custom_fields_for(model, unit=unit)}
    kept = {key: value for key, value in current.items() if key in enabled}
    return custom_values_clean(model=model, unit=unit, values={**kept, **changes}, current=current)


@transaction.atomic
def custom_values_update(*, actor: Any, obj: models.Model, values: Mapping[str, Any]) -> dict[str, Any]:
    """Change some custom values of one record (the others stay); needs ``<module>.edit``; audited."""
    model = type(obj)
    require_perm(actor, f"{record_type_get(model).module}.edit")
    locked = model._base_manager.select_for_update().get(pk=obj.pk)
    before: dict[str, Any] = dict(locked.custom or {})  # type: ignore[attr-defined]
    after = custom_values_merge(model=model, unit=record_unit(locked), current=before, changes=values)
    if after != before:
        model._base_manager.filter(pk=obj.pk).update(custom=after)
        changes = {f"custom.{key}": pair for key, pair in diff(before, after).items()}
        audit_log(actor=actor, action=Action.UPDATE, obj=obj, changes=changes)
    obj.custom = after  # type: ignore[attr-defined]
    return after


# --- definitions ------------------------------------------------------------------------------------


@transaction.atomic
def custom_field_create(
    *,
    actor: Any,
    model: str,
    label: str,
    type: str,
    key: str = "",
    dictionary_type: DictionaryType | None = None,
    required: bool = False,
    help_text: str = "",
    show_in_list: bool = False,
) -> CustomField:
    """A new field at the end of the record type's form: of the actor's unit, or group-wide when an
    all-units administrator adds it. Key, type and choices are fixed from now on."""
    unit = config_unit_for_new(actor=actor, code=CONFIGURE)
    record_type = record_type_get(model)
    key = key.strip().lower()
    if type not in Type.values:
        raise DomainError(_("Choose a type from the list."), field="type")
    if key and not KEY_PATTERN.match(key):
        raise DomainError(
            _("Use lowercase letters, digits and _ only (at most 40), starting with a letter."), field="key"
        )
    if type in (Type.CHOICE, Type.MULTI_CHOICE) and dictionary_type is None:
        raise DomainError(_("Choose the dictionary type that lists the choices."), field="dictionary_type")
    if dictionary_type is not None and dictionary_type.business_unit_id not in (None, unit):
        raise DomainError(_("Choose a dictionary type of this business unit."), field="dictionary_type")
    existing = CustomField.objects.select_for_update().filter(model=record_type.label)
    taken = set(existing.values_list("key", flat=True))
    key = key or _free_key(taken)
    if key in taken:
        raise DomainError(_("This record type already has a field with that key."), field="key", code="duplicate")
    last = existing.order_by("-sort_order").values_list("sort_order", flat=True).first()
    field = CustomField(
        model=record_type.label,
        business_unit_id=unit,
        key=key,
        label=label.strip(),
        type=type,
        dictionary_type=dictionary_type if type in (Type.CHOICE, Type.MULTI_CHOICE) else None,
        required=required,
        help_text=help_text.strip(),
        show_in_list=show_in_list,
        sort_order=0 if last is None else last + 1,
    )
    field.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            field.save()
    except IntegrityError:  # the same key created at the same moment by someone else
        raise Conflict(_("This record type already has a field with that key."), code="duplicate") from None
    audit_log(actor=actor, action=Action.CREATE, obj=field, changes=_created(field))
    return field


EDITABLE = ("label", "required", "help_text", "show_in_list", "is_enabled")


@transaction.atomic
def custom_field_update(*, actor: Any, field: CustomField, **values: Any) -> CustomField:
    """Change the label, required flag, help text, list column or enabled state. Disabling is always
    allowed and keeps the stored values."""
    config_unit_check(actor=actor, code=CONFIGURE, unit_id=field.business_unit_id)
    fixed = set(values) - set(EDITABLE)
    if fixed:
        name = sorted(fixed)[0]
        raise DomainError(_("This cannot be changed once the field exists."), field=name, code="fixed")
    before = snapshot(field, list(values))
    for name, value in values.items():
        setattr(field, name, value.strip() if isinstance(value, str) else value)
    field.full_clean(validate_constraints=False)
    changes = diff(before, snapshot(field, list(values)))
    if changes:
        field.save(update_fields=[*values, "updated_at"])
        audit_log(actor=actor, action=Action.UPDATE, obj=field, changes=changes)
    return field


@transaction.atomic
def custom_field_move(*, actor: Any, field: CustomField, direction: str) -> None:
    """Swap with the neighbour among the fields of the same owner (the unit's, or the group-wide ones)."""
    config_unit_check(actor=actor, code=CONFIGURE, unit_id=field.business_unit_id)
    if direction not in ("up", "down"):
        raise DomainError(_("Move up or down."), field="direction")
    siblings = list(
        CustomField.objects.select_for_update()
        .filter(model=field.model, business_unit_id=field.business_unit_id)
        .order_by("sort_order", "pk")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == field.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return
    before = [sibling.key for sibling in siblings]
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.sort_order = position
    CustomField.objects.bulk_update(siblings, ["sort_order"])
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=field,
        changes={"order": [before, [sibling.key for sibling in siblings]]},
    )


@transaction.atomic
def custom_field_delete(*, actor: Any, field: CustomField) -> None:
    """Only a field no record has a value for; otherwise refused (disable it instead)."""
    config_unit_check(actor=actor, code=CONFIGURE, unit_id=field.business_unit_id)
    CustomField.objects.select_for_update().filter(pk=field.pk).first()
    count = custom_field_usage(field)
    if count:
        raise Conflict(
            _("%(count)s records have a value for “%(label)s”, so it cannot be deleted. Disable it instead.")
            % {"count": count, "label": field.label},
            code="in_use",
        )
    audit_log(actor=actor, action=Action.DELETE, obj=field, changes=_created(field))
    field.delete()


def _created(field: CustomField) -> dict[str, list[Any]]:
    return {name: [None, value] for name, value in snapshot(field).items() if name != "created_at"}


def _free_key(taken: set[str]) -> str:
    number = len(taken) + 1
    while f"field{number}" in taken:
        number += 1
    return f"field{number}"
