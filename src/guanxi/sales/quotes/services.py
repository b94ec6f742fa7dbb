"""Every write on quotes (SPEC §7.2): lines priced here in Decimal and rounded to the fen, the floor-price and
discount rules sending a quote through the approval engine, the customer's answer and the expiry sweep."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.audit import Action, audit_log
from guanxi.core.config.numbering import number_next
from guanxi.core.config.parameters import parameter_value
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.workflows.models import ApprovalRequest
from guanxi.workflows.services import approval_submit, approval_withdraw, pending_request_for

from ..products.models import Product
from .models import Quote, QuoteLine, QuoteStatus

QUOTE_APPROVAL = "sales.quote"
FEN = Decimal("0.01")
HUNDRED = Decimal(100)
QUOTE_FIELDS = ["contact", "opportunity", "valid_until", "note"]


def fen(amount: Decimal) -> Decimal:
    """Money rounded to the fen, half up (as the tax authority rounds)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    list_amount: Decimal
    discount_amount: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    total: Decimal

    @property
    def discount_percent(self) -> Decimal:
        if not self.list_amount:
            return Decimal(0)
        return (self.discount_amount * HUNDRED / self.list_amount).quantize(FEN)


def price_line(line: QuoteLine) -> Decimal:
    """Fill the line's amounts; returns its amount at list (undiscounted) price. Prices exclude tax."""
    gross = fen(line.quantity * line.unit_price)
    line.net_amount = fen(line.quantity * line.unit_price * (HUNDRED - line.discount_percent) / HUNDRED)
    line.tax_amount = fen(line.net_amount * line.tax_rate / HUNDRED)
    line.amount = line.net_amount + line.tax_amount
    return gross


def totals_of(lines: Sequence[QuoteLine]) -> Totals:
    gross = sum((price_line(line) for line in lines), Decimal(0))
    net = sum((line.net_amount for line in lines), Decimal(0))
    tax = sum((line.tax_amount for line in lines), Decimal(0))
    return Totals(gross, gross - net, net, tax, net + tax)


def _number(value: Any, field: str, errors: dict[str, list[str]], *, positive: bool = False) -> Decimal:
    try:
        number = Decimal(str(value))
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        errors.setdefault(field, []).append(_("Enter a number."))
        return Decimal(0)
    if number < 0 or (positive and number == 0):
        errors.setdefault(field, []).append(_("Must be more than zero.") if positive else _("Cannot be negative."))
    return number


def _clean_lines(unit_id: int, customer: Customer, lines: Iterable[Mapping[str, Any]]) -> list[QuoteLine]:
    """Lines as the user sent them, checked in full: every problem is reported at once, by line and field
    (``lines.2.discount_percent``), and nothing is written when any is found."""
    raw = list(lines)
    keys = [str(getattr(row.get("product"), "pk", row.get("product"))) for row in raw]
    wanted = {int(key) for key in keys if key.isdigit()}
    products = {p.pk: p for p in Product.objects.filter(pk__in=wanted)}
    errors: dict[str, list[str]] = {}
    rows: list[QuoteLine] = []
    if not raw:
        errors["lines"] = [_("Add at least one product line.")]
    for index, data in enumerate(raw):
        prefix = f"lines.{index}."
        given = str(getattr(data.get("product"), "pk", data.get("product")))
        product = products.get(int(given)) if given.isdigit() else None
        if product is None or product.business_unit_id != unit_id:
            errors.setdefault(prefix + "product", []).append(_("Choose a product of your business unit."))
        elif not product.on_sale:
            errors.setdefault(prefix + "product", []).append(_("This product is off sale and cannot be quoted."))
        quantity = _number(data.get("quantity", 1), prefix + "quantity", errors, positive=True)
        price = data.get("unit_price")
        if price in (None, ""):  # the list price, when there is a product to take it from
            price = product.list_price if product else 0
        unit_price = _number(price, prefix + "unit_price", errors)
        discount = _number(data.get("discount_percent") or 0, prefix + "discount_percent", errors)
        if discount > HUNDRED:
            errors.setdefault(prefix + "discount_percent", []).append(_("A discount cannot exceed 100 %."))
        if product is None:
            continue
        tax = data.get("tax_rate")
        line = QuoteLine(
            position=index,
            product=product,
            description=str(data.get("description") or product.name)[:200],
            quantity=quantity.quantize(FEN),
            unit_price=unit_price.quantize(FEN),
            discount_percent=discount.quantize(FEN),
            tax_rate=_number(product.tax_rate if tax in (None, "") else tax, prefix + "tax_rate", errors).quantize(FEN),
            customer=customer,
        )
        if line.tax_rate > HUNDRED:
            errors.setdefault(prefix + "tax_rate", []).append(_("At most %(high)s.") % {"high": 100})
        if quantity.as_tuple().exponent < -2 or unit_price.as_tuple().exponent < -2:  # type: ignore[operator]
            errors.setdefault(prefix + "unit_price", []).append(_("At most two decimal places."))
        line.below_floor = line.net_unit_price < product.floor_price
        rows.append(line)
    if errors:
        raise ValidationError(errors)
    return rows


