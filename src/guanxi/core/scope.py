"""The one data-scope gate: (actor, model, action) → the rows the actor may see.

Every list, detail, search, report, export, API call and job reads through ``Model.objects.visible_to(actor)``
(a ``ScopedQuerySet``) or ``get_visible_or_404``; nothing filters by owner or unit by hand. Apps declare how
their models hang off the organisation with ``register(Model, Rule(...))``; roles grant the scope (SPEC §1.3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .people import user_model

if TYPE_CHECKING:
    from guanxi.org.models import Department, User


class Scope(models.TextChoices):
    """Data scopes from the narrowest to the widest."""

    OWN = "own", _("Own records and those shared with me")
    TEAM = "team", _("My teams' records")
    DEPARTMENT = "department", _("My department's records")
    DEPARTMENT_TREE = "department_tree", _("My department and those below it")
    UNIT = "unit", _("My business unit's records")
    ALL = "all", _("All business units")

    @property
    def width(self) -> int:
        return list(Scope).index(self)


@dataclass(frozen=True)
class Rule:
    """How rows of a model belong to people, departments and units (paths as in ``filter()``)."""

    module: str  # the permission module whose ``view`` grant (and its scope) applies
    owner: str | None = "owner"
    shared: str | None = None  # many-to-many of users the row is shared with
    # False where the rows shared with one person keep growing (every request an approver was ever asked
    # about): a subquery then, rather than reading their ids first and sending them back with every query.
    shared_inline: bool = True
    department: str | None = None  # defaults to the owner's department; "self" for Department itself
    unit: str | None = None  # defaults to the department's unit
    # Configuration: whoever may view the module sees every row; with ``unit`` (empty = group-wide), every
    # group-wide row and their own unit's, and the other units' only with the all-units scope (SPEC §1.1).
    everyone: bool = False
    # Rows beyond the data scope that the actor may open one at a time, never listed with the others: a
    # pool's customers, to whoever sees that pool (SPEC §3.2). (actor) → their filter, or None.
    readable: Callable[[User], Q | None] | None = None
    # Rows waiting in the actor's unit for someone to take them, listed with the actor's own when their
    # scope is narrower than the unit: a service agent's queue of unassigned tickets. (actor) → filter.
    queue: Callable[[User], Q] | None = None

    @property
    def department_path(self) -> str | None:
        return self.department or (f"{self.owner}__department" if self.owner else None)

    @property
    def unit_path(self) -> str | None:
        if self.unit:
            return self.unit
        if self.department == "self":
            return "business_unit"
        department = self.department_path
        return f"{department}__business_unit" if department else None

    def in_department(self, department_id: int) -> Q:
        if self.department is None and self.owner:  # through the owner: a semi-join on the users
            return self._owned_by(self.owner, department_id=department_id)
        key = "pk" if self.department == "self" else self.department_path
        return Q(**{key: department_id}) if key else Q(pk__in=[])

    def under_department(self, department: Department) -> Q:
        path = department.path
        if self.department == "self":
            return Q(path__startswith=path)
        if self.department is None and self.owner:
            return self._owned_by(self.owner, department__path__startswith=path)
        key = self.department_path
        if not key:
            return Q(pk__in=[])
        # A subtree has few departments: their ids, inlined, let the planner estimate the rows and use the
        # row's own department index, where a join on the path prefix leaves it guessing.
        ids = list(type(department).objects.filter(path__startswith=path).values_list("pk", flat=True))
        return Q(**{f"{key}__in": ids})

    @staticmethod
    def _owned_by(owner: str, **people: Any) -> Q:
        """Rows owned by these people, by their ids inlined (``owner_id = ANY(…)``): the database tests each
        index entry against the list, where a semi-join on the users would look up every row's owner (a
        regional manager's page 500 took 45 ms instead of 7). A company larger than the cap keeps the
        subquery."""
        return owned_by(owner, user_model().objects.filter(**people).values_list("pk", flat=True))


_RULES: dict[type[models.Model], Rule] = {}


def register(model: type[models.Model], rule: Rule) -> None:
    _RULES[model] = rule


def registered_models() -> list[type[models.Model]]:
    """The models behind the gate: the records people work with."""
    return list(_RULES)


def rule_for(model: type[models.Model]) -> Rule:
    try:
        return _RULES[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no scope rule: call core.scope.register()") from None


# --- The partner scope: people of a channel partner (the partner portal, SPEC §14.9) -------------------------
# A user who belongs to a channel partner (a customer of kind partner) holds no role and no organisational
# scope: they see the rows of the models declared here whose path names their partner, and nothing of any
# other model. A model nobody declared is closed to them by default, so a new module leaks nothing.

_PARTNER_PATHS: dict[type[models.Model], str] = {}
_partner_resolvers: list[Callable[[Any], int | None]] = []
_NOT_LOOKED_UP = object()


def register_partner_path(model: type[models.Model], path: str) -> None:
    """Rows of ``model`` whose ``path`` (as in ``filter()``) is the partner customer's id are that partner's."""
    _PARTNER_PATHS[model] = path


def register_partner_resolver(resolve: Callable[[Any], int | None]) -> None:
    """``resolve(user)`` answers the id of the channel partner the user belongs to, or None (staff)."""
    if resolve not in _partner_resolvers:
        _partner_resolvers.append(resolve)


def partner_of(actor: Any) -> int | None:
    """The channel partner the actor belongs to (None for the company's own people), once per user object."""
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "pk", None) is None:
        return None
    cached = actor.__dict__.get("_partner_id", _NOT_LOOKED_UP)
    if cached is not _NOT_LOOKED_UP:
        return cached
    found = next((partner for resolve in _partner_resolvers if (partner := resolve(actor)) is not None), None)
    actor.__dict__["_partner_id"] = found
    return found


