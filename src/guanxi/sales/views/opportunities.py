"""Sales pages: thin — parse, call one selector or service, render (SPEC §6)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.auditlog.selectors import record_history
from guanxi.core.config.dictionary import dictionary_label
from guanxi.core.errors import DomainError
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.customers.models import Customer
from guanxi.customers.warnings import CustomerWarning, warnings_of

from .. import selectors, services
from ..forms import (
    DecideForm,
    LineFormSet,
    LoseForm,
    MoveForm,
    OpportunityFilterForm,
    OpportunityForm,
    ReopenForm,
    WinForm,
    lines_from,
)
from ..models import Opportunity, Stage, Status

# --- the board ------------------------------------------------------------------------------------------


def _board_filters(request: AuthedRequest) -> tuple[OpportunityFilterForm, dict[str, Any]]:
    form = OpportunityFilterForm(request.GET or None, actor=request.user, board=True)
    return form, form.filters()


@perm_required("opportunities.view")
def board(request: AuthedRequest) -> HttpResponse:
    form, filters = _board_filters(request)
    pipeline = selectors.pipeline_for(actor=request.user, pk=request.GET.get("pipeline"))
    if pipeline is None:
        return render(request, "sales/board.html", {"filter_form": form, "pipeline": None})
    form.initial["pipeline"] = pipeline.pk
    columns = selectors.board(actor=request.user, pipeline=pipeline, filters=filters)
    context = {
        "filter_form": form,
        "pipeline": pipeline,
        "columns": columns,
        "stages": [column.stage for column in columns],
        "query": request.GET.urlencode(),
        "can_move": has_perm(request.user, "opportunities.edit"),
    }
    return render(request, "sales/board.html", context)


@perm_required("opportunities.view")
def board_column(request: AuthedRequest, stage_pk: int) -> HttpResponse:
    """ "Load more" of one column: the next cards, appended, and the next button in place of this one."""
    _form, filters = _board_filters(request)
    stage = get_visible_or_404(Stage.objects.select_related("pipeline"), request.user, pk=stage_pk)
    page = int(request.GET.get("page", "2")) if request.GET.get("page", "2").isdigit() else 2
    column = selectors.board_column(
        actor=request.user, pipeline=stage.pipeline, stage=stage, filters=filters, page=page
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "column": column,
        "stages": selectors.open_stages(stage.pipeline),
        "query": query.urlencode(),
        "can_move": has_perm(request.user, "opportunities.edit"),
    }
    return render(request, "sales/board_more.html", context)


def _back(request: AuthedRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@require_POST
@perm_required("opportunities.edit")
def opportunity_move(request: AuthedRequest, pk: int) -> HttpResponse:
    """A stage move: from the board's drag and drop (htmx: answers the card and the new column totals, or
    400 with the reason) or from the move form (redirects back with a message)."""
    opportunity = get_visible_or_404(Opportunity.objects.select_related("stage"), request.user, pk=pk)
    form = MoveForm(request.POST, opportunity=opportunity)
    dragged = bool(request.htmx)
    if not form.is_valid():
        message = " ".join(str(error) for errors in form.errors.values() for error in errors)
        if dragged:
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
        return redirect(_back(request, opportunity.get_absolute_url()))
    try:
        moved = services.opportunity_move(
            actor=request.user,
            opportunity=opportunity,
            stage=form.cleaned_data["stage"],
            note=form.cleaned_data["note"],
        )
    except (DomainError, ValidationError) as error:
        text = str(error.message) if isinstance(error, DomainError) else " ".join(error.messages)
        if dragged:
            return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, text)
        return redirect(_back(request, opportunity.get_absolute_url()))
    waiting = moved.pending_stage_id is not None and moved.stage_id != form.cleaned_data["stage"].pk
    if waiting:
        note = _("The move to %(stage)s waits for approval.") % {"stage": form.cleaned_data["stage"].name}
    else:
        note = _("%(name)s moved to %(stage)s.") % {"name": moved.name, "stage": moved.stage.shown_name}
    if dragged:
        return _card_response(request, moved, note=note)
    messages.success(request, note)
    return redirect(_back(request, moved.get_absolute_url()))


def _card_response(request: AuthedRequest, opportunity: Opportunity, *, note: str) -> HttpResponse:
    """The moved card, and the board's column totals (out of band) under the board's own filters."""
    from django.http import QueryDict

    query = QueryDict(request.POST.get("board_query", ""))
    form = OpportunityFilterForm(query, actor=request.user, board=True)
    pipeline = opportunity.pipeline
    columns = selectors.board(actor=request.user, pipeline=pipeline, filters=form.filters(), cards=False)
    context = {
        # the card as moved: a fresh read of the opportunity the view fetched through the gate
        "card": Opportunity.objects.select_related("customer", "owner").get(pk=opportunity.pk),
        "columns": columns,
        "stages": [column.stage for column in columns],
        "query": query.urlencode(),
        "can_move": True,
        "note": note,
    }
    return render(request, "sales/board_moved.html", context)


# --- the list -------------------------------------------------------------------------------------------


@perm_required("opportunities.view")
def opportunity_list(request: AuthedRequest) -> HttpResponse:
    form = OpportunityFilterForm(request.GET or None, actor=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.opportunity_list(actor=request.user, filters=form.filters(), ordering=data.get("ordering", ""))
    page = CappedPaginator(rows, 25).get_page(request.GET.get("page"))
    return render(request, "sales/list.html", {"filter_form": form, "page_obj": page})


@perm_required("opportunities.export")
def opportunity_export(request: AuthedRequest) -> HttpResponse:
    """The list's current filters and order as an .xlsx (or ``?format=csv``); a large list is exported in
    the background by the export jobs."""
    from guanxi.core.exports import export_audit, export_table, table_write

    from ..exports import EXPORT_LIMIT

    table = export_table(actor=request.user, name="opportunities", query=request.GET)
    if table.count > EXPORT_LIMIT:
        return redirect(f"{reverse('io:export', args=['opportunities'])}?{request.GET.urlencode()}")
    file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
    content = table_write(table, file_format=file_format)
    export_audit(actor=request.user, table=table, rows=table.count)
    kind = "text/csv" if file_format == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="opportunities.{file_format}"'
    return response


# --- one opportunity --------------------------------------------------------------------------------------


@perm_required("opportunities.create")
def opportunity_create(request: AuthedRequest) -> HttpResponse:
    customer = None
    if request.GET.get("customer", "").isdigit():
        customer = get_visible_or_404(Customer.objects.all(), request.user, pk=request.GET["customer"])
    form = OpportunityForm(request.POST or None, actor=request.user, customer=customer)
    lines = LineFormSet(request.POST or None, prefix="lines", form_kwargs={"actor": request.user})
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        assert form.customer is not None
        created = attempt(
            form,
            None,
            lambda: services.opportunity_create(
                actor=request.user,
                customer=form.customer,  # type: ignore[arg-type]
                data=form.opportunity_data(),
                lines=lines_from(lines),
                competitors=form.cleaned_data.get("competitors") or (),
                collaborators=form.cleaned_data.get("collaborators") or (),
                custom=form.custom_data(),
            ),
            {"customer": "customer_ref"},
        )
        if created:
            messages.success(
                request,
                _("Opportunity %(name)s was opened as %(number)s.") % {"name": created, "number": created.number},
            )
            return redirect(created.get_absolute_url())
    context = {"form": form, "lines": lines, "customer": customer, "customer_warnings": _warnings(request, customer)}
    return render(request, "sales/form.html", context)


def _warnings(request: AuthedRequest, customer: Customer | None) -> list[CustomerWarning]:
    """What the customer's record warns of (an open complaint) before anyone sells to them (SPEC §9.5)."""
    return warnings_of(customer.pk if customer else None, actor=request.user)