def _check_parts(actor: User, customer: Customer, data: Mapping[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))
    contact = data.get("contact")
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = [_("Choose a contact of this customer.")]
    opportunity = data.get("opportunity")
    if opportunity is not None:
        from ..models import Opportunity

        if (
            opportunity.customer_id != customer.pk
            or not Opportunity.objects.visible_to(actor).filter(pk=opportunity.pk).exists()
        ):
            errors["opportunity"] = [_("Choose an opportunity of this customer.")]
    valid_until = data.get("valid_until")
    if valid_until is not None and valid_until < timezone.localdate():
        errors["valid_until"] = [_("The validity cannot end in the past.")]
    if errors:
        raise ValidationError(errors)


def _apply_totals(quote: Quote, lines: Sequence[QuoteLine]) -> Totals:
    totals = totals_of(lines)
    quote.list_amount, quote.discount_amount = totals.list_amount, totals.discount_amount
    quote.net_amount, quote.tax_amount, quote.total = totals.net_amount, totals.tax_amount, totals.total
    return totals


def _audit_lines(lines: Sequence[QuoteLine]) -> list[str]:
    return [f"{line.product.code} {line.quantity}×{line.unit_price} -{line.discount_percent}%" for line in lines]


@transaction.atomic
def quote_create(
    *, actor: User, customer: Customer, data: Mapping[str, Any], lines: Iterable[Mapping[str, Any]]
) -> Quote:
    """A draft quote. Its number comes from the unit's numbering rule, its totals from its lines."""
    require_perm(actor, "quotes.create")
    unit = actor.business_unit_id
    if unit is None or customer.business_unit_id not in (None, unit):
        raise DomainError(_("Quote customers of your own business unit."), field="customer")
    _check_parts(actor, customer, data)
    rows = _clean_lines(unit, customer, lines)
    validity_days = parameter_value("quotes.validity_days", unit=unit)
    quote = Quote(
        business_unit_id=unit,
        customer=customer,
        owner=actor,
        created_by=actor,
        contact=data.get("contact"),
        opportunity=data.get("opportunity"),
        valid_until=data.get("valid_until") or timezone.localdate() + timedelta(days=validity_days),
        note=str(data.get("note") or "")[:2000],
    )
    _apply_totals(quote, rows)
    quote.number = number_next(kind="quote", prefix="BJ", unit=unit)
    quote.save()
    for line in rows:
        line.quote = quote
    QuoteLine.objects.bulk_create(rows)
    audit_log(actor=actor, action=Action.CREATE, obj=quote, changes={"lines": [[], _audit_lines(rows)]})
    return quote


