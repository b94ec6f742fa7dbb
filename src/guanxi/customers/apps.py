from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from guanxi.core import navigation, permissions, scope, search
        from guanxi.core.config.custom_fields import register_custom_fields_model

        from . import models, selectors

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
        register_custom_fields_model(models.Contact, module="customers")
        navigation.register(
            navigation.NavItem(
                _("Customers"), "customers:list", "building-store", 10, navigation.needs("customers.view")
            )
        )
        search.register(search.Provider(_("Customers"), selectors.search_customers))
