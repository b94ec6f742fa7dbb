from django.apps import AppConfig
from django.db.models.signals import post_migrate
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


def _sync_default_roles(**kwargs: object) -> None:
    """Installation set-up, not a business effect: keep the default roles current after each migrate."""
    from .services import roles_sync_defaults

    roles_sync_defaults()
