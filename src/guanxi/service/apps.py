from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "guanxi.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self) -> None:
        from . import models, selectors, views

        models.register()  # the service and knowledge-base permissions; the data scope of tickets and articles
        selectors.register()  # the menu entries, the global search and the customers' open-complaint warning
        views.register()  # the Service tab of the customer 360 page; the notification kinds
