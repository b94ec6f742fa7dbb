from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "guanxi.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from . import checks, deals, exports, models, selectors, services
        from .contracts import exports as contract_exports
        from .contracts import services as contracts
        from .contracts import views as contract_views
        from .orders import exports as order_exports
        from .orders import services as orders
        from .orders import views as order_views
        from .partners import views as partner_views
        from .quotes import services as quotes
        from .quotes import views as quote_views

        models.register()  # the permissions, data scope, custom and dictionary fields, merge and hand-over
        services.register()  # stage moves as a record type of the approval engine, with their notification
        quotes.register()  # quotes as a record type of the approval engine, their parameters
        contracts.register()  # signing and voiding contracts through the approval engine, the reminder
        orders.register()  # an order whose confirmation a check held (credit) through the approval engine
        deals.register()  # a customer with contracts or orders cannot be deleted
        contract_exports.register()  # the contract list's export
        order_exports.register()  # the order list's export
        quote_views.register()  # the 360 page's Quotes, Contracts and Orders tabs, in this order
        contract_views.register()
        order_views.register()
        partner_views.register()  # the Partner tab of a channel partner's 360 page
        checks.register()  # the daily check sheet's row of opportunities without a plan
        exports.register()  # the opportunity list's export, by name for the background export jobs
        selectors.register()  # the menu entries, the global search, the open opportunities on a customer
        post_migrate.connect(_sync_pipelines, sender=self)


def _sync_pipelines(using: str = "default", **kwargs: object) -> None:
    """Installation set-up, not a business effect: the shipped pipelines exist after every migrate (and
    after a test flush, which emits the same signal)."""
    from .pipelines import pipelines_sync_defaults

    if using == "default":
        pipelines_sync_defaults()
