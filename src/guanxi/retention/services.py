"""Every write on churn alerts (SPEC §10.1–10.2): the daily sweep that raises them (at most one open alert a
customer, decided by the partial unique index), retaining with a measure (a plan or a follow-up through
activities), recovered when the customer orders again, lost with a reason (the customer churns through the
lifecycle events) and won again when a lost customer orders."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log
from guanxi.core.bulk import among, rows_update
from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.context import client_ip
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.models import AuditEntry
from guanxi.core.notifications.services import Message, notify_each
from guanxi.core.outbox import emit
from guanxi.core.permissions import require_perm
from guanxi.core.texts import Amount, Text
from guanxi.customers.models import Customer, Lifecycle
from guanxi.org.models import BusinessUnit, User
from guanxi.pool.lifecycle import Event, customer_lifecycle_event

from .models import OPEN_STATUSES, REASON_DICTIONARY, AlertStatus, ChurnAlert, Rule
from .rules import Won, evaluate, unit_params

BATCH = 2000
NOTIFY_KIND = "churn_alert"


# --- the sweep ---------------------------------------------------------------------------------------------


def churn_scan(at: datetime, *, batch: int = BATCH) -> dict[str, int]:
    """Check every won customer of every unit as of ``at``: a customer some rule fires for gets an alert
    (owner and manager told, one notification each a batch), or its open alert's figures are refreshed. Safe
    with any number of concurrent runs: the partial unique index lets one alert in, the others insert
    nothing, and only the run whose token the alert carries tells anyone."""
    totals = {"checked": 0, "raised": 0, "refreshed": 0}
    for unit_id in BusinessUnit.objects.order_by("pk").values_list("pk", flat=True):
        params = unit_params(unit_id)
        last = 0
        while True:
            rows = list(  # plain rows, not model instances: a sweep reads a few hundred thousand
                Customer.objects.filter(business_unit_id=unit_id, status=Lifecycle.WON, pk__gt=last)
                .order_by("pk")
                .values_list("pk", "last_order_at", "last_followup_at", "created_at", named=True)[:batch]
            )
            if not rows:
                break
            last = rows[-1].pk
            totals["checked"] += len(rows)
            fired = evaluate(rows, at, params)
            if fired:
                raised, refreshed = _raise_batch(unit_id, [row for row in rows if row.pk in fired], fired, at)
                totals["raised"] += raised
                totals["refreshed"] += refreshed
    return totals


@transaction.atomic
def _raise_batch(
    unit_id: int, rows: list[Won], fired: dict[int, list[dict[str, Any]]], at: datetime
) -> tuple[int, int]:
    now = timezone.now()
    batch = among([row.pk for row in rows])  # a filter on these customers
    open_alerts = ChurnAlert.objects.filter(customer_id__in=batch, status__in=OPEN_STATUSES)
    # Locked without waiting: the pool's return changes alerts too (their owner, by a trigger) in an order of its
    # own, and waiting in two orders deadlocks. An alert locked elsewhere keeps its figures until the next run.
    locked = list(open_alerts.select_for_update(skip_locked=True).values_list("pk", "customer_id"))
    # set-based, and only the alerts whose figures changed (``checked_at``: when they last did), so a re-run
    # the same day writes nothing
    refreshed = rows_update(
        ChurnAlert, ["reasons", "checked_at"], [(pk, fired[c], at) for pk, c in locked], changed=["reasons"]
    )
    having = set(open_alerts.values_list("customer_id", flat=True))  # locked or not: one open alert a customer
    token = uuid.uuid4().hex
    ChurnAlert.objects.bulk_create(
        [
            ChurnAlert(
                business_unit_id=unit_id,
                customer_id=row.pk,
                reasons=fired[row.pk],
                raised_at=at,
                checked_at=at,
                created_at=now,
                updated_at=now,
                custom={"run": token},
            )
            for row in rows
            if row.pk not in having
        ],
        ignore_conflicts=True,  # another run's alert got in first: the index keeps one open alert
    )
    raised = list(
        ChurnAlert.objects.filter(customer_id__in=batch, status=AlertStatus.WARNED, custom__run=token).select_related(
            "customer__owner__manager"
        )
    )
    if not raised:
        return 0, refreshed
    AuditEntry.objects.bulk_create(
        AuditEntry(
            action=Action.CREATE,
            object_type="retention.churnalert",
            object_id=str(alert.pk),
            object_repr=alert.customer.name[:200],
            changes={"status": [None, AlertStatus.WARNED], "rules": [None, [r["rule"] for r in alert.reasons]]},
            ip=client_ip.get(),
            at=now,
        )
        for alert in raised
    )
    _tell(raised)
    return len(raised), refreshed


def _tell(alerts: list[ChurnAlert]) -> None:
    """The owner and their manager hear of their new alerts: the one alert, or how many with the inbox."""
    from django.urls import reverse

    by_person: dict[int, tuple[User, list[ChurnAlert]]] = {}
    for alert in alerts:
        owner = alert.customer.owner
        if owner is None:
            continue
        for person in filter(None, [owner, owner.manager]):
            by_person.setdefault(person.pk, (person, []))[1].append(alert)
    messages = []
    for person, theirs in by_person.values():
        if len(theirs) == 1:
            alert = theirs[0]
            title = Text(gettext_noop("Churn warning: {name}"), name=alert.customer.name)
            messages.append(Message(person, title, body=reasons_text(alert.reasons), obj=alert))
        else:
            title = Text(gettext_noop("{count} customers may be churning"), count=len(theirs))
            messages.append(Message(person, title, url=reverse("retention:list")))
    notify_each(kind=NOTIFY_KIND, messages=messages)


def reasons_text(reasons: list[dict[str, Any]]) -> Text:
    """The rules that fired as one stored text (codes and figures), read in the reader's language."""
    parts = [reason_text(reason) for reason in reasons]
    msgid = gettext_noop("{a}") if len(parts) == 1 else gettext_noop("{a}; {b}")
    if len(parts) > 2:
        msgid = gettext_noop("{a}; {b}; and more")
    return Text(msgid, **dict(zip("ab", parts, strict=False)))


