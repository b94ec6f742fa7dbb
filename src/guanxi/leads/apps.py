from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "guanxi.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from guanxi.activities.compliance import register_check
        from guanxi.core import navigation, permissions, scope, search
        from guanxi.core.config.custom_fields import register_custom_fields_model
        from guanxi.core.config.dictionary import register_dictionary_usage
        from guanxi.core.config.parameters import register_parameter, register_parameter_group
        from guanxi.customers.merge import register_merge_child
        from guanxi.org import handover

        from . import checks, models, selectors

        permissions.register_module(
            permissions.Module(
                "leads",
                _("Leads"),
                ("view", "create", "edit", "delete", "export", "import", "assign", "configure"),
            )
        )
        # A lead belongs to its owner and to its department (where an unassigned lead waits for one).
        scope.register(models.Lead, scope.Rule("leads", owner="owner", department="department", unit="business_unit"))
        scope.register(models.LeadForm, scope.Rule("leads", owner=None, unit="business_unit"))
        scope.register(models.AssignmentRule, scope.Rule("leads", owner=None, unit="business_unit"))
        register_custom_fields_model(models.Lead, module="leads")
        # merging two customers keeps the leads that became either of them, and the matches noted on leads
        register_merge_child(models.Lead, "customer")
        register_merge_child(models.Lead, "matched_customer")
        register_dictionary_usage("customer_source", models.Lead, "source")
        register_dictionary_usage("customer_source", models.LeadForm, "source")
        register_dictionary_usage("customer_source", models.AssignmentRule, "sources", many=True)
        register_parameter_group("leads", _("Leads"), 25)
        register_parameter(
            "leads.webform_limit",
            _("Web form submissions per address"),
            "int",
            5,
            min=1,
            max=1000,
            group="leads",
            help=_("More from one address within the window below are refused."),
        )
        register_parameter(
            "leads.webform_window_minutes", _("Web form rate-limit window (minutes)"), "int", 60, min=1, max=1440,
            group="leads",
        )  # fmt: skip
        register_parameter(
            "leads.webform_min_seconds",
            _("Web form minimum filling time (seconds)"),
            "int",
            3,
            min=0,
            max=60,
            group="leads",
            help=_("A form sent faster than this after the page loaded is a robot's and is dropped."),
        )
        register_parameter(
            "leads.followup_days",
            _("An open lead is followed up at least every (days)"),
            "int",
            30,
            min=1,
            max=365,
            group="leads",
            help=_("Seed rule: every lead has at least one follow-up a month while it is open."),
        )
        navigation.register(
            navigation.NavItem(_("Leads"), "leads:list", "target-arrow", 15, navigation.needs("leads.view"))
        )
        search.register(search.Provider(_("Leads"), selectors.search_leads))
        register_check(
            "leads_without_followup",
            _("Open leads without a follow-up in the last month"),
            checks.lead_rows,
            order=40,
            description=_("Every open lead is followed up at least once a month."),
        )
        handover.register_owned(
            handover.OwnedType(
                models.Lead, "owner", _("Open leads"), owned=lambda rows: rows.filter(status__in=models.OPEN_STATUSES)
            )
        )
