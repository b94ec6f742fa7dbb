from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.core.jobs import run_job
from guanxi.sales import tasks  # noqa: F401 (importing the tasks registers the expire_quotes job)
from guanxi.sales.models import Opportunity
from guanxi.sales.products import selectors as product_selectors
from guanxi.sales.quotes import selectors, services
from guanxi.sales.quotes.models import Quote, QuoteLine
from guanxi.workflows import services as approvals
from guanxi.workflows.selectors import inbox
from tests.conftest import TwoUnits, World, grant

from .conftest import open_opportunity
from .quoting import customer, product, quote


@pytest.fixture
def shop(sales: World) -> World:
    grant(sales.root)  # the superuser configures the catalogue
    return sales


def test_totals_are_decimal_and_rounded_to_the_fen_half_up(shop: World) -> None:
    lathe = product(shop.root, list_price=Decimal("333.33"), floor_price=Decimal(100))
    drill = product(
        shop.root, "P-002", name="台钻", list_price=Decimal("19.99"), floor_price=Decimal(1), tax_rate=Decimal(6)
    )
    q = quote(
        shop.alice,
        customer(shop.alice),
        {"product": lathe.pk, "quantity": "3", "discount_percent": "7.5"},
        {"product": drill.pk, "quantity": "0.5", "unit_price": "19.99"},
    )
    first, second = q.lines.order_by("position")
    # 3 × 333.33 = 999.99; −7.5 % = 924.990750 → 924.99; tax 13 % = 120.2487 → 120.25
    assert (first.net_amount, first.tax_amount, first.amount) == (
        Decimal("924.99"),
        Decimal("120.25"),
        Decimal("1045.24"),
    )
    # 0.5 × 19.99 = 9.995 → 10.00 (half up); tax 6 % = 0.60
    assert (second.net_amount, second.tax_amount) == (Decimal("10.00"), Decimal("0.60"))
    assert (q.list_amount, q.discount_amount, q.net_amount, q.tax_amount, q.total) == (
        Decimal("1009.99"), Decimal("75.00"), Decimal("934.99"), Decimal("120.85"), Decimal("1055.84"),
    )  # fmt: skip
    assert q.number.startswith("BJ") and q.status == "draft"


def test_bad_lines_are_all_reported_by_field_and_nothing_is_saved(shop: World) -> None:
    lathe = product(shop.root)
    off = product(shop.root, "P-OFF", on_sale=False)
    with pytest.raises(ValidationError) as refused:
        quote(
            shop.alice,
            customer(shop.alice),
            {"product": lathe.pk, "quantity": "-1"},
            {"product": lathe.pk, "unit_price": "-5"},
            {"product": lathe.pk, "discount_percent": "120"},
            {"product": off.pk},
            {"product": 999999},
        )
    errors = refused.value.message_dict
    assert set(errors) == {
        "lines.0.quantity", "lines.1.unit_price", "lines.2.discount_percent", "lines.3.product", "lines.4.product",
    }  # fmt: skip
    assert Quote.all_objects.count() == 0 and QuoteLine.objects.count() == 0


def test_a_product_of_another_unit_cannot_be_quoted(two_units: TwoUnits) -> None:
    theirs = product(two_units.ben, "HZ-1")
    with pytest.raises(ValidationError) as refused:
        quote(two_units.alice, customer(two_units.alice), {"product": theirs.pk})
    assert "lines.0.product" in refused.value.message_dict


def test_a_quote_at_or_above_floor_is_approved_at_once(shop: World) -> None:
    lathe = product(shop.root)
    q = quote(shop.alice, customer(shop.alice), {"product": lathe.pk, "unit_price": "800"})
    services.quote_submit(actor=shop.alice, quote=q)
    assert Quote.objects.get(pk=q.pk).status == "approved"


def test_below_floor_goes_to_the_manager_who_approves_from_the_inbox(shop: World) -> None:
    lathe = product(shop.root)
    q = quote(shop.alice, customer(shop.alice), {"product": lathe.pk, "unit_price": "1000", "discount_percent": "25"})
    services.quote_submit(actor=shop.alice, quote=q)
    q.refresh_from_db()
    assert (q.status, q.needs_approval) == ("pending", True)
    (request,) = inbox(actor=shop.bob)
    with pytest.raises(NotPermitted):
        approvals.approval_decide(actor=shop.alice, request=request, approve=True)
    approvals.approval_decide(actor=shop.bob, request=request, approve=True, comment="大客户")
    assert Quote.objects.get(pk=q.pk).status == "approved"


def test_a_rejected_or_withdrawn_quote_is_a_draft_again(shop: World) -> None:
    lathe = product(shop.root)
    q = quote(shop.alice, customer(shop.alice), {"product": lathe.pk, "unit_price": "700"})
    services.quote_submit(actor=shop.alice, quote=q)
    (request,) = inbox(actor=shop.bob)
    approvals.approval_decide(actor=shop.bob, request=request, approve=False, comment="太低")
    q.refresh_from_db()
    assert q.status == "draft" and not q.lines.filter(quoted_at__isnull=False).exists()
    services.quote_submit(actor=shop.alice, quote=q)
    services.quote_withdraw(actor=shop.alice, quote=q)
    assert Quote.objects.get(pk=q.pk).status == "draft"
    assert not inbox(actor=shop.bob).exists()


