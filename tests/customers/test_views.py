from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.customers import services
from guanxi.customers.models import Customer, CustomerName
from guanxi.customers.selectors import search_filter
from guanxi.org.models import User
from tests.conftest import World, client_for, grant
from tests.customers.test_services import register


@pytest.fixture
def sales(world: World) -> World:
    grant(world.alice, "salesperson")
    grant(world.charlie, "salesperson")
    grant(world.bob, "sales_manager")
    return world


def test_a_salesperson_registers_a_customer_and_sees_a_chinese_error_for_a_bad_mobile(sales: World) -> None:
    client = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="zh-CN")
    data = {"name": "杭州新客户有限公司", "kind": "company", "contact_name": "赵六", "contact_mobile": "12345"}
    response = client.post(reverse("customers:create"), data)
    assert response.status_code == 200
    assert "contact_mobile" in response.context["form"].errors
    assert "手机号" in response.text
    assert not Customer.objects.exists()
    response = client.post(reverse("customers:create"), {**data, "contact_mobile": "13912345678"})
    customer = Customer.objects.get()
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])


def test_the_customer_form_is_grouped_with_the_first_contact_after_the_basics(sales: World) -> None:
    from tests.pool.pool_helpers import set_parameter

    set_parameter(sales, "customers.required_fields", "tax_number")
    client = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(reverse("customers:create"))
    sections = [section.key for section in page.context["form"].sections()]
    assert sections == ["basic", "contact", "business", "address", "partner", "other"]
    text = page.text
    assert (
        text.index('data-testid="section-contact"')
        < text.index('name="contact_mobile"')
        < text.index('data-testid="section-business"')
    )
    # The business group holds a field the unit made required: it is open and the field carries its star.
    assert 'data-testid="section-business" open' in text and 'data-testid="section-address">' in text
    assert 'class="form-label required" for="id_tax_number"' in text
    # An error in a folded group opens it and stands beside its field.
    set_parameter(sales, "customers.required_fields", "")
    response = client.post(
        reverse("customers:create"), {"name": "杭州新客户有限公司", "kind": "company", "postcode": "12"}
    )
    assert 'data-testid="section-address" open' in response.text
    errors = response.text.index('id="id_postcode_errors"')
    assert response.text.index('name="postcode"') < errors < response.text.index('data-testid="section-other"')
    assert not Customer.objects.exists()


def test_a_duplicate_shows_who_owns_it_on_the_form(sales: World) -> None:
    register(sales.alice)
    client = client_for(sales.charlie, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("customers:create"), {"name": "上海华信科技", "kind": "company"})
    assert "This customer already exists" in str(response.context["form"].errors["name"])
    assert Customer.objects.count() == 1


