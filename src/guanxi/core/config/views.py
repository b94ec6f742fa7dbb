"""System settings pages: data dictionary, parameters, custom fields. Seeing them needs
``system.view``; changing anything needs ``system.configure`` (buttons hidden, server refuses)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..errors import DomainError
from ..forms import show_error
from ..http import AuthedRequest
from ..models import CustomField, DictionaryItem
from ..permissions import has_perm, perm_required, require_perm
from . import custom_fields as fields_service
from . import dictionary, parameters
from .custom_forms import add_custom_fields
from .forms import (
    CustomFieldCreateForm,
    CustomFieldEditForm,
    DictionaryItemForm,
    DictionaryItemRenameForm,
    DictionaryTypeForm,
    DictionaryTypeRenameForm,
    ParametersForm,
)
from .units import config_may_change

VIEW = "system.view"
CONFIGURE = "system.configure"
PAGE_SIZE = 100


def _context(request: AuthedRequest, **values: Any) -> dict[str, Any]:
    return {"can_configure": has_perm(request.user, CONFIGURE), **values}


def _posting(request: AuthedRequest) -> bool:
    """A POST to a page that also shows things: the change needs ``system.configure``."""
    if request.method != "POST":
        return False
    require_perm(request.user, CONFIGURE)
    return True


# --- dictionary -------------------------------------------------------------------------------------


@perm_required(VIEW)
def dictionary_list(request: AuthedRequest) -> HttpResponse:
    form = DictionaryTypeForm(request.POST if _posting(request) else None)
    if form.is_bound and form.is_valid():
        try:
            created = dictionary.dictionary_type_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("The dictionary type was added."))
            return redirect("core:dictionary_type", code=created.code)
    page = Paginator(dictionary.dictionary_types(actor=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/config/dictionary_list.html", _context(request, page_obj=page, form=form))


@perm_required(VIEW)
def dictionary_type(request: AuthedRequest, code: str) -> HttpResponse:
    type = dictionary.dictionary_type_get(actor=request.user, code=code)
    form = DictionaryItemForm(request.POST if _posting(request) else None)
    if form.is_bound and form.is_valid():
        try:
            item = dictionary.dictionary_item_create(actor=request.user, type=type, **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("“%(label)s” was added.") % {"label": item.shown_label})
            return redirect("core:dictionary_type", code=type.code)
    items = dictionary.dictionary_items(actor=request.user, type=type)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rename = None if type.is_system else DictionaryTypeRenameForm(initial={"name": type.name})
    # Built-in types are group-wide: a unit's administrator sees them without the buttons.
    editable = config_may_change(actor=request.user, code=CONFIGURE, unit_id=type.business_unit_id)
    context = _context(request, type=type, page_obj=page, form=form, rename_form=rename, can_configure=editable)
    return render(request, "core/config/dictionary_type.html", context)


@perm_required(CONFIGURE)
@require_POST
def dictionary_type_rename(request: AuthedRequest, code: str) -> HttpResponse:
    type = dictionary.dictionary_type_get(actor=request.user, code=code)
    form = DictionaryTypeRenameForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("Enter a name."), field="name")
        dictionary.dictionary_type_rename(actor=request.user, type=type, name=form.cleaned_data["name"])
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The type was renamed."))
    return redirect("core:dictionary_type", code=type.code)


def _item(request: AuthedRequest, code: str, pk: int) -> DictionaryItem:
    try:
        return DictionaryItem.objects.visible_to(request.user).select_related("type").get(type__code=code, pk=pk)
    except DictionaryItem.DoesNotExist:
        raise Http404 from None


@perm_required(CONFIGURE)
def dictionary_item_edit(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    item = _item(request, code, pk)
    form = DictionaryItemRenameForm(request.POST or None, initial={"label": item.shown_label})
    if request.method == "POST" and form.is_valid():
        try:
            dictionary.dictionary_item_update(actor=request.user, item=item, label=form.cleaned_data["label"])
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("The item was renamed."))
            return redirect("core:dictionary_type", code=code)
    return render(request, "core/config/dictionary_item_form.html", _context(request, item=item, form=form))


@perm_required(CONFIGURE)
@require_POST
def dictionary_item_move(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    item = _item(request, code, pk)
    try:
        dictionary.dictionary_item_move(actor=request.user, item=item, direction=request.POST.get("direction", ""))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect(_back(request, reverse("core:dictionary_type", args=[code])))


@perm_required(CONFIGURE)
@require_POST
def dictionary_item_toggle(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    item = _item(request, code, pk)
    dictionary.dictionary_item_update(actor=request.user, item=item, is_enabled=not item.is_enabled)
    if item.is_enabled:
        messages.success(request, _("“%(label)s” is enabled again.") % {"label": item.shown_label})
    else:
        messages.success(
            request,
            _("“%(label)s” is disabled: records keep it, forms no longer offer it.") % {"label": item.shown_label},
        )
    return redirect(_back(request, reverse("core:dictionary_type", args=[code])))


@perm_required(CONFIGURE)
def dictionary_item_delete(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes, or explains where the item is used."""
    item = _item(request, code, pk)
    if request.method == "POST":
        try:
            dictionary.dictionary_item_delete(actor=request.user, item=item)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("“%(label)s” was deleted.") % {"label": item.shown_label})
        return redirect("core:dictionary_type", code=code)
    usages = dictionary.dictionary_item_usages(item)
    return render(request, "core/config/dictionary_item_delete.html", _context(request, item=item, usages=usages))


