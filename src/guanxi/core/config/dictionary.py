"""The data dictionary (数据字典, SPEC §14.1): enumerations administrators edit.

Records store an item's stable ``code`` (a CharField, a JSON list of codes, or a foreign key to the
item). Modules declare where with ``register_dictionary_usage`` so that an item in use is never deleted;
disabling is always allowed and only stops the item being offered. Forms take their choices from
``dictionary_choices``; services check submitted codes with ``dictionary_validate``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from ..audit import Action, audit_log, diff, snapshot
from ..errors import Conflict, DomainError
from ..memo import remembered
from ..models import CustomField, DictionaryItem, DictionaryType
from ..scope import ScopedQuerySet
from ..texts import shipped_shown, shipped_writings
from .lookups import json_list_contains
from .units import config_unit_check, config_unit_for_new

CONFIGURE = "system.configure"
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")

# --- registries -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DefaultType:
    code: str
    label: str | Promise
    items: tuple[tuple[str, str | Promise], ...]


_TYPES: dict[str, DefaultType] = {}


def register_dictionary_type(code: str, label: str | Promise, items: Iterable[tuple[str, str | Promise]] = ()) -> None:
    """A type a module needs, with its first items (code, label); created by ``dictionary_sync_defaults``
    after migrate. Registering again (an upgrade adding items) adds the new items once."""
    _TYPES[code] = DefaultType(code, label, tuple(items))


def registered_type_label(code: str) -> str | Promise | None:
    default = _TYPES.get(code)
    return default.label if default else None


def shown_item_label(type_code: str, code: str, stored: str) -> str:
    """A shipped item's label in the reader's language until an administrator renames it."""
    return shipped_shown(_shipped_item_label(type_code, code), stored)


def _shipped_item_label(type_code: str, code: str) -> str | Promise | None:
    default = _TYPES.get(type_code)
    return dict(default.items).get(code) if default else None


@dataclass(frozen=True)
class Usage:
    type_code: str
    model: type[models.Model] | str  # a model or "app_label.Model"
    field: str
    many: bool  # a JSON list of codes rather than one code


_USAGES: list[Usage] = []


def register_dictionary_usage(
    type_code: str, model: type[models.Model] | str, field: str, *, many: bool = False
) -> None:
    """Declare that ``model.field`` stores items of ``type_code``: a code (CharField), a JSON list of
    codes (``many=True``) or a foreign key to DictionaryItem. Deleting an item in use is then refused."""
    usage = Usage(type_code, model, field, many)
    if usage not in _USAGES:
        _USAGES.append(usage)


# --- reads ------------------------------------------------------------------------------------------


def dictionary_types(*, actor: Any) -> QuerySet[Any]:
    return (
        DictionaryType.objects.visible_to(actor)
        .annotate(item_count=Count("items"), enabled_count=Count("items", filter=Q(items__is_enabled=True)))
        .order_by("code")
    )


def dictionary_type_get(*, actor: Any, code: str) -> DictionaryType:
    try:
        return DictionaryType.objects.visible_to(actor).get(code=code)
    except DictionaryType.DoesNotExist:
        raise Http404 from None


def dictionary_items(*, actor: Any, type: DictionaryType) -> ScopedQuerySet[DictionaryItem]:
    return DictionaryItem.objects.visible_to(actor).filter(type=type)


def dictionary_choices(type_code: str, *, include: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(code, label) of the enabled items, in order, for a form's choices. ``include`` keeps a record's
    current value offered even after its item was disabled, so editing the record does not lose it."""
    keep = [code for code in include if code]
    items = DictionaryItem.objects.filter(type__code=type_code).filter(Q(is_enabled=True) | Q(code__in=keep))
    rows = items.order_by("sort_order", "pk").values_list("code", "label")
    return [(code, shown_item_label(type_code, code, label)) for code, label in rows]


@remembered
def dictionary_labels(type_code: str) -> dict[str, str]:
    """Every item's label by code, disabled ones too: for showing stored values in lists."""
    rows = DictionaryItem.objects.filter(type__code=type_code).values_list("code", "label")
    return {code: shown_item_label(type_code, code, label) for code, label in rows}


