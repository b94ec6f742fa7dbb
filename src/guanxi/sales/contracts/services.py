"""Every write on contracts (SPEC §7.3): the number (the unit's numbering rule or typed, unique within the
unit), the dates and amount checked, lines copied from the quote, approval through the engine (thresholds by
amount in the unit's flow), signing (the customer becomes won as of the signed date), voiding with a reason
and an approval, copying a voided contract, renewing, and the sweeps that start contracts and remind owners
of their end."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from guanxi.core.audit import Action, audit_log, diff, snapshot
from guanxi.core.config.numbering import number_next
from guanxi.core.config.parameters import parameter_value
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.notifications.services import Message, notify_each
from guanxi.core.outbox import emit
from guanxi.core.permissions import require_perm
from guanxi.core.texts import Text
from guanxi.customers.models import Customer
from guanxi.org.models import User
from guanxi.pool.lifecycle import Event
from guanxi.workflows.models import ApprovalRequest
from guanxi.workflows.services import approval_submit, approval_withdraw, flow_steps, pending_request_for

from ..deals import deal_made, deal_undone
from ..quotes.models import Quote, QuoteLine, QuoteStatus
from ..quotes.services import _clean_lines as clean_quote_lines
from ..quotes.services import totals_of
from .models import RUNNING_STATUSES, Contract, ContractAttachment, ContractLine, ContractStatus

CONTRACT_APPROVAL = "sales.contract"
CONTRACT_VOID = "sales.contract_void"
FIELDS = [
    "title", "opportunity", "amount", "start_on", "end_on", "our_signatory", "their_signatory", "payment_terms",
    "note",
]  # fmt: skip
TEXTS = ("title", "our_signatory", "their_signatory", "payment_terms", "note")
AUDITED = ["number", *FIELDS, "status", "signed_on", "void_reason"]
QUOTABLE = (QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.ACCEPTED)
LINE_COPY = ("product_id", "description", "quantity", "unit_price", "discount_percent", "tax_rate",
             "net_amount", "tax_amount", "amount")  # fmt: skip


class DuplicateNumber(Conflict):
    code = "duplicate_number"


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _lines(unit_id: int, customer: Customer, lines: Iterable[Mapping[str, Any]]) -> list[ContractLine]:
    """Typed lines, checked and priced as a quote's are (every problem reported by line and field). A
    contract may have none: its amount is what was agreed."""
    raw = list(lines)
    if not raw:
        return []
    rows = clean_quote_lines(unit_id, customer, raw)
    totals_of(rows)
    return [_line_from(line, index) for index, line in enumerate(rows)]


def _line_from(line: QuoteLine, position: int) -> ContractLine:
    return ContractLine(position=position, **{name: getattr(line, name) for name in LINE_COPY})


def _quote_lines(quote: Quote) -> list[ContractLine]:
    return [_line_from(line, index) for index, line in enumerate(quote.lines.all())]


def _check(actor: User, customer: Customer, data: Mapping[str, Any], quote: Quote | None) -> None:
    """Everything about the contract's details at once, by field; nothing is written when any is wrong."""
    from ..models import Opportunity

    errors: dict[str, list[str]] = {}
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))
    opportunity = data.get("opportunity")
    if opportunity is not None and (
        opportunity.customer_id != customer.pk
        or not Opportunity.objects.visible_to(actor).filter(pk=opportunity.pk).exists()
    ):
        errors["opportunity"] = [_("Choose an opportunity of this customer.")]
    if quote is not None:
        if quote.customer_id != customer.pk or not Quote.objects.visible_to(actor).filter(pk=quote.pk).exists():
            errors["quote"] = [_("Choose a quote of this customer.")]
        elif quote.status not in QUOTABLE:
            errors["quote"] = [_("Only an approved, sent or accepted quote becomes a contract.")]
    if not str(data.get("title") or "").strip():
        errors["title"] = [_("This field is required.")]
    amount = _decimal(data.get("amount"))
    if amount is None:
        errors["amount"] = [_("Enter a number.")]
    elif amount <= 0:
        errors["amount"] = [_("The contract amount must be more than zero.")]
    elif amount.as_tuple().exponent < -2 or amount >= Decimal("1e14"):  # type: ignore[operator]
        errors["amount"] = [_("At most two decimal places.")]
    start, end = data.get("start_on"), data.get("end_on")
    if not isinstance(start, date):
        errors["start_on"] = [_("Enter a date.")]
    if not isinstance(end, date):
        errors["end_on"] = [_("Enter a date.")]
    elif isinstance(start, date) and end <= start:
        errors["end_on"] = [_("The end date must be after the start date.")]
    if errors:
        raise ValidationError(errors)


