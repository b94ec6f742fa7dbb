"""Two workers delivering one send at once, then a retry, as separate processes on PostgreSQL: each recipient
is claimed by one conditional update, so nobody gets the same material twice; the same for the confirmations
of event registrations."""

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.db import connection

from guanxi.marketing.campaigns import services as campaigns
from guanxi.marketing.campaigns.models import CampaignMember
from guanxi.marketing.messages import sending, services
from guanxi.marketing.messages.models import Delivery, SmsOutbox
from tests.conftest import TwoUnits, grant

from .conftest import campaign, customer
from .test_messages import SHANGHAI, sms_template

pytestmark = pytest.mark.django_db(transaction=True)
PEOPLE = 1300  # more than two batches each
EVENING = datetime(2026, 11, 10, 22, 0, tzinfo=SHANGHAI)  # in the SMS quiet hours: due the next morning
MORNING = datetime(2026, 11, 11, 8, 0, tzinfo=SHANGHAI)


def deliver_process(var_dir: Path, job: str = "marketing_deliver") -> subprocess.Popen[bytes]:
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "GUANXI_VAR_DIR": str(var_dir),
    }
    command = [
        str(Path(sys.executable).with_name("guanxi")),
        "jobs",
        "run",
        job,
        "--at",
        MORNING.isoformat(),
    ]
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_two_workers_and_a_retry_send_each_recipient_once(two_units: TwoUnits, tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("two processes claiming the same rows: decided by PostgreSQL's row locks")
    grant(two_units.bob, "sales_manager")
    fair = campaign(two_units.alice)
    first = customer(two_units.alice, "上海华信科技有限公司", "13900000001")
    campaigns.campaign_members_add(actor=two_units.alice, campaign=fair, kind="customer", ids=[first.pk])
    # people with no record behind them (a snapshot of names and numbers) are enough for the race
    CampaignMember.objects.bulk_create(
        CampaignMember(campaign=fair, kind="lead", name=f"客户{n}", mobile=f"137{n:08d}") for n in range(PEOPLE)
    )
    campaigns.campaign_launch(actor=two_units.alice, campaign=fair)
    template = sms_template(two_units.alice)
    with time_machine.travel(EVENING, tick=False):  # the commit plans it at once (tests run the queue at once)
        message = services.message_send(actor=two_units.bob, campaign=fair, template=template)
    assert Delivery.objects.filter(message=message, status="queued", due_at=MORNING).count() == PEOPLE + 1
    workers = [deliver_process(tmp_path / str(n)) for n in range(2)]
    for worker in workers:
        _out, errors = worker.communicate(timeout=300)
        assert worker.returncode == 0, errors.decode()
    assert sending.deliver(MORNING) == "0 messages sent, 0 failed"  # a retry finds nothing left
    assert SmsOutbox.objects.count() == PEOPLE + 1
    assert SmsOutbox.objects.values("to").distinct().count() == PEOPLE + 1
    assert Delivery.objects.filter(message=message, status="sent").count() == PEOPLE + 1


def test_two_workers_send_each_registration_confirmation_once(two_units: TwoUnits, tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("two processes claiming the same rows: decided by PostgreSQL's row locks")
    from guanxi.marketing.events import services as events
    from guanxi.marketing.events.models import Confirmation, Registration

    fair = campaign(two_units.alice)
    event = events.event_create(
        actor=two_units.alice, campaign=fair,
        data={"name": "答谢会", "starts_at": MORNING, "ends_at": MORNING, "venue": "国家会展中心"},
    )  # fmt: skip
    rows = Registration.objects.bulk_create(
        Registration(event=event, name=f"来宾{n}", mobile=f"137{n:08d}", code=f"c{n}") for n in range(250)
    )
    Confirmation.objects.bulk_create(
        Confirmation(registration=row, business_unit_id=event.business_unit_id, channel="sms", to=row.mobile,
                     due_at=EVENING)
        for row in rows
    )  # fmt: skip
    workers = [deliver_process(tmp_path / str(n), "marketing_confirm") for n in range(2)]
    for worker in workers:
        _out, errors = worker.communicate(timeout=300)
        assert worker.returncode == 0, errors.decode()
    assert SmsOutbox.objects.count() == 250 and SmsOutbox.objects.values("to").distinct().count() == 250
    assert Confirmation.objects.filter(status="sent").count() == 250
