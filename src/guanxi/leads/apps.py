from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "guanxi.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from . import checks, models, selectors, webforms
        from .pools import services as pools
        from .views import leads as lead_views

        models.register()  # the module's permissions; data scope, custom fields, merge and hand-over of leads
        webforms.register()  # the leads' parameters: the web forms' limits against floods and robots
        checks.register()  # the follow-up interval of an open lead and its row in the compliance report
        selectors.register()  # the menu entry and the global search
        pools.register()  # the lead pools' parameters and notifications
        lead_views.register()  # the 360 page's card of the lead a pool customer came from
