"""Channel partners (SPEC §14.8): a customer of kind partner, and the customers it brought — in the service,
the form, the API and the list, checked for kind and unit, kept consistent by merges and deletions."""

import pytest
from django.core.exceptions import ValidationError

from guanxi.core.errors import Conflict, DomainError
from guanxi.customers import merge, preferences, services
from guanxi.customers.models import Customer
from guanxi.org.models import User
from tests.conftest import TwoUnits, client_for, grant

from .test_services import register


def partner(actor: User, name: str = "华东渠道贸易有限公司", **data: object) -> Customer:
    values = {"kind": "partner", "partner_type": "distributor", "partner_level": "gold", "territory": "华东", **data}
    n = Customer.all_objects.count() + 1
    return register(actor, name, contact={"name": "赵六", "mobile": f"1360000{n:04d}"}, **values)


def client(actor: User, name: str, **data: object) -> Customer:
    n = Customer.all_objects.count() + 1
    return register(actor, name, contact={"name": "钱七", "mobile": f"1370000{n:04d}"}, **data)


def test_a_partner_is_a_customer_of_kind_partner_with_type_level_and_territory(two_units: TwoUnits) -> None:
    dealer = partner(two_units.alice)
    assert (dealer.kind, dealer.partner_type, dealer.partner_level, dealer.territory) == (
        "partner", "distributor", "gold", "华东",
    )  # fmt: skip
    with pytest.raises(ValidationError) as refusal:
        register(two_units.alice, "无类型渠道有限公司", kind="partner", contact={})
    assert "partner_type" in refusal.value.message_dict
    with pytest.raises(ValidationError) as refusal:
        partner(two_units.alice, "乱码渠道有限公司", partner_type="wholesaler")
    assert "partner_type" in refusal.value.message_dict
    plain = client(two_units.alice, "普通客户有限公司", partner_type="agent", territory="华南")
    assert (plain.partner_type, plain.territory) == ("", "")  # kept on partners only


def test_a_customer_names_the_partner_who_brought_it_only_a_partner_of_its_unit(two_units: TwoUnits) -> None:
    dealer = partner(two_units.alice)
    brought = client(two_units.alice, "苏州精工机械有限公司", partner=dealer)
    assert brought.partner == dealer
    plain = client(two_units.alice, "上海普通有限公司")
    with pytest.raises(ValidationError) as refusal:
        client(two_units.alice, "错误渠道有限公司", partner=plain)
    assert refusal.value.message_dict["partner"] == ["Choose a customer of kind channel partner."]
    other_unit = partner(two_units.bella, "杭州渠道有限公司")
    with pytest.raises(ValidationError) as refusal:
        client(two_units.alice, "跨单位有限公司", partner=other_unit)
    assert refusal.value.message_dict["partner"] == ["Choose a channel partner of the same business unit."]
    with pytest.raises(ValidationError) as refusal:
        services.customer_update(
            actor=two_units.alice, customer=dealer, version=dealer.version, data={"partner": dealer}
        )
    assert "partner" in refusal.value.message_dict


def test_a_partner_that_brought_customers_keeps_its_kind_and_is_not_deleted(two_units: TwoUnits) -> None:
    grant(two_units.ada, "unit_admin")
    dealer = partner(two_units.alice)
    brought = client(two_units.alice, "苏州精工机械有限公司", partner=dealer)
    with pytest.raises(ValidationError) as refusal:
        services.customer_update(
            actor=two_units.alice, customer=dealer, version=dealer.version, data={"kind": "company"}
        )
    assert "1 customer" in refusal.value.message_dict["kind"][0]
    with pytest.raises(Conflict, match="brought 1 customer"):
        services.customer_delete(actor=two_units.ada, customer=dealer)
    brought.refresh_from_db()
    services.customer_update(actor=two_units.alice, customer=brought, version=brought.version, data={"partner": None})
    services.customer_delete(actor=two_units.ada, customer=dealer)
    assert Customer.all_objects.get(pk=dealer.pk).deleted_at is not None


