"""Measuring: a registry of cases, each a real request through the whole Django stack (test Client,
in-process, against the benchmark database), timed over repeated runs, with its SQL query count.

An app adds its cases in ``tests/bench/cases_<app>.py`` (found automatically)::

    @case("customer list p1 (salesperson)", target_ms=100, group="list")
    def customer_list(picks: Picks) -> Probe:
        return Probe(picks.salesperson, url("customers:list", page=1))

A case whose URL does not resolve yet raises ``NotBuilt`` and is reported as "not built yet".
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


@dataclass(frozen=True)
class Case:
    name: str
    group: str
    target_ms: float | None
    build: Callable[[Picks], Probe]


CASES: list[Case] = []


def case(name: str, *, target_ms: float | None = None, group: str = "") -> Callable[[Callable[[Picks], Probe]], Any]:
    def register(build: Callable[[Picks], Probe]) -> Callable[[Picks], Probe]:
        if any(existing.name == name for existing in CASES):
            raise ValueError(f"two benchmark cases are named {name!r}")
        CASES.append(Case(name, group, target_ms, build))
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

    @property
    def p50(self) -> float | None:
        return percentile(self.samples_ms, 50)

    @property
    def p95(self) -> float | None:
        return percentile(self.samples_ms, 95)

    def as_dict(self) -> dict[str, Any]:
        summary = {
            "p50_ms": self.p50,
            "p95_ms": self.p95,
            "max_ms": max(self.samples_ms, default=None),
            "db_p50_ms": percentile(self.db_ms, 50),
            "queries_min": min(self.queries, default=None),
            "queries_max": max(self.queries, default=None),
        }
        return {
            **asdict(self),
            **{key: round(value, 2) if value is not None else None for key, value in summary.items()},
        }


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: a value that was actually measured."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


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
    result = Result(case.name, case.group, "error", case.target_ms)
    try:
        probe = case.build(picks)
    except NotBuilt as missing:
        result.status, result.detail = "not built yet", str(missing)
        return result
    result.path, result.user = probe.path, probe.user.username
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
                started = time.perf_counter()
                response = client.post(probe.path, data or {}) if probe.method == "post" else client.get(probe.path)
                elapsed = (time.perf_counter() - started) * 1000
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
    p95 = result.p95 or 0.0
    result.status = "measured" if case.target_ms is None else "PASS" if p95 <= case.target_ms else "FAIL"
    return result


def _measure_job(result: Result, probe: Probe, database: DatabaseClock, *, repeat: int) -> Result:
    assert probe.run is not None
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


def run(cases: list[Case], *, repeat: int, warmup: int, out: Out) -> list[Result]:
    picks = Picks()
    results = []
    for item in cases:
        result = measure(item, picks, repeat=repeat, warmup=warmup)
        # the figures as they come, so a run stopped half-way still tells what it measured
        figures = f"p95 {result.p95:.1f} ms of {item.target_ms or '—'}" if result.p95 is not None else ""
        out(f"  {result.name}: {result.status}" + "".join(f" ({part})" for part in (figures, result.detail) if part))
        results.append(result)
    return results


def table(results: list[Result]) -> str:
    width = max([len(result.name) for result in results] + [4])
    figures = " ".join(f"{title:>7}" for title in ("p50 ms", "p95 ms", "max ms", "db p50", "queries"))
    head = f"{'case':<{width}}  {figures}  {'target':>6}  result"
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
        outcome = result.status + (f" ({result.detail})" if result.detail else "")
        lines.append(
            f"{result.name:<{width}}  {ms(result.p50)} {ms(result.p95)} {ms(max(result.samples_ms, default=None))} "
            f"{ms(percentile(result.db_ms, 50))} {queries:>7}  {target:>6}  {outcome}"
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
