"""The shared tools' pages: each answers its reader, the outsider gets 404, and lists cost the same queries
whatever their length."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanxi.collab.announcements import services as announcement_services
from guanxi.collab.announcements.models import Announcement, AnnouncementRead
from guanxi.collab.documents import services as document_services
from guanxi.collab.documents.models import Level
from guanxi.collab.scripts import services as script_services
from guanxi.collab.views.announcements import RECEIPTS_PER_PAGE
from tests.conftest import TwoUnits, client_for, grant, make_user
from tests.customers.test_services import register

from .conftest import pdf_file, png_file


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_reading_an_announcement_is_its_receipt_and_the_banner_forgets_it(two_units: TwoUnits) -> None:
    row = announcement_services.announcement_create(
        actor=two_units.ada, data={"title": "年会通知", "body": "<p>周五年会</p>", "pinned": True}
    )
    alice = client_for(two_units.alice)
    assert "年会通知" in alice.get("/").content.decode()  # the dashboard's banner
    page = alice.get(f"/announcements/{row.pk}/")
    assert page.status_code == 200 and "周五年会" in page.content.decode()
    assert 'data-testid="receipts"' not in page.content.decode()  # readers do not see who read it
    assert AnnouncementRead.objects.filter(announcement=row, user=two_units.alice).exists()
    assert "年会通知" not in alice.get("/").content.decode()
    manager = client_for(two_units.ada).get(f"/announcements/{row.pk}/", {"show": "read"}).content.decode()
    assert 'data-testid="receipts"' in manager and two_units.alice.display_name in manager
    assert client_for(two_units.bella).get(f"/announcements/{row.pk}/").status_code == 404
    reminded = client_for(two_units.ada).post(f"/announcements/{row.pk}/remind/")
    assert reminded.status_code == 302


def test_the_receipts_cost_the_same_queries_for_six_people_or_eighty_more_and_list_a_page_at_a_time(
    two_units: TwoUnits,
) -> None:
    row = announcement_services.announcement_create(actor=two_units.ada, data={"title": "通知", "body": "<p>读</p>"})
    announcement_services.announcement_read(actor=two_units.ada, announcement=row)
    ada = client_for(two_units.ada)
    url = f"/announcements/{row.pk}/"
    ada.get(url)  # the first request after new people reads the grants' cache once
    small = queries(ada, url), queries(ada, f"{url}?show=read")
    people = [
        make_user(f"p{n:02d}", f"员工{n:02d}", two_units.beijing if n % 2 else two_units.shanghai) for n in range(80)
    ]
    AnnouncementRead.objects.bulk_create(AnnouncementRead(announcement=row, user=p) for p in people[:60])
    ada.get(url)
    assert (queries(ada, url), queries(ada, f"{url}?show=read")) == small

    unread = ada.get(url).content.decode()  # 20 of them and Alice, Bob, Charlie, Root, Gina
    assert 'data-audience="86"' in unread and unread.count('class="list-group-item px-0"') == 25
    first, second = (ada.get(url, {"show": "read", "page": str(n)}).content.decode() for n in (1, 2))
    assert first.count('class="list-group-item px-0 d-flex') == RECEIPTS_PER_PAGE
    assert second.count('class="list-group-item px-0 d-flex') == 61 - RECEIPTS_PER_PAGE
    shanghai = ada.get(url, {"show": "read", "department": str(two_units.shanghai.pk)}).content.decode()
    assert shanghai.count('class="list-group-item px-0 d-flex') == 30 and "员工01" not in shanghai
    found = ada.get(url, {"q": "员工61"}).content.decode()
    assert "员工61" in found and "员工63" not in found
    read_it = ada.get(url, {"q": "员工59"}, headers={"accept-language": "en"}).content.decode()
    assert "Nobody here matches." in read_it  # 员工59 has read it: not among the unread
    assert ada.get(url, {"department": "x", "page": "y"}).status_code == 200  # a bad value is ignored


def test_an_announcement_form_with_bad_input_shows_field_errors(two_units: TwoUnits) -> None:
    ada = client_for(two_units.ada)
    answer = ada.post("/announcements/new/", {"title": "通知", "body": "内容", "audience": "departments"})
    text = answer.content.decode()
    assert answer.status_code == 200 and ("请至少选择一个部门" in text or "Choose at least one department" in text)
    assert Announcement.all_objects.count() == 0
    assert client_for(two_units.alice).get("/announcements/new/").status_code == 403


def test_the_announcement_list_costs_the_same_queries_for_one_or_ten(two_units: TwoUnits) -> None:
    alice = client_for(two_units.alice)
    announcement_services.announcement_create(actor=two_units.ada, data={"title": "一", "body": "<p>一</p>"})
    one = queries(alice, "/announcements/")
    for number in range(9):
        announcement_services.announcement_create(
            actor=two_units.ada, data={"title": f"第{number}", "body": "<p>x</p>"}
        )
    assert queries(alice, "/announcements/") <= one


def test_a_folder_shows_its_documents_with_fixed_queries_and_hides_from_outsiders(two_units: TwoUnits) -> None:
    folder = document_services.folder_create(actor=two_units.ada, name="合同")
    grants = [{"level": Level.EDIT, "user": two_units.alice}]
    document_services.folder_access_set(actor=two_units.ada, folder=folder, inherit=True, grants=grants)
    document_services.document_upload(actor=two_units.ada, folder=folder, upload=pdf_file())
    alice = client_for(two_units.alice)
    one = queries(alice, f"/documents/folders/{folder.pk}/")
    for number in range(9):
        document_services.document_upload(actor=two_units.ada, folder=folder, upload=pdf_file(f"c{number}.pdf"))
    assert queries(alice, f"/documents/folders/{folder.pk}/") <= one
    grant(two_units.charlie, "salesperson")
    assert client_for(two_units.charlie).get(f"/documents/folders/{folder.pk}/").status_code == 404
    assert client_for(two_units.bella).get(f"/documents/folders/{folder.pk}/").status_code == 404


def test_a_search_counts_its_matches_up_to_its_cap_and_says_there_are_more(
    two_units: TwoUnits, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guanxi.collab.views import documents as views

    folder = document_services.folder_create(actor=two_units.ada, name="合同")
    for number in range(3):
        document_services.document_upload(actor=two_units.ada, folder=folder, upload=pdf_file(f"验收报告{number}.pdf"))
    ada = client_for(two_units.ada)
    whole = ada.get("/documents/", {"q": "验收报告"}).context["results"]
    assert (whole.paginator.count, whole.paginator.capped) == (3, False)
    monkeypatch.setattr(views, "SEARCH_CAP", 2)
    answer = ada.get("/documents/", {"q": "验收报告"})
    capped = answer.context["results"]
    assert (capped.paginator.count, capped.paginator.capped) == (2, True)
    assert [document.name for document in capped] == ["验收报告0.pdf", "验收报告1.pdf"]


def test_an_image_previews_in_the_browser_and_a_pdf_downloads_unless_asked_inline(two_units: TwoUnits) -> None:
    folder = document_services.folder_create(actor=two_units.ada, name="图片")
    image = document_services.document_upload(actor=two_units.ada, folder=folder, upload=png_file("site.png"))
    paper = document_services.document_upload(actor=two_units.ada, folder=folder, upload=pdf_file())
    ada = client_for(two_units.ada)
    assert ada.get(f"/documents/{image.pk}/preview/").status_code == 200
    inline = ada.get(f"/documents/{image.pk}/file/?inline=1")
    assert inline["Content-Type"] == "image/png" and "attachment" not in inline["Content-Disposition"]
    assert "attachment" in ada.get(f"/documents/{paper.pk}/file/")["Content-Disposition"]
    assert "inline" in ada.get(f"/documents/{paper.pk}/file/?inline=1")["Content-Disposition"]
    assert ada.get(f"/documents/{paper.pk}/preview/").status_code == 404


def test_a_bad_upload_is_refused_with_a_message_and_nothing_saved(two_units: TwoUnits) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from guanxi.collab.documents.models import Document

    folder = document_services.folder_create(actor=two_units.ada, name="合同")
    ada = client_for(two_units.ada)
    answer = ada.post(
        f"/documents/folders/{folder.pk}/upload/", {"file": SimpleUploadedFile("a.pdf", b"")}, follow=True
    )
    assert answer.status_code == 200 and Document.objects.count() == 0


def test_a_customers_documents_tab_lists_its_files_for_whoever_sees_the_customer(two_units: TwoUnits) -> None:
    grant(two_units.bob, "sales_manager")
    customer = register(two_units.alice, "上海精工机械有限公司")
    alice = client_for(two_units.alice)
    uploaded = alice.post(f"/documents/of/customers.customer/{customer.pk}/", {"file": pdf_file("报价.pdf")})
    assert uploaded.status_code == 302
    assert (
        "报价.pdf" in client_for(two_units.bob).get(f"/documents/of/customers.customer/{customer.pk}/").content.decode()
    )
    assert client_for(two_units.bella).get(f"/documents/of/customers.customer/{customer.pk}/").status_code == 404
    assert "documents-tab" in alice.get(f"/customers/{customer.pk}/?tab=documents").content.decode()


def test_the_script_library_and_the_opportunitys_stage_panel(two_units: TwoUnits) -> None:
    from tests.sales.conftest import open_opportunity

    grant(two_units.bob, "sales_manager")
    opportunity = open_opportunity(two_units.alice)
    script_services.script_create(
        actor=two_units.bob,
        data={"title": "需求挖掘", "scenario": "needs", "body": "您现在的产线", "stage": opportunity.stage},
    )
    alice = client_for(two_units.alice)
    assert "需求挖掘" in alice.get("/scripts/?scenario=needs").content.decode()
    panel = alice.get(f"/scripts/for/sales.opportunity/{opportunity.pk}/").content.decode()
    assert "需求挖掘" in panel
    page = alice.get(f"/sales/opportunities/{opportunity.pk}/").content.decode()
    assert (
        f"/scripts/for/sales.opportunity/{opportunity.pk}/" in page
        and f"/documents/of/sales.opportunity/{opportunity.pk}/" in page
    )
    assert client_for(two_units.bella).get(f"/scripts/for/sales.opportunity/{opportunity.pk}/").status_code == 404


def test_the_script_edit_button_shows_exactly_to_who_may_edit(two_units: TwoUnits) -> None:
    """A curator with ``scripts.approve`` but not ``scripts.edit`` (the finance director, say) edits from the
    card; a reader who may not edit sees no button that would answer 403."""
    from guanxi.org.models import Role

    grant(two_units.bob, "sales_manager")
    script = script_services.script_create(
        actor=two_units.bob, data={"title": "价格异议", "scenario": "price_objection", "body": "先问预算"}
    )
    edit = f"/scripts/{script.pk}/edit/"
    curator = Role.objects.create(
        code="curator", name="话术审核", permissions=["scripts.view", "scripts.approve"], data_scope="unit"
    )
    two_units.charlie.roles.set([curator])
    charlie = client_for(two_units.charlie)
    assert edit in charlie.get("/scripts/").content.decode() and charlie.get(edit).status_code == 200
    alice = client_for(two_units.alice)
    assert edit not in alice.get("/scripts/").content.decode() and alice.get(edit).status_code == 403
