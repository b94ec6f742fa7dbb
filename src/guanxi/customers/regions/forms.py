"""The region picker in forms: province, city and county selects whose lists follow each other.

Drop ``RegionFieldsMixin`` into a form (``class CustomerForm(RegionFieldsMixin, forms.ModelForm)``) and render
its three fields with ``{% include "customers/region_picker.html" %}``; a loop over the other fields can skip
them with ``{% if field.name not in form.region_field_names %}``.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import DomainError
from guanxi.core.forms import show_error

from .services import FIELDS, region_children, region_validate


def region_choices(field: str, parent: str | None) -> list[tuple[str, str]]:
    """The options of one select: a placeholder, then the regions under ``parent`` (the provinces for the
    province select). A city or county select without a parent has only its placeholder."""
    if field == "province":
        regions = region_children(parent_code=None)
    else:
        regions = region_children(parent_code=parent) if parent else []
    placeholders = {"province": _("Choose a province"), "city": _("Choose a city"), "county": _("Choose a county")}
    placeholder = _("None") if parent and field != "province" and not regions else placeholders[field]
    return [("", placeholder), *((region.code, region.name) for region in regions)]


class RegionChoiceField(forms.ChoiceField):
    """A select of region codes. Which codes go together is checked once, by ``region_validate`` in the
    form's ``clean()``, with a message naming the field at fault."""

    def valid_value(self, value: Any) -> bool:
        return True


class RegionFieldsMixin(forms.Form):
    """Adds ``province``, ``city`` and ``county``: the lists start from the bound or initial values (an edit
    form shows the saved region), and ``clean()`` checks them with ``region_validate``."""

    region_field_names = FIELDS
    region_required = False  # True: a region must be given
    region_required_level = 3  # once given, fill down to this level (the seed: to the county)

    province = RegionChoiceField(label=gettext_lazy("Province"), required=False)
    city = RegionChoiceField(label=gettext_lazy("City"), required=False)
    county = RegionChoiceField(label=gettext_lazy("County"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        province, city = self._region_value("province"), self._region_value("city")
        for name, parent in (("province", None), ("city", province), ("county", city)):
            cast(forms.ChoiceField, self.fields[name]).choices = region_choices(name, parent)
        self.fields["province"].required = self.region_required
        # Choosing a province loads its cities (and empties the counties); choosing a city loads its counties.
        url = reverse("regions:options")
        for name, child in (("province", "city"), ("city", "county")):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": f"{url}?name={child}",
                    "hx-target": f"#{self[child].auto_id}",
                    "hx-trigger": "change",
                    "hx-swap": "innerHTML",
                    "hx-sync": "this:replace",
                    "data-region-picker": "",
                }
            )
        self.fields["province"].widget.attrs["data-region-clear"] = self["county"].auto_id

    @property
    def region_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in FIELDS]

    def _region_value(self, name: str) -> str:
        if self.is_bound:
            value = self.data.get(self.add_prefix(name), "")
        else:
            value = self.get_initial_for_field(self.fields[name], name)
        return str(value or "").strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if any(name in self.errors for name in FIELDS):  # e.g. "This field is required" already said
            return cleaned
        try:
            codes = region_validate(
                province=cleaned.get("province") or "",
                city=cleaned.get("city") or "",
                county=cleaned.get("county") or "",
                required_level=self.region_required_level,
                required=self.region_required,
            )
        except DomainError as error:
            show_error(self, error)
        else:
            cleaned.update(zip(FIELDS, codes, strict=True))
        return cleaned
