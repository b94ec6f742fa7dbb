"""The records a document may belong to, and whether the actor may see one: the record's own scope gate."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.sales.models import Opportunity
from guanxi.service.models import Ticket


@dataclass(frozen=True)
class RecordKind:
    code: str
    label: str | Promise
    model: type[models.Model]
    url_name: str


KINDS = {
    kind.code: kind
    for kind in [
        RecordKind("customers.customer", _("Customer"), Customer, "customers:detail"),
        RecordKind("sales.opportunity", _("Opportunity"), Opportunity, "sales:opportunity"),
        RecordKind("service.ticket", _("Ticket"), Ticket, "service:detail"),
    ]
}


def record_visible(actor: User, record_type: str, record_id: str | int) -> models.Model | None:
    kind = KINDS.get(record_type)
    if kind is None or not str(record_id).isdigit():
        return None
    manager = kind.model.objects  # type: ignore[attr-defined]
    return manager.visible_to(actor).filter(pk=int(record_id)).first()


def record_label(obj: models.Model) -> str:
    return str(getattr(obj, "number", "") or obj)
