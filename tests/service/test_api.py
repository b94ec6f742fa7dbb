"""The tickets and knowledge-base API: the scope matrix over two units, the lifecycle actions and their
refusals, and the customers API's ``open_complaints``."""

import pytest
from rest_framework.test import APIClient

from guanxi.org.models import User
from guanxi.service import services
from guanxi.service.models import Ticket
from tests.service.conftest import Desk, open_ticket


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response: object) -> set[int]:
    return {row["id"] for row in response.json()["results"]}  # type: ignore[attr-defined]


def test_the_scope_matrix_over_two_units(desk: Desk) -> None:
    sams = open_ticket(desk.mei, desk.customer, subject="山姆的")
    services.ticket_assign(actor=desk.mei, ticket=sams, assignee=desk.sam)
    taos = open_ticket(desk.mei, desk.customer, subject="陶的")
    services.ticket_assign(actor=desk.mei, ticket=taos, assignee=desk.tao)
    queued = open_ticket(desk.mei, desk.customer, subject="待分配")
    in_b = open_ticket(desk.ben, desk.customer_b, subject="杭州的")

    seen = {
        name: ids(api(getattr(desk, name)).get("/api/v1/tickets/"))
        for name in ("sam", "tao", "mei", "uma", "ada", "ben", "gina")
    }
    assert seen["sam"] == {sams.pk, queued.pk}  # their own and the unit's unassigned queue
    assert seen["tao"] == {taos.pk, queued.pk}
    assert seen["mei"] == seen["ada"] == {sams.pk, taos.pk, queued.pk}  # the unit
    assert seen["uma"] == seen["ben"] == {in_b.pk}
    assert seen["gina"] == {sams.pk, taos.pk, queued.pk, in_b.pk}
    # out of scope answers 404, exactly like missing; a salesperson has no service module at all
    assert api(desk.sam).get(f"/api/v1/tickets/{taos.pk}/").status_code == 404
    assert api(desk.uma).get(f"/api/v1/tickets/{sams.pk}/").status_code == 404
    assert api(desk.alice).get("/api/v1/tickets/").status_code == 403


def test_the_lifecycle_through_the_api_with_each_refusal_and_its_code(desk: Desk) -> None:
    mei, sam = api(desk.mei), api(desk.sam)
    created = mei.post(
        "/api/v1/tickets/",
        {"customer": desk.customer.pk, "type": "complaint", "channel": "wechat", "priority": "urgent",
         "subject": "发票开错了"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    url = f"/api/v1/tickets/{pk}"

    refused = mei.post(f"{url}/start/")
    assert (refused.status_code, refused.json()["code"]) == (400, "not_assigned")
    refused = mei.post(f"{url}/assign/", {"assignee": desk.alice.pk}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "not_an_agent")
    refused = mei.post(f"{url}/assign/", {"assignee": desk.uma.pk}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "other_unit")
    assert mei.post(f"{url}/assign/", {"assignee": desk.sam.pk}, format="json").json()["status"] == "assigned"
    refused = mei.post(f"{url}/feedback/", {"satisfaction": 5}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "not_resolved")
    assert sam.post(f"{url}/start/").json()["status"] == "in_progress"
    assert sam.post(f"{url}/resolve/", {"resolution": "重开发票"}, format="json").json()["status"] == "resolved"
    refused = sam.post(f"{url}/feedback/", {"satisfaction": 7}, format="json")
    assert (refused.status_code, refused.json()) == (
        400,
        {"satisfaction": ["请打 1 到 5 分。"], "code": "out_of_range"},  # the API speaks the default language
    )
    again = sam.post(f"{url}/feedback/", {"satisfaction": 2, "comment": "还是错的"}, format="json").json()
    assert (again["status"], again["round"]) == ("assigned", 2)
    sam.post(f"{url}/start/")
    sam.post(f"{url}/resolve/", {"resolution": "作废重开"}, format="json")
    done = sam.post(f"{url}/feedback/", {"satisfaction": 4}, format="json").json()
    assert (done["status"], done["satisfaction"]) == ("archived", 4)
    refused = sam.post(f"{url}/feedback/", {"satisfaction": 4}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "ticket_archived")
    reopened = mei.post(f"{url}/reopen/", {"note": "客户又来电"}, format="json")
    assert reopened.status_code == 201 and reopened.json()["reopened_from"] == pk


def test_an_agent_cannot_archive_and_a_stranger_cannot_touch_another_units_ticket(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam)
    assert api(desk.sam).post(f"/api/v1/tickets/{ticket.pk}/archive/", {"note": "x"}, format="json").status_code == 403
    assert api(desk.uma).post(f"/api/v1/tickets/{ticket.pk}/start/").status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).status == "assigned"


def test_the_customers_api_counts_open_complaints(desk: Desk) -> None:
    from tests.conftest import grant

    complaint = open_ticket(desk.mei, desk.customer)
    open_ticket(desk.mei, desk.customer, type="consultation")
    grant(desk.root, "unit_head")
    row = api(desk.root).get(f"/api/v1/customers/{desk.customer.pk}/").json()
    assert row["open_complaints"] == 1 and "1 个未结投诉" in row["warnings"][0]
    services.ticket_assign(actor=desk.mei, ticket=complaint, assignee=desk.sam)
    services.ticket_start(actor=desk.sam, ticket=complaint)
    services.ticket_resolve(actor=desk.sam, ticket=complaint, resolution="已处理")
    services.ticket_feedback(actor=desk.sam, ticket=complaint, satisfaction=5)
    listing = api(desk.root).get("/api/v1/customers/").json()["results"]
    assert [row["open_complaints"] for row in listing if row["id"] == desk.customer.pk] == [0]


@pytest.mark.parametrize("query", ["打印", "卡纸", "printer", "搓纸轮"])
def test_articles_are_found_by_a_word_or_a_two_character_fragment(desk: Desk, query: str) -> None:
    from guanxi.service import knowledge

    category = knowledge.category_create(actor=desk.mei, name="打印设备")
    article = knowledge.article_create(
        actor=desk.mei,
        data={"title": "打印机卡纸怎么办 (Printer jam)", "category": category,
              "body": "<p onclick='x'>先关机，再检查<b>搓纸轮</b>。</p><script>alert(1)</script>"},
    )  # fmt: skip
    knowledge.article_create(actor=desk.mei, data={"title": "发票抬头", "category": category, "body": "<p>开票</p>"})
    assert article.body == "<p>先关机，再检查<b>搓纸轮</b>。</p>"
    found = api(desk.sam).get("/api/v1/articles/", {"search": query}).json()
    assert [row["id"] for row in found["results"]] == [article.pk]
    assert api(desk.uma).get("/api/v1/articles/", {"search": query}).json()["count"] == 0  # another unit's
    voted = api(desk.sam).post(f"/api/v1/articles/{article.pk}/helpful/", {"helpful": True}, format="json").json()
    api(desk.sam).post(f"/api/v1/articles/{article.pk}/helpful/", {"helpful": True}, format="json")
    assert voted["helpful_yes"] == 1 and Ticket.objects.count() == 0
