"""Lock and unlock (锁定): a manager keeps a customer with its owner; it never returns automatically until
unlocked."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.customers.models import Customer
from guanxi.org.models import User

from ..models import PoolEvent
from ..rules import expiry_refresh, limits_of, lock_holder


def _require_manager_of(actor: User, customer: Customer) -> None:
    require_perm(actor, "pool.assign")
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))
    if customer.owner_id is None:
        raise DomainError(_("A customer in the pool cannot be locked."), code="in_pool")


@transaction.atomic
def customer_lock(*, actor: User, customer: Customer, note: str = "") -> Customer:
    """锁定: a manager keeps the customer with its owner; it never returns automatically until unlocked."""
    _require_manager_of(actor, customer)
    owner = customer.owner
    assert owner is not None
    lock_holder(owner)
    limits = limits_of(owner)
    locked = Customer.objects.filter(owner=owner, locked_at__isnull=False).count()
    if locked + 1 > limits.locks:
        raise DomainError(
            _("%(name)s already has %(count)d locked customers; the limit is %(limit)d.")
            % {"name": owner, "count": locked, "limit": limits.locks},
            code="lock_limit",
        )
    now = timezone.now()
    changed = Customer.objects.filter(pk=customer.pk, owner=owner, locked_at__isnull=True).update(
        locked_at=now, locked_by=actor, expires_at=None, updated_at=now
    )
    if not changed:
        raise Conflict(_("This customer is already locked."), code="already_locked")
    customer.locked_at, customer.locked_by, customer.expires_at = now, actor, None
    PoolEvent.objects.create(
        customer=customer, user=owner, actor=actor, kind=PoolEvent.Kind.LOCK, note=note[:200], at=now
    )
    audit_log(actor=actor, action=Action.UPDATE, obj=customer, changes={"locked": [False, True]}, note=note)
    return customer


@transaction.atomic
def customer_unlock(*, actor: User, customer: Customer, note: str = "") -> Customer:
    """Unlocking starts the clocks afresh, as if claimed now."""
    _require_manager_of(actor, customer)
    now = timezone.now()
    changed = Customer.objects.filter(pk=customer.pk, locked_at__isnull=False).update(
        locked_at=None, locked_by=None, claimed_at=now, updated_at=now
    )
    if not changed:
        raise Conflict(_("This customer is not locked."), code="not_locked")
    customer.locked_at, customer.locked_by, customer.claimed_at = None, None, now
    expiry_refresh(customer)
    assert customer.owner is not None
    PoolEvent.objects.create(
        customer=customer, user=customer.owner, actor=actor, kind=PoolEvent.Kind.UNLOCK, note=note[:200], at=now
    )
    audit_log(actor=actor, action=Action.UPDATE, obj=customer, changes={"locked": [True, False]}, note=note)
    return customer
