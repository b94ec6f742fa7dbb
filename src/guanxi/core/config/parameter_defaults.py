"""The parameters SPEC §14.2 names, with the defaults the SPEC gives. Modules read them with
``parameter_value("pool.no_followup_days", unit=...)``; a module may register more of its own."""

from django.utils.translation import gettext_lazy as _

from .numbering import register_number_kind
from .parameters import register_parameter, register_parameter_group

MAX_DAYS = 3650


def register_defaults() -> None:
    groups = [
        ("pool", _("Public pool"), 10),
        ("cadence", _("Levels and follow-up cadence"), 20),
        ("plans", _("Plans and reminders"), 30),
        ("churn", _("Churn"), 40),
        ("service", _("Service levels (SLA)"), 50),
        ("users", _("Users"), 60),
        ("numbering", _("Numbering"), 70),
    ]
    for code, label, order in groups:
        register_parameter_group(code, label, order)
    _general()
    _pool()
    _cadence()
    _plans_churn_service()
    _numbering()


def _general() -> None:
    register_parameter(
        "general.currency",
        _("Currency"),
        "choice",
        "CNY",
        choices=[
            ("CNY", _("Chinese yuan (CNY)")),
            ("HKD", _("Hong Kong dollar (HKD)")),
            ("USD", _("US dollar (USD)")),
            ("EUR", _("Euro (EUR)")),
            ("JPY", _("Japanese yen (JPY)")),
        ],
    )
    register_parameter(
        "general.working_calendar",
        _("Working calendar"),
        "choice",
        "cn",
        choices=[
            ("cn", _("Chinese public holidays and adjusted working days")),
            ("weekdays", _("Monday to Friday")),
        ],
        help=_("Used to count working time, e.g. for service deadlines."),
    )
    register_parameter("general.workday_start_hour", _("Working day starts at (hour)"), "int", 9, min=0, max=23)
    register_parameter("general.workday_end_hour", _("Working day ends at (hour)"), "int", 18, min=1, max=24)


def _pool() -> None:
    register_parameter(
        "pool.no_followup_days",
        _("Return to the pool after days without follow-up"),
        "int",
        30,
        group="pool",
        help=_("Counted from the later of the last follow-up and the claim."),
        min=1,
        max=MAX_DAYS,
    )
    register_parameter(
        "pool.no_deal_days",
        _("Return to the pool after days without a deal"),
        "int",
        90,
        group="pool",
        help=_("Counted from the claim; follow-ups do not reset it."),
        min=1,
        max=MAX_DAYS,
    )
    register_parameter("pool.won_exempt", _("Won customers never return automatically"), "bool", True, group="pool")
    register_parameter(
        "pool.warning_days",
        _("Warn the owner this many days before a return"),
        "int",
        3,
        min=0,
        max=365,
        group="pool",
    )
    register_parameter(
        "pool.holding_limit",
        _("Customers a salesperson may own"),
        "int",
        200,
        min=1,
        max=100000,
        group="pool",
    )
    register_parameter(
        "pool.won_counts_toward_limit",
        _("Won customers count toward that limit"),
        "bool",
        False,
        group="pool",
    )
    register_parameter(
        "pool.lock_limit",
        _("Locked customers a salesperson may have"),
        "int",
        20,
        min=0,
        max=100000,
        group="pool",
    )
    register_parameter(
        "pool.daily_claims", _("Claims per salesperson per day"), "int", 20, min=1, max=10000, group="pool"
    )
    register_parameter(
        "pool.cooldown_days",
        _("Days before a returned customer can be claimed again by the same person"),
        "int",
        7,
        min=0,
        max=3650,
        group="pool",
    )
    register_parameter(
        "pool.contract_end_rule",
        _("Return won customers whose last contract ended"),
        "bool",
        False,
        group="pool",
    )
    register_parameter(
        "pool.contract_end_days",
        _("… this many days ago without a new one"),
        "int",
        180,
        group="pool",
        min=1,
        max=MAX_DAYS,
    )


