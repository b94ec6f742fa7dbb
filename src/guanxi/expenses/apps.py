from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpensesConfig(AppConfig):
    name = "guanxi.expenses"
    label = "expenses"
    verbose_name = _("Expenses")

    def ready(self) -> None:
        from . import models, services, views

        models.register()  # the permissions, data scope, dictionary and merge rules of expense claims
        services.register()  # expense claims as a record type of the approval engine; their number
        views.register()  # the menu entry, the customer 360 tab and the opportunity's cost panel
