from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "guanxi.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from guanxi.activities import related
        from guanxi.core import navigation, permissions, scope, search
        from guanxi.core.config.custom_fields import register_custom_fields_model
        from guanxi.core.config.dictionary import register_dictionary_type, register_dictionary_usage
        from guanxi.core.notifications.kinds import register_kind
        from guanxi.customers.merge import register_merge_child
        from guanxi.org import handover

        from . import checks, models, selectors

        permissions.register_module(
            permissions.Module(
                "opportunities",
                _("Opportunities"),
                ("view", "create", "edit", "delete", "export", "import", "assign", "approve"),
            )
        )
        permissions.register_module(
            permissions.Module("competitors", _("Competitors"), ("view", "create", "edit", "delete"))
        )
        permissions.register_module(
            permissions.Module("pipelines", _("Pipelines and stages"), ("view", "configure"), kind="admin")
        )
        scope.register(
            models.Opportunity,
            scope.Rule("opportunities", owner="owner", shared="collaborators", unit="business_unit"),
        )
        scope.register(
            models.StageChange,
            scope.Rule(
                "opportunities",
                owner="opportunity__owner",
                shared="opportunity__collaborators",
                unit="opportunity__business_unit",
            ),
        )
        # Configuration and shared knowledge: whoever works opportunities sees every pipeline and competitor
        # (selectors keep them to the viewer's business unit).
        # Group-wide pipelines and the viewer's unit's (every unit's with the all-units scope).
        scope.register(models.Pipeline, scope.Rule("opportunities", owner=None, unit="business_unit", everyone=True))
        scope.register(
            models.Stage, scope.Rule("opportunities", owner=None, unit="pipeline__business_unit", everyone=True)
        )
        scope.register(models.Competitor, scope.Rule("competitors", owner=None, everyone=True))
        register_custom_fields_model(models.Opportunity, module="opportunities")
        register_dictionary_type(
            "loss_reason",
            _("Loss reason"),
            [
                ("price", "价格偏高"),
                ("product", "产品不满足需求"),
                ("competitor_relationship", "竞争对手关系更好"),
                ("budget", "客户预算取消"),
                ("timing", "项目延期或取消"),
                ("service", "服务或交期不满足"),
                ("other", "其他"),
            ],
        )
        register_dictionary_usage("loss_reason", models.Opportunity, "loss_reason")
        register_dictionary_usage("customer_source", models.Opportunity, "source")
        register_kind("opportunity_approval", _("Stage moves waiting for my approval"))
        handover.register_owned(
            handover.OwnedType(
                models.Opportunity,
                "owner",
                _("Open opportunities"),
                owned=lambda rows: rows.filter(status=models.Status.OPEN),
            )
        )
        register_merge_child(models.Opportunity, "customer")
        items: list[tuple[Any, str, str, int, str, Any]] = [
            (_("Pipeline board"), "sales:board", "layout-kanban", 20, "opportunities.view", ""),
            (_("Opportunities"), "sales:list", "target-arrow", 21, "opportunities.view", ""),
            (_("Forecast"), "sales:forecast", "chart-line", 22, "opportunities.view", ""),
            (_("Competitors"), "sales:competitors", "swords", 23, "competitors.view", ""),
            (_("Pipelines"), "sales:pipelines", "git-branch", 984, "pipelines.view", _("Administration")),
        ]
        for label, url_name, icon, order, code, section in items:
            navigation.register(navigation.NavItem(label, url_name, icon, order, navigation.needs(code), section))
        search.register(search.Provider(_("Opportunities"), selectors.search_opportunities))
        related.register(selectors.customer_open_opportunities)
        checks.register()
        post_migrate.connect(_sync_pipelines, sender=self)


def _sync_pipelines(using: str = "default", **kwargs: object) -> None:
    """Installation set-up, not a business effect: the shipped pipelines exist after every migrate (and
    after a test flush, which emits the same signal)."""
    from .pipelines import pipelines_sync_defaults

    if using == "default":
        pipelines_sync_defaults()
