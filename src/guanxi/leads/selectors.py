"""Reads of leads, all starting from ``visible_to(actor)`` (SPEC §5)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.config.parameters import parameter_value
from guanxi.core.permissions import has_perm
from guanxi.core.scope import get_readable_or_404
from guanxi.core.search import Hit
from guanxi.customers import keys
from guanxi.customers.models import Customer
from guanxi.org.models import User

from .models import OPEN_STATUSES, AssignmentRule, Lead, LeadForm

SCENES = {
    "open": _("Open leads"),
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "new": _("New, not yet contacted"),
    "stale": _("No follow-up for a month"),
    "duplicates": _("Possible duplicates"),
    "all": _("All I can see"),
}
FILTERS = ["status", "source", "channel", "owner", "province", "form", "partner", "created_from", "created_to"]
ORDERINGS = {
    "updated": ("-updated_at", "-pk"),
    "created": ("-created_at", "-pk"),
    "last_followup": ("last_followup_at", "pk"),
    "name": ("name", "pk"),
}


def stale_before(now: datetime, days: int = 30) -> datetime:
    return now - timedelta(days=days)


def scene_filter(actor: User, scene: str, now: datetime | None = None) -> Q:
    now = now or timezone.now()
    match scene:
        case "open":
            return Q(status__in=OPEN_STATUSES)
        case "mine":
            return Q(owner=actor, status__in=OPEN_STATUSES)
        case "unassigned":
            return Q(owner__isnull=True, status__in=OPEN_STATUSES)
        case "new":
            return Q(status="new")
        case "stale":
            return stale_filter(now, parameter_value("leads.followup_days", unit=actor.business_unit_id))
        case "duplicates":
            return Q(status__in=OPEN_STATUSES) & (Q(duplicate_of__isnull=False) | Q(matched_customer__isnull=False))
    return Q()


def stale_filter(now: datetime, days: int = 30) -> Q:
    """Open leads older than ``days`` without a follow-up within them: the seed's rule of at least one action
    a month (每月至少一个一般行动). The same rule as the compliance report's row (``checks``)."""
    from .checks import followed_up_since

    since = stale_before(now, days)
    return Q(status__in=OPEN_STATUSES, created_at__lt=since) & ~Q(followed_up_since(since))


def _exact_key(text: str) -> Q | None:
    """A phone, an e-mail or the number: found by their plain indexes."""
    digits = re.sub(r"[\s\-+]", "", text)
    if digits.isdigit() and len(digits) >= 7:
        phone = keys.normalise_phone_loose(text)
        return Q(mobile=phone) | Q(phone=phone)
    if "@" in text:
        return Q(email=text.lower())
    if re.fullmatch(r"[A-Za-z]{2}\d{6,}", text):
        return Q(number=text.upper())
    return None


def search_filter(query: str) -> Q:
    """A phone, an e-mail, the number, or a fragment of the person's or company's name."""
    text = query.strip()
    if not text:
        return Q()
    return _exact_key(text) or Q(name__contains=text) | Q(company__contains=text)


def lead_list(
    *, actor: User, scene: str = "open", query: str = "", filters: dict[str, Any] | None = None, ordering: str = ""
) -> QuerySet[Lead]:
    leads = Lead.objects.visible_to(actor).select_related("owner")
    if scene in SCENES:
        leads = leads.filter(scene_filter(actor, scene))
    if query:
        leads = leads.filter(search_filter(query))
    for name, value in (filters or {}).items():
        if value in (None, "", []):
            continue
        if name in {"status", "source", "channel", "owner", "province", "form", "partner"}:
            leads = leads.filter(**{name: value})
        elif name == "created_from":
            leads = leads.filter(created_at__date__gte=value)
        elif name == "created_to":
            leads = leads.filter(created_at__date__lte=value)
    return leads.order_by(*ORDERINGS.get(ordering, ORDERINGS["updated"]))


