import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from guanxi.sales import services
from guanxi.sales.models import Opportunity, Stage
from tests.conftest import World, grant
from tests.customers.test_services import register
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_salesperson_drags_a_card_to_the_next_stage_then_loses_it_with_a_reason(
    live_server: object, page: Page
) -> None:
    world = World()
    grant(world.alice, "salesperson")
    customer = register(world.alice, "华信精密机械有限公司")
    opportunity = services.opportunity_create(
        actor=world.alice,
        customer=customer,
        data={
            "name": "数控机床改造",
            "amount": Decimal(80000),
            "need": "改造三台机床",
            "contact": customer.contacts.get(),
        },
    )
    needs = Stage.objects.get(pipeline__code="project", code="needs")
    proposal = Stage.objects.get(pipeline__code="project", code="proposal")
    base = str(live_server)

    sign_in(page, base, "alice")
    page.goto(f"{base}/sales/board/")
    card = page.locator(f"#card-{opportunity.pk}")
    expect(card.locator("[data-probability]")).to_have_text("10%")

    # drag to the next stage: the card now shows the stage's probability and the column totals follow
    card.drag_to(page.locator(f"#cards-{needs.pk}"))
    moved = page.locator(f"#cards-{needs.pk} #card-{opportunity.pk}")
    expect(moved.locator("[data-probability]")).to_have_text("25%")
    expect(page.locator(f"#column-head-{needs.pk} [data-count]")).to_contain_text("1")
    assert Opportunity.objects.get(pk=opportunity.pk).stage == needs

    # a stage whose requirements are not met refuses, names the missing field, and the card goes back
    page.locator(f"#card-{opportunity.pk}").drag_to(page.locator(f"#cards-{proposal.pk}"))
    expect(page.locator("#toasts")).to_contain_text(re.compile("expected close date|预计成交日期"))
    expect(page.locator(f"#cards-{needs.pk} #card-{opportunity.pk}")).to_be_visible()
    assert Opportunity.objects.get(pk=opportunity.pk).stage == needs

    # the detail page shows the history of both stages
    page.locator(f"#card-title-{opportunity.pk}").click()
    history = page.get_by_test_id("stage-history")
    expect(history).to_contain_text("需求确认")
    expect(history).to_contain_text("初步接洽")
    expect(page.get_by_test_id("probability")).to_have_text("25%")

    # lose it with a reason from the dictionary
    page.locator(f"a[href='/sales/opportunities/{opportunity.pk}/lose/']").click()
    page.locator("form.card button[type=submit]").click()
    expect(page.locator("#id_reason_errors")).to_be_visible()
    page.locator("#id_reason").select_option("price")
    page.locator("#id_note").fill("对方报价低 8%")
    page.locator("form.card button[type=submit]").click()
    expect(page.get_by_test_id("loss-reason")).to_have_text("价格偏高")
    lost = Opportunity.objects.get(pk=opportunity.pk)
    assert (lost.status, lost.loss_reason, lost.stage.code) == ("lost", "price", "lost")
    customer.refresh_from_db()
    assert customer.status == "potential"


def test_a_card_dragged_into_a_stage_needing_approval_stays_until_a_manager_decides(
    live_server: object, page: Page
) -> None:
    world = World()
    grant(world.alice, "salesperson")
    customer = register(world.alice, "华信精密机械有限公司")
    opportunity = services.opportunity_create(
        actor=world.alice,
        customer=customer,
        data={"name": "数控机床改造", "need": "改造三台机床", "contact": customer.contacts.get()},
    )
    contact = Stage.objects.get(pipeline__code="project", code="contact")
    needs = Stage.objects.get(pipeline__code="project", code="needs")
    Stage.objects.filter(pk=needs.pk).update(needs_approval=True)
    base = str(live_server)

    sign_in(page, base, "alice")
    page.goto(f"{base}/sales/board/")
    page.locator(f"#card-{opportunity.pk}").drag_to(page.locator(f"#cards-{needs.pk}"))
    waiting = page.locator(f"#cards-{contact.pk} #card-{opportunity.pk}")
    expect(waiting).to_contain_text(re.compile("waiting for approval|待审批"))
    expect(waiting.locator("[data-probability]")).to_have_text("10%")
    assert Opportunity.objects.get(pk=opportunity.pk).pending_stage == needs


def test_the_forecast_draws_its_chart_under_the_strict_content_policy(live_server: object, page: Page) -> None:
    world = World()
    grant(world.alice, "salesperson")
    services.opportunity_create(
        actor=world.alice,
        customer=register(world.alice, "华信精密机械有限公司"),
        data={"name": "数控机床改造", "amount": Decimal(80000), "expected_close_date": date.today()},
    )
    base = str(live_server)

    sign_in(page, base, "alice")
    page.goto(f"{base}/sales/forecast/")
    expect(page.get_by_test_id("weighted-total")).to_contain_text("8,000.00")
    expect(page.locator("[data-forecast-chart] canvas")).to_have_count(1)
