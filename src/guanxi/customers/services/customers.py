"""Creating, editing, deleting and restoring customers, and the follow-up times other apps keep on them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.custom_fields import custom_values_clean
from guanxi.core.config.numbering import number_next
from guanxi.core.errors import Conflict, DomainError, FieldErrors, NotPermitted
from guanxi.core.outbox import emit
from guanxi.core.permissions import grants_of, has_perm, require_perm
from guanxi.core.records import RESTORE_DAYS, save_versioned
from guanxi.core.scope import Scope
from guanxi.org.models import User

from .. import hooks
from ..models import Contact, Customer, Lifecycle

if TYPE_CHECKING:
    from guanxi.pool.models import Pool

from .common import (
    AUDITED_FIELDS,
    CONTACT_FIELDS,
    CUSTOMER_FIELDS,
    _clean_contact,
    _require_edit,
    customer_clean,
    customer_name_save,
    required_customer_fields,
    search_keys_changed,
)
from .duplicates import _refuse_duplicates, customer_duplicates, keeps_conflict_cases

# --- customers ------------------------------------------------------------------------------------------


def _require_pool_import(actor: User, pool: Pool) -> None:
    """Registering straight into a pool: for importers (``customers.import``) and pool managers."""
    if not (has_perm(actor, "customers.import") or has_perm(actor, "pool.assign")):
        raise NotPermitted(_("You may not register customers into the public pool."))
    if pool.business_unit_id != actor.business_unit_id and not actor.is_superuser:
        raise NotPermitted(_("This pool belongs to another business unit."))


@keeps_conflict_cases
@transaction.atomic
def customer_create(
    *,
    actor: User,
    data: Mapping[str, Any],
    contact: Mapping[str, Any] | None = None,
    owner: User | None = None,
    custom: Mapping[str, Any] | None = None,
    pool: Pool | None = None,
) -> Customer:
    """Register a customer (owned by the actor unless another owner is given) with its first contact;
    with ``pool`` (an import into the public pool, SPEC §13.1) it lies unowned in that pool.

    Registering a customer that a colleague already holds (same name, phone or tax number) creates no
    duplicate: it opens a conflict case for the managers (SPEC §3.4) and refuses, saying so. The case
    is written after the registration's transaction (and that of a service around it that keeps conflict
    cases) has rolled back, so it stays."""
    unit = _registration_unit(actor, owner, pool)
    owner = owner or actor
    customer, first_contact = customer_built(
        actor=actor, unit=unit, owner=owner, data=data, contact=contact, custom=custom
    )
    phones = [customer.phone, *([first_contact.mobile, first_contact.phone] if first_contact else [])]
    attempted = {name: str(data.get(name) or "") for name in ("name", "phone", "tax_number")}  # as typed
    attempted["contact_mobile"] = str((contact or {}).get("mobile") or "")
    _refuse_duplicates(
        actor,
        customer_duplicates(unit_id=unit, name=customer.name, phones=phones, tax_number=customer.tax_number),
        attempted={key: value for key, value in attempted.items() if value} if pool is None else None,
    )
    if pool is None:
        ownership = hooks.ownership()
        ownership.capacity_check(owner=owner)
        ownership.place(customer, timezone.now())
    else:
        customer.owner, customer.status, customer.pool, customer.pooled_at = None, Lifecycle.POOL, pool, timezone.now()
    customer.number = number_next(kind="customer", prefix="KH", unit=unit)
    try:
        with transaction.atomic():  # the unique live-name constraint decides a simultaneous registration
            customer.save()
    except IntegrityError as error:
        raise Conflict(
            _("This customer was registered a moment ago."), field="name", code="duplicate_customer"
        ) from error
    customer_name_save(customer)
    audit_log(actor=actor, action=Action.CREATE, obj=customer, changes=diff({}, snapshot(customer, AUDITED_FIELDS)))
    if first_contact:
        first_contact.customer = customer
        first_contact.created_by = actor
        first_contact.save()
        audit_log(actor=actor, action=Action.CREATE, obj=first_contact, changes=diff({}, snapshot(first_contact)))
    emit("customer.created", customer, actor=actor)
    return customer


def _registration_unit(actor: User, owner: User | None, pool: Pool | None) -> int:
    """Who may register, and the business unit the new customers belong to (the owner's, or the pool's)."""
    require_perm(actor, "customers.create")
    if pool is not None:
        _require_pool_import(actor, pool)
    owner = owner or actor
    unit = (owner.department.business_unit_id if owner.department else None) or actor.business_unit_id
    if pool is not None:
        unit = pool.business_unit_id
    if unit is None:
        raise DomainError(_("You belong to no business unit; ask an administrator to place you in a department."))
    return unit


def customer_built(
    *,
    actor: User,
    unit: int,
    owner: User,
    data: Mapping[str, Any],
    contact: Mapping[str, Any] | None,
    custom: Mapping[str, Any] | None,
) -> tuple[Customer, Contact | None]:
    """A new customer and its first contact, unsaved, checked as a registration checks them: every field's
    problem at once (``ValidationError``), the contact's fields prefixed ``contact_``."""
    customer = Customer(**{name: value for name, value in data.items() if name in CUSTOMER_FIELDS})
    customer.business_unit_id = unit
    customer.owner = owner
    customer.created_by = actor
    customer.status = Lifecycle.POTENTIAL
    errors = FieldErrors()
    with errors.check():
        customer_clean(customer)
    required = required_customer_fields(unit)
    for field in ("contact_name", "contact_mobile"):
        if field in required and not (contact or {}).get(field.removeprefix("contact_")):
            errors.add(field, _("This field is required."))
    first_contact = None
    if contact and any(contact.get(name) for name in ("name", "mobile", "phone", "email")):
        first_contact = Contact(**{name: value for name, value in contact.items() if name in CONTACT_FIELDS})
        first_contact.is_primary = True
        if not first_contact.name:
            errors.add("contact_name", _("Give the contact's name."))
        with errors.check(prefix="contact_"):
            _clean_contact(first_contact)
    with errors.check():
        customer.custom = custom_values_clean(model=Customer, unit=unit, values=custom or {})
    errors.raise_any()
    return customer, first_contact


