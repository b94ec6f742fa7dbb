import pytest
from django.test import Client
from django.urls import reverse
from huey import RedisHuey

from guanxi.core import views
from tests.conftest import World, client_for, grant


def test_the_dashboard_needs_a_signed_in_user(db: None) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("org:login"))


def test_the_dashboard_lists_colleagues_of_my_department_only(world: World) -> None:
    response = client_for(world.alice).get("/")
    assert response.status_code == 200
    assert world.bob.display_name in response.text
    assert world.charlie.display_name not in response.text


def test_search_finds_people_by_name_fragment_and_mobile(world: World) -> None:
    client = client_for(world.alice)
    assert world.charlie.display_name in client.get("/search/", {"q": "查理"}).text
    assert world.bob.display_name in client.get("/search/", {"q": "138123"}).text


def test_search_tells_when_nothing_matches(world: World) -> None:
    response = client_for(world.alice, HTTP_ACCEPT_LANGUAGE="en").get("/search/", {"q": "nobody-here"})
    assert "Nothing matches your search" in response.text


def test_healthz_reports_database_and_queue(db: None) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "queue": "ok",
        "cache": "ok",
        "replica": "not configured",
    }


def test_healthz_says_degraded_when_the_queue_is_unreachable(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real Redis client pointed at a port where nothing listens: the site still serves, so the node stays in.
    monkeypatch.setattr(views, "HUEY", RedisHuey("unreachable", url="redis://127.0.0.1:1/0"))
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["queue"].startswith("error")
    assert response.json()["database"] == "ok"


def test_an_unknown_page_shows_the_404_page_in_the_users_language(world: World) -> None:
    response = client_for(world.alice, HTTP_ACCEPT_LANGUAGE="zh-CN").get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.text


def test_every_page_sends_a_content_security_policy(db: None) -> None:
    policy = Client().get(reverse("org:login"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_the_menu_is_written_in_each_readers_language_and_marks_the_current_page(world: World) -> None:
    grant(world.alice, "salesperson")
    grant(world.bob, "salesperson")
    world.bob.language = "en"
    world.bob.save(update_fields=["language"])
    customers = reverse("customers:list")
    alice, bob = client_for(world.alice), client_for(world.bob)
    for page, label, current in (
        (alice.get(customers), "客户", True),
        (bob.get(customers), "Customers", True),
        (alice.get(reverse("core:home")), "客户", False),
    ):
        menu = page.content.decode().split('id="sidebar-menu"')[1]
        entry = menu.split(f'href="{customers}"')[1].split("</li>")[0]
        assert f'<span class="nav-link-title">{label}</span>' in entry
        assert ('aria-current="page"' in entry) is current
