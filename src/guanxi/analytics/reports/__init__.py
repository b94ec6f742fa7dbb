"""The shipped reports, one module per area; each registers its reports with the framework."""

from __future__ import annotations


def register() -> None:
    from . import activity, churn, customers, expenses, partners, sales, service, value

    for module in (sales, partners, customers, value, churn, activity, service, expenses):
        module.register()
