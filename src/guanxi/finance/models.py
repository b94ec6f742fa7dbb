"""Money (回款 / 开票 / 发货, SPEC §8): the receivable of each signed contract or confirmed order (its amount and
the planned, invoiced and received roll-ups, kept within the amount by the database), payment plans
(instalments), receipts allocated to them, invoices and delivery notes."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.records import MainRecord
from guanxi.core.scope import ScopedQuerySet
from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit

AMOUNT = {"max_digits": 16, "decimal_places": 2}
QUANTITY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0")


class Receivable(models.Model):
    """What a customer owes on one signed contract or one confirmed order (an order placed under a contract
    is paid on the contract). The roll-ups change only by conditional UPDATEs that keep them within the
    amount: two receipts approved at once cannot both pass."""

    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="receivables", verbose_name=_("customer"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("owner"))
    contract = models.OneToOneField(
        "sales.Contract", models.PROTECT, null=True, blank=True, related_name="receivable", verbose_name=_("contract")
    )
    order = models.OneToOneField(
        "sales.Order", models.PROTECT, null=True, blank=True, related_name="receivable",
        verbose_name=pgettext_lazy("sales order", "order"),
    )  # fmt: skip
    number = models.CharField(_("number"), max_length=40)
    # the contract's signing date or the order's date, copied (neither changes once money is owed): the report as
    # of an earlier day leaves out what was not yet owed then
    owed_from = models.DateField(_("owed from"), editable=False)
    amount = models.DecimalField(_("contracted"), **AMOUNT)  # type: ignore[arg-type]
    planned = models.DecimalField(_("planned"), default=ZERO, **AMOUNT)  # type: ignore[arg-type]
    invoiced = models.DecimalField(_("invoiced"), default=ZERO, **AMOUNT)  # type: ignore[arg-type]
    received = models.DecimalField(_("received"), default=ZERO, **AMOUNT)  # type: ignore[arg-type]
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet["Receivable"].as_manager()

    class Meta:
        verbose_name = _("receivable")
        verbose_name_plural = _("receivables")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["business_unit", "customer"], name="receivable_unit_customer"),
            # One owner's receivables (a salesperson's report, its totals and the plans below them), read from
            # the index alone.
            models.Index(
                fields=["owner", "customer"],
                include=["id", "owed_from", "amount", "invoiced", "received"],
                name="receivable_owner_customer",
            ),
            # The whole company's report by customer: a grouped read of the index alone, biggest first.
            models.Index(
                fields=["customer"], include=["owed_from", "amount", "invoiced", "received"], name="receivable_customer"
            ),
            # One owner's report per contract/order, biggest outstanding first: a page is the index's first rows
            # rather than a sort of all their receivables.
            models.Index(
                F("owner"),
                (F("amount") - F("received")).desc(),
                F("id"),
                include=["owed_from", "amount", "invoiced", "received"],
                name="receivable_owner_outstanding",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contract__isnull=False, order__isnull=True) | Q(contract__isnull=True, order__isnull=False),
                name="receivable_one_source",
            ),
            models.CheckConstraint(
                condition=Q(planned__gte=0, invoiced__gte=0, received__gte=0)
                & Q(planned__lte=F("amount"), invoiced__lte=F("amount"), received__lte=F("amount")),
                name="receivable_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("finance:receivable", args=[self.pk])

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.received

    @property
    def source(self) -> models.Model:
        return self.contract if self.contract_id else self.order  # type: ignore[return-value]


class PlanStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PARTIAL = "partial", _("Partially received")
    RECEIVED = "received", pgettext_lazy("payment plan status", "Received")
    OVERDUE = "overdue", _("Overdue")


class PaymentPlan(models.Model):
    """An instalment (回款计划): due on a day, received by the receipts allocated to it."""

    receivable = models.ForeignKey(Receivable, models.CASCADE, related_name="plans")
    # the receivable's owner, kept in step (set with the plan, moved with the receivable at a hand-over): one
    # owner's plans read without going through their receivables
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", editable=False, db_index=False,
        verbose_name=_("owner"),
    )  # fmt: skip
    # the receivable's date, copied with the plan (it never changes): an earlier day's report leaves out the plans
    # of what was not yet owed then without reading their receivables
    owed_from = models.DateField(_("owed from"), editable=False)
    number = models.PositiveSmallIntegerField(_("instalment"))
    due_on = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), **AMOUNT)  # type: ignore[arg-type]
    received = models.DecimalField(_("received"), default=ZERO, **AMOUNT)  # type: ignore[arg-type]
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.PENDING)
    note = models.CharField(_("note"), max_length=200, blank=True)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("overdue reminder sent"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet["PaymentPlan"].as_manager()

    class Meta:
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        ordering = ["receivable", "due_on", "number", "pk"]
        indexes = [
            # the overdue sweep: open plans not yet marked, by due date
            models.Index(
                fields=["due_on"], condition=Q(overdue_at__isnull=True) & ~Q(status="received"), name="plan_overdue_due"
            ),
            models.Index(fields=["receivable", "due_on"], name="plan_receivable_due"),
            # Today's ageing buckets: the plans with money still owed (most of the received ones are in the past),
            # read from the index alone.
            models.Index(
                fields=["receivable", "due_on"],
                include=["amount", "received"],
                condition=Q(received__lt=F("amount")),
                name="plan_owed_receivable_due",
            ),
            # the same, of one owner (a salesperson's totals)
            models.Index(
                fields=["owner", "due_on"],
                include=["amount", "received", "owed_from"],
                condition=Q(received__lt=F("amount")),
                name="plan_owed_owner_due",
            ),
            # All of one owner's plans with their due dates, read from the index alone.
            models.Index(fields=["owner"], include=["id", "due_on"], name="plan_owner"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="plan_amount_positive"),
            models.CheckConstraint(
                condition=Q(received__gte=0, received__lte=F("amount")), name="plan_received_within"
            ),
            models.UniqueConstraint(fields=["receivable", "number"], name="plan_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.receivable_id}#{self.number}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.received


class ReceiptMethod(models.TextChoices):
    TRANSFER = "transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    ACCEPTANCE = "acceptance", _("Acceptance bill")
    ONLINE = "online", _("Online payment")


class ReceiptStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", pgettext_lazy("receipt status", "Confirmed")
    REJECTED = "rejected", _("Rejected")
    REVERSED = "reversed", _("Reversed")


class Receipt(MainRecord):
    """A customer's payment (回款单), confirmed by finance through the approval engine."""

    number = models.CharField(_("receipt number"), max_length=40, unique=True, editable=False)
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    receivable = models.ForeignKey(Receivable, models.PROTECT, related_name="receipts", verbose_name=_("receivable"))
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="receipts", verbose_name=_("customer"))
    # the receivable's owner, kept in step (set with the receipt, moved with the receivable at a hand-over): one
    # owner's receipts since a day read from one index range, not the whole company's matched to their receivables
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", editable=False, db_index=False,
        verbose_name=_("owner"),
    )  # fmt: skip
    received_on = models.DateField(_("date received"))
    amount = models.DecimalField(_("amount"), **AMOUNT)  # type: ignore[arg-type]
    method = models.CharField(_("method"), max_length=12, choices=ReceiptMethod.choices)
    account = models.CharField(_("receiving account"), max_length=100, blank=True)
    payer = models.CharField(_("payer"), max_length=100, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    chosen_plans = models.JSONField(_("plans chosen"), default=list, blank=True)  # ids; empty: oldest first
    status = models.CharField(_("status"), max_length=10, choices=ReceiptStatus.choices, default=ReceiptStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reverse_reason = models.CharField(_("reason for reversing"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["receivable", "status"], name="receipt_receivable"),
            models.Index(fields=["business_unit", "status", "-received_on"], name="receipt_unit_status"),
            models.Index(fields=["customer", "status"], name="receipt_customer"),
            # An earlier day's report: the receipts received since that day, and those reversed since.
            models.Index(
                fields=["received_on"],
                include=["id", "receivable", "amount", "status", "decided_at", "deleted_at"],
                name="receipt_received_on",
            ),
            models.Index(fields=["reversed_at"], condition=Q(status="reversed"), name="receipt_reversed"),
            # the same, of one owner (a salesperson's report)
            models.Index(
                fields=["owner", "received_on"],
                include=["id", "receivable", "amount", "status", "decided_at", "deleted_at"],
                name="receipt_owner_received_on",
            ),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("finance:receipt", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in (ReceiptStatus.DRAFT, ReceiptStatus.REJECTED)


class Allocation(models.Model):
    """The part of a receipt credited to one plan; released (kept, stamped) when the receipt is reversed."""

    receipt = models.ForeignKey(Receipt, models.CASCADE, related_name="allocations")
    plan = models.ForeignKey(PaymentPlan, models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount"), **AMOUNT)  # type: ignore[arg-type]
    # the plan's owner, kept in step like the receipt's: one owner's allocations since a day from one index range
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", editable=False, db_index=False,
        verbose_name=_("owner"),
    )  # fmt: skip
    # the receipt's date, copied when the allocation is made (a confirmed receipt's date never changes): an
    # earlier day's report reads the allocations since that day from one index, not through each receipt
    received_on = models.DateField(_("date received"), editable=False)
    # the plan's due date, copied when the allocation is made (a plan with standing allocations keeps its date):
    # an earlier day's ageing puts what was allocated since in its bucket without reading each plan
    due_on = models.DateField(_("due date"), editable=False)
    owed_from = models.DateField(_("owed from"), editable=False)  # the plan's, copied likewise
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    objects = ScopedQuerySet["Allocation"].as_manager()

    class Meta:
        verbose_name = _("receipt allocation")
        verbose_name_plural = _("receipt allocations")
        ordering = ["receipt", "plan__due_on", "pk"]
        indexes = [
            # an earlier day's report: the allocations released since that day
            models.Index(fields=["released_at"], condition=Q(released_at__isnull=False), name="allocation_released"),
            # and those of the receipts received since that day, still standing
            models.Index(
                fields=["received_on"],
                include=["plan", "amount", "due_on", "owed_from"],
                condition=Q(released_at__isnull=True),
                name="allocation_received_since",
            ),
            # the same, of one owner
            models.Index(
                fields=["owner", "received_on"],
                include=["plan", "amount", "due_on", "owed_from"],
                condition=Q(released_at__isnull=True),
                name="allocation_owner_since",
            ),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive")]

    def __str__(self) -> str:
        return f"{self.receipt_id}→{self.plan_id}"


class InvoiceKind(models.TextChoices):
    NORMAL = "normal", _("Ordinary VAT invoice (普通发票)")
    SPECIAL = "special", _("Special VAT invoice (增值税专用发票)")


class InvoiceStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ISSUED = "issued", _("Issued")
    VOIDED = "voided", _("Voided")


class Invoice(MainRecord):
    """An invoice (开票) asked for by sales and issued by finance; the invoiced total stays within the amount."""

    number = models.CharField(_("request number"), max_length=40, unique=True, editable=False)
    invoice_number = models.CharField(_("invoice number"), max_length=40, blank=True)
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    receivable = models.ForeignKey(Receivable, models.PROTECT, related_name="invoices", verbose_name=_("receivable"))
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="invoices", verbose_name=_("customer"))
    kind = models.CharField(_("invoice type"), max_length=10, choices=InvoiceKind.choices, default=InvoiceKind.NORMAL)
    title = models.CharField(_("invoice title"), max_length=100)
    tax_number = models.CharField(_("tax number"), max_length=20, blank=True)
    address_phone = models.CharField(_("address and telephone"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank and account"), max_length=150, blank=True)
    amount = models.DecimalField(_("amount"), **AMOUNT)  # type: ignore[arg-type]
    issued_on = models.DateField(_("invoice date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.REQUESTED
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    void_reason = models.CharField(_("reason for voiding"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["receivable", "status"], name="invoice_receivable"),
            models.Index(fields=["business_unit", "status", "-created_at"], name="invoice_unit_status"),
            # an earlier day's report: the invoices issued since that day
            models.Index(
                fields=["issued_on"],
                include=["receivable", "amount"],
                condition=Q(status="issued", deleted_at__isnull=True),
                name="invoice_issued_on",
            ),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive")]

    def __str__(self) -> str:
        return self.invoice_number or self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("finance:invoice", args=[self.pk])


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(_("goods or services"), max_length=200)
    quantity = models.DecimalField(_("quantity"), default=Decimal(1), **QUANTITY)  # type: ignore[arg-type]
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal("13"))
    amount = models.DecimalField(_("amount incl. tax"), **AMOUNT)  # type: ignore[arg-type]

    class Meta:
        ordering = ["invoice", "position", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0, quantity__gt=0), name="invoice_line_positive")]

    def __str__(self) -> str:
        return f"{self.invoice_id}#{self.position}"


class DeliveryStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", pgettext_lazy("delivery status", "Received")


class Delivery(MainRecord):
    """A delivery note (发货单) of an order: shipping it moves the order's delivered quantities."""

    number = models.CharField(_("delivery number"), max_length=40, unique=True, editable=False)
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    order = models.ForeignKey(
        "sales.Order", models.PROTECT, related_name="deliveries", verbose_name=pgettext_lazy("sales order", "order")
    )
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="deliveries", verbose_name=_("customer"))
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    shipped_on = models.DateField(_("shipping date"))
    receiver = models.CharField(_("receiver"), max_length=100, blank=True)
    address = models.CharField(_("delivery address"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PREPARED
    )
    received_on = models.DateField(_("date received"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery note")
        verbose_name_plural = _("delivery notes")
        ordering = ["-shipped_on", "-pk"]
        indexes = [
            models.Index(fields=["order", "status"], name="delivery_order"),
            models.Index(fields=["business_unit", "status", "-shipped_on"], name="delivery_unit_status"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("finance:delivery", args=[self.pk])


class DeliveryLine(models.Model):
    delivery = models.ForeignKey(Delivery, models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("sales.OrderLine", models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)  # type: ignore[arg-type]

    class Meta:
        ordering = ["delivery", "order_line__position", "pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="delivery_line_positive")]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.order_line_id}"


def register() -> None:
    from guanxi.core import permissions, scope
    from guanxi.customers.merge import register_merge_child
    from guanxi.org import handover

    # Sales work their customers' money (plans, receipts to confirm, invoice requests, delivery notes);
    # the finance desk confirms receipts, reverses them and issues invoices.
    permissions.register_module(
        permissions.Module("payments", _("Payments, invoices and deliveries"), ("view", "create", "edit", "delete",
                                                                                 "export"))
    )  # fmt: skip
    permissions.register_module(
        permissions.Module("finance", _("Finance desk"), ("view", "edit", "approve", "export"), kind="admin")
    )
    money = scope.Rule("payments", owner="owner", unit="business_unit")
    scope.register(Receivable, money)
    scope.register(PaymentPlan, scope.Rule("payments", owner="owner", unit="receivable__business_unit"))
    # the plan's path to the unit: a report stating both scopes joins the plans once
    scope.register(Allocation, scope.Rule("payments", owner="owner", unit="plan__receivable__business_unit"))
    from guanxi.workflows.selectors import approver_readable

    scope.register(Invoice, scope.Rule("payments", owner="receivable__owner", unit="business_unit"))
    # through the receipt's copy of its receivable's owner (the same rows, no join); whoever is asked to approve a
    # receipt may open it, in scope or not
    scope.register(Receipt, scope.Rule("payments", owner="owner", unit="business_unit",
                                       readable=lambda actor: approver_readable("finance.receipt", actor)))  # fmt: skip
    scope.register(Delivery, scope.Rule("payments", owner="order__owner", unit="business_unit"))
    for model in (Receivable, Receipt, Invoice, Delivery):
        register_merge_child(model, "customer")
    handover.register_owned(
        handover.OwnedType(
            Receivable,
            "owner",
            _("Receivables outstanding"),
            owned=lambda rows: rows.filter(received__lt=F("amount")),
            moving=_owner_copies_follow,
        )
    )


def _owner_copies_follow(rows: models.QuerySet[Receivable], successor: models.Model) -> None:
    """The receivables' plans, receipts (soft-deleted ones too) and allocations keep a copy of their owner:
    it moves with them, in the hand-over's transaction."""
    PaymentPlan.objects.filter(receivable__in=rows).update(owner=successor)
    Receipt.all_objects.filter(receivable__in=rows).update(owner=successor)
    Allocation.objects.filter(plan__receivable__in=rows).update(owner=successor)


# Customer credit's tables (finance/credit/models.py) belong to this app.
from .credit.models import CreditOverride, CustomerCredit  # noqa: E402, F401
