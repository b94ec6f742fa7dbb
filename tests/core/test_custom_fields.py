from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from rest_framework import serializers

from guanxi.core.config.api import CustomFieldsSerializerMixin
from guanxi.core.config.custom_fields import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    custom_filter_q,
    custom_values_clean,
    custom_values_update,
)
from guanxi.core.config.custom_forms import (
    add_custom_fields,
    add_custom_filters,
    custom_cells,
    custom_filter_apply,
    custom_rows,
    custom_values_from,
)
from guanxi.core.config.dictionary import (
    dictionary_item_create,
    dictionary_item_update,
    dictionary_type_create,
)
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.forms import show_error
from guanxi.core.models import CustomField, DictionaryItem, DictionaryType
from guanxi.org.models import BusinessUnit, User
from tests.conftest import client_for

from .config_world import ConfigWorld, api_for, audit_entries


class Fields:
    """A field of every type on users; grades come from a dictionary type of the admin's own."""

    def __init__(self, w: ConfigWorld) -> None:
        self.grades = dictionary_type_create(actor=w.bob, code="grade", name="职级")
        for code, label in [("p5", "P5"), ("p6", "P6"), ("p7", "P7")]:
            dictionary_item_create(actor=w.bob, type=self.grades, label=label, code=code)
        specs: list[tuple[str, str, str, dict[str, Any]]] = [
            ("employee_no", "工号", "text", {"required": True, "show_in_list": True}),
            ("height", "身高", "number", {}),
            ("allowance", "补贴", "money", {"show_in_list": True}),
            ("hire_date", "入职日期", "date", {}),
            ("grade", "职级", "choice", {"dictionary_type": self.grades, "show_in_list": True}),
            ("grades", "历任职级", "multi_choice", {"dictionary_type": self.grades}),
            ("mentor", "导师", "user", {"show_in_list": True}),
            ("remote", "远程办公", "boolean", {}),
        ]
        self.by_key = {
            key: custom_field_create(actor=w.bob, model="org.user", key=key, label=label, type=type, **extra)
            for key, label, type, extra in specs
        }


@pytest.fixture
def w(db: None) -> ConfigWorld:
    return ConfigWorld()


@pytest.fixture
def f(w: ConfigWorld) -> Fields:
    return Fields(w)


def world_unit() -> int:
    """The world's unit, whose administrator (Bob) made the fields."""
    return BusinessUnit.objects.get(code="test").pk


def clean(values: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    return custom_values_clean(model=User, unit=world_unit(), values=values, current=current)


def errors_of(values: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, list[str]]:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        clean(values, current)
    return refused.value.message_dict


# --- definitions ------------------------------------------------------------------------------------


def test_fields_keep_the_order_they_were_added_in_and_are_audited(w: ConfigWorld, f: Fields) -> None:
    keys = list(CustomField.objects.filter(model="org.user").values_list("key", flat=True))
    assert keys == ["employee_no", "height", "allowance", "hire_date", "grade", "grades", "mentor", "remote"]
    [entry] = audit_entries("core.customfield", object_id=str(f.by_key["grade"].pk))
    assert entry.action == "create"
    assert entry.changes["dictionary_type"] == [None, f.grades.pk]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"key": "Bad Key", "type": "text"}, "key"),
        ({"key": "employee_no", "type": "text"}, "key"),  # taken
        ({"key": "level", "type": "choice"}, "dictionary_type"),  # choices from where?
        ({"key": "level", "type": "colour"}, "type"),
    ],
)
def test_it_refuses_a_bad_field_definition(w: ConfigWorld, f: Fields, values: dict[str, Any], field: str) -> None:
    before = CustomField.objects.count()
    with pytest.raises(DomainError) as refused:
        custom_field_create(actor=w.bob, model="org.user", label="级别", **values)
    assert refused.value.field == field
    assert CustomField.objects.count() == before


def test_a_field_without_a_key_gets_one_and_an_empty_label_is_refused(w: ConfigWorld) -> None:
    made = custom_field_create(actor=w.bob, model="org.user", label="爱好", type="text")
    assert made.key == "field1"
    with pytest.raises(ValidationError) as refused:
        custom_field_create(actor=w.bob, model="org.user", label="", type="text")
    assert "label" in refused.value.message_dict


