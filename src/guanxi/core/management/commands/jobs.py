from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import autodiscover_modules
from django.utils.timezone import is_naive, make_aware

from guanxi.core.jobs import JOBS, run_job


class Command(BaseCommand):
    help = "List the periodic sweeps, or run one now or as of a given time."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="list the sweeps")
        run = actions.add_parser("run", help="run one sweep")
        run.add_argument("name")
        run.add_argument("--at", help="ISO time to act as of (default: now)")

    def handle(self, *args: Any, **options: Any) -> None:
        autodiscover_modules("tasks")  # jobs are declared beside the periodic tasks that run them
        if options["action"] == "list":
            for name, function in sorted(JOBS.items()):
                summary = next(iter((function.__doc__ or "").strip().splitlines()), "")
                self.stdout.write(f"{name:24} {summary}")
            return
        at = None
        if options.get("at"):
            at = parse_datetime(options["at"])
            if at is None:
                raise CommandError(f"--at {options['at']!r} is not an ISO date-time")
            if is_naive(at):
                at = make_aware(at)
        if options["name"] not in JOBS:
            raise CommandError(f"no sweep named {options['name']!r}; known: {', '.join(sorted(JOBS))}")
        self.stdout.write(run_job(options["name"], at=at))