def dictionary_label(type_code: str, code: str) -> str:
    """The label of one stored code; the code itself if its item was deleted meanwhile."""
    label = DictionaryItem.objects.filter(type__code=type_code, code=code).values_list("label", flat=True)
    return next((shown_item_label(type_code, code, stored) for stored in label), code)


def dictionary_validate(type_code: str, code: str, *, field: str, current: str | None = None) -> str:
    """Services of other modules call this: ``code`` must be an enabled item (or the record's current
    value, which may have been disabled since). Returns the code; raises a field error otherwise."""
    if code and code == current:
        return code
    if code not in _enabled_codes(type_code):
        raise DomainError(_("Choose a value from the list."), field=field, code="invalid_choice")
    return code


@remembered
def _enabled_codes(type_code: str) -> frozenset[str]:
    items = DictionaryItem.objects.filter(type__code=type_code, is_enabled=True)
    return frozenset(items.values_list("code", flat=True))


def dictionary_usages_of(model: type[models.Model]) -> dict[str, str]:
    """{field: dictionary type} of the fields of ``model`` that store dictionary codes."""
    return {
        usage.field: usage.type_code
        for usage in _USAGES
        if usage.model is model or usage.model == model._meta.label or usage.model == model._meta.label_lower
    }


def dictionary_item_usages(item: DictionaryItem) -> list[tuple[str, int]]:
    """Where the item is stored: (a description such as "customers · source", number of records)."""
    found: list[tuple[str, int]] = []
    for usage in _USAGES:
        if usage.type_code != item.type.code:
            continue
        model = apps.get_model(usage.model) if isinstance(usage.model, str) else usage.model
        field = model._meta.get_field(usage.field)
        if field.is_relation:
            condition = Q(**{usage.field: item.pk})
        elif usage.many:
            condition = json_list_contains(usage.field, item.code)
        else:
            condition = Q(**{usage.field: item.code})
        # The base manager counts soft-deleted rows too: they may be restored with this value.
        count = model._base_manager.filter(condition).count()
        if count:
            found.append((f"{model._meta.verbose_name_plural} · {field.verbose_name}", count))  # type: ignore[union-attr]
    for custom in CustomField.objects.filter(dictionary_type=item.type):
        model = apps.get_model(custom.model)
        path = f"custom__{custom.key}"
        many = custom.type == CustomField.Type.MULTI_CHOICE
        condition = json_list_contains(path, item.code) if many else Q(**{path: item.code})
        count = model._base_manager.filter(condition).count()
        if count:
            found.append((f"{model._meta.verbose_name_plural} · {custom.label}", count))
    return found


# --- writes -----------------------------------------------------------------------------------------


@transaction.atomic
def dictionary_type_create(*, actor: Any, code: str, name: str) -> DictionaryType:
    """A type of the administrator's own, e.g. the choices of a custom field: their unit's, or group-wide
    when an all-units administrator adds it."""
    unit = config_unit_for_new(actor=actor, code=CONFIGURE)
    code, name = code.strip().lower(), name.strip()
    _check_code(code)
    _check_label(name, field="name")
    if DictionaryType.objects.filter(code=code).exists():
        raise DomainError(_("A dictionary type with this code already exists."), field="code", code="duplicate")
    try:
        with transaction.atomic():  # the same code created at the same moment by someone else
            dictionary_type = DictionaryType.objects.create(code=code, name=name, business_unit_id=unit)
    except IntegrityError:
        raise Conflict(_("A dictionary type with this code already exists."), code="duplicate") from None
    audit_log(actor=actor, action=Action.CREATE, obj=dictionary_type, changes=_created(dictionary_type))
    return dictionary_type


@transaction.atomic
def dictionary_type_rename(*, actor: Any, type: DictionaryType, name: str) -> DictionaryType:
    _check_owner(actor, type)
    if type.is_system:
        raise DomainError(_("Built-in types keep their name."), field="name", code="built_in")
    name = name.strip()
    _check_label(name, field="name")
    before = snapshot(type, ["name"])
    type.name = name
    type.save(update_fields=["name"])
    audit_log(actor=actor, action=Action.UPDATE, obj=type, changes=diff(before, snapshot(type, ["name"])))
    return type


