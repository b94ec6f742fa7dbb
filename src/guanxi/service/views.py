"""Service pages: thin — parse, call one selector or service, render (SPEC §9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.config.dictionary import dictionary_labels
from guanxi.core.config.units import config_may_change
from guanxi.core.errors import DomainError
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.middleware import ip_of
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.core.uploads import stored_file_response
from guanxi.customers.models import Customer
from guanxi.org.models import BusinessUnit, User
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders.models import Order

from . import exports, knowledge, selectors, services, sla
from .forms import (
    ArticleForm,
    AssignForm,
    AttachForm,
    CategoryForm,
    FeedbackForm,
    FilterForm,
    NoteForm,
    ReplyForm,
    ResolveForm,
    TicketForm,
)
from .models import TYPE_DICTIONARY, Article, ArticleCategory, Ticket, TicketStatus
from .workcalendar import FIRST_YEAR, LAST_YEAR, calendar_covers

# --- tickets ---------------------------------------------------------------------------------------------


def _filtered(request: AuthedRequest) -> tuple[FilterForm, Any]:
    form = FilterForm(request.GET or None, actor=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    tickets = selectors.ticket_list(
        actor=request.user,
        query=data.get("q", ""),
        filters={name: data.get(name) for name in selectors.FILTERS},
        breached=bool(data.get("breached")),
    )
    return form, tickets


@perm_required("service.view")
def ticket_list(request: AuthedRequest) -> HttpResponse:
    filter_form, tickets = _filtered(request)
    page = CappedPaginator(tickets, 25).get_page(request.GET.get("page"))
    selectors.label_rows(list(page.object_list))
    context = {"filter_form": filter_form, "page_obj": page, "query_string": request.GET.urlencode()}
    return render(request, "service/list.html", context)


@perm_required("service.export")
def ticket_export(request: AuthedRequest) -> HttpResponse:
    _form, tickets = _filtered(request)
    try:
        content = exports.tickets_export(actor=request.user, rows=tickets, filters=dict(request.GET.items()))
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(f"{reverse('service:list')}?{request.GET.urlencode()}")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="tickets-{stamp}.xlsx"'
    return response


@perm_required("service.view")
def ticket_queue(request: AuthedRequest) -> HttpResponse:
    queues = selectors.queues_for(request.user)
    name = request.GET.get("queue", "mine")
    name = name if name in queues else "mine"
    page = CappedPaginator(selectors.queue(actor=request.user, name=name), 25).get_page(request.GET.get("page"))
    selectors.label_rows(list(page.object_list))
    loads = selectors.team_load(actor=request.user) if name == "team" else []
    context = {"queues": queues, "queue": name, "page_obj": page, "loads": loads}
    return render(request, "service/queue.html", context)


@perm_required("service.create")
def ticket_create(request: AuthedRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    if request.GET.get("customer", "").isdigit():
        initial["customer"] = get_visible_or_404(Customer.objects.all(), request.user, pk=request.GET["customer"])
    form = TicketForm(
        request.POST or None,
        request.FILES or None,
        actor=request.user,
        initial=initial,
        customer=initial.get("customer"),
    )
    if request.method == "POST" and form.is_valid():
        ticket = attempt(
            form,
            None,
            lambda: services.ticket_create(
                actor=request.user,
                customer=form.cleaned_data["customer"],
                contact=form.cleaned_data.get("contact"),
                data=form.ticket_data(),
                files=form.cleaned_data.get("attachments") or [],
            ),
            {"files": "attachments"},
        )
        if ticket:
            messages.success(request, _("Ticket %(number)s was registered.") % {"number": ticket.number})
            return redirect(ticket.get_absolute_url())
    return render(request, "service/form.html", {"form": form})


@perm_required("service.edit")
def ticket_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    ticket = get_visible_or_404(Ticket.objects.all(), request.user, pk=pk)
    initial = {name: getattr(ticket, name) for name in services.TICKET_FIELDS}
    form = TicketForm(request.POST or None, actor=request.user, ticket=ticket, initial=initial)
    if request.method == "POST" and form.is_valid():
        version = int(request.POST.get("version") or 0)
        saved = attempt(
            form,
            None,
            lambda: services.ticket_update(actor=request.user, ticket=ticket, version=version, data=form.ticket_data()),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect(ticket.get_absolute_url())
    return render(request, "service/form.html", {"form": form, "ticket": ticket})


@perm_required("service.view")
def ticket_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_for_detail(actor=request.user, pk=pk)
    handles = ticket.assignee_id == request.user.pk or has_perm(request.user, "service.assign")
    edit = has_perm(request.user, "service.edit")
    context: dict[str, Any] = {
        "ticket": ticket,
        "timeline": selectors.timeline(ticket),
        "time_left": selectors.minutes_label(getattr(ticket, "minutes_left", None)),
        "may_assign": has_perm(request.user, "service.assign") and ticket.is_open,
        "may_take": edit and ticket.assignee_id is None and ticket.is_open and services.is_agent(request.user),
        "may_start": edit and handles and ticket.status == TicketStatus.ASSIGNED,
        "may_resolve": edit and handles and ticket.status == TicketStatus.IN_PROGRESS,
        "may_feedback": edit and ticket.status in (TicketStatus.RESOLVED, TicketStatus.FEEDBACK),
        "may_archive": has_perm(request.user, "service.assign")
        and ticket.status in (TicketStatus.RESOLVED, TicketStatus.FEEDBACK),
        "may_reopen": has_perm(request.user, "service.create") and ticket.status == TicketStatus.ARCHIVED,
        "may_edit": edit and ticket.status != TicketStatus.ARCHIVED,
        "articles": ticket.articles.all(),
        "attachments": ticket.attachments.all(),
        # the contract and order link to their pages only for readers who may open them
        "opens_contract": _opens(Contract, ticket.contract_id, request.user),
        "opens_order": _opens(Order, ticket.order_id, request.user),
    }
    if edit and ticket.status != TicketStatus.ARCHIVED:
        context["attach_form"] = AttachForm()
    if context["may_assign"]:
        context["assign_form"] = AssignForm(ticket=ticket)
        context["suggestions"] = services.dispatch_suggestions(ticket=ticket)
    if context["may_resolve"]:
        context["resolve_form"] = ResolveForm(actor=request.user)
        context["suggested_articles"] = selectors.suggested_articles(actor=request.user, ticket=ticket)
    if context["may_feedback"]:
        context["feedback_form"] = FeedbackForm()
        if ticket.feedback_token:
            context["feedback_url"] = request.build_absolute_uri(
                reverse("service:public_feedback", args=[ticket.feedback_token])
            )
    if context["may_archive"] or context["may_reopen"]:
        context["note_form"] = NoteForm()
    if has_perm(request.user, "service.create") and ticket.status != TicketStatus.ARCHIVED:
        context["reply_form"] = ReplyForm()
        context["may_note"] = edit
    return render(request, "service/detail.html", context)


@require_POST
@perm_required("service.create")
def ticket_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    ticket = get_visible_or_404(Ticket.objects.all(), request.user, pk=pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        data = form.cleaned_data
        saved = attempt(
            None,
            request,
            lambda: services.ticket_reply(
                actor=request.user, ticket=ticket, text=data["text"], internal=data["internal"]
            ),
        )
        if saved:
            messages.success(request, _("Saved."))
    return redirect(f"{ticket.get_absolute_url()}#timeline")


@require_POST
@perm_required("service.edit")
def ticket_attach(request: AuthedRequest, pk: int) -> HttpResponse:
    ticket = get_visible_or_404(Ticket.objects.all(), request.user, pk=pk)
    form = AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        files = form.cleaned_data["attachments"]
        saved = attempt(None, request, lambda: services.ticket_attach(actor=request.user, ticket=ticket, files=files))
        if saved:
            messages.success(request, _("Files added: %(count)d.") % {"count": len(saved)})
    return redirect(reverse("service:detail", args=[pk]) + "#attachments")


@perm_required("service.view")
def attachment_download(request: AuthedRequest, pk: int) -> FileResponse:
    """A ticket's file, only for someone who may see the ticket (404 otherwise, like a missing one)."""
    return stored_file_response(request, selectors.attachment_for_download(actor=request.user, pk=pk))


