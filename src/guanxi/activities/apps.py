from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "guanxi.activities"
    label = "activities"
    verbose_name = _("Follow-ups and plans")

    def ready(self) -> None:
        from . import checks, history, models, selectors, services

        models.register()  # the module's permissions; data scope and dictionary fields; a leaving owner's open plans
        history.register()  # the audit trail reads calendar feed and hand-over events as words
        services.register()  # follow-ups and plans follow a customer's merge, transfer and level change
        checks.register()  # the daily check sheet's rows of customers and plans
        selectors.register()  # the menu entries
