"""Two-factor sign-in with a TOTP app: set-up, the code step, replay, lockout, the role rule, the API."""

from datetime import UTC, datetime, timedelta

import pyotp
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from guanxi.core.models import AuditEntry
from guanxi.org.models import LoginAttempt, TwoFactor, User
from tests.conftest import PASSWORD, World, client_for
from tests.org.test_security import MONDAY_9AM, grant, sign_in, signed_in

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
Result = LoginAttempt.Result


def with_two_factor(user: User) -> TwoFactor:
    return TwoFactor.objects.create(user=user, secret=SECRET)


def code(secret: str = SECRET, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(datetime.now(tz=UTC)) + offset_steps)


def enter_code(client: Client, value: str) -> object:
    return client.post(reverse("org:signin_code"), {"code": value})


def test_a_user_sets_up_two_factor_with_a_qr_code_and_a_confirming_code(world: World) -> None:
    client = client_for(world.alice, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(reverse("org:security"))
    secret = client.session["two_factor_setup_secret"]
    assert "<svg" in page.text and "<path" in page.text
    assert secret in page.text
    assert client.get(reverse("org:security")).context["secret"] == secret  # stable while setting up

    wrong = client.post(reverse("org:security"), {"code": "000000"})
    assert wrong.context["enable_form"].errors["code"]
    assert not TwoFactor.objects.exists()

    assert client.post(reverse("org:security"), {"code": code(secret)}).status_code == 302
    device = TwoFactor.objects.get(user=world.alice)
    assert device.secret == secret
    assert "two-factor sign-in enabled" in AuditEntry.objects.get(object_id=str(world.alice.pk)).note
    assert "<svg" not in client.get(reverse("org:security")).text


def test_sign_in_with_two_factor_needs_the_code_before_the_session_is_signed_in(world: World) -> None:
    with_two_factor(world.alice)
    client, response = sign_in("alice", PASSWORD)
    assert response["Location"] == reverse("org:signin_code")
    assert "_auth_user_id" not in client.session
    assert not signed_in(client)
    assert not LoginAttempt.objects.exists()

    refused = enter_code(client, "123456")
    assert refused.status_code == 200  # type: ignore[attr-defined]
    assert "That code is not right" in refused.text  # type: ignore[attr-defined]
    assert not signed_in(client)
    assert LoginAttempt.objects.get().result == Result.TWO_FACTOR_FAILED

    accepted = enter_code(client, code())
    assert accepted["Location"] == reverse("core:home")  # type: ignore[index]
    assert signed_in(client)
    assert LoginAttempt.objects.latest("pk").result == Result.SUCCESS


def test_the_code_step_keeps_the_page_the_user_asked_for(world: World) -> None:
    with_two_factor(world.alice)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(reverse("org:login"), {"username": "alice", "password": PASSWORD, "next": "/search/?q=x"})
    assert enter_code(client, code())["Location"] == "/search/?q=x"  # type: ignore[index]


def test_a_code_is_accepted_only_once(world: World) -> None:
    with_two_factor(world.alice)
    with time_machine.travel(MONDAY_9AM, tick=False):
        first, _response = sign_in("alice", PASSWORD)
        used = code()
        enter_code(first, used)
        assert signed_in(first)
        second, _response = sign_in("alice", PASSWORD)
        enter_code(second, used)
        assert not signed_in(second)


def test_a_code_from_the_previous_step_is_still_accepted_for_a_slow_clock(world: World) -> None:
    with_two_factor(world.alice)
    with time_machine.travel(MONDAY_9AM, tick=False):
        client, _response = sign_in("alice", PASSWORD)
        enter_code(client, code(offset_steps=-1))
        assert signed_in(client)


def test_wrong_codes_count_towards_the_lockout(world: World) -> None:
    with_two_factor(world.alice)
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        client, _response = sign_in("alice", PASSWORD)
        for _attempt in range(5):
            enter_code(client, "000000")
        locked = enter_code(client, code())
        assert "locked" in locked.text  # type: ignore[attr-defined]
        assert not signed_in(client)
        assert "locked" in sign_in("alice", PASSWORD)[1].text
        clock.shift(timedelta(minutes=16))
        client, _response = sign_in("alice", PASSWORD)
        enter_code(client, code())
        assert signed_in(client)


def test_the_code_step_expires_after_five_minutes(world: World) -> None:
    with_two_factor(world.alice)
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        client, _response = sign_in("alice", PASSWORD)
        clock.shift(timedelta(minutes=6))
        response = enter_code(client, code())
        assert response["Location"] == reverse("org:login")  # type: ignore[index]
        assert not signed_in(client)


def test_the_code_step_without_a_password_first_goes_back_to_sign_in(db: None) -> None:
    response = Client().post(reverse("org:signin_code"), {"code": "123456"})
    assert response["Location"] == reverse("org:login")


def test_turning_two_factor_off_needs_the_password(world: World) -> None:
    with_two_factor(world.alice)
    client = client_for(world.alice)
    client.post(reverse("org:two_factor_disable"), {"password": "wrong"})
    assert TwoFactor.objects.filter(user=world.alice).exists()
    client.post(reverse("org:two_factor_disable"), {"password": PASSWORD})
    assert not TwoFactor.objects.filter(user=world.alice).exists()
    assert sign_in("alice", PASSWORD)[1]["Location"] == reverse("core:home")


def test_a_role_requiring_two_factor_sends_the_user_to_set_it_up_first(world: World) -> None:
    grant(world.alice, "org.view", require_two_factor=True)
    client, response = sign_in("alice", PASSWORD)
    assert response.status_code == 302
    for path in (reverse("core:home"), reverse("org:login_log"), reverse("org:profile"), "/api/v1/me/"):
        blocked = client.get(path)
        assert blocked.status_code in (302, 403), path
        if blocked.status_code == 302:
            assert blocked["Location"] == reverse("org:security")
        else:
            assert blocked.json()["code"] == "two_factor_setup_required"
    page = client.get(reverse("org:security"))
    assert "Your role requires two-factor sign-in" in page.text

    client.post(reverse("org:security"), {"code": code(client.session["two_factor_setup_secret"])})
    assert signed_in(client)
    assert client.get(reverse("org:login_log")).status_code == 200


def test_two_factor_cannot_be_turned_off_while_a_role_requires_it(world: World) -> None:
    with_two_factor(world.alice)
    grant(world.alice, require_two_factor=True)
    client_for(world.alice).post(reverse("org:two_factor_disable"), {"password": PASSWORD})
    assert TwoFactor.objects.filter(user=world.alice).exists()


def test_an_api_token_needs_the_code_when_two_factor_is_on(world: World) -> None:
    with_two_factor(world.alice)
    url = "/api/v1/auth/token/"
    without = APIClient().post(url, {"username": "alice", "password": PASSWORD}, format="json")
    assert without.status_code == 400
    assert without.json()["code"] == "two_factor_required"
    wrong = APIClient().post(url, {"username": "alice", "password": PASSWORD, "otp": "000000"}, format="json")
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "two_factor_failed"
    right = APIClient().post(url, {"username": "alice", "password": PASSWORD, "otp": code()}, format="json")
    assert right.status_code == 200
    assert "token" in right.json()


def test_api_token_requests_are_logged_and_locked_like_the_web(world: World) -> None:
    with time_machine.travel(MONDAY_9AM, tick=False):
        for _attempt in range(5):
            APIClient().post("/api/v1/auth/token/", {"username": "bob", "password": "x"}, format="json")
        locked = APIClient().post("/api/v1/auth/token/", {"username": "bob", "password": PASSWORD}, format="json")
    assert locked.status_code == 400
    assert locked.json()["code"] == "locked_out"
    assert LoginAttempt.objects.filter(user=world.bob, result=Result.BAD_PASSWORD).count() == 5


def test_a_role_requiring_two_factor_refuses_a_token_until_it_is_set_up(world: World) -> None:
    grant(world.alice, require_two_factor=True)
    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_setup_required"
