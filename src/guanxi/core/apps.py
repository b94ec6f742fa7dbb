from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guanxi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import navigation

        navigation.register(navigation.NavItem(_("Dashboard"), "core:home", "dashboard", order=0))
