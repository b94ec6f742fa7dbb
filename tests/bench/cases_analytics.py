"""Reports, targets and dashboard cards (SPEC §12). Targets from the reports issue: every report ≤ 500 ms
p95 for the executive (a unit-wide administrator here) and ≤ 200 ms for a salesperson; every dashboard card
≤ 100 ms p95."""

from __future__ import annotations

from guanxi.analytics.framework import REPORTS

from .harness import Picks, Probe, case, has_text, url

EXECUTIVE, SALESPERSON, CARD = 500, 200, 100

# report → the query it is timed with (a year, so every dimension has rows)
QUERIES = {
    "funnel": {},
    "win_loss": {"by": "owner"},
    "losses": {"by": "reason"},
    "lead_sources": {"by": "source"},
    "composition": {"by": "level"},
    "followups": {"by": "owner"},
    "plans": {"by": "owner"},
    "quiet_customers": {"by": "owner"},
    "service": {"by": "type"},
}


def _report_case(name: str, who: str, target: int) -> None:
    @case(f"report {name} ({who})", target_ms=target, group="analytics")
    def build(picks: Picks) -> Probe:
        actor = getattr(picks, who)
        return Probe(actor, url("analytics:report", name, **QUERIES.get(name, {})), check=has_text("report-table"))


for _name in QUERIES:
    if _name != "service":  # tickets: the service desk's and the administrators', not the salespeople's
        _report_case(_name, "salesperson", SALESPERSON)
        _report_case(_name, "manager", EXECUTIVE)
    _report_case(_name, "admin", EXECUTIVE)


def _card_case(code: str, who: str) -> None:
    @case(f"dashboard card {code} ({who})", target_ms=CARD, group="analytics")
    def build(picks: Picks) -> Probe:
        return Probe(getattr(picks, who), url("analytics:card", code))


for _code in ("my_plans", "my_pipeline", "my_attainment", "my_expiring"):
    _card_case(_code, "salesperson")
for _code in ("team_attainment", "team_funnel", "overdue_plans"):
    _card_case(_code, "manager")
for _code in ("won_month", "new_customers"):
    _card_case(_code, "admin")


@case("sales targets attainment (manager)", target_ms=EXECUTIVE, group="analytics")
def attainment_manager(picks: Picks) -> Probe:
    return Probe(picks.manager, url("analytics:attainment", period="y"), check=has_text("attainment"))


@case("report funnel export (manager)", target_ms=EXECUTIVE, group="analytics")
def funnel_export(picks: Picks) -> Probe:
    return Probe(picks.manager, url("analytics:export", "funnel"))


@case("API report funnel (manager)", target_ms=EXECUTIVE, group="analytics")
def funnel_api(picks: Picks) -> Probe:
    return Probe(picks.manager, url("api-report", "funnel"), check=has_text('"rows"'))


assert set(QUERIES) <= set(REPORTS) or not REPORTS  # every timed report exists once the apps are ready
