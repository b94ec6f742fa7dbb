"""``python -m tests.bench.sweep_activities``: time the reminder sweep (due-soon, overdue, digests) over the
benchmark dataset's open plans, as of now. Each run is rolled back, so it can be repeated."""

from __future__ import annotations

import argparse
import os
import time


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.sweep_activities", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guanxi_bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from guanxi.activities.models import Plan
    from guanxi.activities.reminders import reminders_sweep

    open_plans = Plan.objects.filter(status=Plan.Status.OPEN).count()
    print(f"{open_plans:,} open plans")
    for n in range(args.repeat):
        with transaction.atomic():
            started = time.perf_counter()
            result = reminders_sweep(at=timezone.now())
            elapsed = time.perf_counter() - started
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM core_notification")
                notifications = cursor.fetchone()[0]
            transaction.set_rollback(True)
        print(f"run {n + 1}: {elapsed:.2f} s — {result}; {notifications:,} notifications (rolled back)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
