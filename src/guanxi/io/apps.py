from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IoConfig(AppConfig):
    name = "guanxi.io"
    label = "io"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        from . import models, views

        models.register()  # everyone's own imports and exports (a personal module)
        views.register()  # the menu entry of the import wizard
