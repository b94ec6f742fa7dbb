"""Writes on a customer's contacts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.records import save_versioned
from guanxi.org.models import User

from ..models import Contact, Customer

if TYPE_CHECKING:
    pass

from .common import CONTACT_FIELDS, _clean_contact, _require_edit

# --- contacts -------------------------------------------------------------------------------------------


@transaction.atomic
def contact_save(
    *, actor: User, customer: Customer, contact: Contact | None, data: Mapping[str, Any], version: int | None = None
) -> Contact:
    """Add (contact=None) or change a contact of a customer the actor may edit."""
    _require_edit(actor, customer)
    target = contact or Contact(customer=customer, created_by=actor)
    before = snapshot(target) if contact else {}
    for name, value in data.items():
        if name in CONTACT_FIELDS:
            setattr(target, name, value)
    _clean_contact(target)
    if target.is_primary:
        Contact.objects.filter(customer=customer, is_primary=True).exclude(pk=target.pk).update(is_primary=False)
    elif not Contact.objects.filter(customer=customer).exclude(pk=target.pk).exists():
        target.is_primary = True  # the only contact is the primary one
    if contact is None:
        target.save()
        audit_log(actor=actor, action=Action.CREATE, obj=target, changes=diff({}, snapshot(target)))
    else:
        save_versioned(target, expected_version=version or target.version, fields=[*CONTACT_FIELDS, "name_initials"])
        audit_log(actor=actor, action=Action.UPDATE, obj=target, changes=diff(before, snapshot(target)))
    return target


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact) -> None:
    _require_edit(actor, contact.customer)
    Contact.objects.filter(pk=contact.pk).update(deleted_at=timezone.now(), is_primary=False)
    audit_log(actor=actor, action=Action.DELETE, obj=contact)


@transaction.atomic
def contact_move(*, actor: User, contact: Contact, customer: Customer) -> Contact:
    """A contact changes company, keeping their history."""
    _require_edit(actor, contact.customer)
    _require_edit(actor, customer)
    previous = contact.customer_id
    Contact.objects.filter(pk=contact.pk).update(customer=customer, is_primary=False, updated_at=timezone.now())
    contact.customer, contact.is_primary = customer, False
    audit_log(actor=actor, action=Action.UPDATE, obj=contact, changes={"customer": [previous, customer.pk]})
    return contact
