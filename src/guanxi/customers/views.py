"""Customer pages: thin — parse, call one selector or service, render (SPEC §2.4–2.8)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.auditlog.selectors import record_history
from guanxi.core.errors import DomainError
from guanxi.core.forms import attempt, show_error
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.core.templatetags.guanxi import mailto, tel
from guanxi.org.models import User

from . import exports, hooks, keys, merge, partners, selectors, services
from . import warnings as customer_warnings
from .forms import (
    ContactForm,
    ContactMoveForm,
    CustomerForm,
    MergeChoiceForm,
    MergeFindForm,
    ShareForm,
    TransferForm,
)
from .lists import views as list_views
from .models import Contact, Customer

ALIASES = {"referrer": "referrer_number"}
# A merge's field errors land on the row of the comparison that chose the value.
MERGE_ALIASES = {name: group for group, names in merge.GROUPS.items() for name in names}


def _attempt(form: Any, call: Any) -> Any:
    return attempt(form, None, call, ALIASES)


@perm_required("customers.view")
def customer_picker(request: AuthedRequest) -> JsonResponse:
    """Tom Select's options for a customer field (quotes, contracts, orders, opportunities): the customers the
    user sees that the one search box finds for the typed text."""
    query = request.GET.get("q", "").strip()
    found = selectors.customer_list(actor=request.user, query=query) if query else None
    rows = found.only("pk", "name", "number", "owner__display_name")[:20] if found is not None else []
    return JsonResponse(
        {"results": [{"number": row.number, "name": row.name, "owner": str(row.owner or "")} for row in rows]}
    )


@perm_required("customers.view")
def customer_list(request: AuthedRequest) -> HttpResponse:
    customers, filter_form = exports.listed_customers(request.user, request.GET)
    data = filter_form.cleaned_data if filter_form.is_valid() else {}
    page = CappedPaginator(customers, 25).get_page(request.GET.get("page"))
    context = {
        "filter_form": filter_form,
        "page_obj": page,
        "scenes": selectors.SCENES,
        "scene": data.get("scene") or "all",
        **list_views.list_context(request, page),  # stars, chosen columns, saved filters, bulk actions
    }
    return render(request, "customers/list.html", context)


@perm_required("customers.export")
def customer_export(request: AuthedRequest) -> HttpResponse:
    """The list with its current scene, filters and order as an .xlsx (or ``?format=csv``); a large list
    is exported in the background by the export jobs."""
    if exports.customers_table(request.user, request.GET).count > exports.EXPORT_LIMIT:
        return redirect(f"{reverse('io:export', args=['customers'])}?{request.GET.urlencode()}")
    file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
    content, _count = exports.customers_export(actor=request.user, query=request.GET, file_format=file_format)
    return exports.download(content, file_format)


@perm_required("customers.create")
def customer_create(request: AuthedRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None, actor=request.user)
    case = None
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                actor=request.user, data=form.customer_data(), contact=form.contact_data(), custom=form.custom_data()
            )
        except (DomainError, ValidationError) as refusal:
            show_error(form, refusal, ALIASES)
            case = getattr(refusal, "case", None)  # a duplicate someone holds opens a conflict case
        else:
            messages.success(
                request,
                _("Customer %(name)s was registered as %(number)s.") % {"name": customer, "number": customer.number},
            )
            return redirect("customers:detail", customer.pk)
    return render(request, "customers/form.html", {"form": form, "conflict_case": case})


@perm_required("customers.view")
def customer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for_detail(actor=request.user, pk=pk)
    try:
        hooks.detail_opened(actor=request.user, customer=customer)  # the pool's daily viewing limit
    except DomainError as refusal:
        return render(request, "customers/refused.html", {"customer": customer, "refusal": refusal}, status=403)
    unmasked = services.sees_contact_details(request.user, customer)
    context = {
        "customer": customer,
        "contacts": customer.contacts.all(),
        "can_edit": services.can_edit(request.user, customer),
        "can_merge": merge.may_merge(request.user),
        "unmasked": unmasked,
        "masked_phone": keys.mask_phone(customer.phone),
        "masked_email": keys.mask_email(customer.email) if customer.email else "",
        "tab": _tab(request.GET.get("tab", "overview")),
        "tabs": _tabs(request, customer),
        "overview_rows": selectors.overview_rows(customer),
        **partners.partner_context(request.user, customer),
        "customer_warnings": customer_warnings.warnings_of(customer.pk, actor=request.user),
        **_added_context(request.user, customer),
    }
    if context["tab"] == "history":
        context["history"] = record_history(actor=request.user, obj=customer)
    if request.htmx and request.GET.get("tab"):
        return render(request, f"customers/tabs/{context['tab']}.html", context)
    return render(request, "customers/detail.html", context)


# What the apps above add to the 360 page's context (the pool: days left, its buttons), registered in ready().
DETAIL_CONTEXT: list[Callable[[User, Customer], dict[str, Any]]] = []


def _added_context(actor: User, customer: Customer) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for provider in DETAIL_CONTEXT:
        context.update(provider(actor, customer))
    return context


def _tabs(request: AuthedRequest, customer: Customer) -> list[tuple[str, str]]:
    """The 360 page's tabs: those of the modules installed and open to the user (each loads on its own)."""
    tabs = [("overview", _("Overview")), ("contacts", _("Contacts"))]
    if has_perm(request.user, "activities.view"):
        tabs.append(("followups", _("Follow-ups")))  # activities/templates/customers/tabs/followups.html
    if has_perm(request.user, "opportunities.view"):
        tabs.append(("opportunities", _("Opportunities")))  # sales/templates/customers/tabs/opportunities.html
    if has_perm(request.user, "leads.view"):
        tabs.append(("leads", _("Leads")))  # leads/templates/customers/tabs/leads.html
    tabs += [
        (tab.code, str(tab.label))
        for tab in DETAIL_TABS
        if has_perm(request.user, tab.permission) and (tab.shown is None or tab.shown(customer))
    ]
    return [*tabs, ("history", _("History"))]


