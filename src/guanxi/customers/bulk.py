"""Bulk actions on the customer list's selection (SPEC §2.4). Each runs in one transaction over the
selected customers the actor can see, through the single-customer services, so every rule and audit entry
applies; if one customer is refused, nothing changes and the message names it."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError
from guanxi.core.permissions import grants_of, has_perm, require_perm
from guanxi.core.records import RESTORE_DAYS, MainRecordQuerySet
from guanxi.core.scope import Scope
from guanxi.org.models import User

from . import services
from .models import Customer

MAX_SELECTION = 500
MAX_TAG_LENGTH = 20
MAX_TAGS = 10


@dataclass(frozen=True)
class BulkResult:
    done: int  # customers changed
    ignored: int  # selected ids the actor cannot see (or that no longer exist)


def selection(actor: User, ids: Iterable[int | str]) -> tuple[list[Customer], int]:
    """The selected customers the actor sees, in id order, and how many selected ids were left out."""
    wanted = set()
    for raw in ids:
        try:
            wanted.add(int(raw))
        except (TypeError, ValueError):
            continue
    if not wanted:
        raise DomainError(_("Select at least one customer."), field="ids")
    if len(wanted) > MAX_SELECTION:
        raise DomainError(
            _("Select at most %(max)d customers at a time.") % {"max": MAX_SELECTION}, field="ids", code="too_many"
        )
    rows = list(Customer.objects.visible_to(actor).filter(pk__in=wanted).select_related("owner").order_by("pk"))
    return rows, len(wanted) - len(rows)


def each_customer(customers: Sequence[Customer], action: Callable[[Customer], object]) -> None:
    """Apply one service to each customer; the first refusal aborts the whole transaction, named."""
    for customer in customers:
        try:
            action(customer)
        except DomainError as error:
            raise type(error)(
                _("%(customer)s: %(reason)s") % {"customer": customer.name, "reason": error.message},
                field=error.field,
                code=error.code,
            ) from error
        except ValidationError as error:
            raise DomainError(
                _("%(customer)s: %(reason)s") % {"customer": customer.name, "reason": " ".join(error.messages)},
                code="invalid",
            ) from error


@transaction.atomic
def customers_bulk_transfer(*, actor: User, ids: Iterable[int | str], owner: User, note: str = "") -> BulkResult:
    require_perm(actor, "customers.assign")
    customers, ignored = selection(actor, ids)
    moving = [customer for customer in customers if customer.owner_id != owner.pk]  # the others are there already
    each_customer(
        moving, lambda customer: services.customer_transfer(actor=actor, customer=customer, owner=owner, note=note)
    )
    return BulkResult(len(moving), ignored)


@transaction.atomic
def customers_bulk_share(
    *, actor: User, ids: Iterable[int | str], users: Sequence[User], can_edit: bool = False
) -> BulkResult:
    require_perm(actor, "customers.edit")
    if not users:
        raise DomainError(_("Choose at least one colleague."), field="users")
    customers, ignored = selection(actor, ids)
    each_customer(
        customers,
        lambda customer: services.customer_share(actor=actor, customer=customer, users=list(users), can_edit=can_edit),
    )
    return BulkResult(len(customers), ignored)


def tag_normalise(raw: str) -> str:
    """One tag as stored: full-width folded, spaces collapsed; refused when empty or longer than 20."""
    tag = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not tag:
        raise DomainError(_("Enter a tag."), field="tag")
    if len(tag) > MAX_TAG_LENGTH:
        raise DomainError(_("A tag has at most %(max)d characters.") % {"max": MAX_TAG_LENGTH}, field="tag")
    return tag


@transaction.atomic
def customers_bulk_tag(*, actor: User, ids: Iterable[int | str], tag: str) -> BulkResult:
    require_perm(actor, "customers.edit")
    tag = tag_normalise(tag)
    customers, ignored = selection(actor, ids)
    changing = [customer for customer in customers if tag not in (customer.tags or [])]

    def add(customer: Customer) -> None:
        tags = list(customer.tags or [])
        if len(tags) >= MAX_TAGS:
            raise DomainError(_("A customer has at most %(max)d tags.") % {"max": MAX_TAGS}, field="tag")
        services.customer_update(actor=actor, customer=customer, version=customer.version, data={"tags": [*tags, tag]})

    each_customer(changing, add)
    return BulkResult(len(changing), ignored)


@transaction.atomic
def customers_bulk_delete(*, actor: User, ids: Iterable[int | str]) -> BulkResult:
    require_perm(actor, "customers.delete")
    customers, ignored = selection(actor, ids)
    each_customer(customers, lambda customer: services.customer_delete(actor=actor, customer=customer))
    return BulkResult(len(customers), ignored)


# --- restoring (read side of the administrators' restore page) ------------------------------------------


def can_restore(actor: User) -> bool:
    """Administrators of a business unit (or of all) restore deleted customers, as the service decides."""
    return has_perm(actor, "customers.delete") and grants_of(actor).scope("customers") in (Scope.UNIT, Scope.ALL)


def deleted_customers(*, actor: User) -> QuerySet[Customer]:
    """Customers deleted in the last 30 days that the actor's scope covers, most recent first."""
    since = timezone.now() - timedelta(days=RESTORE_DAYS)
    return (
        MainRecordQuerySet(Customer)
        .visible_to(actor)
        .filter(deleted_at__gte=since)
        .select_related("owner")
        .order_by("-deleted_at", "-pk")
    )