def test_a_total_discount_over_the_units_limit_needs_approval(shop: World) -> None:
    from guanxi.core.config.parameters import parameters_set

    lathe = product(shop.root, floor_price=Decimal(0))
    parameters_set(actor=shop.root, unit=shop.unit, values={"quotes.max_discount_percent": Decimal(5)})
    q = quote(shop.alice, customer(shop.alice), {"product": lathe.pk, "discount_percent": "6"})
    services.quote_submit(actor=shop.alice, quote=q)
    assert Quote.objects.get(pk=q.pk).status == "pending"


def test_one_company_one_price_shows_the_latest_price_by_anyone_in_the_unit(shop: World) -> None:
    grant(shop.charlie, "unit_head")  # Charlie quotes in the same unit, from another department
    lathe = product(shop.root)
    client = customer(shop.alice)
    first = quote(shop.alice, client, {"product": lathe.pk, "unit_price": "950"})
    services.quote_submit(actor=shop.alice, quote=first)
    draft = quote(shop.charlie, client, {"product": lathe.pk, "unit_price": "10"})  # a draft gives no price
    later = quote(shop.charlie, client, {"product": lathe.pk, "unit_price": "900"})
    services.quote_submit(actor=shop.charlie, quote=later)
    prices = selectors.last_prices(actor=shop.alice, customer_id=client.pk, products=[lathe.pk])
    assert prices is not None
    seen = prices[lathe.pk]
    assert (seen.unit_price, seen.quote_number, seen.quoted_by) == (Decimal(900), later.number, str(shop.charlie))
    assert draft.status == "draft"


def test_the_expiry_sweep_expires_open_quotes_past_their_validity(shop: World) -> None:
    lathe = product(shop.root)
    q = quote(
        shop.alice, customer(shop.alice), {"product": lathe.pk}, valid_until=timezone.localdate() + timedelta(days=3)
    )
    services.quote_submit(actor=shop.alice, quote=q)
    services.quote_send(actor=shop.alice, quote=q)
    assert run_job("expire_quotes", at=timezone.now() + timedelta(days=3)) == "0"
    assert run_job("expire_quotes", at=timezone.now() + timedelta(days=4)) == "1"
    assert Quote.objects.get(pk=q.pk).status == "expired"
    assert run_job("expire_quotes", at=timezone.now() + timedelta(days=5)) == "0"


def test_an_accepted_quote_sets_the_opportunitys_amount_and_a_copy_is_a_new_draft(shop: World) -> None:
    lathe = product(shop.root)
    opportunity = open_opportunity(shop.alice)
    q = quote(shop.alice, opportunity.customer, {"product": lathe.pk, "quantity": "2"}, opportunity=opportunity)
    services.quote_submit(actor=shop.alice, quote=q)
    services.quote_send(actor=shop.alice, quote=q)
    services.quote_accept(actor=shop.alice, quote=q)
    assert Opportunity.objects.get(pk=opportunity.pk).amount == Decimal("2000.00")
    copy = services.quote_copy(actor=shop.alice, quote=q)
    again = services.quote_copy(actor=shop.alice, quote=copy)
    assert (copy.status, copy.number, again.number) == ("draft", f"{q.number}-2", f"{q.number}-3")
    with pytest.raises(DomainError) as accepted:
        services.quote_accept(actor=shop.alice, quote=q)
    assert accepted.value.code == "already_decided"


def test_a_stale_version_is_refused_and_only_drafts_change(shop: World) -> None:
    lathe = product(shop.root)
    q = quote(shop.alice, customer(shop.alice), {"product": lathe.pk})
    services.quote_update(actor=shop.alice, quote=q, version=1, data={"note": "含运费"})
    with pytest.raises(DomainError) as stale:
        services.quote_update(actor=shop.alice, quote=q, version=1, data={"note": "不含运费"})
    assert stale.value.code == "stale_version"
    services.quote_submit(actor=shop.alice, quote=q)
    with pytest.raises(DomainError) as sealed:
        services.quote_update(actor=shop.alice, quote=q, version=Quote.objects.get(pk=q.pk).version, data={})
    assert sealed.value.code == "not_draft"


def test_the_picker_finds_products_by_pinyin_initials_and_code(shop: World) -> None:
    product(shop.root, "ZX-01", name="转向机总成")
    product(shop.root, "LT-02", name="轮胎")
    found = lambda text: [p.code for p in product_selectors.product_search(actor=shop.alice, query=text)]  # noqa: E731
    assert found("zxj") == ["ZX-01"] and found("luntai") == ["LT-02"] and found("lt-") == ["LT-02"]
    assert found("转向") == ["ZX-01"]


def test_the_pdf_has_a_chinese_text_layer(shop: World) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    from guanxi.sales.quotes.pdf import quote_pdf

    lathe = product(shop.root, name="数控车床")
    q = quote(shop.alice, customer(shop.alice, "上海华信精密机械有限公司"), {"product": lathe.pk})
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(quote_pdf(q))).pages)
    assert "上海华信精密机械有限公司" in text and "数控车床" in text and q.number in text
