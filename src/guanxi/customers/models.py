"""Customers (客户) and their contacts (联系人): SPEC §2.1 and §2.3."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Right
from django.utils.translation import gettext_lazy as _

from guanxi.core.records import BulkRewrittenRecord, MainRecord
from guanxi.org.models import BusinessUnit, User

from .regions.models import Region

__all__ = [
    "Contact", "Customer", "CustomerName", "CustomerShare", "CustomerStar", "Level", "Lifecycle", "ListPreference",
    "Region", "SavedFilter",
]  # fmt: skip


class Lifecycle(models.TextChoices):
    """SPEC §3.1: changed only by events through services, never by hand."""

    POOL = "pool", _("Public pool")
    POTENTIAL = "potential", _("Potential")
    OPPORTUNITY = "opportunity", _("Opportunity")
    WON = "won", _("Won")
    CHURNED = "churned", _("Churned")


# The badge colour of each stage (customers/status_badge.html); the others are blue.
LIFECYCLE_BADGES: dict[str, str] = {
    Lifecycle.WON: "bg-green-lt",
    Lifecycle.OPPORTUNITY: "bg-orange-lt",
    Lifecycle.POOL: "bg-secondary-lt",
    Lifecycle.CHURNED: "bg-red-lt",
}


class Level(models.TextChoices):
    """SPEC §4.4: how soon the customer will buy."""

    O = "O", _("O – has ordered")  # noqa: E741 — the seeds' own letter
    H = "H", _("H – within 7 days")
    A = "A", _("A – within 15 days")
    B = "B", _("B – within 30 days")
    C = "C", _("C – within a year")
    N = "N", _("N – no clear plan")


class Customer(BulkRewrittenRecord):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        INDIVIDUAL = "individual", _("Individual")
        PARTNER = "partner", _("Channel partner")

    number = models.CharField(_("number"), max_length=30, editable=False)
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COMPANY)
    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, related_name="customers", verbose_name=_("business unit"), db_index=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_customers",
        verbose_name=_("owner"),
        db_index=False,
    )
    status = models.CharField(
        _("lifecycle status"), max_length=12, choices=Lifecycle.choices, default=Lifecycle.POTENTIAL
    )
    # Enumerations hold data-dictionary item codes (SPEC §14.1).
    industry = models.CharField(_("industry"), max_length=40, blank=True)
    # the product line the customer is worked for (dictionary ``product_line``): a pool's rules may differ by it
    product_line = models.CharField(_("product line"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True)
    referrer = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referred by"),
        db_index=False,
    )
    introducer = models.CharField(_("introduced by"), max_length=50, blank=True)
    # Channel partners (渠道管理, SPEC §14.8): a customer of kind "partner" is a distributor or agent
    # (dictionary ``partner_type``) of a level (dictionary ``partner_level``) covering a territory; any
    # customer may name the partner who brought it (a live partner of the same unit, checked by the services).
    partner_type = models.CharField(_("partner type"), max_length=40, blank=True)
    partner_level = models.CharField(_("partner level"), max_length=40, blank=True)
    territory = models.CharField(_("territory"), max_length=100, blank=True)
    partner = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="brought_customers",
        verbose_name=_("channel partner"),
        db_index=False,
    )
    nature = models.CharField(_("company nature"), max_length=40, blank=True)
    revenue_band = models.CharField(_("annual revenue"), max_length=40, blank=True)
    employee_band = models.CharField(_("employees"), max_length=40, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    level = models.CharField(_("level"), max_length=1, choices=Level.choices, blank=True)
    credit_rating = models.CharField(_("credit rating"), max_length=40, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=40, blank=True)
    province = models.CharField(_("province"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=12, blank=True)
    county = models.CharField(_("county"), max_length=12, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(
        _("postcode"), max_length=6, blank=True, validators=[RegexValidator(r"^\d{6}$", _("Enter 6 digits."))]
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    fax = models.CharField(_("fax"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=50, blank=True)
    qq = models.CharField(
        _("QQ"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^\d{5,20}$", _("QQ is 5 to 20 digits."))],
    )
    weibo = models.CharField(_("Weibo"), max_length=100, blank=True)
    licence_number = models.CharField(_("business licence number"), max_length=30, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    registered_capital = models.DecimalField(
        _("registered capital"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    bank = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    tax_number = models.CharField(_("tax number"), max_length=30, blank=True)
    remarks = models.TextField(_("remarks"), max_length=500, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    shared_with: models.ManyToManyField[User, CustomerShare] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CustomerShare", related_name="shared_customers", blank=True
    )
    last_followup_at = models.DateTimeField(_("last follow-up"), null=True, blank=True, db_index=True)
    next_followup_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    # The public pool (SPEC §3.2), kept by the pool app (named here, never imported: it sits above): the pool
    # whose rules govern the customer (and that it returns to), when it was last claimed or given to its owner,
    # when it returns unless followed up (NULL: never — in the pool, locked, or won and exempt). No index of
    # their own on pool and locked_by: every index makes the sweep's row updates dearer; the partial indexes
    # below serve the reads.
    pool = models.ForeignKey(
        "pool.Pool",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("public pool"),
        db_index=False,
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    expires_at = models.DateTimeField(_("returns to the pool"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("locked by"),
        db_index=False,
    )
    pooled_at = models.DateTimeField(_("in the pool since"), null=True, blank=True)
    # The duplicate key (unique per unit) and the sort key, kept by the services (SPEC §2.5, §2.6); what the
    # search box looks up lives beside the row, in CustomerName.
    name_key = models.CharField(max_length=60, editable=False)
    name_pinyin = models.CharField(max_length=300, editable=False)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            # The list's default order, for one owner and for a whole scope, over live rows only.
            models.Index(
                fields=["owner", "-updated_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="customer_alive_owner",
            ),
            models.Index(
                fields=["-updated_at", "-id"],
                include=["owner"],
                condition=Q(deleted_at__isnull=True),
                name="customer_alive_recent",
            ),
            models.Index(fields=["business_unit", "status", "-updated_at"], name="customer_unit_status"),
            # The reclaim sweep: owned customers by expiry time (locked and exempt ones have none), in the
            # order its batches walk them.
            models.Index(
                fields=["expires_at", "id"],
                condition=Q(deleted_at__isnull=True, expires_at__isnull=False),
                name="customer_pool_expiry",
            ),
            # One owner's customers by expiry time (the "my customers returning to the pool" card), counted
            # from the index alone.
            models.Index(
                fields=["owner", "expires_at"],
                condition=Q(deleted_at__isnull=True, expires_at__isnull=False),
                name="customer_owner_expiry",
            ),
            # Holdings per owner (库容) without won customers, counted from the index alone.
            models.Index(
                fields=["owner", "status"], condition=Q(deleted_at__isnull=True), name="customer_owner_status"
            ),
            # The composition and quiet-customer reports of an owner, a team or a unit, from the index alone: a
            # salesperson with 80,000 customers read 40,000 pages of the table for one GROUP BY.
            models.Index(
                fields=["owner"],
                include=[
                    "id",
                    "level",
                    "status",
                    "rating",
                    "industry",
                    "source",
                    "province",
                    "nature",
                    "credit_rating",
                    "satisfaction",
                    "kind",
                    "last_followup_at",
                ],
                condition=Q(deleted_at__isnull=True),
                name="customer_composition",
            ),
            # The pool list: a pool's unowned customers, newest arrivals first.
            models.Index(
                fields=["pool", "-pooled_at", "-id"],
                condition=Q(deleted_at__isnull=True, owner__isnull=True),
                name="customer_pool_list",
            ),
            # Sorting by pinyin; the duplicate check's phone and tax number (SPEC §2.6).
            models.Index(fields=["name_pinyin"], name="customer_pinyin"),
            models.Index(fields=["phone"], name="customer_phone"),
            models.Index(fields=["tax_number"], condition=~Q(tax_number=""), name="customer_tax_number"),
            # Referrals of a customer; the restore page.
            models.Index(fields=["referrer"], condition=Q(referrer__isnull=False), name="customer_referrer"),
            # The customers a channel partner brought; the partners of a unit (the pickers, the reports).
            models.Index(fields=["partner"], condition=Q(partner__isnull=False), name="customer_partner"),
            models.Index(
                fields=["business_unit", "name_pinyin"],
                condition=Q(kind="partner", deleted_at__isnull=True),
                name="customer_unit_partners",
            ),
            models.Index(fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="customer_deleted"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="customer_number_unique"),
            # Two live customers never share a normalised name (SPEC §2.6); the database decides races.
            models.UniqueConstraint(
                fields=["business_unit", "name_key"],
                condition=Q(deleted_at__isnull=True),
                name="customer_unique_live_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("customers:detail", args=[self.pk])

    @property
    def status_badge(self) -> str:
        """The class of the lifecycle badge: one lookup where the list's rows compared the stage four times."""
        return LIFECYCLE_BADGES.get(self.status, "bg-blue-lt")

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None