def _opens(model: Any, pk: int | None, user: User) -> bool:
    return pk is not None and model.objects.visible_to(user).filter(pk=pk).exists()


def _act(request: AuthedRequest, pk: int, call: Callable[[Ticket], Any], done: str) -> HttpResponse:
    """Run one lifecycle step from the detail page; a refusal shows as an error toast."""
    ticket = get_visible_or_404(Ticket.objects.select_related("customer", "contact"), request.user, pk=pk)
    result = attempt(None, request, lambda: call(ticket))
    if result is not None:
        messages.success(request, done)
        if isinstance(result, Ticket) and result.pk != ticket.pk:
            return redirect(result.get_absolute_url())
    return redirect(ticket.get_absolute_url())


def _form_errors(request: HttpRequest, form: Any) -> None:
    messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))


@require_POST
@perm_required("service.edit")
def ticket_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    ticket = get_visible_or_404(Ticket.objects.all(), request.user, pk=pk)
    if request.POST.get("take"):
        form = None
        assignee = request.user
    else:
        form = AssignForm(request.POST, ticket=ticket)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect(ticket.get_absolute_url())
        assignee = form.cleaned_data["assignee"]
    note = form.cleaned_data.get("note", "") if form else ""
    return _act(
        request,
        pk,
        lambda t: services.ticket_assign(actor=request.user, ticket=t, assignee=assignee, note=note),
        _("The ticket was assigned to %(name)s.") % {"name": assignee},
    )


