"""Every write on customers and contacts (SPEC §2): one transaction each, permission and scope first,
full validation (field errors in the user's language), duplicate check, optimistic locking, audit."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.custom_fields import custom_values_clean
from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.config.numbering import number_next
from guanxi.core.config.parameters import parameter_value
from guanxi.core.errors import Conflict, DomainError, FieldErrors, NotPermitted
from guanxi.core.permissions import grants_of, has_perm, require_perm
from guanxi.core.records import RESTORE_DAYS, save_versioned
from guanxi.core.scope import Scope, owner_in_scope
from guanxi.core.texts import Text
from guanxi.org.models import Department, User

from . import hooks, keys
from .models import Contact, Customer, CustomerName, CustomerShare, Lifecycle
from .regions.services import region_validate
from .selectors import named

if TYPE_CHECKING:
    from guanxi.pool.models import ConflictCase, Pool

# Which dictionary type each enumerated field draws from (SPEC §14.1).
DICTIONARY_FIELDS = {
    "industry": "industry",
    "source": "customer_source",
    "nature": "company_nature",
    "revenue_band": "revenue_band",
    "employee_band": "employee_band",
    "credit_rating": "credit_rating",
    "satisfaction": "satisfaction",
}

CUSTOMER_FIELDS = [
    "name", "kind", "industry", "source", "referrer", "introducer", "nature", "revenue_band", "employee_band",
    "rating", "level", "credit_rating", "satisfaction", "province", "city", "county", "address", "postcode",
    "phone", "fax", "website", "email", "wechat", "qq", "weibo", "licence_number", "legal_representative",
    "registered_capital", "bank", "bank_account", "tax_number", "remarks", "tags",
]  # fmt: skip
AUDITED_FIELDS = [*CUSTOMER_FIELDS, "owner", "status", "custom"]

CONTACT_FIELDS = [
    "name", "salutation", "gender", "position", "department", "mobile", "phone", "email", "wechat", "qq",
    "birthday", "birthday_is_lunar", "hobbies", "decision_role", "remarks", "is_primary",
]  # fmt: skip


# --- reading rights on one customer -------------------------------------------------------------------


def can_edit(actor: User, customer: Customer) -> bool:
    """Owner, a colleague it is shared with read-write, or anyone whose scope is wider than their own
    records — each also needs ``customers.edit``. (The caller already fetched it through the gate.)"""
    if not has_perm(actor, "customers.edit"):
        return False
    if customer.owner_id == actor.pk or grants_of(actor).scope("customers") not in (None, Scope.OWN):
        return True
    return CustomerShare.objects.filter(customer=customer, user=actor, can_edit=True).exists()


def customers_seen_plainly(actor: User, customers: Iterable[Customer]) -> set[int]:
    """Of these customers, the ids whose phones and e-mails the actor sees plainly (owner or shared):
    one query for a whole page or export."""
    rows = list(customers)
    shared = CustomerShare.objects.filter(customer__in=rows, user=actor).values_list("customer_id", flat=True)
    return {customer.pk for customer in rows if customer.owner_id == actor.pk} | set(shared)


def sees_contact_details(actor: User, customer: Customer) -> bool:
    """Phones and e-mails show plainly to the owner and colleagues it is shared with; everyone else sees
    138****1234, and holders of ``customers.unmask`` may reveal one value at a time, logged (SPEC §1.3)."""
    if customer.owner_id == actor.pk:
        return True
    return CustomerShare.objects.filter(customer=customer, user=actor).exists()


def _require_edit(actor: User, customer: Customer) -> None:
    require_perm(actor, "customers.edit")
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))
    if not can_edit(actor, customer):
        raise NotPermitted(_("This customer is shared with you read-only."))


# --- validation ---------------------------------------------------------------------------------------


def customer_clean(customer: Customer, *, current: Customer | None = None) -> None:
    """Everything the server checks before a customer is saved; every problem at once, per field."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    customer.name = customer.name.strip()
    for field in required_customer_fields(customer.business_unit_id):
        if field in CUSTOMER_FIELDS and not getattr(customer, field):
            refuse(field, _("This field is required."))
    for field, type_code in DICTIONARY_FIELDS.items():
        value = getattr(customer, field)
        if value:
            try:
                dictionary_validate(type_code, value, field=field, current=getattr(current, field, None))
            except DomainError as error:
                refuse(field, str(error.message))
    if customer.source == "referral" and customer.referrer_id is None:
        refuse("referrer", _("A referred customer must name the customer who referred them."))
    if customer.source == "introduction" and not customer.introducer.strip():
        refuse("introducer", _("An introduced customer must name the introducer."))
    if customer.referrer_id and customer.referrer_id == customer.pk:
        refuse("referrer", _("A customer cannot refer itself."))
    try:
        customer.province, customer.city, customer.county = region_validate(
            province=customer.province, city=customer.city, county=customer.county
        )
    except DomainError as error:
        refuse(error.field or "province", str(error.message))
    if customer.phone:
        try:
            customer.phone = keys.normalise_phone(customer.phone)
        except keys.BadPhone:
            refuse("phone", _("Enter a valid phone number, e.g. 13812345678 or 021-12345678."))
    try:
        customer.full_clean(exclude=["number", "name_key", "name_pinyin", "business_unit"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                refuse(field, message)
    if errors:
        raise ValidationError(errors)
    customer.name_key = keys.name_key(customer.name)
    customer.name_pinyin = keys.name_pinyin(customer.name)[:300]


def customer_name_save(customer: Customer) -> None:
    """The search box's keys of a saved customer (its name, e-mail and phone), in their row beside the
    customer's."""
    CustomerName.objects.update_or_create(
        customer=customer,
        defaults={
            "name_key": customer.name_key,
            "name_pinyin": customer.name_pinyin,
            "name_initials": keys.name_initials(customer.name)[:60],
            "name_bigrams": keys.name_bigrams(customer.name_key),
            "email": customer.email.lower(),
            "phone_tail": keys.phone_tail(customer.phone),
        },
    )


def search_keys_changed(customer: Customer, current: Customer) -> bool:
    """Whether an edit changed what ``customer_name_save`` reads."""
    return any(getattr(customer, field) != getattr(current, field) for field in ("name", "email", "phone"))


def _clean_contact(contact: Contact) -> None:
    errors: dict[str, list[str]] = {}
    contact.name = contact.name.strip()
    if contact.mobile:
        try:
            contact.mobile = keys.normalise_phone(contact.mobile, mobile=True)
        except keys.BadPhone:
            errors["mobile"] = [_("Enter a real mobile number: 11 digits starting with 1, or +country code.")]
    if contact.phone:
        try:
            contact.phone = keys.normalise_phone(contact.phone)
        except keys.BadPhone:
            errors["phone"] = [_("Enter a valid phone number, e.g. 13812345678 or 021-12345678.")]
    try:
        contact.full_clean(exclude=["customer", "name_initials"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    contact.name_initials = keys.name_initials(contact.name)[:60]


def required_customer_fields(unit_id: int | None) -> list[str]:
    """The fields the unit made required (parameter ``customers.required_fields``)."""
    return list(parameter_value("customers.required_fields", unit=unit_id))


# --- duplicates (查重, SPEC §2.6) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    customer: Customer
    reason: str  # name, similar_name, phone, tax_number


def customer_duplicates(
    *,
    unit_id: int,
    name: str = "",
    phones: Iterable[str] = (),
    tax_number: str = "",
    exclude: int | None = None,
    limit: int = 5,
) -> list[Duplicate]:
    """Live customers of the unit that are the same one: same normalised name, any phone of the customer
    or its contacts, same tax number, or a name that contains (or is contained in) the other's."""
    found: dict[int, Duplicate] = {}
    customers = Customer.objects.filter(business_unit_id=unit_id).select_related("owner")
    if exclude:
        customers = customers.exclude(pk=exclude)

    def add(rows: Iterable[Customer], reason: str) -> None:
        for row in rows:
            found.setdefault(row.pk, Duplicate(row, reason))

    key = keys.name_key(name) if name else ""
    if key:
        add(customers.filter(name_key=key)[:limit], "name")
    normalised = [number for number in (_phone_or_none(phone) for phone in phones) if number]
    if normalised:
        # two indexed lookups, not an OR across tables (which would scan every customer)
        add(customers.filter(phone__in=normalised)[:limit], "phone")
        by_contact = Contact.objects.filter(Q(mobile__in=normalised) | Q(phone__in=normalised))
        ids = list(by_contact.values_list("customer_id", flat=True)[:limit])
        if ids:
            add(customers.filter(pk__in=ids)[:limit], "phone")
    if tax_number.strip():
        add(customers.filter(tax_number=tax_number.strip())[:limit], "tax_number")
    if len(key) >= 4 and len(found) < limit:
        # an existing name contains the new one ("华信精密" in "上海华信精密机械")
        add(customers.filter(named(Q(name_key__contains=key)))[:limit], "similar_name")
        # the new name contains an existing one at its start or end: a city before it, a trade after it
        parts = {key[:n] for n in range(4, len(key))} | {key[n:] for n in range(1, len(key) - 3)}
        add(customers.filter(name_key__in=parts)[:limit], "similar_name")
    return list(found.values())[:limit]


def _phone_or_none(raw: str) -> str | None:
    try:
        return keys.normalise_phone(raw) or None
    except keys.BadPhone:
        return None


def owner_label(actor: User, customer: Customer, *, visible: bool | None = None) -> str:
    """Who owns a customer, as the actor may know it: the name within their scope, masked (李**) outside."""
    if customer.owner is None:
        return str(_("the public pool"))
    if visible is None:
        visible = Customer.objects.visible_to(actor).filter(pk=customer.pk).exists()
    return str(customer.owner) if visible else str(customer.owner)[:1] + "**"


@dataclass(frozen=True)
class Claim:
    """A registration refused because a colleague holds the customer (撞单, SPEC §3.4): what the conflict
    case needs once the refusing transaction has rolled back."""

    actor: User
    attempted: Mapping[str, str]
    refusal: str


class DuplicateCustomer(Conflict):
    """The refusal of a duplicate (SPEC §2.6), carrying the existing customer and what matched."""

    def __init__(
        self,
        message: str,
        *,
        field: str,
        duplicate: Duplicate,
        claim: Claim | None = None,
        case: ConflictCase | None = None,
    ):
        super().__init__(message, field=field, code="duplicate_customer")
        self.duplicate = duplicate
        self.claim = claim
        self.case = case  # the conflict case the claim opened


def _refuse_duplicates(actor: User, duplicates: list[Duplicate], *, attempted: Mapping[str, str] | None = None) -> None:
    """Refuse the first duplicate. With ``attempted`` (a registration by hand), a customer a colleague
    holds under the same name, phone or tax number is a claim: a conflict case opens for it."""
    if not duplicates:
        return
    first = duplicates[0]
    field = {"name": "name", "similar_name": "name", "phone": "phone", "tax_number": "tax_number"}[first.reason]
    held = first.customer
    if held.owner_id is None:
        raise DuplicateCustomer(
            _("This customer already exists: %(name)s (%(number)s) is in the public pool; claim it there.")
            % {"name": held.name, "number": held.number},
            field=field,
            duplicate=first,
        )
    refusal = _("This customer already exists: %(name)s (%(number)s), owned by %(owner)s.") % {
        "name": held.name,
        "number": held.number,
        "owner": owner_label(actor, held),
    }
    claim = None
    if attempted is not None and first.reason != "similar_name" and held.owner_id != actor.pk:
        claim = Claim(actor, attempted, refusal)
    raise DuplicateCustomer(refusal, field=field, duplicate=first, claim=claim)


P = ParamSpec("P")
R = TypeVar("R")


def keeps_conflict_cases(service: Callable[P, R]) -> Callable[P, R]:
    """For a service whose transaction registers customers (``customer_create``, a lead's conversion): a
    registration refused as a claim opens its conflict case after the service's own transaction has
    rolled back, so the case stays. Nested services each open it again after their rollback; opening is
    idempotent, so the outermost one's case is the one that remains."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except DuplicateCustomer as refusal:
            if refusal.claim is None:
                raise
            raise _conflict_case_opened(refusal, refusal.claim) from None

    return run


def _conflict_case_opened(refusal: DuplicateCustomer, claim: Claim) -> DuplicateCustomer:
    found = refusal.duplicate
    case = hooks.ownership().conflict_open(
        actor=claim.actor, customer=found.customer, match=found.reason, attempted=claim.attempted
    )
    return DuplicateCustomer(
        _("%(refusal)s A conflict case (No. %(case)d) was opened: a manager will decide who keeps the customer.")
        % {"refusal": claim.refusal, "case": case.pk},
        field=refusal.field or "name",
        duplicate=found,
        claim=claim,
        case=case,
    )


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
    require_perm(actor, "customers.create")
    if pool is not None:
        _require_pool_import(actor, pool)
    owner = owner or actor
    unit = (owner.department.business_unit_id if owner.department else None) or actor.business_unit_id
    if pool is not None:
        unit = pool.business_unit_id
    if unit is None:
        raise DomainError(_("You belong to no business unit; ask an administrator to place you in a department."))
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
    return customer


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
    if "level" in changes:  # the next plan moves within the new level's interval (SPEC §4.4)
        hooks.level_changed(actor=actor, customer=customer)
    return customer


@transaction.atomic
def customer_delete(*, actor: User, customer: Customer) -> None:
    """Soft delete: gone from every list, restorable by an administrator for 30 days."""
    require_perm(actor, "customers.delete")
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))
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


@transaction.atomic
def customer_transfer(*, actor: User, customer: Customer, owner: User, note: str = "") -> Customer:
    """转移: give the customer to another salesperson; both audited and the new owner notified."""
    require_perm(actor, "customers.assign")
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))
    if not owner.is_active:
        raise DomainError(_("Choose an active colleague."), field="owner")
    if not owner_in_scope(actor, "customers", owner):
        raise DomainError(_("Choose a colleague within your data scope."), field="owner")
    if owner.business_unit_id != customer.business_unit_id:
        raise DomainError(_("The new owner works in another business unit."), field="owner")
    if customer.owner_id == owner.pk:
        raise DomainError(_("%(name)s already owns this customer.") % {"name": owner}, field="owner")
    ownership = hooks.ownership()
    ownership.capacity_check(owner=owner)
    previous = customer.owner_id
    changed = Customer.objects.filter(pk=customer.pk, owner_id=previous).update(owner=owner, updated_at=timezone.now())
    if not changed:
        raise Conflict(_("Someone else changed the owner just now; reload and try again."), code="stale_version")
    customer.owner = owner
    ownership.owner_set(actor=actor, customer=customer, previous_owner_id=previous, note=note)
    audit_log(actor=actor, action=Action.OWNERSHIP, obj=customer, changes={"owner": [previous, owner.pk]}, note=note)
    hooks.owner_changed(customer=customer, owner=owner, actor=actor)  # the open plans follow the customer
    _notify_owner(actor, customer, owner)
    return customer


def _notify_owner(actor: User, customer: Customer, owner: User) -> None:
    from django.urls import reverse

    from guanxi.core.notifications.services import notify

    if owner.pk != actor.pk:
        notify(
            recipients=[owner],
            kind="assignment",
            title=Text(gettext_noop("%(actor)s gave you the customer %(name)s"), actor=actor, name=customer.name),
            url=reverse("customers:detail", args=[customer.pk]),
            obj=customer,
        )


@transaction.atomic
def customer_share(
    *,
    actor: User,
    customer: Customer,
    users: Iterable[User] = (),
    departments: Iterable[Department] = (),
    can_edit: bool = False,
) -> None:
    """共享: let colleagues — named, or everyone now in the given departments — see (and optionally edit) it."""
    _require_edit(actor, customer)
    members = User.objects.filter(
        department__in=list(departments),
        department__business_unit_id=customer.business_unit_id,
        status=User.Status.ACTIVE,
    )
    users = {*users, *members}
    if not users:
        raise DomainError(_("Choose colleagues or a department to share with."), field="users")
    for user in users:
        if user.pk == customer.owner_id or not user.is_active:
            continue
        CustomerShare.objects.update_or_create(customer=customer, user=user, defaults={"can_edit": can_edit})
    audit_log(
        actor=actor,
        action=Action.OWNERSHIP,
        obj=customer,
        changes={"shared_with": [None, sorted(user.pk for user in users)]},
        note="read-write" if can_edit else "read-only",
    )


@transaction.atomic
def customer_unshare(*, actor: User, customer: Customer, user: User) -> None:
    _require_edit(actor, customer)
    if CustomerShare.objects.filter(customer=customer, user=user).delete()[0]:
        audit_log(actor=actor, action=Action.OWNERSHIP, obj=customer, changes={"shared_with": [user.pk, None]})


def customer_reveal(*, actor: User, customer: Customer, field: str) -> str:
    """Show one masked phone or e-mail to a user allowed to see it, and log that they did."""
    if not (has_perm(actor, "customers.unmask") or sees_contact_details(actor, customer)):
        raise NotPermitted(_("You may not see this customer's contact details."))
    audit_log(actor=actor, action=Action.UNMASK, obj=customer, note=field)
    return str(getattr(customer, field))


# --- contacts -------------------------------------------------------------------------------------------


@transaction.atomic
def contact_save(
    *, actor: User, customer: Customer, contact: Contact | None, data: Mapping[str, Any], version: int | None = None
) -> Contact:
    """Add (contact=None) or change a contact of a customer the actor may edit."""
    _require_edit(actor, customer)
    target = contact or Contact(customer=customer, created_by=actor)
    before = snapshot(target) if contact else {}
    for name, value in data.items():
        if name in CONTACT_FIELDS:
            setattr(target, name, value)
    _clean_contact(target)
    if target.is_primary:
        Contact.objects.filter(customer=customer, is_primary=True).exclude(pk=target.pk).update(is_primary=False)
    elif not Contact.objects.filter(customer=customer).exclude(pk=target.pk).exists():
        target.is_primary = True  # the only contact is the primary one
    if contact is None:
        target.save()
        audit_log(actor=actor, action=Action.CREATE, obj=target, changes=diff({}, snapshot(target)))
    else:
        save_versioned(target, expected_version=version or target.version, fields=[*CONTACT_FIELDS, "name_initials"])
        audit_log(actor=actor, action=Action.UPDATE, obj=target, changes=diff(before, snapshot(target)))
    return target


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact) -> None:
    _require_edit(actor, contact.customer)
    Contact.objects.filter(pk=contact.pk).update(deleted_at=timezone.now(), is_primary=False)
    audit_log(actor=actor, action=Action.DELETE, obj=contact)


@transaction.atomic
def contact_move(*, actor: User, contact: Contact, customer: Customer) -> Contact:
    """A contact changes company, keeping their history."""
    _require_edit(actor, contact.customer)
    _require_edit(actor, customer)
    previous = contact.customer_id
    Contact.objects.filter(pk=contact.pk).update(customer=customer, is_primary=False, updated_at=timezone.now())
    contact.customer, contact.is_primary = customer, False
    audit_log(actor=actor, action=Action.UPDATE, obj=contact, changes={"customer": [previous, customer.pk]})
    return contact


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


def register() -> None:
    from guanxi.core.config.dictionary import register_dictionary_usage

    for field, type_code in DICTIONARY_FIELDS.items():
        register_dictionary_usage(type_code, Customer, field)
