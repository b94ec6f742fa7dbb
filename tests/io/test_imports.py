from typing import Any

import pytest
from django.utils import translation

from guanxi.core.errors import DomainError
from guanxi.customers.models import Contact, Customer
from guanxi.io import reading, services
from guanxi.io.kinds import KINDS
from guanxi.io.models import ImportedRow, JobStatus
from guanxi.leads.models import Lead
from guanxi.pool.models import Pool
from tests.conftest import World, grant

from .helpers import csv_bytes, imported, xlsx

HEADER = ["客户名称", "电话", "联系人姓名", "Contact mobile", "级别"]


@pytest.fixture
def importers(world: World) -> World:
    grant(world.bob, "unit_head")
    grant(world.alice, "salesperson")
    return world


def test_columns_are_guessed_from_headers_in_either_language(importers: World) -> None:
    kind = KINDS["customers"]
    guessed = services.mapping_guess(
        actor=importers.bob, kind=kind, headers=["Customer name", "电话", "联系人 手机", "?", "contact_email"]
    )
    assert guessed == {"0": "name", "1": "phone", "4": "contact_email"} or guessed["0"] == "name"
    assert guessed["1"] == "phone" and guessed["4"] == "contact_email"


def test_a_saved_mapping_is_used_for_the_next_file(importers: World) -> None:
    job = services.import_upload(
        actor=importers.bob, kind="customers", file_name="a.xlsx", content=xlsx([["公司", "客户名称"], ["x", "y"]])
    )
    services.import_configure(actor=importers.bob, job=job, mapping={"0": "name"}, strategy="skip")
    again = services.mapping_guess(actor=importers.bob, kind=KINDS["customers"], headers=["公司"])
    assert again == {"0": "name"}


def test_customers_import_with_their_first_contact_and_bad_rows_are_reported(importers: World) -> None:
    job = imported(
        importers.bob,
        [
            HEADER,
            ["上海华信科技有限公司", "021-12345678", "张三", 13812345678.0, "A"],
            ["北京京东方", "", "李四", "１３９１２３４５６７８", "Z"],  # a level that does not exist
            ["", "", "", "", ""],  # empty rows are ignored
            ["", "021-1", "", "", ""],  # no name
        ],
    )
    assert job.status == JobStatus.DONE
    assert (job.created, job.failed) == (1, 2)
    customer = Customer.objects.get(name="上海华信科技有限公司")
    assert customer.owner == importers.bob and customer.level == "A"
    assert Contact.objects.get(customer=customer).mobile == "13812345678"
    reasons = [row.reasons for row in job.rejected.all()]
    assert [row.row for row in job.rejected.all()] == [3, 5]
    assert "level" in reasons[0].lower() or "等级" in reasons[0]
    assert Customer.objects.count() == 1  # the rejected rows saved nothing, not even half


def test_a_rerun_never_duplicates_and_the_same_file_again_is_skipped(importers: World) -> None:
    rows = xlsx([HEADER, ["上海华信科技有限公司", "", "张三", "13812345678", ""]])  # one file, one hash
    first = imported(importers.bob, rows)
    again = services.import_process(job_id=first.pk, dry_run=False)  # as after a crash
    assert (again.created, again.skipped) == (1, 0)  # the row it created counts as created still
    second = imported(importers.bob, rows)
    assert Customer.objects.count() == 1 and ImportedRow.objects.count() == 1
    assert (second.created, second.skipped) == (0, 1)


def test_duplicate_strategies(importers: World) -> None:
    imported(importers.bob, [HEADER, ["上海华信科技有限公司", "", "张三", "13812345678", "B"]])
    updated = imported(
        importers.bob, [HEADER, ["上海华信科技有限公司", "", "", "", "A"], ["x", "", "", "", ""]][:2], strategy="update"
    )
    assert updated.updated == 1 and Customer.objects.get().level == "A"
    with pytest.raises(DomainError):  # a second customer of one name is never allowed
        imported(importers.bob, [HEADER, ["上海华信科技有限公司"]], strategy="create")


def test_a_row_matching_two_records_is_an_error(importers: World) -> None:
    imported(importers.bob, [HEADER, ["甲公司", "021-11111111", "", "", ""], ["乙公司", "021-22222222", "", "", ""]])
    job = imported(importers.bob, [["客户名称", "电话", "税号"], ["甲公司", "021-22222222", ""]], strategy="update")
    assert job.failed == 1 and "more than one" in job.rejected.get().reasons


def test_the_check_saves_nothing_and_reports_what_the_forms_refuse(importers: World) -> None:
    job = services.import_upload(
        actor=importers.bob, kind="customers", file_name="a.xlsx",
        content=xlsx([HEADER, ["上海华信科技有限公司", "12", "", "", ""], ["北京", "", "", "", ""]]),
    )  # fmt: skip
    services.import_configure(actor=importers.bob, job=job, mapping=job.mapping, strategy="skip")
    checked = services.import_process(job_id=job.pk, dry_run=True)
    assert checked.status == JobStatus.PREVIEWED and (checked.created, checked.failed) == (1, 1)
    assert "phone" in checked.rejected.get().reasons.lower()
    assert not Customer.objects.exists() and not ImportedRow.objects.exists()