def test_key_and_type_are_fixed_but_label_and_flags_change(w: ConfigWorld, f: Fields) -> None:
    field = f.by_key["height"]
    custom_field_update(actor=w.bob, field=field, label="身高(cm)", required=True)
    field.refresh_from_db()
    assert (field.label, field.required) == ("身高(cm)", True)
    with pytest.raises(DomainError) as refused:
        custom_field_update(actor=w.bob, field=field, type="text")
    assert refused.value.field == "type"
    assert CustomField.objects.get(pk=field.pk).type == "number"


def test_someone_without_configure_cannot_define_fields(w: ConfigWorld, f: Fields) -> None:
    with pytest.raises(NotPermitted):
        custom_field_create(actor=w.alice, model="org.user", label="爱好", type="text")
    with pytest.raises(NotPermitted):
        custom_field_update(actor=w.alice, field=f.by_key["height"], is_enabled=False)
    with pytest.raises(NotPermitted):
        custom_field_delete(actor=w.charlie, field=f.by_key["height"])
    assert CustomField.objects.filter(is_enabled=True).count() == 8


def test_a_field_with_values_cannot_be_deleted_only_disabled_keeping_the_values(w: ConfigWorld, f: Fields) -> None:
    User.objects.filter(pk=w.alice.pk).update(custom={"employee_no": "A1", "height": 170})
    with pytest.raises(Conflict) as refused:
        custom_field_delete(actor=w.bob, field=f.by_key["height"])
    assert refused.value.code == "in_use"

    custom_field_update(actor=w.bob, field=f.by_key["height"], is_enabled=False)
    # Editing the record no longer offers the field, and keeps its value.
    after = clean({"employee_no": "A2"}, current={"employee_no": "A1", "height": 170})
    assert after == {"employee_no": "A2", "height": 170}

    unused = f.by_key["remote"]
    custom_field_delete(actor=w.bob, field=unused)
    assert not CustomField.objects.filter(key="remote").exists()


# --- values -----------------------------------------------------------------------------------------


def test_good_values_of_every_type_are_stored_plainly(w: ConfigWorld, f: Fields) -> None:
    values = {
        "employee_no": " HX0001 ",
        "height": "172.5",
        "allowance": Decimal("1200.50"),
        "hire_date": date(2024, 3, 1),
        "grade": "p6",
        "grades": ["p5", "p6", "p5"],
        "mentor": w.bob,
        "remote": "on",
    }
    assert clean(values) == {
        "employee_no": "HX0001",
        "height": 172.5,
        "allowance": 1200.5,
        "hire_date": "2024-03-01",
        "grade": "p6",
        "grades": ["p5", "p6"],
        "mentor": w.bob.pk,
        "remote": True,
    }


def test_empty_values_are_left_out(w: ConfigWorld, f: Fields) -> None:
    assert clean({"employee_no": "A1", "height": "", "grades": [], "mentor": None}) == {"employee_no": "A1"}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("height", "tall", "Enter a number."),
        ("height", True, "Enter a number."),
        ("height", "1e20", "Enter a number."),
        ("allowance", "10.005", "Use at most 2 decimal places."),
        ("hire_date", "2024-02-30", "Enter a date as YYYY-MM-DD."),
        ("grade", "p9", "Choose a value from the list."),
        ("grades", ["p5", "p9"], "Choose values from the list."),
        ("grades", "p5", "Choose values from the list."),
        ("mentor", 999999, "Choose an active user."),
        ("mentor", "someone", "Choose a user."),
        ("remote", "perhaps", "Enter yes or no."),
        ("employee_no", "x" * 501, "At most 500 characters."),
        ("nickname", "x", "There is no such field."),
    ],
)
def test_a_bad_value_is_refused_on_its_field(w: ConfigWorld, f: Fields, key: str, value: Any, message: str) -> None:
    assert errors_of({"employee_no": "A1", key: value}) == {f"custom.{key}": [message]}


def test_a_required_field_must_be_filled(w: ConfigWorld, f: Fields) -> None:
    assert errors_of({"employee_no": "  "}) == {"custom.employee_no": ["This field is required."]}


def test_a_disabled_option_or_departed_user_stays_valid_on_the_record_that_has_it(w: ConfigWorld, f: Fields) -> None:
    dictionary_item_update(actor=w.bob, item=DictionaryItem.objects.get(type=f.grades, code="p5"), is_enabled=False)
    User.objects.filter(pk=w.charlie.pk).update(status=User.Status.LEFT)
    current = {"employee_no": "A1", "grade": "p5", "grades": ["p5"], "mentor": w.charlie.pk}
    assert clean(dict(current), current=current) == current
    assert set(errors_of({"employee_no": "A1", "grade": "p5", "mentor": w.charlie.pk})) == {
        "custom.grade",
        "custom.mentor",
    }