def _money(value: Any) -> Amount | str:
    try:
        return Amount(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


def reason_text(reason: Mapping[str, Any]) -> Text:
    match reason.get("rule"):
        case Rule.NO_ORDER:
            return Text(gettext_noop("No order for {days} days"), days=reason.get("days", 0))
        case Rule.AMOUNT_DROP:
            return Text(
                gettext_noop("Orders of the last {months} months {recent} against {before} before (−{percent}%)"),
                months=reason.get("months", 0),
                recent=_money(reason.get("recent")),
                before=_money(reason.get("before")),
                percent=reason.get("percent", 0),
            )  # fmt: skip
        case Rule.COMPLAINT_OPEN:
            return Text(
                gettext_noop("{count} open complaint(s), the oldest for {days} days"),
                count=reason.get("count", 0), days=reason.get("days", 0),
            )  # fmt: skip
        case Rule.NO_FOLLOWUP:
            return Text(gettext_noop("No follow-up for {days} days"), days=reason.get("days", 0))
    return Text(gettext_noop("Rule {rule}"), rule=str(reason.get("rule")))


# --- handling ----------------------------------------------------------------------------------------------


def _locked(actor: User, alert: ChurnAlert) -> ChurnAlert:
    require_perm(actor, "churn.edit")
    row = ChurnAlert.objects.visible_to(actor).select_for_update().filter(pk=alert.pk).first()
    if row is None:
        raise NotPermitted(_("This churn alert is outside your data scope."))
    return row


def _move(row: ChurnAlert, to: str, *, allowed: tuple[str, ...], **values: Any) -> str:
    """The status change as a conditional UPDATE: of two clicks at once one wins, the other gets 409."""
    before = row.status
    now = timezone.now()
    moved = ChurnAlert.objects.filter(pk=row.pk, status__in=allowed).update(
        status=to, updated_at=now, version=F("version") + 1, **values
    )
    if not moved:
        raise Conflict(_("This alert's status has changed meanwhile: reload it."), code="wrong_status")
    row.status, row.version, row.updated_at = to, row.version + 1, now
    for name, value in values.items():
        setattr(row, name, value)
    return before


MEASURE_KINDS = ("plan", "followup")


@transaction.atomic
def alert_retain(
    *,
    actor: User,
    alert: ChurnAlert,
    measure: str,
    kind: str = "plan",
    due_at: datetime | None = None,
    channel: str = "phone",
) -> ChurnAlert:
    """暂缓流失: a warned customer is being retained. The measure is required and becomes a plan for the
    customer's owner (due then) or a follow-up already made."""
    row = _locked(actor, alert)
    measure = (measure or "").strip()
    errors: dict[str, list[str]] = {}
    if not measure:
        errors["measure"] = [_("Say how the customer is being retained.")]
    if kind not in MEASURE_KINDS:
        errors["kind"] = [_("Choose a plan or a follow-up.")]
    elif kind == "plan" and due_at is None:
        errors["due_at"] = [_("Say when the plan is due.")]
    elif kind == "plan" and due_at is not None and due_at < timezone.now():
        errors["due_at"] = [_("A plan is due in the future.")]
    if row.status != AlertStatus.WARNED:
        raise Conflict(_("Only a warned alert can move to retaining."), code="wrong_status")
    if errors:
        raise ValidationError(errors)
    from guanxi.activities.services import followup_create, plan_create

    customer = Customer.objects.get(pk=row.customer_id)
    values: dict[str, Any] = {"measure": measure[:2000], "retaining_at": timezone.now()}
    if kind == "plan":
        assert due_at is not None
        owner = customer.owner if customer.owner_id and customer.owner_id != actor.pk else None
        values["measure_plan"] = plan_create(
            actor=actor, subject=measure[:200], due_at=due_at, customer=customer, owner=owner, script=measure
        )
    else:
        values["measure_followup"] = followup_create(actor=actor, content=measure, channel=channel, customer=customer)
    _move(row, AlertStatus.RETAINING, allowed=(AlertStatus.WARNED,), **values)
    audit_log(
        actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["warned", "retaining"]}, note=measure[:500]
    )
    return row


