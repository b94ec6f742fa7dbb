"""Configuration is isolated by business unit (SPEC §1.1, §14): for each type, a unit administrator changes
only their own unit's, group-wide items need the all-units scope, and no unit's change reaches another's
forms, validation or API. Decisions: docs/decisions.md, "Configuration by business unit"."""

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from guanxi.activities.models import PlanTemplate
from guanxi.core.config.custom_fields import custom_field_create, custom_field_update
from guanxi.core.config.dictionary import dictionary_item_create, dictionary_type_create
from guanxi.core.config.parameters import parameter_units, parameter_value, parameters_set
from guanxi.core.errors import NotPermitted
from guanxi.core.models import CustomField, DictionaryItem, DictionaryType
from guanxi.customers.models import Customer
from guanxi.org.models import Role
from guanxi.sales.models import Pipeline
from tests.conftest import TwoUnits, client_for, grant

STAGES = [
    {"name": "接洽", "probability": 20},
    {"name": "成交", "kind": "won", "probability": 100},
    {"name": "失败", "kind": "lost"},
]


def api(user: Any) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


# --- custom fields ----------------------------------------------------------------------------------


def b_required_field(units: TwoUnits) -> CustomField:
    return custom_field_create(
        actor=units.ben, model="customers.customer", key="dealer_code", label="经销商编码", type="text", required=True
    )


def test_a_units_required_custom_field_applies_to_its_own_records_only(two_units: TwoUnits) -> None:
    field = b_required_field(two_units)
    assert field.business_unit_id == two_units.unit_b.pk

    created = api(two_units.alice).post("/api/v1/customers/", {"name": "上海甲公司"}, format="json")
    assert created.status_code == 201, created.json()
    refused = api(two_units.bella).post("/api/v1/customers/", {"name": "杭州乙公司"}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"custom.dealer_code": ["This field is required."]}
    sent = api(two_units.bella).post(
        "/api/v1/customers/", {"name": "杭州乙公司", "custom": {"dealer_code": "HZ-1"}}, format="json"
    )
    assert sent.status_code == 201, sent.json()
    # Unit A's people may not even send it: the field does not exist for them.
    foreign = api(two_units.alice).post(
        "/api/v1/customers/", {"name": "上海丙公司", "custom": {"dealer_code": "X"}}, format="json"
    )
    assert foreign.status_code == 400
    assert foreign.json() == {"custom.dealer_code": ["There is no such field."]}


def test_a_units_custom_field_is_not_on_another_units_form(two_units: TwoUnits) -> None:
    b_required_field(two_units)
    assert "经销商编码" not in client_for(two_units.alice).get(reverse("customers:create")).content.decode()
    assert "经销商编码" in client_for(two_units.bella).get(reverse("customers:create")).content.decode()


def test_a_unit_admin_neither_sees_nor_changes_another_units_custom_field(two_units: TwoUnits) -> None:
    field = b_required_field(two_units)
    admin_a = api(two_units.ada)
    assert field.pk not in [row["id"] for row in admin_a.get("/api/v1/custom-fields/").json()["results"]]
    assert admin_a.patch(f"/api/v1/custom-fields/{field.pk}/", {"required": False}, format="json").status_code == 404
    assert admin_a.delete(f"/api/v1/custom-fields/{field.pk}/").status_code == 404
    assert client_for(two_units.ada).get(reverse("core:custom_field", args=[field.pk])).status_code == 404
    with pytest.raises(NotPermitted):
        custom_field_update(actor=two_units.ada, field=field, required=False)
    assert CustomField.objects.get(pk=field.pk).required


def test_a_group_wide_custom_field_needs_the_all_units_scope(two_units: TwoUnits) -> None:
    field = custom_field_create(actor=two_units.gina, model="customers.customer", label="集团编号", type="text")
    assert field.business_unit_id is None
    refused = api(two_units.ben).patch(f"/api/v1/custom-fields/{field.pk}/", {"required": True}, format="json")
    assert refused.status_code == 403
    assert (
        api(two_units.gina)
        .patch(f"/api/v1/custom-fields/{field.pk}/", {"label": "集团客户号"}, format="json")
        .status_code
        == 200
    )
    assert "集团客户号" in client_for(two_units.alice).get(reverse("customers:create")).content.decode()


# --- dictionary -------------------------------------------------------------------------------------


