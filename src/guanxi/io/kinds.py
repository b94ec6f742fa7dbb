"""The record types an import carries: their columns, how a row finds the record it may already be, and which
service saves it. Every rule of a record stays in its own app's services; a row is only parsed here."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.config.custom_fields import custom_fields_for
from guanxi.core.config.dictionary import dictionary_labels
from guanxi.core.errors import DomainError
from guanxi.core.memo import remembered
from guanxi.core.models import CustomField
from guanxi.core.scope import owner_in_scope
from guanxi.customers import keys
from guanxi.customers import services as customers
from guanxi.customers.models import Contact, Customer
from guanxi.customers.services.common import DICTIONARY_FIELDS
from guanxi.leads import services as leads
from guanxi.leads.models import OPEN_STATUSES, Channel, Lead, LeadPool
from guanxi.leads.services import SOURCE_TYPE
from guanxi.org.models import User
from guanxi.pool.models import Pool
from guanxi.sales import services as sales
from guanxi.sales.models import Opportunity, Status
from guanxi.sales.products import services as products
from guanxi.sales.products.models import Product, ProductCategory

from . import reading
from .models import Strategy


@dataclass(frozen=True, eq=False)  # one column is itself: a job's memory of it hashes by identity, not its labels
class Column:
    key: str  # "name", "contact_mobile", "customer"
    field_label: str | Promise
    parse: str = "text"  # text, phone, date, decimal, integer, boolean, choice, dictionary, customer
    required: bool = False
    choices: tuple[tuple[str, Any], ...] = ()  # (code, lazy label) of a model field's choices
    dictionary: str = ""  # the dictionary type of the allowed values
    aliases: tuple[str | Promise, ...] = ()  # more headers that name it ("客户名称" for a customer's name)
    custom: CustomField | None = None  # a column of one of the unit's custom fields ("custom.<key>")

    @property
    def label(self) -> str:
        """In the reader's language, read now (a contact's field says it is the contact's)."""
        if self.custom is not None:
            return self.custom.label
        if self.key.startswith("contact_"):
            return _("Contact %(field)s") % {"field": self.field_label}
        return capfirst(str(self.field_label))

    def allowed(self) -> dict[str, str]:
        """The allowed values' labels by code, for the template's drop-down and for reading a label back."""
        if self.dictionary:
            return dictionary_labels(self.dictionary)
        return {code: str(label) for code, label in self.choices}


@dataclass
class Row:
    """One row's parsed values, by where they go, and the context the job gives every row."""

    data: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)  # custom field values by key
    customer: Customer | None = None


@dataclass(frozen=True)
class Target:
    actor: User
    owner: User | None
    pool: Pool | None
    strategy: str
    lead_pool: LeadPool | None = None  # leads wait there with no owner


Saved = tuple[str, int]  # (created | updated | skipped, the record's id)


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise
    module: str  # the permission module: ``<module>.import``
    columns: tuple[Column, ...]
    strategies: tuple[str, ...]
    existing: Callable[[Target, Row], list[models.Model]]
    create: Callable[[Target, Row], models.Model]
    update: Callable[[Target, Row, Any], models.Model]
    # rows registered together with the "skip" strategy: one result per row, as the record's batch service
    # answers (customers: ``customers_create_batch``); without it every row goes through ``create`` alone
    create_batch: Callable[[Target, list[Row]], list[Any]] | None = None
    owned: bool = True  # an owner (or the pool) is chosen for its records
    poolable: bool = False  # may go into the customers' public pool
    lead_poolable: bool = False  # may go into a lead pool
    model: type[models.Model] | None = None  # whose custom fields are columns too

    def columns_of(self, unit: int | None) -> tuple[Column, ...]:
        """The record type's columns, then the custom fields its records have in business unit ``unit``."""
        if self.model is None:
            return self.columns
        return self.columns + tuple(custom_column(field) for field in custom_fields_for(self.model, unit=unit))

    def column(self, key: str, unit: int | None) -> Column:
        return next(column for column in self.columns_of(unit) if column.key == key)


