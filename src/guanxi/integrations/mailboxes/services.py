"""Every write on mailboxes (SPEC §13.4): connecting a user's own IMAP + SMTP account (the password encrypted),
storing the messages a sync reads — once each, matched to customers and contacts, a follow-up when the user
wrote them — and sending mail from the CRM through the user's SMTP (threaded, saved to the sent folder) or
the company's."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage as OutgoingMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.parameters import parameter_value
from guanxi.core.errors import Conflict, DomainError, FieldErrors, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.core.records import save_versioned
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User

from . import secrets
from .matching import matches_many
from .models import (
    Direction,
    Email,
    EmailAttachment,
    EmailLink,
    EmailTemplate,
    Mailbox,
    MailboxFolder,
    MailboxState,
    Security,
)  # fmt: skip
from .parsing import Parsed, parse

log = logging.getLogger(__name__)

COUNTS_AS_FOLLOWUP = "integrations.mail_counts_as_followup"
COMPANY_MAIL = "integrations.company_mail"
FIELDS = [
    "address", "display_name", "username", "imap_host", "imap_port", "imap_security", "smtp_host", "smtp_port",
    "smtp_security", "inbox_folder", "sent_folder",
]  # fmt: skip
MAX_RECIPIENTS = 50


# --- the mailbox -----------------------------------------------------------------------------------------


def _clean(data: Mapping[str, Any], *, password: str | None, creating: bool) -> dict[str, Any]:
    errors = FieldErrors()
    values: dict[str, Any] = {}
    for name in FIELDS:
        raw = data.get(name)
        values[name] = raw.strip() if isinstance(raw, str) else raw
    try:
        validate_email(values["address"] or "")
    except ValidationError:
        errors.add("address", _("Enter a valid e-mail address."))
    values["address"] = (values["address"] or "").lower()
    values["display_name"] = (values["display_name"] or "")[:100]
    values["username"] = values["username"] or values["address"]
    for name in ("imap_host", "smtp_host"):
        if not values[name]:
            errors.add(name, _("This field is required."))
        elif len(values[name]) > 200 or any(ch in values[name] for ch in " /\\"):
            errors.add(name, _("Give the server's host name, e.g. imap.example.com."))
    for name, default in (("imap_port", 993), ("smtp_port", 465)):
        try:
            port = int(values[name] or default)
        except (TypeError, ValueError):
            errors.add(name, _("Enter a whole number."))
            continue
        if not 1 <= port <= 65535:
            errors.add(name, _("A port lies between 1 and 65535."))
        values[name] = port
    for name in ("imap_security", "smtp_security"):
        values[name] = values[name] or Security.SSL
        if values[name] not in Security.values:
            errors.add(name, _("Choose from the list."))
    values["inbox_folder"] = (values["inbox_folder"] or "INBOX")[:100]
    values["sent_folder"] = (values["sent_folder"] or "Sent")[:100]
    if creating and not password:
        errors.add("password", _("This field is required."))
    if password is not None and len(password) > 500:
        errors.add("password", _("Too long."))
    errors.raise_any()
    return values


def _own(actor: User, mailbox: Mailbox) -> Mailbox:
    row = Mailbox.objects.visible_to(actor).select_for_update().filter(pk=mailbox.pk).first()
    if row is None:
        raise NotPermitted(_("This mailbox is outside your data scope."))
    return row


@transaction.atomic
def mailbox_connect(*, actor: User, data: Mapping[str, Any], password: str) -> Mailbox:
    """Connect the actor's own mailbox (one per user); the first sync runs at once."""
    require_perm(actor, "mailboxes.create")
    if actor.business_unit_id is None:
        raise DomainError(_("You belong to no business unit; ask an administrator to place you in a department."))
    values = _clean(data, password=password, creating=True)
    row = Mailbox(owner=actor, business_unit_id=actor.business_unit_id, created_by=actor, **values)
    row.password_encrypted = secrets.encrypt(password)
    row.next_sync_at = timezone.now()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:
        raise Conflict(_("You have connected a mailbox already."), code="duplicate_mailbox") from error
    audit_log(actor=actor, action=Action.CREATE, obj=row, changes=diff({}, snapshot(row, FIELDS)))
    _queue_sync(row.pk)
    return row