def test_merging_partners_moves_their_customers_and_a_non_partner_cannot_take_them(two_units: TwoUnits) -> None:
    admin = two_units.ada
    first = partner(two_units.alice, "华东渠道贸易有限公司")
    second = partner(two_units.alice, "温州永盛代理有限公司", partner_type="agent")
    brought = client(two_units.alice, "苏州精工机械有限公司", partner=second)
    plain = client(two_units.alice, "上海普通有限公司")
    with pytest.raises(DomainError, match="must stay a partner"):
        merge.customer_merge(actor=admin, keep=plain, other=second, choices={})
    brought.refresh_from_db()
    assert brought.partner_id == second.pk  # nothing half-done
    merge.customer_merge(actor=admin, keep=first, other=second, choices={})
    brought.refresh_from_db()
    assert brought.partner_id == first.pk


def test_the_kept_customer_is_never_its_own_partner_after_a_merge(two_units: TwoUnits) -> None:
    dealer = partner(two_units.alice)
    brought = client(two_units.alice, "苏州精工机械有限公司", partner=dealer)
    kept = merge.customer_merge(actor=two_units.ada, keep=dealer, other=brought, choices={})
    assert kept.partner_id is None


def test_the_form_offers_the_units_partners_and_the_list_filters_by_partner(two_units: TwoUnits) -> None:
    dealer = partner(two_units.alice)
    partner(two_units.bella, "杭州渠道有限公司")
    client(two_units.alice, "苏州精工机械有限公司", partner=dealer)
    client(two_units.alice, "上海普通有限公司")
    web = client_for(two_units.alice)
    page = web.get("/customers/new/").content.decode()
    assert "华东渠道贸易有限公司" in page and "杭州渠道有限公司" not in page
    answer = web.post(
        "/customers/new/",
        {"name": "无锡新客户有限公司", "kind": "company", "partner": dealer.pk, "contact_name": "孙八",
         "contact_mobile": "13700009999"},
    )  # fmt: skip
    assert answer.status_code == 302
    assert Customer.objects.get(name="无锡新客户有限公司").partner == dealer
    listed = web.get(f"/customers/?scene=all&partner={dealer.pk}").content.decode()
    assert "无锡新客户有限公司" in listed and "苏州精工机械有限公司" in listed and "上海普通有限公司" not in listed
    preferences.list_columns_set(actor=two_units.alice, columns=["number", "partner"])
    rows = web.get("/customers/?scene=all").content.decode().split("<tbody>")[1].split("</tbody>")[0]
    names = ("苏州精工机械有限公司", "上海普通有限公司")
    by_name = {name: row for row in rows.split("<tr") for name in names if name in row}
    assert "华东渠道贸易有限公司" in by_name["苏州精工机械有限公司"]  # the partner column
    assert "华东渠道贸易有限公司" not in by_name["上海普通有限公司"]
    detail = web.get(f"/customers/{Customer.objects.get(name='无锡新客户有限公司').pk}/").content.decode()
    assert "华东渠道贸易有限公司" in detail


def test_the_api_filters_partners_and_their_customers_and_checks_the_partner(two_units: TwoUnits) -> None:
    dealer = partner(two_units.alice)
    other_unit = partner(two_units.bella, "杭州渠道有限公司")
    client(two_units.alice, "苏州精工机械有限公司", partner=dealer)
    client(two_units.alice, "上海普通有限公司")
    api = client_for(two_units.alice)
    partners = api.get("/api/v1/customers/?kind=partner").json()["results"]
    assert [row["name"] for row in partners] == ["华东渠道贸易有限公司"]
    assert partners[0]["partner_type"] == "distributor"
    brought = api.get(f"/api/v1/customers/?partner={dealer.pk}").json()["results"]
    assert [(row["name"], row["partner"], row["partner_name"]) for row in brought] == [
        ("苏州精工机械有限公司", dealer.pk, "华东渠道贸易有限公司")
    ]
    created = api.post(
        "/api/v1/customers/", {"name": "无锡新客户有限公司", "partner": dealer.pk}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["partner"] == dealer.pk
    refused = api.post(
        "/api/v1/customers/", {"name": "跨单位有限公司", "partner": other_unit.pk}, content_type="application/json"
    )
    assert refused.status_code == 400 and "partner" in refused.json()
    assert not Customer.objects.filter(name="跨单位有限公司").exists()
