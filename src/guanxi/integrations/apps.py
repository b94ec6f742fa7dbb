from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "guanxi.integrations"
    label = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from . import models, views
        from .mailboxes import services as mailboxes
        from .webhooks import api as webhooks_api
        from .webhooks import services as webhooks

        models.register()  # the permissions and data scope of webhooks, mailboxes and e-mails
        webhooks.register()  # the private-address parameter, the ping event, the outbox's listener
        webhooks_api.register()  # each record type's body in a delivery, as the REST API shows it
        mailboxes.register()  # the matching and follow-up parameters, the mailbox notification kind
        views.register()  # the menu entries and the customer's mail tab