def _locked(actor: User, quote: Quote, *, perm: str = "quotes.edit") -> Quote:
    require_perm(actor, perm)
    rows = Quote.objects.visible_to(actor).select_for_update().filter(pk=quote.pk)
    if rows.values_list("pk", flat=True).first() is None:
        raise NotPermitted(_("This quote is outside your data scope."))
    return Quote.objects.select_related("customer", "business_unit").get(pk=quote.pk)


def _check_version(row: Quote, version: int | None) -> None:
    if version is None or version != row.version:
        raise Conflict(_("Someone changed this quote meanwhile: reload it and try again."), code="stale_version")


def _bump(row: Quote, fields: list[str]) -> None:
    row.updated_at = timezone.now()
    Quote.objects.filter(pk=row.pk).update(
        version=F("version") + 1, **{f: getattr(row, f) for f in [*fields, "updated_at"]}
    )
    row.version += 1


@transaction.atomic
def quote_update(
    *,
    actor: User,
    quote: Quote,
    version: int | None,
    data: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]] | None = None,
) -> Quote:
    """Change a draft: its details and (when given) all of its lines."""
    row = _locked(actor, quote)
    _check_version(row, version)
    if not row.is_editable:
        raise DomainError(_("Only a draft can be changed: copy the quote to a new version."), code="not_draft")
    merged = {name: data.get(name, getattr(row, name)) for name in QUOTE_FIELDS}
    _check_parts(actor, row.customer, merged)
    rows = _clean_lines(row.business_unit_id, row.customer, lines) if lines is not None else None
    before = _audit_lines(list(row.lines.select_related("product")))
    for name in QUOTE_FIELDS:
        setattr(row, name, merged[name])
    fields = list(QUOTE_FIELDS)
    if rows is not None:
        row.lines.all().delete()
        for line in rows:
            line.quote = row
        QuoteLine.objects.bulk_create(rows)
        _apply_totals(row, rows)
        fields += ["list_amount", "discount_amount", "net_amount", "tax_amount", "total"]
    _bump(row, fields)
    changes = {"lines": [before, _audit_lines(rows)]} if rows is not None else {}
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=changes)
    return row


def needs_approval(quote: Quote, lines: Sequence[QuoteLine]) -> bool:
    """A line below its floor price, or a total discount above the unit's limit, needs an approver."""
    if any(line.below_floor for line in lines):
        return True
    limit = parameter_value("quotes.max_discount_percent", unit=quote.business_unit_id)
    return (
        Totals(
            quote.list_amount, quote.discount_amount, quote.net_amount, quote.tax_amount, quote.total
        ).discount_percent
        > limit
    )


def _move(row: Quote, to: str, *, allowed: Sequence[str], **extra: Any) -> None:
    """The status change as a conditional UPDATE: of two clicks at once one wins, the other gets 409."""
    now = timezone.now()
    moved = Quote.objects.filter(pk=row.pk, status__in=allowed).update(
        status=to, updated_at=now, version=F("version") + 1, **extra
    )
    if not moved:
        raise Conflict(_("This quote's status has changed meanwhile: reload it."), code="already_decided")
    row.status, row.version, row.updated_at = to, row.version + 1, now
    for name, value in extra.items():
        setattr(row, name, value)


@transaction.atomic
def quote_submit(*, actor: User, quote: Quote, version: int | None = None) -> Quote:
    """Draft → approved, or → pending approval when a price or the discount needs an approver."""
    row = _locked(actor, quote)
    if version is not None:
        _check_version(row, version)
    if row.status != QuoteStatus.DRAFT:
        raise Conflict(_("Only a draft can be submitted."), code="already_decided")
    if row.valid_until < timezone.localdate():
        raise DomainError(_("The validity cannot end in the past."), field="valid_until")
    lines = list(row.lines.select_related("product"))
    off = [line.product.code for line in lines if not line.product.on_sale or line.product.deleted_at]
    if off:
        raise DomainError(_("Off-sale products cannot be quoted: %(codes)s") % {"codes": ", ".join(off)}, field="lines")
    now = timezone.now()
    for line in lines:  # the floor price as it is now, not as it was when the draft was written
        line.below_floor, line.quoted_at = line.net_unit_price < line.product.floor_price, now
    QuoteLine.objects.bulk_update(lines, ["below_floor", "quoted_at"])
    needed = needs_approval(row, lines)
    _move(
        row,
        QuoteStatus.PENDING if needed else QuoteStatus.APPROVED,
        allowed=[QuoteStatus.DRAFT],
        submitted_at=now,
        needs_approval=needed,
    )
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": [QuoteStatus.DRAFT, row.status]})
    if needed:
        approval_submit(
            actor=actor,
            record_type=QUOTE_APPROVAL,
            obj=row,
            unit=row.business_unit_id,
            title=f"{row.number} {row.customer.name}",
            amount=row.total,
        )
    return row


