import re

import pyotp
import pytest
from playwright.sync_api import Page, expect

from guanxi.org.models import TwoFactor
from tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_a_user_with_two_factor_signs_in_with_a_code_from_their_app(live_server: object, page: Page) -> None:
    world = World()
    TwoFactor.objects.create(user=world.alice, secret=SECRET)
    base = str(live_server)

    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_role("button", name="English").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/login/code/"))
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.goto(f"{base}/")  # not signed in yet: the dashboard sends them back to sign in
    expect(page).to_have_url(re.compile(r"/login/\?next=/"))
    page.go_back()

    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("That code is not right")

    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(SECRET).now())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name=f"Good day, {world.alice.display_name}")).to_be_visible()

    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="Two-factor sign-in and sessions").click()
    expect(page.get_by_test_id("two-factor")).to_contain_text("On")
    expect(page.get_by_text("This browser")).to_be_visible()
