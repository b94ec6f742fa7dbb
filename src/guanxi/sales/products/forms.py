from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.org.models import User

from .models import Product, ProductCategory


class ProductForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Product
        fields = [
            "code", "name", "category", "specification", "unit_of_measure", "list_price", "floor_price", "cost",
            "tax_rate", "on_sale", "stock_quantity",
        ]  # fmt: skip

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ProductCategory.objects.visible_to(actor).filter(  # type: ignore[attr-defined]
            business_unit_id=actor.business_unit_id
        )
        self.fields["stock_quantity"].disabled = self.instance.pk is not None  # imported from the ERP
        self.fields["unit_of_measure"].required = False
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def _post_clean(self) -> None:  # the service validates and saves; the form only parses
        pass


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Category name"), max_length=50)
    parent = forms.ModelChoiceField(label=_("Parent category"), queryset=ProductCategory.objects.none(), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = ProductCategory.objects.visible_to(actor).filter(  # type: ignore[attr-defined]
            business_unit_id=actor.business_unit_id
        )


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Code, name or pinyin"), required=False)


def product_picker(form: forms.BaseForm, name: str, actor: User) -> None:
    """Make ``form[name]`` the product picker (Tom Select): any visible product parses, the service says which
    are another unit's or off sale; only the chosen option is rendered, the rest load as the user types."""
    field = form.fields[name]
    field.queryset = Product.objects.visible_to(actor)  # type: ignore[attr-defined]
    field.widget.attrs.update({"data-product-picker": "", "class": "form-select"})
    chosen = form.data.get(form.add_prefix(name)) if form.is_bound else form.initial.get(name)
    chosen = str(getattr(chosen, "pk", chosen))
    product = Product.objects.visible_to(actor).filter(pk=int(chosen)).first() if chosen.isdigit() else None
    field.widget.choices = [("", "")] + ([(product.pk, str(product))] if product else [])
