from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "guanxi.marketing"
    label = "marketing"
    verbose_name = _("Marketing")

    def ready(self) -> None:
        from .campaigns import models as campaigns
        from .campaigns import services as campaign_services
        from .campaigns import views as campaign_views

        campaigns.register()  # permissions, data scope and the campaign-type dictionary of campaigns
        campaign_services.register()  # the campaign number and the leads captured by a campaign's web form
        campaign_views.register()  # the menu entry