def forget_partner(actor: Any) -> None:
    actor.__dict__.pop("_partner_id", None)


def _partner_filter(partner: int, model: type[models.Model]) -> Q | None:
    path = _PARTNER_PATHS.get(model)
    return Q(**{path: partner}) if path else None


def scope_filter(actor: User, model: type[models.Model]) -> Q | None:
    """The filter of the rows of ``model`` the actor may see; None when they may see none."""
    from guanxi.core.permissions import grants_of

    rule = rule_for(model)
    partner = partner_of(actor)
    if partner is not None:  # a partner's person: their partner's rows of the declared models, nothing else
        return _partner_filter(partner, model)
    grants = grants_of(actor)
    scope = grants.scope(rule.module)  # ALL for a superuser, except on personal modules
    if scope is None:
        return None
    if scope == Scope.ALL or (rule.everyone and not rule.unit):
        return Q()
    if rule.everyone and rule.unit:
        return Q(**{f"{rule.unit}__isnull": True}) | Q(**{rule.unit: actor.business_unit_id})
    shared = _shared(actor, rule, model)  # read once: every scope below adds them
    mine = _own(actor, rule, shared)
    if rule.queue is not None and scope != Scope.UNIT:
        mine = mine | rule.queue(actor)
    if scope == Scope.OWN:
        return mine
    if scope == Scope.TEAM:
        return mine | _team(actor, rule)
    department = actor.department
    if department is None:
        return mine
    # The actor's own records lie in their own department, so only rows shared with them need adding:
    # fewer ORs keep the planner on the indexes.
    if scope == Scope.DEPARTMENT:
        wide = rule.in_department(department.pk)
    elif scope == Scope.DEPARTMENT_TREE:
        wide = rule.under_department(department)
    elif scope == Scope.UNIT and rule.unit_path:
        wide = Q(**{rule.unit_path: department.business_unit_id})
    else:
        return mine
    return wide | shared if shared is not None else wide


SHARED_IDS_INLINE = 2000


def _own(actor: User, rule: Rule, shared: Q | None) -> Q:
    q = Q(**{rule.owner: actor.pk}) if rule.owner else Q(pk__in=[])
    return q | shared if shared is not None else q


def _shared(actor: User, rule: Rule, model: type[models.Model]) -> Q | None:
    """Rows shared with the actor. They are few: their ids, inlined, let the database combine index scans
    instead of testing every row against a subquery; a row shared twice still comes once."""
    if not rule.shared:
        return None
    shared = _shared_ids(model, rule.shared, actor.pk)
    if not rule.shared_inline:
        return Q(pk__in=shared)
    ids = list(shared[: SHARED_IDS_INLINE + 1])
    if len(ids) > SHARED_IDS_INLINE:
        return Q(pk__in=shared)
    return Q(pk__in=ids) if ids else None


