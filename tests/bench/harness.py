"""Measuring: a registry of cases, each a real request through the whole Django stack (test Client,
in-process, against the benchmark database), timed over repeated runs, with its SQL query count.

An app adds its cases in ``tests/bench/cases_<app>.py`` (found automatically)::

    @case("customer list p1 (salesperson)", target_ms=100, group="list")
    def customer_list(picks: Picks) -> Probe:
        return Probe(picks.salesperson, url("customers:list", page=1))

A case whose URL does not resolve yet raises ``NotBuilt`` and is reported as "not built yet".

Beside each request's time the table prints the summed time of its own SQL, the Python time beyond it and the
worker CPU time: a request should cost at most ``2 × its SQL + 5 ms`` (``within_sql_rule``); a case with a
``Budget`` (the "request cost" group) also says whether its CPU or its time beyond SQL stays within it.
"""

from __future__ import annotations

import importlib
import json
import math
import pkgutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.http import HttpResponse
from django.test import Client
from django.urls import NoReverseMatch, reverse

from guanxi.customers.models import Customer
from guanxi.org.models import User

Out = Callable[[str], None]


class NotBuilt(Exception):
    """The case's URL does not exist yet."""


@dataclass
class Probe:
    """One request to time: who sends it, where, and what a correct answer is."""

    user: User
    path: str
    method: str = "get"
    data: Callable[[int], dict[str, str]] | None = None  # POST data of the n-th request (new values each time)
    expect: int = 200
    check: Callable[[Any], str | None] | None = None  # a reason the answer is wrong, or None
    # A job rather than a request (e.g. a sweep): called for the n-th run, answers a problem or None;
    # ``repeat`` then overrides the number of timed runs (no warm-up) when one run takes seconds.
    run: Callable[[int], str | None] | None = None
    repeat: int | None = None
    token: bool = False  # authenticate with the user's API token, as an API client does, not a session


@dataclass(frozen=True)
class Budget:
    """What one request may cost besides its SQL: ``ms`` of worker CPU (``of="cpu"``) or of time beyond the
    summed time of its own SQL (``of="python"``), at the median."""

    ms: float
    of: str  # "cpu" or "python"

    def describe(self) -> str:
        return f"≤ {self.ms:g} ms " + ("CPU" if self.of == "cpu" else "beyond SQL")


@dataclass(frozen=True)
class Case:
    name: str
    group: str
    target_ms: float | None
    build: Callable[[Picks], Probe]
    budget: Budget | None = None


CASES: list[Case] = []


def case(
    name: str, *, target_ms: float | None = None, group: str = "", budget: Budget | None = None
) -> Callable[[Callable[[Picks], Probe]], Any]:
    def register(build: Callable[[Picks], Probe]) -> Callable[[Picks], Probe]:
        if any(existing.name == name for existing in CASES):
            raise ValueError(f"two benchmark cases are named {name!r}")
        CASES.append(Case(name, group, target_ms, build, budget))
        return build

    return register


def discover() -> list[Case]:
    """Import every ``tests/bench/cases_*.py`` so their cases register."""
    modules("cases_")
    return CASES


def modules(prefix: str) -> list[Any]:
    """The ``tests/bench/<prefix>*.py`` modules, imported, in name order (``dataset_<app>.py``: an app's
    additions to the loaded dataset, each with an idempotent ``prepare(out)``)."""
    package = Path(__file__).parent
    found = sorted(pkgutil.iter_modules([str(package)]), key=lambda m: m.name)
    return [importlib.import_module(f"{__package__}.{m.name}") for m in found if m.name.startswith(prefix)]


def url(name: str, *args: object, **query: object) -> str:
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        raise NotBuilt(f"no URL named {name}") from None
    return f"{path}?{urlencode(query)}" if query else path