class CustomerName(models.Model):
    """A customer's name as the search box looks it up (SPEC §2.5), in a narrow row beside the customer's.
    Its trigram and bigram indexes (PostgreSQL GIN, migration 0010) hold dozens of keys per name; kept on
    the wide customer row, every rewrite of it (a claim, an edit, the pool's sweep returning thousands)
    inserted them all again. Written with the customer by ``services.customer_name_save``."""

    customer = models.OneToOneField(Customer, models.CASCADE, primary_key=True, related_name="search")
    name_key = models.CharField(max_length=60)  # a name fragment: contains (trigrams)
    name_pinyin = models.CharField(max_length=300)  # pinyin typed in full: starts with
    name_initials = models.CharField(max_length=60)  # pinyin initials: starts with
    # "华信 信科 科技": a two-character fragment is one of these (full-text index), as trigrams need three.
    name_bigrams = models.TextField(default="")
    email = models.CharField(max_length=254, blank=True, default="")  # the customer's e-mail, lower case: equals
    phone_tail = models.CharField(max_length=4, blank=True, default="")  # its phone's last four digits: equals

    class Meta:
        indexes = [
            models.Index(fields=["name_initials"], opclasses=["varchar_pattern_ops"], name="customer_initials"),
            models.Index(fields=["email"], condition=~Q(email=""), name="customer_name_email"),
            models.Index(fields=["phone_tail"], condition=~Q(phone_tail=""), name="customer_name_phone_tail"),
        ]

    def __str__(self) -> str:
        return self.name_key


