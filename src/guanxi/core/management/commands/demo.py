import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

# Each part builds on the ones before it: the people, their customers, the history of follow-ups, the pool (its
# sweep must see that history), the opportunities, the catalogue and its quotes, the leads; the core's custom
# field values decorate the rest.
PARTS = [
    "guanxi.org.demo.load",
    "guanxi.customers.demo.load",
    "guanxi.activities.demo.load",
    "guanxi.pool.demo.load",
    "guanxi.sales.demo.load",
    "guanxi.sales.quotes.demo.load",
    "guanxi.leads.demo.load",
    "guanxi.core.demo.load",
]


class Command(BaseCommand):
    help = "Load the demo company: each app's demo adds its part. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            for part in PARTS:
                started = time.monotonic()
                import_string(part)(self.stdout)
                self.stdout.write(f"  ({time.monotonic() - started:.1f} s)")
                self.stdout.flush()