def has_text(*needles: str) -> Callable[[HttpResponse], str | None]:
    """A check that the page shows each of these texts (e.g. the record's name, a form error)."""

    def check(response: HttpResponse) -> str | None:
        body = response.content.decode()
        missing = [needle for needle in needles if needle not in body]
        return f"the page does not show {missing}" if missing else None

    return check


class Picks:
    """The people and records the cases act on, chosen from the dataset the same way on every run."""

    @cached_property
    def salesperson(self) -> User:
        """The salesperson with the most customers, so that page 500 of their list exists."""
        busiest = (
            Customer.objects.filter(owner__roles__code="salesperson")
            .values("owner")
            .annotate(count=Count("id"))
            .order_by("-count", "owner")
            .first()
        )
        if busiest is None:
            raise LookupError("the dataset has no salesperson who owns a customer")
        return User.objects.select_related("department").get(pk=busiest["owner"])

    @cached_property
    def manager(self) -> User:
        """The sales manager of the salesperson's department (scope: that department and those below)."""
        return self._lead(self.salesperson.department_id)

    @cached_property
    def regional_manager(self) -> User:
        """The sales manager of the salesperson's region: a wider department tree."""
        department = self.salesperson.department
        return self._lead(department.parent_id if department else None)

    @cached_property
    def admin(self) -> User:
        return User.objects.get(username="bench.admin")

    def _lead(self, department_id: int | None) -> User:
        return User.objects.get(led_departments=department_id, roles__code="sales_manager")


@dataclass
class Result:
    name: str
    group: str
    status: str  # PASS, FAIL, measured (no target), not built yet, error
    target_ms: float | None
    path: str = ""
    user: str = ""
    detail: str = ""
    samples_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # this process's CPU time during each request
    request: bool = True  # False for a job (a sweep): the request/SQL rule is about requests
    budget: Budget | None = None

    @property
    def p50(self) -> float | None:
        return percentile(self.samples_ms, 50)

    @property
    def p95(self) -> float | None:
        return percentile(self.samples_ms, 95)

    @property
    def db_p50(self) -> float | None:
        return percentile(self.db_ms, 50)

    @property
    def python_p50(self) -> float | None:
        """The median of each request's time beyond its own SQL."""
        return percentile([total - sql for total, sql in zip(self.samples_ms, self.db_ms, strict=True)], 50)

    @property
    def cpu_p50(self) -> float | None:
        return percentile(self.cpu_ms, 50)

    @property
    def sql_ratio(self) -> float | None:
        return ratio(self.p50, self.db_p50)

    @property
    def within_sql_rule(self) -> bool | None:
        if not self.request or self.p50 is None or self.db_p50 is None:
            return None
        return within_sql_rule(self.p50, self.db_p50)

    @property
    def within_budget(self) -> bool | None:
        if self.budget is None:
            return None
        spent = self.cpu_p50 if self.budget.of == "cpu" else self.python_p50
        return None if spent is None else spent <= self.budget.ms

    def as_dict(self) -> dict[str, Any]:
        summary = {
            "p50_ms": self.p50,
            "p95_ms": self.p95,
            "max_ms": max(self.samples_ms, default=None),
            "db_p50_ms": self.db_p50,
            "python_p50_ms": self.python_p50,
            "cpu_p50_ms": self.cpu_p50,
            "sql_ratio": self.sql_ratio,
            "queries_min": min(self.queries, default=None),
            "queries_max": max(self.queries, default=None),
        }
        return {
            **asdict(self),
            **{key: round(value, 2) if value is not None else None for key, value in summary.items()},
            "within_sql_rule": self.within_sql_rule,
            "within_budget": self.within_budget,
        }


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: a value that was actually measured."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


SQL_FACTOR, SQL_ALLOWANCE_MS = 2, 5


def within_sql_rule(request_ms: float, sql_ms: float) -> bool:
    """The issue's rule for a list, search or detail request: at most twice its own SQL time plus 5 ms."""
    return request_ms <= SQL_FACTOR * sql_ms + SQL_ALLOWANCE_MS


