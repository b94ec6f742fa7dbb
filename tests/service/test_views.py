"""The service pages: lists with a bounded number of queries, the detail's steps, the 360 tab and banner,
the opportunity form's banner, the export and the public pages."""

from datetime import date, timedelta

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from guanxi.org.models import User
from guanxi.service import knowledge, services
from guanxi.service.models import Ticket
from guanxi.service.workcalendar import LAST_YEAR
from tests.conftest import client_for, grant
from tests.service.conftest import MONDAY, Desk, open_ticket


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_and_the_queue_take_the_same_queries_for_three_tickets_or_thirty(desk: Desk) -> None:
    client = client_for(desk.mei)
    for _ in range(3):
        open_ticket(desk.mei, desk.customer)
    client.get("/service/tickets/")  # the first request of a session records the sign-in's activity
    few = [queries(client, "/service/tickets/"), queries(client, "/service/?queue=unassigned")]
    for _ in range(27):
        open_ticket(desk.mei, desk.customer)
    assert [queries(client, "/service/tickets/"), queries(client, "/service/?queue=unassigned")] == few


def test_a_manager_registers_a_ticket_and_a_missing_subject_is_shown_on_its_field(desk: Desk) -> None:
    client = client_for(desk.mei)
    data = {"customer": desk.customer.pk, "type": "repair", "channel": "phone_in", "priority": "normal"}
    refused = client.post("/service/tickets/new/", {**data, "subject": ""})
    assert refused.status_code == 200 and list(refused.context["form"].errors) == ["subject"]
    created = client.post("/service/tickets/new/", {**data, "subject": "空调不制冷"})
    ticket = Ticket.objects.get(subject="空调不制冷")
    assert created["Location"] == f"/service/tickets/{ticket.pk}/"


