"""The machine's own figure, printed beside the results: one fixed piece of work timed in Python and one in
PostgreSQL, best of five. Dividing a case's time by them tells a slower machine from slower code; on an idle
machine of our kind (2 cores) they measure about 95 ms and 110 ms."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from django.db import connection

ROUNDS = 5


def _best_ms(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        work()
        best = min(best, (time.perf_counter() - started) * 1000)
    return round(best, 1)


def _python_work() -> object:
    """What a request's Python does: build dicts, format strings, serialise, sort."""
    rows = [{"id": i, "name": f"客户{i:06d}", "amount": i * 1.5} for i in range(60_000)]
    text = json.dumps(rows, ensure_ascii=False)
    return sorted(json.loads(text), key=lambda row: row["name"], reverse=True)[:10]


def _database_work() -> object:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT md5(i::text)) FROM generate_series(1, 100000) AS i")
        return cursor.fetchone()


def calibrate() -> dict[str, float]:
    return {"python_ms": _best_ms(_python_work), "postgresql_ms": _best_ms(_database_work)}


def describe(before: dict[str, float], after: dict[str, float] | None = None) -> str:
    text = f"CPU calibration: Python {before['python_ms']} ms, PostgreSQL {before['postgresql_ms']} ms"
    if after:
        text += f" before the cases, {after['python_ms']} and {after['postgresql_ms']} ms after"
    return text + f" (fixed work, best of {ROUNDS}; about 95 and 110 ms on an idle machine of our kind)"
