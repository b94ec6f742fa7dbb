"""Products, quotes and approvals (SPEC §7.1, §7.2, §14.6). Targets from the quotes issue at 20,000 products and
300,000 quotes with 1.5 million lines: quote list p95 ≤ 100 ms, product picker search ≤ 30 ms, the "last prices
to this customer" lookup ≤ 20 ms, the approver inbox ≤ 50 ms."""

from __future__ import annotations

from functools import cache

from guanxi.sales.models import Product, QuoteLine
from guanxi.workflows.models import ApprovalTask

from .harness import NotBuilt, Picks, Probe, case, url


@cache
def quoted(picks: Picks) -> QuoteLine:
    """A line the salesperson quoted: its customer and product make the one-price lookup."""
    line = QuoteLine.objects.filter(quote__owner=picks.salesperson, quoted_at__isnull=False).order_by("-id").first()
    if line is None:
        raise NotBuilt("quotes of the salesperson (the dataset's products and quotes)")
    return line


@case("quote list p1 (salesperson)", target_ms=100, group="quotes")
def quote_list_salesperson(picks: Picks) -> Probe:
    return Probe(picks.salesperson, url("sales:quotes"))


@case("quote list p1 (manager)", target_ms=100, group="quotes")
def quote_list_manager(picks: Picks) -> Probe:
    return Probe(picks.manager, url("sales:quotes"))


@case("product picker search (salesperson)", target_ms=30, group="quotes")
def product_picker(picks: Picks) -> Probe:
    product = Product.objects.filter(business_unit_id=picks.salesperson.business_unit_id).order_by("pk").first()
    if product is None:
        raise NotBuilt("products")
    return Probe(picks.salesperson, url("sales:product_picker", q=product.name_initials[:2]))


@case("last prices to this customer (salesperson)", target_ms=20, group="quotes")
def last_prices(picks: Picks) -> Probe:
    line = quoted(picks)
    others = QuoteLine.objects.filter(quote_id=line.quote_id).values_list("product_id", flat=True)
    products = ",".join(str(pk) for pk in others)
    return Probe(picks.salesperson, f"/api/v1/quotes/last-prices/?customer={line.customer_id}&products={products}")


@case("approver inbox (manager)", target_ms=50, group="quotes")
def approver_inbox(picks: Picks) -> Probe:
    if not ApprovalTask.objects.filter(approver=picks.manager).exists():
        raise NotBuilt("approvals waiting for the manager")
    return Probe(picks.manager, url("workflows:inbox"))
