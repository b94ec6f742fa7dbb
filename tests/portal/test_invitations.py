"""Invitations by e-mail: a signed link, valid for seven days, used once; accepting it makes a partner's user
under the partners' password rules; signing in afterwards has the staff's lockout."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.models import AuditEntry
from guanxi.org.models import LoginAttempt, User
from guanxi.portal import services
from guanxi.portal.models import Invitation, PartnerMember
from tests.portal.conftest import PORTAL_PASSWORD, Channel, invite, token_of

MONDAY_9AM = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_invitation_mails_a_link_that_makes_a_user_of_the_partner(
    channel: Channel, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        _invitation, link = services.invitation_send(
            actor=channel.alice, partner=channel.east, name="沈新", email="Shen@East.example"
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["shen@east.example"]
    assert link in mail.outbox[0].body

    user = services.invitation_accept(token=token_of(link), username="shen", password=PORTAL_PASSWORD)

    assert (user.display_name, user.email, user.department, user.roles.count()) == (
        "沈新",
        "shen@east.example",
        None,
        0,
    )
    assert PartnerMember.objects.get(user=user).partner == channel.east
    assert AuditEntry.objects.filter(actor=user, action=AuditEntry.Action.CREATE).exists()
    assert AuditEntry.objects.filter(actor=channel.alice, object_id=str(channel.east.pk)).exists()


def test_the_link_works_once(channel: Channel) -> None:
    token = token_of(invite(channel.alice, channel.east, "shen@east.example"))
    services.invitation_accept(token=token, username="shen", password=PORTAL_PASSWORD)
    with pytest.raises(DomainError) as refusal:
        services.invitation_accept(token=token, username="shen2", password=PORTAL_PASSWORD)
    assert refusal.value.code == "invitation_used"
    assert not User.objects.filter(username="shen2").exists()


def test_the_link_expires_after_seven_days(channel: Channel) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        token = token_of(invite(channel.alice, channel.east, "shen@east.example"))
        clock.shift(timedelta(days=6, hours=23))
        assert services.invitation_open(token).email == "shen@east.example"
        clock.shift(timedelta(hours=2))
        with pytest.raises(DomainError) as refusal:
            services.invitation_accept(token=token, username="shen", password=PORTAL_PASSWORD)
    assert refusal.value.code == "invitation_expired"
    assert not User.objects.filter(username="shen").exists()


def test_a_tampered_or_revoked_link_is_refused(channel: Channel) -> None:
    token = token_of(invite(channel.alice, channel.east, "shen@east.example"))
    with pytest.raises(DomainError) as tampered:
        services.invitation_open(token[:-2] + ("aa" if not token.endswith("aa") else "bb"))
    assert tampered.value.code == "invitation_invalid"

    services.invitation_revoke(actor=channel.alice, invitation=Invitation.objects.get(email="shen@east.example"))
    with pytest.raises(DomainError) as revoked:
        services.invitation_open(token)
    assert revoked.value.code == "invitation_used"


def test_a_newer_invitation_replaces_the_pending_one(channel: Channel) -> None:
    first = token_of(invite(channel.alice, channel.east, "shen@east.example"))
    second = token_of(invite(channel.alice, channel.east, "shen@east.example"))
    with pytest.raises(DomainError):
        services.invitation_open(first)
    assert services.invitation_open(second).email == "shen@east.example"


def test_a_weak_password_or_a_taken_username_is_refused_and_the_link_stays_usable(channel: Channel) -> None:
    token = token_of(invite(channel.alice, channel.east, "shen@east.example"))
    for username, password, field in (("shen", "short", "password"), ("pia", PORTAL_PASSWORD, "username")):
        with pytest.raises(Exception) as refusal:
            services.invitation_accept(token=token, username=username, password=password)
        assert field in refusal.value.message_dict  # type: ignore[attr-defined]
    assert services.invitation_accept(token=token, username="shen", password=PORTAL_PASSWORD)


def test_only_someone_who_sees_the_partner_and_may_invite_sends_invitations(channel: Channel) -> None:
    for actor in (channel.charlie, channel.bella, channel.pia):  # out of scope; another unit; a partner's person
        with pytest.raises(NotPermitted):
            services.invitation_send(actor=actor, partner=channel.east, name="沈新", email="shen@east.example")
    assert not Invitation.objects.filter(email="shen@east.example").exists()


def test_the_accept_page_signs_the_new_user_in_to_the_portal(channel: Channel) -> None:
    token = token_of(invite(channel.alice, channel.east, "shen@east.example", name="沈新"))
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("portal:accept", args=[token])
    assert "Welcome, 沈新" in browser.get(url).text
    response = browser.post(url, {"username": "shen", "password": PORTAL_PASSWORD, "password2": PORTAL_PASSWORD})
    assert response["Location"] == reverse("portal:home")
    assert browser.get(reverse("portal:home")).status_code == 200
    again = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    assert again.status_code == 410
    assert "already used" in again.text


def _portal_sign_in(password: str) -> tuple[Client, str]:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.9")
    response = browser.post(reverse("portal:login"), {"username": "pia", "password": password})
    return browser, response.text if response.status_code == 200 else response["Location"]


def test_five_failures_lock_a_partners_account_and_the_login_log_shows_it(channel: Channel) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        browser, landed = _portal_sign_in(PORTAL_PASSWORD)
        assert landed == reverse("portal:home")
        clock.shift(timedelta(minutes=1))  # the login log orders attempts by time: the success comes first
        for _attempt in range(5):
            _portal_sign_in("wrong")
        browser, text = _portal_sign_in(PORTAL_PASSWORD)
        assert "This account is locked after too many failed sign-in attempts" in text
        assert browser.get(reverse("portal:home")).status_code == 302
        clock.shift(timedelta(minutes=16))
        browser, landed = _portal_sign_in(PORTAL_PASSWORD)
        assert landed == reverse("portal:home")
    results = list(LoginAttempt.objects.filter(username="pia").order_by("at", "pk").values_list("result", flat=True))
    assert results[-2:] == ["locked_out", "success"]
