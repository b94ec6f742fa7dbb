from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Security


class MailboxForm(forms.Form):
    address = forms.EmailField(label=_("E-mail address"), max_length=200)
    display_name = forms.CharField(label=_("Sender name"), max_length=100, required=False)
    username = forms.CharField(
        label=_("User name"), max_length=200, required=False, help_text=_("Usually the address itself.")
    )
    password = forms.CharField(
        label=_("Password"), max_length=500, required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted. Many providers (QQ, 163, Aliyun) want an authorisation code here."),
    )  # fmt: skip
    imap_host = forms.CharField(label=_("IMAP server"), max_length=200)
    imap_port = forms.IntegerField(label=_("IMAP port"), initial=993, min_value=1, max_value=65535)
    imap_security = forms.ChoiceField(label=_("IMAP security"), choices=Security.choices, initial=Security.SSL)
    smtp_host = forms.CharField(label=_("SMTP server"), max_length=200)
    smtp_port = forms.IntegerField(label=_("SMTP port"), initial=465, min_value=1, max_value=65535)
    smtp_security = forms.ChoiceField(label=_("SMTP security"), choices=Security.choices, initial=Security.SSL)
    inbox_folder = forms.CharField(label=_("Inbox folder"), max_length=100, initial="INBOX")
    sent_folder = forms.CharField(label=_("Sent folder"), max_length=100, initial="Sent")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ComposeForm(forms.Form):
    to = forms.CharField(label=_("To"), max_length=2000, help_text=_("Several addresses: separate them with commas."))
    cc = forms.CharField(label=_("Cc"), max_length=2000, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}), max_length=100_000)
    reply_to = forms.IntegerField(widget=forms.HiddenInput, required=False)
    customer = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000,
        help_text=_("{customer}, {contact} and {sender} are filled in when the template is used."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "template")
        super().__init__(*args, **kwargs)