def test_built_in_dictionary_types_are_group_wide(two_units: TwoUnits) -> None:
    before = DictionaryItem.objects.filter(type__code="industry").count()
    added = api(two_units.ben).post("/api/v1/dictionary/industry/", {"label": "新能源"}, format="json")
    assert added.status_code == 403
    first = DictionaryItem.objects.filter(type__code="industry").first()
    assert first is not None
    renamed = api(two_units.ben).patch(f"/api/v1/dictionary/industry/{first.code}/", {"label": "改名"}, format="json")
    assert renamed.status_code == 403
    page = client_for(two_units.ben).post(reverse("core:dictionary_type", args=["industry"]), {"label": "新能源"})
    assert page.status_code == 200 and 'name="label"' not in page.content.decode()  # no form to add one
    assert DictionaryItem.objects.filter(type__code="industry").count() == before
    assert DictionaryItem.objects.get(pk=first.pk).label == first.label
    assert (
        api(two_units.gina).post("/api/v1/dictionary/industry/", {"label": "新能源"}, format="json").status_code == 201
    )


def test_a_units_own_dictionary_type_is_hidden_from_and_closed_to_other_units(two_units: TwoUnits) -> None:
    grades = dictionary_type_create(actor=two_units.ben, code="dealer_grade", name="经销商等级")
    assert grades.business_unit_id == two_units.unit_b.pk
    assert (
        api(two_units.ben).post("/api/v1/dictionary/dealer_grade/", {"label": "一级"}, format="json").status_code == 201
    )
    admin_a = api(two_units.ada)
    assert admin_a.get("/api/v1/dictionary/dealer_grade/").status_code == 404
    assert admin_a.post("/api/v1/dictionary/dealer_grade/", {"label": "二级"}, format="json").status_code == 404
    assert "dealer_grade" not in [row["code"] for row in admin_a.get("/api/v1/dictionary/").json()["results"]]
    assert client_for(two_units.ada).get(reverse("core:dictionary_type", args=["dealer_grade"])).status_code == 404
    with pytest.raises(NotPermitted):
        dictionary_item_create(actor=two_units.ada, type=grades, label="二级")
    assert list(grades.items.values_list("label", flat=True)) == ["一级"]


def test_a_custom_field_takes_its_choices_from_its_own_units_types_only(two_units: TwoUnits) -> None:
    grades = dictionary_type_create(actor=two_units.ben, code="dealer_grade", name="经销商等级")
    refused = api(two_units.ada).post(
        "/api/v1/custom-fields/",
        {"model": "customers.customer", "label": "等级", "type": "choice", "dictionary_type": grades.code},
        format="json",
    )
    assert refused.status_code == 400 and "dictionary_type" in refused.json()
    assert not CustomField.objects.filter(label="等级").exists()


# --- pipelines --------------------------------------------------------------------------------------


def test_a_shared_pipeline_needs_the_all_units_scope(two_units: TwoUnits) -> None:
    shared = Pipeline.objects.filter(business_unit__isnull=True).first()
    assert shared is not None
    stages = [
        {"id": stage.pk, "name": f"{stage.name}改", "kind": stage.kind, "probability": stage.probability}
        for stage in shared.stages.all()
    ]
    body = {"name": "改名", "code": shared.code, "stages": stages}
    assert api(two_units.ben).put(f"/api/v1/pipelines/{shared.pk}/", body, format="json").status_code == 403
    assert Pipeline.objects.get(pk=shared.pk).name == shared.name
    assert api(two_units.gina).put(f"/api/v1/pipelines/{shared.pk}/", body, format="json").status_code == 200


def test_a_units_pipeline_is_its_own_and_its_default_leaves_other_units_alone(two_units: TwoUnits) -> None:
    shared_default = Pipeline.objects.get(business_unit__isnull=True, is_default=True)
    body = {"name": "杭州经销", "code": "hangzhou-dealers", "is_default": True, "stages": STAGES}
    created = api(two_units.ben).post("/api/v1/pipelines/", body, format="json")
    assert created.status_code == 201, created.json()
    pipeline = Pipeline.objects.get(pk=created.json()["id"])
    assert pipeline.business_unit_id == two_units.unit_b.pk
    assert Pipeline.objects.get(pk=shared_default.pk).is_default  # unit A's default stays
    admin_a = api(two_units.ada)
    assert pipeline.pk not in [row["id"] for row in admin_a.get("/api/v1/pipelines/").json()["results"]]
    assert admin_a.get(f"/api/v1/pipelines/{pipeline.pk}/").status_code == 404
    assert admin_a.put(f"/api/v1/pipelines/{pipeline.pk}/", body, format="json").status_code == 404
    assert client_for(two_units.ada).get(reverse("sales:pipeline_edit", args=[pipeline.pk])).status_code == 404
    from guanxi.sales.services import default_pipeline

    assert default_pipeline(two_units.unit_b.pk) == pipeline
    assert default_pipeline(two_units.unit.pk) == shared_default
    from guanxi.sales.selectors import pipeline_for

    assert pipeline_for(actor=two_units.bella) == pipeline  # the board opens on the unit's own default
    assert pipeline_for(actor=two_units.alice) == shared_default


