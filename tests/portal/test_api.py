"""The portal's API (``/api/v1/portal/…``): a partner's token lists and opens its partner's customers, leads and
tickets, registers customers and leads and opens tickets; another partner's ids answer 404; the company's
people get 403 here and have the full API instead; anonymous callers 401."""

from typing import Any

from django.test import Client
from rest_framework.authtoken.models import Token

from guanxi.portal.models import Registration
from guanxi.service.models import Ticket
from tests.customers.test_partners import client
from tests.portal.conftest import Channel


def api(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}", HTTP_ACCEPT_LANGUAGE="en")


def test_a_partners_token_lists_its_partners_records(channel: Channel) -> None:
    pia = api(channel.pia)
    assert [row["name"] for row in pia.get("/api/v1/portal/customers/").json()["results"]] == ["苏州精工机械有限公司"]
    assert [row["number"] for row in pia.get("/api/v1/portal/leads/").json()["results"]] == [channel.east_lead.number]
    tickets = pia.get("/api/v1/portal/tickets/").json()["results"]
    assert [row["subject"] for row in tickets] == ["车床异响"]
    assert pia.get(f"/api/v1/portal/customers/{channel.east_customer.pk}/").status_code == 200
    for url in (
        f"/api/v1/portal/customers/{channel.south_customer.pk}/",
        f"/api/v1/portal/customers/{channel.own_customer.pk}/",
        f"/api/v1/portal/leads/{channel.south_lead.pk}/",
        f"/api/v1/portal/tickets/{channel.own_ticket.pk}/",
    ):
        assert pia.get(url).status_code == 404, url


def test_a_registration_through_the_api_answers_what_became_of_it(channel: Channel) -> None:
    pia = api(channel.pia)
    made = pia.post(
        "/api/v1/portal/leads/",
        {"name": "钱多", "company": "嘉兴禾丰纺织有限公司", "mobile": "13677778888"},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert (made.json()["outcome"], made.json()["status"]) == ("accepted", "new")
    client(channel.charlie, "南京金陵精密有限公司")
    review = pia.post("/api/v1/portal/customers/", {"name": "南京金陵精密有限公司"}, content_type="application/json")
    assert (review.status_code, review.json()["status"]) == (201, "in_review")
    assert set(review.json()) == {
        "id", "kind", "name", "contact_name", "phone", "outcome", "status", "status_label", "lead", "customer",
        "created_at",
    }  # fmt: skip
    listed = pia.get("/api/v1/portal/registrations/").json()["results"]
    assert [row["name"] for row in listed] == ["南京金陵精密有限公司", "嘉兴禾丰纺织有限公司"]
    assert api(channel.pete).get("/api/v1/portal/registrations/").json()["count"] == 0


def test_bad_input_is_a_400_naming_the_field_and_nothing_is_kept(channel: Channel) -> None:
    pia = api(channel.pia)
    bad = pia.post("/api/v1/portal/leads/", {"name": "钱多", "mobile": "123"}, content_type="application/json")
    assert bad.status_code == 400 and "mobile" in bad.json()
    owner = pia.post("/api/v1/portal/leads/", {"name": "钱多", "owner": 1}, content_type="application/json")
    assert owner.status_code == 400 and "owner" in owner.json()
    assert not Registration.objects.exists()


def test_a_ticket_opens_for_the_partners_customers_only(channel: Channel) -> None:
    pia = api(channel.pia)
    body = {"customer": channel.east_customer.pk, "type": "repair", "subject": "主轴过热"}
    made = pia.post("/api/v1/portal/tickets/", body, content_type="application/json")
    assert (made.status_code, made.json()["status"]) == (201, "new")
    other = pia.post(
        "/api/v1/portal/tickets/", {**body, "customer": channel.south_customer.pk}, content_type="application/json"
    )
    assert other.status_code == 400 and "customer" in other.json()
    assert Ticket.objects.filter(subject="主轴过热").count() == 1


def test_the_companys_people_and_strangers_are_refused(channel: Channel) -> None:
    assert api(channel.alice).get("/api/v1/portal/customers/").status_code == 403
    assert Client().get("/api/v1/portal/customers/").status_code == 401
