"""Converting a lead (SPEC §5.4): into a new customer (through ``customer_create``, which enforces the
duplicate check and the holding limits) or an existing one, with its contact and optionally an
opportunity. The lead stays, closed and linked to the customer: its history is the customer's history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.activities.services import related_attach_customer
from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.permissions import has_perm, require_perm
from guanxi.customers import services as customer_services
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User
from guanxi.sales.services import opportunity_create

from .models import Lead, LeadStatus
from .services import _require_edit, _require_open


@dataclass(frozen=True)
class Conversion:
    customer: Customer
    contact: Contact | None
    opportunity: Any = None


def customer_data_of(lead: Lead) -> dict[str, Any]:
    """What a new customer takes from the lead (the conversion form shows it to be corrected)."""
    return {
        "name": lead.company or lead.name,
        "kind": Customer.Kind.COMPANY if lead.company else Customer.Kind.INDIVIDUAL,
        "source": lead.source,
        "product_line": lead.product_line,
        "province": lead.province,
        "city": lead.city,
        "county": lead.county,
        "address": lead.address,
        "phone": lead.phone,
        "email": lead.email,
        "remarks": lead.need[:500],
        "partner": lead.partner,
    }


def contact_data_of(lead: Lead) -> dict[str, Any]:
    return {
        "name": lead.name,
        "position": lead.position,
        "mobile": lead.mobile,
        "phone": lead.phone,
        "email": lead.email,
        "wechat": lead.wechat,
        "qq": lead.qq,
    }


def opportunities_available(actor: User) -> bool:
    return has_perm(actor, "opportunities.create")


@customer_services.keeps_conflict_cases
@transaction.atomic
def lead_convert(
    *,
    actor: User,
    lead: Lead,
    customer: Customer | None = None,
    customer_data: Mapping[str, Any] | None = None,
    contact_data: Mapping[str, Any] | None = None,
    opportunity_data: Mapping[str, Any] | None = None,
) -> Conversion:
    """Turn an open lead into a customer — a new one (``customer_data`` over what the lead knows), or the
    existing ``customer`` — with the lead's person as a contact, and an opportunity when
    ``opportunity_data`` is given. A new customer that already exists is refused (409
    ``duplicate_customer``, naming it); convert into that one instead."""
    _require_edit(actor, lead)
    current = Lead.objects.select_for_update().get(pk=lead.pk)
    _require_open(current)
    contact_values = {**contact_data_of(current), **(contact_data or {})}
    if customer is None:
        require_perm(actor, "customers.create")
        values = {**customer_data_of(current), **(customer_data or {})}
        customer = customer_services.customer_create(
            actor=actor, data=values, contact=contact_values, owner=current.owner or actor
        )
        contact = customer.contacts.order_by("-is_primary", "pk").first()
    else:
        if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
            raise NotPermitted(_("This customer is outside your data scope."))
        if not customer_services.can_edit(actor, customer):
            raise NotPermitted(_("This customer is shared with you read-only."))
        if customer.business_unit_id != current.business_unit_id:
            raise DomainError(_("Choose a customer of the lead's business unit."), field="customer")
        if current.partner_id and not customer.partner_id:  # the partner who brought the lead brought the customer
            customer_services.customer_partner_attribute(actor=actor, customer=customer, partner_id=current.partner_id)
        contact = _same_contact(customer, contact_values)
        if contact is None:
            contact = customer_services.contact_save(actor=actor, customer=customer, contact=None, data=contact_values)
    opportunity = None
    if opportunity_data:
        values = {"contact": contact, "source": current.source, "need": current.need, **opportunity_data}
        opportunity = opportunity_create(actor=actor, customer=customer, data=values, source_lead=current)
    now = timezone.now()
    Lead.objects.filter(pk=current.pk).update(
        status=LeadStatus.CONVERTED,
        customer=customer,
        contact=contact,
        opportunity_id=getattr(opportunity, "pk", None),
        converted_at=now,
        converted_by=actor,
        updated_at=now,
    )
    lead.status, lead.customer, lead.contact, lead.converted_at = LeadStatus.CONVERTED, customer, contact, now
    lead.opportunity_id = getattr(opportunity, "pk", None)
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=lead,
        changes={"status": [current.status, LeadStatus.CONVERTED], "customer": [None, customer.pk]},
        note=_("Converted into %(customer)s") % {"customer": customer.number},
    )
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=customer,
        changes={"lead": [None, current.number]},
        note=_("From lead %(number)s (%(lead)s)") % {"number": current.number, "lead": current},
    )
    _attach_followups(actor, current, customer)
    return Conversion(customer, contact, opportunity)


def _same_contact(customer: Customer, values: Mapping[str, Any]) -> Contact | None:
    """The customer's contact who is the lead's person: the same mobile, or the same name."""
    from guanxi.customers.keys import BadPhone, normalise_phone

    contacts = Contact.objects.filter(customer=customer)
    mobile = values.get("mobile") or ""
    if mobile:
        try:
            found = contacts.filter(mobile=normalise_phone(mobile, mobile=True)).first()
        except BadPhone:
            found = None
        if found:
            return found
    return contacts.filter(name=(values.get("name") or "").strip()).first() if values.get("name") else None


def _attach_followups(actor: User, lead: Lead, customer: Customer) -> None:
    """The lead's follow-ups and plans belong to the customer from now on: its timeline shows them."""
    related_attach_customer(actor=actor, related=lead, customer=customer)