CUSTOM_PARSE = {
    CustomField.Type.NUMBER: "decimal", CustomField.Type.MONEY: "decimal", CustomField.Type.DATE: "date",
    CustomField.Type.BOOLEAN: "boolean", CustomField.Type.CHOICE: "dictionary",
    CustomField.Type.MULTI_CHOICE: "dictionary_list", CustomField.Type.USER: "user",
}  # fmt: skip


def custom_column(custom: CustomField) -> Column:
    dictionary = custom.dictionary_type.code if custom.dictionary_type_id else ""  # type: ignore[union-attr]
    return Column(
        f"custom.{custom.key}",
        custom.label,
        CUSTOM_PARSE.get(custom.type, "text"),  # type: ignore[call-overload]
        required=custom.required,
        dictionary=dictionary,
        custom=custom,
    )


def model_columns(
    model: type[models.Model], names: list[str], *, prefix: str = "", required: tuple[str, ...] = ()
) -> list[Column]:
    """Columns for model fields, labelled and parsed as the fields are."""
    columns = []
    for name in names:
        model_field = model._meta.get_field(name)
        label = model_field.verbose_name  # type: ignore[union-attr]
        parse, dictionary = "text", ""
        if name in ("mobile", "phone", "fax", "qq"):
            parse = "phone"
        elif isinstance(model_field, models.ForeignKey) and model_field.related_model is ProductCategory:
            parse = "category"
        elif isinstance(model_field, models.DateField):
            parse = "date"
        elif isinstance(model_field, models.DecimalField):
            parse = "decimal"
        elif isinstance(model_field, models.BooleanField):
            parse = "boolean"
        elif isinstance(model_field, models.IntegerField):
            parse = "integer"
        elif model_field.choices:  # type: ignore[union-attr]
            parse = "choice"
        dictionary = {**DICTIONARY_FIELDS, "loss_reason": "loss_reason"}.get(name, "") if model is not Lead else ""
        if model in (Lead, Opportunity) and name == "source":
            dictionary = SOURCE_TYPE
        if dictionary:
            parse = "dictionary"
        columns.append(
            Column(
                prefix + name,
                label,
                parse,
                required=name in required,
                choices=tuple(model_field.choices or ()),  # type: ignore[union-attr]
                dictionary=dictionary,
                aliases=ALIASES.get(prefix + name, ()),
            )
        )
    return columns


ALIASES: dict[str, tuple[str | Promise, ...]] = {
    "name": (gettext_lazy("Customer name"), gettext_lazy("Name"), gettext_lazy("Full name")),
    "contact_name": (gettext_lazy("Contact name"), gettext_lazy("Contact")),
    "contact_mobile": (gettext_lazy("Contact mobile"), gettext_lazy("Mobile")),
    "unit_of_measure": (gettext_lazy("Unit"),),  # 单位: a product's, the only record with this column
}


CUSTOMER_COLUMN = Column(
    "customer", gettext_lazy("Customer (name or number)"), "customer", required=True,
    aliases=(gettext_lazy("Customer"), gettext_lazy("Customer name"), gettext_lazy("Customer number")),
)  # fmt: skip


def parse_cell(column: Column, raw: Any, target: Target) -> Any:
    """One cell as the value the service expects, or ``BadCell`` with the reason."""
    if column.parse == "date":
        return reading.as_date(raw)
    if column.parse == "decimal":
        return reading.as_decimal(raw)
    if column.parse == "integer":
        return reading.as_integer(raw)
    if column.parse == "boolean":
        return reading.as_boolean(raw)
    if column.parse == "phone":
        return reading.folded(raw)
    text = reading.as_text(raw)
    if column.parse in ("choice", "dictionary") and text:
        return _code_of(column, text)
    if column.parse == "dictionary_list":
        return [_code_of(column, item) for item in LIST_SEPARATORS.split(text) if item.strip()]
    if column.parse == "user" and text:
        return _user_named(target.actor, text)
    if column.parse == "category":
        return _category_named(target.actor, text) if text else None
    if column.parse == "customer":
        return _customer_named(target.actor, text)
    return text


