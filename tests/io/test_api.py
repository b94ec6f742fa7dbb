"""imports, exports and contacts/vcf through the API, with two business units."""

from decimal import Decimal
from typing import Any

import vobject
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from guanxi.customers import services as customers
from guanxi.customers.models import Contact, Customer
from guanxi.io import reading
from guanxi.io.models import ImportJob
from guanxi.org.models import User
from tests.conftest import TwoUnits, client_for

from .helpers import xlsx


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_import_through_the_api_reports_progress_and_its_error_file(
    two_units: TwoUnits, django_capture_on_commit_callbacks: Any
) -> None:
    content = xlsx([["客户名称", "电话"], ["上海华信科技有限公司", "021-12345678"], ["", "1"]])
    with django_capture_on_commit_callbacks(execute=True):
        answer = api(two_units.ada).post(
            "/api/v1/imports/", {"kind": "customers", "file": SimpleUploadedFile("a.xlsx", content)}, format="multipart"
        )
    assert answer.status_code == 202, answer.content
    job = api(two_units.ada).get(f"/api/v1/imports/{answer.json()['id']}/").json()
    assert (job["status"], job["progress"], job["created"], job["failed"]) == ("done", 100, 1, 1)
    assert job["errors_url"].endswith(f"/io/imports/{job['id']}/rejected.xlsx")
    assert Customer.objects.get().business_unit == two_units.unit
    assert api(two_units.ben).get(f"/api/v1/imports/{job['id']}/").status_code == 404  # another unit's
    assert api(two_units.bella).get("/api/v1/imports/").json()["count"] == 0


def test_a_salesperson_may_not_import_and_a_bad_file_is_a_400(two_units: TwoUnits) -> None:
    upload = SimpleUploadedFile("a.csv", "客户名称\n华信".encode())
    assert api(two_units.bella).post("/api/v1/imports/", {"kind": "customers", "file": upload}).status_code == 403
    bad = SimpleUploadedFile("a.xlsx", b"not a spreadsheet")
    answer = api(two_units.ben).post("/api/v1/imports/", {"kind": "customers", "file": bad})
    assert answer.status_code == 400 and "file" in answer.json()


def test_contacts_as_vcard_parse_back_and_stay_in_scope(two_units: TwoUnits) -> None:
    customer = customers.customer_create(
        actor=two_units.ada, data={"name": "上海华信"}, contact={"name": "张三", "mobile": "13812345678"}
    )
    contact = Contact.objects.get(customer=customer)
    answer = api(two_units.ada).get("/api/v1/contacts/vcf/", {"ids": str(contact.pk)})
    card = vobject.readOne(answer.content.decode())
    assert card.fn.value == "张三" and card.tel.value == "13812345678" and card.org.value == ["上海华信"]
    other = api(two_units.ben).get("/api/v1/contacts/vcf/", {"ids": str(contact.pk)})
    assert other.status_code == 200 and other.content == b""  # not visible to another unit


def test_an_export_job_writes_the_list_with_money_and_dates_as_cells(
    two_units: TwoUnits, django_capture_on_commit_callbacks: Any
) -> None:
    import io
    from datetime import date

    from python_calamine import CalamineWorkbook

    from guanxi.sales import services as sales

    customer = customers.customer_create(
        actor=two_units.ada, data={"name": "上海华信"}, contact={"name": "张三", "mobile": "13812345678"}
    )
    sales.opportunity_create(
        actor=two_units.ada, customer=customer,
        data={"name": "大单", "amount": Decimal("1234.5"), "expected_close_date": date(2027, 3, 6)},
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        answer = api(two_units.ada).post("/api/v1/exports/", {"name": "opportunities", "format": "xlsx"}, format="json")
    assert answer.status_code == 202, answer.content
    job = api(two_units.ada).get(f"/api/v1/exports/{answer.json()['id']}/").json()
    assert job["status"] == "done" and job["total"] == 1
    download = client_for(two_units.ada).get(job["download_url"])
    rows = CalamineWorkbook.from_filelike(io.BytesIO(download.content)).get_sheet_by_index(0).to_python()
    assert rows[1][1] == "大单" and rows[1][6] == 1234.5 and rows[1][9] == date(2027, 3, 6)
    assert api(two_units.ben).get(f"/api/v1/exports/{job['id']}/").status_code == 404
    assert api(two_units.bella).post("/api/v1/exports/", {"name": "opportunities"}, format="json").status_code == 403
    assert ImportJob.objects.count() == 0


def test_a_file_too_large_is_refused_before_it_is_read(two_units: TwoUnits) -> None:
    client = client_for(two_units.ada, HTTP_ACCEPT_LANGUAGE="en")
    too_large = str(reading.MAX_BYTES + 2 * 2**20)
    page = client.generic("POST", reverse("io:imports"), b"x", content_type="multipart/form-data; boundary=x",
                          CONTENT_LENGTH=too_large)  # fmt: skip
    assert page.status_code == 413 and "larger than 21 MB" in page.text
    api = client.generic("POST", "/api/v1/imports/", b"x", content_type="multipart/form-data; boundary=x",
                         CONTENT_LENGTH=too_large)  # fmt: skip
    assert api.status_code == 413 and "21 MB" in api.json()["detail"]
    small = client.post(reverse("io:imports"), {"kind": "customers"})
    assert small.status_code == 200  # an ordinary form goes through to the view


def test_an_export_whose_worker_died_is_written_by_the_sweep(
    two_units: TwoUnits, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from guanxi.io import stalled
    from guanxi.io.models import ExportJob, JobStatus

    customers.customer_create(actor=two_units.ada, data={"name": "上海华信"}, contact={"name": "张三"})
    with django_capture_on_commit_callbacks():  # the message went with the killed worker
        answer = api(two_units.ada).post("/api/v1/exports/", {"name": "customers", "format": "xlsx"}, format="json")
    job = ExportJob.objects.get(pk=answer.json()["id"])
    assert job.status == JobStatus.RUNNING and job.touched_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert stalled.jobs_resume(at=job.touched_at + stalled.STALLED_AFTER + timedelta(seconds=1)) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.total == 1 and job.file_path
