"""Who a filter of the customer or lead list finds, as campaign members: the same rows the list shows the
actor for the same query (so a saved filter means here what it means on its list), read in chunks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.http import QueryDict

from guanxi.core.config.custom_forms import add_custom_filters, custom_filter_apply
from guanxi.customers.exports import listed_customers
from guanxi.customers.models import Contact, Customer
from guanxi.leads import selectors as lead_selectors
from guanxi.leads.forms import LeadFilterForm
from guanxi.leads.models import Lead
from guanxi.org.models import User

from .models import AudienceKind, CampaignMember, MemberKind

CHUNK = 2000


def query_of(text: str) -> str:
    """The filter part of what was pasted: a whole list URL, ``?a=b`` or ``a=b``."""
    text = (text or "").strip()
    if "?" in text or text.startswith(("http://", "https://", "/")):
        text = urlsplit(text).query
    query = QueryDict(text)
    pairs = [(name, value) for name, values in query.lists() if name != "page" for value in values if value]
    out = QueryDict(mutable=True)
    for name, value in pairs:
        out.appendlist(name, value)
    return out.urlencode()


def customers_of(actor: User, query: str) -> QuerySet[Customer]:
    customers, _form = listed_customers(actor, QueryDict(query))
    return customers.order_by()


def leads_of(actor: User, query: str) -> QuerySet[Lead]:
    form = LeadFilterForm(QueryDict(query) or None, actor=actor)
    add_custom_filters(form, Lead, actor.business_unit_id)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    leads = lead_selectors.lead_list(
        actor=actor,
        scene=data.get("scene") or "open",
        query=data.get("q", ""),
        filters={name: data.get(name) for name in lead_selectors.FILTERS},
    )
    return custom_filter_apply(leads, Lead, actor.business_unit_id, data).order_by()


def count_of(actor: User, kind: str, query: str) -> int:
    if kind == AudienceKind.LEADS:
        return leads_of(actor, query).count()
    customers = customers_of(actor, query)
    if kind == AudienceKind.CONTACTS:
        return Contact.objects.visible_to(actor).filter(customer__in=customers.values("pk")).count()
    return customers.count()


def _mobile(value: str) -> str:
    digits = "".join(ch for ch in value or "" if ch.isdigit())
    return digits if len(digits) == 11 and digits.startswith("1") else ""


def members_of(actor: User, kind: str, query: str) -> Iterator[list[CampaignMember]]:
    """Unsaved members, a chunk at a time."""
    if kind == AudienceKind.LEADS:
        rows = leads_of(actor, query).values_list("pk", "name", "company", "email", "mobile", "customer_id")
        yield from _chunks(
            CampaignMember(
                kind=MemberKind.LEAD, lead_id=pk, name=name, company=company, email=email, mobile=_mobile(mobile)
            )
            for pk, name, company, email, mobile, _customer in rows.iterator(chunk_size=CHUNK)
        )
        return
    customers = customers_of(actor, query)
    if kind == AudienceKind.CONTACTS:
        contacts = Contact.objects.visible_to(actor).filter(customer__in=customers.values("pk"))
        people = contacts.values_list("pk", "customer_id", "name", "customer__name", "email", "mobile")
        yield from _chunks(
            CampaignMember(
                kind=MemberKind.CONTACT,
                contact_id=pk,
                customer_id=customer,
                name=name,
                company=company,
                email=email,
                mobile=_mobile(mobile),
            )
            for pk, customer, name, company, email, mobile in people.iterator(chunk_size=CHUNK)
        )
        return
    for chunk in _chunks(customers.values_list("pk", "name", "email", "phone").iterator(chunk_size=CHUNK)):
        primary = {
            row[0]: row[1:]
            for row in Contact.objects.filter(customer_id__in=[row[0] for row in chunk], is_primary=True).values_list(
                "customer_id", "pk", "name", "email", "mobile"
            )
        }
        members = []
        for pk, name, email, phone in chunk:
            contact, person, contact_email, mobile = primary.get(pk, (None, name, "", ""))
            members.append(
                CampaignMember(
                    kind=MemberKind.CUSTOMER,
                    customer_id=pk,
                    contact_id=contact,
                    name=person,
                    company=name,
                    email=contact_email or email,
                    mobile=_mobile(mobile) or _mobile(phone),
                )
            )
        yield members


def _chunks(rows: Any) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
