from django.apps import AppConfig
from django.db.models.signals import post_migrate
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
                order=970,
                visible=navigation.needs("audit.view"),
                section=_("Administration"),
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
        self._configuration_tools()

    def _configuration_tools(self) -> None:
        """The data dictionary, parameters, custom fields and numbering (SPEC §14.1–14.3)."""
        from guanxi.org.models import User

        from . import models, navigation, scope
        from .config import custom_fields, dictionary_defaults, parameter_defaults

        # Group-wide rows and the viewer's unit's; every unit's with the all-units scope (SPEC §1.1).
        for model, unit in (
            (models.DictionaryType, "business_unit"),
            (models.DictionaryItem, "type__business_unit"),
            (models.ParameterValue, "business_unit"),
            (models.CustomField, "business_unit"),
        ):
            scope.register(model, scope.Rule("system", owner=None, unit=unit, everyone=True))
        dictionary_defaults.register_defaults()
        parameter_defaults.register_defaults()
        custom_fields.register_custom_fields_model(User, module="org")

        for label, url_name, icon, order in [
            (_("Data dictionary"), "core:dictionary", "list-details", 980),
            (_("Parameters"), "core:parameters", "adjustments", 981),
            (_("Custom fields"), "core:custom_field_types", "forms", 982),
        ]:
            item = navigation.NavItem(
                label, url_name, icon, order, navigation.needs("system.view"), _("Administration")
            )
            navigation.register(item)
        post_migrate.connect(_sync_dictionary, sender=self)


def _sync_dictionary(**kwargs: object) -> None:
    """Installation set-up, not a business effect: create the registered dictionary types after migrate."""
    from .config.dictionary import dictionary_sync_defaults

    dictionary_sync_defaults()
