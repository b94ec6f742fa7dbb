"""Pages of the shell and the organisation: the dashboard, the global search box, the user list."""

from .harness import Picks, Probe, case, url


@case("dashboard (salesperson)", target_ms=100, group="page")
def dashboard(picks: Picks) -> Probe:
    return Probe(picks.salesperson, url("core:home"))


@case("global search: colleague's name (salesperson)", target_ms=100, group="search")
def search_colleague(picks: Picks) -> Probe:
    return Probe(picks.salesperson, url("core:search", q=picks.manager.display_name))


@case("user list p1 (admin)", target_ms=100, group="list")
def user_list(picks: Picks) -> Probe:
    return Probe(picks.admin, url("org:users", page=1))
