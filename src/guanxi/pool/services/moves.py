"""Moving pool customers between the pools of a unit (a manager's bulk move) and choosing where a returned
customer goes when the unit has several pools. All or nothing, audited, and the people who could claim from
the destination are told."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import Conflict, DomainError
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.texts import Text
from guanxi.customers.models import Customer
from guanxi.org.models import User

from ..models import Pool
from ..rules import notify_people, pools_visible

MAX_MOVE = 5000


def pool_destination_check(actor: User, pool: Pool, unit_id: int, *, field: str = "pool") -> None:
    """A destination pool must be one of the record's unit that the actor sees."""
    if pool.business_unit_id != unit_id or not pools_visible(actor).filter(pk=pool.pk).exists():
        raise DomainError(_("Choose a pool of the customer's business unit that you see."), field=field)


@transaction.atomic
def customers_move(*, actor: User, pool: Pool, target: Pool, ids: Iterable[int | str] | None = None) -> int:
    """Move customers lying in ``pool`` (the selected ones, or all of them with ``ids`` None) to ``target``:
    all of them or none; an audit entry per customer; the claimers of the target pool are told."""
    require_perm(actor, "pool.assign")
    unit = actor.business_unit_id
    if unit is None or pool.business_unit_id != unit or not pools_visible(actor).filter(pk=pool.pk).exists():
        raise DomainError(_("Choose a pool of your business unit."), field="pool")
    pool_destination_check(actor, target, unit, field="target")
    if target.pk == pool.pk:
        raise DomainError(_("Choose another pool to move the customers to."), field="target")
    lying = Customer.objects.filter(pool=pool, owner__isnull=True)
    if ids is None:
        customers = list(lying.select_for_update().order_by("pk").only("pk", "name")[:MAX_MOVE])
    else:
        wanted = {int(raw) for raw in ids if str(raw).isdigit()}
        if not wanted:
            raise DomainError(_("Select at least one customer."), field="ids")
        customers = list(lying.filter(pk__in=wanted).select_for_update().order_by("pk").only("pk", "name"))
        if len(customers) != len(wanted):
            message = _("Some of the selected customers are no longer in the pool; nothing was moved.")
            raise Conflict(message, field="ids", code="not_in_pool")
    if not customers:
        raise DomainError(_("The pool has no customers to move."), field="ids")
    now = timezone.now()
    moved = lying.filter(pk__in=[row.pk for row in customers]).update(pool=target, pooled_at=now, updated_at=now)
    if moved != len(customers):
        raise Conflict(_("Someone claimed one of these customers just now; nothing was moved."), code="not_in_pool")
    for customer in customers:
        audit_log(
            actor=actor, action=Action.UPDATE, obj=customer, changes={"pool": [pool.pk, target.pk]}, note="pool_move"
        )
    title = Text(
        gettext_noop("{count} customers were moved into the pool {pool}"), count=len(customers), pool=target.name
    )
    notify_people(_claimers(target, actor), "pool_moved", title, None, url=_pool_url(target))
    return len(customers)


def _claimers(pool: Pool, actor: User) -> list[User]:
    people = User.objects.filter(department__business_unit_id=pool.business_unit_id, status=User.Status.ACTIVE)
    if pool.department is not None:
        people = people.filter(department__path__startswith=pool.department.path)
    people = people.exclude(pk=actor.pk).prefetch_related("roles")[:500]
    return [person for person in people if has_perm(person, "pool.edit")]


def _pool_url(pool: Pool) -> str:
    from django.urls import reverse

    return f"{reverse('pool:pool')}?pool={pool.pk}"
