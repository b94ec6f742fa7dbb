"""Webhook settings of a business unit: the list, the form, one webhook with its delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.outbox import EVENTS
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404

from . import selectors, services
from .addresses import ALLOW_PRIVATE
from .forms import SubscriptionForm
from .models import Delivery, Subscription


@perm_required("webhooks.view")
def webhook_list(request: AuthedRequest) -> HttpResponse:
    rows = selectors.webhook_list(actor=request.user)
    context = {
        "page_obj": CappedPaginator(rows, 25).get_page(request.GET.get("page")),
        "may_create": has_perm(request.user, "webhooks.create"),
        "parameter": ALLOW_PRIVATE,
    }
    return render(request, "integrations/webhooks/list.html", context)


@perm_required("webhooks.create")
def webhook_create(request: AuthedRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ("name", "url", "events", "active")}
        row = attempt(form, None, lambda: services.webhook_create(actor=request.user, data=data))
        if row:
            messages.success(request, _("Webhook saved. Copy its signing secret to the receiver."))
            return redirect("integrations:webhook", row.pk)
    return render(request, "integrations/webhooks/form.html", {"form": form})


@perm_required("webhooks.edit")
def webhook_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    row = get_visible_or_404(Subscription.objects.all(), request.user, pk=pk)
    initial = {"name": row.name, "url": row.url, "events": row.events, "active": row.active, "version": row.version}
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ("name", "url", "events", "active")}
        version = form.cleaned_data.get("version") or row.version
        saved = attempt(
            form,
            None,
            lambda: services.webhook_update(actor=request.user, subscription=row, version=version, data=data),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect("integrations:webhook", row.pk)
    return render(request, "integrations/webhooks/form.html", {"form": form, "subscription": row})


@perm_required("webhooks.view")
def webhook_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    row = get_visible_or_404(Subscription.objects.select_related("owner", "business_unit"), request.user, pk=pk)
    log = selectors.delivery_log(actor=request.user, subscription=row)
    page = CappedPaginator(log, 25).get_page(request.GET.get("page"))
    for delivery in page.object_list:
        delivery.label = EVENTS.get(delivery.event_code, delivery.event_code)
    context = {
        "subscription": row,
        "page_obj": page,
        "event_labels": [EVENTS.get(code, code) for code in row.events],
        "may_edit": has_perm(request.user, "webhooks.edit"),
        "may_delete": has_perm(request.user, "webhooks.delete"),
    }
    return render(request, "integrations/webhooks/detail.html", context)


@require_POST
@perm_required("webhooks.edit")
def webhook_test(request: AuthedRequest, pk: int) -> HttpResponse:
    row = get_visible_or_404(Subscription.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.webhook_ping(actor=request.user, subscription=row) or True):
        messages.success(request, _("A test event is on its way; its delivery appears below."))
    return redirect("integrations:webhook", row.pk)


@require_POST
@perm_required("webhooks.edit")
def webhook_rotate(request: AuthedRequest, pk: int) -> HttpResponse:
    row = get_visible_or_404(Subscription.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.webhook_rotate_secret(actor=request.user, subscription=row)):
        messages.success(request, _("A new signing secret is in force; give it to the receiver."))
    return redirect("integrations:webhook", row.pk)


@require_POST
@perm_required("webhooks.delete")
def webhook_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    row = get_visible_or_404(Subscription.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.webhook_delete(actor=request.user, subscription=row) or True):
        messages.success(request, _("Webhook deleted."))
        return redirect("integrations:webhooks")
    return redirect("integrations:webhook", row.pk)


@require_POST
@perm_required("webhooks.edit")
def delivery_redeliver(request: AuthedRequest, pk: int) -> HttpResponse:
    delivery = get_visible_or_404(Delivery.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.delivery_redeliver(actor=request.user, delivery=delivery)):
        messages.success(request, _("The delivery will be sent again now."))
    return redirect("integrations:webhook", delivery.subscription_id)