@transaction.atomic
def dictionary_item_create(*, actor: Any, type: DictionaryType, label: str, code: str = "") -> DictionaryItem:
    """A new item at the end of the list. Without a code, one is made up (``item7``)."""
    _check_owner(actor, type)
    locked = _lock(type)
    label, code = label.strip(), code.strip().lower()
    _check_label(label, field="label")
    if code:
        _check_code(code)
    else:
        code = _free_code(locked)
    if locked.items.filter(code=code).exists():
        raise DomainError(_("This type already has an item with that code."), field="code", code="duplicate")
    if _label_taken(locked, label):
        raise DomainError(_("This type already has an item with that label."), field="label", code="duplicate")
    last = locked.items.order_by("-sort_order").values_list("sort_order", flat=True).first()
    item = DictionaryItem.objects.create(
        type=locked, code=code, label=label, sort_order=0 if last is None else last + 1
    )
    audit_log(actor=actor, action=Action.CREATE, obj=item, changes=_created(item))
    return item


@transaction.atomic
def dictionary_item_update(
    *, actor: Any, item: DictionaryItem, label: str | None = None, is_enabled: bool | None = None
) -> DictionaryItem:
    """Rename (records keep the code, so they show the new label at once) and/or disable or enable.
    Disabling is always allowed: records keep the value, forms stop offering it."""
    _check_owner(actor, item.type)
    values: dict[str, Any] = {}
    if label is not None:  # a form sends back the label it showed: unchanged, a shipped item stays shipped
        label = label.strip()
        if label == item.shown_label:
            label = item.label
        _check_label(label, field="label")
        if _label_taken(item.type, label, besides=item):
            raise DomainError(_("This type already has an item with that label."), field="label", code="duplicate")
        values["label"] = label
    if is_enabled is not None:
        values["is_enabled"] = is_enabled
    before = {name: getattr(item, name) for name in values}
    changes = {name: [before[name], value] for name, value in values.items() if before[name] != value}
    if changes:
        for name, value in values.items():
            setattr(item, name, value)
        item.save(update_fields=[*values, "updated_at"])
        audit_log(actor=actor, action=Action.UPDATE, obj=item, changes=changes)
    return item


@transaction.atomic
def dictionary_item_move(*, actor: Any, item: DictionaryItem, direction: str) -> None:
    """One place up or down (the buttons that work without JavaScript)."""
    _check_owner(actor, item.type)
    if direction not in ("up", "down"):
        raise DomainError(_("Move up or down."), field="direction")
    codes = list(_lock(item.type).items.order_by("sort_order", "pk").values_list("code", flat=True))
    index = codes.index(item.code)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(codes):
        codes[index], codes[other] = codes[other], codes[index]
        _reorder(actor, item.type, codes)


@transaction.atomic
def dictionary_items_reorder(*, actor: Any, type: DictionaryType, codes: Sequence[str]) -> None:
    """Put the items in the given order (drag and drop sends the whole list)."""
    _check_owner(actor, type)
    current = set(_lock(type).items.values_list("code", flat=True))
    if len(codes) != len(current) or set(codes) != current:
        raise Conflict(_("The list changed meanwhile; reload the page and try again."), code="stale_order")
    _reorder(actor, type, list(codes))


@transaction.atomic
def dictionary_item_delete(*, actor: Any, item: DictionaryItem) -> None:
    """Only an item no record uses; otherwise the answer says where it is used (disable it instead)."""
    _check_owner(actor, item.type)
    _lock(item.type)
    usages = dictionary_item_usages(item)
    if usages:
        where = "; ".join(f"{place} ({count})" for place, count in usages)
        raise Conflict(
            _("“%(label)s” is in use and cannot be deleted: %(where)s. Disable it instead.")
            % {"label": item.shown_label, "where": where},
            code="in_use",
        )
    audit_log(actor=actor, action=Action.DELETE, obj=item, changes=_created(item))
    item.delete()


