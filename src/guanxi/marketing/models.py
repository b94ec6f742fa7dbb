"""The marketing app's models live in its areas' packages; Django finds them through this module."""

from .campaigns.models import AudienceSource, Campaign, CampaignCost, CampaignMember, CampaignResponse, CampaignResult
from .events.models import Confirmation, Event, Registration
from .messages.models import Delivery, Message, MessageTemplate, OptOut, SmsGateway, SmsOutbox

__all__ = [
    "AudienceSource",
    "Campaign",
    "CampaignCost",
    "CampaignMember",
    "CampaignResponse",
    "CampaignResult",
    "Confirmation",
    "Delivery",
    "Event",
    "Message",
    "MessageTemplate",
    "OptOut",
    "Registration",
    "SmsGateway",
    "SmsOutbox",
]  # fmt: skip
