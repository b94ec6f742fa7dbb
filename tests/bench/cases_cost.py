"""The cost of a request (the issue of that name): the customers API and the HTML list as an administrator
sees them, each with what it may cost beside its own SQL. The API cases sign in with an API token, as an API
client does. The throughput of the API detail through gunicorn is measured by ``throughput.py``."""

from __future__ import annotations

from .cases_customers import sample
from .harness import Budget, Picks, Probe, case, has_text, url

GROUP = "request cost"
TARGET = 50  # list, search and detail p95 at a million customers


@case("request cost: API customer list p1 (admin)", target_ms=TARGET, group=GROUP, budget=Budget(10, "python"))
def api_list(picks: Picks) -> Probe:
    return Probe(picks.admin, url("customer-list", page=1), token=True, check=has_text('"count":'))


@case("request cost: API customer detail (admin)", target_ms=TARGET, group=GROUP, budget=Budget(5, "cpu"))
def api_detail(picks: Picks) -> Probe:
    customer = sample(picks).customer
    return Probe(picks.admin, url("customer-detail", customer.pk), token=True, check=has_text(customer.number))


@case("request cost: HTML customer list p1 (admin)", target_ms=TARGET, group=GROUP, budget=Budget(15, "python"))
def html_list(picks: Picks) -> Probe:
    return Probe(picks.admin, url("customers:list", page=1))