def ratio(request_ms: float | None, sql_ms: float | None) -> float | None:
    """How many times its own SQL time a request takes (None without SQL to divide by)."""
    if request_ms is None or not sql_ms:
        return None
    return request_ms / sql_ms


def api_token(user: User) -> str:
    """The user's API token, made as the API's sign-in makes it (``POST /api/v1/auth/token/``)."""
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


class DatabaseClock:
    """Counts the queries and adds up the time spent waiting for the database. (Not Django's query log: it
    slows every query down as DEBUG does, and a full log of 9,000 queries counts nothing more.)"""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def reset(self) -> None:
        self.seconds, self.queries = 0.0, 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def measure(case: Case, picks: Picks, *, repeat: int, warmup: int) -> Result:
    result = Result(case.name, case.group, "error", case.target_ms, budget=case.budget)
    try:
        probe = case.build(picks)
    except NotBuilt as missing:
        result.status, result.detail = "not built yet", str(missing)
        return result
    except Exception as error:  # a case that cannot find its rows is a result to report, not a reason to stop
        result.detail = f"{type(error).__name__}: {error}"
        return result
    result.path, result.user = probe.path, probe.user.username
    if probe.token:
        client = Client(headers={"authorization": f"Token {api_token(probe.user)}"})
    else:
        client = Client()
        client.force_login(probe.user)
    database = DatabaseClock()
    if probe.run is not None:
        return _measure_job(result, probe, database, repeat=probe.repeat or repeat)
    for n in range(warmup + repeat):
        data = probe.data(n) if probe.data else None
        database.reset()
        try:
            with connection.execute_wrapper(database):
                cpu, started = time.process_time(), time.perf_counter()
                response = client.post(probe.path, data or {}) if probe.method == "post" else client.get(probe.path)
                elapsed = (time.perf_counter() - started) * 1000
                cpu_ms = (time.process_time() - cpu) * 1000
        except Exception as error:  # a crash in the page is a result to report, not a reason to stop
            result.detail = f"{type(error).__name__}: {error}"
            return result
        problem = (
            f"answered {response.status_code}, expected {probe.expect}"
            if response.status_code != probe.expect
            else probe.check(response)
            if probe.check
            else None
        )
        if problem:
            result.detail = problem
            return result
        if n >= warmup:
            result.samples_ms.append(elapsed)
            result.queries.append(database.queries)
            result.db_ms.append(database.seconds * 1000)
            result.cpu_ms.append(cpu_ms)
    p95 = result.p95 or 0.0
    result.status = "measured" if case.target_ms is None else "PASS" if p95 <= case.target_ms else "FAIL"
    return result


def _measure_job(result: Result, probe: Probe, database: DatabaseClock, *, repeat: int) -> Result:
    assert probe.run is not None
    result.request = False
    for n in range(repeat):
        database.reset()
        with connection.execute_wrapper(database):
            started = time.perf_counter()
            problem = probe.run(n)
            elapsed = (time.perf_counter() - started) * 1000
        if problem:
            result.detail = problem
            return result
        result.samples_ms.append(elapsed)
        result.queries.append(database.queries)
        result.db_ms.append(database.seconds * 1000)
    p95 = result.p95 or 0.0
    result.status = "measured" if result.target_ms is None else "PASS" if p95 <= result.target_ms else "FAIL"
    return result


def run(cases: list[Case], *, repeat: int, warmup: int, out: Out, picks: Picks | None = None) -> list[Result]:
    picks = picks or Picks()
    results = []
    for item in cases:
        result = measure(item, picks, repeat=repeat, warmup=warmup)
        # the figures as they come, so a run stopped half-way still tells what it measured
        figures = f"p95 {result.p95:.1f} ms of {item.target_ms or '—'}" if result.p95 is not None else ""
        if result.request and result.p50 is not None and result.db_p50 is not None:
            rule = "within" if result.within_sql_rule else "OVER"
            figures += f"; p50 {result.p50:.1f} ms, its SQL {result.db_p50:.1f} ms: {rule} 2×SQL+5 ms"
        out(f"  {result.name}: {result.status}" + "".join(f" ({part})" for part in (figures, result.detail) if part))
        results.append(result)
    return results


