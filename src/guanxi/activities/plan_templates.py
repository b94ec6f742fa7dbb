"""Plan templates (SPEC §4.5, §4.7): the four post-purchase calls, the memory curve, and sets administrators
define. ``plan_templates_apply`` creates a template's plans at once for an event (the orders module calls it
on a first order; until then it is applied from the customer page)."""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.audit import Action, audit_log
from guanxi.core.config.parameters import parameter_value
from guanxi.core.config.units import config_may_change, config_unit_check, config_unit_for_new
from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.texts import shipped_kept, shipped_shown
from guanxi.customers.models import Customer
from guanxi.org.models import User

from .models import Plan, PlanKind, PlanTemplate, PlanTemplateStep
from .services import plan_insert

CONFIGURE = "activities.configure"
POST_PURCHASE = "post_purchase"
MEMORY_CURVE = "memory_curve"
# The shipped templates' texts (seeded by a migration), read in the reader's language until renamed.
SHIPPED_TEXTS: dict[str, dict[str, Promise]] = {
    POST_PURCHASE: {
        "name": gettext_lazy("Post-purchase follow-up"),
        "description": gettext_lazy(
            "The post-purchase follow-up standard: 48 hours, one week, a satisfaction survey reminder, one month."
        ),
    },
    MEMORY_CURVE: {
        "name": gettext_lazy("Memory-curve follow-up"),
        "description": gettext_lazy(
            "Follow up 1, 2, 4, 7, 15 and 30 days after the first contact (parameter plans.memory_curve_days)."
        ),
    },
}
# The shipped steps' subjects and scripts as migration 0002 seeded them (in Chinese), with the labels they read
# as in the reader's language: in the template, and in the plans made from it, until a person rewrites them.
SHIPPED_STEP_TEXTS: dict[str, Promise] = {
    "48小时回访: 产品满意度, 致谢": gettext_lazy("48-hour call: satisfaction with the product, thanks"),
    "感谢您的信任! 请问对车辆/产品是否满意? 使用中有任何问题请随时联系我。": gettext_lazy(
        "Thank you for your trust! Are you happy with the vehicle / product? Call me whenever anything comes up."
    ),
    "一周回访: 使用情况, 首保提醒": gettext_lazy("One-week call: how it is used, first service reminder"),
    "了解使用情况, 提醒首次保养的时间和里程。": gettext_lazy(
        "Ask how it is used; remind them of the first service's date and mileage."
    ),
    "满意度调查提醒": gettext_lazy("Satisfaction survey reminder"),
    "提醒客户厂家的满意度调查电话即将到来, 请给予好评。": gettext_lazy(
        "Tell the customer the maker's satisfaction survey call is coming, and ask for a good rating."
    ),
    "一个月回访: 使用情况, 新的销售机会": gettext_lazy("One-month call: how it is used, new sales opportunities"),
    "了解使用情况; 询问身边是否有朋友有购买意向 (转介绍)。": gettext_lazy(
        "Ask how it is used, and whether friends are thinking of buying (referrals)."
    ),
}
# Windowed plans are due in the morning of the window's first day and at the end of its last day.
WINDOW_OPENS = time(9, 0)
WINDOW_CLOSES = time(18, 0)


# --- when a step is due ---------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _on(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def satisfaction_window(
    purchase: date, *, cutoff: int = 15, early: tuple[int, int] = (20, 25), late: tuple[int, int] = (5, 10)
) -> tuple[date, date]:
    """SPEC §4.5 (3): a purchase on day 1–``cutoff`` → between the 20th and 25th of the same month; later →
    between the 5th and 10th of the next month (December → January of the next year)."""
    if purchase.day <= cutoff:
        return _on(purchase.year, purchase.month, early[0]), _on(purchase.year, purchase.month, early[1])
    following = _add_months(purchase.replace(day=1), 1)
    return _on(following.year, following.month, late[0]), _on(following.year, following.month, late[1])


def step_due(step: PlanTemplateStep, at: datetime) -> tuple[datetime, datetime]:
    """(starts_at, due_at) of a step for an event at ``at``."""
    if step.windowed:
        local = timezone.localtime(at).date()
        first, last = satisfaction_window(
            local,
            cutoff=step.window_cutoff_day or 15,
            early=(step.early_from or 20, step.early_to or 25),
            late=(step.late_from or 5, step.late_to or 10),
        )
        return (
            timezone.make_aware(datetime.combine(first, WINDOW_OPENS)),
            timezone.make_aware(datetime.combine(last, WINDOW_CLOSES)),
        )
    due = at + timedelta(days=step.offset_days, hours=step.offset_hours)
    return due, due


