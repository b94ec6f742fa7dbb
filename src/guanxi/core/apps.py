from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guanxi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import models, outbox, views
        from .config import dictionary_defaults, parameter_defaults
        from .notifications import kinds

        models.register()  # the system, audit and notification permissions; the data scope of core records
        kinds.register()  # the notification kinds every installation sends
        dictionary_defaults.register_defaults()  # the shipped dictionary types (SPEC §14.1)
        parameter_defaults.register_defaults()  # the shipped parameters (SPEC §14.2)
        outbox.register()  # the record events services emit for the webhooks (core/outbox.py)
        views.register()  # the dashboard's and the administration's menu entries
        post_migrate.connect(_sync_dictionary, sender=self)


def _sync_dictionary(**kwargs: object) -> None:
    """Installation set-up, not a business effect: create the registered dictionary types after migrate."""
    from .config.dictionary import dictionary_sync_defaults

    dictionary_sync_defaults()