# --- parameters and numbering -----------------------------------------------------------------------


def test_a_unit_admin_sets_only_their_own_units_parameters(two_units: TwoUnits) -> None:
    # Ben also reads the group's figures: organisation-wide sight does not widen his configuration.
    grant(two_units.ben, "unit_admin", "group_management")
    url = f"/api/v1/parameters/?unit={two_units.unit.pk}"
    assert api(two_units.ben).patch(url, {"pool.daily_claims": 7}, format="json").status_code == 403
    with pytest.raises(NotPermitted):
        parameters_set(actor=two_units.ben, unit=two_units.unit, values={"pool.daily_claims": 7})
    own = f"/api/v1/parameters/?unit={two_units.unit_b.pk}"
    assert api(two_units.ben).patch(own, {"pool.daily_claims": 7}, format="json").status_code == 200
    assert parameter_value("pool.daily_claims", unit=two_units.unit_b) == 7
    assert parameter_value("pool.daily_claims", unit=two_units.unit) != 7
    # The page and the API show the units of parameter_units: Ada's own only; every unit to Ben, who may
    # read the group's settings but set only his unit's, and to Gina.
    assert parameter_units(actor=two_units.ada) == [two_units.unit]
    assert set(parameter_units(actor=two_units.ben)) == {two_units.unit, two_units.unit_b}
    assert set(parameter_units(actor=two_units.gina)) == {two_units.unit, two_units.unit_b}


def test_each_unit_numbers_its_records_in_its_own_format(two_units: TwoUnits) -> None:
    parameters_set(actor=two_units.ben, unit=two_units.unit_b, values={"numbering.customer": "HZ{yyyy}{seq:5}"})
    b = api(two_units.bella).post("/api/v1/customers/", {"name": "杭州编号公司"}, format="json")
    a = api(two_units.alice).post("/api/v1/customers/", {"name": "上海编号公司"}, format="json")
    assert Customer.objects.get(pk=b.json()["id"]).number.startswith("HZ")
    assert Customer.objects.get(pk=a.json()["id"]).number.startswith("KH")


# --- plan templates ---------------------------------------------------------------------------------

TEMPLATE = {"name": "杭州回访", "event": "manual", "steps": [{"subject": "三天回访", "kind": "call", "offset_days": 3}]}


def test_a_shipped_plan_template_needs_the_all_units_scope(two_units: TwoUnits) -> None:
    shipped = PlanTemplate.objects.get(code="post_purchase")
    assert (
        api(two_units.ben).patch(f"/api/v1/plan-templates/{shipped.pk}/", {"active": False}, format="json").status_code
        == 403
    )
    assert client_for(two_units.ben).get(reverse("activities:template_edit", args=[shipped.pk])).status_code == 403
    assert PlanTemplate.objects.get(pk=shipped.pk).active
    assert (
        api(two_units.gina).patch(f"/api/v1/plan-templates/{shipped.pk}/", {"active": False}, format="json").status_code
        == 200
    )


