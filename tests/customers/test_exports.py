"""The customer list's export is the list (SPEC §13.2): the same filters, order, columns, scope and masking,
with dates as date cells, through the shared writer."""

from datetime import date, datetime
from io import BytesIO
from typing import Any

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from guanxi.core.models import AuditEntry
from guanxi.customers import preferences
from guanxi.customers.models import Customer
from tests.conftest import TwoUnits, client_for, grant
from tests.customers.test_services import register


def read(content: bytes) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(BytesIO(content)).get_sheet_by_index(0).to_python()


@pytest.fixture
def listed(two_units: TwoUnits) -> TwoUnits:
    grant(two_units.bob, "sales_manager")  # sees Alice's customers; Charlie's (Beijing) and unit B's stay out
    grant(two_units.charlie, "salesperson")
    register(two_units.bob, "甲公司", level="A", phone="13911112222")
    register(two_units.alice, "乙公司", level="A", phone="13933334444", contact={})
    register(two_units.alice, "丙公司", level="B", contact={})
    register(two_units.charlie, "丁公司", level="A", contact={})
    register(two_units.bella, "杭州甲公司", level="A", contact={})
    preferences.list_columns_set(actor=two_units.bob, columns=["number", "level", "owner", "updated", "created"])
    return two_units


def test_the_export_has_the_lists_rows_columns_and_masking(listed: TwoUnits) -> None:
    client = client_for(listed.bob, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(reverse("customers:list"), {"level": "A", "ordering": "name"})
    shown = list(page.context["page_obj"].object_list)
    heads = [str(label) for _key, label in page.context["columns"]]

    response = client.get(reverse("customers:export"), {"level": "A", "ordering": "name"})
    assert response["Content-Disposition"] == 'attachment; filename="customers.xlsx"'
    header, *rows = read(response.content)

    assert header == ["Customer", *heads, "Phone", "E-mail"]
    assert [row[0] for row in rows] == [customer.name for customer in shown] == ["甲公司", "乙公司"]
    for row, customer in zip(rows, shown, strict=True):
        assert row[1:4] == [str(cell.value) for cell in customer.cells[:3]]  # number, level, owner as on the list
        assert isinstance(row[4], datetime) and isinstance(row[5], date)  # real date cells Excel sorts by
    assert rows[0][6] == "13911112222" and rows[1][6] == "139****4444"  # Alice's customer stays masked for Bob
    entry = AuditEntry.objects.get(action="export")
    assert entry.changes == {"count": 2, "filters": {"level": "A", "ordering": "name"}}


def test_the_csv_export_and_a_scene_keep_the_scope(listed: TwoUnits) -> None:
    response = client_for(listed.bob).get(reverse("customers:export"), {"scene": "mine", "format": "csv"})
    text = response.content.decode("utf-8-sig")
    assert "甲公司" in text and "乙公司" not in text
    everything = client_for(listed.bob).get(reverse("customers:export"), {"format": "csv"}).content.decode()
    assert "丙公司" in everything and "丁公司" not in everything and "杭州甲公司" not in everything


def test_a_large_list_is_exported_in_the_background(listed: TwoUnits, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("guanxi.customers.exports.EXPORT_LIMIT", 1)
    response = client_for(listed.bob).get(reverse("customers:export"), {"level": "A"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("io:export", args=["customers"]))


def test_only_holders_of_the_export_permission_see_the_button_and_the_file(listed: TwoUnits) -> None:
    client = client_for(listed.alice)
    assert 'data-testid="export"' not in client.get(reverse("customers:list")).text
    assert client.get(reverse("customers:export")).status_code == 403
    assert Customer.objects.count() == 5 and not AuditEntry.objects.filter(action="export").exists()
