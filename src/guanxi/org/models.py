from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.scope import Scope, ScopedQuerySet


class BusinessUnit(models.Model):
    """A company of the group (版块); its data is isolated from the other units'."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet["BusinessUnit"].as_manager()

    class Meta:
        verbose_name = _("business unit")
        verbose_name_plural = _("business units")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A node of a unit's department tree (部门/机构)."""

    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, related_name="departments", verbose_name=_("business unit")
    )
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    name = models.CharField(_("name"), max_length=100)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_departments",
        verbose_name=_("lead"),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    # "/1/4/9/": the ids from the root down to this one, so a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet["Department"].as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="department_unique_name_per_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1


class Team(models.Model):
    """A cross-cutting group of people (团队), e.g. a key-account squad spanning departments."""

    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, related_name="teams", verbose_name=_("business unit")
    )
    name = models.CharField(_("name"), max_length=100)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        verbose_name=_("lead"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="teams", blank=True, verbose_name=_("members")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet["Team"].as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["business_unit", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """Permission codes (module.action) plus a data scope (SPEC §1.3). A user may hold several roles."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    # Empty: group-wide (the default roles); otherwise a role one unit's administrator made for its people.
    business_unit = models.ForeignKey(
        BusinessUnit, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("business unit")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    data_scope = models.CharField(_("data scope"), max_length=20, choices=Scope.choices, default=Scope.OWN)
    require_two_factor = models.BooleanField(_("require two-factor sign-in"), default=False)
    is_default = models.BooleanField(_("default role"), default=False, editable=False)
    # Modules whose default grants were already applied, so a new module is granted once and an
    # administrator's later removal sticks.
    granted_modules = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet["Role"].as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        """A default role's shipped name in the reader's language, until a person renames it."""
        return self._shown("label", self.name)

    @property
    def shown_description(self) -> str:
        return self._shown("description", self.description)

    def _shown(self, part: str, stored: str) -> str:
        if not self.is_default:
            return stored
        from .roles import shown_text

        return shown_text(code=self.code, part=part, stored=stored)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> ScopedQuerySet[User]:
        return ScopedQuerySet(self.model, using=self._db)

    def visible_to(self, actor: Any) -> ScopedQuerySet[User]:
        return self.get_queryset().visible_to(actor)

    def get_by_natural_key(self, username: str | None) -> User:
        # Sign-in is case-insensitive, matching the case-insensitive unique constraint.
        return self.get(username__iexact=username)

    def create_user(self, username: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields: Any) -> User:
        return self.create_user(username, password, is_superuser=True, **fields)


class User(AbstractBaseUser):
    """A person who signs in. Roles and data scope are granted separately (organisation issue)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        FROZEN = "frozen", _("Frozen")
        LEFT = "left", _("Left")

    class Language(models.TextChoices):
        BROWSER = "", _("Browser default")
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    username = models.CharField(
        _("username"),
        max_length=50,
        unique=True,
        help_text=_("Letters, digits and . _ - only; used to sign in."),
        validators=[RegexValidator(r"^[A-Za-z0-9._-]+$", _("Use only letters, digits and . _ -"))],
    )
    display_name = models.CharField(_("full name"), max_length=50)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("department"),
    )
    manager = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="reports", verbose_name=_("manager")
    )
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, blank=True)
    amounts_in_wan = models.BooleanField(
        _("amounts in 万"), default=False, help_text=_("In the Chinese interface, show ¥128,000.00 as ¥12.80万.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    roles = models.ManyToManyField(Role, related_name="users", blank=True, verbose_name=_("roles"))
    is_superuser = models.BooleanField(
        _("system administrator"), default=False, help_text=_("Has every permission on every unit.")
    )
    date_joined = models.DateTimeField(_("joined at"), default=timezone.now)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_ci_unique",
                violation_error_message=_("A user with that username already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        # Frozen and departed users cannot sign in; Django's auth backends read this.
        return self.status == self.Status.ACTIVE

    @property
    def business_unit_id(self) -> int | None:
        return self.department.business_unit_id if self.department else None

    @property
    def is_staff(self) -> bool:
        return self.is_superuser

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_active and self.is_superuser

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and self.is_superuser

    def get_full_name(self) -> str:
        return str(self)

    def get_short_name(self) -> str:
        return str(self)


# --- Sign-in security (SPEC §1.5) ------------------------------------------------------------------


class LoginAttempt(models.Model):
    """One sign-in attempt (登录日志). Lockouts are decided from these rows, so every web process agrees."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("Signed in")
        BAD_PASSWORD = "bad_password", _("Wrong username or password")
        LOCKED_OUT = "locked_out", _("Locked out")
        INACTIVE = "inactive", _("Account frozen or left")
        TWO_FACTOR_FAILED = "two_factor_failed", _("Wrong two-factor code")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="login_attempts",
        verbose_name=_("user"),
    )
    # As typed, lower-cased (usernames are case-insensitive); also kept for names that match nobody.
    username = models.CharField(_("username typed"), max_length=150)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)

    objects = ScopedQuerySet["LoginAttempt"].as_manager()

    class Meta:
        verbose_name = _("sign-in attempt")
        verbose_name_plural = _("login log")
        ordering = ["-at", "-pk"]
        indexes = [
            # The lockout checks: recent attempts for one username, and for one address.
            models.Index(fields=["username", "at"], name="login_attempt_username_idx"),
            models.Index(fields=["ip", "at"], name="login_attempt_ip_idx"),
            models.Index(fields=["user", "at"], name="login_attempt_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_result_display()}"


class TwoFactor(models.Model):
    """A user's TOTP authenticator (two-factor sign-in). Present only once confirmed with a code."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="two_factor", verbose_name=_("user")
    )
    secret = models.CharField(max_length=64)
    # The last accepted time step: a code is accepted once, so an overheard code cannot be replayed.
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(_("set up at"), default=timezone.now)

    class Meta:
        verbose_name = _("two-factor authenticator")
        verbose_name_plural = _("two-factor authenticators")

    def __str__(self) -> str:
        return str(self.user)


class UserSession(models.Model):
    """A signed-in browser session (在线用户), kept beside Django's session so admins can end it."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="user_sessions", verbose_name=_("user")
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    started_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now, db_index=True)

    objects = ScopedQuerySet["UserSession"].as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.ip or ''}"


def register() -> None:
    """The organisation's permissions, the data scope of its records, and users' custom fields (SPEC §14.3)."""
    from guanxi.core import permissions, scope
    from guanxi.core.config.custom_fields import register_custom_fields_model

    permissions.register_module(
        permissions.Module(
            "org",
            _("Users and departments"),
            ("view", "create", "edit", "delete", "export", "import", "assign"),
            kind="admin",
        )
    )
    permissions.register_module(
        permissions.Module("roles", _("Roles"), ("view", "create", "edit", "delete"), kind="admin")
    )
    scope.register(User, scope.Rule("org", owner="pk", department="department"))
    scope.register(Department, scope.Rule("org", owner=None, department="self"))
    scope.register(Team, scope.Rule("org", owner="lead", unit="business_unit"))
    scope.register(BusinessUnit, scope.Rule("org", owner=None, unit="pk"))
    scope.register(Role, scope.Rule("roles", owner=None, unit="business_unit", everyone=True))
    # Sign-in security (SPEC §1.5): rows belong to the user they are about.
    scope.register(LoginAttempt, scope.Rule("org", owner="user"))
    scope.register(UserSession, scope.Rule("org", owner="user"))
    register_custom_fields_model(User, module="org")
