from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "guanxi.workflows"
    label = "workflows"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        from . import models, selectors, services

        models.register()  # the permissions and the data scope of flows and requests
        services.register()  # the notifications of a request and of its decision
        selectors.register()  # the inbox (with its count) and the flows' settings in the menu
