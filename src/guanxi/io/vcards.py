"""Contacts as vCard 3.0 (SPEC §13.3), which phones import: one contact or a selection, through the gate,
phones and e-mails masked for those who do not see them plainly."""

from __future__ import annotations

from collections.abc import Iterable

import vobject
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from guanxi.core.audit import Action, audit_log
from guanxi.core.http import AuthedRequest
from guanxi.core.permissions import require_perm
from guanxi.customers import keys
from guanxi.customers.models import Contact
from guanxi.customers.services import customers_seen_plainly
from guanxi.org.models import User

MAX_CONTACTS = 5_000


def contacts_vcard(*, actor: User, ids: Iterable[int | str]) -> tuple[str, int]:
    """The visible contacts among ``ids`` as one .vcf text, and how many it holds. Audited as an export."""
    require_perm(actor, "customers.export")
    wanted = [int(pk) for pk in ids if str(pk).isdigit()][:MAX_CONTACTS]
    contacts = list(Contact.objects.visible_to(actor).filter(pk__in=wanted).select_related("customer").order_by("pk"))
    plainly = customers_seen_plainly(actor, {contact.customer for contact in contacts})
    cards = [_card(contact, plain=contact.customer_id in plainly).serialize() for contact in contacts]
    audit_log(
        actor=actor, action=Action.EXPORT, object_type="customers.contact", object_repr="vCard",
        changes={"count": len(contacts)}, note=f"{len(contacts)}",
    )  # fmt: skip
    return "".join(cards), len(contacts)


def _card(contact: Contact, *, plain: bool) -> vobject.base.Component:
    card = vobject.vCard()
    card.add("fn").value = contact.name
    # Chinese names are written family name first, without a space: the whole name is the family name
    card.add("n").value = vobject.vcard.Name(family=contact.name)
    card.add("org").value = [contact.customer.name]
    if contact.position:
        card.add("title").value = contact.position
    for number, kind in ((contact.mobile, "CELL"), (contact.phone, "WORK")):
        if number:
            line = card.add("tel")
            line.value = number if plain else keys.mask_phone(number)
            line.type_param = kind
    if contact.email:
        line = card.add("email")
        line.value = contact.email if plain else keys.mask_email(contact.email)
        line.type_param = "INTERNET"
    if contact.birthday:
        card.add("bday").value = contact.birthday.isoformat()
    if contact.remarks:
        card.add("note").value = contact.remarks
    return card


@login_required
def contacts_vcf_view(request: AuthedRequest) -> HttpResponse:
    """``?ids=1,2,3`` (or ``ids`` repeated): the chosen contacts' cards."""
    raw = request.GET.getlist("ids")
    ids = [part for value in raw for part in value.split(",")]
    text, _count = contacts_vcard(actor=request.user, ids=ids)
    response = HttpResponse(text, content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contacts.vcf"'
    return response
