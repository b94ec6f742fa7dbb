import pytest
import time_machine
from django.core.exceptions import ValidationError

from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.models import AuditEntry
from guanxi.leads import services
from guanxi.leads.models import AssignmentRule, Lead, LeadStatus
from guanxi.leads.selectors import lead_list
from tests.customers.test_services import register
from tests.leads.conftest import Sales, enter


def errors_of(call: object) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refusal:
        call()  # type: ignore[operator]
    return refusal.value.message_dict


def test_a_lead_entered_by_hand_gets_a_number_its_owner_clean_keys_and_an_audit_entry(sales: Sales) -> None:
    lead = enter(
        sales.alice, mobile="139 0000 1111", email="  Wang@Example.CN ", source="exhibition", phone="021-68888888"
    )

    assert lead.number.startswith("XS") and len(lead.number) == 14
    assert (lead.owner, lead.department, lead.status, lead.channel) == (sales.alice, sales.shanghai, "new", "manual")
    assert (lead.mobile, lead.phone, lead.email) == ("13900001111", "02168888888", "wang@example.cn")
    assert lead.company_key == "杭州远景电子"
    assert AuditEntry.objects.filter(object_type="leads.lead", object_id=str(lead.pk), action="create").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("mobile", "12345678901"),
        ("phone", "12345"),
        ("email", "not-an-email"),
        ("qq", "12ab"),
        ("source", "no-such-source"),
        ("name", "名" * 51),
        ("need", "多" * 1001),
        ("remarks", "多" * 501),
    ],
)
def test_each_bad_field_is_refused_on_that_field_and_nothing_is_saved(sales: Sales, field: str, value: str) -> None:
    errors = errors_of(lambda: enter(sales.alice, **{field: value}))

    assert field in errors
    assert not Lead.all_objects.exists()


def test_a_lead_needs_some_way_to_reach_it(sales: Sales) -> None:
    errors = errors_of(lambda: enter(sales.alice, mobile=""))

    assert "mobile" in errors and "reach" in errors["mobile"][0]


def test_an_open_lead_with_the_same_mobile_is_refused_naming_it_and_its_owner(sales: Sales) -> None:
    first = enter(sales.alice)

    with pytest.raises(Conflict) as refusal:
        enter(sales.charlie, company="", mobile="13900001111")

    assert refusal.value.code == "duplicate_lead"
    assert first.number in str(refusal.value.message)
    assert "李**" in str(refusal.value.message)  # Charlie may not see Alice's lead: her name is masked
    assert Lead.objects.count() == 1


def test_a_lead_of_an_existing_customer_is_refused_naming_the_customer(sales: Sales) -> None:
    customer = register(sales.charlie, "杭州远景电子有限公司", contact={"name": "赵六", "mobile": "13700001111"})

    with pytest.raises(Conflict) as refusal:
        enter(sales.alice, mobile="13900002222")

    assert refusal.value.code == "duplicate_customer" and refusal.value.field == "company"
    assert customer.number in str(refusal.value.message)


def test_closed_leads_are_no_longer_duplicates(sales: Sales) -> None:
    first = enter(sales.alice)
    services.lead_set_status(actor=sales.alice, lead=first, status="invalid", reason="wrong number")

    second = enter(sales.alice)

    assert second.pk != first.pk


def test_the_owner_must_be_in_the_assigners_scope(sales: Sales) -> None:
    with pytest.raises(NotPermitted):
        enter(sales.alice, owner=sales.dora)  # a salesperson cannot give leads away
    with pytest.raises(DomainError) as refusal:
        enter(sales.bob, owner=sales.charlie)  # Beijing is outside Bob's Shanghai tree
    assert refusal.value.field == "owner"

    lead = enter(sales.bob, owner=sales.dora)

    assert lead.owner == sales.dora


# --- assignment rules ----------------------------------------------------------------------------------


def round_robin(sales: Sales, **fields: object) -> AssignmentRule:
    return AssignmentRule.objects.create(
        business_unit=sales.unit, name="上海轮流", kind="round_robin", department=sales.shanghai, **fields
    )


def test_a_round_robin_deals_leads_in_turn_to_the_departments_people_who_work_leads(sales: Sales) -> None:
    round_robin(sales)
    mobiles = ["13900000001", "13900000002", "13900000003", "13900000004"]

    owners = [enter(sales.root, company="", mobile=mobile, by_rules=True).owner for mobile in mobiles]

    # Alice, Bob (a manager also works leads) and Dora take turns; nobody gets two before all got one.
    assert owners == [sales.bob, sales.alice, sales.dora, sales.bob]


