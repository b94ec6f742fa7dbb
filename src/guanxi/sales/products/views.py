"""The catalogue's pages: the list with search, a product's form, the categories, and the picker's JSON."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guanxi.core.config.units import config_may_change
from guanxi.core.forms import attempt
from guanxi.core.http import AuthedRequest
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import perm_required
from guanxi.core.scope import get_visible_or_404

from . import selectors, services
from .forms import CategoryForm, ProductFilterForm, ProductForm
from .models import Product


@perm_required("products.view")
def product_list(request: AuthedRequest) -> HttpResponse:
    form = ProductFilterForm(request.GET or None)
    query = request.GET.get("q", "")
    rows = selectors.product_search(actor=request.user, query=query)
    page = CappedPaginator(rows, 25).get_page(request.GET.get("page"))
    may_change = config_may_change(actor=request.user, code="products.configure", unit_id=request.user.business_unit_id)
    return render(
        request, "sales/products/list.html", {"page_obj": page, "filter_form": form, "may_change": may_change}
    )


@perm_required("products.view")
def product_form(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    product = get_visible_or_404(Product.objects.all(), request.user, pk=pk) if pk else None
    form = ProductForm(request.POST or None, instance=product, actor=request.user)
    may_change = config_may_change(
        actor=request.user,
        code="products.configure",
        unit_id=product.business_unit_id if product else request.user.business_unit_id,
    )
    if request.method == "POST" and may_change and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name != "version"}
        if product is None:
            saved = attempt(form, None, lambda: services.product_create(actor=request.user, data=data))
        else:
            data.pop("stock_quantity", None)
            saved = attempt(
                form,
                None,
                lambda: services.product_update(
                    actor=request.user, product=product, data=data, version=form.cleaned_data["version"]
                ),
            )
        if saved:
            messages.success(request, _("Saved."))
            return redirect("sales:products")
    return render(request, "sales/products/form.html", {"form": form, "product": product, "may_change": may_change})


@perm_required("products.view")
def category_list(request: AuthedRequest) -> HttpResponse:
    form = CategoryForm(request.POST or None, actor=request.user)
    may_change = config_may_change(actor=request.user, code="products.configure", unit_id=request.user.business_unit_id)
    if request.method == "POST" and may_change and form.is_valid():
        saved = attempt(
            form,
            None,
            lambda: services.product_category_save(
                actor=request.user, name=form.cleaned_data["name"], parent=form.cleaned_data["parent"]
            ),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect("sales:product_categories")
    rows = list(selectors.categories_of_unit(actor=request.user).select_related("parent"))
    return render(
        request, "sales/products/categories.html", {"categories": rows, "form": form, "may_change": may_change}
    )


@perm_required("products.view")
def product_picker(request: AuthedRequest) -> JsonResponse:
    """Tom Select's options: the unit's products on sale matching the typed text, with their prices."""
    rows = selectors.product_search(actor=request.user, query=request.GET.get("q", ""), on_sale_only=True)[:20]
    return JsonResponse(
        {
            "results": [
                {
                    "id": product.pk,
                    "code": product.code,
                    "name": product.name,
                    "spec": product.specification,
                    "uom": product.unit_of_measure,
                    "list_price": str(product.list_price),
                    "floor_price": str(product.floor_price),
                    "tax_rate": str(product.tax_rate),
                }
                for product in rows
            ]
        }
    )
