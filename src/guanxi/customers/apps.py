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
        from guanxi.core import navigation, permissions, scope, search
        from guanxi.core.config.custom_fields import register_custom_fields_model
        from guanxi.core.config.dictionary import register_dictionary_usage

        from . import history, models, selectors, services
        from . import settings as customer_settings

        permissions.register_module(
            permissions.Module(
                "customers",
                _("Customers and contacts"),
                ("view", "create", "edit", "delete", "export", "import", "assign", "unmask"),
            )
        )
        scope.register(
            models.Customer, scope.Rule("customers", owner="owner", shared="shared_with", unit="business_unit")
        )
        scope.register(
            models.Contact,
            scope.Rule(
                "customers",
                owner="customer__owner",
                shared="customer__shared_with",
                unit="customer__business_unit",
            ),
        )
        register_custom_fields_model(models.Customer, module="customers")
        customer_settings.register()
        history.register()  # the audit trail masks and names what the customer pages do
        for field, type_code in services.DICTIONARY_FIELDS.items():
            register_dictionary_usage(type_code, models.Customer, field)
        register_custom_fields_model(models.Contact, module="customers")
        navigation.register(
            navigation.NavItem(
                _("Customers"), "customers:list", "building-store", 10, navigation.needs("customers.view")
            )
        )
        search.register(search.Provider(_("Customers"), selectors.search_customers))
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