@transaction.atomic
def customer_update(
    *,
    actor: User,
    customer: Customer,
    version: int,
    data: Mapping[str, Any],
    custom: Mapping[str, Any] | None = None,
) -> Customer:
    """Change a customer's fields. ``version`` is the one the user loaded: a stale edit is refused (409)
    naming who changed what, never silently overwriting (SPEC §15)."""
    _require_edit(actor, customer)
    current = Customer.objects.get(pk=customer.pk)
    before = snapshot(current, AUDITED_FIELDS)
    for name, value in data.items():
        if name in CUSTOMER_FIELDS:
            setattr(customer, name, value)
    errors = FieldErrors()
    with errors.check():
        customer_clean(customer, current=current)
    if custom is not None:
        with errors.check():
            customer.custom = custom_values_clean(
                model=Customer, unit=current.business_unit_id, values=custom, current=current.custom
            )
    errors.raise_any()
    phones = [customer.phone] if customer.phone != current.phone else []
    name = customer.name if customer.name_key != current.name_key else ""
    tax = customer.tax_number if customer.tax_number != current.tax_number else ""
    _refuse_duplicates(
        actor,
        customer_duplicates(
            unit_id=customer.business_unit_id, name=name, phones=phones, tax_number=tax, exclude=customer.pk
        ),
    )
    fields = [*CUSTOMER_FIELDS, "name_key", "name_pinyin", "custom"]
    try:
        with transaction.atomic():
            save_versioned(customer, expected_version=version, fields=fields)
    except IntegrityError as error:
        raise Conflict(_("Another customer already has this name."), field="name", code="duplicate_customer") from error
    if search_keys_changed(customer, current):
        customer_name_save(customer)
    changes = diff(before, snapshot(customer, AUDITED_FIELDS))
    if changes:
        audit_log(actor=actor, action=Action.UPDATE, obj=customer, changes=changes)
        emit("customer.updated", customer, actor=actor, data={"fields": sorted(changes)})
    if "level" in changes:  # the next plan moves within the new level's interval (SPEC §4.4)
        hooks.level_changed(actor=actor, customer=customer)
    if "product_line" in changes and customer.owner_id:  # its pool's rules may differ by product line
        hooks.ownership().followed_up(customer)
    return customer