def test_a_units_plan_template_is_hidden_from_and_unusable_by_other_units(two_units: TwoUnits) -> None:
    created = api(two_units.ben).post("/api/v1/plan-templates/", TEMPLATE, format="json")
    assert created.status_code == 201, created.json()
    template = PlanTemplate.objects.get(pk=created.json()["id"])
    assert template.business_unit_id == two_units.unit_b.pk
    shipped = PlanTemplate.objects.get(code="post_purchase").pk
    for user, sees in ((two_units.ada, False), (two_units.alice, False), (two_units.gina, True)):
        listed = [row["id"] for row in api(user).get("/api/v1/plan-templates/").json()["results"]]
        assert (template.pk in listed) is sees  # the group's and their unit's; every unit's to Gina
        assert shipped in listed
    page = client_for(two_units.alice).get(reverse("activities:templates")).content.decode()
    assert "杭州回访" not in page
    assert (
        api(two_units.ada).patch(f"/api/v1/plan-templates/{template.pk}/", {"active": False}, format="json").status_code
        == 404
    )
    assert client_for(two_units.ada).get(reverse("activities:template_edit", args=[template.pk])).status_code == 404
    customer = api(two_units.alice).post("/api/v1/customers/", {"name": "上海模板公司"}, format="json").json()
    # Gina sees every unit's templates, but a unit B template never applies to a unit A customer.
    applied = api(two_units.gina).post(
        f"/api/v1/plan-templates/{template.pk}/apply/", {"customer": customer["id"]}, format="json"
    )
    assert applied.status_code == 400 and applied.json()["template"] == [
        "This template belongs to another business unit."
    ]
    tab = client_for(two_units.gina).get(reverse("activities:customer_followups", args=[customer["id"]]))
    offered = tab.content.decode()  # the "Apply template" choices
    assert PlanTemplate.objects.get(code="post_purchase").name in offered and "杭州回访" not in offered


# --- roles ------------------------------------------------------------------------------------------

ROLE = {"name": "杭州查看", "code": "hz-viewer", "permissions": ["customers.view"], "data_scope": "own"}


def test_default_roles_are_group_wide(two_units: TwoUnits) -> None:
    salesperson = Role.objects.get(code="salesperson")
    body = {"name": salesperson.name, "code": "salesperson", "permissions": ["customers.view"], "data_scope": "own"}
    assert api(two_units.ben).patch(f"/api/v1/roles/{salesperson.pk}/", body, format="json").status_code == 403
    assert "customers.create" in Role.objects.get(pk=salesperson.pk).permissions


def test_a_units_role_is_hidden_from_and_not_granted_in_other_units(two_units: TwoUnits) -> None:
    created = api(two_units.ben).post("/api/v1/roles/", ROLE, format="json")
    assert created.status_code == 201, created.json()
    role = Role.objects.get(pk=created.json()["id"])
    assert role.business_unit_id == two_units.unit_b.pk and created.json()["business_unit"] == two_units.unit_b.pk
    admin_a = api(two_units.ada)
    assert role.pk not in [row["id"] for row in admin_a.get("/api/v1/roles/").json()["results"]]
    assert admin_a.patch(f"/api/v1/roles/{role.pk}/", ROLE, format="json").status_code == 404
    assert admin_a.delete(f"/api/v1/roles/{role.pk}/").status_code == 404
    assert client_for(two_units.ada).get(reverse("org:role_edit", args=[role.pk])).status_code == 404
    given = api(two_units.gina).patch(f"/api/v1/users/{two_units.alice.pk}/", {"roles": [role.pk]}, format="json")
    assert given.status_code == 400 and "roles" in given.json()
    assert not two_units.alice.roles.filter(pk=role.pk).exists()
    assert (
        api(two_units.ben)
        .patch(f"/api/v1/users/{two_units.bella.pk}/", {"roles": [role.pk]}, format="json")
        .status_code
        == 200
    )


# --- the reads go through the gate ------------------------------------------------------------------


def test_the_gate_shows_group_wide_and_own_unit_configuration_and_everything_to_all_units_scope(
    two_units: TwoUnits,
) -> None:
    b_type = dictionary_type_create(actor=two_units.ben, code="dealer_grade", name="经销商等级")
    b_field = b_required_field(two_units)
    for model, row in ((DictionaryType, b_type), (CustomField, b_field)):
        assert model.objects.visible_to(two_units.ben).filter(pk=row.pk).exists()
        assert not model.objects.visible_to(two_units.ada).filter(pk=row.pk).exists()
        assert model.objects.visible_to(two_units.gina).filter(pk=row.pk).exists()
    assert DictionaryType.objects.visible_to(two_units.ada).filter(code="industry").exists()


# --- the matrix: every configuration endpoint, three administrators, two owners ------------------------


