from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoolConfig(AppConfig):
    """The public pool (公海) above customers and activities: ownership, lifecycle status, conflicts and the
    reclaim sweep. It calls down into both; neither imports it."""

    name = "guanxi.pool"
    label = "pool"
    verbose_name = _("Public pool")

    def ready(self) -> None:
        from . import history, models, ownership, services, viewing, views

        models.register()  # the pool module's permissions and the data scope of pools and conflict cases
        ownership.register()  # the holding limit, clocks and conflict cases of the customers' own writes
        services.register()  # a departing owner's customers, and the notifications the pool sends
        viewing.register()  # the daily viewing limit: its parameter, and the customers' detail page's check
        views.register()  # the menu entries, the 360 page's pool context, the list's bulk return
        history.register()  # the audit trail reads lifecycle events and return reasons as words
