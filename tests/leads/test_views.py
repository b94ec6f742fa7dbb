"""The lead pages: list, entry, detail with its tabs, status, assignment, conversion, configuration."""

from datetime import date, timedelta
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.activities.compliance import compliance_run
from guanxi.customers.models import Customer
from guanxi.leads import services
from guanxi.leads.models import AssignmentRule, Lead, LeadForm
from guanxi.sales.models import Opportunity
from tests.conftest import client_for
from tests.customers.test_services import register
from tests.leads.conftest import Sales, enter


def many(sales: Sales, count: int, start: int = 0) -> list[Lead]:
    return [
        enter(sales.bob, company="", mobile=f"1390000{n:04d}", owner=sales.alice) for n in range(start, start + count)
    ]


def queries_for(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_takes_the_same_number_of_queries_for_three_leads_or_thirty(sales: Sales) -> None:
    client = client_for(sales.bob)
    many(sales, 3)
    client.get(reverse("leads:list"))  # the session's first request records it; not the list's cost
    few = queries_for(client, reverse("leads:list"))
    many(sales, 27, start=3)

    assert queries_for(client, reverse("leads:list")) == few


def test_the_list_filters_sorts_and_pages(sales: Sales) -> None:
    leads = many(sales, 30)
    services.lead_set_status(actor=sales.alice, lead=leads[0], status="qualified")
    client = client_for(sales.alice)

    first_page = client.get(reverse("leads:list"))
    qualified = client.get(reverse("leads:list"), {"status": "qualified"})
    by_phone = client.get(reverse("leads:list"), {"q": "139 0000 0007"})

    assert len(first_page.context["page_obj"].object_list) == 25
    assert first_page.context["page_obj"].object_list[0] == leads[0]  # the last updated comes first
    assert len(client.get(reverse("leads:list"), {"page": 2}).context["page_obj"].object_list) == 5
    assert list(qualified.context["page_obj"].object_list) == [leads[0]]
    assert list(by_phone.context["page_obj"].object_list) == [leads[7]]


def test_a_salesperson_enters_a_lead_and_a_bad_mobile_is_shown_on_its_field(sales: Sales) -> None:
    client = client_for(sales.alice)
    data = {"name": "孙七", "company": "苏州启航机械有限公司", "mobile": "12345", "source": "telemarketing"}

    refused = client.post(reverse("leads:create"), data)
    assert refused.status_code == 200 and "mobile" in refused.context["form"].errors
    assert "owner" not in refused.context["form"].fields  # a salesperson's lead is their own
    saved = client.post(reverse("leads:create"), {**data, "mobile": "13812340000"})

    lead = Lead.objects.get()
    assert saved["Location"] == reverse("leads:detail", args=[lead.pk])
    assert lead.owner == sales.alice


def test_a_manager_enters_a_lead_for_the_rules_to_assign(sales: Sales) -> None:
    AssignmentRule.objects.create(business_unit=sales.unit, name="给朵拉", kind="user", user=sales.dora)
    client = client_for(sales.bob)

    client.post(reverse("leads:create"), {"name": "孙七", "mobile": "13812340000", "owner": ""})

    assert Lead.objects.get().owner == sales.dora


def test_the_detail_page_shows_the_lead_its_follow_ups_and_its_history(sales: Sales) -> None:
    lead = enter(sales.alice, need="两台设备")
    client = client_for(sales.alice)
    client.post(reverse("leads:followup", args=[lead.pk]), {"channel": "phone", "content": "约了下周拜访"})

    overview = client.get(reverse("leads:detail", args=[lead.pk]))
    followups = client.get(reverse("leads:detail", args=[lead.pk]), {"tab": "followups"}, HTTP_HX_REQUEST="true")
    history = client.get(reverse("leads:detail", args=[lead.pk]), {"tab": "history"}, HTTP_HX_REQUEST="true")

    assert "两台设备" in overview.content.decode()
    assert "约了下周拜访" in followups.content.decode()
    assert history.context["history"].entries
    assert Lead.objects.get(pk=lead.pk).status == "contacted"


def test_someone_outside_the_scope_gets_404_everywhere(sales: Sales) -> None:
    lead = enter(sales.alice)
    client = client_for(sales.charlie)

    for name in ("detail", "edit", "convert", "status"):
        assert client.get(reverse(f"leads:{name}", args=[lead.pk])).status_code == 404
    assert (
        client.post(reverse("leads:followup", args=[lead.pk]), {"channel": "phone", "content": "x"}).status_code == 404
    )


def test_invalid_needs_a_reason_on_the_status_page(sales: Sales) -> None:
    lead = enter(sales.alice)
    client = client_for(sales.alice)

    refused = client.post(reverse("leads:status", args=[lead.pk]), {"status": "invalid", "reason": ""})
    done = client.post(reverse("leads:status", args=[lead.pk]), {"status": "invalid", "reason": "空号"})

    assert "reason" in refused.context["form"].errors
    assert done.status_code == 302 and Lead.objects.get(pk=lead.pk).status == "invalid"


def test_a_manager_assigns_the_ticked_leads_of_the_list(sales: Sales) -> None:
    leads = [enter(sales.bob, company="", mobile=f"1390000000{n}") for n in range(3)]
    client = client_for(sales.bob)

    response = client.post(
        reverse("leads:bulk_assign"), {"ids": [leads[0].pk, leads[1].pk], "owner": sales.dora.pk, "next": "/leads/"}
    )

    assert response["Location"] == "/leads/"
    assert [Lead.objects.get(pk=lead.pk).owner for lead in leads] == [sales.dora, sales.dora, sales.bob]


def test_the_conversion_page_converts_and_opens_the_customer(sales: Sales) -> None:
    lead = enter(sales.alice)
    client = client_for(sales.alice)

    response = client.post(
        reverse("leads:convert", args=[lead.pk]),
        {"target": "new", "customer_name": "杭州远景电子有限公司", "kind": "company", "contact_name": "王小明",
         "contact_mobile": "13900001111", "with_opportunity": "on", "opportunity_name": "设备采购",
         "opportunity_amount": "50000"},
    )  # fmt: skip

    customer = Customer.objects.get()
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert Opportunity.objects.get(customer=customer).name == "设备采购"


def test_the_conversion_page_shows_the_customer_that_already_exists(sales: Sales) -> None:
    lead = enter(sales.alice)
    existing = register(sales.charlie, "远景电子(杭州)有限公司", contact={"name": "赵六", "mobile": "13700001111"})
    client = client_for(sales.alice)

    response = client.post(
        reverse("leads:convert", args=[lead.pk]),
        {"target": "new", "customer_name": "杭州远景电子有限公司", "kind": "company", "contact_name": "王小明"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert existing.number in body and "张**" in body  # Charlie's customer: his name masked for Alice
    assert Customer.objects.count() == 1 and Lead.objects.get(pk=lead.pk).status == "new"


def test_configuration_pages_show_forms_with_their_snippets_and_rules(sales: Sales) -> None:
    client = client_for(sales.root)
    response = client.post(
        reverse("leads:form_create"),
        {"name": "官网", "title": "联系我们", "fields_shown": ["name", "mobile", "need"], "fields_required": ["mobile"],
         "source": "online", "thank_you": "谢谢", "is_active": "on"},
    )  # fmt: skip
    form = LeadForm.objects.get()
    assert response["Location"] == reverse("leads:form_edit", args=[form.pk])

    page = client.get(response["Location"]).content.decode()
    assert f"/leads/web/{form.key}/" in page and "lead_embed.js" in page and "&lt;iframe" in page
    client.post(reverse("leads:rule_create"), {"name": "上海轮流", "priority": 10, "kind": "round_robin",
                                               "department": sales.shanghai.pk, "is_active": "on"})  # fmt: skip
    assert "上海轮流" in client.get(reverse("leads:rules")).content.decode()
    assert client_for(sales.alice).get(reverse("leads:forms")).status_code == 403


def test_leads_without_a_follow_up_for_a_month_are_in_the_compliance_report(sales: Sales) -> None:
    with time_machine.travel("2026-09-01 10:00 +0800", tick=False):
        quiet = enter(sales.alice, company="", mobile="13900000001")
        busy = enter(sales.alice, company="", mobile="13900000002")
        young = None
    with time_machine.travel("2026-09-20 10:00 +0800", tick=False):
        services.lead_followup_record(actor=sales.alice, lead=busy, content="电话", channel="phone")
        young = enter(sales.alice, company="", mobile="13900000003")

    results = {result.check.code: result for result in compliance_run(actor=sales.bob, day=date(2026, 10, 5))}

    rows = results["leads_without_followup"].rows
    assert [row.label for row in rows] == [f"{quiet} ({quiet.number})"]
    assert young is not None and busy is not None
    assert (
        compliance_run(
            actor=sales.charlie, day=date(2026, 10, 5) + timedelta(days=1), codes=["leads_without_followup"]
        )[0].rows
        == []
    )


def test_the_search_box_finds_leads_in_scope_by_name_and_phone(sales: Sales) -> None:
    lead = enter(sales.alice, name="欧阳娜娜", mobile="13977778888")
    enter(sales.charlie, name="欧阳修", company="", mobile="13977779999")

    by_name = client_for(sales.alice).get("/search/", {"q": "欧阳"}).content.decode()
    by_phone = client_for(sales.alice).get("/search/", {"q": "13977778888"}).content.decode()

    assert lead.number in by_name and "欧阳修" not in by_name
    assert lead.number in by_phone


def test_the_customer_page_lists_the_lead_it_came_from(sales: Sales) -> None:
    from guanxi.leads.conversion import lead_convert

    lead = enter(sales.alice, campaign="2026 秋季展")
    customer = lead_convert(actor=sales.alice, lead=lead).customer

    client = client_for(sales.alice)
    page = client.get(reverse("customers:detail", args=[customer.pk]), {"tab": "leads"}).content.decode()
    tab = client.get(reverse("leads:customer_tab", args=[customer.pk]), HTTP_HX_REQUEST="true")

    assert reverse("leads:customer_tab", args=[customer.pk]) in page
    assert lead.number in tab.content.decode() and "2026 秋季展" in tab.content.decode()
    assert client_for(sales.charlie).get(reverse("leads:customer_tab", args=[customer.pk])).status_code == 404


def test_a_plan_can_be_added_to_a_lead_from_its_follow_ups_tab(sales: Sales) -> None:
    lead = enter(sales.alice)
    client = client_for(sales.alice)

    tab = client.get(reverse("leads:detail", args=[lead.pk]), {"tab": "followups"}, HTTP_HX_REQUEST="true")
    link = f"{reverse('activities:plan_create')}?related=leads.lead:{lead.pk}"

    assert link in tab.content.decode()
    assert client.get(link).status_code == 200
    assert client_for(sales.charlie).get(link).status_code == 404  # the lead is outside Charlie's scope


def test_a_manager_can_pick_only_people_of_their_scope_as_owner(sales: Sales) -> None:
    many(sales, 1)

    page = client_for(sales.bob).get(reverse("leads:list"))

    choices = {person.username for person in page.context["assign_form"].fields["owner"].queryset}
    assert choices == {"alice", "bob", "dora"}  # Shanghai, not Charlie in Beijing


def test_the_list_shows_the_last_follow_up_however_it_was_recorded(sales: Sales) -> None:
    from guanxi.activities.services import followup_create

    lead = enter(sales.alice)
    followup = followup_create(actor=sales.alice, content="从跟进页面记录", related=lead)  # activities' own form

    row = client_for(sales.alice).get(reverse("leads:list")).context["page_obj"].object_list[0]

    assert (row, row.last_followup) == (lead, followup.occurred_at)
