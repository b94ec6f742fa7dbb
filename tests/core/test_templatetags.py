from datetime import date, datetime
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from django import forms
from django.http import QueryDict
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from guanxi.core.context import amounts_in_wan
from guanxi.core.money import _currency
from guanxi.core.templatetags.guanxi import active_filters, mailto, money, tel


def test_money_follows_the_locale() -> None:
    with translation.override("zh-hans"):
        assert money(Decimal("1234567.5")) == "¥1,234,567.50"
    with translation.override("en"):
        assert money(Decimal("1234567.5")) == "CN¥1,234,567.50"
    assert money(None) == ""


def test_a_reader_who_chose_wan_sees_large_amounts_in_wan_in_chinese_only() -> None:
    token = amounts_in_wan.set(True)
    try:
        with translation.override("zh-hans"):
            assert money(Decimal("1285000")) == "¥128.50万"
            assert money(-25000) == "-¥2.50万"
            assert money(Decimal("9999.5")) == "¥9,999.50"
        with translation.override("en"):
            assert money(Decimal("1285000")) == "CN¥1,285,000.00"
    finally:
        amounts_in_wan.reset(token)
    with translation.override("zh-hans"):
        assert money(Decimal("1285000")) == "¥1,285,000.00"


@pytest.mark.parametrize("locale", ["zh_Hans", "en", "de", "hi_IN"])
def test_money_writes_what_babel_writes_for_every_kind_of_amount(locale: str) -> None:
    amounts: list[Decimal | float | int] = [2.675, -1, 7]
    amounts += [Decimal(text) for text in ("0", "-0", "-0.004", "0.125", "0.135", "1.5E+2", "-999.995")]
    amounts += [Decimal(n) / 100 for n in range(-(10**15), 10**15, 7_777_777_777_777)]
    for currency in ("CNY", "JPY"):
        for amount in amounts:
            assert _currency(amount, currency, locale) == format_currency(amount, currency, locale=locale), amount


def test_query_with_keeps_filters_while_changing_the_page() -> None:
    request = RequestFactory().get("/customers/", {"q": "张", "page": "2"})
    rendered = Template("{% load guanxi %}{% query_with page=3 %}").render(Context({"request": request}))
    assert rendered == "?q=%E5%BC%A0&amp;page=3"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_writes_a_day_and_a_moment_the_same_way(language: str) -> None:
    days = Template('{{ day|date:"DATE_FORMAT" }} {{ day|date:"SHORT_DATE_FORMAT" }} {{ day|date }}')
    moments = Template('{{ moment|date:"DATETIME_FORMAT" }} / {{ moment|date:"SHORT_DATETIME_FORMAT" }}')
    with translation.override(language):
        assert days.render(Context({"day": date(2026, 11, 22)})) == "2026-11-22 2026-11-22 2026-11-22"
        moment = datetime(2026, 11, 22, 9, 5)
        assert moments.render(Context({"moment": moment})) == "2026-11-22 09:05 / 2026-11-22 09:05"


class LeadFilter(forms.Form):
    q = forms.CharField(label="Name", required=False)
    scene = forms.ChoiceField(choices=[("mine", "Mine"), ("all", "All")], required=False)
    level = forms.ChoiceField(label="Level", choices=[("", "Any"), ("A", "Key account")], required=False)
    owners = forms.MultipleChoiceField(label="Owners", choices=[(1, "Alice"), (2, "Bob")], required=False)
    ordering = forms.ChoiceField(choices=[("updated", "Last updated"), ("name", "Name")], required=False)


def test_active_filters_name_each_filter_in_use_and_link_to_the_list_without_it() -> None:
    query = {"q": "张", "scene": "mine", "level": "A", "owners": ["1", "2"], "ordering": "name", "page": "3", "tag": ""}
    request = RequestFactory().get("/leads/", query)
    chips = active_filters(Context({"request": request}), LeadFilter(request.GET))

    assert [(chip.label, chip.value) for chip in chips] == [
        ("Name", "张"),
        ("Level", "Key account"),
        ("Owners", "Alice, Bob"),
    ]  # the scene is the tab above the list and the order filters nothing: neither is a chip
    without_level = QueryDict("q=%E5%BC%A0&scene=mine&owners=1&owners=2&ordering=name&tag=")
    assert QueryDict(chips[1].remove_url[1:]) == without_level


def test_an_unfiltered_list_has_no_chips() -> None:
    request = RequestFactory().get("/leads/")
    assert active_filters(Context({"request": request}), LeadFilter()) == []


def test_a_phone_number_links_to_its_digits_and_an_address_to_the_mail_app() -> None:
    assert tel("+86 21-6888 1234") == '<a href="tel:+862168881234" class="text-nowrap">+86 21-6888 1234</a>'
    assert mailto("a&b@example.com") == '<a href="mailto:a&amp;b@example.com">a&amp;b@example.com</a>'
    assert tel("") == mailto(None) == ""
