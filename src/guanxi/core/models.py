from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scope import ScopedQuerySet
from .texts import Text


class AuditQuerySet(ScopedQuerySet["AuditEntry"]):
    """Bulk changes are refused like single ones: the log is append-only (the database refuses too)."""

    def update(self, **kwargs: object) -> int:
        raise PermissionError("audit entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit entries cannot be deleted")


class AuditEntry(models.Model):
    """One recorded action (操作日志). Written by ``core.audit``; never edited or deleted through the app."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        RESTORE = "restore", _("Restored")
        OWNERSHIP = "ownership", _("Ownership changed")
        EXPORT = "export", _("Exported")
        IMPORT = "import", _("Imported")
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        SIGN_OUT = "sign_out", _("Signed out")
        PERMISSION = "permission", _("Permissions changed")
        UNMASK = "unmask", _("Viewed masked data")
        LIFECYCLE = "lifecycle", _("Status changed")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_name = models.CharField(_("by"), max_length=100, blank=True)  # kept if the user is ever renamed
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("record type"), max_length=60, blank=True)  # "org.user"
    object_id = models.CharField(_("record"), max_length=40, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)  # {field: [before, after]}
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit entries cannot be deleted")


class Notification(models.Model):
    """One message to one user (SPEC §4.6): shown in the bell when ``in_app``, e-mailed when asked.
    Written by ``core.notifications.notify``; a row exists per recipient, so reading is per person."""

    class EmailStatus(models.TextChoices):
        NONE = "", _("Not e-mailed")
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        SKIPPED = "skipped", _("Not sent")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    # {"title": Text, "body": Text} as JSON: read in the reader's language; title and body above keep the
    # text as first written, for rows from before and for plain texts a person typed.
    texts = models.JSONField(_("texts"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)  # a local path to the record
    object_type = models.CharField(_("record type"), max_length=60, blank=True)  # "org.user"
    object_id = models.CharField(_("record"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    in_app = models.BooleanField(_("shown in the app"), default=True)  # False: an e-mail-only row
    email_status = models.CharField(
        _("e-mail"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.NONE, blank=True
    )
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = ScopedQuerySet["Notification"].as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            # The bell's badge on every page: a count over this small partial index only.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True, in_app=True),
                name="notification_unread_idx",
            ),
            # The sweep that sends e-mails whose queue message was lost or whose send failed.
            models.Index(
                fields=["created_at"],
                condition=models.Q(email_status__in=["pending", "failed"]),
                name="notification_email_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.shown_title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def shown_title(self) -> str:
        """The title in the active language (the reader's)."""
        return self._shown("title", self.title)

    @property
    def shown_body(self) -> str:
        return self._shown("body", self.body)

    def _shown(self, part: str, written: str) -> str:
        stored = self.texts.get(part) if isinstance(self.texts, dict) else None
        return Text.from_json(stored).render() if stored else written


class NotificationPreference(models.Model):
    """A user's choice for one kind of notification; without a row the kind's defaults apply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by e-mail"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


# --- Configuration (SPEC §14.1–14.3) and numbering ------------------------------------------------


class DictionaryType(models.Model):
    """An enumeration editable by administrators (数据字典), e.g. ``industry`` or ``customer_source``.
    Types shipped by Guanxi are ``is_system``; their label comes from the code registry, translated."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # Empty: group-wide (every built-in type); otherwise a type one unit's administrator added for itself.
    business_unit = models.ForeignKey(
        "org.BusinessUnit", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("business unit")
    )
    is_system = models.BooleanField(_("built in"), default=False, editable=False)
    # Default item codes already created once, so an item an administrator deleted is not brought back.
    seeded_codes = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet["DictionaryType"].as_manager()

    class Meta:
        verbose_name = _("dictionary type")
        verbose_name_plural = _("dictionary types")
        ordering = ["code"]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        from .config.dictionary import registered_type_label

        return str(registered_type_label(self.code) or self.name)


class DictionaryItem(models.Model):
    """One value of a dictionary type. ``code`` is stable (records and the API store it); the label may
    be renamed at any time; a disabled item stays valid on old records but is not offered any more."""

    type = models.ForeignKey(DictionaryType, models.CASCADE, related_name="items", verbose_name=_("type"))
    code = models.SlugField(_("code"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet["DictionaryItem"].as_manager()

    class Meta:
        verbose_name = _("dictionary item")
        verbose_name_plural = _("dictionary items")
        ordering = ["type", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["type", "code"],
                name="dictionary_item_unique_code",
                violation_error_message=_("This type already has an item with that code."),
            ),
            models.UniqueConstraint(
                fields=["type", "label"],
                name="dictionary_item_unique_label",
                violation_error_message=_("This type already has an item with that label."),
            ),
        ]

    def __str__(self) -> str:
        return self.shown_label

    @property
    def shown_label(self) -> str:
        """A shipped item's label in the reader's language until an administrator renames it."""
        from .config.dictionary import shown_item_label

        return shown_item_label(self.type.code, self.code, self.label)


class ParameterValue(models.Model):
    """A business unit's override of a registered parameter (参数设置); absent means the default."""

    business_unit = models.ForeignKey(
        "org.BusinessUnit", models.CASCADE, related_name="+", verbose_name=_("business unit")
    )
    code = models.CharField(_("code"), max_length=80)
    value = models.JSONField(_("value"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet["ParameterValue"].as_manager()

    class Meta:
        verbose_name = _("parameter value")
        verbose_name_plural = _("parameter values")
        constraints = [
            models.UniqueConstraint(fields=["business_unit", "code"], name="parameter_value_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code}={self.value}"


class CustomField(models.Model):
    """An administrator-defined field of a record type (自定义字段); values live in the record's
    ``custom`` JSON under ``key``. Key, record type, type and choice list are fixed once created."""

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        MONEY = "money", _("Money")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")
        MULTI_CHOICE = "multi_choice", _("Multiple choice")
        USER = "user", _("User")
        BOOLEAN = "boolean", _("Yes/no")

    model = models.CharField(_("record type"), max_length=60)  # "org.user"
    # Empty: a group-wide field, on every unit's records; otherwise only on that unit's (SPEC §1.1).
    business_unit = models.ForeignKey(
        "org.BusinessUnit", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("business unit")
    )
    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=50)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    dictionary_type = models.ForeignKey(
        DictionaryType,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="custom_fields",
        verbose_name=_("choices from"),
    )
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    show_in_list = models.BooleanField(_("show in lists"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet["CustomField"].as_manager()

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["model", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "key"],
                name="custom_field_unique_key",
                violation_error_message=_("This record type already has a field with that key."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def has_choices(self) -> bool:
        return self.type in (self.Type.CHOICE, self.Type.MULTI_CHOICE)


class NumberCounter(models.Model):
    """The last number handed out for a kind of record in one period (day, month, year or ever).
    Incremented in the database under a row lock, so concurrent requests never share a number."""

    kind = models.CharField(max_length=40)
    period = models.CharField(max_length=8, blank=True)  # "20261122", "202611", "2026" or ""
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "period"], name="number_counter_unique")]

    def __str__(self) -> str:
        return f"{self.kind}/{self.period}: {self.value}"


def register() -> None:
    """The system, audit and notification permissions, and the data scope of the core records."""
    from . import permissions, scope

    permissions.register_module(
        permissions.Module("system", _("System configuration"), ("view", "configure"), kind="admin")
    )
    permissions.register_module(permissions.Module("audit", _("Audit log"), ("view", "export"), kind="admin"))
    scope.register(AuditEntry, scope.Rule("audit", owner="actor"))
    # Every active user reads their own notifications, and only those (a personal module).
    permissions.register_module(
        permissions.Module("notifications", _("Notifications"), ("view",), kind=permissions.PERSONAL)
    )
    scope.register(Notification, scope.Rule("notifications", owner="recipient"))
    # Group-wide rows and the viewer's unit's; every unit's with the all-units scope (SPEC §1.1).
    for model, unit in (
        (DictionaryType, "business_unit"),
        (DictionaryItem, "type__business_unit"),
        (ParameterValue, "business_unit"),
        (CustomField, "business_unit"),
    ):
        scope.register(model, scope.Rule("system", owner=None, unit=unit, everyone=True))


class OutboxEvent(models.Model):
    """One record event (a customer claimed, an opportunity won …) written by ``core.outbox.emit`` in the
    same transaction as the change: a rollback leaves no row, a crash after the commit loses none. The
    integrations deliver each row once, then stamp ``dispatched_at``."""

    key = models.UUIDField(_("idempotency key"), unique=True, editable=False)
    event = models.CharField(_("event"), max_length=60)  # "customer.claimed"
    business_unit = models.ForeignKey(
        "org.BusinessUnit", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("business unit")
    )
    record_type = models.CharField(_("record type"), max_length=60)  # "customers.customer"
    record_id = models.BigIntegerField(_("record"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("record event")
        verbose_name_plural = _("record events")
        indexes = [
            models.Index(fields=["id"], condition=models.Q(dispatched_at__isnull=True), name="outbox_waiting"),
            models.Index(fields=["record_type", "record_id"], name="outbox_record"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.record_type}:{self.record_id}"
