"""The shared tools' forms: they parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.org.forms import PersonChoiceField, offer_people
from guanxi.org.models import Department, Role, User
from guanxi.sales.models import Stage
from guanxi.sales.products.models import Product

from .announcements.models import Audience
from .documents.models import Folder, Level
from .scripts.models import Scenario


def _choices(form: forms.Form, name: str, rows: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = rows


def roles_of(unit: int | None) -> QuerySet[Role]:
    """The roles offered in a unit: the group-wide ones and the unit's own."""
    return Role.objects.filter(Q(business_unit_id=unit) | Q(business_unit__isnull=True))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=50000,
        help_text=_("Paragraphs, bold, lists and links are kept; anything else is removed."),
    )
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices, initial=Audience.UNIT)
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"), queryset=Department.objects.none(), required=False
    )
    roles = forms.ModelMultipleChoiceField(label=_("Roles"), queryset=Role.objects.none(), required=False)
    pinned = forms.BooleanField(label=_("Pinned"), required=False)
    publish_at = forms.DateTimeField(label=_("Publish at"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                     help_text=_("Empty: now. A later moment publishes it then."))  # fmt: skip
    expires_at = forms.DateTimeField(label=_("Expires at"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))  # fmt: skip
    files = MultipleFileField(label=_("Attachments"), required=False)  # type: ignore[assignment]
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = actor.business_unit_id
        _choices(self, "departments", Department.objects.filter(business_unit_id=unit).order_by("path"))
        _choices(self, "roles", roles_of(unit))


class ReceiptFilterForm(forms.Form):
    """The receipts' list: the unread or the read, narrowed to a department and a name (GET; a bad value is
    ignored rather than refused)."""

    show = forms.ChoiceField(
        label=_("Show"), choices=[("unread", _("Not read yet")), ("read", _("Read"))], required=False
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label=_("All departments")
    )
    q = forms.CharField(
        label=pgettext_lazy("person", "Name"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": pgettext_lazy("person", "Name")}),
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "department", departments)

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        data = self.cleaned_data
        return {
            "read": data.get("show") == "read",
            "department": data.get("department"),
            "name": (data.get("q") or "").strip(),
        }


class FolderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    inherit = forms.BooleanField(label=_("Inherit the parent's access"), required=False, initial=True)


class MoveFolderForm(forms.Form):
    parent = forms.ModelChoiceField(
        label=_("Move into"), queryset=Folder.objects.none(), required=False, empty_label=_("(top level)")
    )

    def __init__(self, *args: Any, folders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "parent", folders)


class GrantForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Access"), choices=Level.choices, coerce=int)
    user = PersonChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.none(), required=False)

    def __init__(self, *args: Any, unit: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_people(
            self.fields["user"], User.objects.filter(department__business_unit_id=unit, status="active"), "directory"
        )
        _choices(self, "department", Department.objects.filter(business_unit_id=unit).order_by("path"))
        _choices(self, "role", roles_of(unit))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    tags = forms.CharField(label=_("Tags"), max_length=200, required=False)


class VersionForm(forms.Form):
    file = forms.FileField(label=_("New version"), allow_empty_file=True)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ScriptForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    scenario = forms.ChoiceField(label=_("Scenario"), choices=Scenario.choices)
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none(), required=False)
    stage = forms.ModelChoiceField(label=_("Pipeline stage"), queryset=Stage.objects.none(), required=False)
    body = forms.CharField(label=_("Script"), widget=forms.Textarea(attrs={"rows": 8}), max_length=5000)
    tags = forms.CharField(label=_("Tags"), max_length=200, required=False)
    featured = forms.BooleanField(label=_("Recommended"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = actor.business_unit_id
        _choices(self, "product", Product.objects.filter(business_unit_id=unit))
        _choices(
            self,
            "stage",
            Stage.objects.filter(Q(pipeline__business_unit_id=unit) | Q(pipeline__business_unit__isnull=True)),
        )
