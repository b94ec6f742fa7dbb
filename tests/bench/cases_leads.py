"""Leads (SPEC §5): the list a sales manager opens, over half a million leads. Target as the customer list's:
p95 ≤ 100 ms."""

from __future__ import annotations

from .harness import Picks, Probe, case, url

LIST = 100


@case("lead list p1 (sales manager)", target_ms=LIST, group="leads")
def lead_list_manager(picks: Picks) -> Probe:
    return Probe(picks.manager, url("leads:list", page=1))


@case("lead list p200 (sales manager)", target_ms=LIST, group="leads")
def lead_list_manager_deep(picks: Picks) -> Probe:
    return Probe(picks.manager, url("leads:list", page=200))


@case("lead list p1 (regional manager)", target_ms=LIST, group="leads")
def lead_list_region(picks: Picks) -> Probe:
    return Probe(picks.regional_manager, url("leads:list", page=1))


@case("lead list p1 (salesperson)", target_ms=LIST, group="leads")
def lead_list_salesperson(picks: Picks) -> Probe:
    return Probe(picks.salesperson, url("leads:list", page=1))