def test_the_list_shows_only_the_customers_in_scope(sales: World) -> None:
    mine = register(sales.alice)
    theirs = register(sales.charlie, name="北京别家公司", contact={})
    alice = client_for(sales.alice).get(reverse("customers:list"))
    assert [row.pk for row in alice.context["page_obj"]] == [mine.pk]
    bob = client_for(sales.bob).get(reverse("customers:list"))
    assert theirs.pk not in [row.pk for row in bob.context["page_obj"]]
    assert client_for(sales.alice).get(reverse("customers:detail", args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize("query", ["zhangsan", "zs", "张三", "138 1234 5678", "13812345678"])
def test_search_finds_by_pinyin_initials_name_contact_and_phone(sales: World, query: str) -> None:
    customer = register(sales.alice, name="张三贸易", contact={"name": "李四", "mobile": "13812345678"})
    register(sales.alice, name="无关公司", contact={})
    response = client_for(sales.alice).get(reverse("customers:list"), {"q": query})
    assert [row.pk for row in response.context["page_obj"]] == [customer.pk]


@pytest.mark.parametrize("query", ["太原浙大万朋机械有限公司", "太原浙大万朋机械", "万朋机械有限公司", "浙大万朋"])
def test_a_customers_exact_full_name_with_its_legal_suffix_finds_it_in_the_list_top_bar_and_api(
    sales: World, query: str
) -> None:
    customer = register(sales.alice, name="太原浙大万朋机械有限公司", contact={})
    register(sales.alice, name="太原机械有限公司", contact={})
    listed = client_for(sales.alice).get(reverse("customers:list"), {"q": query})
    assert [row.pk for row in listed.context["page_obj"]] == [customer.pk]
    assert customer.number in client_for(sales.alice).get(reverse("core:search"), {"q": query}).text
    found = client_for(sales.alice).get("/api/v1/customers/", {"search": query}).json()
    assert [row["id"] for row in found["results"]] == [customer.pk]


@pytest.mark.parametrize(
    "query",
    [
        "Purchase@WanPeng.example.cn",  # the customer's e-mail, in any case
        "li.si@wanpeng.example.cn",  # a contact's e-mail
        "6888",  # the last four digits of the customer's phone
        "5678",  # of a contact's mobile
        "4321",  # of a contact's phone
        "ls",  # a contact's pinyin initials (李四)
    ],
)
def test_search_finds_by_email_phone_tail_and_contact_initials_in_the_list_top_bar_and_api(
    sales: World, query: str
) -> None:
    contact = {"name": "李四", "mobile": "13812345678", "phone": "010-8765 4321", "email": "Li.Si@wanpeng.example.cn"}
    own = {"phone": "021-6888 6888", "email": "purchase@wanpeng.example.cn"}
    customer = register(sales.alice, "太原浙大万朋机械有限公司", contact=contact, **own)
    register(sales.alice, name="太原机械有限公司", phone="021-5555 1111", contact={"name": "王五"})
    listed = client_for(sales.alice).get(reverse("customers:list"), {"q": query})
    assert [row.pk for row in listed.context["page_obj"]] == [customer.pk]
    assert customer.number in client_for(sales.alice).get(reverse("core:search"), {"q": query}).text
    found = client_for(sales.alice).get("/api/v1/customers/", {"search": query}).json()
    assert [row["id"] for row in found["results"]] == [customer.pk]


def test_a_changed_email_or_phone_is_searched_by_its_new_value(sales: World) -> None:
    customer = register(sales.alice, phone="021-6888 6888", email="old@huaxin.example.cn", contact={})
    services.customer_update(
        actor=sales.alice, customer=customer, version=customer.version,
        data={"email": "new@huaxin.example.cn", "phone": "021-6888 1234"},
    )  # fmt: skip
    assert Customer.objects.filter(search_filter("new@huaxin.example.cn")).get() == customer
    assert Customer.objects.filter(search_filter("1234")).get() == customer
    assert not Customer.objects.filter(search_filter("old@huaxin.example.cn")).exists()
    assert not Customer.objects.filter(search_filter("6888")).exists()


def test_the_migration_fills_the_email_and_phone_keys_of_existing_customers(sales: World) -> None:
    customer = register(sales.alice, phone="021-6888 6888", email="Sales@Huaxin.example.cn", contact={})
    CustomerName.objects.update(email="", phone_tail="")  # as the rows were before the migration
    import_module("guanxi.customers.migrations.0012_search_by_email_and_phone_tail").fill_keys(django_apps, None)
    assert CustomerName.objects.filter(customer=customer).values_list("email", "phone_tail").get() == (
        "sales@huaxin.example.cn",
        "6888",
    )


def test_the_top_bar_search_finds_customers(sales: World) -> None:
    register(sales.alice, name="张三贸易", contact={})
    response = client_for(sales.alice).get(reverse("core:search"), {"q": "zs"})
    assert "张三贸易" in response.text


def test_the_list_and_detail_run_a_fixed_number_of_queries(sales: World) -> None:
    client = client_for(sales.alice)
    register(sales.alice, name="第一家公司")
    client.get(reverse("customers:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("customers:list"))
    for index in range(10):
        register(sales.alice, name=f"批量公司{index}号", contact={})
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("customers:list"))
    assert len(many) == len(few)
    customer = Customer.objects.first()
    assert customer is not None
    with CaptureQueriesContext(connection) as detail:
        client.get(reverse("customers:detail", args=[customer.pk]))
    assert len(detail) < 20


def test_a_stale_edit_shows_who_changed_it(sales: World) -> None:
    customer = register(sales.alice)
    client = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en")
    form = client.get(reverse("customers:edit", args=[customer.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name != "custom"}
    data.update({"name": customer.name, "kind": "company", "version": customer.version})
    Customer.objects.filter(pk=customer.pk).update(version=customer.version + 1)
    response = client.post(reverse("customers:edit", args=[customer.pk]), data)
    assert response.status_code == 200
    assert "reload it" in response.text


def test_masked_phone_for_a_manager_until_revealed(sales: World) -> None:
    customer = register(sales.alice, phone="13900001111")
    manager = client_for(User.objects.get(pk=sales.bob.pk))
    page = manager.get(reverse("customers:detail", args=[customer.pk])).text
    assert "139****1111" in page and "13900001111" not in page
    revealed = manager.post(reverse("customers:reveal", args=[customer.pk]), {"field": "phone"})
    assert revealed.text == '<a href="tel:13900001111" class="text-nowrap">13900001111</a>'
    owner_page = client_for(sales.alice).get(reverse("customers:detail", args=[customer.pk])).text
    assert '<a href="tel:13900001111"' in owner_page


def test_an_unmasked_phone_dials_and_an_email_opens_the_mail_app(sales: World) -> None:
    customer = register(
        sales.alice, phone="13900003333", email="buyer@example.com", contact={"name": "王经理", "mobile": "13900002222"}
    )
    owner = client_for(sales.alice)
    page = owner.get(reverse("customers:detail", args=[customer.pk])).text
    assert '<a href="tel:13900003333" class="text-nowrap">13900003333</a>' in page
    assert '<a href="mailto:buyer@example.com">buyer@example.com</a>' in page
    contacts = owner.get(reverse("customers:detail", args=[customer.pk]), {"tab": "contacts"}).text
    assert '<a href="tel:13900002222" class="text-nowrap">13900002222</a>' in contacts
    revealed = client_for(sales.bob).post(reverse("customers:reveal", args=[customer.pk]), {"field": "email"})
    assert revealed.text == '<a href="mailto:buyer@example.com">buyer@example.com</a>'


def test_transfer_from_the_page(sales: World) -> None:
    customer = register(sales.alice)
    colleague = User.objects.create_user("dan", "x", display_name="丹", department=sales.shanghai)
    grant(colleague, "salesperson")
    client = client_for(sales.bob)
    response = client.post(reverse("customers:transfer", args=[customer.pk]), {"owner": colleague.pk})
    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).owner == colleague
    assert client_for(sales.alice).get(reverse("customers:transfer", args=[customer.pk])).status_code == 403


def test_tabs_load_on_their_own(sales: World) -> None:
    customer = register(sales.alice)
    client = client_for(sales.alice)
    for tab in ("overview", "contacts", "history"):
        response = client.get(reverse("customers:detail", args=[customer.pk]), {"tab": tab}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "<html" not in response.text
    assert "张三" in client.get(reverse("customers:detail", args=[customer.pk]), {"tab": "contacts"}).text