def lead_for_detail(*, actor: User, pk: int) -> Lead:
    queryset = Lead.objects.select_related(
        "owner",
        "department",
        "form",
        "customer",
        "contact",
        "duplicate_of",
        "matched_customer",
        "created_by",
        "pool",
        "partner",
    )
    return get_readable_or_404(queryset, actor, pk=pk)  # a pooled lead opens to whoever sees its pool


def last_followups(ids: list[int]) -> dict[int, Any]:
    """When each of these leads was last followed up (by any path that recorded a follow-up on it): one
    grouped query for a page of rows."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Max

    from guanxi.activities.models import FollowUp

    if not ids:
        return {}
    rows = (
        FollowUp.objects.filter(related_type=ContentType.objects.get_for_model(Lead), related_id__in=ids)
        .values("related_id")
        .annotate(at=Max("occurred_at"))
    )
    return {row["related_id"]: row["at"] for row in rows}


def lead_followups(*, lead: Lead, limit: int = 50) -> list[Any]:
    """The follow-ups recorded on a lead, newest first. The lead is the gate: the caller fetched it through
    ``visible_to``, and whoever may see a lead sees its whole history (records belong to the company, so the
    next owner sees what the last one did)."""
    from guanxi.activities.models import FollowUp
    from guanxi.activities.services import related_filter

    rows = FollowUp.objects.filter(related_filter(lead)).select_related("owner").order_by("-occurred_at", "-pk")
    return list(rows[:limit])


def customer_leads(*, actor: User, customer: Any) -> list[Lead]:
    """The leads converted into a customer, oldest first (the customer's origin)."""
    rows = Lead.objects.visible_to(actor).filter(customer=customer).select_related("converted_by")
    return list(rows.order_by("converted_at", "pk")[:50])


GLOBAL_SEARCH_MIN_FRAGMENT = 3


def search_leads(*, actor: User, query: str, limit: int) -> list[Hit]:
    """The global search box. A fragment of three characters or more is found anywhere in the names by the
    trigram indexes; a shorter one (a two-character Chinese name) only at the start of the person's name, by
    its plain index, where "anywhere" would scan every lead in scope (the lead list's own search still does)."""
    text = query.strip()
    if _exact_key(text) is None and len(text) < GLOBAL_SEARCH_MIN_FRAGMENT:
        rows = lead_list(actor=actor, scene="all").filter(name__startswith=text).select_related(None)
    else:
        rows = lead_list(actor=actor, scene="all", query=query).select_related(None)
    rows = rows.only("pk", "name", "company", "number", "status")[:limit]
    return [
        Hit(str(row), f"{row.number} · {row.get_status_display()}", reverse("leads:detail", args=[row.pk]))
        for row in rows
    ]


def lead_forms(*, actor: User) -> QuerySet[LeadForm]:
    return LeadForm.objects.visible_to(actor).select_related("department", "rule").order_by("name", "pk")


def assignment_rules(*, actor: User) -> QuerySet[AssignmentRule]:
    return (
        AssignmentRule.objects.visible_to(actor)
        .select_related("department", "user", "last_user")
        .order_by("priority", "pk")
    )


def origin_context(actor: User, customer: Customer) -> dict[str, Any]:
    """The 360 page of a pool customer shows the lead it came from (source, channel, form, need): what a
    claimer needs to decide. One query, and none for an owned customer."""
    if customer.owner_id is not None or not has_perm(actor, "leads.view"):
        return {}
    lead = Lead.objects.filter(customer=customer).select_related("form").order_by("converted_at", "pk").first()
    if lead is None:
        return {}
    from guanxi.core.config.dictionary import dictionary_label

    from .services import SOURCE_TYPE

    return {"origin_lead": lead, "origin_source": dictionary_label(SOURCE_TYPE, lead.source) if lead.source else ""}


def register() -> None:
    """The menu entries and the global search's provider."""
    from guanxi.core import navigation, search

    navigation.register(
        navigation.NavItem(_("Leads"), "leads:list", "target-arrow", 15, navigation.needs("leads.view"))
    )
    navigation.register(
        navigation.NavItem(_("Lead pools"), "leads:pools", "bucket", 16, navigation.needs("leads.view"))
    )
    search.register(search.Provider(_("Leads"), search_leads))
