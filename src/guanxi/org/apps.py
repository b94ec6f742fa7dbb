from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "guanxi.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from guanxi.core import navigation, permissions, scope, search
        from guanxi.core.auditlog.presentation import register_note_labels

        from . import handover, models, selectors

        permissions.register_module(
            permissions.Module(
                "org",
                _("Users and departments"),
                ("view", "create", "edit", "delete", "export", "import", "assign"),
                kind="admin",
            )
        )
        permissions.register_module(
            permissions.Module("roles", _("Roles"), ("view", "create", "edit", "delete"), kind="admin")
        )
        # The notes the audit log keeps for these events, read in the reader's language.
        register_note_labels(
            {
                "password changed": _("Password changed"),
                "password reset by an administrator": _("Password reset by an administrator"),
                "created from the command line": _("Created from the command line"),
                "two-factor sign-in enabled": _("Two-factor sign-in enabled"),
                "two-factor sign-in disabled": _("Two-factor sign-in disabled"),
                "forced sign-out": _("Signed out by an administrator"),
                "session ended by its user": _("Session ended by its user"),
                "returned to the pool": _("Returned to the pool"),
            }
        )
        scope.register(models.User, scope.Rule("org", owner="pk", department="department"))
        scope.register(models.Department, scope.Rule("org", owner=None, department="self"))
        scope.register(models.Team, scope.Rule("org", owner="lead", unit="business_unit"))
        scope.register(models.BusinessUnit, scope.Rule("org", owner=None, unit="pk"))
        scope.register(models.Role, scope.Rule("roles", owner=None, unit="business_unit", everyone=True))
        search.register(search.Provider(_("People"), selectors.search_people))
        admin = _("Administration")
        for label, url, icon, order, code in [
            (_("Users"), "org:users", "users", 900, "org.view"),
            (_("Departments"), "org:departments", "sitemap", 910, "org.view"),
            (_("Teams"), "org:teams", "users-group", 920, "org.view"),
            (_("Roles"), "org:roles", "shield-lock", 930, "roles.view"),
        ]:
            navigation.register(navigation.NavItem(label, url, icon, order, navigation.needs(code), admin))
        navigation.register(
            navigation.NavItem(_("Business units"), "org:units", "building", 905, _several_units, admin)
        )
        handover.register_owned(handover.OwnedType(models.Department, "lead", _("Departments led")))
        handover.register_owned(handover.OwnedType(models.Team, "lead", _("Teams led")))
        handover.register_owned(
            handover.OwnedType(
                models.User,
                "manager",
                _("Direct reports"),
                owned=lambda rows: rows.exclude(status=models.User.Status.LEFT),
            )
        )
        # Sign-in security (SPEC §1.5): rows belong to the user they are about.
        scope.register(models.LoginAttempt, scope.Rule("org", owner="user"))
        scope.register(models.UserSession, scope.Rule("org", owner="user"))
        for label, url_name, icon, order in (
            (_("Login log"), "org:login_log", "history", 940),
            (_("Online users"), "org:online_users", "plug-connected", 950),
            (_("Inactive users"), "org:inactive_users", "user-off", 960),
        ):
            navigation.register(navigation.NavItem(label, url_name, icon, order, navigation.needs("org.view"), admin))
        post_migrate.connect(_sync_default_roles, sender=self)


def _sync_default_roles(**kwargs: object) -> None:
    """Installation set-up, not a business effect: keep the default roles current after each migrate."""
    from .services import roles_sync_defaults

    roles_sync_defaults()


def _several_units(request: object) -> bool:
    """A single-company install never shows the business-unit concept."""
    from guanxi.core.permissions import has_perm

    from .models import BusinessUnit

    return has_perm(getattr(request, "user", None), "org.view") and BusinessUnit.objects.count() > 1
