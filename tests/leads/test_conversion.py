from decimal import Decimal

import pytest
import time_machine

from guanxi.activities.models import FollowUp
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.models import AuditEntry
from guanxi.customers.models import Contact, Customer
from guanxi.leads import services
from guanxi.leads.conversion import lead_convert
from guanxi.leads.models import Lead, LeadStatus
from guanxi.pool.models import ConflictCase
from guanxi.sales.models import Opportunity
from tests.customers.test_services import register
from tests.leads.conftest import Sales, enter


def test_a_lead_becomes_a_new_customer_with_its_person_as_primary_contact_and_stays_as_history(sales: Sales) -> None:
    lead = enter(sales.alice, position="采购经理", email="wang@yj.cn", source="exhibition", need="两台设备")

    done = lead_convert(actor=sales.alice, lead=lead)

    customer = Customer.objects.get()
    assert done.customer == customer
    assert (customer.name, customer.owner, customer.source, customer.status) == (
        "杭州远景电子有限公司", sales.alice, "exhibition", "potential"
    )  # fmt: skip
    contact = Contact.objects.get()
    assert (contact.name, contact.mobile, contact.position, contact.is_primary) == (
        "王小明", "13900001111", "采购经理", True
    )  # fmt: skip
    kept = Lead.objects.get(pk=lead.pk)
    assert (kept.status, kept.customer, kept.contact, kept.converted_by) == (
        "converted",
        customer,
        contact,
        sales.alice,
    )
    # the customer's history says where it came from
    assert AuditEntry.objects.filter(
        object_type="customers.customer", object_id=str(customer.pk), note__contains=lead.number
    ).exists()


def test_the_lead_owner_gets_the_customer_even_when_their_manager_converts(sales: Sales) -> None:
    lead = enter(sales.alice)

    done = lead_convert(actor=sales.bob, lead=lead)

    assert done.customer.owner == sales.alice


def test_converting_into_a_customer_that_exists_is_refused_naming_it_and_the_lead_stays_open(sales: Sales) -> None:
    lead = enter(sales.alice)
    # meanwhile a colleague registers the company as a customer
    existing = register(sales.charlie, "远景电子(杭州)有限公司", contact={"name": "赵六", "mobile": "13700001111"})

    with pytest.raises(Conflict) as refusal:
        lead_convert(actor=sales.alice, lead=lead)

    assert refusal.value.code == "duplicate_customer"
    assert existing.number in str(refusal.value.message)
    assert Customer.objects.count() == 1
    assert Lead.objects.get(pk=lead.pk).status == "new"
    assert not ConflictCase.objects.exists()  # a merely similar name opens no conflict case


def test_converting_into_a_customer_a_colleague_holds_keeps_the_conflict_case_its_refusal_names(sales: Sales) -> None:
    lead = enter(sales.alice)
    held = register(sales.charlie, "杭州远景电子有限公司")

    with pytest.raises(Conflict) as refusal:
        lead_convert(actor=sales.alice, lead=lead)

    # the conversion rolled back, but the conflict case (撞单) stays for the managers to decide
    case = ConflictCase.objects.get()
    assert (case.customer, case.holder, case.claimant, case.match) == (held, sales.charlie, sales.alice, "name")
    assert f"(No. {case.pk})" in str(refusal.value.message)
    assert Customer.objects.count() == 1
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_a_lead_converts_into_an_existing_customer_adding_its_person_as_a_contact(sales: Sales) -> None:
    lead = enter(sales.alice, company="")
    customer = register(sales.alice, "杭州远景电子有限公司", contact={"name": "赵六", "mobile": "13700001111"})

    done = lead_convert(actor=sales.alice, lead=lead, customer=customer)

    assert sorted(customer.contacts.values_list("name", flat=True)) == ["王小明", "赵六"]
    assert Lead.objects.get(pk=lead.pk).customer == customer == done.customer