@require_POST
@perm_required("service.edit")
def ticket_start(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda t: services.ticket_start(actor=request.user, ticket=t), _("Handling started."))


@require_POST
@perm_required("service.edit")
def ticket_resolve(request: AuthedRequest, pk: int) -> HttpResponse:
    form = ResolveForm(request.POST, actor=request.user)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("service:detail", pk)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda t: services.ticket_resolve(
            actor=request.user, ticket=t, resolution=data["resolution"], articles=data["articles"]
        ),
        _("The ticket is resolved; ask the customer for feedback."),
    )


@require_POST
@perm_required("service.edit")
def ticket_feedback(request: AuthedRequest, pk: int) -> HttpResponse:
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("service:detail", pk)
    data = form.cleaned_data
    return _act(
        request,
        pk,
        lambda t: services.ticket_feedback(
            actor=request.user, ticket=t, satisfaction=data["satisfaction"], comment=data["comment"]
        ),
        _("The feedback was recorded."),
    )


@require_POST
@perm_required("service.edit")
def ticket_feedback_link(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda t: services.ticket_feedback_link(actor=request.user, ticket=t),
        _("A feedback link was made; send it to the customer."),
    )


@require_POST
@perm_required("service.assign")
def ticket_archive(request: AuthedRequest, pk: int) -> HttpResponse:
    note = request.POST.get("note", "")
    return _act(request, pk, lambda t: services.ticket_archive(actor=request.user, ticket=t, note=note), _("Archived."))


@require_POST
@perm_required("service.create")
def ticket_reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("note", "")
    return _act(
        request,
        pk,
        lambda t: services.ticket_reopen(actor=request.user, ticket=t, reason=reason),
        _("A new ticket was opened for the returning problem."),
    )


@perm_required("service.view")
def customer_tab(request: AuthedRequest, customer_pk: int) -> HttpResponse:
    """The 360° page's Service tab, loaded on its own: the customer's tickets the reader may see."""
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=customer_pk)
    tickets = list(selectors.customer_tickets(actor=request.user, customer_id=customer.pk)[:50])
    selectors.label_rows(tickets)
    return render(request, "service/customer_tab.html", {"customer": customer, "tickets": tickets})


@perm_required("service.view")
def sla_settings(request: AuthedRequest) -> HttpResponse:
    """What the unit's deadlines are and which calendar counts them; changed on the parameters page."""
    year = timezone.localdate().year
    context = {
        "rows": sla.priority_rows(request.user.business_unit_id),
        "first_year": FIRST_YEAR,
        "last_year": LAST_YEAR,
        "covered": calendar_covers(year),
        "types": dictionary_labels(TYPE_DICTIONARY),
    }
    return render(request, "service/sla.html", context)


@perm_required("service.view")
def agent_list(request: AuthedRequest) -> HttpResponse:
    """The unit's agents: what each handles (their skills, which dispatch suggests by) and their open load."""
    unit = request.user.business_unit_id
    types = dictionary_labels(TYPE_DICTIONARY)
    agents = list(services.agents_with_load(unit))
    for agent in agents:
        agent.skill_codes = {skill.type for skill in agent.service_skills.all()}  # type: ignore[attr-defined]
    may_edit = config_may_change(actor=request.user, code="service.configure", unit_id=unit)
    return render(request, "service/agents.html", {"agents": agents, "types": types, "may_edit": may_edit})


@require_POST
@perm_required("service.configure")
def agent_skills(request: AuthedRequest, pk: int) -> HttpResponse:
    agent = get_object_or_404(services.agents_of_unit(request.user.business_unit_id), pk=pk)
    types = request.POST.getlist("types")
    saved = attempt(None, request, lambda: services.agent_skills_set(actor=request.user, agent=agent, types=types))
    if saved is not None:
        messages.success(request, _("Saved what %(name)s handles.") % {"name": agent})
    return redirect(reverse("service:agents") + f"#agent-{agent.pk}")


