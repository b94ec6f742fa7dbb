"""How customers and contacts read in the audit trail (SPEC §1.3, §1.6, §3.2): whatever their pages mask
for a reader stays masked in their history, the audit log and the API, and the codes their entries store
read as names."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from guanxi.core.auditlog.presentation import (
    Mask,
    register_former_notes,
    register_masks,
    register_note_labels,
    register_value_labels,
)
from guanxi.core.texts import Text
from guanxi.org.models import User

from . import keys
from .models import Contact, Customer
from .regions.services import region_names
from .selectors import hidden_fields
from .services import customers_seen_plainly

CUSTOMER_CONTACT_DETAILS = {"phone": keys.mask_phone, "email": keys.mask_email}
CONTACT_CONTACT_DETAILS = {"mobile": keys.mask_phone, "phone": keys.mask_phone, "email": keys.mask_email}


# What a merge leaves in the history of the customer kept (and its contacts), and of the one merged away.
MERGED_IN = gettext_noop("Merged with %(number)s")
MERGED_AWAY = gettext_noop("Merged into %(number)s")


def hide(value: str) -> str:
    return "***"


def customer_masks(actor: User, ids: Sequence[str]) -> dict[str, dict[str, Mask]]:
    """The customer page's rule: phone and e-mail masked unless the reader owns the customer or it is
    shared with them, and the fields its pool hides masked while it lies there. A customer gone since
    (merged away) keeps its contact details masked."""
    customers = _customers(ids)
    plain = customers_seen_plainly(actor, customers)
    masks = {str(customer.pk): _masks(customer, plain, CUSTOMER_CONTACT_DETAILS) for customer in customers}
    return {pk: masks.get(pk, dict(CUSTOMER_CONTACT_DETAILS)) for pk in ids}


def contact_masks(actor: User, ids: Sequence[str]) -> dict[str, dict[str, Mask]]:
    """A contact's phones and e-mail show as its customer's do (the Contacts tab's rule)."""
    rows = dict(Contact.all_objects.filter(pk__in=_numbers(ids)).values_list("pk", "customer_id"))
    customers = {customer.pk: customer for customer in _customers([str(pk) for pk in set(rows.values())])}
    plain = customers_seen_plainly(actor, list(customers.values()))
    masks: dict[str, dict[str, Mask]] = {}
    for pk, customer_id in rows.items():
        masks[str(pk)] = _masks(customers.get(customer_id), plain, CONTACT_CONTACT_DETAILS)
    return {pk: masks.get(pk, dict(CONTACT_CONTACT_DETAILS)) for pk in ids}


def _customers(ids: Collection[str]) -> list[Customer]:
    return list(Customer.all_objects.filter(pk__in=_numbers(ids)).select_related("pool"))


def _masks(customer: Customer | None, plain: set[int], details: Mapping[str, Mask]) -> dict[str, Mask]:
    """``details`` (the record's phones and e-mail) masked unless seen plainly; the pool's other hidden
    fields (address, WeChat…) hidden while the customer lies in it."""
    if customer is None:
        return dict(details)
    masks: dict[str, Mask] = dict.fromkeys(hidden_fields(customer) - {"phone", "email"}, hide)
    if customer.pk not in plain:
        masks.update(details)
    return masks


def _numbers(ids: Collection[str]) -> list[int]:
    return [int(pk) for pk in ids if pk.isdigit()]


def register() -> None:
    register_masks(Customer, customer_masks)
    register_masks(Contact, contact_masks)
    for field in ("province", "city", "county"):
        register_value_labels(Customer, field, region_names)
    register_note_labels({"read-write": _("shared read-write"), "read-only": _("shared read-only")})
    register_former_notes(
        [
            (r"merged (?P<number>\S+)", lambda found: Text(MERGED_IN, **found.groupdict())),
            (r"merged into (?P<number>\S+)", lambda found: Text(MERGED_AWAY, **found.groupdict())),
        ]
    )