def _number(actor: User, unit: int, typed: str, *, exclude: int | None = None) -> str:
    typed = typed.strip()
    if not typed:
        return number_next(kind="contract", prefix="HT", unit=unit)
    if len(typed) > 40:
        raise DomainError(_("At most %(max)d characters.") % {"max": 40}, field="number")
    taken = Contract.objects.filter(business_unit_id=unit, number=typed)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise DuplicateNumber(
            _("Contract number %(number)s is already used in this business unit.") % {"number": typed}
        )
    return typed


def _save_new(row: Contract) -> None:
    """Insert; a number taken meanwhile is refused by the database's unique constraint."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise DuplicateNumber(
            _("Contract number %(number)s is already used in this business unit.") % {"number": row.number}
        ) from None


def _insert_lines(row: Contract, lines: Sequence[ContractLine]) -> None:
    for position, line in enumerate(lines):
        line.contract, line.position, line.pk = row, position, None
    ContractLine.objects.bulk_create(lines)


def _audit_lines(lines: Iterable[ContractLine]) -> list[str]:
    return [f"{line.product_id} {line.quantity}×{line.unit_price} -{line.discount_percent}%" for line in lines]


@transaction.atomic
def contract_create(
    *,
    actor: User,
    customer: Customer,
    data: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]] | None = None,
    quote: Quote | None = None,
) -> Contract:
    """A draft contract. From a quote, its lines are copied (and its total is the default amount); its number
    is typed or comes from the unit's numbering rule."""
    require_perm(actor, "contracts.create")
    unit = actor.business_unit_id
    if unit is None or customer.business_unit_id not in (None, unit):
        raise DomainError(_("Contract with customers of your own business unit."), field="customer")
    values = dict(data)
    if quote is not None:
        quote = Quote.objects.get(pk=quote.pk)  # its status as it is now
        values.setdefault("opportunity", quote.opportunity)
        if values.get("amount") in (None, ""):
            values["amount"] = quote.total
    copied = _quote_lines(quote) if quote is not None else []
    rows = _lines(unit, customer, lines) if lines is not None else copied
    if values.get("amount") in (None, "") and rows:  # the lines' total, unless an amount was agreed
        values["amount"] = sum((line.amount for line in rows), Decimal(0))
    _check(actor, customer, values, quote)
    contract = Contract(
        business_unit_id=unit,
        customer=customer,
        quote=quote,
        owner=actor,
        created_by=actor,
        **{name: values.get(name) for name in ("opportunity", "start_on", "end_on")},
        amount=_decimal(values["amount"]) or Decimal(0),  # checked above: more than zero
        **{name: str(values.get(name) or "").strip() for name in TEXTS},
    )
    contract.number = _number(actor, unit, str(values.get("number") or ""))
    _save_new(contract)
    _insert_lines(contract, rows)
    audit_log(
        actor=actor,
        action=Action.CREATE,
        obj=contract,
        changes={"lines": [[], _audit_lines(rows)], **({"quote": [None, quote.number]} if quote else {})},
    )
    return contract


def _locked(actor: User, contract: Contract, *, perm: str = "contracts.edit") -> Contract:
    require_perm(actor, perm)
    rows = Contract.objects.visible_to(actor).select_for_update().filter(pk=contract.pk)
    if rows.values_list("pk", flat=True).first() is None:
        raise NotPermitted(_("This contract is outside your data scope."))
    return Contract.objects.select_related("customer", "business_unit").get(pk=contract.pk)


def _check_version(row: Contract, version: int | None) -> None:
    if version is None or version != row.version:
        raise Conflict(_("Someone changed this contract meanwhile: reload it and try again."), code="stale_version")


