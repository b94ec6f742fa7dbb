"""The partner scope, proven over everything (SPEC §14.9): a channel partner's person sees their partner's
records and nothing else — not another partner's, not the company's own, not another unit's — through the
gate, every page and every API route. Every route that is not the portal's answers them 404, before any
view runs, so a module added later is covered without knowing about partners."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from guanxi.core import scope
from guanxi.customers.models import Customer
from guanxi.portal import services
from guanxi.portal.models import Registration
from tests.portal.conftest import Channel, signed_in
from tests.test_urls import concrete, named_routes

ROUTES = named_routes()
# What any signed-in person reaches: sign-out, the language, the health check.
OPEN_TO_EVERYONE = {"org:logout", "org:set_language", "healthz"}
PORTAL_API = ("portal-customer", "portal-lead", "portal-ticket", "portal-registration")


def _is_portal(name: str) -> bool:
    return name.startswith("portal:") or name.startswith(PORTAL_API)


STAFF_PAGES = [
    (n, p) for n, p in ROUTES if not p.startswith("api/") and not _is_portal(n) and n not in OPEN_TO_EVERYONE
]
STAFF_API = [(n, p) for n, p in ROUTES if p.startswith("api/") and not _is_portal(n) and n != "api-token"]
STAFF_TAB = {  # the company's side of the portal
    "portal:partner_tab", "portal:invite", "portal:invitation_revoke", "portal:member_deactivate",
    "portal:member_reactivate",
}  # fmt: skip


def _ids(channel: Channel) -> list[int]:
    """Ids that exist and are not the partner's: another partner's customer, the company's own records."""
    return sorted({channel.south_customer.pk, channel.own_customer.pk, channel.own_order.pk, channel.own_ticket.pk})


def _urls(pattern: str, channel: Channel) -> list[str]:
    if "<" not in pattern and "(?P" not in pattern:
        return [concrete(pattern)]
    return [concrete(pattern).replace("/1/", f"/{pk}/") for pk in _ids(channel)] + [concrete(pattern)]


def test_every_staff_page_answers_a_partners_person_404_and_changes_nothing(channel: Channel) -> None:
    """Every named page of the site but the portal's, with the ids of records that exist (another partner's
    customer, the company's own customer, order and ticket), by GET and by POST."""
    browser = signed_in(channel.pia)
    before = _counts()
    wrong = []
    for name, pattern in STAFF_PAGES:
        for url in _urls(pattern, channel):
            for method in (browser.get, browser.post):
                response = method(url)
                if url == "/":
                    if (response.status_code, response.get("Location")) != (302, reverse("portal:home")):
                        wrong.append(f"{name} {url} {response.status_code}")
                elif response.status_code != 404:
                    wrong.append(f"{name} {url} {response.status_code}")
    assert not wrong, f"pages that answered a partner: {wrong}"
    assert _counts() == before
    assert len(STAFF_PAGES) > 300  # the whole site, not a sample


def test_every_staff_api_route_answers_a_partners_token_or_session_404(channel: Channel) -> None:
    token = Token.objects.create(user=channel.pia)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    session = signed_in(channel.pia)
    before = _counts()
    wrong = []
    for name, pattern in STAFF_API:
        for url in _urls(pattern, channel):
            for caller in (api, session):
                for method in (caller.get, caller.post):
                    response = method(url, content_type="application/json")
                    if name == "api-calendar-feed" and caller is api and response.status_code == 401:
                        continue  # the feed reads its own ?token=, not the header: a stranger to it
                    if response.status_code != 404:
                        wrong.append(f"{name} {url} {response.status_code}")
                    elif response["Content-Type"] == "application/json" and set(response.json()) - {"detail", "code"}:
                        wrong.append(f"{name} {url} {response.json()}")
    assert not wrong, f"API routes that answered a partner: {wrong}"
    assert _counts() == before
    assert len(STAFF_API) > 100


def _counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in scope.registered_models()}


