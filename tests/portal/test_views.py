"""The portal's pages in both languages, the registration forms, the lists in a fixed number of queries, and
the Portal tab of a partner's 360 page where the company's people invite."""

from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanxi.customers.models import Customer
from guanxi.portal.models import Invitation, Registration
from tests.customers.test_partners import client
from tests.portal.conftest import Channel, signed_in

PAGES = [
    "portal:home", "portal:registrations", "portal:register_customer", "portal:register_lead", "portal:customers",
    "portal:leads", "portal:orders", "portal:deliveries", "portal:tickets", "portal:ticket_new", "portal:password",
]  # fmt: skip


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_portal_page_opens_in_both_languages_without_the_staff_menu(channel: Channel, language: str) -> None:
    browser = signed_in(channel.pia)
    browser.cookies["django_language"] = language
    for name in PAGES:
        response = browser.get(reverse(name))
        assert response.status_code == 200, name
        assert "华东渠道贸易有限公司" in response.text
        assert reverse("core:search") not in response.text  # no staff search, menu or notifications
    home = browser.get(reverse("portal:home")).text
    assert ("合作伙伴入口" if language == "zh-hans" else "Partner portal") in home


def test_the_lists_show_the_partners_records_only(channel: Channel) -> None:
    browser = signed_in(channel.pia)
    customers = browser.get(reverse("portal:customers")).text
    assert "苏州精工机械有限公司" in customers
    assert "广州远航科技有限公司" not in customers and "上海自营客户有限公司" not in customers
    assert channel.east_order.number in browser.get(reverse("portal:orders")).text
    assert channel.own_order.number not in browser.get(reverse("portal:orders")).text
    assert channel.east_delivery.number in browser.get(reverse("portal:deliveries")).text
    tickets = browser.get(reverse("portal:tickets")).text
    assert "车床异响" in tickets and "自营客户报修" not in tickets
    detail = browser.get(reverse("portal:customer", args=[channel.east_customer.pk])).text
    assert channel.east_order.number in detail and channel.east_delivery.number in detail and "车床异响" in detail


def test_registering_a_lead_lists_it_with_its_status(channel: Channel) -> None:
    browser = signed_in(channel.pia)
    data = {"name": "钱多", "company": "嘉兴禾丰纺织有限公司", "mobile": "13677778888"}
    response = browser.post(reverse("portal:register_lead"), data, follow=True)
    assert "嘉兴禾丰纺织有限公司" in response.text
    lead = Registration.objects.get().lead
    assert lead is not None and lead.partner == channel.east


def test_a_conflicting_registration_reads_neutrally_naming_no_one(channel: Channel) -> None:
    held = client(channel.charlie, "南京金陵精密有限公司")
    browser = signed_in(channel.pia)
    browser.cookies["django_language"] = "en"
    response = browser.post(reverse("portal:register_customer"), {"name": "南京金陵精密有限公司"}, follow=True)
    assert "our channel team will review your registration" in response.text
    assert "Under review" in response.text
    # the held customer's number, not "KH" anywhere: the page's random CSRF token may contain those letters
    assert "张查理" not in response.text and "张**" not in response.text and held.number not in response.text


def test_bad_input_shows_on_its_field(channel: Channel) -> None:
    browser = signed_in(channel.pia)
    response = browser.post(reverse("portal:register_lead"), {"name": "钱多", "mobile": "123"})
    assert response.status_code == 200
    assert response.context["form"].errors["mobile"]
    assert not Registration.objects.exists()


def test_a_ticket_opened_in_the_portal_is_followed_there(channel: Channel) -> None:
    browser = signed_in(channel.pia)
    data = {"customer": channel.east_customer.pk, "type": "repair", "priority": "normal", "subject": "主轴过热"}
    response = browser.post(reverse("portal:ticket_new"), data, follow=True)
    assert "主轴过热" in response.text
    refused = browser.post(reverse("portal:ticket_new"), {**data, "customer": channel.south_customer.pk})
    assert refused.context["form"].errors["customer"]


def _queries(browser: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert browser.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("route", ["portal:customers", "portal:registrations", "portal:tickets", "portal:orders"])
def test_a_list_costs_the_same_queries_for_one_row_or_a_full_page(channel: Channel, route: str) -> None:
    browser = signed_in(channel.pia)
    one = _queries(browser, reverse(route))
    for n in range(22):
        customer = client(channel.alice, f"渠道客户{n:02d}有限公司", partner=channel.east)
        from guanxi.portal import services

        services.registration_submit_lead(actor=channel.pia, data={"name": f"客户{n}", "mobile": f"1350000{n:04d}"})
        services.partner_ticket_open(actor=channel.pia, customer=customer, data={"type": "repair", "subject": "报修"})
    assert _queries(browser, reverse(route)) <= one + 1  # at most the pagination's count once rows exist


def test_the_portal_tab_lists_users_and_invites_by_mail(
    channel: Channel, django_capture_on_commit_callbacks: Any
) -> None:
    staff = signed_in(channel.alice)
    tab = staff.get(reverse("portal:partner_tab", args=[channel.east.pk])).text
    assert "潘雅" in tab and "彭涛" not in tab
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("portal:invite", args=[channel.east.pk]), {"name": "沈新", "email": "shen@east.example"}
        )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["shen@east.example"]
    assert Invitation.objects.filter(email="shen@east.example", partner=channel.east).exists()
    assert signed_in(channel.charlie).get(reverse("portal:partner_tab", args=[channel.east.pk])).status_code == 404
    not_a_partner = staff.get(reverse("portal:partner_tab", args=[channel.own_customer.pk]))
    assert not_a_partner.status_code == 404
    assert Customer.objects.filter(kind="partner").count() == 3


def test_the_customer_page_shows_its_signed_contracts_not_the_drafts(channel: Channel) -> None:
    from decimal import Decimal

    from tests.sales.contracting import contract, signed

    done = signed(channel.alice, channel.bob, channel.east_customer, amount=Decimal(50000))
    draft = contract(channel.alice, channel.east_customer, title="草稿合同")
    page = signed_in(channel.pia).get(reverse("portal:customer", args=[channel.east_customer.pk])).text
    assert done.number in page
    assert draft.number not in page