# --- applying -------------------------------------------------------------------------------------------


def templates_for(*, event: str, unit_id: int | None) -> list[PlanTemplate]:
    rows = PlanTemplate.objects.of_unit(unit_id).filter(event=event, active=True)
    return list(rows.prefetch_related("steps"))


@transaction.atomic
def plan_templates_apply(
    *,
    event: str,
    customer: Customer,
    at: datetime,
    actor: User | None = None,
    template: PlanTemplate | None = None,
    related: Any = None,
) -> list[Plan]:
    """Create the plans of every active template for ``event`` (or of one ``template``) for the customer's
    owner, dated from ``at``. Called by a service in its transaction (orders on a first order: event
    ``first_order``), or from the customer page by a user (``actor``)."""
    if customer.owner_id is None:
        return []
    templates = [template] if template is not None else templates_for(event=event, unit_id=customer.business_unit_id)
    plans: list[Plan] = []
    for chosen in templates:
        for subject, kind, script, starts_at, due_at, step in _planned(chosen, customer, at):
            plans.append(
                plan_insert(
                    actor=actor,
                    subject=subject,
                    due_at=due_at,
                    starts_at=starts_at,
                    owner=customer.owner,  # type: ignore[arg-type]
                    customer=customer,
                    related=related,
                    kind=kind,
                    script=script,
                    origin=Plan.Origin.TEMPLATE,
                    template_step=step,
                )
            )
    return plans


def _planned(
    template: PlanTemplate, customer: Customer, at: datetime
) -> list[tuple[str, str, str, datetime, datetime, PlanTemplateStep | None]]:
    if template.code == MEMORY_CURVE:  # the intervals are a parameter of the unit (SPEC §4.7)
        raw = parameter_value("plans.memory_curve_days", unit=customer.business_unit_id)
        days = [int(part) for part in str(raw).split(",") if part.strip()]
        return [
            (
                _("Memory-curve follow-up (day %(day)d)") % {"day": day},
                PlanKind.CALL,
                template.description,
                at + timedelta(days=day),
                at + timedelta(days=day),
                None,
            )
            for day in days
        ]
    rows: list[tuple[str, str, str, datetime, datetime, PlanTemplateStep | None]] = []
    for step in template.steps.all():
        starts_at, due_at = step_due(step, at)
        rows.append((step.subject, step.kind, step.script, starts_at, due_at, step))
    return rows


@transaction.atomic
def plan_template_apply(
    *, actor: User, template: PlanTemplate, customer: Customer, at: datetime | None = None
) -> list[Plan]:
    """A user applies a template to a customer they may plan for (the customer page's "Apply template")."""
    require_perm(actor, "activities.create")
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise NotPermitted(_("This customer is outside your data scope."))
    if customer.owner_id is None:
        raise DomainError(_("A customer in the public pool has nobody to plan for."), code="no_owner")
    if customer.owner_id != actor.pk:
        require_perm(actor, "activities.assign")
    if not template.active:
        raise DomainError(_("This template is switched off."), field="template")
    if not PlanTemplate.objects.of_unit(customer.business_unit_id).filter(pk=template.pk).exists():
        raise DomainError(_("This template belongs to another business unit."), field="template")
    return plan_templates_apply(
        event=template.event, customer=customer, at=at or timezone.now(), actor=actor, template=template
    )


# --- administration -------------------------------------------------------------------------------------

STEP_FIELDS = [
    "subject", "kind", "script", "offset_days", "offset_hours", "window_cutoff_day", "early_from", "early_to",
    "late_from", "late_to",
]  # fmt: skip


def _clean_steps(steps: Sequence[Mapping[str, Any]]) -> list[PlanTemplateStep]:
    errors: dict[str, list[str]] = {}
    rows = []
    for index, data in enumerate(steps):
        step = PlanTemplateStep(position=index, **{name: data[name] for name in STEP_FIELDS if name in data})
        step.subject, step.script = _step_text_kept(step.subject or ""), _step_text_kept(step.script or "")
        prefix = f"steps.{index}"
        if not (step.subject or "").strip():
            errors.setdefault(f"{prefix}.subject", []).append(_("Give the plan a subject."))
        if step.kind not in PlanKind.values:
            errors.setdefault(f"{prefix}.kind", []).append(_("Choose a plan type from the list."))
        days = [step.window_cutoff_day, step.early_from, step.early_to, step.late_from, step.late_to]
        if any(day is not None for day in days):
            if any(day is None or not 1 <= day <= 31 for day in days):
                errors.setdefault(f"{prefix}.window", []).append(_("A window needs all its days, each 1 to 31."))
            elif step.early_from > step.early_to or step.late_from > step.late_to:  # type: ignore[operator]
                errors.setdefault(f"{prefix}.window", []).append(_("A window's first day comes before its last."))
        elif step.offset_days * 24 + step.offset_hours <= 0:
            errors.setdefault(f"{prefix}.offset_days", []).append(_("Give a time after the event, or a window."))
        rows.append(step)
    if not rows:
        errors.setdefault("steps", []).append(_("A template has at least one plan."))
    if errors:
        raise ValidationError(errors)
    return rows


