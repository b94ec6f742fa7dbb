from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from guanxi.sales.quotes.models import Quote
from guanxi.sales.quotes.services import QUOTE_APPROVAL, quote_submit
from guanxi.workflows.models import ApprovalRequest
from guanxi.workflows.services import approval_flow_save
from tests.conftest import World, client_for, grant

from .quoting import customer, line_forms, product, quote


def test_a_salesperson_writes_a_quote_on_the_page_and_sees_field_errors_first(sales: World) -> None:
    lathe = product(sales.root)
    client_a = customer(sales.alice)
    page = client_for(sales.alice)
    url = reverse("sales:quote_create") + f"?customer={client_a.pk}"
    form = line_forms({"product": str(lathe.pk), "quantity": "2", "unit_price": "950", "discount_percent": "150"})
    refused = page.post(url, form)
    assert refused.status_code == 200 and "100" in refused.text and Quote.objects.count() == 0
    saved = page.post(url, {**form, "lines-0-discount_percent": "0"})
    q = Quote.objects.get()
    assert saved.status_code == 302 and q.net_amount == Decimal("1900.00")
    detail = page.get(reverse("sales:quote", args=[q.pk]))
    assert q.number in detail.text and "数控车床" in detail.text
    assert page.post(reverse("sales:quote_action", args=[q.pk, "submit"])).status_code == 302
    assert Quote.objects.get().status == "approved"
    printable = page.get(reverse("sales:quote_print", args=[q.pk]))
    assert "quote-sheet" in printable.text and client_a.name in printable.text
    assert client_for(sales.charlie).get(reverse("sales:quote", args=[q.pk])).status_code == 404


def test_a_refused_line_shows_its_errors_on_its_own_fields(sales: World) -> None:
    lathe = product(sales.root)
    page = client_for(sales.alice)
    url = reverse("sales:quote_create") + f"?customer={customer(sales.alice).pk}"
    form = line_forms({}, {"product": str(lathe.pk), "quantity": "-3", "unit_price": "950", "discount_percent": "150"})

    refused = page.post(url, form)  # the first form left empty: the service counts the second as its line 0

    lines = refused.context["lines"].forms
    assert lines[0].errors == {}
    assert set(lines[1].errors) == {"quantity", "discount_percent"}
    assert "折扣不能超过 100%。" in lines[1].errors["discount_percent"]
    assert refused.context["form"].non_field_errors() == ["请修改下面标出的字段。"]
    assert 'name="lines-1-quantity"' in refused.text and "is-invalid" in refused.text
    assert Quote.objects.count() == 0


def test_the_product_pages_and_the_pickers_prices(sales: World) -> None:
    grant(sales.bob, "unit_admin")
    page = client_for(sales.bob)
    created = page.post(
        reverse("sales:product_create"),
        {
            "code": "ZX-9",
            "name": "转向机",
            "list_price": "1200",
            "floor_price": "1000",
            "tax_rate": "13",
            "on_sale": "on",
        },
    )
    assert created.status_code == 302
    assert "转向机" in page.get(reverse("sales:products"), {"q": "zxj"}).text
    picked = client_for(sales.alice).get(reverse("sales:product_picker"), {"q": "zx"}).json()["results"]
    assert [(row["code"], row["list_price"], row["floor_price"]) for row in picked] == [("ZX-9", "1200.00", "1000.00")]
    refused = client_for(sales.alice).post(
        reverse("sales:product_create"), {"code": "X", "name": "x", "list_price": "1", "floor_price": "1"}
    )
    assert refused.status_code == 200 and not refused.context["may_change"]


def test_an_empty_quote_list_says_how_to_start(sales: World) -> None:
    response = client_for(sales.alice).get(reverse("sales:quotes"))
    assert response.status_code == 200 and not response.context["page_obj"].object_list
    q = quote(sales.alice, customer(sales.alice), {"product": product(sales.root).pk})
    assert q.number in client_for(sales.alice).get(reverse("sales:quotes")).text


def test_a_named_approver_outside_the_quotes_scope_opens_it_and_its_pdf(sales: World) -> None:
    """Charlie sells in Beijing and sees only his own records; named as the approver of Shanghai's quotes,
    he opens the quote he decides (page, printable page, PDF, API), and nothing else of Alice's."""
    grant(sales.root)
    approval_flow_save(actor=sales.root, unit=sales.unit, record_type=QUOTE_APPROVAL,
                       steps=[{"kind": "user", "user": sales.charlie}])  # fmt: skip
    lathe = product(sales.root)
    asked = quote(sales.alice, customer(sales.alice), {"product": lathe.pk, "unit_price": "500"})
    other = quote(sales.alice, customer(sales.alice, "另一家客户有限公司"), {"product": lathe.pk, "unit_price": "900"})
    client = client_for(sales.charlie)
    assert client.get(reverse("sales:quote", args=[asked.pk])).status_code == 404
    quote_submit(actor=sales.alice, quote=asked)
    for name in ("sales:quote", "sales:quote_print"):
        assert client.get(reverse(name, args=[asked.pk])).status_code == 200
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
    assert client.get(f"/api/v1/quotes/{asked.pk}/").json()["number"] == asked.number
    assert client.get(f"/api/v1/quotes/{other.pk}/").status_code == 404
    assert client.get("/api/v1/quotes/").json()["count"] == 0  # lists stay the scope's


def test_the_quote_sheet_prints_the_units_letterhead_set_by_its_own_administrator(sales: World) -> None:
    from guanxi.core.config.parameters import parameters_set

    grant(sales.root)
    with pytest.raises(ValidationError):  # a field error on the parameters page
        parameters_set(actor=sales.root, unit=sales.unit, values={"company.tax_number": "1234"})
    values = {"company.legal_name": "上海测试机械有限公司", "company.tax_number": "91310115MA1K4R8X2L"}
    parameters_set(actor=sales.root, unit=sales.unit, values=values)
    lathe = product(sales.root)
    sheet = quote(sales.alice, customer(sales.alice), {"product": lathe.pk, "unit_price": "900"})
    page = client_for(sales.alice).get(reverse("sales:quote_print", args=[sheet.pk]))
    assert "上海测试机械有限公司" in page.text and "91310115MA1K4R8X2L" in page.text


def test_the_quote_history_links_to_the_approval_only_for_those_who_may_open_it(sales: World) -> None:
    grant(sales.root)
    lathe = product(sales.root)
    asked = quote(sales.alice, customer(sales.alice), {"product": lathe.pk, "unit_price": "500"})
    quote_submit(actor=sales.alice, quote=asked)  # below the floor: Bob, Alice's manager, decides
    url = reverse("sales:quote", args=[asked.pk])
    request = ApprovalRequest.objects.get(record_type=QUOTE_APPROVAL, object_id=str(asked.pk))
    approval = f'href="{reverse("workflows:approval", args=[request.pk])}"'
    assert approval in client_for(sales.alice).get(url).text  # the submitter
    assert approval in client_for(sales.bob).get(url).text  # the approver
    root_page = client_for(sales.root).get(url).text  # sees every quote, is no party to this approval
    assert asked.number in root_page and approval not in root_page