def test_into_the_public_pool(importers: World) -> None:
    pool = Pool.objects.create(business_unit=importers.unit, name="公海")
    imported(importers.bob, [HEADER, ["上海华信科技有限公司"]], pool=pool)
    assert Customer.objects.get().owner is None and Customer.objects.get().pool == pool


def test_a_salesperson_may_not_import_and_the_owner_must_be_in_scope(importers: World) -> None:
    with pytest.raises(DomainError):
        services.import_upload(actor=importers.alice, kind="customers", file_name="a.csv", content=b"name\nx")
    job = imported(importers.bob, [HEADER, ["上海华信科技有限公司"]], owner=importers.charlie)
    assert job.failed == 0 and Customer.objects.get().owner == importers.charlie  # a unit head's whole unit


@pytest.mark.parametrize(
    "content, name",
    [
        (b"", "a.xlsx"),
        (b"not a zip", "a.xlsx"),
        (b"\x00\x01garbage", "a.xls"),
        (b"name\n", "a.txt"),
        (b"\n\n", "a.csv"),
        (b"x" * (reading.MAX_BYTES + 1), "a.csv"),
    ],
)
def test_bad_files_are_refused_with_a_reason(importers: World, content: bytes, name: str) -> None:
    with pytest.raises(reading.BadFile):
        services.import_upload(actor=importers.bob, kind="customers", file_name=name, content=content)


def test_a_zip_bomb_is_refused(importers: World) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (reading.MAX_UNPACKED_BYTES + 1))
    with pytest.raises(reading.BadFile):
        services.import_upload(actor=importers.bob, kind="customers", file_name="a.xlsx", content=buffer.getvalue())


def test_a_header_naming_no_field_is_refused(importers: World) -> None:
    with pytest.raises(reading.BadFile):
        services.import_upload(actor=importers.bob, kind="customers", file_name="a.csv", content=b"foo,bar\n1,2")


def test_gbk_and_utf8_csv_are_both_read(importers: World) -> None:
    for encoding in ("gbk", "utf-8-sig"):
        table = reading.read_table(csv_bytes([["客户名称"], ["华信"]], encoding), "a.csv")
        assert table.headers == ["客户名称"] and table.rows == [["华信"]]


@pytest.mark.parametrize("raw", [46027, 46027.0, "2026/1/5", "2026-01-05", "2026年1月5日", "２０２６-01-05"])
def test_dates_in_every_form(raw: object) -> None:
    from datetime import date

    assert reading.as_date(raw) == date(2026, 1, 5)


def test_a_phone_stored_as_a_number_and_full_width_digits() -> None:
    assert reading.folded(13812345678.0) == "13812345678" and reading.folded("１３８") == "138"
    with pytest.raises(reading.BadCell):
        reading.as_date("next tuesday")


def test_a_formula_cell_gives_its_computed_value_and_contacts_and_leads_import(importers: World) -> None:
    imported(importers.bob, [HEADER, ["上海华信科技有限公司"]])
    job = imported(
        importers.bob,
        [["客户", "姓名", "手机", "生日"], ["上海华信科技有限公司", "王五", "=1+1", "2026/1/5"]],
        kind="contacts",
    )
    assert job.created == 1 and Contact.objects.get(name="王五").mobile == "13900001111"
    leads = imported(importers.bob, [["联系人姓名", "公司", "手机"], ["赵六", "某某厂", "13700001111"]], kind="leads")
    assert leads.created == 1 and Lead.objects.get().channel == "import"


def test_the_mapping_must_name_the_required_fields_once(importers: World) -> None:
    job = services.import_upload(
        actor=importers.bob, kind="customers", file_name="a.xlsx", content=xlsx([["客户名称", "电话"], ["x", "y"]])
    )
    with pytest.raises(DomainError):
        services.import_configure(actor=importers.bob, job=job, mapping={"1": "phone"}, strategy="skip")
    with pytest.raises(DomainError):
        services.import_configure(actor=importers.bob, job=job, mapping={"0": "name", "1": "name"}, strategy="skip")


def test_the_error_file_lists_the_rows_with_their_reasons(importers: World) -> None:
    import io

    from python_calamine import CalamineWorkbook

    job = imported(importers.bob, [HEADER, ["", "021-1", "", "", ""]])
    rows = CalamineWorkbook.from_filelike(io.BytesIO(services.import_error_file(actor=importers.bob, job=job)))
    sheet = rows.get_sheet_by_index(0).to_python()
    assert sheet[0][-1] == "Reason" and sheet[1][-2] == 2 and sheet[1][1] == "021-1"


def test_reasons_are_written_in_the_language_of_the_page_that_queued_the_job(
    importers: World, django_capture_on_commit_callbacks: Any
) -> None:
    importers.bob.language = "zh-hans"  # the saved preference; the page was in English
    importers.bob.save(update_fields=["language"])
    job = services.import_upload(
        actor=importers.bob, kind="customers", file_name="a.xlsx", content=xlsx([HEADER, ["甲", "", "", "", "Z"]])
    )
    services.import_configure(actor=importers.bob, job=job, mapping=job.mapping, strategy="skip")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.import_check(actor=importers.bob, job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.PREVIEWED and job.language == "en"
    assert job.rejected.get().reasons.startswith("Level:")
