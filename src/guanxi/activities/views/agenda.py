"""The agenda, calendar, feed, reminder settings, compliance report, cadence list and plan templates pages."""

from __future__ import annotations

import calendar as calendar_module
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required

from .. import feeds, plan_templates, selectors
from ..compliance import compliance_run
from ..forms import CalendarForm, PlanTemplateForm, ReminderSettingsForm, StepFormSet
from ..models import FeedToken, PlanTemplate, ReminderSettings

AGENDA_PAGE = 50
CALENDAR_LIMIT = 1500


def _today() -> date:
    return timezone.localdate()


@perm_required("activities.view")
def agenda(request: AuthedRequest) -> HttpResponse:
    """Today's and overdue plans: mine, and for managers the team's (``?team=1``)."""
    manager = selectors.manages_others(request.user)
    team = manager and request.GET.get("team") == "1"
    result = selectors.agenda(actor=request.user, day=_today(), team=team)
    context = {
        "agenda": result,
        "mine": CappedPaginator(result.mine, AGENDA_PAGE).get_page(request.GET.get("page")),
        "team_page": _team_page(result, request.GET.get("team_page")),
        "team": team,
        "manager": manager,
        "now": timezone.now(),
    }
    return render(request, "activities/agenda.html", context)


def _team_page(result: selectors.Agenda, number: str | None) -> Any:
    """The team's plans a page at a time; the count is the sum of the per-person counts already made."""
    if result.team is None:
        return None
    paginator = CappedPaginator(result.team, AGENDA_PAGE)
    paginator.__dict__["count"] = sum(row["total"] for row in result.team_counts)  # (a cached_property)
    return paginator.get_page(number)


# --- calendar -----------------------------------------------------------------------------------------