LIST_SEPARATORS = re.compile(r"[,，、;；]")


def _user_named(actor: User, text: str) -> int:
    """A colleague of the actor's unit by name or user name."""
    found = list(
        User.objects.filter(department__business_unit_id=actor.business_unit_id)
        .filter(Q(username=text) | Q(display_name=text))
        .values_list("pk", flat=True)[:2]
    )
    if len(found) != 1:
        raise reading.BadCell(_("No single colleague is called %(name)s.") % {"name": text})
    return found[0]


def _category_named(actor: User, text: str) -> ProductCategory:
    """A category of the actor's unit by name ("机床" or a path "设备/机床")."""
    *parents, name = [part.strip() for part in re.split(r"[/／>]", text)]
    found = ProductCategory.objects.filter(business_unit_id=actor.business_unit_id, name=name)
    if parents:
        found = found.filter(parent__name=parents[-1])
    matches = list(found[:2])
    if len(matches) != 1:
        raise reading.BadCell(_("No single product category is called %(name)s.") % {"name": text})
    return matches[0]


def _code_of(column: Column, text: str) -> str:
    """A label in either language, or the code itself; the service then checks that it is allowed."""
    wanted = reading.folded(text).casefold()
    return _codes_by_text(column).get(wanted, text)  # unknown: the record's own validation refuses it in its words


@remembered
def _codes_by_text(column: Column) -> dict[str, str]:
    """What a cell may say for each code, first match first: the code or its label in the reader's language,
    then its Chinese label, then its English one (read once per job, not once per cell)."""
    codes: dict[str, str] = {}
    for code, label in column.allowed().items():
        codes.setdefault(code.casefold(), code)
        codes.setdefault(reading.folded(label).casefold(), code)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for code, label in [*column.allowed().items(), *column.choices]:
                codes.setdefault(reading.folded(str(label)).casefold(), code)
    return codes


def _customer_named(actor: User, text: str) -> Customer:
    if not text:
        raise reading.BadCell(_("This field is required."))
    found = list(
        Customer.objects.visible_to(actor).filter(Q(number=text) | Q(name_key=keys.name_key(text))).order_by("pk")[:3]
    )
    if not found:
        raise reading.BadCell(_("No customer you may see is called %(name)s.") % {"name": text})
    if len(found) > 1:
        raise reading.BadCell(_("Two customers match %(name)s; give the customer number.") % {"name": text})
    return found[0]


def _non_empty(values: Mapping[str, Any]) -> dict[str, Any]:
    """An update changes only what the file fills in; an empty cell keeps the stored value."""
    return {name: value for name, value in values.items() if value not in ("", None)}


def _custom_update(row: Row, record: Any) -> dict[str, Any] | None:
    """The record's custom values with the file's filled-in ones over them (None: the file has none)."""
    filled = _non_empty(row.custom)
    return {**record.custom, **filled} if filled else None


def _check_owner(target: Target, module: str) -> User:
    owner = target.owner or target.actor
    if owner.pk != target.actor.pk and not owner_in_scope(target.actor, module, owner):
        raise DomainError(_("Choose an owner within your data scope."), field="owner")
    return owner


# --- customers, with their first contact ----------------------------------------------------------------


def _customer_existing(target: Target, row: Row) -> list[models.Model]:
    unit = target.pool.business_unit_id if target.pool else (target.owner or target.actor).business_unit_id
    phones = [row.data.get("phone", ""), row.contact.get("mobile", ""), row.contact.get("phone", "")]
    found = customers.customer_duplicates(
        unit_id=unit or 0,
        name=row.data.get("name", ""),
        phones=[phone for phone in phones if phone],
        tax_number=row.data.get("tax_number", ""),
    )
    return [duplicate.customer for duplicate in found if duplicate.reason != "similar_name"]


