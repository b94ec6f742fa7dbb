"""The notification centre: the bell's menu, the list, opening one, marking read, the user's choices."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import DomainError
from guanxi.core.forms import show_error
from guanxi.core.http import AuthedRequest
from guanxi.core.models import Notification
from guanxi.core.scope import get_visible_or_404

from . import selectors, services
from .forms import PreferencesForm

PAGE_SIZE = 20


@login_required
def notification_list(request: AuthedRequest) -> HttpResponse:
    show = "unread" if request.GET.get("show") == "unread" else "all"
    rows = selectors.notifications_of(actor=request.user, unread_only=show == "unread")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "show": show, "unread": selectors.unread_count(actor=request.user)}
    return render(request, "core/notifications/list.html", context)


@login_required
def notification_menu(request: AuthedRequest) -> HttpResponse:
    """The bell's drop-down, loaded by htmx when it opens (without JavaScript the bell is a link)."""
    context = {
        "latest": selectors.latest_notifications(actor=request.user),
        "unread": selectors.unread_count(actor=request.user),
        "next": request.GET.get("next", ""),
    }
    return render(request, "core/notifications/bell.html#menu", context)


@login_required
def notification_open(request: AuthedRequest, pk: int) -> HttpResponse:
    """Follow a notification to its record, marking it read on the way; only ever to this site."""
    notification = _own(request, pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    if notification.url and services.is_local_url(notification.url):
        return redirect(notification.url)
    return redirect("core:notifications")


@login_required
@require_POST
def notification_read(request: AuthedRequest, pk: int) -> HttpResponse:
    notification = _own(request, pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    if request.htmx:
        return render(request, "core/notifications/list.html#item", {"notification": notification})
    return _back(request)


@login_required
@require_POST
def notifications_read_all(request: AuthedRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return _back(request)


@login_required
def notification_preferences(request: AuthedRequest) -> HttpResponse:
    rows = selectors.notification_preferences_of(user=request.user)
    form = PreferencesForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            services.notification_preferences_save(actor=request.user, choices=form.choices())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Your notification settings were saved."))
            return redirect("core:notification_preferences")
    return render(request, "core/notifications/preferences.html", {"form": form})


def _own(request: AuthedRequest, pk: int) -> Notification:
    """One of the user's notifications; anyone else's answers 404 exactly like a missing one."""
    return get_visible_or_404(Notification.objects.filter(in_app=True), request.user, pk=pk)


def _back(request: AuthedRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    return redirect(target if services.is_local_url(target) else reverse("core:notifications"))