@transaction.atomic
def customer_delete(*, actor: User, customer: Customer) -> None:
    """Soft delete: gone from every list, restorable by an administrator for 30 days."""
    require_perm(actor, "customers.delete")
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))
    refusal = hooks.delete_refusal(customer)
    if refusal:
        raise Conflict(refusal, code="in_use")
    now = timezone.now()
    Customer.all_objects.filter(pk=customer.pk, deleted_at__isnull=True).update(deleted_at=now)
    Contact.all_objects.filter(customer=customer, deleted_at__isnull=True).update(deleted_at=now)
    customer.deleted_at = now
    audit_log(actor=actor, action=Action.DELETE, obj=customer)


@transaction.atomic
def customer_restore(*, actor: User, customer: Customer) -> Customer:
    require_perm(actor, "customers.delete")
    if grants_of(actor).scope("customers") not in (Scope.UNIT, Scope.ALL):
        raise NotPermitted(_("Only an administrator of the business unit restores deleted customers."))
    if customer.deleted_at is None:
        raise DomainError(_("This customer is not deleted."))
    if customer.deleted_at < timezone.now() - timedelta(days=RESTORE_DAYS):
        raise DomainError(_("Deleted customers can be restored for %(days)d days only.") % {"days": RESTORE_DAYS})
    deleted_at = customer.deleted_at
    _refuse_duplicates(actor, customer_duplicates(unit_id=customer.business_unit_id, name=customer.name))
    Customer.all_objects.filter(pk=customer.pk).update(deleted_at=None)
    Contact.all_objects.filter(customer=customer, deleted_at=deleted_at).update(deleted_at=None)
    customer.deleted_at = None
    audit_log(actor=actor, action=Action.RESTORE, obj=customer)
    return customer


def customer_partner_attribute(*, actor: User, customer: Customer, partner_id: int) -> bool:
    """A lead that a channel partner brought became this existing customer: the customer, brought by no
    partner yet, is now attributed to that one (a partner named earlier stays). Runs in the caller's
    transaction; the partner is checked as on any edit."""
    from ..partners import partner_validate

    partner_validate(partner_id, unit_id=customer.business_unit_id, own_pk=customer.pk)
    moved = Customer.all_objects.filter(pk=customer.pk, partner__isnull=True).update(
        partner_id=partner_id, updated_at=timezone.now()
    )
    if moved:
        customer.partner_id = partner_id
        audit_log(actor=actor, action=Action.UPDATE, obj=customer, changes={"partner": [None, partner_id]})
    return bool(moved)


def customer_followed_up(*, customer: Customer, at: datetime) -> None:
    """A follow-up was recorded (activities calls this in its transaction): the customer's last follow-up
    time moves on, and with it the pool's no-follow-up countdown. A back-dated record never moves it back."""
    Customer.all_objects.filter(pk=customer.pk).filter(
        Q(last_followup_at__isnull=True) | Q(last_followup_at__lt=at)
    ).update(last_followup_at=at)
    if customer.last_followup_at is None or customer.last_followup_at < at:
        customer.last_followup_at = at
        hooks.ownership().followed_up(customer)  # the no-follow-up clock starts again


def customer_row_lock(*, customer_id: int) -> None:
    """Lock a customer's row (FOR NO KEY UPDATE) before writing the rows that hang off it, such as its plans.
    The pool's return and its sweep lock the customer and then its plans; with the same order everywhere,
    two such transactions wait for each other instead of deadlocking."""
    list(Customer.all_objects.select_for_update(no_key=True).filter(pk=customer_id).values_list("pk", flat=True))


def customer_next_followup_set(*, customer_id: int, at: datetime | None) -> None:
    """Activities keeps the customer's next follow-up time at its earliest open plan (None: no open plan)."""
    Customer.all_objects.filter(pk=customer_id).update(next_followup_at=at)


def customers_credit_rating_set(*, ratings: Mapping[int, str]) -> int:
    """Finance's credit assessment keeps each customer's ``credit_rating`` (the list's filter, the composition
    report's dimension) at the rating it computed or a manager set: one conditional UPDATE per rating, touching
    only the customers whose rating changed. Returns how many changed."""
    by_rating: dict[str, list[int]] = {}
    for customer_id, rating in ratings.items():
        by_rating.setdefault(rating, []).append(customer_id)
    changed = 0
    for rating, ids in by_rating.items():
        changed += Customer.all_objects.filter(pk__in=ids).exclude(credit_rating=rating).update(credit_rating=rating)
    return changed
