"""Events: the public registration (robots and floods kept out), a new registrant becomes a lead through the
intake and a known contact is linked, the QR code, the check-in once, attendance as the campaign's response,
and the API's roles."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guanxi.core.errors import Conflict, DomainError
from guanxi.leads.models import Lead
from guanxi.marketing.campaigns import selectors
from guanxi.marketing.campaigns.models import CampaignResponse
from guanxi.marketing.events import services
from guanxi.marketing.events.models import Event, Registration
from tests.conftest import TwoUnits, client_for

from .conftest import campaign, customer


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    """Only this module's counters: other tests may share the cache (Redis) at the same time."""
    cache.delete_many([f"guanxi:marketing:register:10.{ip}" for ip in ("1.1.1", "1.1.2", "9.9.9")])


def an_event(units: TwoUnits, **data: object) -> Event:
    fair = campaign(units.alice)
    start = timezone.now() + timedelta(days=10)
    values = {
        "name": "工博会 VIP 答谢会",
        "starts_at": start,
        "ends_at": start + timedelta(hours=3),
        "venue": "国家会展中心",
        **data,
    }
    return services.event_create(actor=units.alice, campaign=fair, data=values)


def post_form(event: Event, client: Client, ip: str = "10.1.1.1", **data: str) -> object:
    page = client.get(reverse("marketing:register", args=[event.key]))
    token = page.context["form"].initial["token"]
    with time_machine.travel(timezone.now() + timedelta(seconds=20)):
        return client.post(
            reverse("marketing:register", args=[event.key]), {"token": token, "website": "", **data}, REMOTE_ADDR=ip
        )


def test_a_new_registrant_becomes_a_lead_gets_a_qr_code_and_is_checked_in_once(units: TwoUnits) -> None:
    event = an_event(units)
    visitor = Client()
    answer = post_form(
        event, visitor, name="王芳", company="苏州恒力机械", mobile="139 0000 0005", email="WANG@hengli.cn"
    )
    assert answer.status_code == 302  # type: ignore[attr-defined]
    registration = Registration.objects.get()
    assert (registration.mobile, registration.email) == ("13900000005", "wang@hengli.cn")
    lead = Lead.objects.get(pk=registration.lead_id or 0)
    assert lead.campaign == event.campaign.name and lead.source == "exhibition" and lead.company == "苏州恒力机械"
    page = visitor.get(answer["Location"])  # type: ignore[index]
    assert page.status_code == 200 and "<svg" in page.content.decode() and registration.code in page.content.decode()
    again = post_form(event, Client(), ip="10.1.1.2", name="王芳", mobile="13900000005")
    assert again.status_code == 302 and Registration.objects.count() == 1  # type: ignore[attr-defined]
    done = services.registration_check_in(
        actor=units.alice, code=f"https://crm.example.cn/marketing/check-in/?code={registration.code}"
    )
    assert done.status == "attended"
    with pytest.raises(Conflict) as twice:
        services.registration_check_in(actor=units.alice, code=registration.code)
    assert twice.value.code == "already_checked_in"
    kinds = set(CampaignResponse.objects.filter(campaign=event.campaign).values_list("kind", flat=True))
    assert kinds == {"registered", "attended"}
    assert selectors.results_for([event.campaign_id], "first")[event.campaign_id].leads == 1


def test_a_known_contact_is_linked_not_made_a_lead(units: TwoUnits) -> None:
    huaxin = customer(units.alice, "上海华信科技有限公司", "13900000001")
    event = an_event(units)
    registration = services.registration_create(
        actor=units.alice, event=event, data={"name": "上海经理", "mobile": "13900000001"}
    )
    assert registration.customer_id == huaxin.pk and registration.lead_id is None and not Lead.objects.exists()


def test_robots_floods_bad_input_and_a_full_event_are_kept_out(units: TwoUnits) -> None:
    event = an_event(units, capacity=1)
    trap = post_form(event, Client(), name="bot", mobile="13900000009", website="http://spam.example")
    assert trap.status_code == 200 and not Registration.objects.exists()  # type: ignore[attr-defined]
    bad = post_form(event, Client(), name="", mobile="123")
    assert bad.status_code == 400 and set(bad.context["form"].errors) == {"name", "mobile"}  # type: ignore[attr-defined]
    assert post_form(event, Client(), name="甲", mobile="13900000011").status_code == 302  # type: ignore[attr-defined]
    full = post_form(event, Client(), name="乙", mobile="13900000012")
    assert full.status_code == 400 and Registration.objects.count() == 1  # type: ignore[attr-defined]
    for n in range(10):
        post_form(event, Client(), ip="10.9.9.9", name="丙", mobile=f"1390000{n:04d}")
    flooded = post_form(event, Client(), ip="10.9.9.9", name="丁", mobile="13900000099")
    assert flooded.status_code == 429  # type: ignore[attr-defined]
    with pytest.raises(DomainError):
        services.registration_check_in(actor=units.alice, code="nonsense")


def test_the_events_api_answers_each_role(units: TwoUnits) -> None:
    event = an_event(units)
    alice, bella = client_for(units.alice), client_for(units.bella)
    assert alice.get(f"/api/v1/events/{event.pk}/").json()["key"] == event.key
    assert bella.get(f"/api/v1/events/{event.pk}/").status_code == 404
    made = alice.post(
        "/api/v1/registrations/",
        {"event": event.pk, "name": "赵磊", "mobile": "13900000021"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    code = made.json()["code"]
    assert (
        bella.post("/api/v1/registrations/check-in/", {"code": code}, content_type="application/json").status_code
        == 400
    )
    assert (
        alice.post("/api/v1/registrations/check-in/", {"code": code}, content_type="application/json").json()["status"]
        == "attended"
    )
    assert (
        alice.post("/api/v1/registrations/check-in/", {"code": code}, content_type="application/json").status_code
        == 409
    )
    assert bella.get("/api/v1/registrations/").json()["count"] == 0
    assert Client().get("/api/v1/registrations/").status_code == 401
    page = alice.get(reverse("marketing:event", args=[event.pk]))
    assert page.status_code == 200 and "赵磊" in page.content.decode()
    assert bella.get(reverse("marketing:event", args=[event.pk])).status_code == 404
