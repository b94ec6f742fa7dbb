from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "guanxi.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from guanxi.core import navigation, permissions, scope, search

        from . import models, selectors

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
        scope.register(models.User, scope.Rule("org", owner="pk", department="department"))
        scope.register(models.Department, scope.Rule("org", owner=None, department="self"))
        scope.register(models.Team, scope.Rule("org", owner="lead", unit="business_unit"))
        scope.register(models.BusinessUnit, scope.Rule("org", owner=None, unit="pk"))
        scope.register(models.Role, scope.Rule("roles", owner=None, everyone=True))
        search.register(search.Provider(_("People"), selectors.search_people))
        # Sign-in security (SPEC §1.5): rows belong to the user they are about.
        scope.register(models.LoginAttempt, scope.Rule("org", owner="user"))
        scope.register(models.UserSession, scope.Rule("org", owner="user"))
        for label, url_name, icon, order in (
            (_("Login log"), "org:login_log", "history", 910),
            (_("Online users"), "org:online_users", "plug-connected", 920),
            (_("Inactive users"), "org:inactive_users", "user-off", 930),
        ):
            navigation.register(navigation.NavItem(label, url_name, icon, order=order, visible=_can_view_org))
        post_migrate.connect(_sync_default_roles, sender=self)


def _can_view_org(request: HttpRequest) -> bool:
    from guanxi.core.permissions import has_perm

    return has_perm(request.user, "org.view")


def _sync_default_roles(**kwargs: object) -> None:
    """Installation set-up, not a business effect: keep the default roles current after each migrate."""
    from .services import roles_sync_defaults

    roles_sync_defaults()
