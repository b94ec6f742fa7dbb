from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "guanxi.activities"
    label = "activities"
    verbose_name = _("Follow-ups and plans")

    def ready(self) -> None:
        from guanxi.core import navigation, permissions, scope
        from guanxi.core.auditlog.presentation import register_note_labels
        from guanxi.core.config.dictionary import register_dictionary_usage
        from guanxi.customers import hooks as customer_hooks
        from guanxi.customers.merge import register_merge_child
        from guanxi.org import handover

        from . import cadence, checks, models, services

        register_note_labels(
            {
                "calendar feed token issued": _("Calendar feed link issued"),
                "calendar feed token revoked": _("Calendar feed link revoked"),
                "open plans reassigned": _("Open plans handed over"),
            }
        )

        # view/create/edit: one's own records; assign: plans for colleagues; approve: manager comments (领导批示);
        # configure: plan templates; delete: remove a record recorded by mistake.
        permissions.register_module(
            permissions.Module(
                "activities",
                _("Follow-ups and plans"),
                ("view", "create", "edit", "delete", "export", "assign", "approve", "configure"),
            )
        )
        # A follow-up or plan belongs to whoever recorded / is assigned it; colleagues a customer is shared
        # with see that customer's records too. The 360 timeline shows every record of a customer the actor
        # may see (the customer's history), see selectors.followups_of_customer.
        for model in (models.FollowUp, models.Plan):
            scope.register(model, scope.Rule("activities", owner="owner", shared="customer__shared_with"))
        # Templates are configuration: whoever may view activities reads them (the API narrows to the unit).
        scope.register(models.PlanTemplate, scope.Rule("activities", owner=None, unit="business_unit", everyone=True))
        register_dictionary_usage("customer_feedback", models.FollowUp, "feedback")
        handover.register_owned(
            handover.OwnedType(models.Plan, "owner", _("Open plans"), owned=lambda rows: rows.filter(status="open"))
        )
        checks.register_defaults()
        # The conflict inbox compares how each side has looked after the customer (SPEC §3.4).
        # A customer merge moves the merged customer's follow-ups and plans to the one kept.
        register_merge_child(models.FollowUp, "customer", move=services.followups_move_on_merge)
        register_merge_child(models.Plan, "customer", move=services.plans_move_on_merge)
        # A transferred customer's open plans follow it; a new level moves the next plan within its interval.
        customer_hooks.OWNER_CHANGED.append(services.customer_plans_reassign)
        customer_hooks.LEVEL_CHANGED.append(cadence.customer_level_changed)
        needs = navigation.needs
        for label, url, icon, order, code in [
            (_("Agenda"), "activities:agenda", "calendar-check", 12, "activities.view"),
            (_("Calendar"), "activities:calendar", "calendar-month", 13, "activities.view"),
            (_("Daily check sheet"), "activities:compliance", "checklist", 14, "activities.approve"),
        ]:
            navigation.register(navigation.NavItem(label, url, icon, order, needs(code)))
        navigation.register(
            navigation.NavItem(
                _("Plan templates"), "activities:templates", "template", 940, needs("activities.configure"),
                _("Administration"),
            )
        )  # fmt: skip
