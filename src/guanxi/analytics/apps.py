from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "guanxi.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from . import dashboards, models, reports, targets, views

        models.register()  # the reports and targets permissions; the data scope of targets and saved views
        reports.register()  # the shipped reports (funnel, win/loss, lead sources, composition, activity, service)
        targets.register()  # what a target is measured by (a unit parameter)
        dashboards.register()  # the dashboard cards and the home page's panel that loads them
        views.register()  # the menu entries
