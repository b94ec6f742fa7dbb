from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.customers.models import Customer
from guanxi.sales import services
from guanxi.sales.models import Competitor, Opportunity, Pipeline, Stage
from tests.conftest import World, client_for, grant
from tests.customers.test_services import register

from .conftest import open_opportunity, project, stage


def test_the_board_shows_a_column_per_open_stage_with_totals(sales: World) -> None:
    open_opportunity(sales.alice, name="甲", amount=Decimal(1000))
    open_opportunity(sales.alice, name="乙", amount=Decimal(3000))
    response = client_for(sales.alice).get(reverse("sales:board"))
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [column.stage.code for column in columns] == ["contact", "needs", "proposal", "tender", "negotiation"]
    first = columns[0]
    assert (first.count, first.amount, first.weighted) == (2, Decimal("4000.00"), Decimal("400.00"))
    assert "甲" in response.text and 'data-move-url="' in response.text


def test_the_board_and_the_funnel_open_on_the_pipeline_the_readers_deals_are_in(sales: World) -> None:
    dealership = Pipeline.objects.get(code="dealership")
    open_opportunity(sales.charlie, name="试驾", pipeline=dealership, stage=stage("visit", "dealership"))
    board = client_for(sales.charlie).get(reverse("sales:board"))
    assert board.context["pipeline"] == dealership  # not the group's default, where Charlie has nothing
    funnel = client_for(sales.charlie).get(reverse("analytics:report", args=["funnel"]))
    assert f'<option value="{dealership.pk}" selected>' in funnel.text
    assert client_for(sales.alice).get(reverse("sales:board")).context["pipeline"] == project()  # no deals yet


def test_a_cards_menu_moves_it_without_dragging(sales: World) -> None:
    opportunity = open_opportunity(sales.alice, name="甲", contact=None, need="ERP")
    Opportunity.objects.filter(pk=opportunity.pk).update(contact=opportunity.customer.contacts.get())
    client = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en")
    board = client.get(reverse("sales:board")).text
    card = board[board.index(f'id="card-{opportunity.pk}"') :]
    card = card[: card.index("</article>")]
    assert "<select" not in card and f'data-testid="card-menu-{opportunity.pk}"' in card
    assert f'name="stage" value="{stage("needs").pk}"' in card
    assert f'name="stage" value="{stage("contact").pk}"' not in card  # not to where it is
    response = client.post(reverse("sales:move", args=[opportunity.pk]), {"stage": stage("needs").pk})
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "needs"


def test_the_board_runs_a_fixed_number_of_queries(sales: World, django_assert_max_num_queries: object) -> None:
    for n in range(30):
        open_opportunity(sales.alice, name=f"机会{n}", amount=Decimal(n))
    client = client_for(sales.bob)
    client.get(reverse("sales:board"))  # warm the session and grants
    with django_assert_max_num_queries(25):  # type: ignore[operator]
        response = client.get(reverse("sales:board"))
    column = response.context["columns"][0]
    assert (column.count, len(column.cards), column.has_more) == (30, 20, True)


def test_load_more_appends_the_next_cards_of_a_column(sales: World) -> None:
    for n in range(25):
        open_opportunity(sales.alice, name=f"机会{n}")
    response = client_for(sales.alice).get(reverse("sales:board_column", args=[stage("contact").pk]), {"page": 2})
    assert response.status_code == 200
    assert response.text.count("data-card") == 5
    assert "Load more" not in response.text


def test_the_board_filters_by_owner_and_search(sales: World) -> None:
    open_opportunity(sales.alice, name="爱丽的机会")
    grant(sales.charlie, "salesperson")
    client = client_for(sales.bob)
    response = client.get(reverse("sales:board"), {"q": "爱丽", "owner": str(sales.alice.pk)})
    assert response.context["columns"][0].count == 1
    response = client.get(reverse("sales:board"), {"q": "没有这个"})
    assert response.context["columns"][0].count == 0