@transaction.atomic
def quote_withdraw(*, actor: User, quote: Quote) -> Quote:
    """The salesperson takes a quote waiting for approval back to draft (before any decision)."""
    row = _locked(actor, quote)
    request = pending_request_for(record_type=QUOTE_APPROVAL, obj=row)
    if row.status != QuoteStatus.PENDING or request is None:
        raise Conflict(_("This quote does not wait for approval."), code="already_decided")
    approval_withdraw(actor=actor, request=request)  # calls _back_to_draft
    row.refresh_from_db()
    return row


def _approved(request: ApprovalRequest, actor: User, comment: str) -> None:
    row = Quote.objects.select_for_update().get(pk=int(request.object_id))
    _move(row, QuoteStatus.APPROVED, allowed=[QuoteStatus.PENDING])
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["pending", "approved"]}, note=comment)


def _back_to_draft(request: ApprovalRequest, actor: User, comment: str) -> None:
    """Rejected or withdrawn: the quote is a draft again, its prices no longer count as given."""
    row = Quote.objects.select_for_update().get(pk=int(request.object_id))
    _move(row, QuoteStatus.DRAFT, allowed=[QuoteStatus.PENDING], submitted_at=None)
    QuoteLine.objects.filter(quote=row).update(quoted_at=None)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["pending", "draft"]}, note=comment)


@transaction.atomic
def quote_send(*, actor: User, quote: Quote) -> Quote:
    """The approved quote went to the customer."""
    row = _locked(actor, quote)
    _move(row, QuoteStatus.SENT, allowed=[QuoteStatus.APPROVED], sent_at=timezone.now())
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["approved", "sent"]})
    return row


@transaction.atomic
def quote_accept(*, actor: User, quote: Quote) -> Quote:
    """The customer accepted: the opportunity's amount becomes the quote's total before tax."""
    row = _locked(actor, quote)
    if row.valid_until < timezone.localdate():
        raise DomainError(_("This quote is no longer valid: copy it to a new version."), code="expired")
    _move(row, QuoteStatus.ACCEPTED, allowed=[QuoteStatus.SENT, QuoteStatus.APPROVED], closed_at=timezone.now())
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["sent", "accepted"]})
    if row.opportunity_id:
        from ..models import Opportunity

        before = Opportunity.objects.filter(pk=row.opportunity_id).values_list("amount", flat=True).first()
        Opportunity.objects.filter(pk=row.opportunity_id).update(
            amount=row.net_amount, updated_at=timezone.now(), version=F("version") + 1
        )
        audit_log(
            actor=actor,
            action=Action.UPDATE,
            object_type="sales.opportunity",
            object_id=str(row.opportunity_id),
            object_repr=row.number,
            changes={"amount": [str(before), str(row.net_amount)]},
            note=row.number,
        )
    return row


@transaction.atomic
def quote_reject(*, actor: User, quote: Quote, reason: str = "") -> Quote:
    """The customer turned the quote down."""
    row = _locked(actor, quote)
    _move(row, QuoteStatus.REJECTED, allowed=[QuoteStatus.SENT, QuoteStatus.APPROVED], closed_at=timezone.now())
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["sent", "rejected"]}, note=reason[:500])
    return row


