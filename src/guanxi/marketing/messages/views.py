"""Message pages: templates (with a preview filled in from a real record), a send's page with its progress
bar and delivery states, the campaign page's panel to send, opt-outs, the SMS provider's settings; and the
public ends: the tracking pixel, the click redirect, the one-click unsubscribe and the SMS inbound hook."""

from __future__ import annotations

import base64
import json
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404

from ..campaigns.models import Campaign
from . import bounces, selectors, services, tracking
from .forms import GatewayForm, OptOutForm, PreviewForm, SendForm, TemplateForm, variables_help
from .models import DeliveryStatus, Message, MessageTemplate, OptOut
from .rendering import MAX_SEGMENTS, SMS_OPT_OUT

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _counter(request: AuthedRequest) -> dict[str, Any]:
    gateway = services.gateway_of(request.user.business_unit_id) if request.user.business_unit_id else None
    signature = f"【{gateway.signature}】" if gateway and gateway.signature else ""
    return {"sms_extra": len(signature) + len(SMS_OPT_OUT) + 1, "max_segments": MAX_SEGMENTS}


@perm_required("marketing_messages.view")
def template_list(request: AuthedRequest) -> HttpResponse:
    rows = selectors.template_list(actor=request.user, channel=request.GET.get("channel", ""))
    context = {"page_obj": CappedPaginator(rows, 25).get_page(request.GET.get("page"))}
    return render(request, "marketing/messages/templates.html", context)


