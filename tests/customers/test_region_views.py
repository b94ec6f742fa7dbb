"""The region picker: its form fields, the options endpoint it calls, and the regions API."""

import re

from django import forms
from django.template import Context, Template
from django.test import Client
from rest_framework.test import APIClient

from guanxi.customers.models import Customer
from guanxi.customers.regions.forms import RegionFieldsMixin
from guanxi.customers.regions.models import Region
from tests.conftest import World, client_for


class CustomerLikeForm(RegionFieldsMixin, forms.Form):
    name = forms.CharField()


class RegionRequiredForm(RegionFieldsMixin, forms.Form):
    region_required = True


class CustomerRegionForm(RegionFieldsMixin, forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["name", "province", "city", "county"]


def options_of(html: str, select: str) -> list[tuple[str, str]]:
    """(value, label) of each option of one rendered <select name=...>."""
    body = re.search(rf'<select name="{select}"[^>]*>(.*?)</select>', html, re.S)
    assert body, f"no select {select}"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', body.group(1))


def selected_in(html: str, select: str) -> str:
    body = re.search(rf'<select name="{select}"[^>]*>(.*?)</select>', html, re.S)
    assert body
    found = re.search(r'<option value="([^"]*)" selected>', body.group(1))
    return found.group(1) if found else ""


def render_picker(form: forms.Form) -> str:
    template = Template('<form method="post">{% include "customers/region_picker.html" %}</form>')
    return template.render(Context({"form": form}))


# --- the form fields -------------------------------------------------------------------------------------


def test_an_edit_form_shows_the_saved_region_with_its_neighbours(regions: int) -> None:
    form = CustomerLikeForm(initial={"province": "440000", "city": "440300", "county": "440305"})
    html = render_picker(form)

    assert selected_in(html, "province") == "440000"
    assert selected_in(html, "city") == "440300"
    assert selected_in(html, "county") == "440305"
    assert [value for value, _ in options_of(html, "city")] == ["", "440100", "440300", "441900"]
    assert options_of(html, "county") == [("", "Choose a county"), ("440304", "福田区"), ("440305", "南山区")]


def test_the_selects_ask_the_options_endpoint_for_the_next_level(regions: int) -> None:
    html = render_picker(CustomerLikeForm())

    province = re.search(r'<select name="province"[^>]*>', html)
    city = re.search(r'<select name="city"[^>]*>', html)
    assert province and city
    assert 'hx-get="/regions/options/?name=city"' in province.group(0)
    assert 'hx-target="#id_city"' in province.group(0)
    assert 'data-region-clear="id_county"' in province.group(0)
    assert 'hx-get="/regions/options/?name=county"' in city.group(0)
    assert 'hx-target="#id_county"' in city.group(0)
    assert "guanxi/regions.js" in html
    # A new form lists the provinces; the city and county lists wait for a choice.
    assert [value for value, _ in options_of(html, "province")][:3] == ["", "310000", "420000"]
    assert options_of(html, "city") == [("", "Choose a city")]
    assert options_of(html, "county") == [("", "Choose a county")]


def test_a_consistent_region_is_cleaned_to_its_codes(regions: int) -> None:
    form = CustomerLikeForm(data={"name": "华信", "province": "310000", "city": "310100", "county": "310115"})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["province"], form.cleaned_data["city"], form.cleaned_data["county"]) == (
        "310000",
        "310100",
        "310115",
    )


def test_a_county_of_another_city_is_refused_on_the_county_field(regions: int) -> None:
    form = CustomerLikeForm(data={"name": "华信", "province": "440000", "city": "440300", "county": "440106"})
    assert not form.is_valid()
    assert form.errors == {"county": ["天河区 is not in 深圳市."]}


def test_without_javascript_a_missing_county_is_asked_for_with_the_counties_listed(regions: int) -> None:
    # The browser sent the province and city it could choose; the server answers with the county list.
    form = CustomerLikeForm(data={"name": "华信", "province": "440000", "city": "440300", "county": ""})
    assert not form.is_valid()
    assert form.errors == {"county": ["Choose a county or district."]}
    html = render_picker(form)
    assert [value for value, _ in options_of(html, "county")] == ["", "440304", "440305"]
    assert 'aria-invalid="true"' in re.search(r'<select name="county"[^>]*>', html).group(0)  # type: ignore[union-attr]


