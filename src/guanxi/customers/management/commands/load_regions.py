"""`guanxi manage load_regions [--file PATH]`: load China's administrative divisions (safe to run again)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guanxi.customers.regions.services import RegionDataInvalid, RegionDataMissing, regions_load


class Command(BaseCommand):
    help = "Load or refresh China's administrative divisions (province, city, county) from the data file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, help="a pca-code.json file (default: the one `make assets` copies)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = regions_load(path=options["file"])
        except (RegionDataMissing, RegionDataInvalid) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"{count} regions loaded."))