@transaction.atomic
def mailbox_update(
    *, actor: User, mailbox: Mailbox, version: int, data: Mapping[str, Any], password: str | None = None
) -> Mailbox:
    """Change the settings (an empty password keeps the stored one); a refused or failing mailbox is tried
    again at once."""
    require_perm(actor, "mailboxes.edit")
    row = _own(actor, mailbox)
    before = snapshot(row, FIELDS)
    merged = {name: data.get(name, getattr(row, name)) for name in FIELDS}
    values = _clean(merged, password=password or None, creating=False)
    for name, value in values.items():
        setattr(row, name, value)
    fields = list(FIELDS)
    if password:
        row.password_encrypted = secrets.encrypt(password)
        fields.append("password_encrypted")
    if values["address"] != before["address"] or values["imap_host"] != before["imap_host"]:
        MailboxFolder.objects.filter(mailbox=row).delete()  # another account: read it from the start
    row.state, row.failures, row.next_sync_at, row.last_error = MailboxState.NEW, 0, timezone.now(), ""
    save_versioned(row, expected_version=version, fields=[*fields, "state", "failures", "next_sync_at", "last_error"])
    changes = diff(before, snapshot(row, FIELDS))
    if password:
        changes["password"] = ["***", "***"]
    if changes:
        audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=changes)
    _queue_sync(row.pk)
    return row


@transaction.atomic
def mailbox_disconnect(*, actor: User, mailbox: Mailbox) -> None:
    """Remove the mailbox and forget its password; the messages already on timelines stay."""
    require_perm(actor, "mailboxes.delete")
    row = _own(actor, mailbox)
    Mailbox.objects.filter(pk=row.pk).update(
        deleted_at=timezone.now(), password_encrypted="", state=MailboxState.DISABLED, next_sync_at=None
    )
    audit_log(actor=actor, action=Action.DELETE, obj=row)


@transaction.atomic
def mailbox_sync_request(*, actor: User, mailbox: Mailbox) -> Mailbox:
    """Synchronise now rather than at the next sweep (also after a refused password was corrected)."""
    require_perm(actor, "mailboxes.view")
    row = _own(actor, mailbox)
    if row.state == MailboxState.DISABLED:
        raise Conflict(_("This mailbox is turned off."), code="disabled")
    Mailbox.objects.filter(pk=row.pk).update(next_sync_at=timezone.now(), claimed_until=None)
    _queue_sync(row.pk)
    return row


def _queue_sync(pk: int) -> None:
    from .sync import sync_task

    transaction.on_commit(lambda: sync_task(pk))


def mailbox_state_record(mailbox: Mailbox, *, at: datetime, error: str = "", state: str = MailboxState.OK) -> None:
    """The outcome of a sync: working, or the error with the next try after a growing wait (1 min … 1 h)."""
    if not error:
        Mailbox.all_objects.filter(pk=mailbox.pk).update(
            state=MailboxState.OK, last_error="", failures=0, last_sync_at=at, claimed_until=None,
            next_sync_at=at + timedelta(minutes=5),
        )  # fmt: skip
        return
    failures = mailbox.failures + 1
    wait = min(timedelta(minutes=2 ** min(failures - 1, 6)), timedelta(hours=1))
    Mailbox.all_objects.filter(pk=mailbox.pk).update(
        state=state, last_error=error[:500], failures=failures, claimed_until=None, next_sync_at=at + wait
    )
    if state == MailboxState.AUTH_FAILED and mailbox.state != MailboxState.AUTH_FAILED:
        from django.utils.translation import gettext_noop

        from guanxi.core.notifications.services import notify
        from guanxi.core.texts import Text

        notify(
            recipients=[mailbox.owner],
            kind="mailbox_failed",
            title=Text(gettext_noop("Your mailbox {address} refused the password"), address=mailbox.address),
            body=Text(gettext_noop("Mail is not synchronised until the password is corrected: {error}"), error=error),
            url="/integrations/mailbox/",
            obj=mailbox,
        )


# --- storing what a sync read ----------------------------------------------------------------------------