@transaction.atomic
def contract_update(
    *,
    actor: User,
    contract: Contract,
    version: int | None,
    data: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]] | None = None,
) -> Contract:
    """Change a draft: its number, details and (when given) all of its lines. Anything past draft is locked:
    a signed contract changes only by voiding it and copying it to a new draft."""
    row = _locked(actor, contract)
    _check_version(row, version)
    if not row.is_editable:
        raise DomainError(
            _("Only a draft contract can be changed; a signed one is locked until it is voided."), code="not_editable"
        )
    merged = {name: data.get(name, getattr(row, name)) for name in FIELDS}
    _check(actor, row.customer, merged, None)
    rows = _lines(row.business_unit_id, row.customer, lines) if lines is not None else None
    before = snapshot(row, AUDITED)
    if "number" in data and str(data["number"] or "").strip() != row.number:
        row.number = _number(actor, row.business_unit_id, str(data["number"] or ""), exclude=row.pk)
    for name in FIELDS:
        value = merged[name]
        setattr(row, name, _decimal(value) if name == "amount" else value)
    changes = diff(before, snapshot(row, AUDITED))
    if rows is not None:
        changes["lines"] = [_audit_lines(row.lines.all()), _audit_lines(rows)]
        row.lines.all().delete()
        _insert_lines(row, rows)
    row.version += 1
    row.updated_at = timezone.now()
    try:
        with transaction.atomic():
            row.save(update_fields=["number", *FIELDS, "version", "updated_at"])
    except IntegrityError:
        raise DuplicateNumber(
            _("Contract number %(number)s is already used in this business unit.") % {"number": row.number}
        ) from None
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=changes)
    return row


def _move(row: Contract, to: str, *, allowed: Sequence[str], **extra: Any) -> None:
    """The status change as a conditional UPDATE: of two clicks at once one wins, the other gets 409."""
    now = timezone.now()
    moved = Contract.objects.filter(pk=row.pk, status__in=allowed).update(
        status=to, updated_at=now, version=F("version") + 1, **extra
    )
    if not moved:
        raise Conflict(_("This contract's status has changed meanwhile: reload it."), code="wrong_status")
    row.status, row.version, row.updated_at = to, row.version + 1, now
    for name, value in extra.items():
        setattr(row, name, value)


def _title(row: Contract) -> str:
    return f"{row.number} {row.customer.name} ¥{row.amount:,}"


@transaction.atomic
def contract_submit(*, actor: User, contract: Contract, version: int | None = None) -> Contract:
    """Draft → pending approval; straight to approved when the unit's flow has no step for this amount."""
    row = _locked(actor, contract)
    if version is not None:
        _check_version(row, version)
    if row.status != ContractStatus.DRAFT:
        raise Conflict(_("Only a draft can be submitted."), code="wrong_status")
    steps = flow_steps(unit_id=row.business_unit_id, record_type=CONTRACT_APPROVAL, amount=row.amount)
    now = timezone.now()
    target = ContractStatus.PENDING if steps else ContractStatus.APPROVED
    _move(row, target, allowed=[ContractStatus.DRAFT], submitted_at=now)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["draft", row.status]})
    if steps:
        approval_submit(
            actor=actor,
            record_type=CONTRACT_APPROVAL,
            obj=row,
            unit=row.business_unit_id,
            title=_title(row),
            amount=row.amount,
        )
    return row


@transaction.atomic
def contract_withdraw(*, actor: User, contract: Contract) -> Contract:
    """Take a contract waiting for approval back to draft, or a void waiting for approval back."""
    row = _locked(actor, contract)
    kind = CONTRACT_VOID if row.void_pending else CONTRACT_APPROVAL
    request = pending_request_for(record_type=kind, obj=row)
    if request is None:
        raise Conflict(_("This contract does not wait for approval."), code="wrong_status")
    approval_withdraw(actor=actor, request=request)
    row.refresh_from_db()
    return row


def _approved(request: ApprovalRequest, actor: User, comment: str) -> None:
    row = Contract.objects.select_for_update().get(pk=int(request.object_id))
    _move(row, ContractStatus.APPROVED, allowed=[ContractStatus.PENDING])
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["pending", "approved"]}, note=comment)


def _back_to_draft(request: ApprovalRequest, actor: User, comment: str) -> None:
    """Rejected or withdrawn: a draft again; the customer's status does not move."""
    row = Contract.objects.select_for_update().get(pk=int(request.object_id))
    _move(row, ContractStatus.DRAFT, allowed=[ContractStatus.PENDING], submitted_at=None)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["pending", "draft"]}, note=comment)


@transaction.atomic
def contract_sign(
    *, actor: User, contract: Contract, signed_on: date | None = None, version: int | None = None
) -> Contract:
    """Approved → signed on ``signed_on`` (today by default, never in the future). The customer's first
    signed contract makes it won as of that date."""
    row = _locked(actor, contract)
    if version is not None:
        _check_version(row, version)
    today = timezone.localdate()
    day = signed_on or today
    if day > today:
        raise DomainError(_("The signed date cannot be in the future."), field="signed_on")
    if row.status != ContractStatus.APPROVED:
        raise Conflict(_("Only an approved contract can be signed."), code="wrong_status")
    _move(row, ContractStatus.SIGNED, allowed=[ContractStatus.APPROVED], signed_on=day)
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=row,
        changes={"status": ["approved", "signed"], "signed_on": [None, str(day)]},
    )
    deal_made(actor=actor, customer_id=row.customer_id, on=day, event=Event.CONTRACT_SIGNED, note=row.number)
    emit("contract.signed", row, actor=actor)
    return row


