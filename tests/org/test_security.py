"""Sign-in security: the lockout (account and address) and the login log (SPEC §1.5)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse

from guanxi.core.models import AuditEntry
from guanxi.core.scope import Scope
from guanxi.org.models import LoginAttempt, Role, User
from tests.conftest import PASSWORD, World, client_for

MONDAY_9AM = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
Result = LoginAttempt.Result


def grant(user: User, *codes: str, scope: Scope = Scope.DEPARTMENT, **fields: Any) -> Role:
    """Give the user a role of their own holding these permission codes."""
    role = Role.objects.create(
        name=f"role-{user.username}-{Role.objects.count()}",
        code=f"role-{user.username}-{Role.objects.count()}",
        permissions=list(codes),
        data_scope=scope,
        **fields,
    )
    user.roles.add(role)
    return role


def sign_in(username: str, password: str, ip: str = "203.0.113.7", **extra: Any) -> tuple[Client, Any]:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=ip, **extra)
    return client, client.post(reverse("org:login"), {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return client.get(reverse("core:home")).status_code == 200


def test_five_failures_lock_the_account_for_fifteen_minutes(world: World) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        for _attempt in range(5):
            sign_in("alice", "wrong")
        client, response = sign_in("alice", PASSWORD)
        assert not signed_in(client)
        assert "This account is locked after too many failed sign-in attempts" in response.text
        assert "Try again in 15 minutes." in response.text

        clock.shift(timedelta(minutes=14))
        client, response = sign_in("alice", PASSWORD)
        assert not signed_in(client)
        assert "Try again in 1 minute." in response.text

        clock.shift(timedelta(minutes=2))
        client, response = sign_in("alice", PASSWORD)
        assert response.status_code == 302
        assert signed_in(client)


def test_four_failures_do_not_lock_and_a_success_resets_the_count(world: World) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        for _attempt in range(4):
            sign_in("alice", "wrong")
        clock.shift(timedelta(minutes=1))
        assert sign_in("alice", PASSWORD)[1].status_code == 302
        for _attempt in range(4):
            sign_in("alice", "wrong")
        assert sign_in("alice", PASSWORD)[1].status_code == 302

        sign_in("alice", "wrong")  # four more since the last success, and a fifth
        for _attempt in range(4):
            sign_in("alice", "wrong")
        assert "locked" in sign_in("alice", PASSWORD)[1].text


def test_failures_spread_beyond_the_window_do_not_lock(world: World) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        for _attempt in range(5):
            sign_in("alice", "wrong")
            clock.shift(timedelta(minutes=4))  # the fifth comes 16 minutes after the first
        assert sign_in("alice", PASSWORD)[1].status_code == 302


def test_the_lock_does_not_depend_on_the_case_of_the_username(world: World) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False):
        for typed in ("alice", "ALICE", "Alice", " alice", "aLiCe"):
            sign_in(typed, "wrong")
        assert "locked" in sign_in("alice", PASSWORD)[1].text


def test_an_unknown_username_locks_like_a_real_one_so_nothing_is_revealed(world: World) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False):
        for _attempt in range(5):
            sign_in("nobody", "wrong")
        response = sign_in("nobody", "wrong")[1]
        assert "This account is locked after too many failed sign-in attempts" in response.text


def test_twenty_failures_from_one_address_lock_that_address_only(world: World) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        for number in range(20):
            sign_in(f"guess{number}", "wrong", ip="203.0.113.66")
        client, response = sign_in("charlie", PASSWORD, ip="203.0.113.66")
        assert not signed_in(client)
        assert "Too many failed sign-in attempts from your network. Try again in 15 minutes." in response.text
        assert sign_in("charlie", PASSWORD, ip="203.0.113.67")[1].status_code == 302

        clock.shift(timedelta(minutes=14))
        assert "from your network" in sign_in("charlie", PASSWORD, ip="203.0.113.66")[1].text
        clock.shift(timedelta(minutes=2))
        assert sign_in("charlie", PASSWORD, ip="203.0.113.66")[1].status_code == 302


def test_a_success_does_not_reset_the_address_count(world: World) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False):
        for number in range(19):
            sign_in(f"guess{number}", "wrong", ip="203.0.113.66")
        assert sign_in("charlie", PASSWORD, ip="203.0.113.66")[1].status_code == 302
        sign_in("guess-last", "wrong", ip="203.0.113.66")
        assert "from your network" in sign_in("alice", PASSWORD, ip="203.0.113.66")[1].text


def test_attempts_while_locked_are_logged_and_do_not_prolong_the_lock(world: World) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        for _attempt in range(5):
            sign_in("alice", "wrong")
        for _minute in range(15):
            clock.shift(timedelta(minutes=1))
            sign_in("alice", "wrong")
        assert LoginAttempt.objects.filter(result=Result.LOCKED_OUT).count() == 14
        clock.shift(timedelta(seconds=30))
        assert sign_in("alice", PASSWORD)[1].status_code == 302


def test_the_login_log_records_each_result_with_the_address_and_browser(world: World) -> None:
    browser = "Mozilla/5.0 " + "x" * 400
    sign_in("Alice", PASSWORD, HTTP_USER_AGENT=browser)
    sign_in("alice", "wrong")
    sign_in("nobody", "wrong")
    User.objects.filter(pk=world.charlie.pk).update(status=User.Status.FROZEN)
    frozen = sign_in("charlie", PASSWORD)[1]
    assert "This account is frozen or has left the company" in frozen.text
    sign_in("charlie", "wrong")  # a frozen account with a wrong password is just a wrong password

    rows = list(LoginAttempt.objects.order_by("pk").values_list("username", "user", "result", "ip"))
    assert rows == [
        ("alice", world.alice.pk, Result.SUCCESS, "203.0.113.7"),
        ("alice", world.alice.pk, Result.BAD_PASSWORD, "203.0.113.7"),
        ("nobody", None, Result.BAD_PASSWORD, "203.0.113.7"),
        ("charlie", world.charlie.pk, Result.INACTIVE, "203.0.113.7"),
        ("charlie", world.charlie.pk, Result.BAD_PASSWORD, "203.0.113.7"),
    ]
    first = LoginAttempt.objects.order_by("pk").first()
    assert first is not None and first.user_agent == browser[:255]


def test_a_locked_out_attempt_is_logged_as_such(world: World) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False):
        for _attempt in range(6):
            sign_in("alice", "wrong")
    assert LoginAttempt.objects.latest("pk").result == Result.LOCKED_OUT


def test_sign_in_and_out_are_in_the_audit_log(world: World) -> None:
    client, _response = sign_in("alice", PASSWORD)
    sign_in("alice", "wrong")
    client.post(reverse("org:logout"))
    entries = list(AuditEntry.objects.order_by("pk").values_list("action", "actor", "object_id", "ip"))
    assert entries == [
        (AuditEntry.Action.SIGN_IN, world.alice.pk, str(world.alice.pk), "203.0.113.7"),
        (AuditEntry.Action.SIGN_IN_FAILED, None, str(world.alice.pk), "203.0.113.7"),
        (AuditEntry.Action.SIGN_OUT, world.alice.pk, str(world.alice.pk), "203.0.113.7"),
    ]


def test_a_frozen_users_open_session_stops_working_at_once(world: World) -> None:
    client = client_for(world.alice)
    assert signed_in(client)
    User.objects.filter(pk=world.alice.pk).update(status=User.Status.FROZEN)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