def _customer_create(target: Target, row: Row) -> models.Model:
    owner = None if target.pool else _check_owner(target, "customers")
    return customers.customer_create(
        actor=target.actor, data=row.data, contact=row.contact or None, owner=owner, pool=target.pool,
        custom=row.custom,
    )  # fmt: skip


def _customer_create_batch(target: Target, rows: list[Row]) -> list[Any]:
    """The rows registered together, those already there answered with what they match (the skip strategy)."""
    owner = None if target.pool else _check_owner(target, "customers")
    return customers.customers_create_batch(
        actor=target.actor, owner=owner, pool=target.pool, skip_existing=True,
        rows=[customers.NewCustomer(row.data, row.contact or None, row.custom) for row in rows],
    )  # fmt: skip


def _customer_update(target: Target, row: Row, customer: Any) -> models.Model:
    if not Customer.objects.visible_to(target.actor).filter(pk=customer.pk).exists():
        raise DomainError(_("This customer already exists: %(name)s (%(number)s).") % {
            "name": customer.name, "number": customer.number})  # fmt: skip
    return customers.customer_update(
        actor=target.actor, customer=customer, version=customer.version, data=_non_empty(row.data),
        custom=_custom_update(row, customer),
    )  # fmt: skip


# --- contacts of customers ------------------------------------------------------------------------------


def _contact_existing(target: Target, row: Row) -> list[models.Model]:
    assert row.customer is not None
    same = Q(mobile=row.data["mobile"]) if row.data.get("mobile") else Q(name=row.data.get("name", ""))
    return list(Contact.objects.filter(customer=row.customer).filter(same)[:3])


def _contact_create(target: Target, row: Row) -> models.Model:
    assert row.customer is not None
    return customers.contact_save(actor=target.actor, customer=row.customer, contact=None, data=row.data)


def _contact_update(target: Target, row: Row, contact: Any) -> models.Model:
    assert row.customer is not None
    return customers.contact_save(
        actor=target.actor, customer=row.customer, contact=contact, data=_non_empty(row.data), version=contact.version
    )


# --- leads ----------------------------------------------------------------------------------------------


def _lead_existing(target: Target, row: Row) -> list[models.Model]:
    same = Q()
    for name in ("mobile", "email"):
        if row.data.get(name):
            same |= Q(**{name: row.data[name]})
    if not same:
        return []
    unit = (target.owner or target.actor).business_unit_id
    return list(Lead.objects.filter(business_unit_id=unit, status__in=OPEN_STATUSES).filter(same)[:3])


def _lead_create(target: Target, row: Row) -> models.Model:
    return leads.lead_create(
        actor=target.actor, data=row.data, channel=Channel.IMPORT, custom=row.custom, pool=target.lead_pool,
        owner=None if target.lead_pool else _check_owner(target, "leads"),
    )  # fmt: skip


def _lead_update(target: Target, row: Row, lead: Any) -> models.Model:
    return leads.lead_update(
        actor=target.actor, lead=lead, version=lead.version, data=_non_empty(row.data), custom=_custom_update(row, lead)
    )


# --- opportunities --------------------------------------------------------------------------------------


def _opportunity_existing(target: Target, row: Row) -> list[models.Model]:
    return list(
        Opportunity.objects.filter(customer=row.customer, name=row.data.get("name", ""), status=Status.OPEN)[:3]
    )


def _opportunity_create(target: Target, row: Row) -> models.Model:
    assert row.customer is not None
    data = {**row.data, "owner": _check_owner(target, "opportunities")}
    return sales.opportunity_create(actor=target.actor, customer=row.customer, data=data, custom=row.custom)


