"""Merging two customers (SPEC §2.6): an administrator keeps one, takes field by field what the other had
better, moves every child record over and soft-deletes the other, all in one audited transaction.

Modules with records that belong to a customer (follow-ups, opportunities …) call ``register_merge_child``
in their ``AppConfig.ready()`` so a merge moves their rows too."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from copy import copy
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.dictionary import shown_item_label
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.permissions import grants_of, has_perm, require_perm
from guanxi.core.records import save_versioned
from guanxi.core.scope import Scope
from guanxi.core.texts import Text
from guanxi.org.models import User

from . import keys, services
from .history import MERGED_AWAY, MERGED_IN
from .models import Contact, Customer, CustomerShare
from .partners import DICTIONARY_FIELDS as PARTNER_DICTIONARY_FIELDS
from .regions.services import region_path_label

MERGE_FIELDS = [*services.CUSTOMER_FIELDS, "custom"]
KEEP, OTHER = "keep", "other"

# --- the registry of child records -----------------------------------------------------------------------

Mover = Callable[[User, Customer, Customer], int]


@dataclass(frozen=True)
class MergeChild:
    model: type[models.Model]
    field: str  # the foreign key to the customer
    move: Mover | None = None  # own rule (e.g. no duplicate rows); default: repoint every row

    def apply(self, actor: User, keep: Customer, other: Customer) -> int:
        if self.move:
            return self.move(actor, keep, other)
        rows = self.model._base_manager.filter(**{self.field: other})
        values: dict[str, object] = {self.field: keep}
        if any(field.name == "updated_at" for field in self.model._meta.concrete_fields):
            values["updated_at"] = timezone.now()
        return rows.update(**values)


_CHILDREN: list[MergeChild] = []


def register_merge_child(model: type[models.Model], field: str, *, move: Mover | None = None) -> None:
    """Rows of ``model`` whose ``field`` points at the merged customer move to the one kept."""
    if not any(child.model is model and child.field == field for child in _CHILDREN):
        _CHILDREN.append(MergeChild(model, field, move))


def merge_children() -> list[MergeChild]:
    return list(_CHILDREN)


def _move_contacts(actor: User, keep: Customer, other: Customer) -> int:
    """Every contact moves (deleted ones too, for their history); one primary contact stays."""
    moving = list(Contact.all_objects.filter(customer=other).order_by("pk"))
    demote = Contact.objects.filter(customer=keep, is_primary=True).exists()
    if demote:
        Contact.all_objects.filter(customer=other, is_primary=True).update(is_primary=False)
    Contact.all_objects.filter(customer=other).update(customer=keep, updated_at=timezone.now())
    for contact in moving:
        changes: dict[str, list[object]] = {"customer": [other.pk, keep.pk]}
        if demote and contact.is_primary:
            changes["is_primary"] = [True, False]
        audit_log(
            actor=actor, action=Action.UPDATE, obj=contact, changes=changes, note=Text(MERGED_IN, number=other.number)
        )
    return len(moving)


def _move_shares(actor: User, keep: Customer, other: Customer) -> int:
    """A colleague shared on both keeps one row, with the stronger right; the kept owner needs none."""
    moved = 0
    for share in CustomerShare.objects.filter(customer=other):
        existing = CustomerShare.objects.filter(customer=keep, user_id=share.user_id).first()
        if share.user_id == keep.owner_id:
            share.delete()
        elif existing:
            if share.can_edit and not existing.can_edit:
                CustomerShare.objects.filter(pk=existing.pk).update(can_edit=True)
            share.delete()
        else:
            CustomerShare.objects.filter(pk=share.pk).update(customer=keep)
            moved += 1
    return moved


def _move_referrals(actor: User, keep: Customer, other: Customer) -> int:
    # the kept customer's own referrer was settled with its fields
    rows = Customer.all_objects.filter(referrer=other).exclude(pk=keep.pk)
    return rows.update(referrer=keep, updated_at=timezone.now())


register_merge_child(Contact, "customer", move=_move_contacts)
register_merge_child(CustomerShare, "customer", move=_move_shares)
register_merge_child(Customer, "referrer", move=_move_referrals)

# --- rules --------------------------------------------------------------------------------------------


def may_merge(actor: User) -> bool:
    """Merging is an administrator's act, like restoring: delete right over the whole business unit."""
    return has_perm(actor, "customers.delete") and grants_of(actor).scope("customers") in (Scope.UNIT, Scope.ALL)


