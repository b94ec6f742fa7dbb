from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from guanxi.core.middleware import ip_of

from . import security
from .models import LoginAttempt, User


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"), max_length=50, widget=forms.TextInput(attrs={"autofocus": True})
    )
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
        fields = ["display_name", "mobile", "email", "language"]


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Old password"), strip=False, widget=forms.PasswordInput)
    new_password1 = forms.CharField(label=_("New password"), strip=False, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("New password again"), strip=False, widget=forms.PasswordInput)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords do not match."))
        return data


class SignInCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
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