def _template_form(request: AuthedRequest, template: MessageTemplate | None) -> HttpResponse:
    initial = (
        {"name": template.name, "channel": template.channel, "subject": template.subject, "body": template.body,
         "version": template.version} if template else {"channel": request.GET.get("channel", "email")}
    )  # fmt: skip
    form = TemplateForm(request.POST or None, initial=initial, editing=template is not None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        saved = attempt(
            form,
            None,
            lambda: services.template_save(actor=request.user, template=template, version=version, data=data),
        )
        if saved:
            flash.success(request, _("Saved."))
            return redirect(saved.get_absolute_url())
    context = {"form": form, "template": template, "variables": variables_help(), **_counter(request)}
    return render(request, "marketing/messages/template_form.html", context)


@perm_required("marketing_messages.create")
def template_create(request: AuthedRequest) -> HttpResponse:
    return _template_form(request, None)


@perm_required("marketing_messages.edit")
def template_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _template_form(request, get_visible_or_404(MessageTemplate.objects.all(), request.user, pk=pk))


@perm_required("marketing_messages.view")
def template_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    template = get_visible_or_404(MessageTemplate.objects.select_related("owner"), request.user, pk=pk)
    form = PreviewForm(request.GET if "record" in request.GET else None)
    preview = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        preview = attempt(form, None, lambda: services.template_preview(
            actor=request.user, template=template, kind=data["kind"], record_id=data["record"]))  # fmt: skip
    return render(request, "marketing/messages/template.html", {"template": template, "form": form, "preview": preview})


@require_POST
@perm_required("marketing_messages.delete")
def template_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    template = get_visible_or_404(MessageTemplate.objects.all(), request.user, pk=pk)
    if attempt(None, request, lambda: services.template_delete(actor=request.user, template=template) or True):
        flash.success(request, _("Deleted."))
        return redirect("marketing:templates")
    return redirect(template.get_absolute_url())


def campaign_panel(request: AuthedRequest, campaign: Campaign) -> tuple[str, dict[str, Any]]:
    """The campaign page's messages card: its sends with their progress, and the form to send."""
    if not has_perm(request.user, "marketing_messages.view"):
        return "marketing/messages/none.html", {}
    templates = selectors.templates_for(actor=request.user, campaign=campaign)
    may_send = has_perm(request.user, "marketing_messages.approve") and campaign.status == "active"
    return "marketing/messages/panel.html", {
        "messages": selectors.messages_of(actor=request.user, campaign=campaign),
        "form": SendForm(templates=templates) if may_send else None,
        "campaign": campaign,
    }


@require_POST
@perm_required("marketing_messages.approve")
def message_send(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = get_visible_or_404(Campaign.objects.all(), request.user, pk=pk)
    form = SendForm(request.POST, templates=selectors.templates_for(actor=request.user, campaign=campaign))
    if not form.is_valid():
        flash.error(request, _("Choose a template."))
        return redirect(campaign.get_absolute_url())
    message = attempt(None, request, lambda: services.message_send(
        actor=request.user, campaign=campaign, template=form.cleaned_data["template"]))  # fmt: skip
    if message:
        return redirect(message.get_absolute_url())
    return redirect(campaign.get_absolute_url())


def _message(request: AuthedRequest, pk: int) -> Message:
    if not has_perm(request.user, "marketing_messages.view"):
        raise PermissionDenied
    return get_visible_or_404(Message.objects.select_related("campaign", "template", "owner"), request.user, pk=pk)


@perm_required("campaigns.view")
def message_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    message = _message(request, pk)
    status = request.GET.get("status", "")
    rows = selectors.deliveries(message=message, status=status)
    context = {
        "message": message,
        "progress": selectors.progress(message),
        "skipped": selectors.skipped_of(message),
        "status": status,
        "statuses": DeliveryStatus.choices,
        "page_obj": CappedPaginator(rows, 25).get_page(request.GET.get("page")),
    }
    return render(request, "marketing/messages/message.html", context)


@perm_required("campaigns.view")
def message_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The progress bar alone, polled by the page while the send runs."""
    message = _message(request, pk)
    return render(
        request, "marketing/messages/progress.html", {"message": message, "progress": selectors.progress(message)}
    )


@perm_required("marketing_messages.view")
def opt_out_list(request: AuthedRequest) -> HttpResponse:
    form = OptOutForm(request.POST or None)
    if request.method == "POST":
        if not has_perm(request.user, "marketing_messages.edit"):
            raise PermissionDenied
        if form.is_valid() and attempt(
            form, None, lambda: services.opt_out_add(actor=request.user, data=form.cleaned_data)
        ):
            flash.success(request, _("Saved."))
            return redirect("marketing:opt_outs")
    rows = selectors.opt_out_list(actor=request.user, query=request.GET.get("q", ""))
    context = {
        "form": form,
        "page_obj": CappedPaginator(rows, 25).get_page(request.GET.get("page")),
        "q": request.GET.get("q", ""),
    }
    return render(request, "marketing/messages/opt_outs.html", context)


@require_POST
@perm_required("marketing_messages.delete")
def opt_out_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    row = get_visible_or_404(OptOut.objects.all(), request.user, pk=pk)
    attempt(None, request, lambda: services.opt_out_remove(actor=request.user, opt_out=row))
    return redirect("marketing:opt_outs")


@perm_required("sms_gateway.view")
def gateway_settings(request: AuthedRequest) -> HttpResponse:
    if request.user.business_unit_id is None:
        raise Http404
    gateway = services.gateway_of(request.user.business_unit_id)
    initial = {"kind": gateway.kind, "endpoint": gateway.endpoint, "signature": gateway.signature}
    form = GatewayForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not has_perm(request.user, "sms_gateway.configure"):
            raise PermissionDenied
        if form.is_valid() and attempt(
            form, None, lambda: services.gateway_save(actor=request.user, data=form.cleaned_data)
        ):
            flash.success(request, _("Saved."))
            return redirect("marketing:gateway")
    context = {
        "form": form,
        "gateway": gateway,
        "inbound": request.build_absolute_uri(reverse("marketing:sms_inbound", args=[gateway.inbound_token])),
        "report": request.build_absolute_uri(reverse("marketing:sms_report", args=[gateway.inbound_token])),
        # the site's mail relay is the operator's: its bounce address is shown to superusers only
        "bounce": request.build_absolute_uri(reverse("marketing:mail_bounce", args=[bounces.bounce_hook()]))
        if request.user.is_superuser
        else "",
    }
    return render(request, "marketing/messages/gateway.html", context)


@perm_required("marketing_messages.view")
def customer_tab(request: AuthedRequest, customer_pk: int) -> HttpResponse:
    from guanxi.customers.models import Customer

    customer = get_visible_or_404(Customer.objects.all(), request.user, pk=customer_pk)
    context = {"customer": customer, **selectors.customer_marketing(actor=request.user, customer=customer)}
    return render(request, "marketing/messages/customer_tab.html", context)


@require_POST
@perm_required("marketing_messages.edit")
def do_not_contact(request: AuthedRequest, kind: str, pk: int) -> HttpResponse:
    on = request.POST.get("on") == "1"
    attempt(None, request, lambda: services.do_not_contact_set(actor=request.user, kind=kind, record_id=pk, on=on))
    back = request.POST.get("customer", "")
    if back.isdigit():
        return redirect(reverse("customers:detail", args=[int(back)]) + "?tab=marketing")
    return redirect("marketing:opt_outs")


# --- public ends (unguessable tokens, no sign-in) ----------------------------------------------------------


def opened(request: HttpRequest, token: str) -> HttpResponse:
    tracking.delivery_opened(token=token)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


def click(request: HttpRequest, signed: str) -> HttpResponse:
    target = tracking.delivery_clicked(signed=signed)
    if target is None:
        raise Http404
    return HttpResponseRedirect(target)


@csrf_exempt  # the mail client's one-click POST (RFC 8058) carries no CSRF token; the token is the authority
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    row = tracking.delivery_for_unsubscribe(token=token)
    if row is None:
        raise Http404
    done = False
    if request.method == "POST":
        tracking.unsubscribe(token=token)
        done = True
    return render(request, "marketing/messages/unsubscribe.html", {"delivery": row, "done": done})


def _posted(request: HttpRequest) -> Any:
    """A provider's JSON or form body; None for broken JSON."""
    if request.content_type != "application/json":
        return request.POST
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


@csrf_exempt  # the provider's server posts here; the unguessable token in the address is the authority
@require_POST
def sms_inbound(request: HttpRequest, token: str) -> HttpResponse:
    body = _posted(request)
    if body is None:
        return JsonResponse({"detail": "bad json"}, status=400)
    mobile = str(body.get("mobile") or body.get("from") or "")
    text = str(body.get("content") or body.get("text") or "")
    done = tracking.sms_inbound(gateway_token=token, mobile=mobile, text=text)
    if done is None:
        raise Http404
    return JsonResponse({"result": done})


@csrf_exempt  # the provider's delivery reports: the gateway's unguessable token is the authority
@require_POST
def sms_report(request: HttpRequest, token: str) -> HttpResponse:
    body = _posted(request)
    if body is None:
        return JsonResponse({"detail": "bad json"}, status=400)
    ident = str(body.get("id") or body.get("msgid") or "")[:100]
    permanent = str(body.get("permanent") or "").lower() in {"1", "true", "yes"}
    done = bounces.sms_report(
        gateway_token=token, provider_id=ident, state=str(body.get("status") or ""),
        reason=str(body.get("reason") or body.get("error") or "")[:300], permanent=permanent,
    )  # fmt: skip
    if done is None:
        raise Http404
    return JsonResponse({"result": done})


@csrf_exempt  # the mail relay posts each bounce message (the raw DSN); the site's hook token is the authority
@require_POST
def mail_bounce(request: HttpRequest, token: str) -> HttpResponse:
    if not bounces.hook_valid(token):
        raise Http404
    return JsonResponse({"result": bounces.mail_bounce(raw=request.body)})


def register() -> None:
    from django.utils.translation import gettext_lazy

    from guanxi.customers.views import DetailTab, register_detail_tab

    from ..campaigns.views import EXTRA_PANELS

    register_detail_tab(DetailTab("marketing", gettext_lazy("Marketing"), "marketing_messages.view"))
    if campaign_panel not in EXTRA_PANELS:
        EXTRA_PANELS.append(campaign_panel)
