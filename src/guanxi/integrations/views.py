"""The integrations' pages live in ``webhooks/views.py`` and ``mailboxes/views.py``; here their registrations."""

from __future__ import annotations


def register() -> None:
    from django.utils.translation import gettext_lazy

    from guanxi.core import navigation
    from guanxi.customers.views import DetailTab, register_detail_tab

    navigation.register(
        navigation.NavItem(
            gettext_lazy("My mailbox"), "integrations:mailbox", "mail", order=84,
            section=gettext_lazy("Shared tools"), visible=navigation.needs("mailboxes.view"),
        )
    )  # fmt: skip
    navigation.register(
        navigation.NavItem(
            gettext_lazy("Webhooks"), "integrations:webhooks", "webhook", order=985,
            section=gettext_lazy("Administration"), visible=navigation.needs("webhooks.view"),
        )
    )  # fmt: skip
    register_detail_tab(DetailTab("mail", gettext_lazy("Mail"), "customers.view"))
