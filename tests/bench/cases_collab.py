"""Shared tools (SPEC §14.4–14.5): a folder's listing and the name-and-tag search over 500,000 documents
(≤ 100 ms p95), and an announcement's read receipts for a unit of thousands (≤ 200 ms p95)."""

from __future__ import annotations

from django.http import HttpResponse

from guanxi.collab.announcements.selectors import audience_users
from guanxi.collab.models import Announcement, Document
from guanxi.org.models import User

from .dataset_collab import AUDIENCE, UNIT, busiest_folder
from .harness import NotBuilt, Picks, Probe, case, has_text, url

LIST = 100
SEARCH = 100
RECEIPTS = 200


def _reader() -> User:
    return User.objects.select_related("department").get(username="s0001")


@case("document folder listing p1 (salesperson)", target_ms=LIST, group="collab")
def folder_listing(picks: Picks) -> Probe:
    folder = busiest_folder()
    first = Document.objects.filter(folder=folder).order_by("name", "pk").values_list("name", flat=True).first() or ""
    return Probe(_reader(), url("collab:folder", folder.pk), check=has_text(first))


@case("document folder listing p20 (salesperson)", target_ms=LIST, group="collab")
def folder_listing_deep(picks: Picks) -> Probe:
    return Probe(_reader(), url("collab:folder", busiest_folder().pk, page=20), check=has_text(".pdf"))


@case("document search (three characters)", target_ms=SEARCH, group="collab")
def document_search(picks: Picks) -> Probe:
    return Probe(_reader(), url("collab:documents", q="验收报"), check=has_text("验收报告"))


@case("document search (name and number)", target_ms=SEARCH, group="collab")
def document_search_number(picks: Picks) -> Probe:
    return Probe(_reader(), url("collab:documents", q="0012345"))


@case(f"announcement read receipts (the whole unit of {AUDIENCE:,})", target_ms=RECEIPTS, group="collab")
def announcement_receipts(picks: Picks) -> Probe:
    """The receipts unit's admin (unit scope) on its announcement to everyone there: the page must count the
    whole audience, read and unread."""
    admin = User.objects.select_related("department").filter(username=f"{UNIT}.admin").first()
    if admin is None:
        raise NotBuilt(f"the {UNIT} unit (dataset_collab.load_unit)")
    row = Announcement.objects.filter(business_unit_id=admin.business_unit_id).latest("pk")
    audience = audience_users(row).count()
    shows = has_text(f'data-audience="{audience}"')

    def check(response: HttpResponse) -> str | None:
        return f"the audience is {audience:,} people, not {AUDIENCE:,}" if audience != AUDIENCE else shows(response)

    return Probe(admin, url("collab:announcement", row.pk), check=check)
