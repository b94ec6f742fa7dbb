"""Sales targets: the grid of a department's months (validated whole, nothing half-saved), attainment and
ranking measured by won opportunities, the same through the API, and two business units kept apart."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from guanxi.analytics import services
from guanxi.analytics.models import Target
from guanxi.analytics.targets import attainment
from guanxi.core.errors import NotPermitted
from guanxi.core.exports import Column, Table, table_write
from guanxi.io.reading import read_table
from tests.conftest import TwoUnits, client_for, grant

from .conftest import History


def test_a_manager_sets_a_departments_months_at_once(history: History) -> None:
    world = history.world
    alice, shanghai = world.alice, world.shanghai
    cells = {
        f"u{alice.pk}-11": "80000",
        f"u{alice.pk}-12": "1,000",
        f"d{shanghai.pk}-11": "150000",
        f"u{alice.pk}-1": "",
    }
    assert services.targets_set(actor=world.bob, year=2026, kind="amount", cells=cells) == 3
    stored = {(t.user_id, t.department_id, t.month): t.value for t in Target.objects.all()}
    assert stored == {
        (alice.pk, shanghai.pk, 11): Decimal("80000"),
        (alice.pk, shanghai.pk, 12): Decimal("1000"),
        (None, shanghai.pk, 11): Decimal("150000"),
    }
    services.targets_set(actor=world.bob, year=2026, kind="amount", cells={f"u{alice.pk}-12": ""})
    assert Target.objects.count() == 2  # an emptied cell removes its target


def test_the_grid_refuses_every_bad_cell_at_once_and_saves_nothing(history: History) -> None:
    world = history.world
    alice, charlie = world.alice, world.charlie
    cells = {
        f"u{alice.pk}-1": "100",
        f"u{alice.pk}-2": "-5",
        f"u{alice.pk}-3": "abc",
        f"u{alice.pk}-13": "5",
        f"u{charlie.pk}-1": "10",  # Beijing: not Bob's department
        "unit-1": "10",  # the whole unit: not a department manager's
        f"u{alice.pk}-4": "1.005",
    }
    with pytest.raises(ValidationError) as refusal:
        services.targets_set(actor=world.bob, year=2026, kind="amount", cells=cells)
    assert refusal.value.message_dict == {
        f"u{alice.pk}-2": ["A target cannot be negative."],
        f"u{alice.pk}-3": ["Enter a number."],
        f"u{alice.pk}-13": ["There is no such cell."],
        f"u{charlie.pk}-1": ["You may not set this target."],
        "unit-1": ["You may not set this target."],
        f"u{alice.pk}-4": ["At most two decimal places."],
    }
    with pytest.raises(ValidationError) as refusal:
        services.targets_set(actor=world.bob, year=2026, kind="count", cells={f"u{alice.pk}-1": "2.5"})
    assert refusal.value.message_dict == {f"u{alice.pk}-1": ["A count target is a whole number."]}
    assert not Target.objects.exists()
    with pytest.raises(NotPermitted):
        services.targets_set(actor=alice, year=2026, kind="amount", cells={f"u{alice.pk}-1": "1"})


def test_the_grid_page_shows_the_refused_cells_with_their_messages(history: History) -> None:
    world = history.world
    client = client_for(world.bob)
    page = client.get(f"/reports/targets/?year=2026&kind=amount&department={world.shanghai.pk}")
    assert page.status_code == 200
    keys = [row.key for row in page.context["grid"]]
    assert keys[0] == f"d{world.shanghai.pk}" and sorted(keys[1:]) == sorted([f"u{world.bob.pk}", f"u{world.alice.pk}"])
    data = {"year": 2026, "kind": "amount", "department": world.shanghai.pk, f"u{world.alice.pk}-11": "-1"}
    response = client.post("/reports/targets/", data)
    assert response.status_code == 400
    assert "目标不能为负数。" in response.content.decode()  # Bob reads Chinese
    data[f"u{world.alice.pk}-11"] = "80000"
    assert client.post("/reports/targets/", data).status_code == 302
    assert Target.objects.get().value == Decimal("80000")


def test_attainment_and_ranking_by_won_opportunities(history: History) -> None:
    world = history.world
    services.targets_set(
        actor=world.root,
        year=2026,
        kind="amount",
        cells={f"u{world.alice.pk}-11": "80000", f"u{world.charlie.pk}-11": "100000", "unit-11": "300000"},
    )
    result = attainment(actor=world.root, year=2026, period="m11", kind="amount")
    rows = {row.label: (row.rank, row.target, row.actual, row.rate) for row in result.people}
    assert rows == {
        "李爱丽": (1, Decimal("80000"), Decimal("100000"), Decimal("125.0")),  # a1 won on 20 November
        "张查理": (2, Decimal("100000"), Decimal("0"), Decimal("0.0")),
    }
    assert result.unit is not None and (result.unit.target, result.unit.actual) == (
        Decimal("300000"),
        Decimal("100000"),
    )
    quarter = attainment(actor=world.root, year=2026, period="q4", kind="amount")
    assert {row.label: row.target for row in quarter.people}["李爱丽"] == Decimal("80000")
    counts = attainment(actor=world.root, year=2026, period="m11", kind="count")
    assert {row.label: row.actual for row in counts.people}["李爱丽"] == Decimal("1")
    mine = attainment(actor=world.alice, year=2026, period="m11", kind="amount")
    assert [row.label for row in mine.people] == ["李爱丽"] and mine.unit is None


def test_targets_through_the_api(history: History) -> None:
    world = history.world
    api = APIClient()
    api.force_authenticate(world.bob)
    cells = {f"u{world.alice.pk}-11": "80000"}
    assert api.post(
        "/api/v1/targets/grid/", {"year": 2026, "kind": "amount", "cells": cells}, format="json"
    ).json() == {"changed": 1}
    bad = api.post(
        "/api/v1/targets/grid/",
        {"year": 2026, "kind": "amount", "cells": {f"u{world.alice.pk}-11": "x"}},
        format="json",
    )
    assert bad.status_code == 400 and bad.json() == {f"u{world.alice.pk}-11": ["请输入数字。"]}  # Bob reads Chinese
    listed = api.get("/api/v1/targets/?year=2026").json()
    assert [(row["user"], row["month"], row["value"]) for row in listed["results"]] == [
        (world.alice.pk, 11, "80000.00")
    ]
    ranking = api.get("/api/v1/targets/attainment/?year=2026&period=m11").json()
    assert ranking[0]["label"] == "李爱丽" and ranking[0]["rate"] == "125.0"
    api.force_authenticate(world.alice)
    assert (
        api.post("/api/v1/targets/grid/", {"year": 2026, "kind": "amount", "cells": cells}, format="json").status_code
        == 403
    )


def test_two_units_keep_their_targets_and_figures_apart(two_units: TwoUnits) -> None:
    world = two_units
    grant(world.bella, "salesperson", "unit_head")
    grant(world.ada, "unit_head")
    services.targets_set(
        actor=world.ada, year=2026, kind="amount", cells={"unit-1": "100", f"d{world.shanghai.pk}-1": "50"}
    )
    services.targets_set(actor=world.bella, year=2026, kind="amount", cells={"unit-1": "7"})
    with pytest.raises(ValidationError):  # another unit's department
        services.targets_set(actor=world.bella, year=2026, kind="amount", cells={f"d{world.shanghai.pk}-1": "1"})
    api = APIClient()
    api.force_authenticate(world.bella)
    values = [row["value"] for row in api.get("/api/v1/targets/").json()["results"]]
    assert values == ["7.00"]
    api.force_authenticate(world.ada)
    assert sorted(row["value"] for row in api.get("/api/v1/targets/").json()["results"]) == ["100.00", "50.00"]
    page = client_for(world.bella).get("/reports/targets/?year=2026&kind=amount")
    assert [row.key for row in page.context["grid"]] == ["unit", f"d{world.hangzhou.pk}"]
    report = APIClient()
    report.force_authenticate(world.bella)
    departments = report.get(f"/api/v1/reports/funnel/?department={world.shanghai.pk}")
    assert departments.status_code == 400 and "department" in departments.json()


def test_targets_round_trip_through_the_grids_excel_template(history: History) -> None:
    world = history.world
    client = client_for(world.bob)
    download = client.get(f"/reports/targets/template/?year=2026&kind=amount&department={world.shanghai.pk}")
    assert download.status_code == 200 and download["Content-Disposition"].endswith('.xlsx"')
    sheet = read_table(download.content, "targets.xlsx")
    rows = {row[0]: row for row in sheet.rows}
    assert set(rows) == {f"d{world.shanghai.pk}", f"u{world.bob.pk}", f"u{world.alice.pk}"}
    alice = rows[f"u{world.alice.pk}"]
    alice[2], alice[12], alice[13] = 5000, "８００００", -1  # January, November in full-width digits, December

    def upload() -> Any:
        columns = [Column(header) for header in sheet.headers]
        table = Table("targets", "analytics.target", columns, list(rows.values()), len(rows), {})
        data = {"year": 2026, "kind": "amount", "department": world.shanghai.pk}
        return client.post("/reports/targets/", {**data, "file": SimpleUploadedFile("t.xlsx", table_write(table))})

    refused = upload()
    assert refused.status_code == 400 and "目标不能为负数。" in refused.content.decode()
    assert not Target.objects.exists()  # one wrong cell saves nothing
    alice[13] = None
    assert upload().status_code == 302
    saved = dict(Target.objects.filter(user=world.alice).values_list("month", "value"))
    assert saved == {1: Decimal("5000"), 11: Decimal("80000")}
    rows["x99"] = ["x99", "?", *[None] * 12]
    refused = upload()
    assert refused.status_code == 400 and "x99" in refused.content.decode()
