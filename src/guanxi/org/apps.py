from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "guanxi.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.urls import reverse

        from guanxi.core import search

        from .selectors import user_search

        def search_people(*, actor: object, query: str, limit: int) -> list[search.Hit]:
            return [
                search.Hit(
                    str(user),
                    " · ".join(filter(None, [str(user.department or ""), user.mobile])),
                    reverse("org:user_detail", args=[user.pk]),
                )
                for user in user_search(query=query, limit=limit)
            ]

        search.register(search.Provider(_("People"), search_people))
