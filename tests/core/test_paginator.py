import pytest
from django.db import connection
from rest_framework.test import APIClient

from guanxi.core.paginator import CappedPaginator, EstimatingPaginator, planner_rows
from guanxi.org.models import User
from tests.conftest import World, grant, make_user


def test_pages_keep_the_order_and_the_count_is_capped(world: World) -> None:
    for index in range(7):
        make_user(f"user{index}", f"用户{index}", world.beijing)
    users = User.objects.order_by("username")
    expected = list(users.values_list("username", flat=True))
    paginator = CappedPaginator(users, 3)
    paged = [user.username for number in paginator.page_range for user in paginator.page(number)]
    assert paged == expected
    assert not paginator.capped

    class Tiny(CappedPaginator):
        cap = 5

    tiny = Tiny(users, 3)
    assert (tiny.count, tiny.capped, tiny.num_pages) == (5, True, 2)
    searched = CappedPaginator(users, 3, cap=4)  # a search's smaller cap
    assert (searched.count, searched.capped, searched.num_pages) == (4, True, 2)


def test_past_its_threshold_the_count_is_the_planners_estimate_on_postgresql(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(3):
        make_user(f"user{index}", f"用户{index}", world.beijing)
    users = User.objects.order_by("username")
    exact = users.count()
    assert EstimatingPaginator(users, 2).count == exact  # under the threshold: counted
    monkeypatch.setattr(EstimatingPaginator, "estimate_from", 1)
    paginator = EstimatingPaginator(users, 2)
    if connection.vendor == "postgresql":
        assert paginator.count >= 1 and paginator.estimated
        assert planner_rows(users) is not None
        assert EstimatingPaginator(users.filter(pk__in=[]), 2).count == 0  # nothing to plan: none
    else:  # SQLite has no estimate: always exact
        assert (paginator.count, paginator.estimated) == (exact, False)
        assert planner_rows(users) is None


def test_the_api_says_when_its_count_is_an_estimate(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    grant(world.alice, "system_admin")
    client = APIClient()
    client.force_authenticate(world.alice)
    exact = client.get("/api/v1/users/").json()
    assert exact["count"] == User.objects.count() and "count_estimated" not in exact
    monkeypatch.setattr(EstimatingPaginator, "estimate_from", 1)
    answer = client.get("/api/v1/users/").json()
    assert answer.get("count_estimated", False) is (connection.vendor == "postgresql")
    assert len(answer["results"]) == User.objects.count()
