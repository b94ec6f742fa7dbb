from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoolConfig(AppConfig):
    """The public pool (公海) above customers and activities: ownership, lifecycle status, conflicts and the
    reclaim sweep. It calls down into both; neither imports it."""

    name = "guanxi.pool"
    label = "pool"
    verbose_name = _("Public pool")

    def ready(self) -> None:
        from guanxi.core import navigation, permissions, scope
        from guanxi.core.audit import register_former_label
        from guanxi.core.notifications.kinds import register_kind
        from guanxi.customers import list_views as customer_list_views
        from guanxi.customers import views as customer_views
        from guanxi.customers.models import Customer
        from guanxi.org import handover

        from . import forms, history, models, ownership, services, views

        # The holding limit, clocks and conflict cases of the customers' own writes (customers.hooks).
        ownership.register()
        # A departing salesperson's customers are handed over with everything else, or go back to their
        # pools (SPEC §1.4).
        handover.register_owned(
            handover.OwnedType(Customer, "owner", _("Customers"), to_pool=services.customers_to_pool)
        )
        # view = see the pool; edit = claim and return; assign = assign from the pool, lock and unlock;
        # approve = decide conflicts; configure = pools and limits (a pool administrator, exempt from the
        # daily claim cap).
        permissions.register_module(
            permissions.Module(
                "pool", _("Public pool and conflicts"), ("view", "edit", "assign", "approve", "configure")
            )
        )
        scope.register(models.Pool, scope.Rule("pool", owner=None, department="department", unit="business_unit"))
        scope.register(models.ConflictCase, scope.Rule("pool", owner="claimant", unit="business_unit"))
        navigation.register(
            navigation.NavItem(_("Public pool"), "pool:pool", "lifebuoy", 11, navigation.needs("pool.view"))
        )
        navigation.register(
            navigation.NavItem(_("Conflicts"), "pool:conflicts", "git-compare", 12, navigation.needs("pool.approve"))
        )
        register_kind("pool_assigned", _("Customers assigned to me from the pool"))
        register_kind("pool_returned", _("My customers returned to the pool by someone else"))
        register_kind("pool_expiry_warning", _("My customers about to return to the pool"), default_email=True)
        register_kind("pool_reclaimed", _("My customers returned to the pool automatically"))
        register_kind("conflict", _("Conflict cases about my customers"))
        # The 360 page shows the days left and the pool's buttons; the customers list returns many at once.
        customer_views.DETAIL_CONTEXT.append(views.detail_context)
        customer_list_views.register_bulk_action(
            "return", "pool.edit", _("Return to the pool"), form=forms.ReturnForm, run=views.bulk_return, after="share"
        )
        history.register()  # the audit trail reads lifecycle events and return reasons as words
        for model in (models.Pool, models.HoldingLimit, models.ConflictCase):  # audited before they left customers
            register_former_label(model, f"customers.{model._meta.model_name}")
