"""``python -m tests.bench``: load (or reuse) the benchmark dataset, time every case, print the table and
write it to var/bench/. ``make bench`` runs this against the guanxi_bench database."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/guanxi_bench"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--opportunities", type=int, default=300_000)
    parser.add_argument("--contacts", type=int, help="default: twice the customers")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--departments", type=int, default=20)
    parser.add_argument("--leads", type=int, help="default: half the customers")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per case first")
    parser.add_argument("--only", nargs="+", metavar="CASE", help="cases whose name contains one of these")
    parser.add_argument("--skip", nargs="+", metavar="CASE", help="leave out cases whose name contains one of these")
    parser.add_argument("--reseed", action="store_true", help="load the dataset again even if it is there")
    parser.add_argument("--load-only", action="store_true", help="load the dataset, measure nothing")
    parser.add_argument("--compare", type=Path, metavar="JSON", help="an earlier run: do queries per page grow?")
    parser.add_argument("--list", action="store_true", help="list the cases and stop")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from . import calibration, database, dataset, harness

    if connection.vendor != "postgresql":
        print("the benchmarks run on PostgreSQL: set DATABASE_URL (make bench does)", file=sys.stderr)
        return 2
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test Client's host name
    if not settings.REDIS_URL:
        print("note: REDIS_URL is unset, so sessions and cache live in the database (make bench sets it)")
    cases = harness.discover()
    if args.only:
        wanted = [word.lower() for word in args.only]
        cases = [item for item in cases if any(word in item.name.lower() for word in wanted)]
    if args.skip:
        unwanted = [word.lower() for word in args.skip]
        cases = [item for item in cases if not any(word in item.name.lower() for word in unwanted)]
    if args.list:
        for item in cases:
            print(f"{item.name}  (target {item.target_ms or '—'} ms)")
        return 0

    params = dataset.Params(
        customers=args.customers,
        opportunities=args.opportunities,
        contacts=args.contacts if args.contacts is not None else 2 * args.customers,
        users=args.users,
        departments=args.departments,
        leads=args.leads if args.leads is not None else args.customers // 2,
    )
    current = database.ensure(params, reseed=args.reseed, out=print)
    for module in harness.modules("dataset_"):  # the apps' idempotent touches to a loaded dataset, if any
        if hasattr(module, "prepare"):
            module.prepare(print)
    database.analyze_stale(print)
    if args.load_only:
        return 0
    database.static_ready(print)
    for index in database.missing_indexes():
        print(f"WARNING: missing index on {index.table} ({index.why}):\n  {index.sql}")

    machine = calibration.calibrate()  # before and after the cases: a busy machine shows as a change
    print(calibration.describe(machine))
    print(f"measuring {len(cases)} cases, {args.warmup} warm-up + {args.repeat} timed requests each")
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    results = harness.run(cases, repeat=args.repeat, warmup=args.warmup, out=print)
    after = calibration.calibrate()
    print()
    print(harness.table(results))
    print(calibration.describe(machine, after))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()
    path = harness.write(
        results,
        {
            "started_at": started,
            "dataset": current["params"],
            "dataset_loaded_at": current["loaded_at"],
            "load_seconds": current["load_seconds"],
            "redis": bool(settings.REDIS_URL),  # sessions in Redis: one query fewer per request
            "repeat": args.repeat,
            "warmup": args.warmup,
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "postgresql": server[0] if server else None,
                "calibration_before": machine,
                "calibration_after": after,
            },
            "missing_indexes": [index.sql for index in database.missing_indexes()],
        },
    )
    print(f"\nwritten to {path}")
    if args.compare:
        print(harness.compare(results, args.compare, redis=bool(settings.REDIS_URL)))
    return 1 if any(result.status in {"FAIL", "error"} for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
