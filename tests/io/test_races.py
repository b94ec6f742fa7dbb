"""An import killed half-way and run again, and two overlapping imports at once, on PostgreSQL: the database
decides, so no row is saved twice and no customer exists twice."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from guanxi.customers.models import Contact, Customer
from guanxi.io import services
from guanxi.io.models import ImportedRow
from guanxi.pool.models import HoldingLimit
from tests.conftest import World, grant

from .helpers import xlsx

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = ["客户名称", "联系人姓名", "联系人手机"]
KILL_AFTER = 100  # rows saved before the kill
ROWS = 600


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the races and the killed process are decided by PostgreSQL")


def company_rows(first: int, last: int) -> list[list[object]]:
    return [[f"测试{number:05d}贸易有限公司", f"联系人{number}", f"139{number:08d}"] for number in range(first, last)]


def guanxi_import(file: Path, var_dir: Path) -> subprocess.Popen[bytes]:
    """``guanxi import`` in its own process, on the test database."""
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "GUANXI_VAR_DIR": str(var_dir),
    }
    command = [
        str(Path(sys.executable).with_name("guanxi")),
        "import",
        str(file),
        "--type",
        "customers",
        "--user",
        "bob",
    ]
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_an_import_killed_half_way_completes_when_run_again_without_duplicates(
    postgres: None, db: None, tmp_path: Path
) -> None:
    world = World()
    grant(world.bob, "unit_head")
    HoldingLimit.objects.create(business_unit=world.unit, user=world.bob, holding_limit=ROWS)
    file = tmp_path / "customers.xlsx"
    file.write_bytes(xlsx([HEADER, *company_rows(0, ROWS)]))

    first = guanxi_import(file, tmp_path)
    deadline = time.monotonic() + 120
    while ImportedRow.objects.count() < KILL_AFTER:  # waits for the other process, not for a clock
        assert first.poll() is None, first.stderr.read() if first.stderr else b""
        assert time.monotonic() < deadline, "the import did not start"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    saved = Customer.objects.count()
    assert KILL_AFTER <= saved < ROWS  # killed mid-way
    assert Contact.objects.count() == saved  # each saved row whole: its customer with its contact

    second = guanxi_import(file, tmp_path)
    assert second.wait(timeout=600) == 0, second.stderr.read() if second.stderr else b""
    assert Customer.objects.count() == ROWS == Contact.objects.count()
    assert ImportedRow.objects.count() == ROWS
    assert Customer.objects.values("name").distinct().count() == ROWS


def test_two_overlapping_imports_at_once_never_create_a_customer_twice(postgres: None, db: None) -> None:
    world = World()
    grant(world.bob, "unit_head")
    grant(world.alice, "unit_head")
    jobs = []
    for actor, rows in ((world.bob, company_rows(0, 120)), (world.alice, company_rows(60, 180))):  # 60 in both
        job = services.import_upload(actor=actor, kind="customers", file_name="a.xlsx", content=xlsx([HEADER, *rows]))
        jobs.append(services.import_configure(actor=actor, job=job, mapping=job.mapping, strategy="skip"))
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def run(job_id: int) -> None:
        try:
            start.wait()
            services.import_process(job_id=job_id, dry_run=False)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job.pk,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert Customer.objects.count() == 180 == Customer.objects.values("name").distinct().count()
    for job in jobs:
        job.refresh_from_db()
        assert job.created + job.skipped + job.failed == 120  # every row accounted for
    assert sum(job.created for job in jobs) == 180
