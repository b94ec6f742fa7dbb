from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guanxi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import models, navigation, permissions, scope

        navigation.register(navigation.NavItem(_("Dashboard"), "core:home", "dashboard", order=0))
        permissions.register_module(
            permissions.Module("system", _("System configuration"), ("view", "configure"), kind="admin")
        )
        permissions.register_module(permissions.Module("audit", _("Audit log"), ("view", "export"), kind="admin"))
        scope.register(models.AuditEntry, scope.Rule("audit", owner="actor"))
