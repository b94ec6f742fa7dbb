import re

import pytest
from playwright.sync_api import Page, expect

from guanxi.customers.models import Contact, Customer
from tests.conftest import World, grant, make_user
from tests.customers.test_services import register
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_unit_head_merges_a_duplicate_choosing_its_phone(live_server: object, page: Page) -> None:
    world = World()
    alice = grant(world.alice, "salesperson")
    grant(make_user("hana", "韩娜", world.head_office), "unit_head")
    keep = register(alice, "上海华信科技有限公司", phone="021-68888888")
    contact = {"name": "李四", "mobile": "13900000000"}
    other = register(alice, "北京远航物流有限公司", phone="010-66666666", contact=contact)
    base = str(live_server)

    sign_in(page, base, "hana")
    page.goto(f"{base}/customers/{keep.pk}/")
    page.locator(f"a[href='/customers/{keep.pk}/merge/']").click()
    page.locator("#id_number").fill(keep.number)
    page.locator("form[method=get] button[type=submit]").click()
    expect(page.locator("#id_number_errors")).to_be_visible()

    page.locator("#id_number").fill(other.number)
    page.locator("form[method=get] button[type=submit]").click()
    table = page.locator("table.merge-table")
    expect(table).to_contain_text("010****6666")  # masked: the head neither owns nor shares it
    table.get_by_text("010****6666").click()  # the label picks the other's phone
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[method=post] button.btn-danger").click()

    expect(page).to_have_url(re.compile(f"/customers/{keep.pk}/$"))
    expect(page.get_by_role("heading", name=re.compile("上海华信科技有限公司"))).to_be_visible()
    expect(page.locator(".alert-success, .toast")).to_contain_text(other.number)
    kept = Customer.objects.get(pk=keep.pk)
    assert (kept.name, kept.phone) == ("上海华信科技有限公司", "01066666666")
    assert not Customer.objects.filter(pk=other.pk).exists()
    assert Contact.objects.get(name="李四").customer_id == keep.pk
