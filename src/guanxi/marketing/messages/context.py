"""The values a template is rendered with, as plain dictionaries (the sandbox reaches nothing else): for a
campaign member (a batch at a time, a few queries per batch) or for a record chosen for a preview."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.urls import reverse

from guanxi.customers.models import Contact, Customer
from guanxi.leads.models import Lead
from guanxi.org.models import User

from ..campaigns.models import CampaignMember


def unsubscribe_url(token: str) -> str:
    return settings.SITE_URL + reverse("marketing:unsubscribe", args=[token])


def _person(user: User | None) -> dict[str, str]:
    if user is None:
        return {"name": "", "mobile": "", "email": ""}
    return {"name": str(user.display_name or user.username), "mobile": user.mobile or "", "email": user.email or ""}


def context(
    *,
    name: str,
    company: str,
    customer_name: str = "",
    salutation: str = "",
    owner: User | None,
    campaign: str,
    token: str = "preview",
) -> dict[str, Any]:
    return {
        "customer": {"name": customer_name or company},
        "contact": {"name": name, "salutation": salutation},
        "lead": {"name": name, "company": company},
        "recipient": {"name": name, "company": company},
        "owner": _person(owner),
        "campaign": {"name": campaign},
        "unsubscribe_url": unsubscribe_url(token),
    }


def for_members(
    members: Sequence[CampaignMember], *, campaign: Any, tokens: dict[int, str]
) -> dict[int, dict[str, Any]]:
    """By member id: the account owner (the customer's or the lead's, else the campaign's) and the
    contact's salutation, looked up for the whole batch."""
    customer_ids = {m.customer_id for m in members if m.customer_id}
    lead_ids = {m.lead_id for m in members if m.lead_id}
    contact_ids = {m.contact_id for m in members if m.contact_id}
    owners = dict(Customer.all_objects.filter(pk__in=customer_ids).values_list("pk", "owner_id"))
    lead_owners = dict(Lead.all_objects.filter(pk__in=lead_ids).values_list("pk", "owner_id"))
    salutations = dict(Contact.all_objects.filter(pk__in=contact_ids).values_list("pk", "salutation"))
    people = {user.pk: user for user in User.objects.filter(pk__in={*owners.values(), *lead_owners.values()} - {None})}
    found = {}
    for member in members:
        owner_id = owners.get(member.customer_id) if member.customer_id else lead_owners.get(member.lead_id)
        found[member.pk] = context(
            name=member.name,
            company=member.company,
            salutation=salutations.get(member.contact_id, "") if member.contact_id else "",
            owner=people.get(owner_id) if owner_id else campaign.owner,
            campaign=campaign.name,
            token=tokens.get(member.pk, "preview"),
        )
    return found


def for_record(*, actor: User, kind: str, record: Any, campaign: str = "") -> dict[str, Any]:
    """A preview's values from a real customer, contact or lead the actor chose."""
    if kind == "lead":
        return context(name=record.name, company=record.company, owner=record.owner or actor, campaign=campaign)
    if kind == "contact":
        return context(
            name=record.name, company=record.customer.name, salutation=record.salutation,
            owner=record.customer.owner or actor, campaign=campaign,
        )  # fmt: skip
    primary = record.contacts.filter(is_primary=True).first()
    return context(
        name=primary.name if primary else record.name, company=record.name,
        salutation=primary.salutation if primary else "", owner=record.owner or actor, campaign=campaign,
    )  # fmt: skip
