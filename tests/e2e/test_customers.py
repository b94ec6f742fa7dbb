import re

import pytest
from playwright.sync_api import Page, expect

from guanxi.customers.models import Customer
from guanxi.org.models import User
from tests.conftest import World, grant
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sales_office() -> tuple[World, User]:
    """Alice sells, Bob manages the Shanghai office, Dora sells beside Alice."""
    world = World()
    grant(world.alice, "salesperson")
    grant(world.bob, "sales_manager")
    dora = User.objects.create_user("dora", "Strong-Pass-2026", display_name="朵拉", department=world.shanghai)
    return world, grant(dora, "salesperson")


def test_a_salesperson_registers_finds_and_opens_a_customer_then_a_manager_transfers_it(
    live_server: object, page: Page
) -> None:
    _world, dora = _sales_office()
    base = str(live_server)

    sign_in(page, base, "alice")
    page.goto(f"{base}/customers/new/")
    page.locator("#id_name").fill("张三贸易有限公司")
    page.locator("#id_contact_name").fill("张三")
    page.locator("#id_contact_mobile").fill("12345")
    page.locator("form.card button[type=submit]").click()
    expect(page.locator("#id_contact_mobile_errors")).to_contain_text("手机号")
    assert not Customer.objects.exists()

    page.locator("#id_contact_mobile").fill("13812345678")
    page.locator("form.card button[type=submit]").click()
    expect(page.get_by_role("heading", name=re.compile("张三贸易有限公司"))).to_be_visible()
    customer = Customer.objects.get()

    page.goto(f"{base}/")
    page.get_by_role("searchbox").fill("zsmy")
    page.keyboard.press("Enter")
    page.get_by_role("link", name=re.compile("张三贸易有限公司")).click()
    expect(page).to_have_url(re.compile(f"/customers/{customer.pk}/"))
    page.locator("[data-tab][href='?tab=contacts']").click()
    expect(page.get_by_text("13812345678")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, base, "bob")
    page.goto(f"{base}/customers/{customer.pk}/")
    expect(page.get_by_test_id("masked-phone").or_(page.get_by_text("—").first)).to_be_visible()
    page.locator(f"a[href='/customers/{customer.pk}/transfer/']").click()
    page.locator("#id_owner").select_option(str(dora.pk))
    page.locator("form.card button[type=submit]").click()
    expect(page.get_by_role("heading", name=re.compile("张三贸易有限公司"))).to_be_visible()
    assert Customer.objects.get(pk=customer.pk).owner == dora


def test_a_manager_bulk_transfers_two_customers_and_saves_a_filter_as_a_pill(live_server: object, page: Page) -> None:
    from tests.customers.test_services import register

    world, dora = _sales_office()
    one, two = register(world.alice, "甲贸易公司"), register(world.alice, "乙贸易公司", contact={})
    register(world.alice, "丙贸易公司", contact={})
    base = str(live_server)

    sign_in(page, base, "bob")
    page.goto(f"{base}/customers/")
    page.locator(f"input[name=ids][value='{one.pk}']").check()
    page.locator(f"input[name=ids][value='{two.pk}']").check()
    page.locator("button[data-bulk=transfer]").click()
    page.locator("#id_owner").select_option(str(dora.pk))
    page.locator("form.card button[type=submit]").click()
    expect(page.locator("#toasts, .alert").first).to_contain_text("2")
    assert set(Customer.objects.filter(owner=dora).values_list("pk", flat=True)) == {one.pk, two.pk}
    assert Customer.objects.filter(owner=world.alice).count() == 1

    page.get_by_test_id("filter-drawer").click()  # the advanced filter is a drawer, closed at first
    page.locator("#id_q").fill("贸易")
    page.locator("form.filters button[type=submit]").click()
    page.locator("#id_filter_name").fill("贸易客户")
    page.locator("form.save-filter button[type=submit]").click()
    pill = page.locator(".scenes .saved-filter a")
    expect(pill).to_have_text(re.compile("贸易客户"))
    expect(pill).to_have_attribute("aria-current", "page")


def test_person_menus_of_a_large_company_are_searched_by_typing(
    live_server: object, page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    from guanxi.org import forms as org_forms
    from tests.customers.test_services import register

    monkeypatch.setattr(org_forms, "PEOPLE_LISTED", 1)  # every menu here is "large"
    world, dora = _sales_office()
    one = register(world.alice, "甲贸易公司")
    register(world.alice, "乙贸易公司", contact={})
    base = str(live_server)

    sign_in(page, base, "bob")
    page.goto(f"{base}/customers/")
    page.locator(f"input[name=ids][value='{one.pk}']").check()
    page.locator("button[data-bulk=transfer]").click()
    page.locator("#id_owner-ts-control").fill("朵")  # the new owner is found, not listed
    page.locator(".ts-dropdown .option", has_text="朵拉").click()
    page.locator("form.card button[type=submit]").click()
    expect(page.locator("#toasts, .alert").first).to_contain_text("1")
    assert Customer.objects.get(pk=one.pk).owner == dora

    page.get_by_test_id("filter-drawer").click()
    page.locator("#id_owner-ts-control").fill("dora")  # by username too
    page.locator(".ts-dropdown .option", has_text="朵拉").click()
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody")).to_contain_text("甲贸易公司")
    expect(page.get_by_test_id("filter-chip")).to_contain_text("朵拉")
    page.get_by_test_id("filter-drawer").click()  # its fields are written when it opens, with the choice kept
    expect(page.locator("#id_owner + .ts-wrapper")).to_contain_text("朵拉")