def customer_merge_check(*, actor: User, keep: Customer, other: Customer) -> None:
    """May the actor merge ``other`` into ``keep``? Raises the refusal (used by the page before it asks
    for the field choices, and again by the merge itself)."""
    require_perm(actor, "customers.delete")
    if not may_merge(actor):
        raise NotPermitted(_("Only an administrator of the business unit merges customers."))
    visible = Customer.all_objects.visible_to(actor).filter(pk__in=[keep.pk, other.pk]).count()
    if visible != len({keep.pk, other.pk}):
        raise NotPermitted(_("This customer is outside your data scope."))
    if keep.pk == other.pk:
        raise DomainError(_("Choose another customer than this one."), field="other")
    if keep.business_unit_id != other.business_unit_id:
        raise DomainError(_("That customer belongs to another business unit."), field="other")
    if keep.deleted_at or other.deleted_at:
        raise Conflict(_("One of the customers was deleted or merged just now."), code="already_merged")


def _choices_clean(choices: Mapping[str, str]) -> dict[str, str]:
    errors = {
        name: [_("Choose keep or other.")]
        for name, value in choices.items()
        if name not in MERGE_FIELDS or value not in (KEEP, OTHER)
    }
    if errors:
        raise ValidationError({"choices": [f"{name}: {errors[name][0]}" for name in sorted(errors)]})
    return {name: choices.get(name, KEEP) for name in MERGE_FIELDS}


# --- the merge ----------------------------------------------------------------------------------------


@transaction.atomic
def customer_merge(*, actor: User, keep: Customer, other: Customer, choices: Mapping[str, str]) -> Customer:
    """Merge ``other`` into ``keep``: ``choices`` says per field (``CUSTOMER_FIELDS`` and ``custom``)
    whether the kept value stays ("keep", the default) or the other's replaces it ("other")."""
    customer_merge_check(actor=actor, keep=keep, other=other)
    picked = _choices_clean(choices)
    # Both rows locked in pk order (no deadlock between two merges of the pair); the second merge waits
    # here and then finds its other customer gone.
    rows = Customer.all_objects.select_for_update().filter(pk__in=[keep.pk, other.pk]).order_by("pk")
    locked = {row.pk: row for row in rows}
    keep, other = locked[keep.pk], locked[other.pk]
    if keep.deleted_at or other.deleted_at:
        raise Conflict(_("One of the customers was deleted or merged just now."), code="already_merged")

    current = copy(keep)
    before = snapshot(keep, services.AUDITED_FIELDS)
    for name in MERGE_FIELDS:
        if picked[name] == OTHER:
            attname = Customer._meta.get_field(name).attname  # type: ignore[union-attr]
            setattr(keep, attname, copy(getattr(other, attname)))
    if keep.referrer_id in (keep.pk, other.pk):
        keep.referrer_id = None  # neither can refer the merged customer
    if keep.partner_id in (keep.pk, other.pk):
        keep.partner_id = None  # nor have brought it
    services.customer_clean(keep, current=current)
    _refuse_duplicates(actor, keep, other, current)

    for child in merge_children():
        child.apply(actor, keep, other)
    now = timezone.now()
    Customer.all_objects.filter(pk=other.pk).update(deleted_at=now, updated_at=now)
    other.deleted_at = now
    fields = [*services.CUSTOMER_FIELDS, "name_key", "name_pinyin", "custom"]
    try:
        with transaction.atomic():
            save_versioned(keep, expected_version=keep.version, fields=fields)
    except IntegrityError as error:
        raise Conflict(_("Another customer already has this name."), field="name", code="duplicate_customer") from error
    if services.search_keys_changed(keep, current):
        services.customer_name_save(keep)
    changes = diff(before, snapshot(keep, services.AUDITED_FIELDS))
    audit_log(actor=actor, action=Action.UPDATE, obj=keep, changes=changes, note=Text(MERGED_IN, number=other.number))
    audit_log(actor=actor, action=Action.DELETE, obj=other, note=Text(MERGED_AWAY, number=keep.number))
    return keep


