"""The marketing app's models live in its areas' packages; Django finds them through this module."""

from .campaigns.models import AudienceSource, Campaign, CampaignCost, CampaignMember, CampaignResponse

__all__ = ["AudienceSource", "Campaign", "CampaignCost", "CampaignMember", "CampaignResponse"]