def test_rules_by_source_and_region_are_tried_in_priority_order(sales: Sales, regions: int) -> None:
    round_robin(sales, priority=50, provinces=["310000"])
    AssignmentRule.objects.create(
        business_unit=sales.unit,
        name="展会给查理",
        kind="user",
        user=sales.charlie,
        priority=10,
        sources=["exhibition"],
    )

    from_show = enter(
        sales.root, company="", mobile="13900000001", source="exhibition", province="310000", by_rules=True
    )
    from_shanghai = enter(sales.root, company="", mobile="13900000002", province="310000", by_rules=True)
    from_canton = enter(sales.root, company="", mobile="13900000003", province="440000", by_rules=True)

    assert from_show.owner == sales.charlie
    assert from_shanghai.owner in {sales.alice, sales.bob, sales.dora}
    assert from_canton.owner is None  # no rule takes Guangdong: it waits where it was entered
    assert from_canton.department == sales.head_office


def test_a_rule_with_nobody_to_deal_to_leaves_the_lead_waiting_in_its_department(sales: Sales) -> None:
    AssignmentRule.objects.create(business_unit=sales.unit, name="北京", kind="round_robin", department=sales.beijing)
    sales.charlie.roles.clear()

    lead = enter(sales.root, company="", by_rules=True)

    assert (lead.owner, Lead.objects.get(pk=lead.pk).department) == (None, sales.beijing)


def test_a_manager_assigns_leads_in_bulk_to_a_colleague_or_by_the_rules(sales: Sales) -> None:
    leads = [enter(sales.bob, company="", mobile=f"1390000000{n}") for n in range(3)]

    assert services.lead_assign(actor=sales.bob, leads=leads[:2], owner=sales.alice) == 2
    round_robin(sales)
    assert services.lead_assign(actor=sales.bob, leads=leads[2:], by_rules=True) == 1

    owners = [Lead.objects.get(pk=lead.pk).owner for lead in leads]
    assert owners[:2] == [sales.alice, sales.alice] and owners[2] is not None
    assert AuditEntry.objects.filter(object_type="leads.lead", action="ownership").count() == 6  # 3 at entry + 3


def test_a_salesperson_cannot_assign(sales: Sales) -> None:
    lead = enter(sales.alice)

    with pytest.raises(NotPermitted):
        services.lead_assign(actor=sales.alice, leads=[lead], owner=sales.dora)


# --- status, update, scope -----------------------------------------------------------------------------


def test_an_invalid_lead_needs_a_reason_and_can_be_reopened(sales: Sales) -> None:
    lead = enter(sales.alice)

    with pytest.raises(DomainError) as refusal:
        services.lead_set_status(actor=sales.alice, lead=lead, status="invalid")
    assert refusal.value.field == "reason"

    services.lead_set_status(actor=sales.alice, lead=lead, status="invalid", reason="空号")
    assert Lead.objects.get(pk=lead.pk).invalid_reason == "空号"
    with pytest.raises(DomainError):
        services.lead_set_status(actor=sales.alice, lead=lead, status="qualified")
    services.lead_set_status(actor=sales.alice, lead=lead, status="new")
    assert Lead.objects.get(pk=lead.pk).invalid_reason == ""


def test_a_stale_edit_is_refused_and_names_who_changed_it(sales: Sales) -> None:
    lead = enter(sales.alice)
    services.lead_update(actor=sales.bob, lead=Lead.objects.get(pk=lead.pk), version=1, data={"need": "两台设备"})

    with pytest.raises(Conflict) as refusal:
        services.lead_update(actor=sales.alice, lead=lead, version=1, data={"need": "三台"})

    assert "王博" in str(refusal.value.message)


def test_each_person_sees_the_leads_of_their_scope_and_a_department_sees_its_waiting_leads(sales: Sales) -> None:
    mine = enter(sales.alice)
    theirs = enter(sales.charlie, company="", mobile="13900002222")
    waiting = enter(sales.bob, company="", mobile="13900003333", by_rules=True)  # no rule: waits in Shanghai

    assert set(lead_list(actor=sales.alice, scene="all")) == {mine}
    assert set(lead_list(actor=sales.bob, scene="all")) == {mine, waiting}
    assert set(lead_list(actor=sales.root, scene="all")) == {mine, theirs, waiting}
    assert set(lead_list(actor=sales.bob, scene="unassigned")) == {waiting}


def test_a_lead_without_a_follow_up_for_a_month_is_stale_until_it_is_followed_up(sales: Sales) -> None:
    with time_machine.travel("2026-09-01 10:00 +0800", tick=False):
        lead = enter(sales.alice)
    with time_machine.travel("2026-10-05 10:00 +0800", tick=False):
        assert list(lead_list(actor=sales.alice, scene="stale")) == [lead]
        services.lead_followup_record(actor=sales.alice, lead=lead, content="电话回访", channel="phone")
        assert list(lead_list(actor=sales.alice, scene="stale")) == []
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.CONTACTED