@transaction.atomic
def dictionary_sync_defaults() -> None:
    """Installation set-up after migrate: create the registered types and each default item once;
    an item an administrator renamed, disabled or deleted stays as they left it. A handful of queries
    whatever the number of types: it runs after every migrate (and after each transactional test)."""
    codes = [default.code for default in _TYPES.values()]
    types = DictionaryType.objects.in_bulk(codes, field_name="code")
    DictionaryType.objects.bulk_create(
        DictionaryType(code=default.code, name=str(default.label), is_system=True)
        for default in _TYPES.values()
        if default.code not in types
    )
    types = DictionaryType.objects.in_bulk(codes, field_name="code")
    taken: dict[int, tuple[set[str], set[str]]] = {type.pk: (set(), set()) for type in types.values()}
    order = dict.fromkeys(taken, 0)
    for type_id, code, label in DictionaryItem.objects.filter(type__in=taken).values_list("type", "code", "label"):
        taken[type_id][0].add(code)
        taken[type_id][1].add(label)
        order[type_id] += 1
    items, seeded = [], []
    for default in _TYPES.values():
        type = types[default.code]
        with translation.override(None):  # stored as their source; shown translated until renamed
            new = [(code, str(label)) for code, label in default.items if code not in type.seeded_codes]
        if not new:
            continue
        taken_codes, taken_labels = taken[type.pk]
        for code, label in new:
            if code not in taken_codes and label not in taken_labels:
                items.append(DictionaryItem(type=type, code=code, label=label, sort_order=order[type.pk]))
                order[type.pk] += 1
        type.seeded_codes = [*type.seeded_codes, *(code for code, _label in new)]
        type.is_system = True
        seeded.append(type)
    DictionaryItem.objects.bulk_create(items)
    DictionaryType.objects.bulk_update(seeded, ["seeded_codes", "is_system"])


# --- helpers ----------------------------------------------------------------------------------------


def _check_owner(actor: Any, type: DictionaryType) -> None:
    """Built-in types are group-wide, shared by every unit's records: only an all-units administrator
    changes them; a unit's own type, only its administrators (SPEC §1.1)."""
    config_unit_check(actor=actor, code=CONFIGURE, unit_id=type.business_unit_id)


def _lock(type: DictionaryType) -> DictionaryType:
    """Lock the type's row: item order and code changes of one type happen one at a time."""
    return DictionaryType.objects.select_for_update().get(pk=type.pk)


def _reorder(actor: Any, type: DictionaryType, codes: list[str]) -> None:
    items = {item.code: item for item in type.items.all()}
    before = [item.code for item in sorted(items.values(), key=lambda item: (item.sort_order, item.pk))]
    for position, code in enumerate(codes):
        items[code].sort_order = position
    DictionaryItem.objects.bulk_update(items.values(), ["sort_order"])
    if before != codes:
        audit_log(actor=actor, action=Action.UPDATE, obj=type, changes={"order": [before, codes]})


def _created(obj: models.Model) -> dict[str, list[Any]]:
    return {name: [None, value] for name, value in snapshot(obj).items() if name not in ("created_at",)}


RESERVED_CODES = {"reorder"}  # an action's path in the API


def _check_code(code: str) -> None:
    if code in RESERVED_CODES:
        raise DomainError(_("This code is reserved; choose another."), field="code")
    if not CODE_PATTERN.match(code):
        raise DomainError(
            _("Use lowercase letters, digits, - and _ only (at most 50), starting with a letter or digit."),
            field="code",
        )


def _check_label(label: str, *, field: str) -> None:
    if not label:
        raise DomainError(_("This field is required."), field=field, code="required")
    if len(label) > 100:
        raise DomainError(_("At most 100 characters."), field=field)


def _label_taken(type: DictionaryType, label: str, *, besides: DictionaryItem | None = None) -> bool:
    """Another item of the type reads so, as stored or, still shipped, in any language."""
    others = type.items.exclude(pk=besides.pk) if besides else type.items.all()
    return any(label in shipped_writings(_shipped_item_label(type.code, other.code), other.label) for other in others)


def _free_code(type: DictionaryType) -> str:
    taken = set(type.items.values_list("code", flat=True))
    number = len(taken) + 1
    while f"item{number}" in taken:
        number += 1
    return f"item{number}"