@transaction.atomic
def quote_copy(*, actor: User, quote: Quote) -> Quote:
    """A new draft version with the same lines (at the products' current rules), valid from today."""
    row = _locked(actor, quote, perm="quotes.create")
    lines = [
        {
            "product": line.product_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent,
            "tax_rate": line.tax_rate,
        }
        for line in row.lines.all()
    ]
    rows = _clean_lines(row.business_unit_id, row.customer, lines)
    root = row.previous or row
    Quote.all_objects.select_for_update().filter(pk=root.pk).values_list("pk", flat=True).get()  # versions in turn
    revision = Quote.all_objects.filter(previous=root).count() + 2
    unit = row.business_unit_id
    copy = Quote(
        business_unit_id=unit,
        customer=row.customer,
        contact=row.contact,
        opportunity=row.opportunity,
        owner=actor,
        created_by=actor,
        note=row.note,
        previous=root,
        revision=revision,
        number=f"{root.number}-{revision}",
        valid_until=timezone.localdate() + timedelta(days=parameter_value("quotes.validity_days", unit=unit)),
    )
    _apply_totals(copy, rows)
    copy.save()
    for line in rows:
        line.quote = copy
    QuoteLine.objects.bulk_create(rows)
    audit_log(actor=actor, action=Action.CREATE, obj=copy, changes={"previous": [None, row.number]})
    return copy


@transaction.atomic
def quote_delete(*, actor: User, quote: Quote) -> None:
    row = _locked(actor, quote, perm="quotes.delete")
    if row.status not in (QuoteStatus.DRAFT, QuoteStatus.EXPIRED, QuoteStatus.REJECTED):
        raise DomainError(_("Only a draft, expired or rejected quote can be deleted."), code="in_use")
    Quote.all_objects.filter(pk=row.pk).update(deleted_at=timezone.now())
    audit_log(actor=actor, action=Action.DELETE, obj=row)


def quotes_expire(*, at: datetime) -> int:
    """The sweep: approved or sent quotes whose validity ended before ``at``'s day expire. Each batch is
    claimed by a conditional UPDATE, so two workers or a re-run expire each quote once."""
    today: date = timezone.localtime(at).date()
    due = Quote.objects.filter(status__in=[QuoteStatus.APPROVED, QuoteStatus.SENT], valid_until__lt=today)
    expired = 0
    while True:
        ids = list(due.values_list("pk", flat=True)[:500])
        if not ids:
            return expired
        with transaction.atomic():
            expired += Quote.objects.filter(
                pk__in=ids, status__in=[QuoteStatus.APPROVED, QuoteStatus.SENT], valid_until__lt=today
            ).update(status=QuoteStatus.EXPIRED, closed_at=at, updated_at=at, version=F("version") + 1)


def register() -> None:
    """Quotes as a record type of the approval engine; their parameters and their number."""
    from django.urls import reverse

    from guanxi.core.config.parameters import register_parameter, register_parameter_group
    from guanxi.workflows.registry import RecordType, register_record_type

    register_record_type(
        RecordType(
            QUOTE_APPROVAL,
            gettext_lazy("Quote below the floor price or over the discount limit"),
            on_approved=_approved,
            on_rejected=_back_to_draft,
            on_withdrawn=_back_to_draft,
            url=lambda object_id: reverse("sales:quote", args=[object_id]),
        )
    )
    register_parameter_group("quotes", gettext_lazy("Quotes"), 65)
    register_parameter(
        "quotes.max_discount_percent",
        gettext_lazy("Largest total discount without approval (%)"),
        "decimal",
        Decimal("10"),
        min=Decimal(0),
        max=Decimal(100),
        group="quotes",
    )
    register_parameter(
        "quotes.validity_days",
        gettext_lazy("A new quote is valid for (days)"),
        "int",
        30,
        min=1,
        max=365,
        group="quotes",
    )
