"""The shipped reports, one module per area; each registers its reports with the framework."""

from __future__ import annotations


def register() -> None:
    from . import activity, churn, customers, sales, service, value

    for module in (sales, customers, value, churn, activity, service):
        module.register()
