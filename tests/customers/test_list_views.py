"""The customer list's pages: stars, saved filters, columns, bulk actions and the restore page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.customers import preferences, services
from guanxi.customers.models import Customer, CustomerShare, CustomerStar, SavedFilter
from guanxi.org.models import User
from tests.conftest import World, client_for, grant, make_user
from tests.customers.test_services import register


@pytest.fixture
def sales(world: World) -> World:
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    grant(world.bob, "sales_manager")
    return world


def test_a_star_is_toggled_without_javascript_and_with_htmx(sales: World) -> None:
    customer = register(sales.alice)
    client = client_for(sales.alice)
    response = client.post(reverse("customers:star", args=[customer.pk]))
    assert response["Location"] == customer.get_absolute_url()
    assert CustomerStar.objects.filter(user=sales.alice, customer=customer).exists()
    response = client.post(reverse("customers:star", args=[customer.pk]), HTTP_HX_REQUEST="true")
    assert 'aria-pressed="false"' in response.text
    assert not CustomerStar.objects.exists()
    assert 'aria-pressed="false"' in client.get(customer.get_absolute_url()).text


def test_a_customer_outside_scope_cannot_be_starred(sales: World) -> None:
    customer = register(sales.alice)
    assert client_for(sales.charlie).post(reverse("customers:star", args=[customer.pk])).status_code == 404
    assert not CustomerStar.objects.exists()


def test_a_saved_filter_becomes_a_pill_and_a_bad_name_shows_on_the_field(sales: World) -> None:
    client = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("customers:filter_save"), {"name": "A级", "query": "level=A&page=2"})
    assert response["Location"] == f"{reverse('customers:list')}?level=A"
    page = client.get(reverse("customers:list"), {"level": "A"}).text
    assert "A级" in page and 'aria-current="page"><i class="ti ti-filter' in page
    response = client.post(reverse("customers:filter_save"), {"name": "A级", "query": "level=B"})
    assert "already have a filter" in str(response.context["form"].errors["name"])
    assert SavedFilter.objects.count() == 1
    assert "A级" not in client_for(sales.bob).get(reverse("customers:list")).text


def test_only_the_owner_deletes_a_saved_filter(sales: World) -> None:
    saved = preferences.saved_filter_create(actor=sales.alice, name="A级", query="level=A")
    url = reverse("customers:filter_delete", args=[saved.pk])
    assert client_for(sales.bob).post(url).status_code == 404
    assert client_for(sales.alice).post(url).status_code == 302
    assert not SavedFilter.objects.exists()


def test_chosen_columns_are_saved_and_shown(sales: World) -> None:
    customer = register(sales.alice, industry="it")
    client = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("customers:columns"), {"columns": ["industry", "created"], "next": "/customers/"})
    assert response["Location"] == "/customers/"
    assert response.wsgi_request.user == sales.alice
    page = client.get(reverse("customers:list"))
    assert [key for key, _label in page.context["columns"]] == ["industry", "created"]
    assert customer.number not in page.text.split("<tbody>")[1]  # the number column is gone


def test_the_list_with_every_column_takes_the_same_queries_for_1_or_10_rows(sales: World, regions: int) -> None:
    preferences.list_columns_set(actor=sales.alice, columns=list(preferences.COLUMNS))
    client = client_for(sales.alice)
    register(sales.alice, "客户0", industry="it", source="exhibition")
    Customer.objects.update(province="440000", city="440300", county="440305")
    client.get(reverse("customers:list"))  # warm caches (sessions, settings)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("customers:list")).status_code == 200
    for number in range(1, 10):
        register(sales.alice, f"客户{number}", contact={}, industry="it", source="exhibition")
    Customer.objects.update(province="440000", city="440300", county="440305")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("customers:list"))
    assert "广东省 深圳市 南山区" in response.text
    assert len(many) == len(few)


def test_a_manager_bulk_transfers_after_choosing_the_new_owner(sales: World) -> None:
    one, two = register(sales.alice, "甲公司"), register(sales.alice, "乙公司", contact={})
    client = client_for(sales.bob)
    data = {"action": "transfer", "ids": [one.pk, two.pk], "next": "/customers/?scene=team"}
    form = client.post(reverse("customers:bulk"), data)
    assert form.status_code == 200 and "owner" in form.context["form"].fields
    assert Customer.objects.filter(owner=sales.alice).count() == 2
    response = client.post(reverse("customers:bulk"), {**data, "confirm": "1", "owner": sales.bob.pk})
    assert response["Location"] == "/customers/?scene=team"
    assert Customer.objects.filter(owner=sales.bob).count() == 2


def test_bulk_actions_are_refused_without_the_permission_and_hidden(sales: World) -> None:
    customer = register(sales.alice)
    client = client_for(sales.alice)
    for action in ("transfer", "delete", "export"):
        data = {"action": action, "ids": [customer.pk], "confirm": "1", "owner": sales.alice.pk}
        assert client.post(reverse("customers:bulk"), data).status_code == 403
    page = client.get(reverse("customers:list")).text
    assert 'data-bulk="share"' in page and 'data-bulk="transfer"' not in page and 'data-bulk="delete"' not in page
    assert Customer.objects.get().owner == sales.alice


def test_a_refused_bulk_share_names_the_customer_and_changes_nothing(sales: World) -> None:
    mine = register(sales.charlie, "甲公司")
    readonly = register(sales.bob, "乙公司", contact={})
    services.customer_share(actor=sales.bob, customer=readonly, users=[sales.charlie])
    client = client_for(sales.charlie, HTTP_ACCEPT_LANGUAGE="en")
    data = {"action": "share", "ids": [mine.pk, readonly.pk], "confirm": "1", "users": [sales.alice.pk]}
    response = client.post(reverse("customers:bulk"), data)
    assert response.status_code == 200
    assert "乙公司" in str(response.context["form"].non_field_errors())
    assert not CustomerShare.objects.filter(user=sales.alice).exists()


def test_too_large_or_empty_selections_are_refused_with_a_message(sales: World) -> None:
    client = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("customers:bulk"), {"action": "tag", "ids": list(range(1, 502))}, follow=True)
    assert "at most 500" in response.text
    response = client.post(reverse("customers:bulk"), {"action": "tag"}, follow=True)
    assert "Select at least one customer" in response.text


def test_an_export_downloads_a_spreadsheet(sales: World) -> None:
    customer = register(sales.bob)
    response = client_for(sales.bob).post(reverse("customers:bulk"), {"action": "export", "ids": [customer.pk]})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


@pytest.fixture
def head(sales: World) -> User:
    return grant(make_user("dan", "邓主管", sales.head_office), "unit_head")


def test_a_unit_head_restores_a_deleted_customer_from_the_restore_page(sales: World, head: User) -> None:
    customer = register(sales.alice)
    services.customer_delete(actor=head, customer=customer)
    client = client_for(head)
    assert "上海华信科技有限公司" in client.get(reverse("customers:deleted")).text
    assert reverse("customers:deleted") in client.get(reverse("customers:list")).text
    response = client.post(reverse("customers:restore", args=[customer.pk]))
    assert response["Location"] == customer.get_absolute_url()
    assert Customer.objects.get() == customer


def test_the_restore_page_is_for_unit_administrators_only(sales: World) -> None:
    customer = register(sales.alice)
    dora = grant(make_user("dora", "朵拉", sales.shanghai), "unit_head")
    services.customer_delete(actor=dora, customer=customer)
    grant(sales.bob, "sales_manager")
    client = client_for(sales.bob)
    assert client.get(reverse("customers:deleted")).status_code == 403
    assert client.post(reverse("customers:restore", args=[customer.pk])).status_code == 403
    assert reverse("customers:deleted") not in client.get(reverse("customers:list")).text
    assert not Customer.objects.exists()
