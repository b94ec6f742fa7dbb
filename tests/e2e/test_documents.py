import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from guanxi.collab.demo import pdf
from guanxi.collab.documents import services
from guanxi.collab.documents.models import Document, Level
from tests.collab.conftest import pdf_file
from tests.conftest import World, grant
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_salesperson_uploads_a_new_version_of_a_contract_then_restores_the_old_one(
    live_server: object, page: Page, tmp_path: Path
) -> None:
    world = World()
    grant(world.root)
    grant(world.alice, "salesperson")
    folder = services.folder_create(actor=world.root, name="合同模板")
    services.folder_access_set(
        actor=world.root, folder=folder, inherit=True, grants=[{"level": Level.EDIT, "user": world.alice}]
    )
    document = services.document_upload(
        actor=world.root, folder=folder, upload=pdf_file("contract.pdf", "first"), name="销售合同.pdf"
    )
    first = document.versions.get(number=1)
    newer = tmp_path / "contract-v2.pdf"
    newer.write_bytes(pdf("second"))
    disguised = tmp_path / "contract-v3.pdf"
    disguised.write_bytes(b"MZ\x90\x00" + b"\x00" * 100)
    base = str(live_server)

    sign_in(page, base, "alice")
    page.goto(f"{base}/documents/")
    page.get_by_role("link", name="合同模板").click()
    page.get_by_role("link", name=re.compile("销售合同")).click()
    versions = page.get_by_test_id("versions")
    expect(versions.locator("tr[data-version]")).to_have_count(1)

    page.get_by_label("上传新版本").set_input_files(str(newer))
    page.get_by_test_id("version-form").get_by_role("button", name="上传", exact=True).click()
    expect(versions.locator("tr[data-version]")).to_have_count(2)
    expect(versions.locator("tr[data-version='2']")).to_contain_text("当前")
    expect(versions.locator("tr[data-version='1']")).to_contain_text("contract.pdf")

    # an executable named .pdf is refused by its content, and nothing changes
    page.get_by_label("上传新版本").set_input_files(str(disguised))
    page.get_by_test_id("version-form").get_by_role("button", name="上传", exact=True).click()
    expect(page.get_by_text("文件内容与其类型不符")).to_be_visible()
    expect(versions.locator("tr[data-version]")).to_have_count(2)

    page.get_by_test_id("restore-1").click()
    expect(versions.locator("tr[data-version]")).to_have_count(3)
    expect(versions.locator("tr[data-version='3']")).to_contain_text("当前")
    document.refresh_from_db()
    assert document.current is not None
    assert (document.current.number, document.current.sha256) == (3, first.sha256)
    assert Document.objects.count() == 1
