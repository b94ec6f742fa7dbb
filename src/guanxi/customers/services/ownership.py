"""Who holds and who sees a customer: transfers, shares and revealing masked fields."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.scope import owner_in_scope
from guanxi.core.texts import Text
from guanxi.org.models import Department, User

from .. import hooks
from ..models import Customer, CustomerShare

if TYPE_CHECKING:
    pass

from .common import _require_edit, sees_contact_details


@transaction.atomic
def customer_transfer(*, actor: User, customer: Customer, owner: User, note: str = "") -> Customer:
    """转移: give the customer to another salesperson; both audited and the new owner notified."""
    require_perm(actor, "customers.assign")
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))
    if not owner.is_active:
        raise DomainError(_("Choose an active colleague."), field="owner")
    if not owner_in_scope(actor, "customers", owner):
        raise DomainError(_("Choose a colleague within your data scope."), field="owner")
    if owner.business_unit_id != customer.business_unit_id:
        raise DomainError(_("The new owner works in another business unit."), field="owner")
    if customer.owner_id == owner.pk:
        raise DomainError(_("%(name)s already owns this customer.") % {"name": owner}, field="owner")
    ownership = hooks.ownership()
    ownership.capacity_check(owner=owner)
    previous = customer.owner_id
    changed = Customer.objects.filter(pk=customer.pk, owner_id=previous).update(owner=owner, updated_at=timezone.now())
    if not changed:
        raise Conflict(_("Someone else changed the owner just now; reload and try again."), code="stale_version")
    customer.owner = owner
    ownership.owner_set(actor=actor, customer=customer, previous_owner_id=previous, note=note)
    audit_log(actor=actor, action=Action.OWNERSHIP, obj=customer, changes={"owner": [previous, owner.pk]}, note=note)
    hooks.owner_changed(customer=customer, owner=owner, actor=actor)  # the open plans follow the customer
    _notify_owner(actor, customer, owner)
    return customer


def _notify_owner(actor: User, customer: Customer, owner: User) -> None:
    from django.urls import reverse

    from guanxi.core.notifications.services import notify

    if owner.pk != actor.pk:
        notify(
            recipients=[owner],
            kind="assignment",
            title=Text(gettext_noop("%(actor)s gave you the customer %(name)s"), actor=actor, name=customer.name),
            url=reverse("customers:detail", args=[customer.pk]),
            obj=customer,
        )


@transaction.atomic
def customer_share(
    *,
    actor: User,
    customer: Customer,
    users: Iterable[User] = (),
    departments: Iterable[Department] = (),
    can_edit: bool = False,
) -> None:
    """共享: let colleagues — named, or everyone now in the given departments — see (and optionally edit) it."""
    _require_edit(actor, customer)
    members = User.objects.filter(
        department__in=list(departments),
        department__business_unit_id=customer.business_unit_id,
        status=User.Status.ACTIVE,
    )
    users = {*users, *members}
    if not users:
        raise DomainError(_("Choose colleagues or a department to share with."), field="users")
    for user in users:
        if user.pk == customer.owner_id or not user.is_active:
            continue
        CustomerShare.objects.update_or_create(customer=customer, user=user, defaults={"can_edit": can_edit})
    audit_log(
        actor=actor,
        action=Action.OWNERSHIP,
        obj=customer,
        changes={"shared_with": [None, sorted(user.pk for user in users)]},
        note="read-write" if can_edit else "read-only",
    )


@transaction.atomic
def customer_unshare(*, actor: User, customer: Customer, user: User) -> None:
    _require_edit(actor, customer)
    if CustomerShare.objects.filter(customer=customer, user=user).delete()[0]:
        audit_log(actor=actor, action=Action.OWNERSHIP, obj=customer, changes={"shared_with": [user.pk, None]})


def customer_reveal(*, actor: User, customer: Customer, field: str) -> str:
    """Show one masked phone or e-mail to a user allowed to see it, and log that they did."""
    if not (has_perm(actor, "customers.unmask") or sees_contact_details(actor, customer)):
        raise NotPermitted(_("You may not see this customer's contact details."))
    audit_log(actor=actor, action=Action.UNMASK, obj=customer, note=field)
    return str(getattr(customer, field))
