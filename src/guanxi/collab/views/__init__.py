"""The shared tools' pages, by area; ``register`` adds their menu entries, badge, banner, tab and panels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy


def register() -> None:
    from guanxi.core import dashboard, navigation
    from guanxi.core.notifications.kinds import register_kind
    from guanxi.core.panels import Panel, register_panel
    from guanxi.customers.views import DetailTab, register_detail_tab

    from .. import files
    from ..announcements import selectors

    files.register()
    section = gettext_lazy("Shared tools")
    navigation.register(
        navigation.NavItem(
            gettext_lazy("Announcements"), "collab:announcements", "speakerphone", order=80, section=section,
            badge=lambda request: selectors.unread_count(actor=request.user),  # type: ignore[arg-type]
        )
    )  # fmt: skip
    navigation.register(
        navigation.NavItem(
            gettext_lazy("Documents"), "collab:documents", "folders", order=81, section=section,
            visible=navigation.needs("documents.view"),
        )
    )  # fmt: skip
    navigation.register(
        navigation.NavItem(
            gettext_lazy("Sales scripts"), "collab:scripts", "message-chatbot", order=82, section=section,
            visible=navigation.needs("scripts.view"),
        )
    )  # fmt: skip
    dashboard.register(dashboard.Panel("collab/announcements/banner.html", _banner, order=0))
    register_kind("announcement", gettext_lazy("A new announcement, or a reminder to read one"))
    register_detail_tab(DetailTab("documents", gettext_lazy("Documents"), "documents.view"))
    register_panel(
        "sales.opportunity", Panel("scripts", gettext_lazy("Sales scripts"), "collab:stage_scripts", "scripts.view")
    )
    register_panel(
        "sales.opportunity", Panel("documents", gettext_lazy("Documents"), "collab:record_documents", "documents.view")
    )
    register_panel(
        "service.ticket", Panel("documents", gettext_lazy("Documents"), "collab:record_documents", "documents.view")
    )


def _banner(request: object) -> dict[str, object]:
    from ..announcements import selectors

    rows = list(selectors.unread(actor=request.user)[:3])  # type: ignore[attr-defined]
    return {"unread": rows}
