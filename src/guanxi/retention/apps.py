from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "guanxi.retention"
    label = "retention"
    verbose_name = _("Churn and care")

    def ready(self) -> None:
        from . import models, rules, services, tasks, views

        models.register()  # the permissions and data scope of churn alerts and care rules, the reason dictionary
        rules.register()  # the churn rules' parameters per unit
        services.register()  # the notification kind, the deal hook (recovered, won again), merging customers
        views.register()  # the menu, the 360 tab and warning, the customer list's risk column and sort
        tasks.register()  # the churn scan, the care scan and the training as named jobs
