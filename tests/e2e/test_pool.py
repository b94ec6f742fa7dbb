"""The public pool in a browser: a salesperson claims and sees the countdown, a second one loses the race
and is told who won, a manager assigns from the pool and decides a conflict."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from guanxi.customers.models import Customer
from guanxi.pool.models import ConflictCase
from tests.e2e.test_shell import sign_in
from tests.pool.pool_helpers import PoolWorld, in_pool, registered

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_a_salesperson_claims_a_second_is_told_who_won_and_a_manager_assigns_and_decides(
    live_server: object, page: Page, browser: Browser
) -> None:
    world = PoolWorld()
    wanted = in_pool(world, "上海华信精密机械有限公司", phone="021-68888888")
    spare = in_pool(world, "杭州西湖茶业有限公司")
    base = str(live_server)

    # Dave opens the pool first: both customers are offered, their phones masked
    sign_in(page, base, "dave")
    page.goto(f"{base}/customers/pool/")
    expect(page.get_by_test_id("pool-table")).to_contain_text("021****8888")
    expect(page.get_by_test_id(f"claim-{wanted.pk}")).to_be_visible()

    # meanwhile Alice claims it in her own browser and sees the countdown on the customer's page
    alice_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    alice = alice_context.new_page()
    sign_in(alice, base, "alice")
    alice.goto(f"{base}/customers/pool/")
    alice.get_by_test_id(f"claim-{wanted.pk}").click()
    expect(alice).to_have_url(re.compile(f"/customers/{wanted.pk}/$"))
    expect(alice.get_by_test_id("expiry")).to_contain_text("30")
    expect(alice.get_by_text("02168888888")).to_be_visible()  # hers now: unmasked
    alice_context.close()

    # Dave's click comes second: refused, naming the winner
    page.get_by_test_id(f"claim-{wanted.pk}").click()
    expect(page.locator("body")).to_contain_text("李爱丽")
    assert Customer.objects.get(pk=wanted.pk).owner == world.alice

    # Bob assigns the other pool customer to Dave
    page.context.clear_cookies()
    sign_in(page, base, "bob")
    page.goto(f"{base}/customers/pool/")
    page.locator(f"a[href='/customers/{spare.pk}/assign/']").click()
    page.locator("#id_owner").select_option(str(world.dave.pk))
    page.locator("form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"/customers/{spare.pk}/$"))
    assert Customer.objects.get(pk=spare.pk).owner == world.dave

    # a conflict: Charlie holds a customer that Dave registers again; Bob gives it to Dave
    held = registered(world.charlie, "北京京东方机械有限公司", phone="010-66666666")
    case = ConflictCase.objects.create(
        business_unit=world.unit, customer=held, holder=world.charlie, claimant=world.dave, match="phone"
    )
    page.goto(f"{base}/customers/conflicts/")
    page.locator(f"a[href='/customers/conflicts/{case.pk}/']").click()
    expect(page.get_by_test_id("evidence")).to_contain_text("张查理")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / "pool-conflict.png", full_page=True)
    page.locator("input[name=decision][value=give]").check()
    page.get_by_test_id("decide").click()
    expect(page).to_have_url(re.compile("/customers/conflicts/$"))
    assert Customer.objects.get(pk=held.pk).owner == world.dave
