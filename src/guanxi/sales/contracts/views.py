"""The contract pages: the list with its scenes, filters and export, the form, and the detail with its
actions and approval history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.customers.models import Customer
from guanxi.workflows.selectors import history_of, may_decide, may_withdraw

from ..models import Opportunity
from ..quotes.forms import LineFormSet, lines_from, sent_lines
from ..quotes.models import Quote
from . import selectors, services
from .forms import AttachForm, ContractFilterForm, ContractForm, ReasonForm, SignForm
from .models import Contract, ContractAttachment, ContractStatus


@perm_required("contracts.view")
def contract_list(request: AuthedRequest) -> HttpResponse:
    scene = request.GET.get("scene", "")
    scene = scene if scene in selectors.SCENES else ""
    form = ContractFilterForm(request.GET or None, actor=request.user)
    rows = selectors.contract_list(actor=request.user, scene=scene, filters=form.filters())
    page = CappedPaginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "sales/contracts/list.html",
        {"page_obj": page, "filter_form": form, "scenes": selectors.SCENES.items(), "scene": scene,
         "can_export": has_perm(request.user, "contracts.export")},
    )  # fmt: skip


@perm_required("contracts.export")
def contract_export(request: AuthedRequest) -> HttpResponse:
    from guanxi.core.exports import export_audit, export_table, table_write

    from .exports import EXPORT_LIMIT

    table = export_table(actor=request.user, name="contracts", query=request.GET)
    if table.count > EXPORT_LIMIT:
        return redirect(f"{reverse('io:export', args=['contracts'])}?{request.GET.urlencode()}")
    file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
    content = table_write(table, file_format=file_format)
    export_audit(actor=request.user, table=table, rows=table.count)
    kind = "text/csv" if file_format == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="contracts.{file_format}"'
    return response


def _lines_initial(lines: Any) -> list[dict[str, Any]]:
    return [
        {"product": line.product_id, "quantity": line.quantity, "unit_price": line.unit_price,
         "discount_percent": line.discount_percent}
        for line in lines
    ]  # fmt: skip


@perm_required("contracts.create")
def contract_create(request: AuthedRequest) -> HttpResponse:
    customer: Customer | None = None
    quote: Quote | None = None
    initial: dict[str, Any] = {}
    if request.GET.get("quote", "").isdigit():
        quote = get_visible_or_404(Quote.objects.all(), request.user, pk=request.GET["quote"])
        customer = quote.customer
        initial = {"opportunity": quote.opportunity, "amount": quote.total, "title": quote.customer.name}
    elif request.GET.get("opportunity", "").isdigit():
        opportunity = get_visible_or_404(Opportunity.objects.all(), request.user, pk=request.GET["opportunity"])
        customer, initial = opportunity.customer, {"opportunity": opportunity, "title": opportunity.name}
    elif request.GET.get("customer", "").isdigit():
        customer = get_visible_or_404(Customer.objects.all(), request.user, pk=request.GET["customer"])
    form = ContractForm(request.POST or None, actor=request.user, customer=customer, initial=initial)
    lines = LineFormSet(
        request.POST or None,
        prefix="lines",
        initial=_lines_initial(quote.lines.all()) if quote else None,
        form_kwargs={"actor": request.user},
    )
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        typed = lines_from(lines)
        created = attempt(
            form,
            None,
            lambda: services.contract_create(
                actor=request.user,
                customer=form.customer,  # type: ignore[arg-type]
                data=form.contract_data(),
                lines=typed if typed or quote is None else None,
                quote=quote,
            ),
            lines=sent_lines(lines),
        )
        if created:
            messages.success(request, _("Contract %(number)s was saved as a draft.") % {"number": created.number})
            return redirect(created.get_absolute_url())
    return render(
        request, "sales/contracts/form.html", {"form": form, "lines": lines, "customer": form.customer, "quote": quote}
    )


@perm_required("contracts.edit")
def contract_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_for_detail(actor=request.user, pk=pk)
    if not contract.is_editable:
        messages.error(request, _("Only a draft contract can be changed; a signed one is locked until it is voided."))
        return redirect(contract.get_absolute_url())
    names = ("number", "title", "opportunity", "amount", "start_on", "end_on", "our_signatory", "their_signatory",
             "payment_terms", "note", "version")  # fmt: skip
    form = ContractForm(
        request.POST or None,
        actor=request.user,
        customer=contract.customer,
        initial={name: getattr(contract, name) for name in names},
    )
    lines = LineFormSet(
        request.POST or None,
        prefix="lines",
        initial=_lines_initial(contract.lines.all()),
        form_kwargs={"actor": request.user},
    )
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        saved = attempt(
            form,
            None,
            lambda: services.contract_update(
                actor=request.user,
                contract=contract,
                version=form.cleaned_data["version"],
                data=form.contract_data(),
                lines=lines_from(lines),
            ),
            lines=sent_lines(lines),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect(contract.get_absolute_url())
    return render(
        request,
        "sales/contracts/form.html",
        {"form": form, "lines": lines, "customer": contract.customer, "contract": contract},
    )


@perm_required("contracts.view")
def contract_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    from guanxi.workflows.services import pending_request_for

    contract = selectors.contract_for_detail(actor=request.user, pk=pk)
    kind = services.CONTRACT_VOID if contract.void_pending else services.CONTRACT_APPROVAL
    pending = pending_request_for(record_type=kind, obj=contract)
    history = [
        *history_of(record_type=services.CONTRACT_APPROVAL, object_id=contract.pk)[:10],
        *history_of(record_type=services.CONTRACT_VOID, object_id=contract.pk)[:10],
    ]
    return render(
        request,
        "sales/contracts/detail.html",
        {
            "contract": contract,
            "lines": list(contract.lines.select_related("product")),
            "orders": list(contract.orders.order_by("-ordered_on", "-pk")[:20]),
            "renewals": list(Contract.objects.filter(renews=contract).order_by("-pk")[:10]),
            "can_edit": has_perm(request.user, "contracts.edit"),
            "can_create": has_perm(request.user, "contracts.create"),
            "can_order": has_perm(request.user, "orders.create"),
            "pending_request": pending if pending and may_decide(actor=request.user, request=pending) else None,
            "may_withdraw": pending is not None and may_withdraw(actor=request.user, request=pending),
            "approvals": sorted(history, key=lambda request: request.submitted_at, reverse=True),
            "sign_form": SignForm(initial={"signed_on": contract.signed_on or timezone.localdate()}),
            "reason_form": ReasonForm(),
            "attachments": list(contract.attachments.all()),
            "attach_form": AttachForm() if contract.status != ContractStatus.VOIDED else None,
            "statuses": ContractStatus,
        },
    )


@require_POST
@perm_required("contracts.view")
def contract_action(request: AuthedRequest, pk: int, name: str) -> HttpResponse:
    contract = get_visible_or_404(Contract.objects.all(), request.user, pk=pk)
    reason = request.POST.get("reason", "")
    actions: dict[str, Any] = {  # each service checks its own permission
        "submit": lambda: services.contract_submit(actor=request.user, contract=contract),
        "withdraw": lambda: services.contract_withdraw(actor=request.user, contract=contract),
        "sign": lambda: services.contract_sign(actor=request.user, contract=contract, signed_on=_date(request)),
        "complete": lambda: services.contract_close(actor=request.user, contract=contract),
        "terminate": lambda: services.contract_close(
            actor=request.user, contract=contract, terminate=True, reason=reason
        ),
        "void": lambda: services.contract_void(actor=request.user, contract=contract, reason=reason),
        "copy": lambda: services.contract_copy(actor=request.user, contract=contract),
        "renew": lambda: services.contract_renew(actor=request.user, contract=contract),
    }
    if name == "delete":
        attempt(None, request, lambda: services.contract_delete(actor=request.user, contract=contract))
        if not Contract.objects.filter(pk=contract.pk).exists():
            messages.success(request, _("Deleted."))
            return redirect("sales:contracts")
        return redirect(contract.get_absolute_url())
    if name not in actions:
        return redirect(contract.get_absolute_url())
    done = attempt(None, request, actions[name])
    if done is not None:
        if done.pk != contract.pk:
            messages.success(request, _("Contract %(number)s was saved as a draft.") % {"number": done.number})
        elif name == "void":
            messages.success(request, _("The void waits for approval."))
        else:
            messages.success(request, _("The contract is now: %(status)s") % {"status": done.get_status_display()})
        return redirect(done.get_absolute_url())
    return redirect(contract.get_absolute_url())


def _date(request: AuthedRequest) -> Any:
    form = SignForm(request.POST)
    return form.cleaned_data["signed_on"] if form.is_valid() else None


@require_POST
@perm_required("contracts.edit")
def contract_attach(request: AuthedRequest, pk: int) -> HttpResponse:
    contract = get_visible_or_404(Contract.objects.all(), request.user, pk=pk)
    form = AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    else:
        files = form.cleaned_data["attachments"]
        saved = attempt(
            None, request, lambda: services.contract_attach(actor=request.user, contract=contract, files=files)
        )
        if saved:
            messages.success(request, _("Files added: %(count)d.") % {"count": len(saved)})
    return redirect(contract.get_absolute_url() + "#attachments")


@perm_required("contracts.view")
def attachment_download(request: AuthedRequest, pk: int) -> FileResponse:
    """A contract's file, only for someone who may see the contract (404 otherwise, like a missing one)."""
    from django.http import Http404

    from guanxi.core.uploads import stored_file_response

    attachment = ContractAttachment.objects.filter(
        pk=pk, contract__in=Contract.objects.visible_to(request.user)
    ).first()
    if attachment is None:
        raise Http404
    return stored_file_response(request, attachment)


@perm_required("contracts.view")
def customer_contracts(request: AuthedRequest, pk: int) -> HttpResponse:
    """The 360 page's Contracts tab, loaded on its own."""
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    rows = selectors.contract_list(actor=request.user, filters={"customer": customer.pk})[:50]
    return render(request, "sales/contracts/customer_tab.html", {"customer": customer, "contracts": rows})


def register() -> None:
    from django.utils.translation import gettext_lazy

    from guanxi.customers.views import DetailTab, register_detail_tab

    register_detail_tab(DetailTab("contracts", gettext_lazy("Contracts"), "contracts.view"))