def test_the_mixin_drops_into_a_customer_model_form(regions: int) -> None:
    saved = Customer(name="华信", province="310000", city="310100", county="310115")
    html = render_picker(CustomerRegionForm(instance=saved))
    assert (selected_in(html, "city"), selected_in(html, "county")) == ("310100", "310115")

    form = CustomerRegionForm(
        data={"name": "华信", "province": "440000", "city": "441900", "county": "441900121"}, instance=saved
    )
    assert form.is_valid(), form.errors
    assert (saved.province, saved.city, saved.county) == ("440000", "441900", "441900121")
    refused = CustomerRegionForm(data={"name": "华信", "province": "440000", "city": "310100", "county": ""})
    assert refused.errors == {"city": ["上海市 is not in 广东省."]}


def test_a_form_may_leave_the_region_empty_unless_it_requires_one(regions: int) -> None:
    assert CustomerLikeForm(data={"name": "华信"}).is_valid()
    form = RegionRequiredForm(data={})
    assert not form.is_valid()
    assert form.errors == {"province": ["This field is required."]}  # said once, not twice


# --- the options endpoint --------------------------------------------------------------------------------


def test_the_options_endpoint_refuses_anonymous_visitors(regions: int) -> None:
    response = Client().get("/regions/options/", {"name": "city", "parent": "440000"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_options_endpoint_lists_a_provinces_cities(world: World, regions: int) -> None:
    response = client_for(world.alice, HTTP_ACCEPT_LANGUAGE="en").get(
        "/regions/options/", {"name": "city", "parent": "440000"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'<option value="([^"]*)">([^<]*)</option>', html) == [
        ("", "Choose a city"),
        ("440100", "广州市"),
        ("440300", "深圳市"),
        ("441900", "东莞市"),
    ]


def test_the_options_endpoint_answers_an_unknown_or_empty_parent_with_no_regions(world: World, regions: int) -> None:
    client = client_for(world.alice, HTTP_ACCEPT_LANGUAGE="en")
    unknown = client.get("/regions/options/", {"name": "county", "parent": "449999"})
    assert unknown.status_code == 200
    assert re.findall(r'<option value="([^"]*)"', unknown.content.decode()) == [""]
    empty = client.get("/regions/options/", {"name": "city", "parent": ""})
    assert re.findall(r'<option value="([^"]*)">([^<]*)</option>', empty.content.decode()) == [("", "Choose a city")]
    assert client.get("/regions/options/", {"name": "street", "parent": "440000"}).status_code == 400


# --- the API ---------------------------------------------------------------------------------------------


def test_the_regions_api_refuses_anonymous_callers(regions: int) -> None:
    assert APIClient().get("/api/v1/regions/").status_code in (401, 403)


def test_the_regions_api_lists_the_provinces_then_a_regions_children(world: World, regions: int) -> None:
    client = APIClient()
    client.force_authenticate(world.charlie)  # no role at all: reference data is for everyone signed in

    provinces = client.get("/api/v1/regions/").json()
    assert provinces["count"] == 7
    assert set(provinces) == {"count", "next", "previous", "results"}
    assert provinces["results"][0] == {
        "code": "310000",
        "name": "上海市",
        "level": 1,
        "parent": None,
        "active": True,
    }
    cities = client.get("/api/v1/regions/", {"parent": "440000"}).json()
    assert [(r["code"], r["name"], r["parent"]) for r in cities["results"]] == [
        ("440100", "广州市", "440000"),
        ("440300", "深圳市", "440000"),
        ("441900", "东莞市", "440000"),
    ]
    assert client.get("/api/v1/regions/", {"parent": "000000"}).json()["count"] == 0


def test_the_regions_api_shows_one_region_by_code(world: World, regions: int) -> None:
    client = APIClient()
    client.force_authenticate(world.alice)
    Region.objects.filter(code="440304").update(active=False)

    assert client.get("/api/v1/regions/440305/").json()["name"] == "南山区"
    assert client.get("/api/v1/regions/440304/").json()["active"] is False  # retired, still readable
    assert client.get("/api/v1/regions/999999/").status_code == 404
    assert client.post("/api/v1/regions/", {"code": "999999", "name": "x"}).status_code == 405
    assert not Region.objects.filter(code="999999").exists()
