import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_salesperson_signs_in_switches_language_and_signs_out(live_server: object, page: Page) -> None:
    world = World()
    base = str(live_server)

    sign_in(page, base, "alice")
    expect(page.get_by_role("heading", name=f"您好，{world.alice.display_name}")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(world.bob.display_name))).to_be_visible()

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name=f"Good day, {world.alice.display_name}")).to_be_visible()
    expect(page.get_by_role("link", name="Dashboard")).to_be_visible()

    page.get_by_role("searchbox", name="Search").fill("查理")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name=re.compile(world.charlie.display_name))).to_be_visible()

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/login/"))


def test_a_wrong_password_is_explained_and_the_shell_fits_a_phone(live_server: object, page: Page) -> None:
    World()
    base = str(live_server)
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, base, "alice")
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="展开/收起导航").click()
    expect(page.get_by_role("link", name="工作台")).to_be_visible()

    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("请输入一个正确的")
