from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Load the demo company: each app's demo.load() adds its part. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        # The core's demo decorates records of the other apps (custom field values), so it runs last.
        configs = sorted(
            (config for config in apps.get_app_configs() if config.name.startswith("guanxi.")),
            key=lambda config: config.name == "guanxi.core",
        )
        with transaction.atomic():
            for config in configs:
                try:
                    load = import_string(f"{config.name}.demo.load")
                except ImportError:
                    continue
                load(self.stdout)