def may_change(actor: User, template: PlanTemplate | None) -> bool:
    """An administrator changes their own unit's templates; the group-wide ones (the shipped ones too)
    only with the all-units scope (SPEC §1.1)."""
    if template is None or template.pk is None:
        return has_perm(actor, CONFIGURE)
    return config_may_change(actor=actor, code=CONFIGURE, unit_id=template.business_unit_id)


def _require_change(actor: User, template: PlanTemplate | None) -> None:
    if template is None or template.pk is None:
        require_perm(actor, CONFIGURE)
    else:
        config_unit_check(actor=actor, code=CONFIGURE, unit_id=template.business_unit_id)


def plan_template_save(
    *,
    actor: User,
    data: Mapping[str, Any],
    steps: Sequence[Mapping[str, Any]],
    template: PlanTemplate | None = None,
) -> PlanTemplate:
    """Create or change a template and replace its steps (administrators: ``activities.configure``)."""
    _require_change(actor, template)
    template = template or PlanTemplate(business_unit_id=config_unit_for_new(actor=actor, code=CONFIGURE))
    creating = template.pk is None
    # the form already wrote the submitted texts onto ``template``: what is stored is read again
    stored = None if creating else PlanTemplate.objects.get(pk=template.pk)
    template.name = _kept(stored, "name", (data.get("name") or "").strip())
    template.event = data.get("event") or PlanTemplate.Event.MANUAL
    template.description = _kept(stored, "description", (data.get("description") or "").strip())
    template.active = bool(data.get("active", True))
    errors: dict[str, list[str]] = {}
    if not template.name:
        errors["name"] = [_("Give the template a name.")]
    if template.event not in PlanTemplate.Event.values:
        errors["event"] = [_("Choose an event from the list.")]
    if template.code == MEMORY_CURVE:
        rows: list[PlanTemplateStep] = []  # its intervals are the parameter plans.memory_curve_days
    else:
        try:
            rows = _clean_steps(steps)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    template.updated_at = timezone.now()
    template.save()
    if template.code != MEMORY_CURVE:
        template.steps.all().delete()
        for step in rows:
            step.template = template
        PlanTemplateStep.objects.bulk_create(rows)
    audit_log(
        actor=actor,
        action=Action.CREATE if creating else Action.UPDATE,
        obj=template,
        changes={"name": [None, template.name], "steps": [None, [step.subject for step in rows]]},
    )
    return template


def shown_text(template: PlanTemplate, part: str) -> str:
    """A shipped template's ``name`` or ``description`` in the reader's language until a person changed it."""
    return shipped_shown(SHIPPED_TEXTS.get(template.code, {}).get(part), getattr(template, part))


def step_text_shown(stored: str) -> str:
    """A shipped step's subject or script (or a plan's, copied from it) in the reader's language."""
    label = SHIPPED_STEP_TEXTS.get(stored)
    return str(label) if label is not None else stored


def _step_text_kept(submitted: str) -> str:
    """A step's text as the form showed it, sent back unchanged, stays the shipped text."""
    return next((seeded for seeded, label in SHIPPED_STEP_TEXTS.items() if submitted == str(label)), submitted)


def _kept(stored: PlanTemplate | None, part: str, submitted: str) -> str:
    """A form sends back the text it showed: unchanged, a shipped template's text stays shipped."""
    if stored is None:
        return submitted
    return shipped_kept(SHIPPED_TEXTS.get(stored.code, {}).get(part), getattr(stored, part), submitted)


@transaction.atomic
def plan_template_delete(*, actor: User, template: PlanTemplate) -> None:
    _require_change(actor, template)
    if template.code:
        raise DomainError(_("A shipped template can be switched off, not deleted."), code="shipped_template")
    audit_log(actor=actor, action=Action.DELETE, obj=template)
    template.delete()