def _opportunity_update(target: Target, row: Row, opportunity: Any) -> models.Model:
    return sales.opportunity_update(
        actor=target.actor, opportunity=opportunity, version=opportunity.version, data=_non_empty(row.data),
        custom=_custom_update(row, opportunity),
    )  # fmt: skip


# --- products -------------------------------------------------------------------------------------------


def _product_existing(target: Target, row: Row) -> list[models.Model]:
    unit = target.actor.business_unit_id
    return list(Product.objects.filter(business_unit_id=unit, code=row.data.get("code", ""))[:2])


def _product_create(target: Target, row: Row) -> models.Model:
    return products.product_create(actor=target.actor, data=row.data)


def _product_update(target: Target, row: Row, product: Any) -> models.Model:
    return products.product_update(
        actor=target.actor, product=product, data=_non_empty(row.data), version=product.version
    )


KINDS: dict[str, Kind] = {
    "customers": Kind(
        "customers",
        gettext_lazy("Customers"),
        "customers",
        (
            *model_columns(
                Customer,
                [
                    "name",
                    "industry",
                    "source",
                    "level",
                    "address",
                    "phone",
                    "email",
                    "website",
                    "tax_number",
                    "remarks",
                ],
                required=("name",),
            ),
            *model_columns(Contact, ["name", "mobile", "phone", "email", "position"], prefix="contact_"),
        ),
        strategies=(Strategy.SKIP, Strategy.UPDATE),  # a second customer of the same name is never allowed
        existing=_customer_existing,
        create=_customer_create,
        update=_customer_update,
        create_batch=_customer_create_batch,
        poolable=True,
        model=Customer,
    ),
    "contacts": Kind(
        "contacts",
        gettext_lazy("Contacts"),
        "customers",
        (
            CUSTOMER_COLUMN,
            *model_columns(
                Contact,
                ["name", "mobile", "phone", "email", "position", "department", "gender", "birthday", "remarks"],
                required=("name",),
            ),
        ),
        strategies=(Strategy.SKIP, Strategy.UPDATE, Strategy.CREATE),
        existing=_contact_existing,
        create=_contact_create,
        update=_contact_update,
        owned=False,
    ),
    "leads": Kind(
        "leads",
        gettext_lazy("Leads"),
        "leads",
        tuple(
            model_columns(
                Lead,
                ["name", "company", "position", "mobile", "phone", "email", "source", "address", "need", "remarks"],
                required=("name",),
            )
        ),
        strategies=(Strategy.SKIP, Strategy.UPDATE),  # the lead's own rules refuse a second open lead
        existing=_lead_existing,
        create=_lead_create,
        update=_lead_update,
        lead_poolable=True,
        model=Lead,
    ),
    "opportunities": Kind(
        "opportunities",
        gettext_lazy("Opportunities"),
        "opportunities",
        (
            CUSTOMER_COLUMN,
            *model_columns(
                Opportunity,
                ["name", "amount", "expected_close_date", "probability", "source", "need", "next_step"],
                required=("name",),
            ),
        ),
        strategies=(Strategy.SKIP, Strategy.UPDATE, Strategy.CREATE),
        existing=_opportunity_existing,
        create=_opportunity_create,
        update=_opportunity_update,
        model=Opportunity,
    ),
    "products": Kind(
        "products",
        gettext_lazy("Products"),
        "products",
        (
            *model_columns(
                Product,
                [
                    "code",
                    "name",
                    "category",
                    "specification",
                    "unit_of_measure",
                    "list_price",
                    "floor_price",
                    "cost",
                    "tax_rate",
                    "on_sale",
                    "stock_quantity",
                ],
                required=("code", "name", "list_price", "floor_price"),
            ),
        ),
        strategies=(Strategy.SKIP, Strategy.UPDATE),  # a product code is unique in the unit
        existing=_product_existing,
        create=_product_create,
        update=_product_update,
        owned=False,
    ),
}
