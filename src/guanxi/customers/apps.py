import logging
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from . import exports, history, models, partners, selectors, services
        from . import settings as customer_settings

        models.register()  # the module's permissions; data scope and custom fields of customers and contacts
        services.register()  # the dictionary types the customer's fields draw from
        partners.register()  # channel partners: their dictionary types, attributions moved on merge, delete guard
        customer_settings.register()  # the fields a unit requires
        history.register()  # the audit trail masks and names what the customer pages do
        selectors.register()  # the menu entry and the global search
        exports.register()  # the list's export, by name for the background export jobs
        post_migrate.connect(_load_regions_once, sender=self)


def _load_regions_once(using: str = "default", apps: Any = None, **kwargs: object) -> None:
    """Installation set-up, not a business effect: the first migrate fills the region table from the shipped
    data file. Tests make the few regions they need, so they skip it (``settings.TESTING``)."""
    from .regions.models import Region
    from .regions.services import RegionDataMissing, regions_load

    if settings.TESTING or using != "default":
        return
    try:
        apps.get_model("customers", "Region")  # the table exists once its migration has run
    except (AttributeError, LookupError):
        return
    if Region.objects.exists():
        return
    try:
        regions_load()
    except RegionDataMissing as error:
        log.warning("Regions not loaded: %s", error)
