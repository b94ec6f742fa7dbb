from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guanxi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import models, navigation, permissions, scope
        from .notifications import register_kind

        navigation.register(navigation.NavItem(_("Dashboard"), "core:home", "dashboard", order=0))
        permissions.register_module(
            permissions.Module("system", _("System configuration"), ("view", "configure"), kind="admin")
        )
        permissions.register_module(permissions.Module("audit", _("Audit log"), ("view", "export"), kind="admin"))
        scope.register(models.AuditEntry, scope.Rule("audit", owner="actor"))
        navigation.register(
            navigation.NavItem(
                _("Audit log"),
                "core:audit",
                "history",
                order=950,
                visible=lambda request: permissions.has_perm(request.user, "audit.view"),
            )
        )

        # Every active user reads their own notifications, and only those (a personal module).
        permissions.register_module(
            permissions.Module("notifications", _("Notifications"), ("view",), kind=permissions.PERSONAL)
        )
        scope.register(models.Notification, scope.Rule("notifications", owner="recipient"))
        register_kind("assignment", _("Records assigned to me"))
        register_kind("comment", _("Comments and instructions on my records"))
        register_kind("system", _("System messages"))
