"""Named sweeps that find due work in the database. Periodic tasks run them at "now";
`guanxi jobs run NAME --at ISO-TIME` runs one as of any moment (operators and tests)."""

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

Job = Callable[[datetime], str]  # takes the moment to act as of, returns a one-line summary

JOBS: dict[str, Job] = {}


def job(name: str) -> Callable[[Job], Job]:
    def register(function: Job) -> Job:
        JOBS[name] = function
        return function

    return register


def run_job(name: str, *, at: datetime | None = None) -> str:
    if name not in JOBS:
        raise KeyError(name)
    return JOBS[name](at or timezone.now())
