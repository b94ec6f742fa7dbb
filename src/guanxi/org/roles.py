"""The default roles of SPEC §1.3 (the seeds' five levels, plus the sales manager between them)."""

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.permissions import ACTIONS, MODULES, Module
from guanxi.core.scope import Scope
from guanxi.core.texts import shipped_kept, shipped_shown

EVERYTHING = tuple(ACTIONS)


@dataclass(frozen=True)
class DefaultRole:
    code: str
    label: Promise
    description: Promise
    scope: Scope
    grants: dict[str, tuple[str, ...]]  # module kind → actions granted on every module of that kind
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)  # module code → actions beyond its kind's

    def codes_for(self, module: Module) -> list[str]:
        wanted = (*self.grants.get(module.kind, ()), *self.extra.get(module.code, ()))
        return [f"{module.code}.{action}" for action in module.actions if action in wanted]


DEFAULT_ROLES = [
    DefaultRole(
        "group_management",
        _("Group management"),
        _("Sees every business unit: dashboards, funnel, forecast and performance."),
        Scope.ALL,
        {"sales": ("view", "export", "approve"), "admin": ("view",), "service": ("view", "export")},
        # the group's finance pays approved expense claims, confirms receipts and issues invoices
        extra={"expense_payments": ("view", "edit"), "finance": ("view", "edit", "approve", "export")},
    ),
    DefaultRole(
        "unit_head",
        _("Unit head"),
        _("Runs a business unit: sees all of it, assigns and approves."),
        Scope.UNIT,
        {"sales": EVERYTHING, "admin": ("view",), "service": EVERYTHING},
    ),
    DefaultRole(
        "sales_manager",
        _("Sales manager"),
        _("Leads a department: sees the records of it and the departments below, assigns, comments."),
        Scope.DEPARTMENT_TREE,
        {"sales": ("view", "create", "edit", "export", "assign", "approve", "unmask")},
        extra={"targets": ("configure",)},  # sets their department's sales targets
    ),
    DefaultRole(
        "salesperson",
        _("Salesperson"),
        _("Works their own customers; cannot delete customers."),
        Scope.OWN,
        {"sales": ("view", "create", "edit")},
        # the service desk's knowledge base to answer customers; their own calls and click-to-call
        extra={"knowledge": ("view",), "calls": ("view",)},
    ),
    DefaultRole(
        "service_manager",
        _("Service manager"),
        _("Runs the unit's service desk: dispatches tickets, watches deadlines, keeps the knowledge base."),
        Scope.UNIT,
        {"service": EVERYTHING},
        extra={"customers": ("view",)},
    ),
    DefaultRole(
        "service_agent",
        _("Service agent"),
        _("Handles the tickets assigned to them and takes unassigned ones from the unit's queue."),
        Scope.OWN,
        {"service": ("view", "create", "edit")},
    ),
    DefaultRole(
        "finance",
        pgettext_lazy("role", "Finance"),
        _(
            "Keeps the unit's money: confirms receipts, issues invoices, pays approved expense claims; reads the "
            "unit's customers, contracts and orders."
        ),
        Scope.UNIT,
        {"sales": ("view", "export")},
        extra={
            "payments": ("view", "create", "edit", "export"),
            "finance": ("view", "edit", "approve", "export"),
            "expense_payments": ("view", "edit"),
        },
    ),
    DefaultRole(
        "unit_admin",
        _("Unit admin"),
        _("Configures a business unit: users, departments, dictionary, parameters, custom fields."),
        Scope.UNIT,
        {
            "admin": EVERYTHING,
            "sales": EVERYTHING,
            "service": EVERYTHING,
        },  # to grant a role one must hold its permissions
    ),
    DefaultRole(
        "system_admin",
        _("System admin"),
        _("Configures the whole system, every unit."),
        Scope.ALL,
        {"admin": EVERYTHING, "sales": EVERYTHING, "service": EVERYTHING},
    ),
]

DEFAULT_ROLE_LABELS = {role.code: role.label for role in DEFAULT_ROLES}
_DEFAULTS = {role.code: role for role in DEFAULT_ROLES}


def shown_text(*, code: str, part: str, stored: str) -> str:
    """A default role's ``label`` or ``description`` in the reader's language until a person changed it."""
    default = _DEFAULTS.get(code)
    return shipped_shown(getattr(default, part) if default else None, stored)


def kept_unless_changed(*, code: str, part: str, stored: str, submitted: str) -> str:
    """What to store when a form sends back a default role's text: unchanged, it stays shipped."""
    default = _DEFAULTS.get(code)
    return shipped_kept(getattr(default, part) if default else None, stored, submitted)


def default_codes(role: DefaultRole, modules: list[Module] | None = None) -> list[str]:
    return [code for module in modules or MODULES.values() for code in role.codes_for(module)]
