"""Leads that a channel partner brought (SPEC §14.8): named on the lead (form, API, list), checked for kind and
unit, and carried to the customer the lead becomes."""

import pytest
from django.core.exceptions import ValidationError

from guanxi.customers.models import Customer
from guanxi.leads import services
from guanxi.leads.conversion import lead_convert
from guanxi.leads.models import Lead
from guanxi.org.models import User
from tests.conftest import TwoUnits, client_for
from tests.customers.test_partners import client, partner


def enter(actor: User, name: str = "王小明", **data: object) -> Lead:
    values = {"name": name, "mobile": "13900001111", "company": "杭州远景电子有限公司", **data}
    return services.lead_create(actor=actor, data=values)


def test_a_lead_names_only_a_partner_of_its_unit(two_units: TwoUnits) -> None:
    dealer = partner(two_units.alice)
    lead = enter(two_units.alice, partner=dealer)
    assert lead.partner == dealer
    plain = client(two_units.alice, "上海普通有限公司")
    with pytest.raises(ValidationError) as refusal:
        enter(two_units.alice, "李小红", mobile="13900002222", company="", partner=plain)
    assert refusal.value.message_dict["partner"] == ["Choose a customer of kind channel partner."]
    other_unit = partner(two_units.bella, "杭州渠道有限公司")
    with pytest.raises(ValidationError) as refusal:
        services.lead_update(actor=two_units.alice, lead=lead, version=lead.version, data={"partner": other_unit})
    assert refusal.value.message_dict["partner"] == ["Choose a channel partner of the same business unit."]
    assert Lead.objects.get(pk=lead.pk).partner_id == dealer.pk


def test_conversion_carries_the_partner_to_a_new_or_an_unattributed_customer(two_units: TwoUnits) -> None:
    dealer = partner(two_units.alice)
    done = lead_convert(actor=two_units.alice, lead=enter(two_units.alice, partner=dealer))
    assert done.customer.partner_id == dealer.pk
    existing = client(two_units.alice, "上海普通有限公司")
    lead = enter(two_units.alice, "李小红", mobile="13900002222", company="", partner=dealer)
    lead_convert(actor=two_units.alice, lead=lead, customer=existing)
    existing.refresh_from_db()
    assert existing.partner_id == dealer.pk
    agent = partner(two_units.alice, "温州永盛代理有限公司", partner_type="agent")
    lead = enter(two_units.alice, "周小刚", mobile="13900003333", company="", partner=agent)
    lead_convert(actor=two_units.alice, lead=lead, customer=existing)
    existing.refresh_from_db()
    assert existing.partner_id == dealer.pk  # the partner named first stays


def test_the_lead_form_api_list_and_page_show_the_partner(two_units: TwoUnits) -> None:
    dealer = partner(two_units.alice)
    partner(two_units.bella, "杭州渠道有限公司")
    web = client_for(two_units.alice)
    form = web.get("/leads/new/").content.decode()
    assert "华东渠道贸易有限公司" in form and "杭州渠道有限公司" not in form
    answer = web.post("/leads/new/", {"name": "王小明", "mobile": "13900001111", "partner": dealer.pk})
    assert answer.status_code == 302
    lead = Lead.objects.get(name="王小明")
    assert lead.partner == dealer
    enter(two_units.alice, "李小红", mobile="13900002222", company="")
    assert "华东渠道贸易有限公司" in web.get(f"/leads/{lead.pk}/").content.decode()
    listed = web.get(f"/leads/?scene=all&partner={dealer.pk}").content.decode()
    assert "王小明" in listed and "李小红" not in listed
    rows = web.get(f"/api/v1/leads/?partner={dealer.pk}").json()["results"]
    assert [(row["name"], row["partner"], row["partner_name"]) for row in rows] == [
        ("王小明", dealer.pk, "华东渠道贸易有限公司")
    ]
    other = Customer.objects.get(name="杭州渠道有限公司")
    refused = web.post(
        "/api/v1/leads/",
        {"name": "赵小飞", "mobile": "13900004444", "partner": other.pk},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "partner" in refused.json()
    assert not Lead.objects.filter(name="赵小飞").exists()


def test_a_partner_with_leads_is_not_deleted(two_units: TwoUnits) -> None:
    from guanxi.core.errors import Conflict
    from guanxi.customers import services as customers

    dealer = partner(two_units.alice)
    enter(two_units.alice, partner=dealer)
    with pytest.raises(Conflict, match="1 lead"):
        customers.customer_delete(actor=two_units.ada, customer=dealer)
