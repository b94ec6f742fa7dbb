from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "guanxi.calls"
    label = "calls"
    verbose_name = _("Call centre")

    def ready(self) -> None:
        from . import models, views

        models.register()  # the call centre's permissions, the data scope of calls, extensions and PBX connections
        views.register()  # the menu entries and the pop-up on every page of an agent with an extension
