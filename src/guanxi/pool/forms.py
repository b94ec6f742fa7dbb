"""Forms of the public pool's pages: parsing only, the pool services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.config.dictionary import dictionary_choices
from guanxi.org.forms import PersonChoiceField, offer_colleagues
from guanxi.org.models import Department, Role, User

from .configuration import HIDEABLE
from .models import ConflictCase, Pool


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
        cast(Any, self.fields["industry"]).choices = lambda: [("", _("Any")), *dictionary_choices("industry")]


class ReturnForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason for returning"), choices=[])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["reason"]).choices = [("", "—"), *dictionary_choices("return_reason")]


class CustomerReturnForm(ReturnForm):
    """The single return: where the unit has several pools, which one (empty: the customer's own pool)."""

    pool = forms.ModelChoiceField(Pool.objects.none(), label=_("Return to the pool"), required=False)

    def __init__(self, *args: Any, actor: User, customer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .rules import governing_pool, pools_visible

        choices = pools_visible(actor).filter(business_unit_id=customer.business_unit_id).select_related("department")
        field = cast(Any, self.fields["pool"])
        field.queryset = choices.order_by("department__path", "pk")
        own = customer.pool if customer.pool_id else None
        if own is None and customer.owner is not None:
            own = governing_pool(customer.owner, customer.business_unit_id)
        field.empty_label = _("Its own pool: %(pool)s") % {"pool": own} if own else "—"
        if field.queryset.count() < 2:
            del self.fields["pool"]  # one pool: nothing to choose


class LineRuleForm(forms.Form):
    pool = forms.ModelChoiceField(Pool.objects.none(), label=_("Public pool"))
    line = forms.ChoiceField(label=_("Product line"), choices=[])
    no_followup_days = forms.IntegerField(label=_("Days without follow-up"), min_value=1, required=False)
    no_deal_days = forms.IntegerField(label=_("Days without a deal"), min_value=1, required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .configuration import pools_of_unit

        cast(Any, self.fields["pool"]).queryset = pools_of_unit(actor=actor)
        cast(Any, self.fields["line"]).choices = [("", "—"), *dictionary_choices("product_line")]
        self.fields["no_deal_days"].help_text = _("Both empty: the line follows the pool's rules again.")


class PoolMoveForm(forms.Form):
    target = forms.ModelChoiceField(Pool.objects.none(), label=_("Move to the pool"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .rules import pools_visible

        pools = pools_visible(actor).filter(business_unit_id=actor.business_unit_id).order_by("pk")
        cast(Any, self.fields["target"]).queryset = pools


class AssignForm(forms.Form):
    owner = PersonChoiceField(User.objects.none(), label=_("Assign to"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_colleagues(self.fields["owner"], actor)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class PoolForm(forms.ModelForm):
    """A pool's name, rules (empty: the unit's parameter) and the fields it hides until claimed."""

    department = forms.ModelChoiceField(Department.objects.none(), label=_("Department"), required=True)
    hidden = forms.MultipleChoiceField(
        label=_("Fields hidden until claimed"),
        choices=list(HIDEABLE.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("Phones and e-mail addresses are always hidden until a customer is claimed."),
    )
    won_exempt = forms.NullBooleanField(
        label=_("Won customers exempt"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _("As the unit's parameter")), ("true", _("Yes")), ("false", _("No"))]
        ),
    )

    class Meta:
        model = Pool
        fields = ["name", "no_followup_days", "no_deal_days", "warning_days", "cooldown_days", "daily_claims"]
        help_texts = {name: _("Empty: the unit's parameter.") for name in fields[1:]}

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["department"]
            self.fields["hidden"].initial = self.instance.hidden_fields
            self.fields["won_exempt"].initial = self.instance.won_exempt
        else:
            unit = actor.business_unit_id
            free = (
                Department.objects.filter(business_unit_id=unit, pool__isnull=True)
                if unit
                else Department.objects.none()
            )
            cast(Any, self.fields["department"]).queryset = free.order_by("path")

    def _post_clean(self) -> None:
        """Validated by the service."""

    def pool_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        data["hidden_fields"] = list(self.cleaned_data.get("hidden") or [])
        data["won_exempt"] = self.cleaned_data.get("won_exempt")
        return data


class HoldingLimitForm(forms.Form):
    department = forms.ModelChoiceField(Department.objects.none(), label=_("Department"), required=False)
    user = PersonChoiceField(User.objects.none(), label=_("Salesperson"), required=False)
    holding_limit = forms.IntegerField(label=_("Customers owned at most"), min_value=1, required=False)
    lock_limit = forms.IntegerField(label=_("Locked customers at most"), min_value=0, required=False)
    won_counts = forms.NullBooleanField(
        label=_("Won customers count toward the limit"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _("As the unit's parameter")), ("true", _("Yes")), ("false", _("No"))]
        ),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = actor.business_unit_id
        departments = Department.objects.filter(business_unit_id=unit) if unit else Department.objects.none()
        cast(Any, self.fields["department"]).queryset = departments.order_by("path")
        offer_colleagues(self.fields["user"], actor)


class ViewLimitForm(forms.Form):
    role = forms.ModelChoiceField(Role.objects.none(), label=_("Role"), required=False)
    department = forms.ModelChoiceField(Department.objects.none(), label=_("Department"), required=False)
    user = PersonChoiceField(User.objects.none(), label=_("Salesperson"), required=False)
    daily_views = forms.IntegerField(label=_("Pool customers opened per day"), min_value=0, help_text=_("0: no limit."))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        unit = actor.business_unit_id
        departments = Department.objects.filter(business_unit_id=unit) if unit else Department.objects.none()
        roles = Role.objects.filter(Q(business_unit__isnull=True) | Q(business_unit_id=unit)).order_by("name")
        cast(Any, self.fields["role"]).queryset = roles
        cast(Any, self.fields["department"]).queryset = departments.order_by("path")
        offer_colleagues(self.fields["user"], actor)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=ConflictCase.Decision.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EvidenceForm(forms.Form):
    text = forms.CharField(
        label=_("Add evidence"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("When you registered or visited the customer, what you sent them: for the manager."),
    )  # fmt: skip
