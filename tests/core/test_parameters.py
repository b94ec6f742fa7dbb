from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from guanxi.core.config import parameters
from guanxi.core.config.parameters import (
    parameter_value,
    parameters_effective,
    parameters_set,
    register_parameter,
)
from guanxi.core.errors import NotPermitted
from guanxi.core.models import ParameterValue
from guanxi.org.models import BusinessUnit
from tests.conftest import client_for

from .config_world import ConfigWorld, api_for, audit_entries


@pytest.fixture
def w(db: None) -> ConfigWorld:
    return ConfigWorld()


@pytest.fixture
def registry() -> Iterator[None]:
    saved = dict(parameters.PARAMETERS)
    yield
    parameters.PARAMETERS.clear()
    parameters.PARAMETERS.update(saved)


def stored(unit: BusinessUnit) -> dict[str, Any]:
    return dict(ParameterValue.objects.filter(business_unit=unit).values_list("code", "value"))


# --- defaults and reads -----------------------------------------------------------------------------


def test_the_spec_defaults_apply_until_a_unit_changes_them(w: ConfigWorld) -> None:
    expected = {
        "pool.no_followup_days": 30,
        "pool.no_deal_days": 90,
        "pool.warning_days": 3,
        "pool.holding_limit": 200,
        "pool.lock_limit": 20,
        "pool.daily_claims": 20,
        "pool.cooldown_days": 7,
        "pool.won_counts_toward_limit": False,
        "pool.won_exempt": True,
        "users.inactivity_days": 14,
        "cadence.h_days": 2,
        "cadence.n_days": 30,
        "plans.opportunity_followup_hours": 48,
        "churn.no_order_months": 6,
        "general.currency": "CNY",
        "numbering.customer": "{prefix}{yyyy}{mm}{dd}{seq:4}",
    }
    for code, value in expected.items():
        assert parameter_value(code, unit=w.unit) == value, code
        assert parameter_value(code, unit=None) == value, code


def test_a_units_override_applies_to_that_unit_only(w: ConfigWorld) -> None:
    other = BusinessUnit.objects.create(name="二公司", code="second")
    parameters_set(actor=w.bob, unit=w.unit, values={"pool.no_followup_days": 45})
    assert parameter_value("pool.no_followup_days", unit=w.unit) == 45
    assert parameter_value("pool.no_followup_days", unit=w.unit.pk) == 45
    assert parameter_value("pool.no_followup_days", unit=other) == 30


def test_reads_see_a_change_at_once_with_no_stale_cache(w: ConfigWorld) -> None:
    assert parameter_value("pool.daily_claims", unit=w.unit) == 20
    # Another process writes the row: this one must see it on the next read.
    ParameterValue.objects.create(business_unit=w.unit, code="pool.daily_claims", value=5)
    assert parameter_value("pool.daily_claims", unit=w.unit) == 5


def test_a_stored_value_that_no_longer_fits_falls_back_to_the_default(w: ConfigWorld) -> None:
    ParameterValue.objects.create(business_unit=w.unit, code="pool.daily_claims", value="many")
    assert parameter_value("pool.daily_claims", unit=w.unit) == 20


def test_an_unknown_parameter_is_a_programming_error(db: None) -> None:
    with pytest.raises(LookupError):
        parameter_value("no.such", unit=None)


def test_registering_a_parameter_checks_its_type_and_default(registry: None) -> None:
    with pytest.raises(ValueError, match="unknown type"):
        register_parameter("x.y", "X", "float", 1)
    with pytest.raises(ValueError, match="not a clean"):
        register_parameter("x.y", "X", "int", 500, max=100)
    with pytest.raises(ValueError, match="group"):
        register_parameter("x.y", "X", "int", 5, group="nowhere")
    parameter = register_parameter("x.rate", "X", "decimal", Decimal("0.13"), min=Decimal("0"), max=Decimal("1"))
    assert parameter.clean("0.06") == Decimal("0.06")


# --- writes -----------------------------------------------------------------------------------------


def test_setting_parameters_converts_types_and_audits_the_changes(w: ConfigWorld) -> None:
    changes = parameters_set(
        actor=w.bob,
        unit=w.unit,
        values={
            "pool.no_followup_days": "45",
            "pool.won_counts_toward_limit": "true",
            "general.currency": "USD",
            "plans.memory_curve_days": "1,3,7",
        },
    )
    assert parameter_value("pool.no_followup_days", unit=w.unit) == 45
    assert parameter_value("pool.won_counts_toward_limit", unit=w.unit) is True
    assert parameter_value("general.currency", unit=w.unit) == "USD"
    assert changes["pool.no_followup_days"] == [30, 45]
    [entry] = audit_entries("core.parameter", object_id=str(w.unit.pk))
    assert entry.actor == w.bob
    assert entry.changes["general.currency"] == ["CNY", "USD"]