def test_updating_a_records_values_merges_checks_and_audits(w: ConfigWorld, f: Fields) -> None:
    custom_values_update(actor=w.bob, obj=w.alice, values={"employee_no": "A1", "grade": "p6"})
    custom_values_update(actor=w.bob, obj=w.alice, values={"grade": "p7"})
    w.alice.refresh_from_db()
    assert w.alice.custom == {"employee_no": "A1", "grade": "p7"}
    entry = audit_entries("org.user", object_id=str(w.alice.pk))[-1]
    assert entry.changes == {"custom.grade": ["p6", "p7"]}

    with pytest.raises(ValidationError):
        custom_values_update(actor=w.bob, obj=w.alice, values={"grade": "p9"})
    with pytest.raises(NotPermitted):
        custom_values_update(actor=w.alice, obj=w.alice, values={"grade": "p5"})
    w.alice.refresh_from_db()
    assert w.alice.custom["grade"] == "p7"


# --- forms, pages and lists -------------------------------------------------------------------------


class UserForm(forms.Form):
    display_name = forms.CharField()


def test_a_form_gets_the_custom_fields_with_the_records_values(w: ConfigWorld, f: Fields) -> None:
    w.alice.custom = {"employee_no": "A1", "hire_date": "2024-03-01", "grades": ["p5"], "mentor": w.bob.pk}
    form = UserForm()
    names = add_custom_fields(form, User, w.unit.pk, w.alice)
    assert names[0] == "custom.employee_no"
    assert next(iter(form.fields)) == "display_name"
    assert form.fields["custom.employee_no"].required
    assert form["custom.hire_date"].initial == date(2024, 3, 1)
    assert [code for code, _label in form.fields["custom.grade"].choices] == ["", "p5", "p6", "p7"]  # type: ignore[attr-defined]


def test_a_submitted_form_round_trips_through_the_service_and_errors_land_on_fields(w: ConfigWorld, f: Fields) -> None:
    data = {
        "display_name": "李爱丽",
        "custom.employee_no": "A9",
        "custom.height": "170",
        "custom.hire_date": "2024-03-01",
        "custom.grades": ["p5", "p7"],
        "custom.mentor": str(w.bob.pk),
        "custom.remote": "on",
    }
    form = UserForm(data)
    add_custom_fields(form, User, w.unit.pk)
    assert form.is_valid(), form.errors
    assert clean(custom_values_from(form))["grades"] == ["p5", "p7"]

    form = UserForm({"display_name": "李爱丽", "custom.employee_no": "A9"})
    add_custom_fields(form, User, w.unit.pk)
    assert form.is_valid()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        clean({**custom_values_from(form), "grade": "p9"})
    show_error(form, refused.value)
    assert form.errors["custom.grade"] == ["Choose a value from the list."]


def test_detail_rows_and_list_cells_show_labels_not_codes(w: ConfigWorld, f: Fields) -> None:
    w.alice.custom = {
        "employee_no": "A1",
        "allowance": 1200.5,
        "grade": "p6",
        "grades": ["p5", "p7"],
        "mentor": w.bob.pk,
        "remote": True,
    }
    with translation.override("en"):
        rows = dict(custom_rows(w.alice))
    assert rows["职级"] == "P6"
    assert rows["历任职级"] == "P5、P7"
    assert rows["导师"] == w.bob.display_name
    assert rows["远程办公"] == "Yes"
    assert rows["补贴"] == "CN¥1,200.50"
    assert rows["身高"] == ""

    columns = custom_cells(User, w.unit.pk, [w.alice, w.charlie])
    assert [column.key for column in columns] == ["employee_no", "allowance", "grade", "mentor"]
    assert w.alice.custom_cells[2] == "P6"  # type: ignore[attr-defined]
    assert w.charlie.custom_cells == ["", "", "", ""]  # type: ignore[attr-defined]


def test_the_template_tag_renders_a_records_custom_rows(w: ConfigWorld, f: Fields) -> None:
    from django.template import Context, Template

    w.alice.custom = {"employee_no": "A1", "grade": "p7"}
    html = Template("{% load custom_fields %}<dl>{% custom_field_rows person %}</dl>").render(
        Context({"person": w.alice})
    )
    assert '<dt class="col-5">职级</dt><dd class="col-7">P7</dd>' in html
    assert '<dt class="col-5">工号</dt><dd class="col-7">A1</dd>' in html


