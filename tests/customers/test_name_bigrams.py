"""Two-character name fragments: the bigram key, the search that uses it, and the row beside the customer's
that keeps it."""

import pytest
from django.db import connection
from django.db.models import Q
from django.urls import reverse

from guanxi.customers import keys, services
from guanxi.customers.models import Customer, CustomerName
from guanxi.customers.selectors import name_fragment, search_filter
from tests.conftest import World, client_for, grant
from tests.customers.test_services import register

NAMES = ["上海华信科技有限公司", "北京威成贸易", "威海成达物流", "深圳成威电子", "哈哈哈食品", "3D华信打印"]


@pytest.fixture
def sales(world: World) -> World:
    grant(world.alice, "salesperson")
    return world


@pytest.mark.parametrize(
    ("key", "bigrams"),
    [
        ("华信科技", "华信 信科 科技"),
        ("哈哈哈哈", "哈哈"),  # each piece once
        ("成威成威", "成威 威成"),
        ("3d华信", "3d d华 华信"),
        ("张", ""),
        ("", ""),
    ],
)
def test_name_bigrams_are_the_distinct_two_character_pieces_of_the_key(key: str, bigrams: str) -> None:
    assert keys.name_bigrams(key) == bigrams


def test_a_customer_gets_its_bigrams_when_registered_and_when_renamed(sales: World) -> None:
    customer = register(sales.alice)
    assert CustomerName.objects.get(customer=customer).name_bigrams == "上海 海华 华信 信科 科技"

    services.customer_update(
        actor=sales.alice, customer=customer, version=customer.version, data={"name": "杭州威成贸易有限公司"}
    )

    search = CustomerName.objects.get(customer=customer)
    assert (search.name_key, search.name_initials, search.name_bigrams) == (
        "杭州威成贸易",
        "hzwcmyyxgs",
        "杭州 州威 威成 成贸 贸易",
    )


def test_the_search_finds_customers_by_a_two_character_fragment_only_where_it_is_adjacent(sales: World) -> None:
    wanted = register(sales.alice, name="北京威成贸易", contact={})
    register(sales.alice, name="威海成达物流", contact={})  # 威 and 成, but not side by side
    register(sales.alice, name="深圳成威电子", contact={})  # the other way round

    response = client_for(sales.alice).get(reverse("customers:list"), {"q": "威成"})

    assert [row.pk for row in response.context["page_obj"]] == [wanted.pk]


@pytest.mark.parametrize("fragment", ["华信", "威成", "成威", "哈哈", "d华", "信科", "有限", "京威", "打印", "华科"])
def test_a_two_character_fragment_finds_exactly_what_contains_finds(sales: World, fragment: str) -> None:
    for name in NAMES:
        register(sales.alice, name=name, contact={})
    key = keys.search_key(fragment)

    found = set(Customer.objects.filter(search_filter(fragment)).values_list("pk", flat=True))

    assert found == set(Customer.objects.filter(name_key__contains=key).values_list("pk", flat=True))


def test_one_and_three_character_fragments_still_match_as_contains(sales: World) -> None:
    assert name_fragment("威") == Q(name_key__contains="威")
    assert name_fragment("威成贸") == Q(name_key__contains="威成贸")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the full-text index exists on PostgreSQL only")
def test_on_postgresql_a_two_character_fragment_is_looked_up_in_the_bigram_index(sales: World) -> None:
    register(sales.alice, name="北京威成贸易", contact={})
    with connection.cursor() as cursor:
        # A tiny table is read whole (or along another index) anyway: leave the planner only bitmap scans.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = Customer.all_objects.filter(search_filter("威成")).order_by().explain()

    assert "customer_name_bigrams_fts" in plan