# --- the customer's feedback link (public) ---------------------------------------------------------------


def public_feedback(request: HttpRequest, token: str) -> HttpResponse:
    """No sign-in: the unguessable link is the key; one answer per round, rate-limited per address."""
    ticket = services.ticket_by_feedback_token(token)
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ticket_feedback_public(
                token=token,
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
                ip=ip_of(request),
            )
        except (DomainError, ValidationError) as error:
            form.add_error(None, str(getattr(error, "message", error)))
            return render(
                request,
                "service/public/feedback.html",
                {"form": form, "ticket": ticket},
                status=getattr(error, "status", 400),
            )
        return render(request, "service/public/thanks.html", {})
    if ticket is None:
        return render(request, "service/public/thanks.html", {"answered": True}, status=410)
    return render(request, "service/public/feedback.html", {"form": form, "ticket": ticket})


# --- knowledge base --------------------------------------------------------------------------------------


@perm_required("knowledge.view")
def article_list(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    articles = selectors.article_list(
        actor=request.user, query=query, category=int(category) if category.isdigit() else None
    )
    page = knowledge.SearchPaginator(articles, 20).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "q": query,
        "category": category,
        "categories": ArticleCategory.objects.visible_to(request.user),
        "faq_url": _faq_url(request.user),
    }
    return render(request, "service/articles.html", context)


def _faq_url(user: User) -> str:
    """The public FAQ of the reader's business unit, the address to give its customers."""
    unit = user.department.business_unit if user.department else None
    return reverse("service:unit_faq", args=[unit.code]) if unit else reverse("service:faq")


@perm_required("knowledge.view")
def article_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    article = get_visible_or_404(Article.objects.select_related("category"), request.user, pk=pk)
    if request.method == "POST":
        helpful = request.POST.get("helpful") == "yes"
        if attempt(None, request, lambda: knowledge.article_vote(actor=request.user, article=article, helpful=helpful)):
            messages.success(request, _("Thank you for telling us."))
        return redirect(article.get_absolute_url())
    return render(request, "service/article.html", {"article": article})


@perm_required("knowledge.create")
def article_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    article = get_visible_or_404(Article.objects.all(), request.user, pk=pk) if pk else None
    initial = (
        {"title": article.title, "category": article.category_id, "body": article.body, "is_public": article.is_public,
         "version": article.version}
        if article else {}
    )  # fmt: skip
    form = ArticleForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if article is None:
            saved = attempt(form, None, lambda: knowledge.article_create(actor=request.user, data=data))
        else:
            version = data.get("version") or 0
            saved = attempt(
                form,
                None,
                lambda: knowledge.article_update(actor=request.user, article=article, version=version, data=data),
            )
        if saved:
            messages.success(request, _("Saved."))
            return redirect(saved.get_absolute_url())
    return render(request, "service/article_form.html", {"form": form, "article": article})


@perm_required("knowledge.configure")
def category_list(request: AuthedRequest) -> HttpResponse:
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if attempt(form, None, lambda: knowledge.category_create(actor=request.user, **data)):
            messages.success(request, _("Saved."))
            return redirect("service:categories")
    categories = selectors.categories(actor=request.user)
    return render(request, "service/categories.html", {"form": form, "categories": categories})


def public_faq(request: HttpRequest, unit: str = "") -> HttpResponse:
    """The articles marked public (SPEC §9.4), for customers: no sign-in. ``/faq/<unit code>/`` is one business
    unit's (a dealership's customers do not read the machine-tool answers); ``/faq/`` every unit's."""
    business_unit = get_object_or_404(BusinessUnit, code=unit) if unit else None
    query = request.GET.get("q", "").strip()[:100]
    articles = selectors.public_articles(unit_id=business_unit.pk if business_unit else None, query=query)
    page = knowledge.SearchPaginator(articles, 20).get_page(request.GET.get("page"))
    return render(request, "service/public/faq.html", {"page_obj": page, "q": query, "unit": business_unit})


def register() -> None:
    """The Service tab of the customer 360 page, and the notification kinds tickets send."""
    from guanxi.core.notifications.kinds import register_kind
    from guanxi.customers.views import DetailTab, register_detail_tab

    register_detail_tab(DetailTab("service", gettext_lazy("Service"), "service.view"))
    register_kind("ticket_assigned", gettext_lazy("A ticket was assigned to me"))
    register_kind("ticket_escalated", gettext_lazy("A ticket missed its deadline"), default_email=True)
    register_kind("ticket_reply", gettext_lazy("Someone replied on a ticket of mine"))
