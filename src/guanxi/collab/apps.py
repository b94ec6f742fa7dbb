from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollabConfig(AppConfig):
    name = "guanxi.collab"
    label = "collab"
    verbose_name = _("Shared tools")

    def ready(self) -> None:
        from . import models, views

        models.register()  # the permissions and data scope of announcements, documents and sales scripts
        views.register()  # the menu entries, the unread-announcements badge and banner, record panels, tabs
