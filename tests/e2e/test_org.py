import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import World, grant
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_admin_adds_a_department_and_a_salesperson_who_then_sees_only_their_own(
    live_server: object, page: Page
) -> None:
    world = World()
    grant(world.bob, "unit_admin")
    base = str(live_server)

    sign_in(page, base, "bob")
    page.get_by_role("link", name="部门", exact=True).click()
    page.get_by_role("link", name="添加部门").click()
    page.get_by_label("名称").fill("深圳分部")
    page.get_by_label("上级部门").select_option(label="总部")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("cell", name="深圳分部")).to_be_visible()

    page.get_by_role("link", name="用户", exact=True).click()
    page.get_by_role("link", name="添加用户").click()
    page.get_by_label("用户名").fill("dora")
    page.get_by_label("姓名").fill("朵拉")
    page.get_by_label("部门").select_option(label="深圳分部")
    page.get_by_label("销售人员").check()
    page.get_by_label("初始密码").fill("Strong-Pass-2026")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name=re.compile("朵拉"))).to_be_visible()

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("用户名").fill("dora")
    page.get_by_label("密码").fill("Strong-Pass-2026")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("朵拉"))).to_be_visible()
    expect(page.get_by_role("link", name="用户", exact=True)).to_have_count(0)
    page.goto(f"{base}/org/users/")
    expect(page.get_by_text("您无权进行此操作")).to_be_visible()
