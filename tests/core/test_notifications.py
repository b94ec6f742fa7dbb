"""Notifications (SPEC §4.6): who receives what, e-mail exactly once, the bell, the list and the choices."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, gettext_noop

from guanxi.core.errors import DomainError
from guanxi.core.jobs import run_job
from guanxi.core.models import Notification, NotificationPreference
from guanxi.core.notifications import notify, register_kind
from guanxi.core.notifications.kinds import KINDS
from guanxi.core.notifications.selectors import notifications_of, unread_count
from guanxi.core.notifications.services import (
    MAX_EMAIL_ATTEMPTS,
    Choice,
    Message,
    notification_email_send,
    notification_preferences_save,
    notify_each,
)
from guanxi.core.notifications.tasks import send_notification_email
from guanxi.core.permissions import has_perm
from guanxi.core.texts import Text
from guanxi.org.models import Role, User
from tests.conftest import World, client_for

Status = Notification.EmailStatus
Capture = Callable[..., Any]


@pytest.fixture(autouse=True)
def _mail_in_memory(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://crm.example.cn"


def with_email(*users: User) -> None:
    for user in users:
        user.email = f"{user.username}@example.cn"
        user.save(update_fields=["email"])


def choose(user: User, kind: str, *, in_app: bool, email: bool) -> None:
    notification_preferences_save(actor=user, choices={kind: Choice(in_app, email)})


# --- who receives what ---------------------------------------------------------------------------------


def test_notify_creates_the_rows_of_every_recipient_in_one_insert(world: World) -> None:
    with CaptureQueriesContext(connection) as queries:
        created = notify(recipients=[world.alice, world.bob, world.alice], kind="system", title="Hello")
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert len(queries.captured_queries) <= 3  # recipients, their choices, the insert
    assert sorted(n.recipient_id for n in created) == sorted([world.alice.pk, world.bob.pk])
    assert all(n.pk for n in created)


def test_each_recipient_gets_their_own_news_in_as_many_queries_whatever_their_number(world: World) -> None:
    """A sweep tells every owner about their own customers: one insert, not three queries per owner."""
    world.bob.status = User.Status.FROZEN
    world.bob.save(update_fields=["status"])
    messages = [
        Message(
            world.alice,
            Text(gettext_noop("{count} of your customers returned to the pool: {names}"), count=2, names="甲、乙"),
        ),
        Message(world.bob, "Bob's news"),
        Message(world.charlie, "Manager's news", url="/customers/pool/"),
    ]
    with CaptureQueriesContext(connection) as queries:
        created = notify_each(kind="system", messages=messages)
    assert len(queries.captured_queries) <= 3  # recipients, their choices, the insert
    news = {row.recipient_id: row for row in created}
    assert set(news) == {world.alice.pk, world.charlie.pk}  # the frozen colleague hears nothing
    assert news[world.alice.pk].texts["title"]["params"] == {"count": 2, "names": "甲、乙"}
    assert news[world.charlie.pk].title == "Manager's news" and news[world.charlie.pk].url == "/customers/pool/"


def test_a_kind_turned_off_in_the_app_creates_nothing_for_that_user(world: World) -> None:
    choose(world.alice, "comment", in_app=False, email=False)
    notify(recipients=[world.alice, world.bob], kind="comment", title="Bob commented")
    assert not Notification.objects.filter(recipient=world.alice).exists()
    assert Notification.objects.filter(recipient=world.bob, kind="comment").count() == 1


def test_frozen_and_departed_users_receive_nothing(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    with_email(world.alice, world.bob, world.charlie)
    for user in (world.alice, world.bob, world.charlie):
        choose(user, "system", in_app=True, email=True)
    User.objects.filter(pk=world.alice.pk).update(status=User.Status.FROZEN)
    User.objects.filter(pk=world.bob.pk).update(status=User.Status.LEFT)
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[world.alice, world.bob, world.charlie], kind="system", title="Maintenance")
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [world.charlie.pk]
    assert [message.to for message in mail.outbox] == [["charlie@example.cn"]]


def test_an_email_only_choice_sends_mail_but_keeps_the_bell_quiet(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    with_email(world.alice)
    choose(world.alice, "assignment", in_app=False, email=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[world.alice], kind="assignment", title="You own 上海华信 now", url="/people/1/")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "You own 上海华信 now"
    assert "https://crm.example.cn/people/1/" in mail.outbox[0].body
    assert unread_count(actor=world.alice) == 0
    assert not notifications_of(actor=world.alice).exists()


def test_no_email_is_queued_for_a_user_without_an_address(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    choose(world.alice, "system", in_app=True, email=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        [created] = notify(recipients=[world.alice], kind="system", title="Hi")
    assert created.email_status == Status.NONE
    assert callbacks == []
    assert mail.outbox == []


def test_texts_are_written_in_each_recipients_language(world: World) -> None:
    User.objects.filter(pk=world.alice.pk).update(language="en")
    User.objects.filter(pk=world.bob.pk).update(language="zh-hans")
    notify(recipients=[world.alice, world.bob], kind="system", title=gettext_lazy("Dashboard"))
    titles = dict(Notification.objects.values_list("recipient__username", "title"))
    assert titles == {"alice": "Dashboard", "bob": "工作台"}


def test_a_text_is_stored_as_its_message_and_read_in_the_readers_language(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    """Whoever caused it, and in whatever language, each reader reads the title in theirs: the bell, the
    list, the API and the e-mail."""
    with_email(world.alice)
    User.objects.filter(pk=world.alice.pk).update(language="en")
    choose(world.alice, "assignment", in_app=True, email=True)
    title = Text(gettext_noop("%(actor)s gave you the customer %(name)s"), actor=world.bob, name="上海华信")
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):  # Bob works in Chinese
        notify(recipients=[world.alice], kind="assignment", title=title)
    english = "王博 gave you the customer 上海华信"
    assert mail.outbox[0].subject == english  # her language
    client = client_for(world.alice, HTTP_ACCEPT_LANGUAGE="en")
    assert english in client.get(reverse("core:notifications")).text
    assert english in client.get(reverse("core:notification_menu")).text
    assert client.get("/api/v1/notifications/").json()["results"][0]["title"] == english
    chinese = client_for(world.alice, HTTP_ACCEPT_LANGUAGE="zh-hans")
    User.objects.filter(pk=world.alice.pk).update(language="")  # now she reads with a Chinese browser
    assert "王博 将客户 上海华信 转给了您" in chinese.get(reverse("core:notifications")).text


def test_an_amount_in_a_stored_text_reads_in_each_readers_money_format() -> None:
    from guanxi.core.texts import Amount

    msgid = gettext_noop("Payment overdue: {number} instalment {instalment}, {customer}, {amount}")
    text = Text.from_stored(Text(msgid, number="HT001", instalment=2, customer="甲", amount=Amount("2500.5")).stored())
    assert text is not None
    with translation.override("en"):
        assert text.render() == "Payment overdue: HT001 instalment 2, 甲, CN¥2,500.50"
    with translation.override("zh-hans"):
        assert text.render() == "回款逾期：HT001 第 2 期，甲，¥2,500.50"
    before = "Payment overdue: {number} instalment {instalment}, {customer}, ¥{amount}"  # written before, kept
    older = Text.from_json({"msgid": before, "params": {"number": "HT001", "instalment": 2, "customer": "甲",
                                                        "amount": "2500.50"}})  # fmt: skip
    with translation.override("zh-hans"):
        assert older.render() == "回款逾期：HT001 第 2 期，甲，¥2500.50"


def test_notifications_written_before_texts_were_stored_read_as_written(world: World) -> None:
    old = Notification.objects.create(recipient=world.alice, kind="system", title="旧通知", body="正文")
    with translation.override("en"):
        assert (old.shown_title, old.shown_body) == ("旧通知", "正文")


def test_notify_links_only_to_this_site_and_knows_its_kinds(world: World) -> None:
    for url in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            notify(recipients=[world.alice], kind="system", title="x", url=url)
    with pytest.raises(LookupError):
        notify(recipients=[world.alice], kind="no-such-kind", title="x")
    assert not Notification.objects.exists()


def test_the_record_is_remembered_with_the_notification(world: World) -> None:
    [created] = notify(recipients=[world.alice], kind="assignment", title="x", obj=world.bob, url="/people/1/")
    assert (created.object_type, created.object_id) == ("org.user", str(world.bob.pk))


def test_a_kind_registered_later_uses_its_defaults(world: World) -> None:
    register_kind("test_digest", "Digest", default_in_app=False, default_email=True)
    try:
        with_email(world.alice)
        [created] = notify(recipients=[world.alice], kind="test_digest", title="Your day")
        assert (created.in_app, created.email_status) == (False, Status.PENDING)
    finally:
        KINDS.pop("test_digest")


# --- e-mail exactly once -------------------------------------------------------------------------------


def test_the_email_is_sent_exactly_once_even_if_the_task_runs_twice(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    with_email(world.alice)
    choose(world.alice, "assignment", in_app=True, email=True)
    with django_capture_on_commit_callbacks(execute=True):
        [created] = notify(recipients=[world.alice], kind="assignment", title="New customer")
    send_notification_email(created.pk)  # the queue delivers the message again
    assert notification_email_send(notification_id=created.pk) is False
    run_job("notification_emails", at=timezone.now() + timedelta(hours=1))
    assert len(mail.outbox) == 1
    created.refresh_from_db()
    assert (created.email_status, created.email_attempts) == (Status.SENT, 1)
    assert created.emailed_at is not None


def test_a_failed_send_is_retried_later_and_then_sent_once(world: World, settings: Any) -> None:
    with_email(world.alice)
    choose(world.alice, "system", in_app=True, email=True)
    [created] = notify(recipients=[world.alice], kind="system", title="Retry me")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nothing listens
    with pytest.raises(OSError):
        notification_email_send(notification_id=created.pk)
    created.refresh_from_db()
    assert (created.email_status, created.email_attempts) == (Status.FAILED, 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run_job("notification_emails") == "1 notification e-mails sent"
    assert run_job("notification_emails") == "0 notification e-mails sent"
    assert len(mail.outbox) == 1
    created.refresh_from_db()
    assert (created.email_status, created.email_attempts) == (Status.SENT, 2)


def test_a_send_that_keeps_failing_gives_up_after_the_last_attempt(world: World, settings: Any) -> None:
    with_email(world.alice)
    choose(world.alice, "system", in_app=True, email=True)
    [created] = notify(recipients=[world.alice], kind="system", title="Never")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    later = timezone.now() + timedelta(minutes=10)
    for _attempt in range(MAX_EMAIL_ATTEMPTS):
        run_job("notification_emails", at=later)
    assert run_job("notification_emails", at=later) == "0 notification e-mails sent"
    created.refresh_from_db()
    assert (created.email_status, created.email_attempts) == (Status.FAILED, MAX_EMAIL_ATTEMPTS)


def test_the_sweep_sends_emails_whose_queue_message_was_lost(world: World) -> None:
    with_email(world.alice)
    choose(world.alice, "system", in_app=True, email=True)
    with time_machine.travel(datetime.fromisoformat("2026-03-02T09:00:00+08:00"), tick=False):
        notify(recipients=[world.alice], kind="system", title="Lost")  # on_commit never runs here
    # A minute later the queue may still deliver it: the sweep leaves it alone.
    assert run_job("notification_emails", at=datetime.fromisoformat("2026-03-02T09:01:00+08:00")) == (
        "0 notification e-mails sent"
    )
    assert run_job("notification_emails", at=datetime.fromisoformat("2026-03-02T09:10:00+08:00")) == (
        "1 notification e-mails sent"
    )
    assert len(mail.outbox) == 1


def test_a_user_frozen_before_the_email_leaves_gets_none(world: World) -> None:
    with_email(world.alice)
    choose(world.alice, "system", in_app=True, email=True)
    [created] = notify(recipients=[world.alice], kind="system", title="Too late")
    User.objects.filter(pk=world.alice.pk).update(status=User.Status.FROZEN)
    assert notification_email_send(notification_id=created.pk) is False
    created.refresh_from_db()
    assert created.email_status == Status.SKIPPED
    assert mail.outbox == []


# --- who may read them ---------------------------------------------------------------------------------


def test_every_active_user_holds_the_notifications_module_and_the_frozen_do_not(world: World) -> None:
    assert has_perm(world.alice, "notifications.view")
    User.objects.filter(pk=world.charlie.pk).update(status=User.Status.FROZEN)
    assert not has_perm(User.objects.get(pk=world.charlie.pk), "notifications.view")


def test_no_role_and_no_superuser_reads_someone_elses_notifications(world: World) -> None:
    notify(recipients=[world.alice, world.bob], kind="system", title="Mine")
    everything = Role.objects.create(name="All", code="all", permissions=["notifications.view"], data_scope="all")
    world.bob.roles.add(everything)
    admin = world.root
    bob = User.objects.get(pk=world.bob.pk)
    assert list(notifications_of(actor=bob).values_list("recipient_id", flat=True)) == [world.bob.pk]
    assert not notifications_of(actor=admin).exists()


# --- the bell and the list -----------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_on_every_page(world: World) -> None:
    notify(recipients=[world.alice], kind="system", title="One")
    notify(recipients=[world.alice], kind="system", title="Two")
    notify(recipients=[world.bob], kind="system", title="Bob's")
    response = client_for(world.alice).get(reverse("core:home"))
    assert 'data-testid="notification-count">2</span>' in response.text
    assert unread_count(actor=world.alice) == 2


def test_the_bell_menu_lists_the_latest_five(world: World) -> None:
    for number in range(7):
        notify(recipients=[world.alice], kind="system", title=f"Message {number}")
    response = client_for(world.alice).get(reverse("core:notification_menu"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Message 6" in response.text
    assert "Message 2" in response.text
    assert "Message 1" not in response.text
    assert "<html" not in response.text


def test_the_list_filters_unread_and_pages(world: World) -> None:
    created = [notify(recipients=[world.alice], kind="system", title=f"N{i:02}")[0] for i in range(25)]
    Notification.objects.filter(pk=created[0].pk).update(read_at=timezone.now())
    client = client_for(world.alice)
    first = client.get(reverse("core:notifications"))
    assert first.context["page_obj"].paginator.count == 25
    assert len(first.context["page_obj"].object_list) == 20
    assert "N24" in first.text
    second = client.get(reverse("core:notifications"), {"page": 2})
    assert "N00" in second.text
    unread = client.get(reverse("core:notifications"), {"show": "unread"})
    assert unread.context["page_obj"].paginator.count == 24


def test_opening_a_notification_marks_it_read_and_goes_to_its_record(world: World) -> None:
    [created] = notify(recipients=[world.alice], kind="system", title="See Bob", url=f"/people/{world.bob.pk}/")
    response = client_for(world.alice).get(reverse("core:notification_open", args=[created.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/people/{world.bob.pk}/"
    created.refresh_from_db()
    assert created.is_read
    assert unread_count(actor=world.alice) == 0


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "/\\evil.example", ""])
def test_opening_never_leaves_the_site(world: World, url: str) -> None:
    created = Notification.objects.create(recipient=world.alice, kind="system", title="x", url=url)
    response = client_for(world.alice).get(reverse("core:notification_open", args=[created.pk]))
    assert response["Location"] == reverse("core:notifications")


def test_a_user_cannot_open_or_mark_someone_elses_notification(world: World) -> None:
    [bobs] = notify(recipients=[world.bob], kind="system", title="Bob's", url="/")
    client = client_for(world.alice)
    assert client.get(reverse("core:notification_open", args=[bobs.pk])).status_code == 404
    assert client.post(reverse("core:notification_read", args=[bobs.pk])).status_code == 404
    client.post(reverse("core:notifications_read_all"))
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_marking_one_read_with_and_without_htmx(world: World) -> None:
    first, second = (notify(recipients=[world.alice], kind="system", title=t)[0] for t in ("A", "B"))
    client = client_for(world.alice)
    response = client.post(reverse("core:notification_read", args=[first.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("core:notifications")
    response = client.post(reverse("core:notification_read", args=[second.pk]), HTTP_HX_REQUEST="true")
    assert f'id="notification-{second.pk}"' in response.text
    assert "<html" not in response.text
    assert unread_count(actor=world.alice) == 0
    assert client.get(reverse("core:notification_read", args=[first.pk])).status_code == 405


def test_mark_all_read_returns_to_the_page_it_came_from(world: World) -> None:
    notify(recipients=[world.alice], kind="system", title="A")
    notify(recipients=[world.alice, world.bob], kind="system", title="B")
    response = client_for(world.alice).post(reverse("core:notifications_read_all"), {"next": "/search/?q=x"})
    assert response["Location"] == "/search/?q=x"
    assert unread_count(actor=world.alice) == 0
    assert unread_count(actor=world.bob) == 1


# --- the user's choices --------------------------------------------------------------------------------


def test_the_settings_page_shows_every_kind_and_saves_the_choices(world: World) -> None:
    client = client_for(world.alice, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(reverse("core:notification_preferences"))
    assert "Records assigned to me" in page.text
    assert "add one in your profile" in page.text  # Alice has no e-mail address yet
    response = client.post(
        reverse("core:notification_preferences"), {"assignment__in_app": "on", "comment__email": "on"}
    )
    assert response.status_code == 302
    saved = {p.kind: (p.in_app, p.email) for p in NotificationPreference.objects.filter(user=world.alice)}
    core = {kind: saved[kind] for kind in ("assignment", "comment", "system")}  # other apps add their own kinds
    assert core == {"assignment": (True, False), "comment": (False, True), "system": (False, False)}
    assert all(choice == (False, False) for kind, choice in saved.items() if kind not in core)


def test_the_settings_page_is_reachable_from_the_user_menu(world: World) -> None:
    response = client_for(world.alice).get(reverse("core:home"))
    assert reverse("core:notification_preferences") in response.text


def test_saving_choices_refuses_an_unknown_kind_and_saves_nothing(world: World) -> None:
    with pytest.raises(DomainError):
        notification_preferences_save(
            actor=world.alice, choices={"system": Choice(False, False), "nope": Choice(True, True)}
        )
    assert not NotificationPreference.objects.exists()


def test_pages_for_strangers_show_no_bell(db: None) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "notification-bell" not in response.text
