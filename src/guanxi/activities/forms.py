"""Forms of follow-ups, plans, comments, templates and reminder settings. They parse input; every rule is
checked by the services (field-specific messages come back through ``core.forms.attempt``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.config.dictionary import dictionary_choices
from guanxi.core.forms import MultipleFileField
from guanxi.core.uploads import files_help
from guanxi.customers.models import Contact, Customer
from guanxi.org.forms import PersonChoiceField, offer_people
from guanxi.org.models import User

from .attachments import MAX_FILES
from .models import Channel, Plan, PlanKind, PlanTemplate, PlanTemplateStep, ReminderSettings
from .services import Location

LOCAL_INPUT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def local_datetime_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, input_formats=LOCAL_INPUT, widget=LocalDateTimeInput(), help_text=help_text
    )


def _round_up(moment: datetime, minutes: int = 30) -> datetime:
    moment = timezone.localtime(moment).replace(second=0, microsecond=0)
    return moment + timedelta(minutes=(-moment.minute) % minutes)


class FollowUpForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    occurred_at = local_datetime_field(_("Time of the follow-up"))
    related = forms.ChoiceField(label=_("Related opportunity"), required=False)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    content = forms.CharField(label=_("Content"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    feedback = forms.ChoiceField(label=_("Customer feedback"), required=False)
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    latitude = forms.DecimalField(widget=forms.HiddenInput, required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(widget=forms.HiddenInput, required=False, max_digits=9, decimal_places=6)
    accuracy = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    location_address = forms.CharField(label=_("Check-in address"), max_length=200, required=False)
    # The next contact (下次联系时间); in the calendar it is the next plan, whose subject is the next step.
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    next_contact_at = local_datetime_field(_("Next contact time"), required=False)
    add_to_calendar = forms.BooleanField(label=_("Add to the calendar as a plan"), required=False, initial=True)
    next_owner = PersonChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)
    NEXT_CONTACT = ("next_step", "next_contact_at", "add_to_calendar", "next_owner")

    def __init__(
        self,
        *args: Any,
        customer: Customer | None,
        plan: Plan | None = None,
        related_choices: list[tuple[str, str]] | None = None,
        assignees: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feedback"].choices = [  # type: ignore[attr-defined]
            ("", "---------"),
            *dictionary_choices("customer_feedback"),
        ]
        if related_choices:
            self.fields["related"].choices = [("", "---------"), *related_choices]  # type: ignore[attr-defined]
        else:
            del self.fields["related"]
        if customer is not None:
            self.fields["contact"].queryset = Contact.objects.filter(customer=customer)  # type: ignore[attr-defined]
        else:
            del self.fields["contact"]
        if assignees is None:
            del self.fields["next_owner"]
        else:
            offer_people(self.fields["next_owner"], assignees, "activities")
        self.fields["attachments"].help_text = files_help(MAX_FILES)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        if plan is not None:
            self.fields["channel"].initial = {"call": "phone"}.get(plan.kind, plan.kind)
            if plan.contact_id and "contact" in self.fields:
                self.fields["contact"].initial = plan.contact_id

    def next_contact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.NEXT_CONTACT if name in self.fields]

    def location(self) -> Location | None:
        data = self.cleaned_data
        if data.get("latitude") is None or data.get("longitude") is None:
            return None
        return Location(
            latitude=Decimal(data["latitude"]),
            longitude=Decimal(data["longitude"]),
            accuracy=data.get("accuracy"),
            address=data.get("location_address") or "",
        )


class PlanForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    kind = forms.ChoiceField(label=_("Plan type"), choices=PlanKind.choices)
    due_at = local_datetime_field(_("Due"))
    owner = PersonChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    script = forms.CharField(
        label=_("Purpose / script"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, customer: Customer | None, assignees: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if assignees is None:
            del self.fields["owner"]
        else:
            offer_people(self.fields["owner"], assignees, "activities")
        if customer is not None:
            self.fields["contact"].queryset = Contact.objects.filter(customer=customer)  # type: ignore[attr-defined]
        else:
            del self.fields["contact"]
        if not self.is_bound and not self.initial.get("due_at"):
            self.initial["due_at"] = _round_up(timezone.now() + timedelta(days=1))


class RescheduleForm(forms.Form):
    due_at = local_datetime_field(_("New due time"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=200, required=False)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Manager comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ApplyTemplateForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Plan template"), queryset=PlanTemplate.objects.none())

    def __init__(self, *args: Any, unit_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = PlanTemplate.objects.of_unit(unit_id).filter(active=True)  # type: ignore[attr-defined]


class ReminderSettingsForm(forms.ModelForm):
    class Meta:
        model = ReminderSettings
        fields = ["digest_enabled", "digest_time"]
        widgets = {"digest_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        help_texts = {"digest_time": _("Empty: the business unit's default hour.")}


class PlanTemplateForm(forms.ModelForm):
    class Meta:
        model = PlanTemplate
        fields = ["name", "event", "description", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # the name and description as the list shows them, in the reader's language
            self.initial["name"] = self.instance.shown_name
            self.initial["description"] = self.instance.shown_description


class PlanTemplateStepForm(forms.ModelForm):
    class Meta:
        model = PlanTemplateStep
        fields = [
            "subject", "kind", "offset_days", "offset_hours", "window_cutoff_day", "early_from", "early_to",
            "late_from", "late_to", "script",
        ]  # fmt: skip
        widgets = {"script": forms.Textarea(attrs={"rows": 2})}


StepFormSet = forms.formset_factory(PlanTemplateStepForm, extra=2, can_delete=True)


class CalendarForm(forms.Form):
    view = forms.ChoiceField(choices=[("day", _("Day")), ("week", _("Week")), ("month", _("Month"))], required=False)
    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    owner = PersonChoiceField(queryset=User.objects.none(), required=False, label=_("Whose plans"))

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is None:
            del self.fields["owner"]
        else:
            offer_people(self.fields["owner"], people, "activities")
