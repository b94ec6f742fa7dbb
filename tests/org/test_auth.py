from django.test import Client
from django.urls import reverse

from guanxi.org.models import User
from tests.conftest import PASSWORD, World, client_for


def sign_in(username: str, password: str, language: str = "en") -> tuple[Client, object]:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(reverse("org:login"), {"username": username, "password": password})
    return client, response


def test_a_user_signs_in_with_a_case_insensitive_username_and_lands_on_the_dashboard(world: World) -> None:
    client, response = sign_in("ALICE", PASSWORD)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == reverse("core:home")  # type: ignore[index]
    assert client.get("/").status_code == 200


def test_a_wrong_password_gets_a_clear_message_in_the_users_language(world: World) -> None:
    _, english = sign_in("alice", "wrong")
    assert "Please enter a correct username and password" in english.text  # type: ignore[attr-defined]
    _, chinese = sign_in("alice", "wrong", language="zh-CN")
    assert "请输入一个正确的" in chinese.text  # type: ignore[attr-defined]


def test_frozen_and_departed_users_cannot_sign_in(world: World) -> None:
    for status in (User.Status.FROZEN, User.Status.LEFT):
        User.objects.filter(pk=world.alice.pk).update(status=status)
        client, response = sign_in("alice", PASSWORD)
        assert response.status_code == 200  # type: ignore[attr-defined]
        assert client.get("/").status_code == 302


def test_production_hashes_passwords_with_argon2() -> None:
    from guanxi import settings as configured  # the module as configured, not the test's override

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_sign_out_ends_the_session(world: World) -> None:
    client = client_for(world.alice)
    client.post(reverse("org:logout"))
    assert client.get("/").status_code == 302


def test_the_language_defaults_to_the_browsers(world: World) -> None:
    assert "工作台" in client_for(world.alice, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").get("/").text
    assert "Dashboard" in client_for(world.alice, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/").text


def test_a_users_chosen_language_wins_over_the_browser_and_is_remembered(world: World) -> None:
    client = client_for(world.alice, HTTP_ACCEPT_LANGUAGE="zh-CN")
    response = client.post(reverse("org:set_language"), {"language": "en", "next": "/search/"})
    assert response["Location"] == "/search/"
    world.alice.refresh_from_db()
    assert world.alice.language == "en"
    assert "Dashboard" in client.get("/").text


def test_switching_language_never_redirects_off_site(world: World) -> None:
    response = client_for(world.alice).post(
        reverse("org:set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_sign_in_page_switches_language_by_cookie(db: None) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(reverse("org:set_language"), {"language": "zh-hans", "next": reverse("org:login")})
    assert "登录您的账号" in client.get(reverse("org:login")).text
