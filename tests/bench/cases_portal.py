"""The partner portal (SPEC §14.9). Target from the portal issue: a portal page for a partner with 10,000
customers ≤ 100 ms p95 — its overview (the counts), its customer list (first and a deep page), a search, and
the partner-scoped API."""

from __future__ import annotations

from functools import cache

from guanxi.org.models import User
from guanxi.portal.models import PartnerMember

from .dataset_portal import USERNAME
from .harness import NotBuilt, Picks, Probe, case, has_text, url

PAGE_MS = 100


@cache
def _partner_user() -> User:
    member = PartnerMember.objects.select_related("user").filter(user__username=USERNAME).first()
    if member is None:
        raise NotBuilt("the partner portal's partner (dataset_portal)")
    return member.user


@case("portal overview (partner with 10,000 customers)", target_ms=PAGE_MS, group="portal")
def overview(picks: Picks) -> Probe:
    return Probe(_partner_user(), url("portal:home"), check=has_text("figure-customers"))


@case("portal customers p1", target_ms=PAGE_MS, group="portal")
def customers_first(picks: Picks) -> Probe:
    return Probe(_partner_user(), url("portal:customers"), check=has_text('data-testid="customer"'))


@case("portal customers p400", target_ms=PAGE_MS, group="portal")
def customers_deep(picks: Picks) -> Probe:
    return Probe(_partner_user(), url("portal:customers", page=400), check=has_text('data-testid="customer"'))


@case("portal customers search", target_ms=PAGE_MS, group="portal")
def customers_search(picks: Picks) -> Probe:
    return Probe(_partner_user(), url("portal:customers", q="科技"))


@case("portal API customers p1", target_ms=PAGE_MS, group="portal")
def api_customers(picks: Picks) -> Probe:
    return Probe(_partner_user(), "/api/v1/portal/customers/", check=has_text('"count":'))