@perm_required("opportunities.edit")
def opportunity_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    opportunity = get_visible_or_404(Opportunity.objects.select_related("customer", "stage"), request.user, pk=pk)
    if not services.can_edit(request.user, opportunity):
        raise PermissionDenied
    form = OpportunityForm(request.POST or None, instance=opportunity, actor=request.user)
    initial = [
        {"product": line.product_id, "description": line.description, "quantity": line.quantity, "unit": line.unit,
         "unit_price": line.unit_price}
        for line in opportunity.lines.all()
    ]  # fmt: skip
    lines = LineFormSet(request.POST or None, prefix="lines", initial=initial, form_kwargs={"actor": request.user})
    if request.method == "POST" and form.is_valid() and lines.is_valid():

        def save() -> Opportunity:
            data = form.opportunity_data()
            rows = lines_from(lines)
            if not form.cleaned_data.get("amount") and rows:
                data.pop("amount", None)  # the lines' total becomes the amount
            return services.opportunity_edit(
                actor=request.user,
                opportunity=opportunity,
                version=form.cleaned_data.get("version") or 0,  # none sent: refused as stale, never applied blind
                data=data,
                custom=form.custom_data(),
                lines=rows if rows or initial else None,
                competitors=form.cleaned_data.get("competitors") or (),
                collaborators=form.cleaned_data.get("collaborators") or (),
            )

        if attempt(form, None, save):
            messages.success(request, _("Saved."))
            return redirect(opportunity.get_absolute_url())
    context = {
        "form": form,
        "lines": lines,
        "opportunity": opportunity,
        "customer_warnings": _warnings(request, opportunity.customer),
    }
    return render(request, "sales/form.html", context)


