"""The notifications API: a user lists and marks their own notifications, nobody else's."""

from rest_framework.test import APIClient

from guanxi.core.models import Notification
from guanxi.core.notifications import notify
from guanxi.org.models import User
from tests.conftest import World


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_user_lists_only_their_own_notifications(world: World) -> None:
    notify(recipients=[world.alice], kind="system", title="For Alice", url="/")
    notify(recipients=[world.bob], kind="comment", title="For Bob")
    body = api_for(world.alice).get("/api/v1/notifications/").json()
    assert body["count"] == 1
    [item] = body["results"]
    assert (item["title"], item["kind"], item["url"], item["is_read"]) == ("For Alice", "system", "/", False)
    assert set(body) == {"count", "next", "previous", "results"}


def test_unread_filters_and_bad_values_are_refused(world: World) -> None:
    first, _second = (notify(recipients=[world.alice], kind="system", title=t)[0] for t in ("A", "B"))
    Notification.objects.filter(pk=first.pk).update(read_at=first.created_at)
    client = api_for(world.alice)
    assert [n["title"] for n in client.get("/api/v1/notifications/?unread=1").json()["results"]] == ["B"]
    assert [n["title"] for n in client.get("/api/v1/notifications/?unread=0").json()["results"]] == ["A"]
    response = client.get("/api/v1/notifications/?unread=maybe")
    assert response.status_code == 400
    assert "unread" in response.json()


def test_marking_one_read_and_all_read(world: World) -> None:
    first, _second = (notify(recipients=[world.alice], kind="system", title=t)[0] for t in ("A", "B"))
    notify(recipients=[world.bob], kind="system", title="Bob's")
    client = api_for(world.alice)
    response = client.post(f"/api/v1/notifications/{first.pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 0}
    assert Notification.objects.filter(recipient=world.bob, read_at__isnull=True).count() == 1


def test_another_users_notification_answers_404_and_stays_unread(world: World) -> None:
    [bobs] = notify(recipients=[world.bob], kind="system", title="Bob's")
    client = api_for(world.alice)
    assert client.get(f"/api/v1/notifications/{bobs.pk}/").status_code == 404
    assert client.post(f"/api/v1/notifications/{bobs.pk}/read/").status_code == 404
    assert client.post("/api/v1/notifications/abc/read/").status_code == 404
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_a_superuser_reads_only_their_own(world: World) -> None:
    admin = world.root
    notify(recipients=[world.alice], kind="system", title="Alice's")
    assert api_for(admin).get("/api/v1/notifications/").json()["count"] == 0


def test_notifications_are_read_only_and_need_a_signed_in_user(world: World) -> None:
    [alices] = notify(recipients=[world.alice], kind="system", title="A")
    assert APIClient().get("/api/v1/notifications/").status_code == 401
    client = api_for(world.alice)
    assert client.post("/api/v1/notifications/", {"title": "x"}, format="json").status_code == 405
    assert client.delete(f"/api/v1/notifications/{alices.pk}/").status_code == 405
    assert client.get(f"/api/v1/notifications/{alices.pk}/read/").status_code == 405
    assert Notification.objects.count() == 1