def _range(view: str, day: date) -> tuple[date, date]:
    if view == "day":
        return day, day + timedelta(days=1)
    if view == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    first = day.replace(day=1)
    start = first - timedelta(days=first.weekday())
    last = first.replace(day=calendar_module.monthrange(first.year, first.month)[1])
    end = last + timedelta(days=7 - last.weekday())
    return start, end


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@perm_required("activities.view")
def calendar_view(request: AuthedRequest) -> HttpResponse:
    manager = selectors.manages_others(request.user)
    people = selectors.people_in_scope(actor=request.user) if manager else None
    form = CalendarForm(request.GET or None, people=people)
    data = form.cleaned_data if form.is_valid() else {}
    view = data.get("view") or "week"
    day = data.get("date") or _today()
    owner = data.get("owner") or request.user
    start, end = _range(view, day)
    plans = selectors.calendar_items(
        actor=request.user, start=_aware(start), end=_aware(end), owner=owner, limit=CALENDAR_LIMIT
    )
    by_day: dict[date, list[Any]] = {}
    for plan in plans:  # a windowed plan shows on every day of its window
        first = max(timezone.localtime(plan.starts_at).date(), start)
        last = min(timezone.localtime(plan.due_at).date(), end - timedelta(days=1))
        cursor = first
        while cursor <= last:
            by_day.setdefault(cursor, []).append(plan)
            cursor += timedelta(days=1)
    today = _today()
    days = []
    cursor = start
    while cursor < end:
        days.append(
            {
                "date": cursor,
                "in_month": cursor.month == day.month,
                "today": cursor == today,
                "plans": by_day.get(cursor, []),
            }
        )
        cursor += timedelta(days=1)
    step = {"day": timedelta(days=1), "week": timedelta(days=7)}.get(view)
    if step:
        previous, following = day - step, day + step
    else:
        previous = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    owner_query = f"&owner={owner.pk}" if owner != request.user else ""
    context = {
        "form": form,
        "view": view,
        "day": day,
        "days": days,
        "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
        "owner": owner,
        "previous": f"?view={view}&date={previous:%Y-%m-%d}{owner_query}",
        "following": f"?view={view}&date={following:%Y-%m-%d}{owner_query}",
        "today_link": f"?view={view}&date={_today():%Y-%m-%d}{owner_query}",
        "owner_query": owner_query,
        "month_has_plans": any(cell["plans"] for cell in days if cell["in_month"]),
        "views": [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
        "now": timezone.now(),
        "truncated": len(plans) == CALENDAR_LIMIT,
    }
    return render(request, "activities/calendar.html", context)


# --- the calendar feed --------------------------------------------------------------------------------


@perm_required("activities.view")
def feed_settings(request: AuthedRequest) -> HttpResponse:
    """Issue (or re-issue) and revoke the private calendar URL; the URL is shown once, when issued."""
    url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            feeds.feed_token_revoke(actor=request.user)
            messages.success(request, _("The calendar link was revoked; subscribed calendars stop updating."))
            return redirect("activities:feed")
        token = feeds.feed_token_issue(actor=request.user)
        url = request.build_absolute_uri(f"{reverse('api-calendar-feed')}?token={token}")
    existing = FeedToken.objects.filter(user=request.user).first()
    return render(request, "activities/feed.html", {"url": url, "existing": existing})


def calendar_feed(request: HttpRequest) -> HttpResponse:
    """``calendar.ics?token=``: public by its secret. No token → 401; a wrong or revoked one → 404."""
    token = request.GET.get("token", "")
    if not token:
        return HttpResponse(_("This calendar needs its private link."), status=401, content_type="text/plain")
    user = feeds.feed_user(token)
    if user is None:
        raise Http404
    body = feeds.feed_ics(user=user, at=timezone.now(), base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="guanxi.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- reminder settings --------------------------------------------------------------------------------


@perm_required("activities.view")
def reminder_settings(request: AuthedRequest) -> HttpResponse:
    row, _created = ReminderSettings.objects.get_or_create(user=request.user)
    form = ReminderSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        form.save()  # the user's own preference, not a business record
        messages.success(request, _("Saved."))
        return redirect("activities:reminders")
    return render(request, "activities/reminder_settings.html", {"form": form})


# --- the manager's check sheet and the cadence list -----------------------------------------------------


@perm_required("activities.view")
def compliance(request: AuthedRequest) -> HttpResponse:
    try:
        day = date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else _today()
    except ValueError:
        day = _today()
    context = {
        "day": day,
        "results": compliance_run(actor=request.user, day=day),
        "counts": selectors.daily_counts(actor=request.user, day=day),
        "previous": day - timedelta(days=1),
        "following": day + timedelta(days=1),
    }
    return render(request, "activities/compliance.html", context)


@perm_required("activities.view")
def overdue_for_level(request: AuthedRequest) -> HttpResponse:
    rows = selectors.customers_overdue_for_level(actor=request.user, at=timezone.now())
    page = CappedPaginator(rows, 25).get_page(request.GET.get("page"))
    return render(request, "activities/overdue_for_level.html", {"page_obj": page, "now": timezone.now()})


# --- plan templates -----------------------------------------------------------------------------------


def _templates_of(request: AuthedRequest) -> Any:
    return PlanTemplate.objects.visible_to(request.user).prefetch_related("steps")


@perm_required("activities.view")
def template_list(request: AuthedRequest) -> HttpResponse:
    context = {"templates": _templates_of(request), "may_configure": has_perm(request.user, "activities.configure")}
    return render(request, "activities/template_list.html", context)


@perm_required("activities.configure")
def template_form(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    template = get_object_or_404(_templates_of(request), pk=pk) if pk else None
    if not plan_templates.may_change(request.user, template):
        raise PermissionDenied
    form = PlanTemplateForm(request.POST or None, instance=template)
    initial = (
        [
            {
                **{name: getattr(s, name) for name in plan_templates.STEP_FIELDS},
                "subject": s.shown_subject,
                "script": s.shown_script,
            }
            for s in template.steps.all()
        ]
        if template
        else []
    )
    steps = StepFormSet(request.POST or None, initial=initial, prefix="steps")
    if request.method == "POST" and form.is_valid() and steps.is_valid():
        rows = [s.cleaned_data for s in steps.forms if s.cleaned_data and not s.cleaned_data.get("DELETE")]
        saved = attempt(
            form,
            None,
            lambda: plan_templates.plan_template_save(
                actor=request.user, data=form.cleaned_data, steps=rows, template=template
            ),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect("activities:templates")
    is_memory_curve = template is not None and template.code == plan_templates.MEMORY_CURVE
    context = {"form": form, "steps": steps, "template": template, "is_memory_curve": is_memory_curve}
    return render(request, "activities/template_form.html", context)


@require_POST
@perm_required("activities.configure")
def template_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(_templates_of(request), pk=pk)
    attempt(None, request, lambda: plan_templates.plan_template_delete(actor=request.user, template=template))
    return redirect("activities:templates")