def test_a_contact_the_customer_already_has_is_not_added_twice(sales: Sales) -> None:
    lead = enter(sales.alice, company="")
    customer = register(sales.alice, "杭州远景电子有限公司", contact={"name": "王先生", "mobile": "13900001111"})

    done = lead_convert(actor=sales.alice, lead=lead, customer=customer)

    assert customer.contacts.count() == 1 and done.contact == customer.contacts.get()


def test_a_salesperson_cannot_convert_into_a_customer_outside_their_scope(sales: Sales) -> None:
    theirs = register(sales.charlie, "北京某公司", contact={"name": "赵六", "mobile": "13700001111"})
    lead = enter(sales.alice, company="")

    with pytest.raises(NotPermitted):
        lead_convert(actor=sales.alice, lead=lead, customer=theirs)

    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_a_converted_lead_cannot_be_converted_or_changed_again(sales: Sales) -> None:
    lead = enter(sales.alice)
    lead_convert(actor=sales.alice, lead=lead)

    with pytest.raises(DomainError) as refusal:
        lead_convert(actor=sales.alice, lead=Lead.objects.get(pk=lead.pk))
    assert refusal.value.code == "lead_closed"
    with pytest.raises(DomainError):
        services.lead_update(actor=sales.alice, lead=Lead.objects.get(pk=lead.pk), version=1, data={"need": "x"})


def test_conversion_opens_an_opportunity_that_remembers_the_lead(sales: Sales) -> None:
    lead = enter(sales.alice, source="exhibition", need="两台设备")

    done = lead_convert(
        actor=sales.alice, lead=lead, opportunity_data={"name": "远景设备采购", "amount": Decimal("120000")}
    )

    opportunity = Opportunity.objects.get()
    assert done.opportunity == opportunity
    assert (opportunity.customer, opportunity.source_lead_id, opportunity.amount) == (
        done.customer, lead.pk, Decimal("120000")
    )  # fmt: skip
    assert (opportunity.contact, opportunity.source) == (done.contact, "exhibition")
    assert Customer.objects.get().status == "opportunity"
    assert Lead.objects.get(pk=lead.pk).opportunity_id == opportunity.pk


def test_a_bad_opportunity_undoes_the_whole_conversion(sales: Sales) -> None:
    lead = enter(sales.alice)

    with pytest.raises(Exception):  # noqa: B017 — whichever refusal the opportunity gives
        lead_convert(actor=sales.alice, lead=lead, opportunity_data={"name": "", "amount": Decimal("-1")})

    assert not Customer.objects.exists()
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_the_leads_follow_ups_move_to_the_customer_and_its_last_follow_up_time(sales: Sales) -> None:
    with time_machine.travel("2026-10-01 10:00 +0800", tick=False):
        lead = enter(sales.alice)
        followup = services.lead_followup_record(actor=sales.alice, lead=lead, content="电话沟通需求", channel="phone")
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.CONTACTED

    done = lead_convert(actor=sales.alice, lead=Lead.objects.get(pk=lead.pk))

    followup = FollowUp.objects.get(pk=followup.pk)
    assert (followup.customer, followup.related) == (done.customer, Lead.objects.get(pk=lead.pk))
    assert Customer.objects.get().last_followup_at == followup.occurred_at


def test_merging_customers_keeps_the_leads_that_became_either(sales: Sales) -> None:
    from guanxi.customers.merge import customer_merge

    lead = enter(sales.alice, company="")
    other = register(sales.alice, "远景电子(杭州)分部", contact={"name": "赵六", "mobile": "13700001111"})
    keep = register(sales.alice, "杭州远景电子有限公司", contact={"name": "钱七", "mobile": "13700002222"})
    lead_convert(actor=sales.alice, lead=lead, customer=other)

    customer_merge(actor=sales.root, keep=keep, other=other, choices={})

    assert Lead.objects.get(pk=lead.pk).customer == keep