@transaction.atomic
def alert_recover(*, actor: User, alert: ChurnAlert, note: str = "") -> ChurnAlert:
    """Close an open alert as recovered by hand (the customer is back without an order in the system yet)."""
    row = _locked(actor, alert)
    note = (note or "").strip()[:200]
    if not note:
        raise ValidationError({"note": [_("Say how the customer was recovered.")]})
    before = _move(row, AlertStatus.RECOVERED, allowed=OPEN_STATUSES, recovered_at=timezone.now(),
                   recovered_note=note, closed_by=actor)  # fmt: skip
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": [before, "recovered"]}, note=note)
    return row


@transaction.atomic
def alert_confirm_lost(
    *, actor: User, alert: ChurnAlert, reason: str, note: str = "", on: date | None = None
) -> ChurnAlert:
    """确认流失: a reason from the dictionary is required, the date is stamped and the customer churns."""
    row = _locked(actor, alert)
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("Choose why the customer was lost.")]
    else:
        try:
            dictionary_validate(REASON_DICTIONARY, reason, field="reason")
        except DomainError as error:
            errors["reason"] = [str(error.message)]
    if errors:
        raise ValidationError(errors)
    if row.status not in OPEN_STATUSES:
        raise Conflict(_("This alert is closed already."), code="wrong_status")
    customer = Customer.all_objects.select_for_update().get(pk=row.customer_id)
    before = _move(row, AlertStatus.LOST, allowed=OPEN_STATUSES, lost_on=on or timezone.localdate(),
                   lost_reason=reason, lost_note=(note or "").strip()[:500], closed_by=actor)  # fmt: skip
    audit_log(
        actor=actor, action=Action.UPDATE, obj=row, changes={"status": [before, "lost"], "reason": [None, reason]}
    )
    customer_lifecycle_event(customer=customer, event=Event.CHURN_CONFIRMED, actor=actor, note=reason)
    emit("customer.churned", customer, actor=actor, data={"reason": reason})
    return row


def on_deal(actor: User, customer: Customer, on: date, before: str, note: str) -> None:
    """A deal (sales.deals): the customer's open alert is recovered by it; a lost customer's last alert
    notes that the customer was won again."""
    now = timezone.now()
    recovered = list(
        ChurnAlert.objects.filter(customer_id=customer.pk, status__in=OPEN_STATUSES).values_list("pk", "status")
    )
    if recovered:
        ChurnAlert.objects.filter(customer_id=customer.pk, status__in=OPEN_STATUSES).update(
            status=AlertStatus.RECOVERED, recovered_at=now, recovered_note=note[:200], updated_at=now,
            version=F("version") + 1,
        )  # fmt: skip
        for pk, status in recovered:
            audit_log(actor=actor, action=Action.UPDATE, object_type="retention.churnalert", object_id=str(pk),
                      object_repr=customer.name, changes={"status": [status, "recovered"]}, note=note)  # fmt: skip
    if before == Lifecycle.CHURNED:
        last = (
            ChurnAlert.objects.filter(customer_id=customer.pk, status=AlertStatus.LOST)
            .order_by("-lost_on", "-pk")
            .first()
        )
        if last is not None and last.won_again_on is None:
            ChurnAlert.objects.filter(pk=last.pk).update(won_again_on=on, updated_at=now, version=F("version") + 1)
            audit_log(actor=actor, action=Action.UPDATE, obj=last, changes={"won_again_on": [None, on.isoformat()]},
                      note=note)  # fmt: skip


def alerts_move_on_merge(actor: User, keep: Customer, other: Customer) -> int:
    """The merged customer's alerts move to the one kept; its open alert is closed as recovered (merged)
    when the kept customer has one already, so one open alert remains."""
    if ChurnAlert.objects.filter(customer=keep, status__in=OPEN_STATUSES).exists():
        ChurnAlert.objects.filter(customer=other, status__in=OPEN_STATUSES).update(
            status=AlertStatus.RECOVERED, recovered_at=timezone.now(), recovered_note="merged"
        )
    return ChurnAlert.objects.filter(customer=other).update(customer=keep)


def register() -> None:
    from django.utils.translation import gettext_lazy

    from guanxi.core.notifications.kinds import register_kind
    from guanxi.core.outbox import register_event
    from guanxi.customers.merge import register_merge_child
    from guanxi.sales.deals import register_deal_hook

    register_kind(NOTIFY_KIND, gettext_lazy("Churn warnings of my customers"))
    register_event("customer.churned", gettext_lazy("Customer confirmed lost"))
    register_deal_hook(on_deal)
    register_merge_child(ChurnAlert, "customer", move=alerts_move_on_merge)
