"""Credit pages: the panel beside the order form and the order and quote pages, the 360 Credit tab (reasons
in words, the override form for who may, the history), the override set and removed on the page, bad input
on its field, the outsider's 404, and a fixed number of queries however many customers a page shows."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guanxi.core.jobs import run_job
from guanxi.finance.credit.models import CreditOverride
from guanxi.sales.orders import services as orders
from tests.conftest import World, client_for, grant
from tests.sales.quoting import customer, product, quote

from .conftest import plan, receivable_of


def test_the_order_form_and_pages_show_the_available_credit(money: World) -> None:
    client = customer(money.alice)
    alice = client_for(money.alice, HTTP_ACCEPT_LANGUAGE="en")
    form = alice.get(f"{reverse('sales:order_create')}?customer={client.pk}")
    panel_url = reverse("finance:credit_panel", args=["customers.customer", client.pk])
    assert panel_url in form.text
    panel = alice.get(panel_url)
    assert panel.status_code == 200
    assert 'data-rating=""' in panel.text and "Not rated: no contracts, orders or payments yet." in panel.text
    assert "50,000.00" in panel.text  # the level's default limit, all of it available
    lathe = product(money.root)
    order = orders.order_create(actor=money.alice, customer=client, data={}, lines=[{"product": lathe.pk}])
    page = alice.get(order.get_absolute_url())
    assert reverse("finance:credit_panel", args=["sales.order", order.pk]) in page.text
    offer = quote(money.alice, client, {"product": lathe.pk, "quantity": 1})
    assert reverse("finance:credit_panel", args=["sales.quote", offer.pk]) in alice.get(offer.get_absolute_url()).text
    orders.order_confirm(actor=money.alice, order=order)
    panel = alice.get(reverse("finance:credit_panel", args=["sales.order", order.pk]))
    assert "48,870.00" in panel.text  # ¥50,000 less the ¥1,130 order
    # Charlie (Beijing) sells too but does not see Alice's customer or her order
    grant(money.charlie, "salesperson")
    charlie = client_for(money.charlie)
    assert charlie.get(reverse("finance:credit_panel", args=["sales.order", order.pk])).status_code == 404
    assert charlie.get(panel_url).status_code == 404
    assert charlie.get(reverse("finance:credit_tab", args=[client.pk])).status_code == 404
    assert alice.get(reverse("finance:credit_panel", args=["auth.user", money.alice.pk])).status_code == 404


def test_the_credit_tab_explains_the_rating_and_a_manager_overrides_it_on_the_page(money: World) -> None:
    receivable = receivable_of(money, amount="10000")
    plan(money, receivable, timezone.localdate() - timedelta(days=95), "2000")
    run_job("credit_rate")
    client_id = receivable.customer_id
    alice, bob = client_for(money.alice, HTTP_ACCEPT_LANGUAGE="en"), client_for(money.bob, HTTP_ACCEPT_LANGUAGE="en")
    tab = alice.get(reverse("finance:credit_tab", args=[client_id]))
    assert 'data-rating="e"' in tab.text and "An instalment is 95 days overdue" in tab.text
    assert "credit-override-form" not in tab.text
    assert "credit-override-form" in bob.get(reverse("finance:credit_tab", args=[client_id])).text
    url = reverse("finance:credit_override", args=[client_id])
    assert alice.post(url, {"rating": "c", "note": "我的客户"}).status_code == 403
    bad = bob.post(url, {"rating": "c", "limit": "-100", "note": "试试"})
    assert bad.status_code == 400 and "A credit limit cannot be negative." in bad.text
    assert not CreditOverride.objects.exists()
    done = bob.post(url, {"rating": "c", "limit": "80000", "note": "客户已承诺月底前付清"})
    assert done.status_code == 302 and done["Location"].endswith("?tab=credit")
    tab = alice.get(reverse("finance:credit_tab", args=[client_id]))
    assert 'data-rating="c"' in tab.text and "客户已承诺月底前付清" in tab.text and "Computed: E" in tab.text
    override = CreditOverride.objects.get()
    removed = bob.post(reverse("finance:credit_override_remove", args=[override.pk]), {"note": "已到期"})
    assert removed.status_code == 302
    tab = alice.get(reverse("finance:credit_tab", args=[client_id]))
    assert 'data-rating="e"' in tab.text and "已到期" in tab.text


def test_the_customer_list_api_with_credit_takes_a_fixed_number_of_queries(money: World) -> None:
    customer(money.alice, "华信精密机械有限公司")
    run_job("credit_rate")
    alice = client_for(money.alice)
    alice.get("/api/v1/customers/")
    with CaptureQueriesContext(connection) as one:
        assert alice.get("/api/v1/customers/").json()["results"][0]["credit"]["rating"] is None
    for name in ("东方电气设备有限公司", "长江化工原料有限公司", "金桥物流运输有限公司"):
        receivable = receivable_of(money, amount="5000", name=name)
        plan(money, receivable, timezone.localdate() - timedelta(days=40), "1000")
    run_job("credit_rate")
    with CaptureQueriesContext(connection) as four:
        rows = alice.get("/api/v1/customers/").json()["results"]
    assert sorted(str(row["credit"]["rating"]) for row in rows) == ["C", "C", "C", "None"]
    assert len(four.captured_queries) <= len(one.captured_queries)
