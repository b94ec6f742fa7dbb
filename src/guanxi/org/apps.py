from typing import Any

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "guanxi.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from . import company, handover, history, models, selectors

        models.register()  # permissions of users, departments and roles; the data scope of their records; custom fields
        history.register()  # the audit trail reads sign-in and password events as words
        handover.register()  # a leaving user's departments and teams led and direct reports
        selectors.register()  # the administration menu's entries, the global search of people, dashboard panels
        company.register()  # the letterhead documents for customers print, as the unit's parameters
        post_migrate.connect(_sync_default_roles, sender=self)
        _grants_follow_roles(models)


def _user_saved(created: bool = False, **kwargs: Any) -> None:
    if created:  # not each sign-in's last_login
        from guanxi.core.permissions import roles_changed

        roles_changed()


def _grants_follow_roles(models: Any) -> None:
    """A request's roles come from the cache (core.permissions): every change of a role, of who holds it,
    or a new user (who may take a deleted one's id in a test database) replaces its stamp."""
    from guanxi.core.permissions import roles_changed

    post_save.connect(roles_changed, sender=models.Role, dispatch_uid="roles-changed-role")
    post_save.connect(_user_saved, sender=models.User, dispatch_uid="roles-changed-user")
    for model in (models.Role, models.User):
        post_delete.connect(roles_changed, sender=model, dispatch_uid=f"roles-changed-delete-{model.__name__}")
    m2m_changed.connect(roles_changed, sender=models.User.roles.through, dispatch_uid="roles-changed-held")


def _sync_default_roles(**kwargs: object) -> None:
    """Installation set-up, not a business effect: keep the default roles current after each migrate."""
    from guanxi.core.permissions import roles_changed

    from .services import roles_sync_defaults

    roles_sync_defaults()
    roles_changed()  # a data migration may have changed roles through the historical models: no signal
