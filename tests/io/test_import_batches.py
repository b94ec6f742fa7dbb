"""An import registers its rows batch by batch (``CHECK_CHUNK`` rows at a time): each row still meets the
rules one registration meets, a batch's rows see the earlier rows of the file, and a batch is committed with
its rejected rows and the progress that counts them."""

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from guanxi.customers.models import Contact, Customer
from guanxi.io import services, stalled
from guanxi.io.kinds import KINDS, Row, Target
from guanxi.io.models import ImportedRow, ImportJob, JobStatus
from tests.conftest import World, grant

from .helpers import xlsx

HEADER = ["客户名称", "电话", "联系人姓名", "联系人手机", "级别"]


@pytest.fixture
def importers(world: World) -> World:
    grant(world.bob, "unit_head")
    return world


@pytest.fixture(params=[200, 2], ids=["one batch", "batches of two"])
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(services, "CHECK_CHUNK", request.param)
    return int(request.param)


def _job(world: World, rows: list[list[Any]]) -> ImportJob:
    job = services.import_upload(actor=world.bob, kind="customers", file_name="a.xlsx", content=xlsx(rows))
    return services.import_configure(actor=world.bob, job=job, mapping=job.mapping, strategy="skip")


def test_a_customer_twice_in_one_file_is_registered_once(importers: World, chunk: int) -> None:
    job = _job(
        importers,
        [
            HEADER,
            ["上海华信科技有限公司", "", "张三", "13812345678", "A"],
            ["上海华信科技", "", "李四", "13912345678", "B"],  # the same name once its legal form is dropped
            ["北京京东方有限公司", "", "王五", "13812345678", ""],  # the first row's contact mobile
            ["广州白云山制药", "", "赵六", "13700001111", ""],
        ],
    )
    done = services.import_process(job_id=job.pk, dry_run=False)
    assert (done.created, done.skipped, done.failed) == (2, 2, 0)
    first = Customer.objects.get(name="上海华信科技有限公司")
    assert set(Customer.objects.values_list("name", flat=True)) == {first.name, "广州白云山制药"}
    assert dict(ImportedRow.objects.values_list("row", "record_id")) == {
        2: first.pk,
        3: first.pk,
        4: first.pk,
        5: Customer.objects.get(name="广州白云山制药").pk,
    }
    assert Contact.objects.filter(customer=first).get().name == "张三"


def test_a_bad_row_amid_a_batch_leaves_the_rows_around_it_saved_and_reported(importers: World, chunk: int) -> None:
    job = _job(
        importers,
        [
            HEADER,
            ["甲方科技", "", "", "", ""],
            ["乙方科技", "", "", "", "Z"],  # no such level
            ["丙方科技", "", "", "", ""],
            ["丁方科技", "12", "", "", ""],  # no such phone
            ["戊方科技", "", "", "", ""],
        ],
    )
    done = services.import_process(job_id=job.pk, dry_run=False)
    assert (done.status, done.created, done.failed, done.processed) == (JobStatus.DONE, 3, 2, 5)
    assert set(Customer.objects.values_list("name", flat=True)) == {"甲方科技", "丙方科技", "戊方科技"}
    rejected = list(done.rejected.order_by("row"))
    assert [row.row for row in rejected] == [3, 5]
    assert rejected[0].cells[0] == "乙方科技" and "Level" in rejected[0].reasons
    assert "Phone" in rejected[1].reasons


def test_progress_counts_every_row_of_each_batch_as_it_is_committed(
    importers: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "CHECK_CHUNK", 2)
    job = _job(
        importers,
        [HEADER, ["甲方科技"], ["乙方科技", "", "", "", "Z"], ["甲方科技"], ["丙方科技"], ["丁方科技"]],
    )
    seen = []

    def progress(processed: int, total: int) -> None:
        counted = ImportJob.objects.get(pk=job.pk)
        seen.append((processed, total, counted.processed, counted.created, counted.skipped, counted.failed))

    done = services.import_process(job_id=job.pk, dry_run=False, progress=progress)
    assert seen == [(2, 5, 2, 1, 0, 1), (4, 5, 4, 2, 1, 1), (5, 5, 5, 3, 1, 1)]
    assert (done.processed, done.created, done.skipped, done.failed) == (5, 3, 1, 1)


def test_a_job_stopped_in_a_later_batch_keeps_what_it_reported_and_its_next_run_goes_on(
    importers: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "CHECK_CHUNK", 2)
    kind = KINDS["customers"]
    assert kind.create_batch is not None
    calls = []

    def stopping(target: Target, rows: list[Row]) -> list[Any]:
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("the worker was stopped")
        assert kind.create_batch is not None
        return kind.create_batch(target, rows)

    monkeypatch.setitem(KINDS, "customers", dataclasses.replace(kind, create_batch=stopping))
    job = _job(importers, [HEADER, ["甲方科技"], ["乙方科技", "", "", "", "Z"], ["丙方科技"], ["丁方科技"]])
    with pytest.raises(RuntimeError):
        services.import_process(job_id=job.pk, dry_run=False)
    job.refresh_from_db()
    assert (job.processed, job.created, job.failed) == (2, 1, 1)  # the first batch, as saved
    assert list(Customer.objects.values_list("name", flat=True)) == ["甲方科技"]
    assert list(job.rejected.values_list("row", flat=True)) == [3]

    monkeypatch.setitem(KINDS, "customers", kind)
    again = services.import_process(job_id=job.pk, dry_run=False)
    # the first batch's row counts as created still: this job created it
    assert (again.status, again.processed, again.created, again.skipped, again.failed) == (JobStatus.DONE, 4, 3, 0, 1)
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(["甲方科技", "丙方科技", "丁方科技"])
    assert ImportedRow.objects.count() == 3


def test_a_job_whose_worker_died_is_queued_again_by_the_sweep_and_finishes_once(
    importers: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(services, "CHECK_CHUNK", 2)
    job = _job(importers, [HEADER, ["甲方科技"], ["乙方科技"], ["丙方科技"]])
    with django_capture_on_commit_callbacks():  # queued, but the worker that took the message was killed
        services.import_start(actor=importers.bob, job=job)
    started = ImportJob.objects.get(pk=job.pk).touched_at
    assert started is not None
    services.import_process(job_id=job.pk, dry_run=False)  # a first run that saved everything ...
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)  # ... and died before saying "done"

    assert stalled.jobs_resume(at=started + stalled.STALLED_AFTER) == 0  # still within its time: left alone
    later = started + stalled.STALLED_AFTER + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert stalled.jobs_resume(at=later) == 1
        assert stalled.jobs_resume(at=later) == 0  # a second sweep finds it claimed
    assert len(queued) == 1
    job.refresh_from_db()
    assert (job.status, job.created, job.skipped) == (JobStatus.DONE, 3, 0)  # as the first run saved them
    assert Customer.objects.count() == 3 and ImportedRow.objects.count() == 3  # nothing saved twice
