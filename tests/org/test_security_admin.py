"""The administrators' side of sign-in security: login log page, online users and force logout,
the inactivity report, the admin password reset, and who may use them."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guanxi.core.models import AuditEntry
from guanxi.core.scope import Scope
from guanxi.org import security
from guanxi.org.models import LoginAttempt, User, UserSession
from tests.conftest import PASSWORD, World, client_for, make_user
from tests.org.test_security import MONDAY_9AM, grant, sign_in, signed_in

Result = LoginAttempt.Result
ADMIN_PAGES = ["org:login_log", "org:online_users", "org:inactive_users"]


@pytest.fixture
def admin(world: World) -> User:
    """Bob administers his department (Shanghai): he sees Alice, not Charlie in Beijing."""
    grant(world.bob, "org.view", "org.edit", scope=Scope.DEPARTMENT)
    return world.bob


def used(client: Client) -> Client:
    """Make one request, so the session shows up among the online users."""
    assert signed_in(client)
    return client


# --- Who may see what ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_a_salesperson_without_org_view_is_refused_the_admin_pages(world: World, name: str) -> None:
    grant(world.alice, "customers.view", scope=Scope.OWN)
    assert client_for(world.alice).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_an_administrator_opens_the_admin_pages(admin: User, name: str) -> None:
    assert client_for(admin).get(reverse(name)).status_code == 200


def test_the_menu_shows_the_admin_pages_only_with_org_view(admin: User, world: World) -> None:
    admins_menu = client_for(admin, HTTP_ACCEPT_LANGUAGE="en").get("/").text
    sales_menu = client_for(world.alice, HTTP_ACCEPT_LANGUAGE="en").get("/").text
    for name in ADMIN_PAGES:
        assert f'href="{reverse(name)}"' in admins_menu
        assert f'href="{reverse(name)}"' not in sales_menu
    assert f'href="{reverse("org:security")}"' in sales_menu  # the user menu's own security page


# --- Login log -----------------------------------------------------------------------------------


def test_the_login_log_lists_attempts_in_scope_only(admin: User, world: World) -> None:
    sign_in("alice", "wrong")
    sign_in("charlie", "wrong")
    sign_in("nobody", "wrong")
    rows = client_for(admin).get(reverse("org:login_log")).context["page_obj"].object_list
    assert [row.username for row in rows] == ["alice"]


def test_the_login_log_filters_by_user_result_address_and_date(admin: User, world: World) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        sign_in("alice", "wrong", ip="203.0.113.1")
        clock.shift(timedelta(days=1))
        sign_in("alice", PASSWORD, ip="203.0.113.2")
        sign_in("bob", PASSWORD, ip="203.0.113.2")
    client = client_for(admin)

    def results(**query: str) -> list[tuple[str, str]]:
        page = client.get(reverse("org:login_log"), query).context["page_obj"]
        return [(row.username, row.result) for row in page.object_list]

    assert results(user="alice") == [("alice", Result.SUCCESS), ("alice", Result.BAD_PASSWORD)]
    assert results(user=world.bob.display_name) == [("bob", Result.SUCCESS)]
    assert results(result=Result.BAD_PASSWORD) == [("alice", Result.BAD_PASSWORD)]
    assert results(ip="203.0.113.1") == [("alice", Result.BAD_PASSWORD)]
    assert results(date_from="2026-03-03") == [("bob", Result.SUCCESS), ("alice", Result.SUCCESS)]
    assert results(date_to="2026-03-02") == [("alice", Result.BAD_PASSWORD)]
    assert len(results(ip="not-an-address")) == 3  # a bad filter is ignored, not an error


def test_the_login_log_is_paginated(admin: User, world: World) -> None:
    LoginAttempt.objects.bulk_create(
        LoginAttempt(username="alice", user=world.alice, result=Result.SUCCESS) for _row in range(60)
    )
    client = client_for(admin)
    assert len(client.get(reverse("org:login_log")).context["page_obj"].object_list) == 50
    assert len(client.get(reverse("org:login_log"), {"page": 2}).context["page_obj"].object_list) == 10


# --- Online users and force logout -----------------------------------------------------------------


def test_online_users_lists_sessions_seen_in_the_last_half_hour(admin: User, world: World) -> None:
    used(client_for(world.alice, REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Firefox"))
    used(client_for(world.charlie))  # out of Bob's scope
    page = client_for(admin).get(reverse("org:online_users"))
    rows = page.context["page_obj"].object_list
    assert {(row.user, row.ip, row.user_agent) for row in rows} >= {(world.alice, "203.0.113.9", "Firefox")}
    assert world.charlie not in {row.user for row in rows}
    assert 'data-testid="force-logout"' in page.text

    UserSession.objects.filter(user=world.alice).update(last_seen_at=timezone.now() - timedelta(minutes=31))
    rows = client_for(admin).get(reverse("org:online_users")).context["page_obj"].object_list
    assert world.alice not in {row.user for row in rows}


def test_last_seen_is_written_at_most_once_a_minute(world: World) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        client = used(client_for(world.alice))
        session = UserSession.objects.get(user=world.alice)
        clock.shift(timedelta(seconds=30))
        client.get("/")
        assert UserSession.objects.get(pk=session.pk).last_seen_at == session.last_seen_at
        clock.shift(timedelta(seconds=31))
        client.get("/")
        assert UserSession.objects.get(pk=session.pk).last_seen_at == MONDAY_9AM + timedelta(seconds=61)


def test_force_logout_signs_the_session_out_on_its_next_request(admin: User, world: World) -> None:
    alice = used(client_for(world.alice))
    other_alice = used(client_for(world.alice))
    session = UserSession.objects.get(session_key=alice.session.session_key)
    response = client_for(admin).post(reverse("org:session_end", args=[session.pk]))
    assert response["Location"] == reverse("org:online_users")
    assert alice.get("/")["Location"].startswith(reverse("org:login"))
    assert signed_in(other_alice)  # only that session ends
    assert not UserSession.objects.filter(pk=session.pk).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_OUT)
    assert (entry.actor, entry.object_id, entry.note) == (admin, str(world.alice.pk), "forced sign-out")


def test_force_logout_needs_org_edit(world: World) -> None:
    grant(world.bob, "org.view")
    alice = used(client_for(world.alice))
    session = UserSession.objects.get(user=world.alice)
    bob = client_for(world.bob)
    assert 'data-testid="force-logout"' not in bob.get(reverse("org:online_users")).text
    assert bob.post(reverse("org:session_end", args=[session.pk])).status_code == 403
    assert signed_in(alice)


def test_force_logout_of_a_session_out_of_scope_answers_404(admin: User, world: World) -> None:
    charlie = used(client_for(world.charlie))
    session = UserSession.objects.get(user=world.charlie)
    assert client_for(admin).post(reverse("org:session_end", args=[session.pk])).status_code == 404
    assert signed_in(charlie)


def test_ending_all_of_a_users_sessions_signs_each_out(world: World) -> None:
    phone, laptop = used(client_for(world.alice)), used(client_for(world.alice))
    bob = used(client_for(world.bob))
    assert security.sessions_end_for_user(user=world.alice) == 2
    assert not signed_in(phone)
    assert not signed_in(laptop)
    assert signed_in(bob)


def test_a_user_signs_out_their_own_other_session(world: World) -> None:
    phone, laptop = used(client_for(world.alice)), used(client_for(world.alice))
    phone_session = UserSession.objects.get(session_key=phone.session.session_key)
    page = laptop.get(reverse("org:security"))
    assert page.context["sessions"].count() == 2
    laptop.post(reverse("org:my_session_end", args=[phone_session.pk]))
    assert not signed_in(phone)
    assert signed_in(laptop)
    bobs = used(client_for(world.bob))
    bob_session = UserSession.objects.get(session_key=bobs.session.session_key)
    laptop.post(reverse("org:my_session_end", args=[bob_session.pk]))  # not hers: nothing happens
    assert signed_in(bobs)


def test_signing_out_forgets_the_session(world: World) -> None:
    client = used(client_for(world.alice))
    client.post(reverse("org:logout"))
    assert not UserSession.objects.filter(user=world.alice).exists()


# --- Inactivity report -----------------------------------------------------------------------------


def test_the_inactivity_report_lists_active_users_idle_for_n_days(admin: User, world: World) -> None:
    now = timezone.now()
    User.objects.filter(pk=world.alice.pk).update(last_login=now - timedelta(days=20))
    never = make_user("dora", "赵多拉", world.shanghai, date_joined=now - timedelta(days=40))
    make_user("newbie", "钱新", world.shanghai)  # joined today, has not had the chance yet
    frozen = make_user("frozen", "孙冻", world.shanghai, status=User.Status.FROZEN)
    User.objects.filter(pk=frozen.pk).update(last_login=now - timedelta(days=90))
    User.objects.filter(pk=world.charlie.pk).update(last_login=now - timedelta(days=90))  # out of scope
    client = client_for(admin)  # Bob signs in now

    default = client.get(reverse("org:inactive_users"))
    assert list(default.context["page_obj"].object_list) == [never, world.alice]
    assert default.context["days"] == 14
    month = client.get(reverse("org:inactive_users"), {"days": "30"})
    assert list(month.context["page_obj"].object_list) == [never]
    nonsense = client.get(reverse("org:inactive_users"), {"days": "-3"})
    assert nonsense.context["days"] == 14


# --- Admin password reset --------------------------------------------------------------------------


def reset(client: Client, user: User, password: str = "Fresh-Start-2026", again: str | None = None) -> object:
    return client.post(
        reverse("org:user_password_reset", args=[user.pk]),
        {"new_password1": password, "new_password2": again or password},
    )


def test_an_administrator_resets_a_password_and_the_user_is_signed_out(admin: User, world: World) -> None:
    from rest_framework.authtoken.models import Token

    alice = used(client_for(world.alice))
    token = Token.objects.create(user=world.alice)  # obtained with the old password
    page = client_for(admin, HTTP_ACCEPT_LANGUAGE="en").get(reverse("org:user_password_reset", args=[world.alice.pk]))
    assert world.alice.display_name in page.text
    response = reset(client_for(admin), world.alice)
    assert response["Location"] == reverse("org:user_detail", args=[world.alice.pk])  # type: ignore[index]
    world.alice.refresh_from_db()
    assert world.alice.check_password("Fresh-Start-2026")
    assert not signed_in(alice)
    assert not UserSession.objects.filter(user=world.alice).exists()
    assert Client().get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 401
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE, object_id=str(world.alice.pk))
    assert (entry.actor, entry.note) == (admin, "password reset by an administrator")
    assert "Fresh-Start" not in str(entry.changes)


def test_a_password_reset_needs_org_edit(world: World) -> None:
    grant(world.bob, "org.view")
    bob = client_for(world.bob)
    assert bob.get(reverse("org:user_password_reset", args=[world.alice.pk])).status_code == 403
    assert reset(bob, world.alice).status_code == 403  # type: ignore[attr-defined]
    world.alice.refresh_from_db()
    assert world.alice.check_password(PASSWORD)


def test_a_password_reset_of_a_user_out_of_scope_answers_404(admin: User, world: World) -> None:
    assert reset(client_for(admin), world.charlie).status_code == 404  # type: ignore[attr-defined]
    world.charlie.refresh_from_db()
    assert world.charlie.check_password(PASSWORD)


def test_a_weak_or_mismatched_reset_password_is_refused(admin: User, world: World) -> None:
    client = client_for(admin, HTTP_ACCEPT_LANGUAGE="en")
    weak = reset(client, world.alice, "12345678")
    assert "new_password1" in weak.context["form"].errors  # type: ignore[attr-defined]
    similar = reset(client, world.alice, "alice123")
    assert "new_password1" in similar.context["form"].errors  # type: ignore[attr-defined]
    mismatch = reset(client, world.alice, "Fresh-Start-2026", "Fresh-Start-2027")
    assert "new_password2" in mismatch.context["form"].errors  # type: ignore[attr-defined]
    world.alice.refresh_from_db()
    assert world.alice.check_password(PASSWORD)


def test_the_reset_service_checks_permission_and_scope_itself(admin: User, world: World) -> None:
    from guanxi.core.errors import NotPermitted

    with pytest.raises(NotPermitted):
        security.user_reset_password(actor=world.alice, user=world.bob, new_password="Fresh-Start-2026")
    with pytest.raises(NotPermitted):
        security.user_reset_password(actor=admin, user=world.charlie, new_password="Fresh-Start-2026")
    world.bob.refresh_from_db()
    world.charlie.refresh_from_db()
    assert world.bob.check_password(PASSWORD) and world.charlie.check_password(PASSWORD)


def test_the_daily_sweep_forgets_sessions_unused_longer_than_a_session_lives(world: World) -> None:
    used(client_for(world.alice))
    used(client_for(world.bob))
    UserSession.objects.filter(user=world.alice).update(last_seen_at=timezone.now() - timedelta(hours=13))
    out = StringIO()
    call_command("jobs", "run", "prune_user_sessions", stdout=out)
    assert out.getvalue().strip() == "1 stale session records deleted"
    assert list(UserSession.objects.values_list("user", flat=True)) == [world.bob.pk]
