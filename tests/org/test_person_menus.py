"""Person menus (owner filters, assignees, colleagues) over a group of any size: listed when small, searched
when large, and the search offers only the people the menu itself offers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.customers.forms import CustomerFilterForm
from guanxi.org import forms as org_forms
from tests.conftest import TwoUnits, client_for, grant, make_user


def _owner_menu_html(actor: object, data: dict[str, str] | None = None) -> str:
    form = CustomerFilterForm(data or {}, actor=actor)
    return str(form["owner"])


def test_a_small_group_is_listed(two_units: TwoUnits) -> None:
    html = _owner_menu_html(two_units.ada)  # unit A's administrator: unit A's people
    assert "艾达" in html and "李爱丽" in html
    assert "贝拉" not in html  # unit B's
    assert "data-person-picker" not in html


def test_a_large_group_carries_only_the_chosen_person_and_a_search(
    two_units: TwoUnits, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(org_forms, "PEOPLE_LISTED", 2)
    with CaptureQueriesContext(connection) as queries:
        html = _owner_menu_html(two_units.ada, {"owner": str(two_units.alice.pk)})
    assert f'value="{two_units.alice.pk}" selected' in html and "李爱丽" in html
    assert "王博" not in html  # not listed: found by typing
    assert f'data-person-picker="{reverse("org:people_pick")}?among=customers"' in html
    options = '"org_user"."display_name" AS "display_name", "org_user"."username" AS "username"'
    menu_queries = [q["sql"] for q in queries.captured_queries if options in q["sql"]]
    assert len(menu_queries) == 2  # the bounded first look, then the chosen person


def test_the_chosen_person_is_still_checked_against_the_group(
    two_units: TwoUnits, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(org_forms, "PEOPLE_LISTED", 2)
    form = CustomerFilterForm({"owner": str(two_units.bella.pk)}, actor=two_units.ada)  # unit B's salesperson
    assert not form.is_valid()
    assert "owner" in form.errors
    assert str(two_units.bella.pk) not in str(form["owner"])


def test_the_search_finds_among_the_menus_people_only(two_units: TwoUnits) -> None:
    client = client_for(two_units.ada)
    url = reverse("org:people_pick")
    found = client.get(url, {"among": "customers", "q": "李"}).json()["results"]
    assert found == [{"value": two_units.alice.pk, "text": "李爱丽", "detail": "上海"}]
    assert client.get(url, {"among": "customers", "q": "贝"}).json()["results"] == []  # unit B
    by_username = client.get(url, {"among": "directory", "q": "charl"}).json()["results"]
    assert [row["value"] for row in by_username] == [two_units.charlie.pk]
    assert client.get(url, {"among": "no-such-thing", "q": "李"}).json()["results"] == []
    assert client.get(url, {"among": "customers"}).json()["results"] == []  # nothing typed


def test_the_search_follows_the_readers_scope(two_units: TwoUnits) -> None:
    gina = client_for(two_units.gina)  # the whole group
    found = gina.get(reverse("org:people_pick"), {"among": "customers", "q": "贝"}).json()["results"]
    assert [row["value"] for row in found] == [two_units.bella.pk]
    alice = client_for(two_units.alice)  # a salesperson sees only her own customers: nobody to choose
    assert alice.get(reverse("org:people_pick"), {"among": "customers", "q": "王"}).json()["results"] == []
    frozen = grant(make_user("old", "离职者", two_units.shanghai, status="frozen"), "unit_admin")
    assert "离职者" not in str(gina.get(reverse("org:people_pick"), {"among": "directory", "q": "离"}).content)
    assert frozen.pk


def test_the_search_needs_a_signed_in_user(client: object, db: None) -> None:
    response = client.get(reverse("org:people_pick"), {"among": "directory", "q": "a"})  # type: ignore[attr-defined]
    assert response.status_code == 302
