"""A leads import into a lead pool of the importer's unit: every row's lead waits there with no owner."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from guanxi.core.errors import DomainError
from guanxi.io import services
from guanxi.io.forms import MappingForm
from guanxi.io.models import ImportJob
from guanxi.leads.models import Lead, LeadPool
from guanxi.org.models import Role
from tests.conftest import TwoUnits, client_for

from .helpers import imported, xlsx

ROWS = [["联系人姓名", "公司", "手机"], ["赵六", "某某厂", "13700001111"], ["钱七", "某某店", "13700002222"]]


def pools(two_units: TwoUnits) -> tuple[LeadPool, LeadPool]:
    ours = LeadPool.objects.create(business_unit=two_units.unit, name="线索公海")
    theirs = LeadPool.objects.create(business_unit=two_units.unit_b, name="杭州线索池")
    return ours, theirs


def test_a_leads_import_into_a_lead_pool_leaves_the_leads_ownerless_there(two_units: TwoUnits) -> None:
    ours, _ = pools(two_units)
    job = imported(two_units.ada, ROWS, kind="leads", lead_pool=ours, owner=two_units.alice)
    assert (job.created, job.failed) == (2, 0) and job.lead_pool == ours and job.owner is None
    leads = Lead.objects.order_by("pk")
    assert [(lead.owner_id, lead.pool_id, lead.channel) for lead in leads] == [(None, ours.pk, "import")] * 2
    assert all(lead.pooled_at is not None for lead in leads)


def test_another_units_lead_pool_and_a_lead_pool_for_customers_are_refused(two_units: TwoUnits) -> None:
    ours, theirs = pools(two_units)
    job = services.import_upload(actor=two_units.ada, kind="leads", file_name="a.xlsx", content=xlsx(ROWS))
    with pytest.raises(DomainError) as refused:
        services.import_configure(actor=two_units.ada, job=job, mapping=job.mapping, strategy="skip", lead_pool=theirs)
    assert refused.value.field == "lead_pool"
    assert ImportJob.objects.get(pk=job.pk).lead_pool is None
    customers = services.import_upload(
        actor=two_units.ada, kind="customers", file_name="b.xlsx", content=xlsx([["客户名称"], ["华信"]])
    )
    with pytest.raises(DomainError) as wrong_kind:
        services.import_configure(
            actor=two_units.ada, job=customers, mapping=customers.mapping, strategy="skip", lead_pool=ours
        )
    assert wrong_kind.value.field == "lead_pool"


def test_a_failed_leads_pool_only_for_those_who_assign_leads(two_units: TwoUnits) -> None:
    failed = LeadPool.objects.create(business_unit=two_units.unit, name="失败线索", is_failed=True)
    importer = Role.objects.create(
        name="Lead importer", code="lead_importer", data_scope="unit",
        permissions=["leads.view", "leads.create", "leads.edit", "leads.import"],
    )  # fmt: skip
    two_units.alice.roles.set([importer])
    two_units.alice.__dict__.pop("_grants", None)
    job = services.import_upload(actor=two_units.alice, kind="leads", file_name="a.xlsx", content=xlsx(ROWS))
    assert failed not in MappingForm(job=job).fields["lead_pool"].queryset  # type: ignore[attr-defined]
    with pytest.raises(DomainError) as refused:
        services.import_configure(
            actor=two_units.alice, job=job, mapping=job.mapping, strategy="skip", lead_pool=failed
        )
    assert refused.value.field == "lead_pool"
    managed = imported(two_units.ada, ROWS, kind="leads", lead_pool=failed)  # ada assigns leads: she may
    assert managed.created == 2 and set(Lead.objects.values_list("pool_id", flat=True)) == {failed.pk}


def test_the_form_offers_the_units_lead_pools_for_leads_only(two_units: TwoUnits) -> None:
    ours, _ = pools(two_units)
    job = services.import_upload(actor=two_units.ada, kind="leads", file_name="a.xlsx", content=xlsx(ROWS))
    assert list(MappingForm(job=job).fields["lead_pool"].queryset) == [ours]  # type: ignore[attr-defined]
    customers = services.import_upload(
        actor=two_units.ada, kind="customers", file_name="b.xlsx", content=xlsx([["客户名称"], ["华信"]])
    )
    assert "lead_pool" not in MappingForm(job=customers).fields


def test_the_api_takes_a_lead_pool_of_the_unit_and_refuses_another_units(
    two_units: TwoUnits, django_capture_on_commit_callbacks: object
) -> None:
    ours, theirs = pools(two_units)
    client = APIClient()
    client.force_authenticate(two_units.ada)
    refused = client.post(
        "/api/v1/imports/",
        {"kind": "leads", "file": SimpleUploadedFile("a.xlsx", xlsx(ROWS)), "lead_pool": theirs.pk},
        format="multipart",
    )
    assert refused.status_code == 400 and "lead_pool" in refused.json(), refused.content
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        answer = client.post(
            "/api/v1/imports/",
            {"kind": "leads", "file": SimpleUploadedFile("b.xlsx", xlsx(ROWS)), "lead_pool": ours.pk},
            format="multipart",
        )
    assert answer.status_code == 202 and answer.json()["lead_pool"] == ours.pk
    assert set(Lead.objects.values_list("owner_id", "pool_id")) == {(None, ours.pk)}


def test_the_mapping_page_imports_into_the_chosen_lead_pool(
    two_units: TwoUnits, django_capture_on_commit_callbacks: object
) -> None:
    ours, theirs = pools(two_units)
    job = services.import_upload(actor=two_units.ada, kind="leads", file_name="a.xlsx", content=xlsx(ROWS))
    client = client_for(two_units.ada, HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = client.get(f"/io/imports/{job.pk}/").content.decode()
    assert 'name="lead_pool"' in page and "导入线索池" in page and "杭州线索池" not in page
    columns = {f"column_{index}": key for index, key in job.mapping.items()}
    posted = {**columns, "strategy": "skip", "lead_pool": theirs.pk, "go": "import"}
    refused = client.post(f"/io/imports/{job.pk}/", posted)
    assert refused.status_code == 200 and not Lead.objects.exists()  # not a choice of the form
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        done = client.post(f"/io/imports/{job.pk}/", {**posted, "lead_pool": ours.pk})
    assert done.status_code == 302
    assert set(Lead.objects.values_list("owner_id", "pool_id")) == {(None, ours.pk)}
