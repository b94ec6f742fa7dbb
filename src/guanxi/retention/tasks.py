"""The sweeps of churn and care: the daily churn scan and care scan, the weekly training of the risk model.
``guanxi jobs run churn_scan --at …`` runs one as of any moment."""

from __future__ import annotations

from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.jobs import job, run_job

from .care import care_scan as _care_scan
from .risk import risk_train as _risk_train
from .services import churn_scan as _churn_scan


@job("churn_scan")
def churn_scan(at: datetime) -> str:
    totals = _churn_scan(at)
    return (
        f"{totals['checked']} won customers checked, {totals['raised']} alerts raised, {totals['refreshed']} refreshed"
    )


@job("care_scan")
def care_scan(at: datetime) -> str:
    return f"{_care_scan(at)['planned']} care plans made"


@job("risk_train")
def risk_train(at: datetime) -> str:
    totals = _risk_train(at)
    return f"{totals['trained']} units' models trained, {totals['scored']} customers scored"


def register() -> None:
    """The jobs above registered themselves when this module was imported."""


@db_periodic_task(crontab(hour="6", minute="10"))
def churn_scan_daily() -> None:
    run_job("churn_scan")


@db_periodic_task(crontab(hour="6", minute="30"))
def care_scan_daily() -> None:
    run_job("care_scan")


@db_periodic_task(crontab(day_of_week="0", hour="3", minute="0"))
def risk_train_weekly() -> None:
    run_job("risk_train")