@perm_required(CONFIGURE)
@require_POST
def dictionary_reorder(request: AuthedRequest, code: str) -> HttpResponse:
    """The whole new order from drag and drop (static/guanxi/config.js); 204, or 409 if it went stale."""
    type = dictionary.dictionary_type_get(actor=request.user, code=code)
    try:
        dictionary.dictionary_items_reorder(actor=request.user, type=type, codes=request.POST.getlist("codes"))
    except DomainError as error:
        return JsonResponse({"detail": str(error.message), "code": error.code}, status=error.status)
    return HttpResponse(status=204)


def _back(request: AuthedRequest, default: str) -> str:
    """Back to the list page the button was on (a local path only)."""
    page = request.POST.get("page", "")
    return f"{default}?page={page}" if page.isdigit() else default


# --- parameters -------------------------------------------------------------------------------------


@perm_required(VIEW)
def parameters_page(request: AuthedRequest) -> HttpResponse:
    units = parameters.parameter_units(actor=request.user)
    wanted = request.POST.get("unit") or request.GET.get("unit") or str(request.user.business_unit_id or "")
    unit = next((unit for unit in units if str(unit.pk) == wanted), units[0] if units else None)
    if unit is None:
        return render(request, "core/config/parameters.html", _context(request, form=None, units=units))
    posting = _posting(request)
    form = ParametersForm(parameters.parameters_effective(unit=unit), request.POST if posting else None)
    if posting and form.is_valid():
        values = {code: form.cleaned_data[code] for code in form.changed_data}
        try:
            changes = parameters.parameters_set(actor=request.user, unit=unit, values=values)
        except (DomainError, ValidationError) as error:
            show_error(form, error)
        else:
            if changes:
                messages.success(request, _("The parameters were saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(f"{reverse('core:parameters')}?unit={unit.pk}")
    context = _context(request, form=form, units=units, unit=unit)
    return render(request, "core/config/parameters.html", context)


# --- custom fields ----------------------------------------------------------------------------------


@perm_required(VIEW)
def custom_field_types(request: AuthedRequest) -> HttpResponse:
    counts = dict(
        CustomField.objects.visible_to(request.user).values("model").annotate(n=Count("pk")).values_list("model", "n")
    )
    types = [(record_type, counts.get(record_type.label, 0)) for record_type in fields_service.record_types()]
    return render(request, "core/config/custom_field_types.html", _context(request, types=types))


@perm_required(VIEW)
def custom_field_list(request: AuthedRequest, model: str) -> HttpResponse:
    record_type = fields_service.record_type_get(model)
    form = CustomFieldCreateForm(request.POST if _posting(request) else None)
    if form.is_bound and form.is_valid():
        try:
            field = fields_service.custom_field_create(actor=request.user, model=record_type.label, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            show_error(form, error)
        else:
            messages.success(request, _("The field “%(label)s” was added.") % {"label": field.label})
            return redirect("core:custom_fields", model=record_type.label)
    page = Paginator(fields_service.custom_field_list(actor=request.user, model=model), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    preview = forms.Form()
    add_custom_fields(preview, record_type.model, request.user.business_unit_id)
    for preview_field in preview.fields.values():
        preview_field.disabled = True
    context = _context(request, record_type=record_type, page_obj=page, form=form, preview=preview)
    return render(request, "core/config/custom_field_list.html", context)


@perm_required(CONFIGURE)
def custom_field_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    field = fields_service.custom_field_get(actor=request.user, pk=pk)
    initial = {name: getattr(field, name) for name in fields_service.EDITABLE}
    form = CustomFieldEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            fields_service.custom_field_update(actor=request.user, field=field, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            show_error(form, error)
        else:
            messages.success(request, _("The field was saved."))
            return redirect("core:custom_fields", model=field.model)
    record_type = fields_service.record_type_get(field.model)
    context = _context(request, field=field, form=form, record_type=record_type)
    return render(request, "core/config/custom_field_form.html", context)


@perm_required(CONFIGURE)
@require_POST
def custom_field_move(request: AuthedRequest, pk: int) -> HttpResponse:
    field = fields_service.custom_field_get(actor=request.user, pk=pk)
    try:
        fields_service.custom_field_move(actor=request.user, field=field, direction=request.POST.get("direction", ""))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("core:custom_fields", model=field.model)


@perm_required(CONFIGURE)
@require_POST
def custom_field_toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    field = fields_service.custom_field_get(actor=request.user, pk=pk)
    fields_service.custom_field_update(actor=request.user, field=field, is_enabled=not field.is_enabled)
    return redirect("core:custom_fields", model=field.model)


@perm_required(CONFIGURE)
def custom_field_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    field = fields_service.custom_field_get(actor=request.user, pk=pk)
    if request.method == "POST":
        try:
            fields_service.custom_field_delete(actor=request.user, field=field)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The field “%(label)s” was deleted.") % {"label": field.label})
        return redirect("core:custom_fields", model=field.model)
    context = _context(request, field=field, usage=fields_service.custom_field_usage(field))
    return render(request, "core/config/custom_field_delete.html", context)