def _max_attachment() -> int:
    return int(getattr(settings, "MAILBOX_ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024))


@transaction.atomic
def emails_store(
    *, mailbox: Mailbox, folder: MailboxFolder, messages: Sequence[tuple[int, Parsed]], counts_from: datetime | None
) -> int:
    """Store one batch of a folder's messages (UID, parsed) and move the folder's mark past them, together:
    a crash stores the batch again, the Message-ID keeps each message once. Returns the messages new here."""
    created = _store(Account.of(mailbox), folder.name, messages, counts_from=counts_from)
    if messages:
        highest = max(uid for uid, _ in messages)
        MailboxFolder.objects.filter(pk=folder.pk, last_uid__lt=highest).update(last_uid=highest)
        folder.last_uid = max(folder.last_uid, highest)
    return created


@dataclass(frozen=True)
class Account:
    """Whose mail a batch is: its owner, their unit, their own address, and the mailbox it was read from or
    sent through — None for mail sent through the company's server."""

    owner_id: int
    unit_id: int
    address: str
    mailbox: Mailbox | None

    @classmethod
    def of(cls, mailbox: Mailbox) -> Account:
        return cls(mailbox.owner_id, mailbox.business_unit_id, mailbox.address.lower(), mailbox)

    @classmethod
    def company(cls, user: User) -> Account:
        return cls(user.pk, user.business_unit_id or 0, company_address().lower(), None)

    def emails(self) -> QuerySet[Email]:
        return Email.objects.filter(owner_id=self.owner_id, mailbox=self.mailbox)


def company_address() -> str:
    """The address the company's server sends from (DEFAULT_FROM_EMAIL)."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _store(
    account: Account, folder: str, parsed: Sequence[tuple[int | None, Parsed]], *, counts_from: datetime | None
) -> int:
    if not parsed:
        return 0
    ids = [item.message_id for _, item in parsed]
    known = set(account.emails().filter(message_id__in=ids).values_list("message_id", flat=True))
    own = {account.address}
    fresh: dict[str, tuple[int | None, Parsed]] = {}
    for uid, item in parsed:
        if item.message_id not in known and item.message_id not in fresh:
            fresh[item.message_id] = (uid, item)
    if not fresh:
        return 0
    threads = dict(
        account.emails()
        .filter(message_id__in=[p.in_reply_to for _, p in fresh.values() if p.in_reply_to])
        .values_list("message_id", "thread_key")
    )
    rows = []
    for uid, item in fresh.values():
        first = item.references.split()[0] if item.references else ""
        thread = threads.get(item.in_reply_to) or first or item.in_reply_to or item.message_id
        rows.append(
            Email(
                owner_id=account.owner_id, mailbox=account.mailbox, message_id=item.message_id,
                in_reply_to=item.in_reply_to, references=item.references,
                thread_key=thread[:300], direction=Direction.OUT if item.from_address in own else Direction.IN,
                folder=folder[:100], uid=uid, subject=item.subject, from_address=item.from_address,
                from_name=item.from_name, to=item.to, cc=item.cc, sent_at=item.sent_at, snippet=item.snippet,
                body=item.body, size=item.size,
            )
        )  # fmt: skip
    Email.objects.bulk_create(rows, ignore_conflicts=True)
    stored = {
        row.message_id: row for row in account.emails().filter(message_id__in=list(fresh)).exclude(message_id__in=known)
    }
    links: list[EmailLink] = []
    attachments: list[EmailAttachment] = []
    limit = _max_attachment()
    followups: list[tuple[Email, int, int | None]] = []
    found_all = matches_many(
        [fresh[message_id][1].addresses for message_id in stored], unit_id=account.unit_id, own=own
    )
    for (message_id, row), found in zip(stored.items(), found_all, strict=True):
        item = fresh[message_id][1]
        links.extend(EmailLink(email=row, customer_id=c, contact_id=k, sent_at=row.sent_at) for c, k in found)
        if found and row.direction == Direction.OUT and counts_from is not None and row.sent_at >= counts_from:
            followups.append((row, *found[0]))
        for attachment in item.attachments:
            too_large = len(attachment.payload) > limit
            stored_file = EmailAttachment(
                email=row, name=attachment.name, content_type=attachment.content_type, size=len(attachment.payload),
                too_large=too_large,
            )  # fmt: skip
            if not too_large and attachment.payload:
                stored_file.file.save(attachment.name, ContentFile(attachment.payload), save=False)
            attachments.append(stored_file)
    EmailLink.objects.bulk_create(links, ignore_conflicts=True)
    EmailAttachment.objects.bulk_create(attachments)
    if followups and parameter_value(COUNTS_AS_FOLLOWUP, unit=account.unit_id):
        owner = User.objects.get(pk=account.owner_id)
        for row, customer_id, contact_id in followups:
            _count_as_followup(owner, row, customer_id, contact_id)
    return len(stored)


def _count_as_followup(owner: User, row: Email, customer_id: int, contact_id: int | None) -> None:
    """The user wrote to the customer: a follow-up of kind e-mail by them, if they may record one for it."""
    from guanxi.activities.models import Channel
    from guanxi.activities.services import followup_create

    customer = Customer.objects.filter(pk=customer_id).first()
    contact = Contact.objects.filter(pk=contact_id).first() if contact_id else None
    content = (row.subject or _("(no subject)")) + ("\n" + row.snippet if row.snippet else "")
    try:
        with transaction.atomic():
            followup = followup_create(
                actor=owner, content=content[:4000], channel=Channel.EMAIL, occurred_at=row.sent_at,
                customer=customer, contact=contact, add_to_calendar=False,
            )  # fmt: skip
    except (DomainError, ValidationError):
        return  # outside the owner's scope (a colleague's customer): on the timeline, not their follow-up
    Email.objects.filter(pk=row.pk).update(followup=followup)
    row.followup = followup


# --- sending ---------------------------------------------------------------------------------------------


def _recipients(raw: Iterable[str] | str, field: str, errors: FieldErrors) -> list[str]:
    items = raw.replace(";", ",").split(",") if isinstance(raw, str) else list(raw)
    found = []
    for item in (str(value).strip() for value in items):
        if not item:
            continue
        try:
            validate_email(item)
        except ValidationError:
            errors.add(field, _("%(address)s is not an e-mail address.") % {"address": item})
            continue
        found.append(item.lower())
    if len(found) > MAX_RECIPIENTS:
        errors.add(field, _("At most %(n)d addresses.") % {"n": MAX_RECIPIENTS})
    return found


def email_send(
    *,
    actor: User,
    to: Iterable[str] | str,
    subject: str,
    body: str,
    cc: Iterable[str] | str = (),
    reply_to: Email | None = None,
    customer: Customer | None = None,
) -> Email:
    """Send through the actor's own SMTP server and copy it to their sent folder — or, without a mailbox of
    their own, through the company's server from its address, answers going to the actor's. Threaded under
    ``reply_to`` (In-Reply-To, References) and stored matched like any message (a follow-up when the parameter
    says so). Nothing is stored when the server refuses it."""
    require_perm(actor, "mailboxes.create")
    mailbox = Mailbox.objects.visible_to(actor).filter(owner=actor).first()
    if not may_send(actor, mailbox):
        raise DomainError(_("Connect your mailbox first."), code="no_mailbox")
    account = Account.of(mailbox) if mailbox else Account.company(actor)
    errors = FieldErrors()
    recipients = _recipients(to, "to", errors)
    copies = _recipients(cc, "cc", errors)
    if not recipients:
        errors.add("to", _("Give at least one recipient."))
    subject = " ".join((subject or "").split())[:300]
    if not subject:
        errors.add("subject", _("This field is required."))
    if not (body or "").strip():
        errors.add("body", _("This field is required."))
    if reply_to is not None and not Email.objects.visible_to(actor).filter(pk=reply_to.pk).exists():
        errors.add("reply_to", _("You may reply only to mail of your own mailbox."))
    if customer is not None and not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."), code="not_visible")
    errors.raise_any()
    headers = {
        "Date": format_datetime(timezone.now()),
        "Message-ID": make_msgid(domain=account.address.rsplit("@", 1)[-1]),
    }
    if reply_to is not None:
        headers["In-Reply-To"] = reply_to.message_id
        headers["References"] = " ".join(filter(None, [reply_to.references, reply_to.message_id]))[-4000:]
    name = (mailbox.display_name if mailbox else "") or actor.display_name
    message = OutgoingMessage(
        subject, body, formataddr((name, account.address)), recipients, cc=copies, headers=headers,
        reply_to=[actor.email] if mailbox is None and actor.email else None,
    )  # fmt: skip
    raw = message.message().as_bytes()
    from .transport import TransportError, append_sent, company_send, smtp_send

    try:
        if mailbox:
            smtp_send(mailbox, raw, [*recipients, *copies])
        else:
            company_send(message)
    except TransportError as error:
        raise DomainError(
            _("The mail server did not take the message: %(error)s") % {"error": error}, code="smtp_failed"
        ) from error
    if mailbox:
        try:
            append_sent(mailbox, raw)
        except TransportError as error:  # sent all the same: say so on the mailbox, keep the message here
            log.warning("mailbox %s: could not save to %s: %s", mailbox.pk, mailbox.sent_folder, error)
            Mailbox.objects.filter(pk=mailbox.pk).update(last_error=str(error)[:500])
    with transaction.atomic():
        folder = mailbox.sent_folder if mailbox else ""
        _store(account, folder, [(None, parse(raw))], counts_from=timezone.now() - timedelta(days=1))
        row = account.emails().get(message_id=headers["Message-ID"])
        if customer is not None and not row.links.filter(customer=customer).exists():
            EmailLink.objects.create(email=row, customer=customer, sent_at=row.sent_at)
            if row.followup_id is None and parameter_value(COUNTS_AS_FOLLOWUP, unit=account.unit_id):
                _count_as_followup(actor, row, customer.pk, None)
    return row


def may_send(user: User, mailbox: Mailbox | None) -> bool:
    """Whether the user may send from the CRM: through their own mailbox, or without one through the company's
    server when their unit allows it."""
    if mailbox is not None:
        return True
    return bool(user.business_unit_id and parameter_value(COMPANY_MAIL, unit=user.business_unit_id))


# --- templates -------------------------------------------------------------------------------------------


@transaction.atomic
def template_create(*, actor: User, name: str, subject: str, body: str) -> EmailTemplate:
    require_perm(actor, "mailboxes.create")
    errors = FieldErrors()
    for field, value in (("name", name), ("subject", subject), ("body", body)):
        if not (value or "").strip():
            errors.add(field, _("This field is required."))
    errors.raise_any()
    return EmailTemplate.objects.create(owner=actor, name=name.strip()[:100], subject=subject.strip()[:300], body=body)


@transaction.atomic
def template_delete(*, actor: User, template: EmailTemplate) -> None:
    require_perm(actor, "mailboxes.delete")
    if not EmailTemplate.objects.visible_to(actor).filter(pk=template.pk).delete()[0]:
        raise NotPermitted(_("This template is outside your data scope."))


def template_fill(
    template: EmailTemplate, *, sender: User, customer: Customer | None, contact: Contact | None
) -> tuple[str, str]:
    values = {
        "customer": customer.name if customer else "",
        "contact": contact.name if contact else "",
        "sender": sender.display_name,
    }

    def fill(text: str) -> str:
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text

    return fill(template.subject), fill(template.body)


def register() -> None:
    from django.utils.translation import gettext_lazy

    from guanxi.core.config.parameters import register_parameter
    from guanxi.core.notifications.kinds import register_kind

    from .matching import MATCH_DOMAIN

    register_parameter(
        MATCH_DOMAIN,
        gettext_lazy("Match mail to customers by their company's domain"),
        "bool",
        False,
        group="integrations",
        help=gettext_lazy(
            "Besides exact addresses: mail from anyone at the customer's domain (not public mail services)."
        ),
    )
    register_parameter(
        COUNTS_AS_FOLLOWUP,
        gettext_lazy("Mail a user sends to a customer counts as a follow-up"),
        "bool",
        True,
        group="integrations",
    )
    register_parameter(
        COMPANY_MAIL,
        gettext_lazy("Users without a mailbox send through the company's server"),
        "bool",
        True,
        group="integrations",
        help=gettext_lazy("From the company's address, answers going to the user's own address."),
    )
    register_kind("mailbox_failed", gettext_lazy("My mailbox cannot be synchronised"), default_email=False)
