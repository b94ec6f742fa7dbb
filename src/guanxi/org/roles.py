"""The default roles of SPEC §1.3 (the seeds' five levels, plus the sales manager between them)."""

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guanxi.core.permissions import ACTIONS, MODULES, Module
from guanxi.core.scope import Scope

EVERYTHING = tuple(ACTIONS)


@dataclass(frozen=True)
class DefaultRole:
    code: str
    label: Promise
    description: Promise
    scope: Scope
    grants: dict[str, tuple[str, ...]]  # module kind → actions granted on every module of that kind

    def codes_for(self, module: Module) -> list[str]:
        wanted = self.grants.get(module.kind, ())
        return [f"{module.code}.{action}" for action in module.actions if action in wanted]


DEFAULT_ROLES = [
    DefaultRole(
        "group_management",
        _("Group management"),
        _("Sees every business unit: dashboards, funnel, forecast and performance."),
        Scope.ALL,
        {"sales": ("view", "export", "approve"), "admin": ("view",)},
    ),
    DefaultRole(
        "unit_head",
        _("Unit head"),
        _("Runs a business unit: sees all of it, assigns and approves."),
        Scope.UNIT,
        {"sales": EVERYTHING, "admin": ("view",)},
    ),
    DefaultRole(
        "sales_manager",
        _("Sales manager"),
        _("Leads a department: sees the records of it and the departments below, assigns, comments."),
        Scope.DEPARTMENT_TREE,
        {"sales": ("view", "create", "edit", "export", "assign", "approve", "unmask")},
    ),
    DefaultRole(
        "salesperson",
        _("Salesperson"),
        _("Works their own customers; cannot delete customers."),
        Scope.OWN,
        {"sales": ("view", "create", "edit")},
    ),
    DefaultRole(
        "unit_admin",
        _("Unit admin"),
        _("Configures a business unit: users, departments, dictionary, parameters, custom fields."),
        Scope.UNIT,
        {"admin": EVERYTHING, "sales": EVERYTHING},  # to grant a role one must hold its permissions
    ),
    DefaultRole(
        "system_admin",
        _("System admin"),
        _("Configures the whole system, every unit."),
        Scope.ALL,
        {"admin": EVERYTHING, "sales": EVERYTHING},
    ),
]

DEFAULT_ROLE_LABELS = {role.code: role.label for role in DEFAULT_ROLES}
_DEFAULTS = {role.code: role for role in DEFAULT_ROLES}


def shown_text(*, code: str, part: str, stored: str) -> str:
    """A default role's ``label`` or ``description`` in the reader's language while it is still the shipped
    text (stored in whichever language it was seeded); once a person changed it, what they wrote."""
    default = _DEFAULTS.get(code)
    if default is None:
        return stored
    shipped: Promise = getattr(default, part)
    return str(shipped) if stored in _writings(shipped) else stored


def kept_unless_changed(*, code: str, part: str, stored: str, submitted: str) -> str:
    """What to store when a form sends back a default role's text: the form showed the translated label,
    so sending it back unchanged keeps the shipped text (and its translations)."""
    return stored if submitted == shown_text(code=code, part=part, stored=stored) else submitted


def _writings(text: Promise) -> set[str]:
    """The shipped text as its source and in every language of the site."""
    with translation.override(None):
        found = {str(text)}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found.add(str(text))
    return found


def default_codes(role: DefaultRole, modules: list[Module] | None = None) -> list[str]:
    return [code for module in modules or MODULES.values() for code in role.codes_for(module)]