def table(results: list[Result]) -> str:
    """Time, SQL and the Python beyond it; ×sql is the request's time over its SQL's, and "≤2×sql+5" whether
    it stays within the issue's rule (jobs are not requests: "—")."""
    width = max([len(result.name) for result in results] + [4])
    titles = ("p50 ms", "p95 ms", "max ms", "db p50", "py p50", "×sql", "cpu p50", "queries")
    figures = " ".join(f"{title:>7}" for title in titles)
    head = f"{'case':<{width}}  {figures}  {'target':>6}  {'≤2×sql+5':>8}  result"
    lines = [head, "-" * len(head)]

    def ms(value: float | None) -> str:
        return f"{value:7.1f}" if value is not None else f"{'—':>7}"

    for result in results:
        queries = (
            f"{min(result.queries)}"
            if result.queries and min(result.queries) == max(result.queries)
            else f"{min(result.queries)}–{max(result.queries)}"
            if result.queries
            else "—"
        )
        target = f"{result.target_ms:.0f}" if result.target_ms is not None else "—"
        times = f"{result.sql_ratio:6.1f}×" if result.sql_ratio is not None else f"{'—':>7}"
        rule = {True: "yes", False: "NO", None: "—"}[result.within_sql_rule]
        outcome = result.status + (f" ({result.detail})" if result.detail else "")
        lines.append(
            f"{result.name:<{width}}  {ms(result.p50)} {ms(result.p95)} {ms(max(result.samples_ms, default=None))} "
            f"{ms(result.db_p50)} {ms(result.python_p50)} {times} {ms(result.cpu_p50)} {queries:>7}  "
            f"{target:>6}  {rule:>8}  {outcome}"
        )
    budgets = [result for result in results if result.budget is not None and result.samples_ms]
    if budgets:
        lines += ["", "request cost (p50): time, its SQL, beyond SQL, worker CPU, against the case's budget"]
        for result in budgets:
            assert result.budget is not None
            verdict = "within" if result.within_budget else "OVER"
            lines.append(
                f"  {result.name:<{width}}  {result.p50 or 0:6.1f} ms, SQL {result.db_p50 or 0:5.1f} ms, "
                f"beyond {result.python_p50 or 0:5.1f} ms, CPU {result.cpu_p50 or 0:5.1f} ms: "
                f"{result.budget.describe()} {verdict}"
            )
    return "\n".join(lines)


def write(results: list[Result], meta: dict[str, Any]) -> Path:
    """var/bench/<timestamp>.json and var/bench/latest.json."""
    folder = Path(settings.VAR_DIR) / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    report = {**meta, "cases": [result.as_dict() for result in results]}
    text = json.dumps(report, ensure_ascii=False, indent=2)
    path = folder / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(text)
    (folder / "latest.json").write_text(text)
    return path


def compare(results: list[Result], earlier: Path, *, redis: bool) -> str:
    """Queries per page here against an earlier run (e.g. on 10k customers): they must not grow with the data."""
    before = json.loads(earlier.read_text())
    counts = {item["name"]: item.get("queries_max") for item in before.get("cases", [])}
    size = before.get("dataset", {}).get("customers", "?")
    lines = [f"queries per request: {earlier.name} ({size} customers) → this run"]
    if before.get("redis", redis) != redis:
        lines.append("  (one run kept sessions in Redis and the other in the database: one query apart)")
    for result in results:
        then, now = counts.get(result.name), max(result.queries, default=None)
        if then is None or now is None:
            continue
        verdict = "same" if now == then else "GROWS" if now > then else "fewer"
        lines.append(f"  {result.name:<50} {then:>4} → {now:<4} {verdict}")
    return "\n".join(lines)
