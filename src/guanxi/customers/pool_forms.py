"""Forms of the public pool's pages: parsing only, the pool services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.config.dictionary import dictionary_choices
from guanxi.org.models import User

from .models import Pool


class PoolFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, pinyin, number or phone"), required=False)
    pool = forms.ModelChoiceField(Pool.objects.none(), label=_("Public pool"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    ordering = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("pooled", _("Newest in the pool")), ("name", _("Name")), ("last_followup", _("Last follow-up"))],
    )

    def __init__(self, *args: Any, pools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["pool"]).queryset = pools
        cast(Any, self.fields["industry"]).choices = [("", _("Any")), *dictionary_choices("industry")]


class ReturnForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason for returning"), choices=[])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["reason"]).choices = [("", "—"), *dictionary_choices("return_reason")]


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(User.objects.none(), label=_("Assign to"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from guanxi.org.selectors import directory

        cast(Any, self.fields["owner"]).queryset = directory(actor=actor)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