@perm_required("opportunities.view")
def opportunity_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    opportunity = selectors.opportunity_for_detail(actor=request.user, pk=pk)
    editable = services.can_edit(request.user, opportunity)
    context = {
        "opportunity": opportunity,
        "can_edit": editable,
        "can_approve": selectors.may_decide_stage_move(actor=request.user, opportunity=opportunity),
        "approvals": selectors.approvals_of(opportunity),
        "lines": opportunity.lines.all(),
        "competitor_links": opportunity.competitor_links.select_related("competitor"),
        "collaborators": opportunity.collaborators.all(),
        "stays": selectors.stage_history(opportunity),
        "stay_count": opportunity.stage_changes.count(),
        "time_in_stages": selectors.time_in_stages(opportunity),
        "move_form": MoveForm(opportunity=opportunity) if editable and opportunity.is_open else None,
        "history": record_history(actor=request.user, obj=opportunity),
        "loss_reason_label": dictionary_label("loss_reason", opportunity.loss_reason)
        if opportunity.loss_reason
        else "",
        "source_label": dictionary_label("customer_source", opportunity.source) if opportunity.source else "",
        **selectors.opportunity_activities(actor=request.user, opportunity=opportunity),
    }
    return render(request, "sales/detail.html", context)


def _closing(request: AuthedRequest, pk: int) -> Opportunity:
    opportunity = get_visible_or_404(Opportunity.objects.select_related("customer", "stage"), request.user, pk=pk)
    if not services.can_edit(request.user, opportunity):
        raise PermissionDenied
    return opportunity


@perm_required("opportunities.edit")
def opportunity_win(request: AuthedRequest, pk: int) -> HttpResponse:
    opportunity = _closing(request, pk)
    form = WinForm(request.POST or None, initial={"amount": opportunity.amount})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if attempt(
            form,
            None,
            lambda: services.opportunity_win(
                actor=request.user, opportunity=opportunity, amount=data.get("amount"), note=data.get("note", "")
            ),
        ):
            messages.success(request, _("Won! %(name)s is closed as won.") % {"name": opportunity.name})
            return redirect(opportunity.get_absolute_url())
    title = _("Win %(name)s") % {"name": opportunity.name}
    return render(request, "sales/action_form.html", {"form": form, "opportunity": opportunity, "title": title})