def unit_b_items(units: TwoUnits) -> dict[str, Any]:
    """One item of each type owned by unit B (made by Ben) and one group-wide."""
    grades = dictionary_type_create(actor=units.ben, code="dealer_grade", name="经销商等级")
    pipeline = api(units.ben).post(
        "/api/v1/pipelines/", {"name": "杭州", "code": "hz", "stages": STAGES}, format="json"
    )
    template = api(units.ben).post("/api/v1/plan-templates/", TEMPLATE, format="json")
    role = api(units.ben).post("/api/v1/roles/", ROLE, format="json")
    return {
        "custom field": (
            b_required_field(units).pk,
            CustomField.objects.create(model="customers.customer", key="g", label="集团", type="text").pk,
        ),
        "dictionary": (grades.code, "industry"),
        "pipeline": (pipeline.json()["id"], Pipeline.objects.get(business_unit__isnull=True, is_default=True).pk),
        "plan template": (template.json()["id"], PlanTemplate.objects.get(code="post_purchase").pk),
        "role": (role.json()["id"], Role.objects.get(code="salesperson").pk),
    }


def pipeline_body(pk: int) -> dict[str, Any]:
    pipeline = Pipeline.objects.get(pk=pk)
    stages = [{"id": s.pk, "name": s.name, "kind": s.kind, "probability": s.probability} for s in pipeline.stages.all()]
    return {"name": f"{pipeline.name}改", "code": pipeline.code, "stages": stages}


ENDPOINTS: dict[str, tuple[str, Any]] = {
    "custom field": ("/api/v1/custom-fields/{}/", lambda c, url, pk: c.patch(url, {"help_text": "改"}, format="json")),
    "dictionary": ("/api/v1/dictionary/{}/", lambda c, url, pk: c.post(url, {"label": "新项"}, format="json")),
    "pipeline": ("/api/v1/pipelines/{}/", lambda c, url, pk: c.put(url, pipeline_body(pk), format="json")),
    "plan template": (
        "/api/v1/plan-templates/{}/",
        lambda c, url, pk: c.patch(url, {"description": "改"}, format="json"),
    ),
    "role": ("/api/v1/roles/{}/", lambda c, url, pk: c.patch(url, {"description": "改"}, format="json")),
}
# Who reads and writes: unit B's item (Ada of unit A sees nothing), then a group-wide item (only Gina writes).
READ_B = {"ada": 404, "ben": 200, "gina": 200}
WRITE_B = {"ada": 404, "ben": 200, "gina": 200}
WRITE_GROUP = {"ada": 403, "ben": 403, "gina": 200}


@pytest.mark.parametrize("admin", list(READ_B))
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_each_configuration_endpoint_answers_each_units_admin(two_units: TwoUnits, endpoint: str, admin: str) -> None:
    ours, groups = unit_b_items(two_units)[endpoint]
    url, write = ENDPOINTS[endpoint]
    client = api(getattr(two_units, admin))
    assert client.get(url.format(ours)).status_code == READ_B[admin]
    written = write(client, url.format(ours), ours)
    assert written.status_code in (WRITE_B[admin], 201 if WRITE_B[admin] == 200 else None), written.content
    refused = write(client, url.format(groups), groups)
    assert refused.status_code in (WRITE_GROUP[admin], 201 if WRITE_GROUP[admin] == 200 else None), refused.content


def test_pages_offer_changes_only_where_the_admin_may_make_them(two_units: TwoUnits) -> None:
    own = b_required_field(two_units)
    shared = custom_field_create(actor=two_units.gina, model="customers.customer", label="集团编号", type="text")
    ben, gina = client_for(two_units.ben), client_for(two_units.gina)
    fields = ben.get(reverse("core:custom_fields", args=["customers.customer"])).content.decode()
    assert reverse("core:custom_field", args=[own.pk]) in fields
    assert reverse("core:custom_field", args=[shared.pk]) not in fields
    assert (
        reverse("core:custom_field", args=[shared.pk])
        in gina.get(reverse("core:custom_fields", args=["customers.customer"])).content.decode()
    )
    assert 'name="label"' not in ben.get(reverse("core:dictionary_type", args=["industry"])).content.decode()
    assert 'name="label"' in gina.get(reverse("core:dictionary_type", args=["industry"])).content.decode()
    shared_pipeline = Pipeline.objects.get(business_unit__isnull=True, is_default=True)
    edit = reverse("sales:pipeline_edit", args=[shared_pipeline.pk])
    assert edit not in ben.get(reverse("sales:pipelines")).content.decode()
    assert edit in gina.get(reverse("sales:pipelines")).content.decode()
    shipped = reverse("activities:template_edit", args=[PlanTemplate.objects.get(code="post_purchase").pk])
    assert shipped not in ben.get(reverse("activities:templates")).content.decode()
    assert shipped in gina.get(reverse("activities:templates")).content.decode()
