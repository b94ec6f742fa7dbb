from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.config.custom_forms import add_custom_fields
from guanxi.core.middleware import ip_of
from guanxi.core.permissions import all_codes, has_perm

from . import security
from .handover import owned_types
from .models import BusinessUnit, Department, LoginAttempt, Role, Team, User
from .selectors import directory, people_in_scope

PEOPLE_LISTED = 200  # a menu lists everyone up to this many; past it, typing searches (person_picker.js)


class PersonSelect(forms.Select):
    """A person menu over a group of any size: up to PEOPLE_LISTED people are listed, read as (pk, name, username)
    rows rather than a model instance each; past that only the chosen ones, and typing asks ``org:people_pick``
    for the others among the same people (``among``, the name ``org.selectors.people_among`` knows them by). The
    page costs one bounded query either way."""

    among = ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        everyone = self.choices
        listed, searched = self._options(everyone, [pk for pk in self.format_value(value) if pk.isdigit()])
        self.choices = listed
        try:
            context = super().get_context(name, value, attrs)
        finally:
            self.choices = everyone
        if searched:
            context["widget"]["attrs"]["data-person-picker"] = f"{reverse('org:people_pick')}?among={self.among}"
        return context

    def _options(self, everyone: Any, chosen: list[str]) -> tuple[list[tuple[Any, str]], bool]:
        empty_label = getattr(everyone.field, "empty_label", None)
        people = everyone.queryset.values_list("pk", "display_name", "username")
        rows = list(people[: PEOPLE_LISTED + 1])
        searched = len(rows) > PEOPLE_LISTED and bool(self.among)
        if searched:
            rows = list(people.filter(pk__in=chosen)) if chosen else []
        options = [(pk, name or username) for pk, name, username in rows]
        return ([("", empty_label)] if empty_label is not None else []) + options, searched


class PeopleSelect(PersonSelect, forms.SelectMultiple):
    """Several people, listed or searched as ``PersonSelect``."""


class PersonChoiceField(forms.ModelChoiceField):
    """A choice of one user among a queryset of users (cleaned to a ``User``), listed or searched by its widget."""

    widget = PersonSelect


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    """Several users among a queryset of users, listed or searched as ``PersonChoiceField``."""

    widget = PeopleSelect


def offer_people(field: forms.Field, people: QuerySet[User], among: str) -> None:
    """Give a person field its people and the name its search asks for them by (see ``people_among``)."""
    cast(Any, field).queryset = people
    cast(Any, field.widget).among = among


def offer_colleagues(field: forms.Field, actor: User) -> None:
    """A person field over the actor's colleagues (the company directory)."""
    offer_people(field, directory(actor=actor), "directory")


def offer_owners(form: forms.BaseForm, actor: User, module: str, name: str = "owner") -> None:
    """An owner field over the colleagues in the actor's scope of ``module``; with scope own there is nobody to
    choose, and the field goes."""
    people = people_in_scope(actor, module)
    if people is None:
        del form.fields[name]
    else:
        offer_people(form.fields[name], people, module)


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("Username"), max_length=50, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        # Django's form would only authenticate; the lockout and the login log come first (org.security).
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = security.signin_check_password(
                    username=username,
                    password=password,
                    ip=ip_of(self.request) if self.request else None,
                    user_agent=self.request.META.get("HTTP_USER_AGENT", "") if self.request else "",
                )
            except security.SignInRefused as error:
                if error.code == "invalid_login":
                    raise self.get_invalid_login_error() from error
                raise ValidationError(str(error.message), code=error.code) from error
        return self.cleaned_data


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "mobile", "email", "language", "amounts_in_wan"]


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Old password"), strip=False, widget=forms.PasswordInput)
    new_password1 = forms.CharField(label=_("New password"), strip=False, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("New password again"), strip=False, widget=forms.PasswordInput)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords do not match."))
        return data


class ScopedFormMixin:
    """Limits the pickers of a form to what the actor may see."""

    def limit_choices(self, actor: User) -> None:
        fields = self.fields  # type: ignore[attr-defined]
        if "department" in fields:
            cast(Any, fields["department"]).queryset = Department.objects.visible_to(actor).order_by("path")
        if "parent" in fields:
            cast(Any, fields["parent"]).queryset = Department.objects.visible_to(actor).order_by("path")
        colleagues = User.objects.visible_to(actor).filter(status=User.Status.ACTIVE)
        for name in ("manager", "lead", "successor", "members"):
            if name in fields:
                offer_people(fields[name], colleagues, "directory")
        if "roles" in fields:
            cast(Any, fields["roles"]).queryset = Role.objects.visible_to(actor)