@dataclass(frozen=True)
class DetailTab:
    """A tab an app above adds to the 360 page; its template is ``customers/tabs/<code>.html`` in that app."""

    code: str
    label: str | Promise
    permission: str
    shown: Callable[[Customer], bool] | None = None  # only on some customers (the Partner tab: on partners)


DETAIL_TABS: list[DetailTab] = []


def register_detail_tab(tab: DetailTab) -> None:
    if tab.code not in {existing.code for existing in DETAIL_TABS}:
        DETAIL_TABS.append(tab)


def _tab(name: str) -> str:
    known = {"overview", "contacts", "followups", "opportunities", "leads", "history"}
    return name if name in known | {tab.code for tab in DETAIL_TABS} else "overview"


@perm_required("customers.edit")
def customer_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    if not services.can_edit(request.user, customer):
        raise PermissionDenied
    form = CustomerForm(request.POST or None, instance=customer, actor=request.user)
    if request.method == "POST" and form.is_valid():
        customer.refresh_from_db()
        version = form.cleaned_data.get("version") or 0
        saved = _attempt(
            form,
            lambda: services.customer_update(
                actor=request.user,
                customer=customer,
                version=version,
                data=form.customer_data(),
                custom=form.custom_data(),
            ),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect("customers:detail", customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@require_POST
@perm_required("customers.delete")
def customer_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    try:
        services.customer_delete(actor=request.user, customer=customer)
    except DomainError as error:  # it has contracts or orders: the message names them
        messages.error(request, str(error.message))
        return redirect("customers:detail", customer.pk)
    messages.success(
        request, _("Customer %(name)s was deleted; an administrator can restore it for 30 days.") % {"name": customer}
    )
    return redirect("customers:list")


@perm_required("customers.assign")
def customer_transfer(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    form = TransferForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data["owner"]
        done = _attempt(
            form,
            lambda: services.customer_transfer(
                actor=request.user, customer=customer, owner=owner, note=form.cleaned_data["note"]
            ),
        )
        if done:
            messages.success(
                request, _("%(customer)s now belongs to %(owner)s.") % {"customer": customer, "owner": owner}
            )
            return redirect("customers:detail", customer.pk)
    return render(request, "customers/action_form.html", {"form": form, "customer": customer, "title": _("Transfer")})


@perm_required("customers.delete")
def customer_merge(request: AuthedRequest, pk: int) -> HttpResponse:
    """Merge another customer into this one: find it by number, compare the differing fields, confirm."""
    keep = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    if not merge.may_merge(request.user):
        raise PermissionDenied
    posted = request.method == "POST"
    data = request.POST if posted else (request.GET if "number" in request.GET else None)
    find = MergeFindForm(data, actor=request.user)
    other: Customer | None = None
    if data is not None and find.is_valid():
        candidate = find.cleaned_data["number"]
        try:
            merge.customer_merge_check(actor=request.user, keep=keep, other=candidate)
            other = candidate
        except DomainError as error:
            find.add_error("number", str(error.message))
    context: dict[str, Any] = {"customer": keep, "find": find, "other": other}
    if other is not None:
        differences = merge.merge_differences(request.user, keep, other)
        choose = MergeChoiceForm(request.POST if posted else None, fields=[row.field for row in differences])
        if posted and choose.is_valid():
            choices = merge.expand_choices(choose.choices())
            try:
                merged = merge.customer_merge(actor=request.user, keep=keep, other=other, choices=choices)
            except (DomainError, ValidationError) as error:
                show_error(choose, error, MERGE_ALIASES)
            else:
                messages.success(
                    request,
                    _("Customer %(number)s was merged into %(name)s.") % {"number": other.number, "name": merged},
                )
                return redirect("customers:detail", keep.pk)
        context.update(choose=choose, rows=[(row, choose[row.field]) for row in differences])
    return render(request, "customers/merge.html", context)


@perm_required("customers.edit")
def customer_share(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    form = ShareForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _attempt(
            form,
            lambda: services.customer_share(
                actor=request.user,
                customer=customer,
                users=data["users"],
                departments=data["departments"],
                can_edit=data["can_edit"],
            ),
        )
        if not form.errors:
            messages.success(request, _("The customer is shared."))
            return redirect("customers:detail", customer.pk)
    return render(request, "customers/action_form.html", {"form": form, "customer": customer, "title": _("Share")})


@require_POST
@perm_required("customers.edit")
def customer_unshare(request: AuthedRequest, pk: int, user_pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    user = User.objects.filter(pk=user_pk).first()
    if user:
        services.customer_unshare(actor=request.user, customer=customer, user=user)
    return redirect("customers:detail", customer.pk)


@require_POST
@perm_required("customers.view")
def customer_reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    """Show one masked value (phone or e-mail) and log that it was seen."""
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    field = request.POST.get("field", "")
    if field not in {"phone", "email"}:
        return HttpResponse(status=400)
    value = services.customer_reveal(actor=request.user, customer=customer, field=field)
    return HttpResponse(mailto(value) if field == "email" else tel(value))


@perm_required("customers.edit")
def contact_form(request: AuthedRequest, pk: int, contact_pk: int | None = None) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    contact = (
        get_visible_or_404(Contact.objects.filter(customer=customer), request.user, pk=contact_pk)
        if contact_pk
        else None
    )
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ContactForm.Meta.fields}
        if contact:
            contact.refresh_from_db()
        saved = _attempt(
            form,
            lambda: services.contact_save(
                actor=request.user,
                customer=customer,
                contact=contact,
                data=data,
                version=form.cleaned_data.get("version"),
            ),
        )
        if saved:
            messages.success(request, _("Contact %(name)s was saved.") % {"name": saved})
            return redirect(f"{customer.get_absolute_url()}?tab=contacts")
    return render(request, "customers/contact_form.html", {"form": form, "customer": customer, "contact": contact})


@require_POST
@perm_required("customers.edit")
def contact_delete(request: AuthedRequest, pk: int, contact_pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    contact = get_visible_or_404(Contact.objects.filter(customer=customer), request.user, pk=contact_pk)
    services.contact_delete(actor=request.user, contact=contact)
    messages.success(request, _("Contact %(name)s was deleted.") % {"name": contact})
    return redirect(f"{customer.get_absolute_url()}?tab=contacts")


@perm_required("customers.edit")
def contact_move(request: AuthedRequest, pk: int, contact_pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=pk)
    contact = get_visible_or_404(Contact.objects.filter(customer=customer), request.user, pk=contact_pk)
    form = ContactMoveForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["number"]
        if _attempt(form, lambda: services.contact_move(actor=request.user, contact=contact, customer=target)):
            messages.success(
                request, _("%(contact)s now belongs to %(customer)s.") % {"contact": contact, "customer": target}
            )
            return redirect(f"{target.get_absolute_url()}?tab=contacts")
    title = _("Move %(contact)s to another customer") % {"contact": contact}
    return render(request, "customers/action_form.html", {"form": form, "customer": customer, "title": title})