@transaction.atomic
def contract_close(*, actor: User, contract: Contract, terminate: bool = False, reason: str = "") -> Contract:
    """A running contract is completed, or terminated early (with a reason)."""
    row = _locked(actor, contract)
    reason = reason.strip()[:500]
    if terminate and not reason:
        raise DomainError(_("Say why the contract is terminated."), field="reason")
    if row.void_pending:
        raise Conflict(_("A void of this contract waits for approval."), code="wrong_status")
    target = ContractStatus.TERMINATED if terminate else ContractStatus.COMPLETED
    before = row.status
    if before not in RUNNING_STATUSES:
        raise Conflict(_("Only a signed or running contract can be closed."), code="wrong_status")
    _move(row, target, allowed=list(RUNNING_STATUSES), closed_at=timezone.now())
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": [before, target]}, note=reason)
    return row


VOIDABLE = (ContractStatus.APPROVED, *RUNNING_STATUSES)


@transaction.atomic
def contract_void(*, actor: User, contract: Contract, reason: str) -> Contract:
    """Ask to void an approved or signed contract: a reason is required and the void goes through approval;
    the contract stays as it is until the approver decides."""
    row = _locked(actor, contract)
    reason = (reason or "").strip()[:500]
    if not reason:
        raise DomainError(_("Say why the contract is voided."), field="reason")
    if row.status not in VOIDABLE:
        raise Conflict(_("Only an approved or signed contract can be voided."), code="wrong_status")
    if not Contract.objects.filter(pk=row.pk, void_pending=False).update(
        void_pending=True, void_reason=reason, version=F("version") + 1, updated_at=timezone.now()
    ):
        raise Conflict(_("A void of this contract waits for approval."), code="already_pending")
    row.void_pending, row.void_reason, row.version = True, reason, row.version + 1
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"void_pending": [False, True]}, note=reason)
    approval_submit(
        actor=actor,
        record_type=CONTRACT_VOID,
        obj=row,
        unit=row.business_unit_id,
        title=f"{_title(row)}: {reason}",  # the inbox shows the kind (voiding a contract) in its reader's language
        amount=row.amount,
    )
    return row


def _void_approved(request: ApprovalRequest, actor: User, comment: str) -> None:
    row = Contract.objects.select_related("customer").select_for_update().get(pk=int(request.object_id))
    before = row.status
    _move(row, ContractStatus.VOIDED, allowed=list(VOIDABLE), void_pending=False, closed_at=timezone.now())
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": [before, "voided"]}, note=row.void_reason)
    if before in RUNNING_STATUSES:
        deal_undone(actor=actor, customer_id=row.customer_id, note=row.number)


def _void_refused(request: ApprovalRequest, actor: User, comment: str) -> None:
    """The void was rejected or withdrawn: the contract runs on as before."""
    Contract.objects.filter(pk=int(request.object_id)).update(
        void_pending=False, version=F("version") + 1, updated_at=timezone.now()
    )
    row = Contract.objects.get(pk=int(request.object_id))
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"void_pending": [True, False]}, note=comment)


def _copy(actor: User, row: Contract, **values: Any) -> Contract:
    unit = row.business_unit_id
    copy = Contract(
        business_unit_id=unit,
        customer=row.customer,
        opportunity=row.opportunity,
        quote=row.quote,
        owner=actor,
        created_by=actor,
        title=row.title,
        amount=row.amount,
        start_on=row.start_on,
        end_on=row.end_on,
        our_signatory=row.our_signatory,
        their_signatory=row.their_signatory,
        payment_terms=row.payment_terms,
        note=row.note,
        **values,
    )
    copy.number = number_next(kind="contract", prefix="HT", unit=unit)
    _save_new(copy)
    lines = list(row.lines.all())
    _insert_lines(copy, lines)
    return copy


