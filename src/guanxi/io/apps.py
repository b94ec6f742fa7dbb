from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IoConfig(AppConfig):
    name = "guanxi.io"
    label = "io"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        from guanxi.core.middleware import limit_upload

        from . import models, reading, views

        models.register()  # everyone's own imports and exports (a personal module)
        views.register()  # the menu entry of the import wizard
        for route in ("io:imports", "import-list"):  # a file too large is refused before it is received
            limit_upload(route, reading.MAX_BYTES + 2**20)
