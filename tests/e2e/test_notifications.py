import re

import pytest
from playwright.sync_api import Page, expect

from guanxi.core.notifications import notify
from tests.conftest import World
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_alice_sees_a_notification_in_her_bell_opens_it_and_the_count_drops(live_server: object, page: Page) -> None:
    world = World()
    world.alice.language = "en"  # the labels below are the English source texts, whatever the catalog says
    world.alice.save(update_fields=["language"])
    base = str(live_server)
    record = f"/people/{world.bob.pk}/"
    notify(recipients=[world.alice], kind="comment", title="王博 批示：今天回访客户", url=record)
    notify(recipients=[world.alice], kind="system", title="系统维护通知")
    notify(recipients=[world.bob], kind="system", title="只给王博")

    sign_in(page, base, "alice")
    count = page.get_by_test_id("notification-count")
    expect(count).to_have_text("2")

    page.get_by_test_id("notification-bell").click()
    menu = page.get_by_test_id("notification-menu")
    expect(menu).to_be_visible()
    expect(menu).not_to_contain_text("只给王博")
    menu.get_by_role("link", name=re.compile("今天回访客户")).click()

    expect(page).to_have_url(f"{base}{record}")
    expect(page.get_by_role("heading", name=world.bob.display_name)).to_be_visible()
    expect(count).to_have_text("1")

    page.get_by_test_id("notification-bell").click()
    menu.get_by_role("button", name="Mark all read").click()
    expect(page).to_have_url(f"{base}{record}")
    expect(count).to_have_count(0)
