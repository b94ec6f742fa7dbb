"""Announcements: the audience, publishing now or by the sweep, sanitised text, read receipts and reminders."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.collab import tasks  # noqa: F401 (importing the tasks registers the publish_announcements job)
from guanxi.collab.announcements import selectors, services
from guanxi.collab.announcements.models import Announcement, AnnouncementRead
from guanxi.core.errors import NotPermitted
from guanxi.core.jobs import run_job
from guanxi.core.models import Notification
from guanxi.org.models import Role
from tests.conftest import TwoUnits, grant


def announce(actor: object, **data: object) -> Announcement:
    return services.announcement_create(actor=actor, data={"title": "放假通知", "body": "<p>放假</p>", **data})  # type: ignore[arg-type]


def test_the_text_keeps_formatting_and_loses_scripts(two_units: TwoUnits) -> None:
    row = announce(
        two_units.ada, body='<p onclick="x()">好<script>alert(1)</script><a href="javascript:x">链接</a></p>'
    )
    assert "<script" not in row.body and "onclick" not in row.body and "javascript:" not in row.body
    assert row.body.startswith("<p>好")


def test_bad_input_is_reported_by_field_and_nothing_is_saved(two_units: TwoUnits) -> None:
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        services.announcement_create(
            actor=two_units.ada,
            data={"title": " ", "body": "<script>x</script>", "audience": "departments", "publish_at": now,
                  "expires_at": now - timedelta(days=1)},
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"title", "body", "departments", "expires_at"}
    with pytest.raises(ValidationError) as refused:
        announce(two_units.ada, audience="all")  # only a group-wide administrator addresses every unit
    assert set(refused.value.message_dict) == {"audience"}
    with pytest.raises(ValidationError):
        announce(two_units.ada, audience="departments", departments=[two_units.hangzhou])
    with pytest.raises(NotPermitted):
        announce(two_units.alice)
    assert Announcement.all_objects.count() == 0


def test_each_audience_reaches_its_people_and_no_one_else(two_units: TwoUnits) -> None:
    t = two_units
    unit = announce(t.ada, title="本单元")
    shanghai = announce(t.ada, title="上海", audience="departments", departments=[t.shanghai])
    sellers = announce(t.ada, title="销售", audience="roles", roles=[Role.objects.get(code="salesperson")])
    everyone = announce(t.gina, title="全集团", audience="all")

    def titles(person: object) -> set[str]:
        return {row.title for row in selectors.for_reader(actor=person)}  # type: ignore[arg-type]

    assert titles(t.alice) == {unit.title, shanghai.title, sellers.title, everyone.title}
    assert titles(t.charlie) == {unit.title, everyone.title}  # Beijing, no role
    assert titles(t.bella) == {everyone.title}  # unit B: its salesperson role is of no matter for unit A
    assert set(selectors.audience_users(shanghai)) == {t.alice, t.bob}
    assert t.bella in set(selectors.audience_users(everyone)) and t.bella not in set(selectors.audience_users(sellers))


def test_a_scheduled_announcement_goes_out_by_the_sweep_once_and_expires(two_units: TwoUnits) -> None:
    later = timezone.now() + timedelta(days=2)
    row = announce(two_units.ada, publish_at=later, expires_at=later + timedelta(days=1))
    assert row.published_at is None and not selectors.for_reader(actor=two_units.alice).exists()
    assert run_job("publish_announcements", at=later - timedelta(minutes=1)) == "0 announcements published"
    assert run_job("publish_announcements", at=later) == "1 announcements published"
    assert run_job("publish_announcements", at=later) == "0 announcements published"
    row.refresh_from_db()
    assert row.published_at == later
    told = Notification.objects.filter(kind="announcement", object_id=str(row.pk))
    assert set(told.values_list("recipient__username", flat=True)) == {"alice", "bob", "charlie", "root", "gina"}
    with time_machine.travel(later + timedelta(hours=1), tick=False):
        assert selectors.unread_count(actor=two_units.alice) == 1
    with time_machine.travel(later + timedelta(days=2), tick=False):
        assert selectors.unread_count(actor=two_units.alice) == 0  # expired


def test_read_receipts_tell_who_has_read_and_the_unread_are_reminded(two_units: TwoUnits) -> None:
    row = announce(two_units.ada)
    assert services.announcement_read(actor=two_units.alice, announcement=row) is True
    assert services.announcement_read(actor=two_units.alice, announcement=row) is False  # once
    assert AnnouncementRead.objects.filter(announcement=row).count() == 1
    assert selectors.receipt_counts(row) == selectors.ReceiptCounts(read=1, unread=5)
    assert [r.user for r in selectors.receipt_list(row, read=True)] == [two_units.alice]
    unread = set(selectors.receipt_list(row, read=False))
    assert unread == {two_units.bob, two_units.charlie, two_units.root, two_units.ada, two_units.gina}
    assert selectors.unread_count(actor=two_units.alice) == 0 and selectors.unread_count(actor=two_units.bob) == 1
    before = Notification.objects.filter(kind="announcement", recipient=two_units.alice).count()
    assert services.announcement_remind(actor=two_units.ada, announcement=row) == 5
    assert Notification.objects.filter(kind="announcement", recipient=two_units.alice).count() == before
    with pytest.raises(NotPermitted):
        services.announcement_read(actor=two_units.bella, announcement=row)  # not addressed to unit B
    with pytest.raises(NotPermitted):
        services.announcement_remind(actor=two_units.ben, announcement=row)  # another unit's administrator


def test_an_edit_with_a_stale_version_is_refused(two_units: TwoUnits) -> None:
    from guanxi.core.errors import Conflict

    grant(two_units.bob)
    row = announce(two_units.ada)
    services.announcement_update(actor=two_units.ada, announcement=row, version=row.version, data={"pinned": True})
    with pytest.raises(Conflict):
        services.announcement_update(actor=two_units.ada, announcement=row, version=row.version, data={"title": "旧"})
    row.refresh_from_db()
    assert row.pinned and row.title == "放假通知"


def test_receipts_count_each_audience_once_and_narrow_to_a_department_and_a_name(two_units: TwoUnits) -> None:
    t = two_units
    sellers = announce(t.ada, audience="roles", roles=Role.objects.filter(code__in=["salesperson", "unit_admin"]))
    grant(t.bob, "salesperson", "unit_admin")  # two of the roles: still one person of the audience
    services.announcement_read(actor=t.bob, announcement=sellers)
    assert selectors.receipt_counts(sellers) == selectors.ReceiptCounts(read=1, unread=2)  # Bob; Alice, Ada
    unit = announce(t.ada)
    for person in (t.alice, t.charlie):
        services.announcement_read(actor=person, announcement=unit)
    t.charlie.status = t.charlie.Status.LEFT  # a reader who left is no longer counted
    t.charlie.save(update_fields=["status"])
    counts = selectors.receipt_counts(unit)
    assert (counts.read, counts.unread, counts.total, counts.percent) == (1, 4, 5, 20)
    in_shanghai = selectors.receipt_list(unit, read=False, department=t.shanghai)
    assert list(in_shanghai) == [t.bob]
    assert [r.user for r in selectors.receipt_list(unit, read=True, department=t.head_office)] == [t.alice]
    assert list(selectors.receipt_list(unit, read=False, name="王")) == [t.bob]
    assert not selectors.receipt_list(unit, read=True, department=t.beijing).exists()


def test_the_badge_count_is_kept_until_something_it_counts_changes(two_units: TwoUnits) -> None:
    t = two_units
    first = announce(t.ada, title="一")
    assert selectors.unread_count(actor=t.alice) == 1
    with CaptureQueriesContext(connection) as counted:
        assert selectors.unread_count(actor=t.alice) == 1
    assert len(counted) == 0  # kept: the menu of every page shows it
    second = announce(t.ada, title="二", expires_at=timezone.now() + timedelta(hours=2))
    assert selectors.unread_count(actor=t.alice) == 2  # a new one counts at once
    services.announcement_read(actor=t.alice, announcement=first)
    assert selectors.unread_count(actor=t.alice) == 1  # read: the badge drops at once
    with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False):
        assert selectors.unread_count(actor=t.alice) == 0  # the second one expired
    services.announcement_delete(actor=t.ada, announcement=second)
    announce(t.ada, title="上海", audience="departments", departments=[t.shanghai])
    assert selectors.unread_count(actor=t.alice) == 1 and selectors.unread_count(actor=t.charlie) == 1  # Beijing
    t.charlie.department = t.shanghai  # moved: the kept count was for Beijing
    assert selectors.unread_count(actor=t.charlie) == 2
