from django import forms
from django.utils.translation import gettext_lazy as _

from .kinds import Kind
from .selectors import PreferenceRow
from .services import Choice


class PreferencesForm(forms.Form):
    """One pair of check boxes per kind of notification: in the app, by e-mail."""

    def __init__(self, *args: object, rows: list[PreferenceRow], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.kinds: list[Kind] = [row.kind for row in rows]
        for row in rows:
            label = row.kind.label
            self.fields[f"{row.kind.code}__in_app"] = forms.BooleanField(
                label=_("%(kind)s in the app") % {"kind": label}, required=False, initial=row.in_app
            )
            self.fields[f"{row.kind.code}__email"] = forms.BooleanField(
                label=_("%(kind)s by e-mail") % {"kind": label}, required=False, initial=row.email
            )

    def table(self) -> list[tuple[Kind, forms.BoundField, forms.BoundField]]:
        return [(kind, self[f"{kind.code}__in_app"], self[f"{kind.code}__email"]) for kind in self.kinds]

    def choices(self) -> dict[str, Choice]:
        data = self.cleaned_data
        return {kind.code: Choice(data[f"{kind.code}__in_app"], data[f"{kind.code}__email"]) for kind in self.kinds}
