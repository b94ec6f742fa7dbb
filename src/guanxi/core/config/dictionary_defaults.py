"""The dictionary types Guanxi ships (SPEC §2.1 and the modules' enumerations), with their first items.

Item codes are stable English slugs (the API and imports use them); labels are translated, so each reader
sees them in their language until an administrator renames them (they also reorder or disable them freely).
The sales module registers the loss reasons."""

from django.utils.translation import gettext_lazy as _

from .dictionary import register_dictionary_type


def register_defaults() -> None:
    for code, label, items in DEFAULT_TYPES:
        register_dictionary_type(code, label, items)


DEFAULT_TYPES = [
    (
        "product_line",
        _("Product line"),
        [("printer", _("Printers")), ("computer", _("Computers")), ("office_supplies", _("Office supplies"))],
    ),
    (
        "industry",
        _("Industry"),
        [
            ("manufacturing", _("Manufacturing")),
            ("it", _("Information technology")),
            ("finance", _("Finance")),
            ("trade", _("Wholesale and retail")),
            ("construction", _("Construction and real estate")),
            ("education", _("Education")),
            ("healthcare", _("Healthcare")),
            ("government", _("Government")),
            ("automotive", _("Automotive")),
            ("logistics", _("Transport and logistics")),
            ("energy", _("Energy and chemicals")),
            ("services", _("Business services")),
            ("other", _("Other")),
        ],
    ),
    (
        "customer_source",
        _("Customer source"),
        [
            ("telemarketing", _("Telemarketing")),
            ("online", _("Online marketing")),
            ("referral", _("Customer referral")),
            ("introduction", _("Personal introduction")),
            ("sub_dealer", _("Sub-dealer referral")),
            ("exhibition", _("Exhibition")),
            ("walk_in", _("Walk-in")),
            ("other", _("Other")),
        ],
    ),
    (
        "partner_type",
        _("Partner type"),
        [("distributor", _("Distributor")), ("agent", _("Agent"))],
    ),
    (
        "partner_level",
        _("Partner level"),
        [("gold", _("Gold partner")), ("silver", _("Silver partner")), ("registered", _("Registered partner"))],
    ),
    (
        "company_nature",
        _("Company nature"),
        [
            ("joint_venture", _("Joint venture")),
            ("state_owned", _("State-owned")),
            ("public_institution", _("Public institution")),
            ("private", _("Private")),
            ("other", _("Other")),
        ],
    ),
    (
        "revenue_band",
        _("Annual revenue"),
        [
            ("under_1m", _("Under ¥1 million")),
            ("1m_10m", _("¥1–10 million")),
            ("10m_50m", _("¥10–50 million")),
            ("50m_100m", _("¥50–100 million")),
            ("100m_1b", _("¥100 million–1 billion")),
            ("over_1b", _("Over ¥1 billion")),
        ],
    ),
    (
        "employee_band",
        _("Number of employees"),
        [
            ("under_20", _("Under 20")),
            ("20_99", _("20–99")),
            ("100_499", _("100–499")),
            ("500_999", _("500–999")),
            ("1000_plus", _("1,000 or more")),
        ],
    ),
    (
        "credit_rating",
        _("Credit rating"),
        # the credit assessment's scale (finance: computed nightly from the payment history, or a manager's override)
        [("a", _("A excellent")), ("b", _("B good")), ("c", _("C fair")), ("d", _("D poor")), ("e", _("E bad"))],
    ),
    (
        "satisfaction",
        _("Satisfaction"),
        [
            ("very_satisfied", _("Very satisfied")),
            ("satisfied", _("Satisfied")),
            ("neutral", _("Neutral")),
            ("dissatisfied", _("Dissatisfied")),
            ("very_dissatisfied", _("Very dissatisfied")),
        ],
    ),
    (
        "return_reason",
        _("Reason for returning to the pool"),
        [
            ("no_need", _("No need for now")),
            ("unreachable", _("Unreachable")),
            ("wrong_contact", _("Wrong contact details")),
            ("not_my_region", _("Not my region")),
            ("competitor_won", _("Chose a competitor")),
            ("other", _("Other")),
        ],
    ),
    (
        "followup_channel",
        _("Follow-up channel"),
        [
            ("phone", _("Phone")),
            ("visit", _("On-site visit")),
            ("showroom", _("In the showroom")),
            ("wechat", _("WeChat")),
            ("email", _("Email")),
            ("sms", _("SMS")),
            ("meeting", _("Meeting")),
            ("other", _("Other")),
        ],
    ),
    (
        "customer_feedback",
        _("Customer feedback"),
        [
            ("interested", _("Interested")),
            ("considering", _("Considering")),
            ("waiting_price_drop", _("Waiting for a price drop")),
            ("unavailable", _("Model or colour out of stock")),
            ("comparing", _("Comparing other brands")),
            ("budget", _("Budget too small")),
            ("concerns", _("Has concerns")),
            ("not_interested", _("Not interested")),
        ],
    ),
    (
        "churn_reason",
        _("Churn reason"),
        [
            ("price", _("Price")),
            ("service", _("Unhappy with the service")),
            ("competitor", _("Went to a competitor")),
            ("no_need", _("No longer needed")),
            ("closed", _("Closed or moved away")),
            ("other", _("Other")),
        ],
    ),
    (
        "ticket_type",
        _("Ticket type"),
        [
            ("consultation", _("Inquiry")),
            ("suggestion", _("Suggestion")),
            ("complaint", _("Complaint")),
            ("repair", _("Repair or fault")),
            ("visit", _("Follow-up call")),
            ("other", _("Other")),
        ],
    ),
    (
        "ticket_channel",
        _("Ticket channel"),
        [
            ("phone_in", _("Inbound call")),
            ("phone_out", _("Outbound call")),
            ("web", _("Website")),
            ("email", _("Email")),
            ("wechat", _("WeChat")),
            ("on_site", _("On site")),
        ],
    ),
    (
        "contact_role",
        _("Contact's decision role"),
        [
            ("decision_maker", _("Decision-maker")),
            ("influencer", _("Influencer")),
            ("user", _("End user")),
            ("gatekeeper", _("Gatekeeper")),
        ],
    ),
    (
        "campaign_type",
        _("Campaign type"),
        [
            ("exhibition", _("Exhibition")),
            ("seminar", _("Seminar")),
            ("online", _("Online promotion")),
            ("mailing", _("Email marketing")),
            ("telemarketing", _("Telemarketing")),
            ("other", _("Other")),
        ],
    ),
    (
        "expense_category",
        _("Expense category"),
        [
            ("travel", _("Travel")),
            ("entertainment", _("Entertainment")),
            ("transport", _("Local transport")),
            ("gifts", _("Gifts")),
            ("communication", _("Communication")),
            ("other", _("Other")),
        ],
    ),
]
