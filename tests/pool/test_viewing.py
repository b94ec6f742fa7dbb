"""The daily viewing limit of pool customers' pages (公海每日查看量): at n and n+1, re-views, midnight in
company time, exemptions and overrides, the page and the API alike."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.errors import DomainError
from guanxi.org.models import Role
from guanxi.pool import configuration, viewing
from guanxi.pool.models import PoolView, ViewLimit
from tests.conftest import client_for, grant, make_department, make_user
from tests.customers.test_api import api
from tests.pool.pool_helpers import PoolWorld, in_pool, registered, set_parameter

pytestmark = pytest.mark.django_db

SHANGHAI = timezone.get_fixed_timezone(480)


@pytest.fixture
def sales(db: None) -> PoolWorld:
    return PoolWorld()


def _page(user: object, pk: int) -> int:
    return client_for(user).get(f"/customers/{pk}/").status_code  # type: ignore[arg-type]


def test_without_a_limit_anyone_opens_every_pool_customer(sales: PoolWorld) -> None:
    customers = [in_pool(sales, f"公司{index}") for index in range(4)]
    assert [_page(sales.alice, row.pk) for row in customers] == [200] * 4
    assert not PoolView.objects.exists()  # off by default: nothing is even counted


def test_the_nth_opens_and_the_next_one_is_refused_in_the_page(sales: PoolWorld) -> None:
    set_parameter(sales, "pool.daily_views", 2)
    first, second, third = (in_pool(sales, f"公司{index}", phone=f"021-6888888{index}") for index in range(3))
    assert _page(sales.alice, first.pk) == 200
    assert _page(sales.alice, second.pk) == 200
    refused = client_for(sales.alice, headers={"accept-language": "zh-hans"}).get(f"/customers/{third.pk}/")
    assert refused.status_code == 403
    html = refused.content.decode()
    assert 'data-code="view_limit"' in html
    assert "今天已打开 2 个公海客户" in html
    assert "68888882" not in html  # nothing of the customer but its name
    # re-opening one already seen today does not count, and Dave has his own count
    assert _page(sales.alice, first.pk) == 200
    assert _page(sales.dave, third.pk) == 200
    assert PoolView.objects.filter(user=sales.alice).count() == 2


def test_the_api_refuses_with_the_same_code(sales: PoolWorld) -> None:
    set_parameter(sales, "pool.daily_views", 1)
    first, second = in_pool(sales, "甲公司"), in_pool(sales, "乙公司")
    assert api(sales.alice).get(f"/api/v1/customers/{first.pk}/").status_code == 200
    refused = api(sales.alice).get(f"/api/v1/customers/{second.pk}/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "view_limit"
    assert "1" in refused.json()["detail"]
    assert api(sales.alice).get(f"/api/v1/customers/{first.pk}/").status_code == 200  # a re-view
    # the page counts the same views as the API
    assert _page(sales.alice, second.pk) == 403
    # the list stays open, masked
    listing = api(sales.alice).get("/api/v1/customers/", {"status": "pool"}).json()["results"]
    assert {row["id"] for row in listing} == {first.pk, second.pk}


def test_the_count_starts_again_at_midnight_company_time(sales: PoolWorld) -> None:
    set_parameter(sales, "pool.daily_views", 1)
    first, second = in_pool(sales, "甲公司"), in_pool(sales, "乙公司")
    evening = datetime(2026, 3, 2, 23, 59, 30, tzinfo=SHANGHAI)  # 15:59 UTC: still Monday in Shanghai
    viewing.customer_viewed(actor=sales.alice, customer=first, now=evening)
    with pytest.raises(DomainError) as refused:
        viewing.customer_viewed(actor=sales.alice, customer=second, now=evening + timedelta(seconds=20))
    assert refused.value.code == "view_limit"
    midnight = datetime(2026, 3, 3, 0, 0, tzinfo=SHANGHAI)
    viewing.customer_viewed(actor=sales.alice, customer=second, now=midnight)
    assert list(PoolView.objects.order_by("day").values_list("day", "slot")) == [
        (evening.date(), 1),
        (midnight.date(), 1),
    ]
    # the page on the next day, with the clock there
    with time_machine.travel(midnight + timedelta(hours=9), tick=False):
        assert _page(sales.alice, second.pk) == 200  # seen today already
        assert _page(sales.alice, first.pk) == 403  # a new one today is over the limit


def test_pool_administrators_and_own_customers_are_exempt(sales: PoolWorld) -> None:
    set_parameter(sales, "pool.daily_views", 1)
    admin_role = Role.objects.create(
        name="公海管理员", code="pool_admin", permissions=["customers.view", "pool.view", "pool.configure"]
    )
    keeper = make_user("keeper", "管理员", sales.shanghai)
    keeper.roles.add(admin_role)
    customers = [in_pool(sales, f"公司{index}") for index in range(3)]
    assert [_page(keeper, row.pk) for row in customers] == [200] * 3
    mine = [registered(sales.alice, f"自己的{index}") for index in range(3)]
    assert [_page(sales.alice, row.pk) for row in mine] == [200] * 3
    # a unit head sees the pool's customers in their own scope: they do not count
    head = grant(make_user("head", "总经理", sales.head_office), "unit_head")
    assert [_page(head, row.pk) for row in customers] == [200] * 3
    assert not PoolView.objects.exists()


def test_the_most_specific_override_applies(sales: PoolWorld) -> None:
    set_parameter(sales, "pool.daily_views", 5)
    salesperson = Role.objects.get(code="salesperson")
    root = grant(sales.root, "system_admin")
    assert viewing.daily_views_of(sales.alice) == 5
    configuration.view_limit_save(actor=root, role=salesperson, daily_views=4)
    assert viewing.daily_views_of(sales.alice) == 4
    configuration.view_limit_save(actor=root, department=sales.head_office, daily_views=3)
    assert viewing.daily_views_of(sales.alice) == 3  # a department above hers
    configuration.view_limit_save(actor=root, department=sales.shanghai, daily_views=2)
    assert viewing.daily_views_of(sales.alice) == 2
    configuration.view_limit_save(actor=root, user=sales.alice, daily_views=0)
    assert viewing.daily_views_of(sales.alice) == 0  # her own: no limit
    assert viewing.daily_views_of(sales.dave) == 2
    assert viewing.daily_views_of(sales.charlie) == 3  # Beijing: the head office's


def test_a_view_limit_is_refused_for_another_unit(two_units: object) -> None:
    world = two_units
    with pytest.raises(DomainError) as refused:
        configuration.view_limit_save(actor=world.ada, department=world.hangzhou, daily_views=3)  # type: ignore[attr-defined]
    assert refused.value.field == "department"
    with pytest.raises(DomainError):
        configuration.view_limit_save(actor=world.ada, user=world.bella, daily_views=3)  # type: ignore[attr-defined]
    with pytest.raises(DomainError) as both:
        configuration.view_limit_save(
            actor=world.ada,  # type: ignore[attr-defined]
            user=world.alice,  # type: ignore[attr-defined]
            department=make_department("另一个", world.head_office),  # type: ignore[attr-defined]
            daily_views=3,
        )
    assert both.value.field == "role"
    assert not ViewLimit.objects.exists()


def test_the_pool_page_shows_the_views_of_today(sales: PoolWorld) -> None:
    set_parameter(sales, "pool.daily_views", 3)
    customer = in_pool(sales)
    assert _page(sales.alice, customer.pk) == 200
    page = client_for(sales.alice).get("/customers/pool/")
    assert 'data-testid="views-today"' in page.content.decode()
    assert "今日已查看 1 / 3" in page.content.decode()
    set_parameter(sales, "pool.daily_views", 0)
    assert 'data-testid="views-today"' not in client_for(sales.alice).get("/customers/pool/").content.decode()


def test_the_settings_page_sets_and_removes_an_override(sales: PoolWorld) -> None:
    admin = grant(make_user("ada", "艾达", sales.head_office), "unit_admin")
    client = client_for(admin)
    bad = client.post("/customers/pool/view-limits/", {"daily_views": "-1", "user": sales.alice.pk})
    assert bad.status_code == 200 and not ViewLimit.objects.exists()
    done = client.post("/customers/pool/view-limits/", {"daily_views": "7", "user": sales.alice.pk})
    assert done.status_code == 302
    row = ViewLimit.objects.get()
    assert (row.user_id, row.daily_views) == (sales.alice.pk, 7)
    assert 'data-testid="view-limits"' in client.get("/customers/pool/settings/").content.decode()
    assert client.post(f"/customers/pool/view-limits/{row.pk}/delete/").status_code == 302
    assert not ViewLimit.objects.exists()


def test_a_new_view_is_one_query_and_one_insert_and_a_re_view_one_query(sales: PoolWorld) -> None:
    ViewLimit.objects.create(business_unit=sales.unit, user=sales.alice, daily_views=3)
    customer = in_pool(sales)
    alice = type(sales.alice).objects.get(pk=sales.alice.pk)
    viewing.daily_views_of(alice)  # the roles and department, loaded once per request anyway
    with CaptureQueriesContext(connection) as queries:
        viewing.customer_viewed(actor=alice, customer=customer)
    assert len(queries) == 2  # the overrides with the day's count, and the insert
    with CaptureQueriesContext(connection) as again:
        viewing.customer_viewed(actor=alice, customer=customer)
    assert len(again) == 1
    assert PoolView.objects.filter(user=alice).count() == 1