def _cadence() -> None:
    # SPEC §4.4: the longest interval between follow-ups for each customer level.
    for level, days, label in [
        ("o", 7, _("Level O (has ordered): follow up at least every … days")),
        ("h", 2, _("Level H (likely to order within 7 days): follow up at least every … days")),
        ("a", 7, _("Level A (within 15 days): follow up at least every … days")),
        ("b", 14, _("Level B (within 30 days): follow up at least every … days")),
        ("c", 21, _("Level C (within a month to a year): follow up at least every … days")),
        ("n", 30, _("Level N (no clear plan): follow up at least every … days")),
    ]:
        register_parameter(f"cadence.{level}_days", label, "int", days, group="cadence", min=1, max=MAX_DAYS)


def _plans_churn_service() -> None:
    register_parameter(
        "plans.opportunity_followup_hours",
        _("New opportunity: follow-up plan after (hours)"),
        "int",
        48,
        min=1,
        max=720,
        group="plans",
    )
    register_parameter(
        "plans.memory_curve_days",
        _("Memory-curve intervals (days, comma separated)"),
        "str",
        "1,2,4,7,15,30",
        group="plans",
        max_length=100,
        validator=_day_list,
    )
    register_parameter(
        "plans.reminder_minutes",
        _("Remind before a plan is due (minutes)"),
        "int",
        30,
        min=0,
        max=10080,
        group="plans",
    )
    register_parameter("plans.digest_hour", _("Daily digest at (hour)"), "int", 8, min=0, max=23, group="plans")
    register_parameter(
        "churn.no_order_months",
        _("Warn when a won customer has not ordered for (months)"),
        "int",
        6,
        min=1,
        max=120,
        group="churn",
    )
    register_parameter(
        "churn.complaint_open_days",
        _("Warn when a complaint stays open for (days)"),
        "int",
        15,
        group="churn",
        min=1,
        max=MAX_DAYS,
    )
    for priority, response_label, response, resolve_label, resolve in [
        (
            "urgent",
            _("Respond to urgent tickets within (working hours)"),
            1,
            _("Resolve urgent tickets within (working hours)"),
            8,
        ),
        (
            "important",
            _("Respond to important tickets within (working hours)"),
            4,
            _("Resolve important tickets within (working hours)"),
            24,
        ),
        (
            "normal",
            _("Respond to normal tickets within (working hours)"),
            8,
            _("Resolve normal tickets within (working hours)"),
            72,
        ),
    ]:
        register_parameter(
            f"service.{priority}_response_hours",
            response_label,
            "int",
            response,
            min=1,
            max=1000,
            group="service",
        )
        register_parameter(
            f"service.{priority}_resolve_hours",
            resolve_label,
            "int",
            resolve,
            min=1,
            max=5000,
            group="service",
        )
    register_parameter(
        "users.inactivity_days",
        _("Report users who have not signed in for (days)"),
        "int",
        14,
        group="users",
        min=1,
        max=MAX_DAYS,
    )


def _numbering() -> None:
    for kind, label in [
        ("customer", _("Customer number")),
        ("lead", _("Lead number")),
        ("opportunity", _("Opportunity number")),
        ("quote", _("Quote number")),
        ("contract", _("Contract number")),
        ("order", _("Order number")),
        ("receipt", _("Receipt number")),
        ("invoice", _("Invoice number")),
        ("delivery", _("Delivery note number")),
        ("ticket", _("Ticket number")),
    ]:
        register_number_kind(kind, label)


def _day_list(text: str) -> None:
    from ..errors import DomainError

    parts = [part.strip() for part in text.split(",")]
    if not all(part.isdigit() and 0 < int(part) <= 3650 for part in parts):
        raise DomainError(_("Enter whole numbers of days separated by commas, e.g. 1,2,4,7."))
