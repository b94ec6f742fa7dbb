"""What a follow-up or plan is about (customer, contact, related record) and who may be given one."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.permissions import has_perm
from guanxi.core.scope import owner_in_scope
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User

from ..models import FollowUp, Plan

# --- what a record is about ---------------------------------------------------------------------------


def _check_subject(
    actor: User, customer: Customer | None, contact: Contact | None, related: models.Model | None
) -> None:
    """The customer and the related record must be visible to the actor; the contact must be the customer's."""
    if customer is None and related is None:
        raise DomainError(_("Choose the customer or the record this is about."), field="customer")
    if customer is not None and not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."), code="not_visible")
    if contact is not None and (customer is None or contact.customer_id != customer.pk):
        raise DomainError(_("This contact belongs to another customer."), field="contact")
    if related is not None:
        if related.pk is None:
            raise DomainError(_("The related record is not saved."), field="related")
        related_customer_id = getattr(related, "customer_id", None)
        if customer is not None and related_customer_id and related_customer_id != customer.pk:
            raise DomainError(_("This record belongs to another customer."), field="related")
        visible = getattr(type(related)._default_manager, "visible_to", None)
        if visible is not None and not visible(actor).filter(pk=related.pk).exists():
            raise NotPermitted(_("The related record is outside your data scope."), code="not_visible")


def _set_related(record: FollowUp | Plan, related: models.Model | None) -> None:
    if related is None:
        record.related_type, record.related_id = None, None
    else:
        record.related_type = ContentType.objects.get_for_model(type(related))
        record.related_id = related.pk


def related_filter(related: models.Model) -> Q:
    """Rows about one related record (an opportunity, a lead …)."""
    return Q(related_type=ContentType.objects.get_for_model(type(related)), related_id=related.pk)


def _check_assignee(actor: User, owner: User, *, field: str = "owner") -> None:
    """A plan is for the actor, or for an active colleague in their scope when they may assign."""
    if owner.pk == actor.pk:
        return
    if not has_perm(actor, "activities.assign") or not owner_in_scope(actor, "activities", owner):
        raise NotPermitted(_("You may plan only for yourself or the colleagues you manage."), field=field)
    if owner.status != User.Status.ACTIVE:
        raise DomainError(_("This user is not active."), field=field)
