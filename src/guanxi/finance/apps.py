from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "guanxi.finance"
    label = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        from . import exports, models, services, tasks, views

        models.register()  # the permissions, data scope, hand-over and merge rules of the money records
        services.register()  # receipts as a record type of the approval engine; the numbers; notifications
        tasks.register()  # the overdue sweep's notification kind
        exports.register()  # the receivables report as a spreadsheet
        views.register()  # the menu entries and the customer 360 tab