@transaction.atomic
def contract_copy(*, actor: User, contract: Contract) -> Contract:
    """A voided contract copied to a new draft (with a new number), to be corrected and signed again."""
    row = _locked(actor, contract, perm="contracts.create")
    if row.status != ContractStatus.VOIDED:
        raise Conflict(_("Only a voided contract is copied; renew a running one."), code="wrong_status")
    copy = _copy(actor, row, copied_from=row)
    audit_log(actor=actor, action=Action.CREATE, obj=copy, changes={"copied_from": [None, row.number]})
    return copy


@transaction.atomic
def contract_renew(*, actor: User, contract: Contract) -> Contract:
    """A renewal: a new draft linked to this contract, starting the day after it ends, for as long."""
    row = _locked(actor, contract, perm="contracts.create")
    if row.status not in (*RUNNING_STATUSES, ContractStatus.COMPLETED):
        raise Conflict(_("Only a signed, running or completed contract can be renewed."), code="wrong_status")
    start = row.end_on + timedelta(days=1)
    copy = _copy(actor, row, renews=row)
    copy.start_on, copy.end_on = start, start + (row.end_on - row.start_on)
    copy.save(update_fields=["start_on", "end_on"])
    audit_log(actor=actor, action=Action.CREATE, obj=copy, changes={"renews": [None, row.number]})
    return copy


@transaction.atomic
def contract_delete(*, actor: User, contract: Contract) -> None:
    """Only a draft is deleted (soft); anything further is voided instead, and a contract with orders stays."""
    row = _locked(actor, contract, perm="contracts.delete")
    if row.status != ContractStatus.DRAFT:
        raise Conflict(_("Only a draft contract can be deleted; void a signed one."), code="in_use")
    if row.orders.exists():
        raise Conflict(_("This contract has orders."), code="in_use")
    Contract.all_objects.filter(pk=row.pk).update(deleted_at=timezone.now())
    audit_log(actor=actor, action=Action.DELETE, obj=row)


MAX_ATTACHMENTS = 20


@transaction.atomic
def contract_attach(*, actor: User, contract: Contract, files: Sequence[UploadedFile]) -> list[ContractAttachment]:
    """Add the signed scan or annexes, in any status but voided (a file does not change the terms). The whole
    set is refused if one file is wrong (its type by its first bytes, its size, empty, too many)."""
    from pathlib import PurePath

    from guanxi.core.uploads import upload_type, uploads_clean

    row = _locked(actor, contract)
    if row.status == ContractStatus.VOIDED:
        raise Conflict(_("A voided contract takes no more files."), code="wrong_status")
    if not files:
        raise DomainError(_("Choose a file."), field="files", code="required")
    uploads_clean(
        files,
        already=row.attachments.count(),
        most=MAX_ATTACHMENTS,
        too_many=_("At most %(count)d files per contract."),
    )
    saved = [
        ContractAttachment.objects.create(
            contract=row,
            file=upload,
            name=PurePath(upload.name or "file").name[:200],
            content_type=upload_type(upload),
            size=upload.size or 0,
            uploaded_by=actor,
        )
        for upload in files
    ]
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"attachments": [None, [a.name for a in saved]]})
    return saved


# --- sweeps ------------------------------------------------------------------------------------------------


def contracts_start(*, at: datetime) -> int:
    """Signed contracts whose start date has come are in progress (a conditional UPDATE: once each)."""
    today = timezone.localtime(at).date()
    return Contract.objects.filter(status=ContractStatus.SIGNED, start_on__lte=today).update(
        status=ContractStatus.IN_PROGRESS, updated_at=at, version=F("version") + 1
    )


def contracts_remind(*, at: datetime) -> int:
    """Tell each owner of a running contract that ends within their unit's reminder window (default 30 days)
    once: each batch is claimed by a conditional UPDATE on ``reminded_at``, so two workers or a re-run never
    remind twice. Returns how many contracts were reminded."""
    from guanxi.org.models import BusinessUnit

    today = timezone.localtime(at).date()
    reminded = 0
    for unit in BusinessUnit.objects.values_list("pk", flat=True):
        days = parameter_value("contracts.expiry_reminder_days", unit=unit)
        due = Contract.objects.filter(
            business_unit_id=unit,
            status__in=RUNNING_STATUSES,
            reminded_at__isnull=True,
            end_on__lte=today + timedelta(days=days),
            end_on__gte=today,
        )
        while True:
            ids = list(due.values_list("pk", flat=True)[:500])
            if not ids:
                break
            with transaction.atomic():
                claimed = list(
                    Contract.objects.select_for_update(skip_locked=True)
                    .filter(pk__in=ids, reminded_at__isnull=True)
                    .select_related("owner", "customer")
                )
                Contract.objects.filter(pk__in=[row.pk for row in claimed]).update(reminded_at=at)
                notify_each(
                    kind="contract_expiring",
                    messages=[
                        Message(
                            row.owner,
                            Text(
                                gettext_noop("Contract %(number)s with %(customer)s ends on %(end)s"),
                                number=row.number,
                                customer=row.customer.name,
                                end=row.end_on.isoformat(),
                            ),
                            url=row.get_absolute_url(),
                            obj=row,
                        )
                        for row in claimed
                    ],
                )
                reminded += len(claimed)
                if not claimed:
                    break
    return reminded