def test_setting_the_default_or_null_removes_the_override(w: ConfigWorld) -> None:
    parameters_set(actor=w.bob, unit=w.unit, values={"pool.lock_limit": 10, "pool.cooldown_days": 3})
    parameters_set(actor=w.bob, unit=w.unit, values={"pool.lock_limit": 20, "pool.cooldown_days": None})
    assert stored(w.unit) == {}
    assert parameter_value("pool.cooldown_days", unit=w.unit) == 7


def test_setting_the_same_value_again_records_nothing(w: ConfigWorld) -> None:
    parameters_set(actor=w.bob, unit=w.unit, values={"pool.lock_limit": 10})
    assert parameters_set(actor=w.bob, unit=w.unit, values={"pool.lock_limit": "10"}) == {}
    assert len(audit_entries("core.parameter")) == 1


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("pool.no_followup_days", "thirty", "Enter a whole number."),
        ("pool.no_followup_days", 2.5, "Enter a whole number."),
        ("pool.no_followup_days", True, "Enter a whole number."),
        ("pool.no_followup_days", 0, "Must be at least 1."),
        ("pool.no_followup_days", 99999, "Must be at most 3650."),
        ("pool.won_exempt", "maybe", "Enter yes or no."),
        ("general.currency", "XYZ", "Choose a value from the list."),
        ("plans.memory_curve_days", "1,x", "Enter whole numbers of days separated by commas, e.g. 1,2,4,7."),
        (
            "numbering.customer",
            "{prefix}{dd}{seq}",
            "A day needs the month and the year, and a month needs the year.",
        ),
        ("no.such", 1, "There is no such parameter."),
    ],
)
def test_it_refuses_a_bad_value_with_a_message_on_its_code_and_saves_nothing(
    w: ConfigWorld, code: str, value: Any, message: str, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(ValidationError) as refused:
        parameters_set(actor=w.bob, unit=w.unit, values={"pool.lock_limit": 5, code: value})
    assert refused.value.message_dict == {code: [message]}
    assert stored(w.unit) == {}  # the good value in the same batch was not saved either
    assert audit_entries("core.parameter") == []


def test_someone_without_configure_or_outside_the_unit_is_refused(w: ConfigWorld) -> None:
    other = BusinessUnit.objects.create(name="二公司", code="second")
    with pytest.raises(NotPermitted):
        parameters_set(actor=w.alice, unit=w.unit, values={"pool.lock_limit": 5})
    with pytest.raises(NotPermitted):
        parameters_set(actor=w.bob, unit=other, values={"pool.lock_limit": 5})  # Bob administers his unit only
    assert ParameterValue.objects.count() == 0


def test_effective_rows_come_grouped_and_mark_overrides(w: ConfigWorld) -> None:
    parameters_set(actor=w.bob, unit=w.unit, values={"pool.lock_limit": 5})
    rows = {row.parameter.code: row for row in parameters_effective(unit=w.unit)}
    assert rows["pool.lock_limit"].value == 5
    assert rows["pool.lock_limit"].overridden
    assert not rows["pool.daily_claims"].overridden
    groups = [row.parameter.group for row in parameters_effective(unit=w.unit)]
    assert groups.index("pool") < groups.index("numbering")


# --- page -------------------------------------------------------------------------------------------


def test_the_page_saves_only_what_changed_and_shows_errors_on_the_field(w: ConfigWorld) -> None:
    client = client_for(w.bob)
    url = reverse("core:parameters")
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not False}
    data["pool.no_followup_days"] = 60
    assert client.post(url, data).status_code == 302
    assert stored(w.unit) == {"pool.no_followup_days": 60}

    data["pool.daily_claims"] = 0
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["pool.daily_claims"]
    assert stored(w.unit) == {"pool.no_followup_days": 60}


