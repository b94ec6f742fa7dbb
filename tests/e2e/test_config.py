import re

import pytest
from playwright.sync_api import Page, expect

from guanxi.core.models import DictionaryItem
from tests.conftest import PASSWORD, grant
from tests.core.config_world import ConfigWorld

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page).to_have_url(f"{base}/")


def test_an_admin_adds_a_dictionary_item_reorders_it_and_adds_a_custom_field_to_users(
    live_server: object, page: Page
) -> None:
    # Bob reads English; built-in dictionary types are group-wide, so he administers every unit here.
    grant(ConfigWorld().bob, "system_admin")
    base = str(live_server)
    sign_in(page, base, "bob")

    page.get_by_role("link", name="Data dictionary").click()
    page.get_by_role("link", name="Customer source").click()
    page.get_by_label("Label").fill("抖音")
    page.get_by_label("Code").fill("douyin")
    page.get_by_role("button", name="Add item").click()
    items = page.get_by_test_id("dictionary-items")
    expect(page.get_by_role("status")).to_contain_text("“抖音” was added.")
    expect(items.locator("tbody tr").last).to_contain_text("抖音")

    # Drag it to the top; the order is saved without a page load and holds after one.
    last_handle = items.locator("tbody tr").last.locator(".drag-handle")
    with page.expect_response(re.compile(r"/reorder/$")) as saved:
        last_handle.drag_to(items.locator("tbody tr").first.locator(".drag-handle"))
    assert saved.value.status == 204
    page.reload()
    expect(items.locator("tbody tr").first).to_contain_text("抖音")
    assert DictionaryItem.objects.get(code="douyin").sort_order == 0

    # The arrows do the same without JavaScript.
    page.get_by_role("button", name="Move 抖音 down").click()
    expect(items.locator("tbody tr").nth(1)).to_contain_text("抖音")

    page.get_by_role("link", name="Custom fields").click()
    page.get_by_role("link", name=re.compile(r"^Users \d")).click()
    page.get_by_label("Label").fill("工号")
    page.get_by_label("Type").select_option("text")
    page.get_by_label("Key").fill("employee_no")
    page.get_by_label("Required").check()
    page.get_by_role("button", name="Add field").click()
    expect(page.get_by_test_id("custom-fields")).to_contain_text("employee_no")
    preview = page.get_by_test_id("custom-field-preview")
    expect(preview.get_by_label("工号")).to_be_disabled()