def test_the_detail_page_offers_the_next_step_and_shows_the_timeline(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    page = client_for(desk.mei).get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="assign-form"' in page and 'data-testid="suggestion"' in page
    client = client_for(desk.sam)
    client.post(f"/service/tickets/{ticket.pk}/assign/", {"take": "1"})
    client.post(f"/service/tickets/{ticket.pk}/start/")
    client.post(f"/service/tickets/{ticket.pk}/resolve/", {"resolution": "已清理卡纸"})
    page = client.get(f"/service/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="feedback-card"' in page and "已清理卡纸" in page
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.assignee_id == desk.sam.pk
    refused = client.post(f"/service/tickets/{ticket.pk}/start/", follow=True).content.decode()
    assert "只有已分配的服务单才能开始处理。" in refused


def test_the_360_page_shows_the_complaint_banner_and_the_service_tab(desk: Desk) -> None:
    open_ticket(desk.mei, desk.customer, subject="投诉送货慢")
    grant(desk.root, "unit_head")
    client = client_for(desk.root)
    page = client.get(f"/customers/{desk.customer.pk}/").content.decode()
    assert 'data-testid="customer-warning"' in page and "?tab=service" in page
    tab = client.get(f"/service/customer/{desk.customer.pk}/").content.decode()
    assert "投诉送货慢" in tab
    form = client.get(f"/sales/opportunities/new/?customer={desk.customer.pk}").content.decode()
    assert 'data-testid="customer-warning"' in form
    quote_form = client.get(f"/sales/quotes/new/?customer={desk.customer.pk}").content.decode()
    assert 'data-testid="customer-warning"' in quote_form
    quiet = client.get(f"/customers/{desk.customer_b.pk}/")
    assert quiet.status_code == 200 and 'data-testid="customer-warning"' not in quiet.content.decode()


def test_the_export_is_an_xlsx_of_the_filtered_list(desk: Desk) -> None:
    open_ticket(desk.mei, desk.customer)
    response = client_for(desk.mei).get("/service/tickets/export/?type=complaint")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client_for(desk.sam).get("/service/tickets/export/").status_code == 403


def test_the_customer_answers_through_the_public_link_once(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam, at=MONDAY)
    services.ticket_start(actor=desk.sam, ticket=ticket, at=MONDAY + timedelta(hours=1))
    services.ticket_resolve(actor=desk.sam, ticket=ticket, resolution="已修好")
    token = services.ticket_feedback_link(actor=desk.sam, ticket=ticket)
    anonymous = Client()
    assert ticket.subject in anonymous.get(f"/service/feedback/{token}/").content.decode()
    answered = anonymous.post(f"/service/feedback/{token}/", {"satisfaction": "5", "comment": "谢谢"})
    assert 'data-testid="thank-you"' in answered.content.decode()
    assert anonymous.get(f"/service/feedback/{token}/").status_code == 410
    ticket.refresh_from_db()
    assert ticket.status == "archived" and ticket.steps.filter(kind="feedback", actor__isnull=True).exists()


def test_the_public_faq_lists_only_public_articles(desk: Desk) -> None:
    category = knowledge.category_create(actor=desk.mei, name="常见问题")
    knowledge.article_create(
        actor=desk.mei, data={"title": "如何报修", "category": category, "body": "<p>拨打热线</p>", "is_public": True}
    )
    knowledge.article_create(actor=desk.mei, data={"title": "内部流程", "category": category, "body": "<p>仅内部</p>"})
    page = Client().get("/service/faq/").content.decode()
    assert "如何报修" in page and "内部流程" not in page


def test_each_unit_has_its_own_faq_address(desk: Desk) -> None:
    grant(desk.ben, "service_manager")
    for actor, title in ((desk.mei, "如何报修打印机"), (desk.ben, "如何预约保养")):
        category = knowledge.category_create(actor=actor, name="常见问题")
        data = {"title": title, "category": category, "body": "<p>请致电</p>", "is_public": True}
        knowledge.article_create(actor=actor, data=data)
    hangzhou = Client().get(f"/service/faq/{desk.unit_b.code}/").content.decode()
    assert "如何预约保养" in hangzhou and "如何报修打印机" not in hangzhou
    assert Client().get("/service/faq/nowhere/").status_code == 404
    listing = client_for(desk.mei).get("/service/knowledge/").content.decode()
    assert f"/service/faq/{desk.unit.code}/" in listing


def test_the_sla_page_names_the_calendar_and_says_when_its_data_ends(desk: Desk) -> None:
    with time_machine.travel(date(LAST_YEAR, 6, 1)):
        page = client_for(desk.sam).get("/service/sla/").content.decode()
    assert "中国法定节假日" in page and "24" in page and 'data-testid="calendar-fallback"' not in page
    with time_machine.travel(date(LAST_YEAR + 1, 3, 1)):  # signed in again: a session does not last a year
        page = client_for(desk.sam).get("/service/sla/").content.decode()
    assert 'data-testid="calendar-fallback"' in page and f"只到 {LAST_YEAR} 年" in page


def test_pages_need_the_service_module(desk: Desk) -> None:
    seller: User = desk.alice
    assert client_for(seller).get("/service/tickets/").status_code == 403


def test_a_manager_sees_the_teams_open_tickets_by_agent_and_an_agent_has_no_team_queue(desk: Desk) -> None:
    for _ in range(2):
        open_ticket(desk.mei, desk.customer)
    taken = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=taken, assignee=desk.sam)
    open_ticket(desk.ben, desk.customer_b)  # another unit's: not in Mei's view
    client = client_for(desk.mei)
    page = client.get("/service/?queue=team")  # the first request of a session records the sign-in's activity
    few = queries(client, "/service/?queue=team")
    loads = {str(load.agent) if load.agent else "-": (load.open, load.breached) for load in page.context["loads"]}
    assert loads == {"-": (2, 0), "山姆": (1, 0)}
    assert page.context["loads"][0].agent is None  # the unassigned first
    for _ in range(5):
        open_ticket(desk.mei, desk.customer)
    assert queries(client, "/service/?queue=team") == few
    agent = client_for(desk.sam).get("/service/?queue=team")
    assert "team" not in agent.context["queues"] and agent.context["queue"] == "mine"
