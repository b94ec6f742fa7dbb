"""The request-cost figures of the benchmarks (tests/bench, not part of the suite): the request/SQL rule, the
budgets, the table, and the throughput load and memory readings on a real little server and real processes."""

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

from tests.bench import dataset, harness, throughput

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the benchmark dataset loads with PostgreSQL's COPY, which SQLite does not have",
)


def result(samples: list[float], sql: list[float], cpu: list[float], budget: harness.Budget | None = None):
    measured = harness.Result("a case", "request cost", "PASS", 50, budget=budget)
    measured.samples_ms, measured.db_ms, measured.cpu_ms = samples, sql, cpu
    measured.queries = [3] * len(samples)
    return measured


def test_a_request_may_take_twice_its_sql_and_five_milliseconds() -> None:
    assert harness.within_sql_rule(25.0, 10.0)
    assert not harness.within_sql_rule(25.1, 10.0)
    assert harness.within_sql_rule(5.0, 0.0)  # a request without SQL: the 5 ms alone
    assert harness.ratio(28.0, 8.0) == 3.5
    assert harness.ratio(3.0, 0.0) is None


def test_the_time_beyond_sql_is_the_median_of_each_requests_own_difference() -> None:
    measured = result([10, 30, 22], [8, 10, 4], [5, 9, 7], budget=harness.Budget(10, "python"))

    assert measured.python_p50 == 18  # 2, 20 and 18: the middle one, not p50 time minus p50 SQL (14)
    assert measured.sql_ratio == 22 / 8
    assert measured.within_sql_rule is False  # 22 > 2 × 8 + 5
    assert measured.within_budget is False  # 18 ms beyond SQL, 10 allowed
    assert measured.cpu_p50 == 7
    assert result([10], [4], [4], budget=harness.Budget(5, "cpu")).within_budget is True


def test_a_job_is_not_held_to_the_request_rule() -> None:
    measured = result([40_000], [100], [30_000])
    measured.request = False

    assert measured.within_sql_rule is None


def test_a_case_that_cannot_find_its_rows_is_reported_and_the_run_goes_on() -> None:
    def build(picks: harness.Picks) -> harness.Probe:
        raise LookupError("no folder with documents")

    missing = harness.measure(harness.Case("documents", "collab", 100, build), harness.Picks(), repeat=1, warmup=0)
    assert (missing.status, missing.detail) == ("error", "LookupError: no folder with documents")


def test_the_table_prints_the_ratio_the_rule_and_the_budget() -> None:
    cost = result([12, 12, 12], [4, 4, 4], [6, 6, 6], budget=harness.Budget(5, "cpu"))
    other = result([9], [2], [1])
    other.name = "another case"

    printed = harness.table([cost, other])

    assert "×sql" in printed and "≤2×sql+5" in printed
    row = next(line for line in printed.splitlines() if line.startswith("a case"))
    assert "3.0×" in row and " yes " in row  # 12 ≤ 2 × 4 + 5
    row = next(line for line in printed.splitlines() if line.startswith("another case"))
    assert "4.5×" in row and " yes " in row
    assert "CPU   6.0 ms: ≤ 5 ms CPU OVER" in printed
    assert cost.as_dict()["sql_ratio"] == 3.0 and cost.as_dict()["within_sql_rule"] is True


class Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # kept-alive connections, as gunicorn's threads keep them

    def do_GET(self) -> None:
        ok = self.headers.get("Authorization") == "Token secret"
        body = b'{"id": 1}'
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_the_load_counts_answers_and_errors_of_a_real_server() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        served = throughput.load(port, "/x", "secret", clients=3, seconds=0.5, warmup=0.1)
        refused = throughput.load(port, "/x", "wrong", clients=2, seconds=0.3, warmup=0)
    finally:
        server.shutdown()
        server.server_close()

    assert served.requests > 10 and not served.errors
    assert served.per_second == served.requests / 0.5
    assert len(served.latencies_ms) == served.requests
    assert refused.requests == 0 and refused.errors.get("HTTP 401", 0) > 0
    assert "requests/s" in served.describe() and "HTTP 401" in refused.describe()


def test_memory_reads_a_processes_resident_set_and_its_private_part() -> None:
    mine = throughput.memory(os.getpid())

    assert mine.rss_mb > 10
    assert mine.pss_mb is not None and mine.private_mb is not None
    assert 0 < mine.private_mb <= mine.rss_mb
    assert f"RSS {mine.rss_mb:.0f} MB" in mine.describe()


def test_workers_are_the_children_of_the_master() -> None:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in throughput.workers(os.getpid())
    finally:
        child.terminate()
        child.wait()


@postgres_only
def test_the_request_cost_cases_answer_with_a_token(db: None) -> None:
    dataset.load(dataset.Params(customers=300, contacts=600, users=30, departments=5, leads=0), out=lambda _: None)
    picks = harness.Picks()
    chosen = [case for case in harness.discover() if case.group == "request cost"]
    assert len(chosen) == 3
    for case in chosen:
        measured = harness.measure(case, picks, repeat=2, warmup=1)
        assert measured.status in {"PASS", "FAIL"}, (case.name, measured.detail)
        assert len(measured.cpu_ms) == 2 and measured.within_budget is not None
        assert measured.within_sql_rule is not None
