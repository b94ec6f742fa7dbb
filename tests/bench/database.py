"""The benchmark database: created, migrated and loaded once per dataset size, reused after that.

The parameters of the loaded dataset are kept in a small table of the benchmark database itself
(``bench_dataset``), so a dataset is reused only where it really is; ``--reseed`` loads afresh.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection

from . import dataset, dataset_activities

Out = dataset.Out


@dataclass(frozen=True)
class Recommended:
    """An index the benchmarks need that the migrations do not create yet; ``shape`` is how PostgreSQL
    prints it in ``pg_indexes.indexdef`` (so the lead may name it anything)."""

    table: str
    shape: str
    sql: str
    why: str


RECOMMENDED: list[Recommended] = []


def recommend(index: Recommended) -> None:
    RECOMMENDED.append(index)


def missing_indexes() -> list[Recommended]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
        definitions = cursor.fetchall()
    return [
        index
        for index in RECOMMENDED
        if not any(table == index.table and index.shape in definition for table, definition in definitions)
    ]


def recorded() -> dict[str, Any] | None:
    """What the benchmark database holds, or None when it holds no complete dataset (or does not exist)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_dataset')")
            if cursor.fetchone()[0] is None:
                return None
            cursor.execute("SELECT params, loaded_at, load_seconds FROM bench_dataset")
            row = cursor.fetchone()
    except DatabaseError:
        connection.close()
        return None
    if row is None:
        return None
    params = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    return {"params": params, "loaded_at": row[1].isoformat(), "load_seconds": row[2]}


def recreate(out: Out) -> None:
    """Drop and create the benchmark database. Refuses any database not named for benchmarks."""
    name = settings.DATABASES["default"]["NAME"]
    if "bench" not in name:
        raise SystemExit(f"refusing to replace database {name!r}: the benchmark database's name contains 'bench'")
    connection.close()
    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    out(f"created database {name}")


def ensure(params: dataset.Params, *, reseed: bool, out: Out) -> dict[str, Any]:
    """A loaded dataset of these parameters: the one already there, or a new one."""
    current = None if reseed else recorded()
    if current and current["params"] == params.as_dict():
        out(f"reusing the dataset loaded {current['loaded_at']} ({params.customers:,} customers); --reseed reloads")
        started = time.monotonic()
        call_command("migrate", verbosity=0)  # the code may have moved on since the load: new tables, indexes
        out(f"migrated in {time.monotonic() - started:.1f} s")
        dataset_activities.ensure(params, out=out)  # a dataset loaded before activities existed
        return current
    if current:
        out(f"the database holds another dataset ({current['params']}); loading afresh")
    recreate(out)
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    out(f"migrated in {time.monotonic() - started:.1f} s; loading {params.customers:,} customers")
    loaded = dataset.load(params, out=out)
    dataset_activities.load(params, out=out)
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map, as autovacuum would on a live system, so index-only scans work.
        vacuum_started = time.monotonic()
        cursor.execute("VACUUM")  # every table: the customers' and those of the apps' loaders
        out(f"  vacuumed in {time.monotonic() - vacuum_started:.1f} s")
        cursor.execute("CREATE TABLE bench_dataset (params jsonb, loaded_at timestamptz, load_seconds float)")
        cursor.execute(
            "INSERT INTO bench_dataset VALUES (%s, now(), %s)", [json.dumps(params.as_dict()), loaded.seconds]
        )
    out(f"loaded {loaded.customers:,} customers and {loaded.contacts:,} contacts in {loaded.seconds:.1f} s")
    current = recorded()
    assert current is not None
    return current


def static_ready(out: Out) -> None:
    """Pages need the hashed static file names that collectstatic records (as in production)."""
    if not (settings.STATIC_ROOT / "staticfiles.json").exists():
        out("collecting static files")
        call_command("collectstatic", interactive=False, verbosity=0)


def autovacuum_pass(out: Out) -> None:
    """Do what autovacuum would have done by now with its default thresholds (this machine's PostgreSQL runs with
    it off): VACUUM ANALYZE the tables with many rows inserted or dead since their last vacuum (the apps' datasets
    load after the first VACUUM, so their tables had no visibility map and no index-only scan), and ANALYZE those
    that changed much since the planner last looked (plans made from an empty table's statistics measure nothing)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables"
            " WHERE n_ins_since_vacuum > 1000 + n_live_tup / 5 OR n_dead_tup > 50 + n_live_tup / 5"
            " OR n_mod_since_analyze > 50 + n_live_tup / 10 ORDER BY relname"
        )
        tables = [name for (name,) in cursor.fetchall()]
        started = time.monotonic()
        for table in tables:
            cursor.execute(f'VACUUM ANALYZE "{table}"')
    if tables:
        seconds = time.monotonic() - started
        out(f"  vacuumed and analysed in {seconds:.1f} s, as autovacuum would: {', '.join(tables)}")
