"""A user's own mailbox page (connect, state, test, sync, templates), a message, writing mail, and the
customer 360 page's mail tab."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import perm_required
from guanxi.core.scope import get_visible_or_404
from guanxi.core.uploads import stored_file_response
from guanxi.customers.models import Contact, Customer

from . import selectors, services
from .forms import ComposeForm, MailboxForm, TemplateForm
from .models import Email, EmailAttachment, EmailTemplate
from .transport import TransportError, check

FORM_FIELDS = [name for name in MailboxForm.base_fields if name not in ("password", "version")]


@perm_required("mailboxes.view")
def mailbox_page(request: AuthedRequest) -> HttpResponse:
    mailbox = selectors.mailbox_of(request.user)
    initial: dict[str, Any] = {}
    if mailbox is not None:
        initial = {name: getattr(mailbox, name) for name in FORM_FIELDS} | {"version": mailbox.version}
    form = MailboxForm(request.POST or None, initial=initial or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in FORM_FIELDS}
        password = form.cleaned_data.get("password") or ""
        if mailbox is None:
            saved = attempt(
                form, None, lambda: services.mailbox_connect(actor=request.user, data=data, password=password)
            )
        else:
            version = form.cleaned_data.get("version") or mailbox.version
            saved = attempt(
                form,
                None,
                lambda: services.mailbox_update(
                    actor=request.user, mailbox=mailbox, version=version, data=data, password=password or None
                ),
            )
        if saved:
            messages.success(request, _("Mailbox saved; it is being synchronised."))
            return redirect("integrations:mailbox")
    context = {
        "mailbox": mailbox,
        "can_write": services.may_send(request.user, mailbox),
        "form": form,
        "page_obj": CappedPaginator(selectors.my_emails(actor=request.user), 20).get_page(request.GET.get("page")),
        "templates": selectors.templates_of(request.user),
        "template_form": TemplateForm(),
    }
    return render(request, "integrations/mail/mailbox.html", context)


@require_POST
@perm_required("mailboxes.view")
def mailbox_test(request: AuthedRequest) -> HttpResponse:
    mailbox = selectors.mailbox_of(request.user)
    if mailbox is None:
        raise Http404
    try:
        check(mailbox)
    except TransportError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Both servers accepted the user name and password."))
    return redirect("integrations:mailbox")


@require_POST
@perm_required("mailboxes.view")
def mailbox_sync(request: AuthedRequest) -> HttpResponse:
    mailbox = selectors.mailbox_of(request.user)
    if mailbox is None:
        raise Http404
    if attempt(None, request, lambda: services.mailbox_sync_request(actor=request.user, mailbox=mailbox)):
        messages.success(request, _("Synchronising now."))
    return redirect("integrations:mailbox")


@require_POST
@perm_required("mailboxes.delete")
def mailbox_disconnect(request: AuthedRequest) -> HttpResponse:
    mailbox = selectors.mailbox_of(request.user)
    if mailbox is None:
        raise Http404
    if attempt(None, request, lambda: services.mailbox_disconnect(actor=request.user, mailbox=mailbox) or True):
        messages.success(request, _("Mailbox disconnected; its password is forgotten."))
    return redirect("integrations:mailbox")


@require_POST
@perm_required("mailboxes.create")
def template_create(request: AuthedRequest) -> HttpResponse:
    form = TemplateForm(request.POST)
    if form.is_valid():
        if attempt(None, request, lambda: services.template_create(actor=request.user, **form.cleaned_data)):
            messages.success(request, _("Template saved."))
    else:
        messages.error(request, _("Give the template a name, a subject and a text."))
    return redirect("integrations:mailbox")


@require_POST
@perm_required("mailboxes.delete")
def template_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    template = get_visible_or_404(EmailTemplate.objects.all(), request.user, pk=pk)
    attempt(None, request, lambda: services.template_delete(actor=request.user, template=template))
    return redirect("integrations:mailbox")


def _readable(request: AuthedRequest, pk: int) -> Email:
    row = selectors.readable_emails(request.user).filter(pk=pk).select_related("owner").first()
    if row is None:
        raise Http404
    return row


@perm_required("mailboxes.view")
def email_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    row = _readable(request, pk)
    customers = (
        Customer.objects.visible_to(request.user).filter(pk__in=row.links.values("customer_id")).order_by("name")
    )
    context = {
        "email": row,
        "attachments": row.attachments.order_by("pk"),
        "customers": customers,
        "mine": row.owner_id == request.user.pk,
    }
    return render(request, "integrations/mail/email.html", context)


@perm_required("mailboxes.view")
def attachment(request: AuthedRequest, pk: int) -> FileResponse:
    stored = EmailAttachment.objects.filter(pk=pk, too_large=False).first()
    if stored is None or not stored.file:
        raise Http404
    _readable(request, stored.email_id)
    return stored_file_response(request, stored)


@perm_required("mailboxes.create")
def compose(request: AuthedRequest) -> HttpResponse:
    mailbox = selectors.mailbox_of(request.user)
    if not services.may_send(request.user, mailbox):
        messages.info(request, _("Connect your mailbox first."))
        return redirect("integrations:mailbox")
    initial: dict[str, Any] = {}
    reply_to = customer = contact = None
    if (raw := request.GET.get("reply_to", "")).isdigit():
        reply_to = get_visible_or_404(Email.objects.all(), request.user, pk=int(raw))
        subject = reply_to.subject if reply_to.subject.lower().startswith("re:") else f"Re: {reply_to.subject}"
        initial |= {"reply_to": reply_to.pk, "subject": subject, "to": reply_to.from_address}
        if reply_to.direction == "out":
            initial["to"] = ", ".join(reply_to.to)
    if (raw := request.GET.get("customer", "")).isdigit():
        customer = get_visible_or_404(Customer.objects.all(), request.user, pk=int(raw))
        initial["customer"] = customer.pk
        contact = Contact.objects.filter(customer=customer).exclude(email="").order_by("-is_primary", "pk").first()
        if contact and "to" not in initial:
            initial["to"] = contact.email
    templates = selectors.templates_of(request.user)
    if (raw := request.GET.get("template", "")).isdigit():
        template = templates.filter(pk=int(raw)).first()
        if template is not None:
            subject, body = services.template_fill(template, sender=request.user, customer=customer, contact=contact)
            initial |= {"body": body} | ({} if reply_to else {"subject": subject})
    form = ComposeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        answered = (
            get_visible_or_404(Email.objects.all(), request.user, pk=data["reply_to"]) if data.get("reply_to") else None
        )
        about = (
            get_visible_or_404(Customer.objects.all(), request.user, pk=data["customer"])
            if data.get("customer")
            else None
        )
        sent = attempt(
            form,
            None,
            lambda: services.email_send(
                actor=request.user, to=data["to"], cc=data.get("cc") or "", subject=data["subject"],
                body=data["body"], reply_to=answered, customer=about,
            ),
        )  # fmt: skip
        if sent:
            messages.success(request, _("Sent."))
            return redirect("integrations:email", sent.pk)
    context = {
        "form": form, "templates": templates, "reply_to": reply_to, "customer": customer,
        "company_address": services.company_address() if mailbox is None else "",
    }  # fmt: skip
    return render(request, "integrations/mail/compose.html", context)


@perm_required("customers.view")
def customer_tab(request: AuthedRequest, customer_pk: int) -> HttpResponse:
    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=customer_pk)
    contacts = list(Contact.objects.filter(customer=customer).exclude(email="").order_by("name"))
    contact = next((c for c in contacts if str(c.pk) == request.GET.get("contact")), None)
    rows = selectors.contact_emails(contact=contact) if contact else selectors.customer_emails(customer=customer)
    context = {
        "customer": customer,
        "contacts": contacts,
        "contact": contact,
        "page_obj": CappedPaginator(rows, 20).get_page(request.GET.get("page")),
        "can_write": services.may_send(request.user, selectors.mailbox_of(request.user)),
    }
    return render(request, "integrations/mail/customer_tab.html", context)