def _refuse_duplicates(actor: User, keep: Customer, other: Customer, current: Customer) -> None:
    """The update's duplicate rule on the keys that changed, blind to the pair itself."""
    name = keep.name if keep.name_key != current.name_key else ""
    phones = [keep.phone] if keep.phone != current.phone else []
    tax = keep.tax_number if keep.tax_number != current.tax_number else ""
    found = services.customer_duplicates(
        unit_id=keep.business_unit_id, name=name, phones=phones, tax_number=tax, exclude=keep.pk, limit=6
    )
    services._refuse_duplicates(actor, [match for match in found if match.customer.pk != other.pk])


# --- the comparison the page shows -----------------------------------------------------------------------

# The region's three codes are chosen together: half of one and half of the other is no place.
GROUPS = {"region": ["province", "city", "county"]}


@dataclass(frozen=True)
class Difference:
    field: str  # a merge field, or a group of GROUPS
    label: str
    keep: str
    other: str


def merge_differences(actor: User, keep: Customer, other: Customer) -> list[Difference]:
    """The fields whose values differ, labelled and shown as people read them (phone and e-mail masked
    as on the 360 page when the actor neither owns the customer nor has it shared)."""
    grouped = {name for names in GROUPS.values() for name in names}
    shown = {keep.pk: _displays(actor, keep), other.pk: _displays(actor, other)}
    rows: list[Difference] = []
    for name in MERGE_FIELDS:
        if name == "province":
            names, key, label = GROUPS["region"], "region", str(gettext_lazy("Region"))
        elif name in grouped:
            continue
        else:
            names, key = [name], name
            label = str(Customer._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
        attnames = [Customer._meta.get_field(n).attname for n in names]  # type: ignore[union-attr]
        if [getattr(keep, a) for a in attnames] != [getattr(other, a) for a in attnames]:
            rows.append(Difference(key, label.capitalize(), shown[keep.pk][key], shown[other.pk][key]))
    return rows


def expand_choices(choices: Mapping[str, str]) -> dict[str, str]:
    """Page choices (with groups) → the service's per-field choices."""
    result: dict[str, str] = {}
    for name, value in choices.items():
        for field in GROUPS.get(name, [name]):
            result[field] = value
    return result


def _displays(actor: User, customer: Customer) -> dict[str, str]:
    from guanxi.core.config.custom_fields import custom_fields_for
    from guanxi.core.models import DictionaryItem

    dictionary_fields = {**services.DICTIONARY_FIELDS, **PARTNER_DICTIONARY_FIELDS}
    wanted = Q()
    for field, type_code in dictionary_fields.items():
        if value := getattr(customer, field):
            wanted |= Q(type__code=type_code, code=value)
    labels = {}
    if wanted:
        rows = DictionaryItem.objects.filter(wanted).values_list("type__code", "code", "label")
        labels = {(type_code, code): shown_item_label(type_code, code, label) for type_code, code, label in rows}
    custom_labels = {
        field.key: field.label
        for field in custom_fields_for(Customer, unit=customer.business_unit_id, enabled_only=False)
    }
    shown: dict[str, str] = {}
    for name in MERGE_FIELDS:
        value = getattr(customer, name)
        if name in dictionary_fields and value:
            value = labels.get((dictionary_fields[name], value), value)
        elif name in ("kind", "level") and value:
            value = getattr(customer, f"get_{name}_display")()
        elif name == "rating" and value:
            value = "★" * value
        elif name in ("referrer", "partner") and value:
            value = f"{value} ({value.number})"
        elif name == "tags":
            value = ", ".join(str(tag) for tag in value)
        elif name == "custom":
            value = "; ".join(f"{custom_labels.get(key, key)}: {item}" for key, item in value.items() if item)
        shown[name] = "" if value is None else str(value)
    if not services.sees_contact_details(actor, customer):
        shown["phone"] = keys.mask_phone(customer.phone) if customer.phone else ""
        shown["email"] = keys.mask_email(customer.email) if customer.email else ""
    shown["region"] = region_path_label(province=customer.province, city=customer.city, county=customer.county)
    return shown