@perm_required("opportunities.edit")
def opportunity_lose(request: AuthedRequest, pk: int) -> HttpResponse:
    opportunity = _closing(request, pk)
    form = LoseForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if attempt(
            form,
            None,
            lambda: services.opportunity_lose(
                actor=request.user,
                opportunity=opportunity,
                reason=data["reason"],
                competitor=data.get("competitor"),
                note=data.get("note", ""),
            ),
        ):
            messages.success(request, _("%(name)s is closed as lost.") % {"name": opportunity.name})
            return redirect(opportunity.get_absolute_url())
    title = _("Lose %(name)s") % {"name": opportunity.name}
    return render(request, "sales/action_form.html", {"form": form, "opportunity": opportunity, "title": title})


@perm_required("opportunities.edit")
def opportunity_reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    opportunity = _closing(request, pk)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data.get("note", "")
        if attempt(
            form, None, lambda: services.opportunity_reopen(actor=request.user, opportunity=opportunity, note=note)
        ):
            messages.success(request, _("%(name)s is open again.") % {"name": opportunity.name})
            return redirect(opportunity.get_absolute_url())
    title = _("Reopen %(name)s") % {"name": opportunity.name}
    return render(request, "sales/action_form.html", {"form": form, "opportunity": opportunity, "title": title})


@require_POST
@perm_required("opportunities.view")
def opportunity_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    opportunity = get_visible_or_404(Opportunity.objects.all(), request.user, pk=pk)
    form = DecideForm(request.POST)
    form.is_valid()
    approve = bool(form.cleaned_data.get("approve"))
    done = attempt(
        None,
        request,
        lambda: services.opportunity_decide_move(
            actor=request.user, opportunity=opportunity, approve=approve, comment=form.cleaned_data.get("comment", "")
        ),
    )
    if done:
        messages.success(request, _("The stage move was approved.") if approve else _("The stage move was rejected."))
    return redirect(opportunity.get_absolute_url())


@require_POST
@perm_required("opportunities.delete")
def opportunity_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    opportunity = get_visible_or_404(Opportunity.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.opportunity_delete(actor=request.user, opportunity=opportunity)) is None:
        pass
    if Opportunity.objects.filter(pk=pk).exists():
        return redirect(opportunity.get_absolute_url())
    messages.success(request, _("%(name)s was deleted.") % {"name": opportunity.name})
    return redirect(reverse("sales:list"))


# --- the customer's tab ---------------------------------------------------------------------------------


@perm_required("opportunities.view")
def customer_opportunities(request: AuthedRequest, pk: int) -> HttpResponse:
    """The 360° page's Opportunities tab (loaded by the customer page): the customer's opportunities the
    viewer may see."""
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    rows = list(selectors.customer_opportunities(actor=request.user, customer=customer)[:50])
    context = {
        "customer": customer,
        "opportunities": rows,
        "open_count": sum(1 for row in rows if row.status == Status.OPEN),
        "can_open": has_perm(request.user, "opportunities.create"),
    }
    return render(request, "sales/customer_tab.html", context)


@perm_required("opportunities.view")
def forecast(request: AuthedRequest) -> HttpResponse:
    form = OpportunityFilterForm(request.GET or None, actor=request.user, board=True)
    form.fields["pipeline"].required = False
    form.fields["pipeline"].empty_label = _("All pipelines")  # type: ignore[attr-defined]
    for name in ("q", "scene", "close_from", "close_to", "amount_min"):
        form.fields.pop(name, None)
    filters = form.filters()
    start = None
    if request.GET.get("start"):
        try:
            start = date.fromisoformat(request.GET["start"] + "-01")
        except ValueError:
            start = None
    months = 12 if request.GET.get("months") == "12" else 6
    result = selectors.forecast(
        actor=request.user, months=months, start=start, pipeline=filters.get("pipeline"), owner=filters.get("owner")
    )
    chart = {
        "months": [month.strftime("%Y-%m") for month in result.months],
        "weighted": [float(value) for value in result.totals],
        "label": str(_("Weighted amount")),
    }
    return render(request, "sales/forecast.html", {"filter_form": form, "forecast": result, "chart": chart})
