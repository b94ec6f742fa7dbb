from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "guanxi.finance"
    label = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from . import exports, models, services, tasks, views
        from .credit import models as credit_models
        from .credit import rules as credit_rules
        from .credit import services as credit_services
        from .credit import tasks as credit_tasks  # noqa: F401  (the credit_rate sweep, by name)
        from .credit import views as credit_views

        models.register()  # the permissions, data scope, hand-over and merge rules of the money records
        services.register()  # receipts as a record type of the approval engine; the numbers; notifications
        tasks.register()  # the overdue sweep's notification kind
        exports.register()  # the receivables report as a spreadsheet
        views.register()  # the menu entries and the customer 360 tab
        credit_models.register()  # customer credit: its permission and data scope
        credit_rules.register()  # the rating thresholds and default limits, per unit
        credit_services.register()  # an order above the customer's credit waits for approval (sales' check)
        credit_views.register()  # the 360 Credit tab, the panel on quotes and orders, the customers API field