def test_dragging_a_card_moves_it_and_answers_the_card_and_new_totals(sales: World) -> None:
    opportunity = open_opportunity(sales.alice, amount=Decimal(5000), contact=None, need="ERP")
    contact = opportunity.customer.contacts.get()
    Opportunity.objects.filter(pk=opportunity.pk).update(contact=contact)
    response = client_for(sales.alice).post(
        reverse("sales:move", args=[opportunity.pk]),
        {"stage": stage("needs").pk, "board_query": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert f'id="card-{opportunity.pk}"' in response.text
    assert "25%" in response.text  # the new stage's probability
    assert 'hx-swap-oob="true"' in response.text
    opportunity.refresh_from_db()
    assert (opportunity.stage.code, opportunity.probability) == ("needs", 25)


def test_a_refused_drag_answers_400_naming_the_missing_fields(sales: World) -> None:
    opportunity = open_opportunity(sales.alice)
    response = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("sales:move", args=[opportunity.pk]), {"stage": stage("proposal").pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "amount" in response.text and "expected close date" in response.text
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "contact"


def test_the_keyboard_move_form_redirects_back_to_the_board(sales: World) -> None:
    opportunity = open_opportunity(sales.alice, amount=Decimal(1), expected_close_date=timezone.localdate())
    back = reverse("sales:board") + "?q=x"
    response = client_for(sales.alice).post(
        reverse("sales:move", args=[opportunity.pk]), {"stage": stage("proposal").pk, "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "proposal"


def test_an_outsider_can_neither_see_nor_move_an_opportunity(sales: World) -> None:
    opportunity = open_opportunity(sales.alice)
    client = client_for(sales.charlie)
    assert client.get(reverse("sales:opportunity", args=[opportunity.pk])).status_code == 404
    response = client.post(reverse("sales:move", args=[opportunity.pk]), {"stage": stage("needs").pk})
    assert response.status_code == 404
    opportunity.refresh_from_db()
    assert opportunity.stage.code == "contact"


def test_the_detail_page_shows_the_stage_history(sales: World) -> None:
    opportunity = open_opportunity(sales.alice, amount=Decimal(1), expected_close_date=timezone.localdate())
    services.opportunity_move(actor=sales.alice, opportunity=opportunity, stage=stage("proposal"))
    response = client_for(sales.alice).get(reverse("sales:opportunity", args=[opportunity.pk]))
    assert response.status_code == 200
    assert "方案/报价" in response.text and "初步接洽" in response.text
    assert [stay.change.to_stage.code for stay in response.context["stays"]] == ["proposal", "contact"]


def test_creating_from_the_customer_page(sales: World) -> None:
    customer = register(sales.alice)
    client = client_for(sales.alice)
    page = client.get(reverse("sales:create") + f"?customer={customer.pk}")
    assert page.status_code == 200 and "customer_ref" not in page.context["form"].fields
    response = client.post(
        reverse("sales:create") + f"?customer={customer.pk}",
        {
            "name": "新项目",
            "pipeline": project().pk,
            "stage": "",
            "amount": "",
            "lines-TOTAL_FORMS": "3",
            "lines-INITIAL_FORMS": "0",
            "lines-0-description": "服务器",
            "lines-0-quantity": "2",
            "lines-0-unit_price": "100",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    created = Opportunity.objects.get(name="新项目")
    assert (created.customer, created.amount, created.stage.code) == (customer, Decimal("200.00"), "contact")
    customer.refresh_from_db()
    assert customer.status == "opportunity"


def test_opportunity_lines_pick_catalogue_products_and_keep_them_on_edit(sales: World) -> None:
    from .quoting import product

    grant(sales.root)
    lathe = product(sales.root, list_price=Decimal(1000))
    customer = register(sales.alice)
    client = client_for(sales.alice)
    lines = {"lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0"}
    response = client.post(
        reverse("sales:create") + f"?customer={customer.pk}",
        {"name": "机床项目", "pipeline": project().pk, **lines, "lines-0-product": lathe.pk, "lines-0-quantity": "3",
         "lines-1-description": "安装调试", "lines-1-unit_price": "500"},
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    created = Opportunity.objects.get(name="机床项目")
    first, second = created.lines.order_by("position")
    assert (first.product, first.description, first.unit, first.amount) == (lathe, "数控车床", "台", Decimal(3000))
    assert (second.product, second.amount, created.amount) == (None, Decimal(500), Decimal(3500))
    page = client.get(reverse("sales:edit", args=[created.pk]))
    assert f'<option value="{lathe.pk}" selected>' in page.text  # the picker shows the chosen product


def test_creating_needs_a_customer_the_user_can_see(sales: World) -> None:
    theirs = register(sales.charlie, "北京某公司")
    response = client_for(sales.alice).post(
        reverse("sales:create"),
        {"customer_ref": theirs.number, "name": "X", "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200
    assert "customer_ref" in response.context["form"].errors
    assert not Opportunity.objects.exists()


def test_losing_with_a_reason_from_the_page(sales: World) -> None:
    opportunity = open_opportunity(sales.alice)
    rival = Competitor.objects.create(business_unit=sales.unit, name="友商")
    client = client_for(sales.alice)
    refused = client.post(reverse("sales:lose", args=[opportunity.pk]), {"reason": ""})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors
    response = client.post(
        reverse("sales:lose", args=[opportunity.pk]), {"reason": "price", "competitor": rival.pk, "note": "贵"}
    )
    assert response.status_code == 302
    page = client.get(reverse("sales:opportunity", args=[opportunity.pk]))
    assert "价格偏高" in page.text and "友商" in page.text
    assert client.get(reverse("sales:competitor", args=[rival.pk])).context["record"]["lost_to"] == 1


def test_win_and_reopen_from_the_page(sales: World) -> None:
    opportunity = open_opportunity(sales.alice)
    client = client_for(sales.alice)
    assert client.post(reverse("sales:win", args=[opportunity.pk]), {"amount": "8000"}).status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.amount) == ("won", Decimal(8000))
    assert client.post(reverse("sales:reopen", args=[opportunity.pk]), {"note": "补充合同"}).status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.status == "open"


def test_editing_replaces_lines_and_refuses_a_stale_version(sales: World) -> None:
    opportunity = open_opportunity(sales.alice, lines=[{"description": "A", "unit_price": 10}])
    client = client_for(sales.alice)
    form = {
        "name": "改名",
        "version": opportunity.version,
        "amount": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "B",
        "lines-0-quantity": "3",
        "lines-0-unit_price": "5",
    }
    edited = client.post(reverse("sales:edit", args=[opportunity.pk]), form)
    assert edited.status_code == 302, edited.context["form"].errors
    opportunity.refresh_from_db()
    assert (opportunity.name, opportunity.amount) == ("改名", Decimal("15.00"))
    assert list(opportunity.lines.values_list("description", flat=True)) == ["B"]
    stale = client.post(reverse("sales:edit", args=[opportunity.pk]), {**form, "version": 1, "name": "再改"})
    assert stale.status_code == 200
    opportunity.refresh_from_db()
    assert opportunity.name == "改名"


def test_the_list_filters_and_sorts(sales: World, django_assert_max_num_queries: object) -> None:
    open_opportunity(sales.alice, name="小单", amount=Decimal(10))
    open_opportunity(sales.alice, name="大单", amount=Decimal(1000))
    client = client_for(sales.alice)
    client.get(reverse("sales:list"))
    with django_assert_max_num_queries(20):  # type: ignore[operator]
        response = client.get(reverse("sales:list"), {"ordering": "amount"})
    assert [row.name for row in response.context["page_obj"].object_list] == ["大单", "小单"]
    response = client.get(reverse("sales:list"), {"amount_min": "100"})
    assert [row.name for row in response.context["page_obj"].object_list] == ["大单"]


def test_the_customer_page_has_an_opportunities_tab(sales: World) -> None:
    customer = register(sales.alice)
    open_opportunity(sales.alice, customer, name="看得见")
    open_opportunity(sales.charlie, name="别人的")
    client = client_for(sales.alice, HTTP_ACCEPT_LANGUAGE="en")
    tab = client.get(
        reverse("customers:detail", args=[customer.pk]) + "?tab=opportunities", headers={"HX-Request": "true"}
    )
    assert reverse("sales:customer_opportunities", args=[customer.pk]) in tab.text
    response = client.get(reverse("sales:customer_opportunities", args=[customer.pk]))
    assert response.status_code == 200
    assert "看得见" in response.text and "New opportunity" in response.text and "别人的" not in response.text
    assert client_for(sales.charlie).get(reverse("sales:customer_opportunities", args=[customer.pk])).status_code == 404


def test_the_forecast_weights_by_month_owner_and_department(sales: World) -> None:
    today = timezone.localdate()
    open_opportunity(sales.alice, amount=Decimal(10000), expected_close_date=today)  # 10% → 1000
    open_opportunity(sales.alice, amount=Decimal(20000), expected_close_date=today - timedelta(days=40))  # overdue
    open_opportunity(sales.charlie, amount=Decimal(99999), expected_close_date=today)  # not in Bob's scope
    response = client_for(sales.bob).get(reverse("sales:forecast"))
    forecast = response.context["forecast"]
    assert forecast.weighted_total == Decimal("3000.00")
    assert forecast.totals[0] == Decimal("3000.00")
    assert [(row.label, row.total) for row in forecast.by_owner] == [("李爱丽", Decimal("3000.00"))]
    assert [row.label for row in forecast.by_department] == ["上海"]


def test_competitors_list_their_win_and_loss_counts(sales: World) -> None:
    rival = Competitor.objects.create(business_unit=sales.unit, name="友商")
    won = open_opportunity(sales.alice, name="赢的")
    services.opportunity_competitors_set(actor=sales.alice, opportunity=won, competitors=[rival])
    services.opportunity_win(actor=sales.alice, opportunity=won)
    services.opportunity_lose(
        actor=sales.alice, opportunity=open_opportunity(sales.alice), reason="price", competitor=rival
    )
    response = client_for(sales.alice).get(reverse("sales:competitors"))
    (row,) = response.context["competitors"]
    assert row.record == {"met": 2, "won": 1, "lost": 1, "lost_to": 1}


def test_a_salesperson_records_a_competitor_and_a_duplicate_is_refused(sales: World) -> None:
    client = client_for(sales.alice)
    response = client.post(reverse("sales:competitor_create"), {"name": "友商", "price_level": "low"})
    assert response.status_code == 302
    again = client.post(reverse("sales:competitor_create"), {"name": "友商"})
    assert again.status_code == 200 and "name" in again.context["form"].errors


def _stage_rows(pipeline: Pipeline) -> dict[str, str]:
    data: dict[str, str] = {}
    stages = list(pipeline.stages.order_by("sort_order"))
    data.update({"stages-TOTAL_FORMS": str(len(stages)), "stages-INITIAL_FORMS": str(len(stages))})
    for n, row in enumerate(stages):
        data.update(
            {
                f"stages-{n}-id": str(row.pk),
                f"stages-{n}-name": row.name,
                f"stages-{n}-code": row.code,
                f"stages-{n}-kind": row.kind,
                f"stages-{n}-probability": str(row.probability),
                f"stages-{n}-sort_order": str(row.sort_order),
                f"stages-{n}-is_active": "on",
            }
        )
    return data


def test_the_pipeline_editor_changes_probabilities_and_keeps_the_closing_stages(sales: World) -> None:
    pipeline = project()
    client = client_for(sales.root, HTTP_ACCEPT_LANGUAGE="en")
    data = {"name": pipeline.name, "code": pipeline.code, "is_default": "on", "is_active": "on", "sort_order": "0"}
    data.update(_stage_rows(pipeline))
    data["stages-1-probability"] = "33"
    data["stages-1-needs_approval"] = "on"
    data["stages-1-required_fields"] = ["amount", "contact"]  # type: ignore[assignment]
    assert client.post(reverse("sales:pipeline_edit", args=[pipeline.pk]), data).status_code == 302
    needs = stage("needs")
    assert (needs.probability, needs.needs_approval, sorted(needs.required_fields)) == (33, True, ["amount", "contact"])
    data["stages-5-kind"] = "open"  # no won stage left
    refused = client.post(reverse("sales:pipeline_edit", args=[pipeline.pk]), data)
    assert refused.status_code == 200
    assert "exactly one active won" in refused.text
    assert Stage.objects.get(pk=stage("won").pk).kind == "won"


def test_a_salesperson_cannot_open_the_pipeline_editor(sales: World) -> None:
    response = client_for(sales.alice).get(reverse("sales:pipeline_edit", args=[project().pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["sales:board", "sales:list", "sales:forecast", "sales:competitors"])
def test_pages_need_the_permission(world: World, name: str) -> None:
    assert client_for(world.alice).get(reverse(name)).status_code == 403
    assert Customer.objects.count() == 0


def test_a_stage_with_opportunities_keeps_its_kind(sales: World) -> None:
    open_opportunity(sales.alice)  # in the first stage
    pipeline = project()
    data = {"name": pipeline.name, "code": pipeline.code, "is_default": "on", "is_active": "on", "sort_order": "0"}
    data.update(_stage_rows(pipeline))
    data["stages-0-kind"] = "lost"
    data["stages-6-kind"] = "open"
    refused = client_for(sales.root, HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("sales:pipeline_edit", args=[pipeline.pk]), data
    )
    assert refused.status_code == 200 and "its kind cannot change" in refused.text
    assert stage("contact").kind == "open"


def test_the_detail_page_shows_the_opportunitys_open_plan(sales: World) -> None:
    opportunity = open_opportunity(sales.alice)
    response = client_for(sales.alice).get(reverse("sales:opportunity", args=[opportunity.pk]))
    (plan,) = response.context["open_plans"]
    assert plan.subject in response.text and plan.owner == sales.alice


def test_a_manager_approves_a_waiting_move_from_the_page(sales: World) -> None:
    target = stage("negotiation")
    target.needs_approval = True
    target.save()
    opportunity = open_opportunity(sales.alice, amount=Decimal(1), expected_close_date=timezone.localdate())
    client_for(sales.alice).post(reverse("sales:move", args=[opportunity.pk]), {"stage": target.pk})
    page = client_for(sales.alice).get(reverse("sales:opportunity", args=[opportunity.pk]))
    decide = reverse("sales:decide", args=[opportunity.pk])
    assert page.context["opportunity"].pending_stage == target and decide not in page.text
    manager = client_for(sales.bob)
    assert decide in manager.get(reverse("sales:opportunity", args=[opportunity.pk])).text
    assert manager.post(decide, {"approve": "on"}).status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.pending_stage) == (target, None)


def test_a_dragged_cards_answer_runs_a_fixed_number_of_queries(
    sales: World, django_assert_max_num_queries: object
) -> None:
    for n in range(15):
        open_opportunity(sales.alice, name=f"机会{n}", contact=None)
    opportunity = Opportunity.objects.filter(owner=sales.alice).first()
    assert opportunity is not None
    Opportunity.objects.filter(pk=opportunity.pk).update(contact=opportunity.customer.contacts.get(), need="需求")
    client = client_for(sales.alice)
    client.get(reverse("sales:board"))
    with django_assert_max_num_queries(22):  # type: ignore[operator]
        response = client.post(
            reverse("sales:move", args=[opportunity.pk]), {"stage": stage("needs").pk}, headers={"HX-Request": "true"}
        )
    assert response.status_code == 200 and response.text.count("hx-swap-oob") == 5


def test_the_search_box_finds_an_opportunity_by_number_within_scope(sales: World) -> None:
    opportunity = open_opportunity(sales.alice, name="数控机床改造")
    found = client_for(sales.alice).get(reverse("core:search"), {"q": opportunity.number})
    assert reverse("sales:opportunity", args=[opportunity.pk]) in found.text
    hidden = client_for(sales.charlie).get(reverse("core:search"), {"q": "数控机床"})
    assert reverse("sales:opportunity", args=[opportunity.pk]) not in hidden.text


def test_a_manager_exports_the_filtered_list_and_the_export_is_audited(sales: World) -> None:
    from guanxi.core.models import AuditEntry
    from guanxi.io.reading import read_table

    open_opportunity(sales.alice, name="小单", amount=Decimal(10))
    open_opportunity(sales.alice, name="大单", amount=Decimal(1000))
    response = client_for(sales.bob).get(reverse("sales:export"), {"amount_min": "100"})
    assert response.status_code == 200
    cells = {cell for row in read_table(response.content, "export.xlsx").rows for cell in row}
    assert "大单" in cells and "小单" not in cells
    assert AuditEntry.objects.filter(action="export", object_type="sales.opportunity").get().note == "1"
    assert client_for(sales.alice).get(reverse("sales:export")).status_code == 403  # a salesperson may not


def test_the_list_shows_the_moves_waiting_for_approval(sales: World) -> None:
    target = stage("needs")
    target.needs_approval = True
    target.save()
    waiting = open_opportunity(sales.alice, name="等审批", contact=None, need="需求")
    Opportunity.objects.filter(pk=waiting.pk).update(contact=waiting.customer.contacts.get())
    open_opportunity(sales.alice, name="不相干")
    services.opportunity_move(actor=sales.alice, opportunity=Opportunity.objects.get(pk=waiting.pk), stage=target)
    response = client_for(sales.bob).get(reverse("sales:list"), {"scene": "pending"})
    assert [row.name for row in response.context["page_obj"].object_list] == ["等审批"]


def test_a_stage_holding_opportunities_cannot_be_deactivated(sales: World) -> None:
    open_opportunity(sales.alice)  # in the first stage
    pipeline = project()
    data = {"name": pipeline.name, "code": pipeline.code, "is_default": "on", "is_active": "on", "sort_order": "0"}
    data.update(_stage_rows(pipeline))
    del data["stages-0-is_active"]
    refused = client_for(sales.root, HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("sales:pipeline_edit", args=[pipeline.pk]), data
    )
    assert refused.status_code == 200 and "before deactivating it" in refused.text
    assert stage("contact").is_active


def test_custom_fields_of_opportunities_are_on_the_form_and_the_page(sales: World) -> None:
    from guanxi.core.config.custom_fields import custom_field_create
    from guanxi.core.models import CustomField

    custom_field_create(
        actor=sales.root, model="sales.opportunity", key="budget", label="预算来源", type=CustomField.Type.TEXT
    )
    customer = register(sales.alice)
    client = client_for(sales.alice)
    response = client.post(
        reverse("sales:create") + f"?customer={customer.pk}",
        {"name": "带自定义字段", "custom.budget": "财政拨款", "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302
    created = Opportunity.objects.get(name="带自定义字段")
    assert created.custom == {"budget": "财政拨款"}
    page = client.get(reverse("sales:opportunity", args=[created.pk]))
    assert "预算来源" in page.text and "财政拨款" in page.text


def test_the_detail_page_shows_the_latest_stays_and_totals_over_all(
    sales: World, django_assert_max_num_queries: object
) -> None:
    from guanxi.sales import selectors

    opportunity = open_opportunity(sales.alice, amount=Decimal(1), expected_close_date=timezone.localdate())
    for n in range(selectors.HISTORY_LIMIT + 2):
        services.opportunity_move(
            actor=sales.alice, opportunity=opportunity, stage=stage("proposal" if n % 2 == 0 else "tender")
        )
    client = client_for(sales.alice)
    client.get(reverse("sales:opportunity", args=[opportunity.pk]))
    with django_assert_max_num_queries(28):  # type: ignore[operator]  # + its quotes, contracts and orders
        response = client.get(reverse("sales:opportunity", args=[opportunity.pk]))
    assert len(response.context["stays"]) == selectors.HISTORY_LIMIT
    assert response.context["stay_count"] == selectors.HISTORY_LIMIT + 3
    assert [stage.code for stage, _spent in response.context["time_in_stages"]] == ["contact", "proposal", "tender"]


def test_completing_an_opportunitys_last_plan_on_the_page_leaves_the_next_one_planned(sales: World) -> None:
    from guanxi.activities.services import open_plans_of

    opportunity = open_opportunity(sales.alice)
    plan = open_plans_of(related=opportunity).get()
    response = client_for(sales.alice).post(reverse("activities:plan_complete", args=[plan.pk]))
    assert response.status_code == 302 and "next=1" not in response["Location"]
    assert open_plans_of(related=opportunity).exclude(pk=plan.pk).count() == 1
