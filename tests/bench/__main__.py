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
    parser.add_argument(
        "--no-prepare",
        action="store_true",
        help="measure the dataset as it is: skip the apps' additions to it (a shared database others are reading)",
    )
    parser.add_argument("--compare", type=Path, metavar="JSON", help="an earlier run: do queries per page grow?")
    parser.add_argument("--list", action="store_true", help="list the cases and stop")
    parser.add_argument(
        "--baseline",
        metavar="COMMIT",
        help="also measure the throughput of the web server built from this commit, in the same run",
    )
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients of the throughput case")
    parser.add_argument("--seconds", type=float, default=10, help="how long the throughput case loads a server")
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

    from . import calibration, database, dataset, harness, throughput

    if connection.vendor != "postgresql":
        print("the benchmarks run on PostgreSQL: set DATABASE_URL (make bench does)", file=sys.stderr)
        return 2
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test Client's host name
    if not settings.REDIS_URL:
        print("note: REDIS_URL is unset, so sessions and cache live in the database (make bench sets it)")
    cases = harness.discover()
    wanted = [word.lower() for word in args.only or []]
    unwanted = [word.lower() for word in args.skip or []]

    def chosen(name: str) -> bool:
        name = name.lower()
        return (not wanted or any(word in name for word in wanted)) and not any(word in name for word in unwanted)

    cases = [item for item in cases if chosen(item.name)]
    loads = chosen(throughput.NAME)  # the server under load: not a case of the in-process table
    if args.list:
        for item in cases:
            print(f"{item.name}  (target {item.target_ms or '—'} ms)")
        if loads:
            print(f"{throughput.NAME}  (requests/s and each web process's memory)")
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
    for module in [] if args.no_prepare else harness.modules("dataset_"):  # the apps' idempotent touches, if any
        if hasattr(module, "prepare"):
            module.prepare(print)
    database.autovacuum_pass(print)
    if args.load_only:
        return 0
    database.static_ready(print)
    for index in database.missing_indexes():
        print(f"WARNING: missing index on {index.table} ({index.why}):\n  {index.sql}")

    machine = calibration.calibrate()  # before and after the cases: a busy machine shows as a change
    print(calibration.describe(machine))
    print(f"measuring {len(cases)} cases, {args.warmup} warm-up + {args.repeat} timed requests each")
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    picks = harness.Picks()
    results = harness.run(cases, repeat=args.repeat, warmup=args.warmup, out=print, picks=picks)
    served = []
    if loads:
        print(f"measuring {throughput.NAME}: {args.clients} clients for {args.seconds:g} s per server")
        from .cases_cost import api_detail

        probe = api_detail(picks)
        connection.close()  # the server's processes take their own connections; ours stays idle meanwhile
        served = throughput.measure(
            probe.path,
            harness.api_token(probe.user),
            baseline=args.baseline,
            clients=args.clients,
            seconds=args.seconds,
            out=print,
        )
    after = calibration.calibrate()
    print()
    print(harness.table(results))
    if served:
        print()
        print(throughput.summary(served, clients=args.clients))
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
            "throughput": [
                {
                    "server": name,
                    "clients": args.clients,
                    "requests_per_second": round(result.per_second, 1),
                    "errors": result.errors,
                    "workers_rss_mb": [round(item.rss_mb, 1) for item in held],
                    "workers_pss_mb": [item.pss_mb and round(item.pss_mb, 1) for item in held],
                    "workers_private_mb": [item.private_mb and round(item.private_mb, 1) for item in held],
                }
                for name, result, held in served
            ],
        },
    )
    print(f"\nwritten to {path}")
    if args.compare:
        print(harness.compare(results, args.compare, redis=bool(settings.REDIS_URL)))
    failed = any(result.status in {"FAIL", "error"} for result in results)
    return 1 if failed or any(result.errors for _, result, _ in served) else 0


if __name__ == "__main__":
    sys.exit(main())