def customers_contract_lapsed(*, at: datetime) -> int:
    """The optional contract-end rule of the pool (SPEC §3.2; off while ``pool.contract_end_days`` is 0): a won
    customer whose last signed contract ended more than that many days ago, with no new contract in the
    making and no order since, goes back to its pool (reason ``contract_ended``). Each customer is released
    by the pool's conditional update on its owner, so a re-run or a second worker returns it once. Returns how
    many went back."""
    from django.db.models import Exists, OuterRef, Subquery

    from guanxi.customers.models import Lifecycle
    from guanxi.org.models import BusinessUnit
    from guanxi.pool.models import PoolEvent
    from guanxi.pool.services.returns import customers_release

    from ..orders.models import DEAL_STATUSES as ORDER_DEALS
    from ..orders.models import Order
    from .models import DEAL_STATUSES

    today = timezone.localtime(at).date()
    returned = 0
    for unit in BusinessUnit.objects.values_list("pk", flat=True):
        days = parameter_value("pool.contract_end_days", unit=unit)
        if not days:
            continue
        making = Contract.objects.filter(
            customer=OuterRef("pk"),
            status__in=[ContractStatus.DRAFT, ContractStatus.PENDING, ContractStatus.APPROVED],
        )
        lapsed = (
            Customer.objects.filter(
                business_unit_id=unit, status=Lifecycle.WON, owner__isnull=False, locked_at__isnull=True
            )
            .annotate(
                last_end=Subquery(
                    Contract.objects.filter(customer=OuterRef("pk"), status__in=DEAL_STATUSES)
                    .order_by("-end_on")
                    .values("end_on")[:1]
                )
            )
            .filter(last_end__lt=today - timedelta(days=days))
            .exclude(Exists(making))
            .exclude(
                Exists(
                    Order.objects.filter(
                        customer=OuterRef("pk"), status__in=ORDER_DEALS, ordered_on__gt=OuterRef("last_end")
                    )
                )
            )
            .select_related("owner__department", "pool")
            .order_by("pk")
        )
        while True:
            batch = list(lapsed[:500])
            if not batch:
                break
            with transaction.atomic():
                returned += customers_release(None, batch, PoolEvent.Kind.RECLAIM, reason="contract_ended")
    return returned


def register() -> None:
    """Contracts as record types of the approval engine (signing and voiding), their parameter, their
    notification and their number."""
    from django.urls import reverse

    from guanxi.core.config.parameters import register_parameter, register_parameter_group
    from guanxi.core.notifications.kinds import register_kind
    from guanxi.workflows.registry import RecordType, register_record_type

    def url(object_id: str) -> str:
        return reverse("sales:contract", args=[object_id])

    register_record_type(
        RecordType(
            CONTRACT_APPROVAL,
            gettext_lazy("Contract"),
            on_approved=_approved,
            on_rejected=_back_to_draft,
            on_withdrawn=_back_to_draft,
            url=url,
        )
    )
    register_record_type(
        RecordType(
            CONTRACT_VOID,
            gettext_lazy("Voiding a contract"),
            on_approved=_void_approved,
            on_rejected=_void_refused,
            on_withdrawn=_void_refused,
            url=url,
        )
    )
    register_parameter_group("contracts", gettext_lazy("Contracts"), 66)
    register_parameter(
        "contracts.expiry_reminder_days",
        gettext_lazy("Remind the owner this many days before a contract ends"),
        "int",
        30,
        min=1,
        max=365,
        group="contracts",
    )
    register_kind("contract_expiring", gettext_lazy("My contracts about to end"))
    register_parameter(
        "pool.contract_end_days",
        gettext_lazy("Return a won customer this many days after its last contract ended (0: never)"),
        "int",
        0,
        min=0,
        max=3650,
        group="pool",
        help=gettext_lazy("Unless a new contract is being made or an order came after it."),
    )
