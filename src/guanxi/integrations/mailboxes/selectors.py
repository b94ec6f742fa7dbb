"""Reads of mailboxes and mail. A user reads their own mailbox's messages (the gate's rule: the mailbox's
owner); anyone reads the messages matched to a customer they may see, on that customer's or contact's
timeline — the customer comes through the customers gate first."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User

from .models import Email, EmailAttachment, EmailLink, EmailTemplate, Mailbox


def mailbox_of(actor: User) -> Mailbox | None:
    return Mailbox.objects.visible_to(actor).filter(owner=actor).first()


def _listed(rows: QuerySet[Email]) -> QuerySet[Email]:
    return rows.select_related("owner").prefetch_related(
        Prefetch("attachments", queryset=EmailAttachment.objects.order_by("pk"))
    )


def my_emails(*, actor: User) -> QuerySet[Email]:
    return _listed(Email.objects.visible_to(actor).order_by("-sent_at", "-pk"))


def customer_emails(*, customer: Customer) -> QuerySet[Email]:
    """The 360 page's mail (the customer came through the gate)."""
    linked = EmailLink.objects.filter(email=OuterRef("pk"), customer=customer)
    return _listed(Email.objects.filter(Exists(linked)).order_by("-sent_at", "-pk"))


def contact_emails(*, contact: Contact) -> QuerySet[Email]:
    linked = EmailLink.objects.filter(email=OuterRef("pk"), contact=contact)
    return _listed(Email.objects.filter(Exists(linked)).order_by("-sent_at", "-pk"))


def readable_emails(actor: User) -> QuerySet[Email]:
    """Messages the actor may open: their own, and those matched to a customer they may see."""
    visible = Customer.objects.visible_to(actor).filter(pk=OuterRef("customer_id"))
    linked = EmailLink.objects.filter(email=OuterRef("pk")).filter(Exists(visible))
    return Email.objects.filter(Q(pk__in=Email.objects.visible_to(actor).values("pk")) | Q(Exists(linked)))


def templates_of(actor: User) -> QuerySet[EmailTemplate]:
    return EmailTemplate.objects.visible_to(actor).order_by("name", "pk")
