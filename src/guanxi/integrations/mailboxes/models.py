"""Users' mailboxes (SPEC §13.4): the IMAP + SMTP account (its password encrypted), how far each folder has
been read, and the messages kept, matched to customers and contacts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.records import MainRecord
from guanxi.core.scope import ScopedQuerySet
from guanxi.core.uploads import StoredFile, UploadFolder
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import BusinessUnit


class Security(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (local servers only)")


class MailboxState(models.TextChoices):
    NEW = "new", _("Not yet synchronised")
    OK = "ok", _("Working")
    FAILING = "failing", _("Server unreachable, retrying")
    AUTH_FAILED = "auth_failed", _("Password refused")
    DISABLED = "disabled", _("Turned off")


class Mailbox(MainRecord):
    """One user's mailbox. The password is stored encrypted (``mailboxes/secrets.py``)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("owner"))
    business_unit = models.ForeignKey(BusinessUnit, models.CASCADE, related_name="+", verbose_name=_("business unit"))
    address = models.EmailField(_("e-mail address"), max_length=200)
    display_name = models.CharField(_("sender name"), max_length=100, blank=True)
    username = models.CharField(_("user name"), max_length=200)
    password_encrypted = models.TextField(editable=False)
    imap_host = models.CharField(_("IMAP server"), max_length=200)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(_("IMAP security"), max_length=10, choices=Security.choices, default=Security.SSL)
    smtp_host = models.CharField(_("SMTP server"), max_length=200)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=465)
    smtp_security = models.CharField(_("SMTP security"), max_length=10, choices=Security.choices, default=Security.SSL)
    inbox_folder = models.CharField(_("inbox folder"), max_length=100, default="INBOX")
    sent_folder = models.CharField(_("sent folder"), max_length=100, default="Sent")
    state = models.CharField(_("state"), max_length=12, choices=MailboxState.choices, default=MailboxState.NEW)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    last_sync_at = models.DateTimeField(_("last synchronised"), null=True, blank=True)
    next_sync_at = models.DateTimeField(_("next synchronisation"), null=True, blank=True, default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)  # a worker's lease

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["address", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner"], condition=Q(deleted_at__isnull=True), name="mailbox_one_per_user")
        ]
        indexes = [models.Index(fields=["next_sync_at"], condition=Q(deleted_at__isnull=True), name="mailbox_due")]

    def __str__(self) -> str:
        return self.address


class MailboxFolder(models.Model):
    """How far one folder has been read: its UID validity and the highest UID stored."""

    mailbox = models.ForeignKey(Mailbox, models.CASCADE, related_name="folders")
    name = models.CharField(max_length=100)
    uid_validity = models.BigIntegerField(null=True)
    last_uid = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailbox", "name"], name="mailbox_folder_once")]

    def __str__(self) -> str:
        return f"{self.mailbox_id}:{self.name}"


class Direction(models.TextChoices):
    IN = "in", _("Received")
    OUT = "out", _("Sent")


class EmailQuerySet(ScopedQuerySet["Email"]):
    def on_customer(self, customer: Customer) -> EmailQuerySet:
        return self.filter(links__customer=customer).distinct()


class Email(models.Model):
    """A message of a user's mail, stored once whichever folder or UID it was read under (its Message-ID).
    Mail sent from the CRM by a user without a mailbox of their own goes through the company's server and
    belongs to no mailbox."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", db_index=False, verbose_name=_("owner")
    )
    mailbox = models.ForeignKey(
        Mailbox, models.CASCADE, null=True, blank=True, related_name="emails", verbose_name=_("mailbox")
    )
    message_id = models.CharField(_("Message-ID"), max_length=300)
    in_reply_to = models.CharField(_("in reply to"), max_length=300, blank=True)
    references = models.TextField(_("references"), blank=True)
    thread_key = models.CharField(max_length=300, blank=True, db_index=True)  # the first Message-ID of the thread
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    folder = models.CharField(_("folder"), max_length=100, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    from_address = models.CharField(_("from"), max_length=200)
    from_name = models.CharField(max_length=200, blank=True)
    to = models.JSONField(_("to"), default=list)
    cc = models.JSONField(_("cc"), default=list)
    sent_at = models.DateTimeField(_("date"), default=timezone.now)
    snippet = models.CharField(_("snippet"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    followup = models.ForeignKey(
        "activities.FollowUp", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("follow-up")
    )

    objects = EmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "message_id"], name="email_once_per_mailbox"),
            models.UniqueConstraint(
                fields=["owner", "message_id"], condition=Q(mailbox__isnull=True), name="email_once_per_sender"
            ),
        ]
        indexes = [models.Index(fields=["owner", "-sent_at"], name="email_owner_recent")]

    def __str__(self) -> str:
        return self.subject or self.message_id

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("integrations:email", args=[self.pk])


class EmailLink(models.Model):
    """A message matched to a customer (and the contact whose address it names)."""

    email = models.ForeignKey(Email, models.CASCADE, related_name="links")
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, models.CASCADE, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)  # the message's date, for the timeline's order

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "customer", "contact"], name="email_link_once"),
            models.UniqueConstraint(
                fields=["email", "customer"], condition=Q(contact__isnull=True), name="email_link_customer_once"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-sent_at"], name="email_link_customer"),
            models.Index(fields=["contact", "-sent_at"], name="email_link_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.email_id} → {self.customer_id}"


class EmailAttachment(StoredFile):
    email = models.ForeignKey(Email, models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=UploadFolder("mail"), max_length=200, null=True, blank=True)
    too_large = models.BooleanField(default=False)  # over the limit: named, not kept

    class Meta(StoredFile.Meta):
        pass


class EmailTemplate(models.Model):
    """A user's own template for mail sent from the CRM: ``{customer}``, ``{contact}`` and ``{sender}`` are
    filled in when it is used."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("owner"))
    name = models.CharField(_("name"), max_length=100)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"), max_length=20000)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


def register() -> None:
    from guanxi.core import permissions, scope

    # A personal module: everyone holds it on their own mailbox; nobody, not even an administrator, on another's.
    permissions.register_module(
        permissions.Module(
            "mailboxes", _("My mailbox"), ("view", "create", "edit", "delete"), kind=permissions.PERSONAL
        )
    )
    scope.register(Mailbox, scope.Rule("mailboxes", owner="owner"))
    # A message is read by its owner; others see it on a customer's timeline (``selectors``), which
    # starts from the customers they may see.
    scope.register(Email, scope.Rule("mailboxes", owner="owner"))
    scope.register(EmailTemplate, scope.Rule("mailboxes", owner="owner"))
