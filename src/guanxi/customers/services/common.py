"""What every customer and contact write shares: the fields, who may edit and see, and the validation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.config.parameters import parameter_value
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.permissions import grants_of, has_perm, require_perm
from guanxi.core.scope import Scope
from guanxi.org.models import User

from .. import keys
from ..models import Contact, Customer, CustomerName, CustomerShare
from ..regions.services import region_validate

if TYPE_CHECKING:
    pass


# Which dictionary type each enumerated field draws from (SPEC §14.1).
DICTIONARY_FIELDS = {
    "industry": "industry",
    "product_line": "product_line",
    "source": "customer_source",
    "nature": "company_nature",
    "revenue_band": "revenue_band",
    "employee_band": "employee_band",
    "credit_rating": "credit_rating",
    "satisfaction": "satisfaction",
}


CUSTOMER_FIELDS = [
    "name", "kind", "industry", "product_line", "source", "referrer", "introducer", "nature", "revenue_band",
    "employee_band", "partner", "partner_type", "partner_level", "territory",
    "rating", "level", "satisfaction", "province", "city", "county", "address", "postcode",
    "phone", "fax", "website", "email", "wechat", "qq", "weibo", "licence_number", "legal_representative",
    "registered_capital", "bank", "bank_account", "tax_number", "remarks", "tags",
]  # fmt: skip


AUDITED_FIELDS = [*CUSTOMER_FIELDS, "owner", "status", "custom"]
# ``credit_rating`` is not typed by people: finance's credit assessment keeps it (the rating it computes
# nightly, or a manager's override) through ``customers_credit_rating_set``; forms, the API and imports read it.


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
    _partner_clean(customer, current, refuse)
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
        # The owner, creator and pool are the service's own choices, checked there; not looked up again. The
        # unique checks would all be skipped (each constraint names an excluded field: the number, the unit)
        # after building a queryset each: the database's constraints decide those.
        customer.full_clean(
            exclude=["number", "name_key", "name_pinyin", "business_unit", "owner", "created_by", "pool", "partner"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                refuse(field, message)
    if errors:
        raise ValidationError(errors)
    customer.name_key = keys.name_key(customer.name)
    customer.name_pinyin = keys.name_pinyin(customer.name)[:300]


def _partner_clean(customer: Customer, current: Customer | None, refuse: Callable[[str, str], None]) -> None:
    """A partner's type, level and territory (kept only on partners); the partner who brought the customer."""
    from .. import partners

    if customer.kind == partners.PARTNER:
        customer.territory = customer.territory.strip()
        if not customer.partner_type:
            refuse("partner_type", _("Say whether the channel partner is a distributor or an agent."))
        for field, type_code in partners.DICTIONARY_FIELDS.items():
            if value := getattr(customer, field):
                try:
                    dictionary_validate(type_code, value, field=field, current=getattr(current, field, None))
                except DomainError as error:
                    refuse(field, str(error.message))
    else:
        customer.partner_type = customer.partner_level = customer.territory = ""
        if current is not None and current.kind == partners.PARTNER and (found := partners.attributions_of(current)):
            refuse(
                "kind",
                _("This channel partner brought %(records)s; it stays a partner while they name it.")
                % {"records": ", ".join(found)},
            )
    try:
        partners.partner_validate(customer.partner_id, unit_id=customer.business_unit_id, own_pk=customer.pk)
    except DomainError as error:
        refuse("partner", str(error.message))


def customer_name_save(customer: Customer) -> None:
    """The search box's keys of a saved customer (its name, e-mail and phone), in their row beside the
    customer's."""
    CustomerName.objects.update_or_create(customer=customer, defaults=_search_keys(customer))


def customer_name_row(customer: Customer) -> CustomerName:
    """The search keys' row of a new customer, unsaved (for a ``bulk_create`` of many)."""
    return CustomerName(customer=customer, **_search_keys(customer))


def _search_keys(customer: Customer) -> dict[str, str]:
    return {
        "name_key": customer.name_key,
        "name_pinyin": customer.name_pinyin,
        "name_initials": keys.name_initials(customer.name)[:60],
        "name_bigrams": keys.name_bigrams(customer.name_key),
        "email": customer.email.lower(),
        "phone_tail": keys.phone_tail(customer.phone),
    }


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
    try:  # its one constraint (one primary contact) names the excluded customer: the database decides it
        contact.full_clean(exclude=["customer", "name_initials"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    contact.name_initials = keys.name_initials(contact.name)[:60]


def required_customer_fields(unit_id: int | None) -> list[str]:
    """The fields the unit made required (parameter ``customers.required_fields``)."""
    return list(parameter_value("customers.required_fields", unit=unit_id))


def owner_label(actor: User, customer: Customer, *, visible: bool | None = None) -> str:
    """Who owns a customer, as the actor may know it: the name within their scope, masked (李**) outside."""
    if customer.owner is None:
        return str(_("the public pool"))
    if visible is None:
        visible = Customer.objects.visible_to(actor).filter(pk=customer.pk).exists()
    return str(customer.owner) if visible else str(customer.owner)[:1] + "**"


def register() -> None:
    from guanxi.core.config.dictionary import register_dictionary_usage

    for field, type_code in DICTIONARY_FIELDS.items():
        register_dictionary_usage(type_code, Customer, field)
