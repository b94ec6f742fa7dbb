"""Pipelines, stages, opportunities and competitors (SPEC §6). Products, quotes, contracts and orders join
this app later, each in its own module."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guanxi.core.records import MainRecord
from guanxi.core.scope import ScopedQuerySet
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import BusinessUnit, User

from .contracts.models import Contract, ContractLine, ContractStatus
from .orders.models import Order, OrderLine, OrderStatus

# The catalogue's and the quotes' models live in their sub-packages and belong to this app.
from .products.models import Product, ProductCategory
from .quotes.models import Quote, QuoteLine, QuoteStatus

__all__ = [
    "Competitor",
    "Contract",
    "ContractLine",
    "ContractStatus",
    "Opportunity",
    "OpportunityCollaborator",
    "OpportunityCompetitor",
    "OpportunityLine",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Pipeline",
    "Product",
    "ProductCategory",
    "Quote",
    "QuoteLine",
    "QuoteStatus",
    "Stage",
    "StageChange",
    "Status",
]  # fmt: skip


class Pipeline(models.Model):
    """A sales process (自定义商机业务流程): an ordered list of stages. ``business_unit`` empty: every unit."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    business_unit = models.ForeignKey(
        BusinessUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="pipelines",
        verbose_name=_("business unit"),
    )
    is_default = models.BooleanField(_("default pipeline"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet["Pipeline"].as_manager()

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        """A shipped pipeline's name in the reader's language until an administrator renames it."""
        from .pipelines import shown_pipeline_name

        return shown_pipeline_name(self.code, self.name)


class Stage(models.Model):
    """One step of a pipeline (阶段). Each pipeline ends in one ``won`` and one ``lost`` stage, entered only
    by winning or losing; the open stages carry a default win probability, the fields an opportunity
    must have to enter them, and whether entering needs a manager's approval."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    pipeline = models.ForeignKey(Pipeline, models.CASCADE, related_name="stages", verbose_name=_("pipeline"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.OPEN)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("default probability (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    required_fields = models.JSONField(_("required fields to enter"), default=list, blank=True)
    needs_approval = models.BooleanField(_("entering needs approval"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet["Stage"].as_manager()

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "code"], name="stage_unique_code"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_max_100"),
        ]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        """A shipped stage's name in the reader's language until an administrator renames it."""
        return str(self.label)

    @property
    def label(self) -> str | Promise:
        """The name as a translatable label while it is shipped (for texts read later, e.g. notifications)."""
        from .pipelines import stage_label

        return stage_label(self.code, self.name)

    @property
    def is_open(self) -> bool:
        return self.kind == self.Kind.OPEN


class Competitor(MainRecord):
    """竞争对手 (SPEC §6.6): shared knowledge of a business unit."""

    class PriceLevel(models.TextChoices):
        LOW = "low", _("Lower than ours")
        SIMILAR = "similar", _("Similar to ours")
        HIGH = "high", _("Higher than ours")

    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, related_name="competitors", verbose_name=_("business unit")
    )
    name = models.CharField(_("competitor name"), max_length=100)
    website = models.URLField(_("website"), blank=True)
    strengths = models.TextField(_("strengths"), max_length=1000, blank=True)
    weaknesses = models.TextField(_("weaknesses"), max_length=1000, blank=True)
    price_level = models.CharField(_("price level"), max_length=10, choices=PriceLevel.choices, blank=True)
    remarks = models.TextField(_("remarks"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_unit", "name"],
                condition=Q(deleted_at__isnull=True),
                name="competitor_unique_live_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Opportunity(MainRecord):
    """商机 (SPEC §6.1): a chance to sell to a customer, moving through the stages of one pipeline."""

    number = models.CharField(_("opportunity number"), max_length=30, unique=True, editable=False)
    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, related_name="opportunities", verbose_name=_("business unit")
    )
    customer = models.ForeignKey(Customer, models.PROTECT, related_name="opportunities", verbose_name=_("customer"))
    contact = models.ForeignKey(
        Contact, models.SET_NULL, null=True, blank=True, related_name="opportunities", verbose_name=_("contact")
    )
    name = models.CharField(_("opportunity name"), max_length=100)
    source = models.CharField(_("source"), max_length=40, blank=True)  # dictionary customer_source
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(_("probability (%)"), default=0, validators=[MaxValueValidator(100)])
    pipeline = models.ForeignKey(Pipeline, models.PROTECT, related_name="opportunities", verbose_name=_("pipeline"))
    stage = models.ForeignKey(Stage, models.PROTECT, related_name="opportunities", verbose_name=_("stage"))
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="owned_opportunities", verbose_name=_("owner")
    )
    collaborators: models.ManyToManyField[User, OpportunityCollaborator] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="OpportunityCollaborator",
        related_name="collaborating_opportunities",
        blank=True,
        verbose_name=_("collaborators"),
    )
    competitors: models.ManyToManyField[Competitor, OpportunityCompetitor] = models.ManyToManyField(
        Competitor, through="OpportunityCompetitor", related_name="opportunities", blank=True
    )
    need = models.TextField(_("need description"), max_length=2000, blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    # A move into a stage that needs approval waits here until a manager decides.
    pending_stage = models.ForeignKey(
        Stage, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("waiting to enter")
    )
    pending_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    loss_reason = models.CharField(_("loss reason"), max_length=40, blank=True)  # dictionary loss_reason
    loss_note = models.CharField(_("loss details"), max_length=500, blank=True)
    winning_competitor = models.ForeignKey(
        Competitor,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="won_against_us",
        verbose_name=_("winning competitor"),
    )
    # The lead it was converted from. The leads app holds the foreign key to the opportunity; this plain id
    # lets the opportunity name its origin without sales depending on leads.
    source_lead_id = models.PositiveBigIntegerField(_("converted from lead"), null=True, blank=True)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            # The daily check sheet: open opportunities, the longest in their stage first (it shows the top 200).
            models.Index(
                fields=["stage_entered_at", "id"],
                condition=Q(deleted_at__isnull=True, status=Status.OPEN),
                name="opportunity_open_stale",
            ),
            # A board column (one stage) for one owner and for a whole scope: live rows, newest first.
            # The board (an open stage holds only open opportunities): a column's cards and totals for the
            # owners of a scope, read from the index alone; and for a whole unit, in order.
            models.Index(
                fields=["stage", "owner", "-updated_at", "-id"],
                include=["amount", "probability"],
                condition=Q(deleted_at__isnull=True),
                name="opportunity_board_owner",
            ),
            models.Index(
                fields=["stage", "-updated_at", "-id"],
                include=["owner", "business_unit", "amount", "probability"],
                condition=Q(deleted_at__isnull=True),
                name="opportunity_board_stage",
            ),
            models.Index(
                fields=["owner", "-updated_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="opportunity_owner_recent",
            ),
            # The forecast of a scope's owners: open amounts by expected close date, from the index alone.
            models.Index(
                fields=["owner", "status", "expected_close_date"],
                include=["amount", "probability"],
                condition=Q(deleted_at__isnull=True),
                name="opportunity_forecast",
            ),
            models.Index(fields=["customer", "status"], name="opportunity_customer_status"),
            models.Index(fields=["status", "expected_close_date"], name="opportunity_status_close"),
            # The funnel of a pipeline: the opportunities created in a period by stage, from the index alone.
            models.Index(
                fields=["pipeline", "created_at"],
                include=["id", "owner", "stage", "status", "amount"],
                condition=Q(deleted_at__isnull=True),
                name="opportunity_funnel",
            ),
            # Wins and losses of a period (the reports, the executive's card, targets by won opportunities),
            # by closing time, from the index alone.
            models.Index(
                fields=["closed_at"],
                include=["id", "status", "amount", "owner"],
                condition=Q(deleted_at__isnull=True, closed_at__isnull=False),
                name="opportunity_closed",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(probability__lte=100), name="opportunity_probability_max_100"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sales:opportunity", args=[self.pk])

    @property
    def needs_open_plan(self) -> bool:
        """SPEC §4.3: an open opportunity always keeps an open plan (read when its last plan is completed)."""
        return self.status == Status.OPEN

    @property
    def weighted_amount(self) -> Decimal:
        return (self.amount * self.probability / Decimal(100)).quantize(Decimal("0.01"))

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN


class OpportunityLine(models.Model):
    """A product line of an opportunity; plain text until the products module links a product."""

    opportunity = models.ForeignKey(Opportunity, models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(_("product"), max_length=200)
    product = models.ForeignKey(
        "sales.Product",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunity_lines",
        verbose_name=_("product"),
    )
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = models.DecimalField(
        _("unit price"), max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    amount = models.DecimalField(_("line amount"), max_digits=16, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("opportunity line")
        verbose_name_plural = _("opportunity lines")
        ordering = ["opportunity", "position", "pk"]

    def __str__(self) -> str:
        return self.description


class OpportunityCollaborator(models.Model):
    """A colleague working the opportunity with its owner (协作人): sees it, may edit it if allowed."""

    opportunity = models.ForeignKey(Opportunity, models.CASCADE, related_name="collaborations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="opportunity_collaborations")
    can_edit = models.BooleanField(_("may edit"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opportunity", "user"], name="opportunity_collaborator_once")]

    def __str__(self) -> str:
        return f"{self.opportunity} + {self.user}"


class OpportunityCompetitor(models.Model):
    """A competitor bidding for the same opportunity, with what we know of their offer."""

    opportunity = models.ForeignKey(Opportunity, models.CASCADE, related_name="competitor_links")
    competitor = models.ForeignKey(Competitor, models.PROTECT, related_name="opportunity_links")
    price = models.DecimalField(_("their price"), max_digits=16, decimal_places=2, null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "competitor"], name="opportunity_competitor_once")
        ]

    def __str__(self) -> str:
        return f"{self.opportunity} vs {self.competitor}"


class StageChange(models.Model):
    """One stay of an opportunity in a stage (阶段历史): entered at ``at``, left at ``left_at`` (empty while
    it is still there), so the time spent in each stage is one subtraction."""

    class Kind(models.TextChoices):
        CREATE = "create", _("Created")
        MOVE = "move", _("Moved")
        WIN = "win", _("Won")
        LOSE = "lose", _("Lost")
        REOPEN = "reopen", _("Reopened")

    opportunity = models.ForeignKey(Opportunity, models.CASCADE, related_name="stage_changes")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.MOVE)
    from_stage = models.ForeignKey(Stage, models.PROTECT, null=True, blank=True, related_name="+")
    to_stage = models.ForeignKey(Stage, models.PROTECT, related_name="entries")
    at = models.DateTimeField(_("entered at"), default=timezone.now)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    probability = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)

    objects = ScopedQuerySet["StageChange"].as_manager()

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["opportunity", "at", "pk"]
        indexes = [models.Index(fields=["opportunity", "-at"], name="stage_change_recent")]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} → {self.to_stage_id}"

    @property
    def duration(self) -> timedelta:
        return (self.left_at or timezone.now()) - self.at


def register() -> None:
    """The sales modules' permissions; the data scope, custom fields and dictionary fields of their records,
    and what follows an opportunity when customers merge or its owner leaves."""
    from guanxi.core import permissions, scope
    from guanxi.core.config.custom_fields import register_custom_fields_model
    from guanxi.core.config.dictionary import register_dictionary_type, register_dictionary_usage
    from guanxi.customers.merge import register_merge_child
    from guanxi.org import handover

    permissions.register_module(
        permissions.Module(
            "opportunities",
            _("Opportunities"),
            ("view", "create", "edit", "delete", "export", "import", "assign", "approve"),
        )
    )
    permissions.register_module(
        permissions.Module("competitors", _("Competitors"), ("view", "create", "edit", "delete"))
    )
    permissions.register_module(
        permissions.Module("pipelines", _("Pipelines and stages"), ("view", "configure"), kind="admin")
    )
    scope.register(
        Opportunity,
        scope.Rule("opportunities", owner="owner", shared="collaborators", unit="business_unit"),
    )
    scope.register(
        StageChange,
        scope.Rule(
            "opportunities",
            owner="opportunity__owner",
            shared="opportunity__collaborators",
            unit="opportunity__business_unit",
        ),
    )
    # Configuration and shared knowledge: whoever works opportunities sees every pipeline and competitor
    # (selectors keep them to the viewer's business unit).
    # Group-wide pipelines and the viewer's unit's (every unit's with the all-units scope).
    scope.register(Pipeline, scope.Rule("opportunities", owner=None, unit="business_unit", everyone=True))
    scope.register(Stage, scope.Rule("opportunities", owner=None, unit="pipeline__business_unit", everyone=True))
    scope.register(Competitor, scope.Rule("competitors", owner=None, everyone=True))
    register_custom_fields_model(Opportunity, module="opportunities")
    register_dictionary_type(
        "loss_reason",
        _("Loss reason"),
        [
            ("price", _("Price too high")),
            ("product", _("Product does not meet the need")),
            ("competitor_relationship", _("Competitor has the better relationship")),
            ("budget", _("Customer's budget cancelled")),
            ("timing", _("Project postponed or cancelled")),
            ("service", _("Service or delivery time not met")),
            ("other", _("Other")),
        ],
    )
    register_dictionary_usage("loss_reason", Opportunity, "loss_reason")
    register_dictionary_usage("customer_source", Opportunity, "source")
    handover.register_owned(
        handover.OwnedType(
            Opportunity,
            "owner",
            _("Open opportunities"),
            owned=lambda rows: rows.filter(status=Status.OPEN),
        )
    )
    register_merge_child(Opportunity, "customer")
    from .contracts.models import register as register_contracts
    from .orders.models import register as register_orders
    from .products.models import register as register_products
    from .quotes.models import register as register_quotes

    register_products()
    register_quotes()
    register_contracts()
    register_orders()
