from decimal import Decimal

from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from guanxi.core.templatetags.guanxi import money


def test_money_follows_the_locale() -> None:
    with translation.override("zh-hans"):
        assert money(Decimal("1234567.5")) == "¥1,234,567.50"
    with translation.override("en"):
        assert money(Decimal("1234567.5")) == "CN¥1,234,567.50"
    assert money(None) == ""


def test_query_with_keeps_filters_while_changing_the_page() -> None:
    request = RequestFactory().get("/customers/", {"q": "张", "page": "2"})
    rendered = Template("{% load guanxi %}{% query_with page=3 %}").render(Context({"request": request}))
    assert rendered == "?q=%E5%BC%A0&amp;page=3"


def test_dates_follow_the_locale() -> None:
    template = Template('{{ day|date:"DATE_FORMAT" }}')
    from datetime import date

    with translation.override("zh-hans"):
        assert template.render(Context({"day": date(2026, 11, 22)})) == "2026年11月22日"
    with translation.override("en"):
        assert template.render(Context({"day": date(2026, 11, 22)})) == "Nov. 22, 2026"