class UserForm(ScopedFormMixin, forms.ModelForm):
    roles = forms.ModelMultipleChoiceField(
        Role.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label=_("Roles")
    )
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The user can change it after signing in."),
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "mobile", "email", "department", "manager", "language"]
        field_classes = {"manager": PersonChoiceField}

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices(actor)
        if self.instance.pk:
            del self.fields["password"]
            self.fields["roles"].initial = list(self.instance.roles.all())
        if not has_perm(actor, "roles.view"):
            del self.fields["roles"]
        unit = self.instance.business_unit_id if self.instance.pk else actor.business_unit_id
        add_custom_fields(self, User, unit, self.instance if self.instance.pk else None)


class DepartmentForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "parent", "business_unit", "lead", "sort_order"]
        field_classes = {"lead": PersonChoiceField}

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices(actor)
        cast(Any, self.fields["business_unit"]).queryset = BusinessUnit.objects.visible_to(actor)
        self.fields["business_unit"].required = False
        self.fields["business_unit"].help_text = _("Only for a top-level department.")
        if self.instance.pk:  # moving has its own form; the unit follows the parent
            del self.fields["parent"]
            del self.fields["business_unit"]
        elif BusinessUnit.objects.count() == 1:
            del self.fields["business_unit"]


class DepartmentMoveForm(ScopedFormMixin, forms.Form):
    parent = forms.ModelChoiceField(Department.objects.none(), label=_("New parent department"))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices(actor)


class TeamForm(ScopedFormMixin, forms.ModelForm):
    members = forms.ModelMultipleChoiceField(
        User.objects.none(),
        required=False,
        label=_("Members"),
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )

    class Meta:
        model = Team
        fields = ["name", "lead", "members"]
        field_classes = {"lead": PersonChoiceField, "members": PeopleChoiceField}

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices(actor)
        if self.instance.pk:
            self.fields["members"].initial = list(self.instance.members.all())


class RoleForm(forms.ModelForm):
    permissions = forms.MultipleChoiceField(
        choices=[], required=False, widget=forms.CheckboxSelectMultiple, label=_("Permissions")
    )

    class Meta:
        model = Role
        fields = ["name", "code", "description", "data_scope", "require_two_factor", "permissions"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["permissions"]).choices = [(code, code) for code in sorted(all_codes())]
        if self.instance.pk:  # the name and description as the list shows them, in the reader's language
            self.initial["name"] = self.instance.shown_name
            self.initial["description"] = self.instance.shown_description


class LeaveForm(ScopedFormMixin, forms.Form):
    successor = PersonChoiceField(
        User.objects.none(), required=False, label=_("Hand over to"), help_text=_("Takes over every record.")
    )
    customers_to_pool = forms.BooleanField(required=False, label=_("Return customers to the public pool instead"))

    def __init__(self, *args: Any, actor: User, leaving: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices(actor)
        successor = cast(Any, self.fields["successor"])
        successor.queryset = successor.queryset.exclude(pk=leaving.pk)
        if not any(kind.to_pool for kind in owned_types()):  # no module offers a pool yet
            del self.fields["customers_to_pool"]


class UserFilterForm(ScopedFormMixin, forms.Form):
    q = forms.CharField(label=_("Name, username or mobile"), required=False)
    department = forms.ModelChoiceField(Department.objects.none(), required=False, label=_("Department"))
    status = forms.ChoiceField(choices=[("", _("Any status")), *User.Status.choices], required=False, label=_("Status"))
    role = forms.ModelChoiceField(Role.objects.none(), required=False, label=_("Role"))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices(actor)
        cast(Any, self.fields["role"]).queryset = Role.objects.visible_to(actor)


class UnitForm(forms.ModelForm):
    class Meta:
        model = BusinessUnit
        fields = ["name", "code"]


class SignInCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TwoFactorEnableForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TwoFactorDisableForm(forms.Form):
    password = forms.CharField(label=_("Your password"), strip=False, widget=forms.PasswordInput)


class PasswordResetForm(forms.Form):
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords do not match."))
        return data


class DateInput(forms.DateInput):
    input_type = "date"


class LoginLogFilterForm(forms.Form):
    user = forms.CharField(label=_("User"), required=False, max_length=50)
    result = forms.ChoiceField(
        label=_("Result"), required=False, choices=[("", _("All results")), *LoginAttempt.Result.choices]
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)
    ip = forms.GenericIPAddressField(label=_("IP address"), required=False)


class InactivityFilterForm(forms.Form):
    days = forms.IntegerField(
        label=_("Not signed in for at least (days)"), min_value=1, max_value=3650, initial=14, required=False
    )
