"""The organisation's structure: business units, departments and teams."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.permissions import grants_of, require_perm
from guanxi.core.scope import Scope

from ..models import BusinessUnit, Department, Team, User

# --- business units, departments, teams ------------------------------------------------------------


def _require_group_scope(actor: User) -> None:
    if grants_of(actor).scope("org") != Scope.ALL:
        raise NotPermitted(_("Only group-level administrators manage business units."))


@transaction.atomic
def unit_create(*, actor: User, name: str, code: str) -> BusinessUnit:
    require_perm(actor, "org.create")
    _require_group_scope(actor)
    unit = BusinessUnit(name=name, code=code)
    unit.full_clean()
    unit.save()
    audit_log(actor=actor, action=Action.CREATE, obj=unit, changes=diff({}, snapshot(unit, ["name", "code"])))
    return unit


@transaction.atomic
def unit_update(*, actor: User, unit: BusinessUnit, name: str, code: str) -> BusinessUnit:
    require_perm(actor, "org.edit")
    _require_group_scope(actor)
    before = snapshot(unit, ["name", "code"])
    unit.name, unit.code = name, code
    unit.full_clean()
    unit.save()
    audit_log(actor=actor, action=Action.UPDATE, obj=unit, changes=diff(before, snapshot(unit, ["name", "code"])))
    return unit


DEPARTMENT_FIELDS = ["name", "parent", "lead", "sort_order"]


@transaction.atomic
def department_create(
    *,
    actor: User,
    name: str,
    parent: Department | None,
    business_unit: BusinessUnit | None = None,
    lead: User | None = None,
    sort_order: int = 0,
) -> Department:
    require_perm(actor, "org.create")
    if parent is None:
        _require_group_scope(actor)  # a new root is a new tree: only group-level admins start one
        if business_unit is None:
            raise DomainError(_("Choose a business unit."), field="business_unit")
    else:
        _check_parent(actor, parent)
        business_unit = parent.business_unit
    department = Department(name=name, parent=parent, business_unit=business_unit, lead=lead, sort_order=sort_order)
    department.full_clean(exclude=["path"])
    department.save()
    department.path = f"{parent.path if parent else '/'}{department.pk}/"
    department.save(update_fields=["path"])
    audit_log(
        actor=actor,
        action=Action.CREATE,
        obj=department,
        changes=diff({}, snapshot(department, DEPARTMENT_FIELDS)),
    )
    return department


def _check_parent(actor: User, parent: Department) -> None:
    if not Department.objects.visible_to(actor).filter(pk=parent.pk).exists():
        raise DomainError(_("Choose a parent department within your data scope."), field="parent")


def _visible_department(actor: User, department: Department) -> None:
    if not Department.objects.visible_to(actor).filter(pk=department.pk).exists():
        raise NotPermitted(_("This department is outside your data scope."))


@transaction.atomic
def department_update(
    *, actor: User, department: Department, name: str, lead: User | None, sort_order: int
) -> Department:
    require_perm(actor, "org.edit")
    _visible_department(actor, department)
    before = snapshot(department, DEPARTMENT_FIELDS)
    department.name, department.lead, department.sort_order = name, lead, sort_order
    department.full_clean(exclude=["path"])
    department.save()
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=department,
        changes=diff(before, snapshot(department, DEPARTMENT_FIELDS)),
    )
    return department


@transaction.atomic
def department_move(*, actor: User, department: Department, parent: Department) -> Department:
    """Move a department (with everything below it) under another one of the same unit; no cycles."""
    require_perm(actor, "org.edit")
    _visible_department(actor, department)
    _check_parent(actor, parent)
    department = Department.objects.select_for_update().get(pk=department.pk)
    parent = Department.objects.get(pk=parent.pk)
    if parent.path.startswith(department.path):
        raise DomainError(_("A department cannot move under itself or one of its sub-departments."), field="parent")
    if parent.business_unit_id != department.business_unit_id:
        raise DomainError(_("A department can only move within its business unit."), field="parent")
    old_path, new_path = department.path, f"{parent.path}{department.pk}/"
    before_parent = department.parent_id
    Department.objects.filter(pk=department.pk).update(parent=parent)
    # Rewrite the prefix of the whole subtree in one statement.
    Department.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )
    department.refresh_from_db()
    audit_log(actor=actor, action=Action.UPDATE, obj=department, changes={"parent": [before_parent, parent.pk]})
    return department


@transaction.atomic
def department_delete(*, actor: User, department: Department) -> None:
    require_perm(actor, "org.delete")
    _visible_department(actor, department)
    if department.children.exists():
        raise DomainError(_("This department has sub-departments; move or delete them first."))
    members = department.members.exclude(status=User.Status.LEFT).count()
    if members:
        raise DomainError(
            _("This department still has %(count)d people; move them to another department first.") % {"count": members}
        )
    department.members.update(department=None)  # departed users keep their history, not the department
    audit_log(actor=actor, action=Action.DELETE, obj=department, changes=diff(snapshot(department), {}))
    department.delete()


TEAM_FIELDS = ["name", "lead"]


@transaction.atomic
def team_save(
    *,
    actor: User,
    team: Team | None,
    name: str,
    lead: User | None,
    members: list[User],
    business_unit: BusinessUnit | None = None,
) -> Team:
    """Create (team=None) or update a team and set its members."""
    require_perm(actor, "org.edit" if team else "org.create")
    visible = User.objects.visible_to(actor)
    outside = [m for m in [*members, *([lead] if lead else [])] if not visible.filter(pk=m.pk).exists()]
    if outside:
        raise DomainError(_("Choose people within your data scope."), field="members")
    creating = team is None
    if team is None:
        unit = business_unit or (actor.department.business_unit if actor.department else None)
        if unit is None:
            raise DomainError(_("Choose a business unit."), field="business_unit")
        team = Team(business_unit=unit)
    before = (
        {}
        if creating
        else {**snapshot(team, TEAM_FIELDS), "members": sorted(team.members.values_list("pk", flat=True))}
    )
    team.name, team.lead = name, lead
    team.full_clean()
    team.save()
    team.members.set(members)
    after = {**snapshot(team, TEAM_FIELDS), "members": sorted(m.pk for m in members)}
    audit_log(
        actor=actor,
        action=Action.CREATE if creating else Action.UPDATE,
        obj=team,
        changes=diff(before, after),
    )
    return team


@transaction.atomic
def team_delete(*, actor: User, team: Team) -> None:
    require_perm(actor, "org.delete")
    audit_log(actor=actor, action=Action.DELETE, obj=team, changes=diff(snapshot(team, TEAM_FIELDS), {}))
    team.delete()