def _shared_ids(model: type[models.Model], path: str, actor_id: int) -> models.QuerySet[Any]:
    """The ids of the rows shared with the actor, unordered. A many-to-many of the model itself is read from
    its link table alone: a join with the model's table (a million customers, a dozen indexes) cost more to
    plan than to run."""
    field = model._meta.get_field(path) if "__" not in path else None
    through = field.remote_field.through if isinstance(field, models.ManyToManyField) else None
    if through is not None:
        assert isinstance(field, models.ManyToManyField)
        return (
            through._base_manager.filter(**{field.m2m_reverse_field_name(): actor_id})
            .order_by()
            .values_list(field.m2m_field_name(), flat=True)
        )
    head, _, rest = path.partition("__")
    relation = model._meta.get_field(head) if rest else None
    if isinstance(relation, models.ManyToOneRel) and relation.field.model is not model:
        # rows shared through their children (an approval request through its tasks): the children alone
        child: Any = relation.related_model
        return child._base_manager.filter(**{rest: actor_id}).order_by().values_list(relation.field.attname, flat=True)
    return model._base_manager.filter(**{path: actor_id}).order_by().values_list("pk", flat=True)


def _team(actor: User, rule: Rule) -> Q:
    if not rule.owner:
        return Q(pk__in=[])
    return owned_by(rule.owner, user_model().objects.filter(teams__members=actor).values_list("pk", flat=True))


PEOPLE_INLINE = 2000


def owned_by(owner: str, people: models.QuerySet[Any]) -> Q:
    """``owner IN (these people)``, with their ids inlined when they are at most ``PEOPLE_INLINE``."""
    ids = list(people.distinct()[: PEOPLE_INLINE + 1])
    if len(ids) > PEOPLE_INLINE:
        return Q(**{f"{owner}__in": people})
    return Q(**{f"{owner}__in": ids})


M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[M], Generic[M]):
    def visible_to(self, actor: Any) -> ScopedQuerySet[M]:
        """The rows the actor may see. Anonymous actors see nothing."""
        if not getattr(actor, "is_authenticated", False):
            return self.none()
        condition = scope_filter(actor, self.model)
        if condition is None:
            return self.none()
        return self.filter(condition)

    def readable_by(self, actor: Any) -> ScopedQuerySet[M]:
        """The rows the actor may open one at a time: ``visible_to`` and the rule's ``readable`` rows."""
        if not getattr(actor, "is_authenticated", False):
            return self.none()
        condition = read_filter(actor, self.model)
        if condition is None:
            return self.none()
        return self.filter(condition)


def read_filter(actor: User, model: type[models.Model]) -> Q | None:
    """The rows of ``model`` the actor may open: those of their scope and those the rule lets them read."""
    visible = scope_filter(actor, model)
    readable = rule_for(model).readable
    if partner_of(actor) is not None:  # no pool or queue opens to a partner's person
        return visible
    if readable is None or visible == Q():  # an empty Q is every row (and would vanish from an OR)
        return visible
    extra = readable(actor)
    if extra is None or visible is None:
        return extra if visible is None else visible
    return visible | extra


def get_readable_or_404(queryset: models.QuerySet[M], actor: Any, **lookup: Any) -> M:
    """One row to read (a detail page, its API record, its child lists): within the scope or readable by
    the model's rule; 404 otherwise, exactly like missing."""
    if not isinstance(queryset, ScopedQuerySet):
        raise TypeError(f"{queryset.model.__name__} rows are not read through the scope gate")
    try:
        return queryset.readable_by(actor).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_visible_or_404(queryset: models.QuerySet[M], actor: Any, **lookup: Any) -> M:
    """One row through the same gate as the list: out of scope answers 404, exactly like missing."""
    if not isinstance(queryset, ScopedQuerySet):
        raise TypeError(f"{queryset.model.__name__} rows are not read through the scope gate")
    try:
        return queryset.visible_to(actor).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None


def owner_in_scope(actor: User, module: str, person: User) -> bool:
    """Would a record of ``module`` owned by ``person`` be within the actor's scope? (For giving records
    to colleagues: a manager assigns within their team, a unit head within the unit.)"""
    from guanxi.core.permissions import grants_of

    scope = grants_of(actor).scope(module)
    if scope is None or partner_of(actor) is not None or partner_of(person) is not None:
        return False
    if scope == Scope.ALL or person.pk == actor.pk:
        return True
    department, theirs = actor.department, person.department
    if scope == Scope.TEAM:
        return actor.teams.filter(members=person).exists()
    if department is None or theirs is None:
        return False
    if scope == Scope.UNIT:
        return theirs.business_unit_id == department.business_unit_id
    if scope == Scope.DEPARTMENT_TREE:
        return theirs.path.startswith(department.path)
    if scope == Scope.DEPARTMENT:
        return theirs.pk == department.pk
    return False
