"""Assignment rules (分配规则, SPEC §5.3): which salesperson a new lead goes to. A round robin is decided
under a row lock on its rule (the cursor), so two leads arriving at the same moment go to two people."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from guanxi.core.permissions import has_perm
from guanxi.org.models import User

from .models import AssignmentRule, Lead


def rule_matching(lead: Lead, rules: Iterable[AssignmentRule] | None = None) -> AssignmentRule | None:
    """The first active rule of the lead's unit (by priority) whose sources and provinces take the lead."""
    if rules is None:
        rules = AssignmentRule.objects.filter(business_unit_id=lead.business_unit_id, is_active=True)
    for rule in rules:
        if rule.sources and lead.source not in rule.sources:
            continue
        if rule.provinces and lead.province not in rule.provinces:
            continue
        return rule
    return None


def rule_members(rule: AssignmentRule) -> list[User]:
    """Who a round robin deals to: the active people of the department (not of those below it) who may
    work leads, in a stable order."""
    if rule.department_id is None:
        return []
    people = (
        User.objects.filter(department_id=rule.department_id, status=User.Status.ACTIVE)
        .prefetch_related("roles")
        .order_by("pk")
    )
    return [person for person in people if has_perm(person, "leads.edit")]


@transaction.atomic
def rule_next_owner(rule: AssignmentRule) -> User | None:
    """The person the rule gives its next lead to, moving the round robin's cursor on. The rule's row stays
    locked until the caller's transaction ends, so simultaneous intakes take turns (PostgreSQL
    ``SELECT … FOR UPDATE``; SQLite serialises writers anyway)."""
    locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    if locked.kind == AssignmentRule.Kind.USER:
        person = locked.user
        if person is None or not person.is_active:
            return None
    else:
        members = rule_members(locked)
        if not members:
            return None
        after = [member for member in members if locked.last_user_id is not None and member.pk > locked.last_user_id]
        person = after[0] if after else members[0]
    AssignmentRule.objects.filter(pk=locked.pk).update(last_user=person, assigned_count=F("assigned_count") + 1)
    rule.last_user = person
    return person
