"""The region picker in a real browser: htmx fills the city and county lists as a person chooses."""

from pathlib import Path

import pytest
from django import forms
from django.contrib.sessions.backends.db import SessionStore
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from playwright.sync_api import Page, Route, expect

from guanxi.customers.regions.forms import RegionFieldsMixin
from guanxi.customers.regions.services import regions_load
from guanxi.org.models import User
from tests.conftest import World
from tests.customers.conftest import TREE, write_tree
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# No page of the app has the picker yet (the customer form will): the browser is handed a form page rendered
# by the app's own templates, at the live server's address, with the app's Content-Security-Policy.
FORM_PATH = "/region-picker/"


class PickerForm(RegionFieldsMixin, forms.Form):
    pass


def form_page(user: User) -> str:
    request = RequestFactory().get(FORM_PATH)
    request.user = user
    request.session = SessionStore()
    template = Template(
        '{% extends "layouts/form.html" %}{% block fields %}{% include "customers/region_picker.html" %}{% endblock %}'
    )
    return template.render(RequestContext(request, {"form": PickerForm()}))


def serve_form(page: Page, base: str, user: User) -> None:
    html = form_page(user)
    policy = Client().get("/login/")["Content-Security-Policy"]
    headers = {"Content-Security-Policy": policy}

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", headers=headers, body=html)

    page.route(f"{base}{FORM_PATH}", fulfil)
    page.goto(f"{base}{FORM_PATH}")


def test_choosing_a_province_then_a_city_offers_their_regions(live_server: object, page: Page, tmp_path: Path) -> None:
    world = World()
    world.alice.language = "en"  # the placeholders below are the English source texts
    world.alice.save(update_fields=["language"])
    regions_load(path=write_tree(tmp_path / "regions.json", TREE))
    base = str(live_server)
    sign_in(page, base, "alice")
    serve_form(page, base, world.alice)

    province, city, county = (page.locator(f"select[name={name}]") for name in ("province", "city", "county"))
    expect(city.locator("option")).to_have_count(1)

    province.select_option(label="广东省")
    expect(city.locator("option")).to_have_text(["Choose a city", "广州市", "深圳市", "东莞市"])
    city.select_option(label="深圳市")
    expect(county.locator("option")).to_have_text(["Choose a county", "福田区", "南山区"])
    county.select_option(label="南山区")
    expect(county).to_have_value("440305")

    # Another province: its cities come, and the old city's counties go.
    province.select_option(label="上海市")
    expect(city.locator("option")).to_have_text(["Choose a city", "上海市"])
    expect(county.locator("option")).to_have_count(1)
    city.select_option(label="上海市")
    expect(county.locator("option")).to_have_text(["Choose a county", "黄浦区", "浦东新区"])


def test_the_picker_stacks_its_lists_on_a_phone(live_server: object, page: Page, tmp_path: Path) -> None:
    world = World()
    regions_load(path=write_tree(tmp_path / "regions.json", TREE))
    base = str(live_server)
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, base, "alice")
    serve_form(page, base, world.alice)

    boxes = [page.locator(f"select[name={name}]").bounding_box() for name in ("province", "city", "county")]
    assert all(box is not None for box in boxes)
    for box in boxes:
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    tops = [box["y"] for box in boxes if box]
    assert tops == sorted(tops) and len(set(tops)) == 3  # one under another
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.locator("select[name=province]").select_option(label="广东省")
    expect(page.locator("select[name=city] option")).to_have_count(4)