# --- filters ----------------------------------------------------------------------------------------


@pytest.fixture
def filled(w: ConfigWorld, f: Fields) -> ConfigWorld:
    values = {
        "alice": {"employee_no": "SH-001", "height": 165, "allowance": 800.5, "hire_date": "2021-05-01",
                  "grade": "p5", "grades": ["p5"], "mentor": w.bob.pk, "remote": True},
        "bob": {"employee_no": "SH-002", "height": 180, "allowance": 1500, "hire_date": "2019-01-15",
                "grade": "p7", "grades": ["p5", "p6", "p7"], "remote": False},
        "charlie": {"employee_no": "BJ-001", "height": 172.5, "hire_date": "2023-09-30", "grade": "p6",
                    "grades": ["p6"]},
    }  # fmt: skip
    for username, custom in values.items():
        User.objects.filter(username=username).update(custom=custom)
    return w


def usernames(**lookup: Any) -> list[str]:
    field = CustomField.objects.get(model="org.user", key=lookup.pop("key"))
    return sorted(User.objects.filter(custom_filter_q(field, **lookup)).values_list("username", flat=True))


def test_filters_by_custom_values_on_this_database(filled: ConfigWorld) -> None:
    assert usernames(key="employee_no", value="sh-") == ["alice", "bob"]
    assert usernames(key="height", low=170) == ["bob", "charlie"]
    assert usernames(key="height", low=Decimal("165"), high=Decimal("172.5")) == ["alice", "charlie"]
    assert usernames(key="allowance", high="1000") == ["alice"]
    assert usernames(key="hire_date", low=date(2020, 1, 1), high="2022-12-31") == ["alice"]
    assert usernames(key="grade", value="p6") == ["charlie"]
    assert usernames(key="grades", value="p5") == ["alice", "bob"]
    assert usernames(key="grades", value="p") == []  # whole codes only
    assert usernames(key="mentor", value=filled.bob) == ["alice"]
    assert usernames(key="remote", value=True) == ["alice"]
    assert usernames(key="remote", value=False) == ["bob"]


def test_a_filter_form_gets_custom_filters_and_applies_them(filled: ConfigWorld) -> None:
    form = forms.Form({"custom.grades": "p6", "custom.height.from": "170", "custom.remote": ""})
    add_custom_filters(form, User, filled.unit.pk)
    assert {"custom.height.from", "custom.height.to", "custom.grades", "custom.remote"} <= set(form.fields)
    assert form.is_valid(), form.errors
    found = custom_filter_apply(User.objects.all(), User, filled.unit.pk, form.cleaned_data)
    assert sorted(found.values_list("username", flat=True)) == ["bob", "charlie"]


# --- API --------------------------------------------------------------------------------------------


