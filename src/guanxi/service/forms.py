"""Service forms: they parse and offer choices; the services decide (SPEC §9)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.config.dictionary import dictionary_choices
from guanxi.core.forms import MultipleFileField
from guanxi.core.uploads import files_help
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders.models import Order
from guanxi.sales.products.forms import product_picker
from guanxi.sales.products.models import Product

from . import services
from .models import CHANNEL_DICTIONARY, TYPE_DICTIONARY, Article, ArticleCategory, Priority, Ticket, TicketStatus

SATISFACTION_CHOICES = [
    (5, _("5 · Very satisfied")),
    (4, _("4 · Satisfied")),
    (3, _("3 · Acceptable")),
    (2, _("2 · Dissatisfied")),
    (1, _("1 · Very dissatisfied")),
]


class TicketForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), label=_("Customer"))
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), label=_("Contact"), required=False)
    type = forms.ChoiceField(label=_("Ticket type"))
    channel = forms.ChoiceField(label=_("Ticket channel"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    contract = forms.ModelChoiceField(queryset=Contract.objects.none(), label=_("Contract"), required=False)
    order = forms.ModelChoiceField(queryset=Order.objects.none(), label=_("Order"), required=False)
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("Product"), required=False)
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(
        self, *args: Any, actor: User, ticket: Ticket | None = None, customer: Customer | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = files_help(services.MAX_ATTACHMENTS)
        customers = Customer.objects.visible_to(actor).order_by("name")
        self.fields["customer"].queryset = customers  # type: ignore[attr-defined]
        self.fields["contact"].queryset = Contact.objects.visible_to(actor)  # type: ignore[attr-defined]
        self.fields["type"].choices = dictionary_choices(TYPE_DICTIONARY, include=[getattr(ticket, "type", "")])  # type: ignore[attr-defined]
        self.fields["channel"].choices = dictionary_choices(  # type: ignore[attr-defined]
            CHANNEL_DICTIONARY, include=[getattr(ticket, "channel", "")]
        )
        if ticket is not None:  # editing: the customer stays; files are added on the ticket's page
            del self.fields["customer"]
            del self.fields["contact"]
            del self.fields["attachments"]
        product_picker(self, "product", actor)
        customer = ticket.customer if ticket is not None else customer
        if customer is None:  # the customer is chosen on this form: its contracts and orders are set later
            del self.fields["contract"]
            del self.fields["order"]
        else:
            self.fields["contract"].queryset = Contract.objects.filter(customer=customer).order_by("-pk")  # type: ignore[attr-defined]
            self.fields["order"].queryset = Order.objects.filter(customer=customer).order_by("-pk")  # type: ignore[attr-defined]

    def ticket_data(self) -> dict[str, Any]:
        related = [name for name in services.RELATED_FIELDS if name in self.fields]
        return {
            **{name: self.cleaned_data.get(name, "") for name in services.TICKET_FIELDS},
            **{name: self.cleaned_data.get(name) for name in related},
        }


class AttachForm(forms.Form):
    attachments = MultipleFileField(label=_("Add files"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = files_help(services.MAX_ATTACHMENTS)


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Number or subject"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    type = forms.ChoiceField(label=_("Ticket type"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Assignee"), required=False)
    customer = forms.IntegerField(widget=forms.HiddenInput, required=False)
    breached = forms.BooleanField(label=_("Deadline missed"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["status"].choices = every + list(TicketStatus.choices)  # type: ignore[attr-defined]
        self.fields["type"].choices = lambda: every + dictionary_choices(TYPE_DICTIONARY)  # type: ignore[attr-defined]
        self.fields["priority"].choices = every + list(Priority.choices)  # type: ignore[attr-defined]
        agents = services.agents_of_unit(actor.business_unit_id).order_by("display_name")
        self.fields["assignee"].queryset = agents  # type: ignore[attr-defined]


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Assign to"))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # any active colleague: the service refuses, with its reason, one without the service role
        people = User.objects.filter(status=User.Status.ACTIVE, department__business_unit_id=ticket.business_unit_id)
        self.fields["assignee"].queryset = people.order_by("display_name")  # type: ignore[attr-defined]


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("Handling notes"), widget=forms.Textarea(attrs={"rows": 4}))
    articles = forms.ModelMultipleChoiceField(
        queryset=Article.objects.none(), label=_("Knowledge-base articles used"), required=False
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["articles"].queryset = Article.objects.visible_to(actor).order_by("title")  # type: ignore[attr-defined]


class FeedbackForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Reply"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    internal = forms.BooleanField(
        label=_("Internal note"), required=False,
        help_text=_("Only the company's own people read it; a reply is also read by the channel partner."),
    )  # fmt: skip


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ModelChoiceField(queryset=ArticleCategory.objects.none(), label=_("Category"))
    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Paragraphs, lists, bold and links are kept; anything else is removed."),
    )
    is_public = forms.BooleanField(label=_("Show on the public FAQ page"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mine = ArticleCategory.objects.visible_to(actor).filter(business_unit_id=actor.business_unit_id)
        self.fields["category"].queryset = mine  # type: ignore[attr-defined]


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Category name"), max_length=60)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, initial=100)