def test_a_partner_gets_a_token_and_it_opens_the_portals_api_only(channel: Channel) -> None:
    from tests.portal.conftest import PORTAL_PASSWORD

    answer = Client().post(
        reverse("api-token"), {"username": "pia", "password": PORTAL_PASSWORD}, content_type="application/json"
    )
    api = Client(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    assert api.get("/api/v1/portal/customers/").status_code == 200
    assert api.get("/api/v1/customers/").status_code == 404
    assert api.get("/api/v1/me/").status_code == 404
    assert api.get("/api/schema/").status_code == 404


def test_the_gate_shows_a_partners_person_their_partners_rows_of_declared_models_and_nothing_else(
    channel: Channel,
) -> None:
    """Every model behind the gate: a declared one shows exactly the rows whose path names the partner (and
    every such row), any other shows nothing, whatever rows exist (some of them the partner's own)."""
    services.registration_submit_lead(actor=channel.pia, data={"name": "钱多", "mobile": "13677778888"})
    services.registration_submit_lead(actor=channel.pete, data={"name": "孙少", "mobile": "13677779999"})
    wrong = []
    for model in scope.registered_models():
        manager: Any = model._default_manager.get_queryset()
        seen = set(manager.visible_to(channel.pia).values_list("pk", flat=True))
        readable = set(manager.readable_by(channel.pia).values_list("pk", flat=True))
        path = scope._PARTNER_PATHS.get(model)
        theirs = set(manager.filter(**{path: channel.east.pk}).values_list("pk", flat=True)) if path else set()
        if seen != theirs or readable != theirs:
            wrong.append(model._meta.label)
    assert not wrong, f"models that show a partner other rows: {wrong}"
    declared = {model._meta.label for model in scope._PARTNER_PATHS}
    assert declared == {
        "customers.Customer", "customers.Contact", "leads.Lead", "sales.Order", "sales.Contract",
        "finance.Delivery", "service.Ticket", "service.TicketStep", "portal.Registration", "portal.PartnerMember",
    }  # fmt: skip


def test_the_partner_sees_exactly_what_it_brought(channel: Channel) -> None:
    pia = channel.pia
    assert set(Customer.objects.visible_to(pia)) == {channel.east_customer}
    assert set(type(channel.east_lead).objects.visible_to(pia)) == {channel.east_lead}
    assert set(type(channel.east_order).objects.visible_to(pia)) == {channel.east_order}
    assert set(type(channel.east_delivery).objects.visible_to(pia)) == {channel.east_delivery}
    assert set(type(channel.east_ticket).objects.visible_to(pia)) == {channel.east_ticket}
    assert set(Customer.objects.visible_to(channel.hana)) == {channel.hangzhou_customer}
    assert not Registration.objects.visible_to(pia).exists()


@pytest.mark.parametrize(
    ("route", "mine", "others"),
    [
        ("portal:customer", "east_customer", ["south_customer", "own_customer", "hangzhou_customer", "east"]),
        ("portal:ticket", "east_ticket", ["own_ticket"]),
    ],
)
def test_a_portal_page_of_another_partners_or_the_companys_record_is_404(
    channel: Channel, route: str, mine: str, others: list[str]
) -> None:
    browser = signed_in(channel.pia)
    assert browser.get(reverse(route, args=[getattr(channel, mine).pk])).status_code == 200
    for other in others:
        assert browser.get(reverse(route, args=[getattr(channel, other).pk])).status_code == 404


@pytest.mark.parametrize("name", [n for n, _p in ROUTES if n.startswith("portal:") and n not in STAFF_TAB])
def test_the_portals_pages_are_for_partners_people_staff_are_sent_home(channel: Channel, name: str) -> None:
    pattern = dict(ROUTES)[name]
    if name in ("portal:login", "portal:logout", "portal:accept"):
        return
    response = signed_in(channel.alice).get(concrete(pattern))
    assert (response.status_code, response["Location"]) == (302, reverse("core:home"))


def test_the_portals_api_refuses_the_companys_people(channel: Channel) -> None:
    staff = signed_in(channel.alice)
    for resource in ("customers", "leads", "tickets", "registrations"):
        assert staff.get(f"/api/v1/portal/{resource}/").status_code == 403


def test_a_reply_to_a_ticket_of_another_partner_or_the_company_is_404_and_keeps_nothing(channel: Channel) -> None:
    from guanxi.service.models import TicketStep

    south_ticket = services.partner_ticket_open(
        actor=channel.pete, customer=channel.south_customer, data={"type": "repair", "subject": "华南报修"}
    )
    browser = signed_in(channel.pia)
    token = Token.objects.create(user=channel.pia)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    before = TicketStep.objects.count()
    for ticket in (channel.own_ticket, south_ticket):
        assert browser.post(reverse("portal:ticket_reply", args=[ticket.pk]), {"text": "我来回复"}).status_code == 404
        url = f"/api/v1/portal/tickets/{ticket.pk}/replies/"
        assert api.get(url).status_code == 404
        assert api.post(url, {"text": "我来回复"}, content_type="application/json").status_code == 404
    assert TicketStep.objects.count() == before
    own = f"/api/v1/portal/tickets/{channel.east_ticket.pk}/replies/"
    assert api.get(own).status_code == 200
    assert signed_in(channel.alice).get(own).status_code == 403  # the company's people have the full API