class UserSerializer(CustomFieldsSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["display_name", "custom"]


def test_the_serializer_mixin_merges_and_checks_custom_values(w: ConfigWorld, f: Fields) -> None:
    w.alice.custom = {"employee_no": "A1", "grade": "p5"}
    serializer = UserSerializer(w.alice, data={"custom": {"grade": "p6", "height": 170}}, partial=True)
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["custom"] == {"employee_no": "A1", "grade": "p6", "height": 170}

    with translation.override("en"):
        bad = UserSerializer(w.alice, data={"custom": {"grade": "p9", "employee_no": None}}, partial=True)
        assert not bad.is_valid()
    assert bad.errors == {
        "custom": {"employee_no": ["This field is required."], "grade": ["Choose a value from the list."]}
    }
    assert UserSerializer(w.alice).data["custom"] == {"employee_no": "A1", "grade": "p5"}


def test_the_api_defines_lists_and_deletes_custom_fields(w: ConfigWorld, f: Fields) -> None:
    client = api_for(w.bob)
    created = client.post(
        "/api/v1/custom-fields/",
        {"model": "org.user", "key": "shirt", "label": "尺码", "type": "choice", "dictionary_type": "grade"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["dictionary_type"] == "grade"
    listed = client.get("/api/v1/custom-fields/?model=org.user&page_size=50").json()
    assert [row["key"] for row in listed["results"]][-1] == "shirt"

    renamed = client.patch(f"/api/v1/custom-fields/{body['id']}/", {"label": "衣服尺码"}, format="json")
    assert renamed.json()["label"] == "衣服尺码"
    retyped = client.patch(f"/api/v1/custom-fields/{body['id']}/", {"type": "text"}, format="json")
    assert retyped.status_code == 400
    assert "type" in retyped.json()
    assert client.delete(f"/api/v1/custom-fields/{body['id']}/").status_code == 204


def test_the_api_refuses_bad_definitions_and_deleting_a_field_in_use(w: ConfigWorld, f: Fields) -> None:
    client = api_for(w.bob)
    bad = client.post("/api/v1/custom-fields/", {"model": "org.user", "label": "级别", "type": "choice"}, format="json")
    assert bad.status_code == 400
    assert "dictionary_type" in bad.json()
    unknown = client.post("/api/v1/custom-fields/", {"model": "no.such", "label": "x", "type": "text"}, format="json")
    assert unknown.status_code == 404
    User.objects.filter(pk=w.alice.pk).update(custom={"employee_no": "A1"})
    in_use = client.delete(f"/api/v1/custom-fields/{f.by_key['employee_no'].pk}/")
    assert in_use.status_code == 409
    assert in_use.json()["code"] == "in_use"


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_the_api_refuses_field_changes_without_configure(w: ConfigWorld, f: Fields, who: str) -> None:
    client = api_for(getattr(w, who))
    field = f.by_key["height"]
    new = {"model": "org.user", "label": "爱好", "type": "text"}
    assert client.post("/api/v1/custom-fields/", new, format="json").status_code == 403
    assert client.patch(f"/api/v1/custom-fields/{field.pk}/", {"label": "x"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/custom-fields/{field.pk}/").status_code == 403
    assert CustomField.objects.get(pk=field.pk).label == "身高"
    assert CustomField.objects.count() == 8


# --- pages ------------------------------------------------------------------------------------------


def test_an_admin_adds_a_field_on_the_page_and_sees_it_in_the_form_preview(w: ConfigWorld) -> None:
    client = client_for(w.bob)
    url = reverse("core:custom_fields", args=["org.user"])
    grade = DictionaryType.objects.get(code="credit_rating")
    response = client.post(url, {"label": "信用", "type": "choice", "dictionary_type": grade.pk, "key": ""})
    assert response.status_code == 302
    page = client.get(url)
    assert "信用" in page.text
    assert "custom.field1" in page.context["preview"].fields
    missing = client.post(url, {"label": "级别", "type": "choice"})
    assert missing.context["form"].errors["dictionary_type"]


def test_the_edit_toggle_move_and_delete_pages_work(w: ConfigWorld, f: Fields) -> None:
    client = client_for(w.bob)
    height = f.by_key["height"]
    response = client.post(
        reverse("core:custom_field", args=[height.pk]),
        {"label": "身高(cm)", "is_enabled": "on", "required": "on"},
    )
    assert response.status_code == 302
    height.refresh_from_db()
    assert (height.label, height.required) == ("身高(cm)", True)
    client.post(reverse("core:custom_field_move", args=[height.pk]), {"direction": "up"})
    assert list(CustomField.objects.values_list("key", flat=True))[:2] == ["height", "employee_no"]
    client.post(reverse("core:custom_field_toggle", args=[height.pk]))
    assert not CustomField.objects.get(pk=height.pk).is_enabled
    User.objects.filter(pk=w.alice.pk).update(custom={"height": 170})
    confirm = client.get(reverse("core:custom_field_delete", args=[height.pk]))
    assert "cannot be deleted" in confirm.text
    client.post(reverse("core:custom_field_delete", args=[height.pk]))
    assert CustomField.objects.filter(pk=height.pk).exists()


def test_a_viewer_sees_the_fields_but_no_buttons_and_is_refused(w: ConfigWorld, f: Fields) -> None:
    client = client_for(w.alice)
    page = client.get(reverse("core:custom_fields", args=["org.user"]))
    assert page.status_code == 200
    assert "工号" in page.text
    assert "Add field" not in page.text
    assert (
        client.post(reverse("core:custom_fields", args=["org.user"]), {"label": "x", "type": "text"}).status_code == 403
    )
    assert client.post(reverse("core:custom_field_toggle", args=[f.by_key["height"].pk])).status_code == 403
    assert CustomField.objects.filter(is_enabled=True).count() == 8
    types = client.get(reverse("core:custom_field_types"))
    assert "Users" in types.text
    assert "8 fields" in types.text
    assert client_for(w.charlie).get(reverse("core:custom_field_types")).status_code == 403
    assert client.get(reverse("core:custom_fields", args=["no.such"])).status_code == 404