class CustomerShare(models.Model):
    """A customer shared with a colleague (协作人), read-only or read-write (SPEC §2.8)."""

    customer = models.ForeignKey(Customer, models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="customer_shares")
    can_edit = models.BooleanField(_("may edit"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="customer_share_once")]

    def __str__(self) -> str:
        return f"{self.customer} → {self.user}"


class Contact(MainRecord):
    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Role(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        INFLUENCER = "influencer", _("Influencer")
        USER = "user", _("User")
        GATEKEEPER = "gatekeeper", _("Gatekeeper")

    customer = models.ForeignKey(Customer, models.PROTECT, related_name="contacts", verbose_name=_("customer"))
    name = models.CharField(_("name"), max_length=50, db_index=True)
    salutation = models.CharField(_("salutation"), max_length=20, blank=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    position = models.CharField(_("position"), max_length=50, blank=True)
    department = models.CharField(_("department"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=50, blank=True)
    qq = models.CharField(
        _("QQ"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^\d{5,20}$", _("QQ is 5 to 20 digits."))],
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    birthday_is_lunar = models.BooleanField(_("lunar birthday"), default=False)
    hobbies = models.CharField(_("hobbies"), max_length=200, blank=True)
    decision_role = models.CharField(_("decision role"), max_length=20, choices=Role.choices, blank=True)
    remarks = models.TextField(_("remarks"), max_length=500, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    name_initials = models.CharField(max_length=60, editable=False, db_index=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]
        # The search box's e-mail and last-four-digits lookups (SPEC §2.5); see ``selectors.contact_matches``.
        indexes = [
            models.Index(Lower("email"), name="contact_email_lower"),
            models.Index(Right("mobile", 4), name="contact_mobile_tail"),
            models.Index(Right("phone", 4), name="contact_phone_tail"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_primary=True, deleted_at__isnull=True),
                name="contact_one_primary",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- the list's per-user settings (SPEC §2.4) ------------------------------------------------------------


class CustomerStar(models.Model):
    """A key customer (重点客户) of one user: a personal star, invisible to colleagues."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="customer_stars")
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="stars")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "customer"], name="customer_star_once")]

    def __str__(self) -> str:
        return f"{self.user} ★ {self.customer}"


class SavedFilter(models.Model):
    """A user's named filter of the customer list, shown as an extra scene."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("name"), max_length=50)
    query_string = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_once")]

    def __str__(self) -> str:
        return self.name


class ListPreference(models.Model):
    """The optional columns a user chose for one list."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="list_preferences")
    list_name = models.CharField(max_length=40)
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "list_name"], name="list_preference_once")]

    def __str__(self) -> str:
        return f"{self.user}: {self.list_name}"


def register() -> None:
    """The customers module's permissions, and the data scope and custom fields of its two main records."""
    from functools import partial

    from guanxi.core import permissions, scope
    from guanxi.core.config.custom_fields import register_custom_fields_model

    from . import selectors

    permissions.register_module(
        permissions.Module(
            "customers",
            _("Customers and contacts"),
            ("view", "create", "edit", "delete", "export", "import", "assign", "unmask"),
        )
    )
    # A pool customer and its contacts open (masked) to whoever sees its pool (SPEC §3.2).
    scope.register(
        Customer,
        scope.Rule(
            "customers", owner="owner", shared="shared_with", unit="business_unit", readable=selectors.pool_readable
        ),
    )
    scope.register(
        Contact,
        scope.Rule(
            "customers",
            owner="customer__owner",
            shared="customer__shared_with",
            unit="customer__business_unit",
            readable=partial(selectors.pool_readable, path="customer"),
        ),
    )
    register_custom_fields_model(Customer, module="customers")
    register_custom_fields_model(Contact, module="customers")
