from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "guanxi.portal"
    label = "portal"
    verbose_name = _("Partner portal")

    def ready(self) -> None:
        from . import models, services, views

        models.register()  # the permission module, the scope of its rows and the partner scope of every record
        services.register()  # where a partner's people may go; a registration's conflict case decided
        views.register()  # the Portal tab on a channel partner's 360 page
