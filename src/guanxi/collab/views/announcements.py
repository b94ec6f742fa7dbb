"""Announcement pages: the reader's list and page (reading is the receipt), and for those who manage them
the form, the receipts (who has read, who has not) and the reminder."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import has_perm, perm_required
from guanxi.core.scope import get_visible_or_404

from ..announcements import selectors, services
from ..announcements.models import Announcement, AnnouncementAttachment, AnnouncementFeed
from ..forms import AnnouncementForm, ReceiptFilterForm

RECEIPTS_PER_PAGE = 50


@perm_required("announcement_feed.view")  # every active user reads
def announcement_list(request: AuthedRequest) -> HttpResponse:
    """Everyone's list of the announcements addressed to them; managers also see the unit's others."""
    rows = selectors.for_reader(actor=request.user)
    page = CappedPaginator(rows, 20).get_page(request.GET.get("page"))
    manages = has_perm(request.user, "announcements.view")
    managed = (
        CappedPaginator(selectors.managed(actor=request.user), 20).get_page(request.GET.get("mpage"))
        if manages
        else None
    )
    return render(request, "collab/announcements/list.html", {"page_obj": page, "managed": managed})


@perm_required("announcement_feed.view")
def announcement_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    manages = Announcement.objects.visible_to(request.user).filter(pk=pk).exists()
    live = AnnouncementFeed.objects.visible_to(request.user).filter(pk=pk).exists()
    if not (manages or live):
        raise Http404
    announcement = Announcement.objects.select_related("author").get(pk=pk)
    if live:
        services.announcement_read(actor=request.user, announcement=announcement)
    context = {
        "announcement": announcement,
        "attachments": announcement.attachments.all(),
        "manages": manages,
        "receipts": _receipts(request, announcement) if manages else None,
    }
    return render(request, "collab/announcements/detail.html", context)


def _receipts(request: AuthedRequest, announcement: Announcement) -> dict[str, object]:
    """The counts of the whole audience and one page of the chosen list: a unit of thousands is never listed
    in full."""
    form = ReceiptFilterForm(request.GET, departments=selectors.receipt_departments(announcement))
    filters = form.filters()
    counts = selectors.receipt_counts(announcement)
    filtered = bool(filters["department"] or filters["name"])
    paginator = Paginator(selectors.receipt_list(announcement, **filters), RECEIPTS_PER_PAGE)
    if not filtered:  # the whole list's length is one of the counts: not counted again
        paginator.count = counts.read if filters["read"] else counts.unread
    return {
        "counts": counts,
        "form": form,
        "read": filters["read"],
        "filtered": filtered,
        "page_obj": paginator.get_page(request.GET.get("page")),
    }


@perm_required("announcements.create")
def announcement_create(request: AuthedRequest) -> HttpResponse:
    form = AnnouncementForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = attempt(
            form,
            None,
            lambda: services.announcement_create(actor=request.user, data=data, files=data.get("files") or []),
        )
        if created:
            messages.success(request, _("Saved."))
            return redirect(created.get_absolute_url())
    return render(request, "collab/announcements/form.html", {"form": form})


@perm_required("announcements.edit")
def announcement_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    announcement = get_visible_or_404(Announcement.objects.all(), request.user, pk=pk)
    initial = {
        "title": announcement.title, "body": announcement.body, "audience": announcement.audience,
        "departments": announcement.departments.all(), "roles": announcement.roles.all(),
        "pinned": announcement.pinned, "publish_at": announcement.publish_at, "expires_at": announcement.expires_at,
        "version": announcement.version,
    }  # fmt: skip
    form = AnnouncementForm(request.POST or None, request.FILES or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version") or 0
        files = data.pop("files") or []
        if data.get("publish_at") is None:
            data["publish_at"] = announcement.publish_at
        saved = attempt(
            form,
            None,
            lambda: services.announcement_update(
                actor=request.user, announcement=announcement, version=version, data=data, files=files
            ),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect(saved.get_absolute_url())
    return render(request, "collab/announcements/form.html", {"form": form, "announcement": announcement})


@require_POST
@perm_required("announcements.edit")
def announcement_remind(request: AuthedRequest, pk: int) -> HttpResponse:
    announcement = get_visible_or_404(Announcement.objects.all(), request.user, pk=pk)
    count = attempt(None, request, lambda: services.announcement_remind(actor=request.user, announcement=announcement))
    if count is not None:
        messages.success(request, _("Reminded %(count)d people who have not read it.") % {"count": count})
    return redirect(announcement.get_absolute_url())


@require_POST
@perm_required("announcements.delete")
def announcement_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    announcement = get_visible_or_404(Announcement.objects.all(), request.user, pk=pk)
    if (
        attempt(None, request, lambda: services.announcement_delete(actor=request.user, announcement=announcement))
        is not False
    ):
        messages.success(request, _("Deleted."))
    return redirect("collab:announcements")


@perm_required("announcement_feed.view")
def attachment_download(request: AuthedRequest, pk: int) -> FileResponse:
    attachment = AnnouncementAttachment.objects.select_related("announcement").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    reads = AnnouncementFeed.objects.visible_to(request.user).filter(pk=attachment.announcement_id).exists()
    if not (reads or Announcement.objects.visible_to(request.user).filter(pk=attachment.announcement_id).exists()):
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
