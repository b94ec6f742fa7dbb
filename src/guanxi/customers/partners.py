"""Channel partners (渠道管理, SPEC §14.8): a customer of kind "partner" — a distributor or an agent — and the
records it brought (customers here, leads in the leads app), each naming it in a ``partner`` foreign key.

An attribution always names a live partner of the record's own business unit. Apps whose records carry a
partner call ``register_attribution`` in ``ready()``: a merge then moves their attributions to the kept
customer (refused when that one is no partner), a partner that still has attributions is neither deleted nor
turned into another kind, and the partner's page counts them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.core.errors import DomainError

from .models import Customer

if TYPE_CHECKING:
    from guanxi.org.models import User

PARTNER = Customer.Kind.PARTNER
PARTNER_FIELDS = ("partner_type", "partner_level", "territory")
DICTIONARY_FIELDS = {"partner_type": "partner_type", "partner_level": "partner_level"}


@dataclass(frozen=True)
class Attribution:
    model: type[models.Model]
    field: str  # the foreign key to the partner customer
    label: Callable[[int], str]  # (count) → "3 customers", in the reader's language


_ATTRIBUTIONS: list[Attribution] = []


def register_attribution(model: type[models.Model], field: str, label: Callable[[int], str]) -> None:
    """Rows of ``model`` whose ``field`` names the partner that brought them."""
    from .merge import register_merge_child

    if any(item.model is model and item.field == field for item in _ATTRIBUTIONS):
        return
    _ATTRIBUTIONS.append(Attribution(model, field, label))

    def move(actor: User, keep: Customer, other: Customer) -> int:
        rows = model._base_manager.filter(**{field: other})
        if model is Customer:
            rows = rows.exclude(pk=keep.pk)  # the kept customer's own partner was settled with its fields
        if not rows.exists():
            return 0
        if keep.kind != PARTNER:
            raise DomainError(
                _("%(name)s brought customers or leads as a channel partner; the merged customer must stay a partner.")
                % {"name": other.name},
                field="kind",
                code="partner_in_use",
            )
        values: dict[str, object] = {field: keep}
        if any(item.name == "updated_at" for item in model._meta.concrete_fields):
            values["updated_at"] = timezone.now()
        return rows.update(**values)

    register_merge_child(model, field, move=move)


def attributions_of(partner: Customer) -> list[str]:
    """What the partner brought and is still attributed to it, e.g. ["3 customers", "1 lead"]."""
    found = []
    for item in _ATTRIBUTIONS:
        rows = item.model._default_manager.filter(**{item.field: partner.pk})
        if item.model is Customer:
            rows = rows.exclude(pk=partner.pk)
        count = rows.count()
        if count:
            found.append(item.label(count))
    return found


def partner_delete_refusal(customer: Customer) -> str:
    """A partner that still brought live records is not deleted (they would name a deleted partner)."""
    if not Customer.all_objects.filter(pk=customer.pk, kind=PARTNER).exists():  # as stored, not as edited
        return ""
    found = attributions_of(customer)
    if not found:
        return ""
    return _("This channel partner brought %(records)s; attribute them to another partner first.") % {
        "records": ", ".join(found)
    }


def partner_validate(partner_id: int | None, *, unit_id: int | None, own_pk: int | None = None) -> None:
    """The partner a record names: a live customer of kind partner in the record's business unit."""
    if partner_id is None:
        return
    if own_pk is not None and partner_id == own_pk:
        raise DomainError(_("A partner cannot have brought itself."), field="partner")
    row = Customer.objects.filter(pk=partner_id).values_list("kind", "business_unit_id").first()
    if row is None or row[0] != PARTNER:
        raise DomainError(_("Choose a customer of kind channel partner."), field="partner", code="not_a_partner")
    if row[1] != unit_id:
        raise DomainError(
            _("Choose a channel partner of the same business unit."), field="partner", code="partner_other_unit"
        )


def partners_of_unit(unit_id: int | None) -> models.QuerySet[Customer]:
    """The live partners of a unit, by pinyin: what a salesperson may name as the one who brought a record
    (the partner's name is no secret of its owner's; its page stays in the owner's scope)."""
    return Customer.objects.filter(business_unit_id=unit_id, kind=PARTNER).order_by("name_pinyin", "pk")


def partners_to_filter_by(actor: User) -> models.QuerySet[Customer]:
    """The partners a list may be filtered by: those of the actor's unit and any other partner they see."""
    from django.db.models import Q

    seen = Customer.objects.visible_to(actor).filter(kind=PARTNER).values("pk")
    rows = Customer.objects.filter(kind=PARTNER).filter(Q(business_unit_id=actor.business_unit_id) | Q(pk__in=seen))
    return rows.order_by("name_pinyin", "pk")


def partner_context(actor: User, customer: Customer) -> dict[str, object]:
    """The 360 page's partner rows: a partner's type and level as labels; whether the partner who brought the
    customer opens for the actor (its name shows either way)."""
    from guanxi.core.config.dictionary import dictionary_label

    labels = {}
    if customer.kind == PARTNER:
        labels = {
            field: dictionary_label(type_code, getattr(customer, field)) if getattr(customer, field) else ""
            for field, type_code in DICTIONARY_FIELDS.items()
        }
    partner_id = customer.partner_id
    visible = partner_id is not None and Customer.objects.visible_to(actor).filter(pk=partner_id).exists()
    return {"partner_labels": labels, "partner_visible": visible}


def customer_count_label(count: int) -> str:
    return ngettext("%(count)d customer", "%(count)d customers", count) % {"count": count}


def register() -> None:
    from guanxi.core.config.dictionary import register_dictionary_usage

    from . import hooks

    for field, type_code in DICTIONARY_FIELDS.items():
        register_dictionary_usage(type_code, Customer, field)
    register_attribution(Customer, "partner", customer_count_label)
    if partner_delete_refusal not in hooks.DELETE_GUARDS:
        hooks.DELETE_GUARDS.append(partner_delete_refusal)
