"""The public web-to-lead form: a visitor's page, spam, floods, validation, duplicates, embedding."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guanxi.core.errors import DomainError
from guanxi.core.models import ParameterValue
from guanxi.leads import webforms
from guanxi.leads.models import AssignmentRule, Lead, LeadForm
from tests.customers.test_services import register
from tests.leads.conftest import Sales, enter

SHOWN = ["name", "company", "mobile", "email", "need"]


def make_form(sales: Sales, **fields: Any) -> LeadForm:
    data = {
        "name": "官网咨询",
        "title": "预约产品演示",
        "fields": SHOWN,
        "required": ["name", "mobile"],
        "source": "online",
        "campaign": "2026 秋季展",
        "thank_you": "谢谢，我们会在一个工作日内联系您。",
        **fields,
    }
    return webforms.leadform_save(actor=sales.root, form=None, data=data)


def visit(client: Client, form: LeadForm) -> str:
    """Open the hosted page as a visitor would; returns the signed token in it."""
    response = client.get(reverse("leads:webform", args=[form.key]))
    assert response.status_code == 200
    return response.context["form"]["token"].value()


def send(client: Client, form: LeadForm, token: str, **values: str) -> Any:
    data = {"token": token, "name": "陈先生", "company": "宁波港联物流有限公司", "mobile": "13655556666",
            "need": "仓储系统", "website": "", **values}  # fmt: skip
    return client.post(reverse("leads:webform", args=[form.key]), data, REMOTE_ADDR=values.get("ip", "10.0.0.1"))


@pytest.fixture
def visitor() -> Client:
    # a browser on another site: no session, and CSRF enforced as in production
    return Client(enforce_csrf_checks=True)


@contextmanager
def later(seconds: int = 10) -> Iterator[None]:
    """The clock moves on a few seconds, as a person takes to fill the form in."""
    with time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=False):
        yield


def test_a_visitor_sends_the_form_across_sites_and_a_lead_arrives_with_the_forms_source_and_campaign(
    sales: Sales, visitor: Client
) -> None:
    form = make_form(sales, department=sales.shanghai)
    token = visit(visitor, form)

    with later():
        response = send(visitor, form, token)

    assert response.status_code == 302 and response["Location"] == reverse("leads:webform_thanks", args=[form.key])
    lead = Lead.objects.get()
    assert (lead.channel, lead.source, lead.campaign, lead.form) == ("web_form", "online", "2026 秋季展", form)
    assert (lead.name, lead.mobile, lead.owner, lead.department) == ("陈先生", "13655556666", None, sales.shanghai)
    assert LeadForm.objects.get(pk=form.pk).submissions == 1
    thanks = visitor.get(response["Location"])
    assert "谢谢，我们会在一个工作日内联系您。" in thanks.content.decode()


def test_the_forms_rule_assigns_the_lead(sales: Sales, visitor: Client) -> None:
    rule = AssignmentRule.objects.create(business_unit=sales.unit, name="给朵拉", kind="user", user=sales.dora)
    form = make_form(sales, rule=rule)
    token = visit(visitor, form)

    with later():
        send(visitor, form, token)

    assert Lead.objects.get().owner == sales.dora


def test_a_filled_honeypot_is_answered_like_success_and_nothing_is_saved(sales: Sales, visitor: Client) -> None:
    form = make_form(sales)
    token = visit(visitor, form)

    with later():
        response = send(visitor, form, token, website="http://spam.example")

    assert response.status_code == 302
    assert not Lead.objects.exists()


def test_a_form_sent_within_seconds_of_loading_is_a_robots_and_is_dropped(sales: Sales, visitor: Client) -> None:
    form = make_form(sales)
    token = visit(visitor, form)

    response = send(visitor, form, token)  # no time passes

    assert response.status_code == 302
    assert not Lead.objects.exists()


@pytest.mark.parametrize("token", ["", "forged", "eyJmIjoiYWJjIiwidCI6MH0:1v:forged"])
def test_a_post_without_the_pages_signed_token_is_refused(sales: Sales, visitor: Client, token: str) -> None:
    form = make_form(sales)

    response = send(visitor, form, token)

    assert response.status_code == 400
    assert "表单已过期" in response.content.decode()  # the visitor's page speaks Chinese unless asked otherwise
    assert not Lead.objects.exists()


def test_a_flood_from_one_address_is_refused_after_the_limit(sales: Sales, visitor: Client) -> None:
    form = make_form(sales)
    ParameterValue.objects.create(business_unit=sales.unit, code="leads.webform_limit", value=3)
    token = visit(visitor, form)

    with later():
        answers = [send(visitor, form, token, mobile=f"1365555000{n}").status_code for n in range(5)]
        other = send(visitor, form, token, mobile="13655550009", ip="10.0.0.2").status_code

    assert answers == [302, 302, 302, 429, 429]
    assert other == 302  # another address has its own count
    assert Lead.objects.count() == 4


def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(sales: Sales, visitor: Client) -> None:
    form = make_form(sales)
    token = visit(visitor, form)

    with later():
        response = send(visitor, form, token, name="", mobile="12345")

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "name" in errors and "mobile" in errors
    assert not Lead.objects.exists()


def test_a_duplicate_visitor_is_never_refused_but_the_match_is_noted(sales: Sales, visitor: Client) -> None:
    earlier = enter(sales.alice, company="", mobile="13655556666")
    customer = register(sales.charlie, "宁波港联物流有限公司", contact={"name": "赵六", "mobile": "13700001111"})
    form = make_form(sales)
    token = visit(visitor, form)

    with later():
        send(visitor, form, token)

    lead = Lead.objects.exclude(pk=earlier.pk).get()
    assert (lead.duplicate_of, lead.matched_customer) == (earlier, customer)


def test_the_page_may_be_framed_by_the_listed_sites_only(sales: Sales, visitor: Client) -> None:
    anywhere = make_form(sales)
    listed = make_form(sales, name="合作方", allowed_sites="https://www.partner.cn\nhttps://shop.partner.cn")

    open_page = visitor.get(reverse("leads:webform", args=[anywhere.key]))
    listed_page = visitor.get(reverse("leads:webform", args=[listed.key]))

    assert "X-Frame-Options" not in open_page
    assert "frame-ancestors *" in open_page["Content-Security-Policy"]
    assert "frame-ancestors https://www.partner.cn https://shop.partner.cn" in listed_page["Content-Security-Policy"]


def test_a_closed_form_is_gone(sales: Sales, visitor: Client) -> None:
    form = make_form(sales, is_active=False)

    assert visitor.get(reverse("leads:webform", args=[form.key])).status_code == 404


def test_an_administrator_defines_a_form_that_can_reach_the_visitor(sales: Sales) -> None:
    with pytest.raises(ValidationError) as refusal:
        make_form(sales, fields=["name", "company", "need"], allowed_sites="www.partner.cn")

    assert set(refusal.value.message_dict) == {"fields", "allowed_sites"}
    with pytest.raises(DomainError):
        webforms.leadform_save(actor=sales.alice, form=None, data={"name": "x"})  # a salesperson may not configure


def test_the_form_always_asks_and_requires_the_name(sales: Sales) -> None:
    form = make_form(sales, fields=["mobile", "need"], required=["mobile"])

    assert (form.fields, form.required) == (["name", "mobile", "need"], ["name", "mobile"])
