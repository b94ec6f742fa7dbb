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
        from .events import models as events
        from .events import views as event_views
        from .messages import models as messages
        from .messages import services as message_services
        from .messages import views as message_views

        campaigns.register()  # permissions, data scope and the campaign-type dictionary of campaigns
        campaign_services.register()  # the campaign number and the leads captured by a campaign's web form
        campaign_views.register()  # the menu entry
        messages.register()  # permissions and data scope of templates, sends, deliveries, opt-outs, the SMS gateway
        message_services.register()  # the weekly cap and open tracking parameters; opt-outs of hand-added members
        message_views.register()  # the campaign page's messages card
        events.register()  # the data scope of events and registrations
        event_views.register_panels()  # the campaign page's events card