def test_fields_are_picked_by_their_labels_and_older_typed_codes_still_read(w: ConfigWorld) -> None:
    client = client_for(w.bob)
    url = reverse("core:parameters")
    page = client.get(url)
    assert 'type="checkbox" name="customers.required_fields" value="contact_mobile"' in page.text
    assert "Contact mobile</span>" in page.text and "industry, source" not in page.text
    data = {name: value for name, value in page.context["form"].initial.items() if value is not False}
    assert client.post(url, data | {"customers.required_fields": ["contact_mobile", "industry"]}).status_code == 302
    assert parameter_value("customers.required_fields", unit=w.unit) == ["industry", "contact_mobile"]
    ParameterValue.objects.filter(code="customers.required_fields").update(value="source, level")
    assert parameter_value("customers.required_fields", unit=w.unit) == ["source", "level"]
    with pytest.raises(ValidationError) as refused:
        parameters_set(actor=w.bob, unit=w.unit, values={"customers.required_fields": ["shoe_size"]})
    assert "shoe_size" in str(refused.value.message_dict["customers.required_fields"])


def test_unchecking_a_yes_no_parameter_saves_no(w: ConfigWorld) -> None:
    client = client_for(w.bob)
    url = reverse("core:parameters")
    data = {name: value for name, value in client.get(url).context["form"].initial.items() if value is not False}
    del data["pool.won_exempt"]
    client.post(url, data)
    assert parameter_value("pool.won_exempt", unit=w.unit) is False


def test_a_viewer_sees_the_parameters_read_only_and_cannot_save(w: ConfigWorld) -> None:
    client = client_for(w.alice)
    page = client.get(reverse("core:parameters"))
    assert page.status_code == 200
    assert "Save parameters" not in page.text
    assert client.post(reverse("core:parameters"), {"pool.lock_limit": 1}).status_code == 403
    assert ParameterValue.objects.count() == 0
    assert client_for(w.charlie).get(reverse("core:parameters")).status_code == 403


# --- API --------------------------------------------------------------------------------------------


def test_the_api_lists_effective_values_for_the_actors_unit(w: ConfigWorld) -> None:
    parameters_set(actor=w.bob, unit=w.unit, values={"pool.lock_limit": 5})
    body = api_for(w.alice).get("/api/v1/parameters/?page_size=200").json()
    rows = {row["code"]: row for row in body["results"]}
    assert body["count"] == len(parameters.PARAMETERS)
    assert rows["pool.lock_limit"]["value"] == 5
    assert rows["pool.lock_limit"]["default"] == 20
    assert rows["pool.lock_limit"]["overridden"] is True
    assert rows["general.currency"]["choices"][0] == {"value": "CNY", "label": "Chinese yuan (CNY)"}


def test_the_api_sets_values_with_patch_and_answers_400_per_bad_code(w: ConfigWorld) -> None:
    client = api_for(w.bob)
    response = client.patch("/api/v1/parameters/", {"pool.lock_limit": 8, "pool.won_exempt": False}, format="json")
    assert response.status_code == 200
    assert parameter_value("pool.lock_limit", unit=w.unit) == 8
    assert parameter_value("pool.won_exempt", unit=w.unit) is False
    bad = client.patch("/api/v1/parameters/", {"pool.lock_limit": -1, "pool.daily_claims": "x"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"pool.lock_limit", "pool.daily_claims"}
    assert parameter_value("pool.lock_limit", unit=w.unit) == 8
    reset = client.patch("/api/v1/parameters/", {"pool.lock_limit": None}, format="json")
    assert reset.status_code == 200
    assert parameter_value("pool.lock_limit", unit=w.unit) == 20


def test_the_api_refuses_a_patch_without_configure_and_changes_nothing(w: ConfigWorld) -> None:
    assert api_for(w.alice).patch("/api/v1/parameters/", {"pool.lock_limit": 1}, format="json").status_code == 403
    assert api_for(w.charlie).get("/api/v1/parameters/").status_code == 403
    assert ParameterValue.objects.count() == 0


def test_the_api_answers_404_for_a_unit_the_actor_may_not_configure(w: ConfigWorld) -> None:
    other = BusinessUnit.objects.create(name="二公司", code="second")
    assert api_for(w.bob).get(f"/api/v1/parameters/?unit={other.pk}").status_code == 404


def test_a_superuser_without_a_department_configures_the_first_unit(w: ConfigWorld) -> None:
    from tests.conftest import make_user

    root = make_user("root2", "管理员", is_superuser=True, language="en")
    page = client_for(root).get(reverse("core:parameters"))
    assert page.context["unit"] == w.unit
    client_for(root).post(reverse("core:parameters"), {**page.context["form"].initial, "pool.lock_limit": 9})
    assert parameter_value("pool.lock_limit", unit=w.unit) == 9
