import time
from collections.abc import Callable
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


def demo_parts() -> list[Callable[[Any], None]]:
    """Each app's ``demo.load``, from the bottom of the stack up (the order of INSTALLED_APPS): each part builds
    on the ones before it — the people, their customers, the history of follow-ups, the pool (its sweep must
    see that history), the opportunities, the leads."""
    modules = [f"{config.name}.demo" for config in apps.get_app_configs() if config.name.startswith("guanxi.")]
    return [import_module(name).load for name in modules if find_spec(name) and hasattr(import_module(name), "load")]


class Command(BaseCommand):
    help = "Load the demo company: each app's demo adds its part. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            for load in demo_parts():
                started = time.monotonic()
                load(self.stdout)
                self.stdout.write(f"  ({time.monotonic() - started:.1f} s)")
                self.stdout.flush()
