"""The import wizard in the browser: upload the sample list with its bad rows, match the columns, check,
import with the progress panel, and download the rejected rows."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from python_calamine import CalamineWorkbook

from guanxi.customers.models import Customer
from tests.conftest import World, grant
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "customers-sample.csv"


def test_a_unit_head_imports_the_sample_list_and_downloads_the_rejected_rows(live_server: object, page: Page) -> None:
    world = World()
    grant(world.bob, "unit_head")
    base = str(live_server)

    sign_in(page, base, "bob")
    page.goto(f"{base}/io/imports/")
    page.locator("#id_kind").select_option("customers")
    page.locator("#id_file").set_input_files(SAMPLE)
    page.get_by_test_id("upload").locator("button[type=submit]").click()
    mapping = page.get_by_test_id("mapping")
    expect(mapping).to_contain_text("文件共 30 行")
    expect(mapping.locator("select").first).to_have_value("name")  # guessed from 客户名称

    page.get_by_test_id("check").click()
    summary = page.get_by_test_id("summary")
    expect(summary).to_contain_text("拒绝: 3")
    rejected = page.get_by_test_id("rejected")
    expect(rejected.locator("tbody tr")).to_have_count(3)
    expect(rejected).to_contain_text("手机号")
    assert not Customer.objects.exists()  # checking saves nothing

    page.get_by_test_id("import").click()
    expect(page.get_by_test_id("progress").locator("progress")).to_have_attribute("value", "100")
    expect(summary).to_contain_text(re.compile(r"创建: 26\s+修改: 0\s+跳过: 1\s+拒绝: 3"))
    assert Customer.objects.count() == 26

    with page.expect_download() as download:
        page.get_by_test_id("error-file").click()
    sheet = CalamineWorkbook.from_filelike(BytesIO(Path(download.value.path()).read_bytes())).get_sheet_by_index(0)
    header, *rows = sheet.to_python()
    assert header[0] == "客户名称" and header[-2:] == ["行号", "原因"]
    assert [str(row[-2]) for row in rows] in (["24", "25", "26"], ["24.0", "25.0", "26.0"])
    assert rows[1][3] == "Z" and "级别" in str(rows[1][-1])
