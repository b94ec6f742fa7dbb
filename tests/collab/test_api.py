"""The shared tools' API: each role against each resource, the outsider's 404, bad input and files."""

from typing import cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from guanxi.collab.announcements import services as announcement_services
from guanxi.collab.documents import services as document_services
from guanxi.collab.documents.models import Document, Folder, Level
from tests.conftest import TwoUnits, client_for, grant

from .conftest import exe_as_pdf, pdf_file


class Kept(TwoUnits):
    folder: Folder
    document: Document


@pytest.fixture
def kept(two_units: TwoUnits) -> Kept:
    """Ada keeps a folder 合同 with one document; Alice may edit in it."""
    kept = cast(Kept, two_units)
    kept.folder = document_services.folder_create(actor=kept.ada, name="合同")
    grants = [{"level": Level.EDIT, "user": kept.alice}]
    document_services.folder_access_set(actor=kept.ada, folder=kept.folder, inherit=True, grants=grants)
    kept.document = document_services.document_upload(actor=kept.ada, folder=kept.folder, upload=pdf_file())
    return kept


def test_anonymous_callers_get_401_everywhere(client: Client) -> None:
    for url in (
        "/api/v1/announcements/",
        "/api/v1/documents/",
        "/api/v1/document-folders/",
        "/api/v1/scripts/",
        "/api/v1/expenses/",
    ):
        assert client.get(url).status_code == 401


@pytest.mark.parametrize(
    ("who", "folders", "documents"), [("ada", 1, 1), ("alice", 1, 1), ("charlie", 0, 0), ("bella", 0, 0), ("ben", 0, 0)]
)
def test_each_person_lists_the_folders_and_documents_they_may_open(
    kept: Kept, who: str, folders: int, documents: int
) -> None:
    grant(kept.charlie, "salesperson")
    api = client_for(getattr(kept, who))
    assert api.get("/api/v1/document-folders/").json()["count"] == folders
    assert api.get("/api/v1/documents/").json()["count"] == documents
    expected = 200 if documents else 404
    assert api.get(f"/api/v1/documents/{kept.document.pk}/").status_code == expected


def test_uploading_checks_the_content_and_versions_are_listed_and_restored(kept: Kept) -> None:
    api = client_for(kept.alice)
    folder = kept.folder
    refused = api.post("/api/v1/documents/", {"folder": folder.pk, "file": exe_as_pdf()})
    assert refused.status_code == 400 and refused.json()["code"] == "file_content"
    empty = api.post("/api/v1/documents/", {"folder": folder.pk, "file": SimpleUploadedFile("a.pdf", b"")})
    assert empty.status_code == 400
    assert Document.objects.count() == 1
    created = api.post("/api/v1/documents/", {"folder": folder.pk, "file": pdf_file("报价.pdf"), "tags": "报价"})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    added = api.post(f"/api/v1/documents/{pk}/versions/", {"file": pdf_file("报价.pdf", "v2"), "note": "改价"})
    assert added.status_code == 201 and [v["number"] for v in added.json()] == [2, 1]
    restored = api.post(f"/api/v1/documents/{pk}/restore-version/", {"number": 1}, content_type="application/json")
    assert restored.status_code == 200 and restored.json()["number"] == 3
    assert api.get(f"/api/v1/documents/{pk}/").json()["current_version"] == 3
    assert api.get("/api/v1/documents/?search=报价").json()["count"] == 1
    outsider = client_for(kept.bella)
    assert outsider.post(f"/api/v1/documents/{pk}/versions/", {"file": pdf_file()}).status_code == 404


def test_a_folder_moved_into_its_own_child_is_refused(kept: Kept) -> None:
    api = client_for(kept.ada)
    folder = kept.folder
    child = api.post(
        "/api/v1/document-folders/", {"name": "子目录", "parent": folder.pk}, content_type="application/json"
    ).json()
    answer = api.patch(
        f"/api/v1/document-folders/{folder.pk}/", {"parent": child["id"], "version": 1}, content_type="application/json"
    )
    assert answer.status_code == 400 and answer.json()["code"] == "folder_loop"
    assert Folder.objects.get(pk=folder.pk).parent_id is None


def test_announcements_are_listed_to_their_audience_and_read_once(two_units: TwoUnits) -> None:
    row = announcement_services.announcement_create(actor=two_units.ada, data={"title": "通知", "body": "<p>内容</p>"})
    alice = client_for(two_units.alice)
    listed = alice.get("/api/v1/announcements/").json()
    assert listed["count"] == 1 and listed["results"][0]["is_read"] is False
    read = alice.post(f"/api/v1/announcements/{row.pk}/read/")
    assert read.status_code == 200 and read.json()["is_read"] is True
    assert client_for(two_units.bella).get(f"/api/v1/announcements/{row.pk}/").status_code == 404
    assert (
        alice.post("/api/v1/announcements/", {"title": "x", "body": "y"}, content_type="application/json").status_code
        == 403
    )
    made = client_for(two_units.ada).post(
        "/api/v1/announcements/", {"title": "新", "body": "<p>好</p>"}, content_type="application/json"
    )
    assert made.status_code == 201 and made.json()["published_at"]


def test_scripts_are_voted_and_each_unit_keeps_its_own(two_units: TwoUnits) -> None:
    alice = client_for(two_units.alice)
    made = alice.post(
        "/api/v1/scripts/",
        {"title": "开场白", "scenario": "first_call", "body": "您好"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    voted = alice.post(f"/api/v1/scripts/{pk}/vote/", {"useful": True}, content_type="application/json")
    assert voted.json()["useful_count"] == 1 and voted.json()["my_vote"] is True
    assert client_for(two_units.bella).get(f"/api/v1/scripts/{pk}/").status_code == 404
    bad = alice.post(
        "/api/v1/scripts/", {"title": "x", "scenario": "gossip", "body": "y"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "scenario" in bad.json()
