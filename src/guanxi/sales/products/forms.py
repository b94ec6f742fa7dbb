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
