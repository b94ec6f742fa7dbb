"""The partner portal (合作伙伴入口, SPEC §14.9): the people of a channel partner (a customer of kind partner)
as users of the site, the one-time invitations that make them, and what they register (报备).

A partner's person is an ordinary ``org.User`` with a ``PartnerMember`` row: no department, no role, never a
superuser's reach (``core.permissions.grants_of``); the gate shows them only their partner's records
(``core.scope.partner_of``) and ``core.boundary`` keeps them inside the portal's pages and API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.scope import ScopedQuerySet
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import BusinessUnit


class PartnerMember(models.Model):
    """A user who belongs to a channel partner: one of the partner's contacts, signing in to the portal."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, primary_key=True, related_name="partner_membership"
    )
    partner = models.ForeignKey(
        Customer, models.PROTECT, related_name="portal_members", verbose_name=_("channel partner")
    )
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    contact = models.ForeignKey(
        Contact, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("joined at"), default=timezone.now)

    objects = ScopedQuerySet["PartnerMember"].as_manager()

    class Meta:
        verbose_name = _("partner portal user")
        verbose_name_plural = _("partner portal users")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.user} ({self.partner})"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("invitation", "Waiting for acceptance")
    ACCEPTED = "accepted", pgettext_lazy("invitation", "Accepted")
    REVOKED = "revoked", pgettext_lazy("invitation", "Revoked")
    EXPIRED = "expired", pgettext_lazy("invitation", "Expired")


class Invitation(models.Model):
    """An invitation by e-mail to one of a partner's contacts: a signed link, valid until ``expires_at``,
    used once (the acceptance is a conditional UPDATE of ``accepted_at``). Only a digest of the link's
    secret is stored, so the table cannot sign anyone in."""

    partner = models.ForeignKey(
        Customer, models.PROTECT, related_name="portal_invitations", verbose_name=_("channel partner")
    )
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    contact = models.ForeignKey(
        Contact, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    name = models.CharField(_("name"), max_length=50)
    email = models.EmailField(_("e-mail"))
    secret_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("user")
    )

    objects = ScopedQuerySet["Invitation"].as_manager()

    class Meta:
        verbose_name = _("portal invitation")
        verbose_name_plural = _("portal invitations")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["partner", "-created_at"], name="portal_invitation_partner")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def status_at(self, now: object = None) -> str:
        moment = now or timezone.now()
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= moment:  # type: ignore[operator]
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def status(self) -> str:
        return self.status_at()

    def get_status_display(self) -> str:
        return str(InvitationStatus(self.status).label)


class RegistrationKind(models.TextChoices):
    LEAD = "lead", pgettext_lazy("sales lead", "Lead")
    CUSTOMER = "customer", _("Customer")


class Outcome(models.TextChoices):
    """What became of a registration when it was made; its status afterwards is read from the lead, the
    customer or the conflict case (``selectors.registration_status``)."""

    ACCEPTED = "accepted", pgettext_lazy("registration", "Accepted")
    IN_REVIEW = "in_review", pgettext_lazy("registration", "Under review")
    ALREADY_KNOWN = "already_known", pgettext_lazy("registration", "Already registered")


class Registration(models.Model):
    """A lead or a customer a partner's person registered (报备), and what became of it."""

    partner = models.ForeignKey(
        Customer, models.PROTECT, related_name="portal_registrations", verbose_name=_("channel partner")
    )
    business_unit = models.ForeignKey(BusinessUnit, models.PROTECT, related_name="+", verbose_name=_("business unit"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RegistrationKind.choices)
    name = models.CharField(_("name"), max_length=50)  # the customer, or the lead's company (else its person)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    outcome = models.CharField(_("outcome"), max_length=15, choices=Outcome.choices)
    lead = models.ForeignKey(
        "leads.Lead", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("lead")
    )
    customer = models.ForeignKey(
        Customer, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("customer")
    )
    conflict = models.ForeignKey(
        "pool.ConflictCase", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("conflict case")
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    objects = ScopedQuerySet["Registration"].as_manager()

    class Meta:
        verbose_name = _("partner registration")
        verbose_name_plural = _("partner registrations")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["partner", "-created_at", "-id"], name="portal_registration_partner")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="accepted") | Q(lead__isnull=False) | Q(customer__isnull=False),
                name="portal_registration_accepted_has_record",
            )
        ]

    def __str__(self) -> str:
        return self.name


def register() -> None:
    """The portal's permission module, the internal scope of its rows, and the partner scope: which rows of
    which models a partner's people see (every model not named here shows them nothing)."""
    from guanxi.core import permissions, scope
    from guanxi.customers.merge import register_merge_child
    from guanxi.finance.models import Delivery
    from guanxi.leads.models import Lead
    from guanxi.sales.contracts.models import Contract
    from guanxi.sales.orders.models import Order
    from guanxi.service.models import Ticket, TicketStep

    permissions.register_module(
        permissions.Module("portal", _("Partner portal"), ("view", "create", "edit"), kind="sales")
    )
    scope.register(PartnerMember, scope.Rule("portal", owner="partner__owner", unit="business_unit"))
    scope.register(Invitation, scope.Rule("portal", owner="partner__owner", unit="business_unit"))
    scope.register(Registration, scope.Rule("portal", owner="partner__owner", unit="business_unit"))
    scope.register_partner_resolver(partner_id_of)
    # A merge of two partners (or of a registered customer) moves the portal's rows to the customer kept.
    for portal_model in (PartnerMember, Invitation, Registration):
        register_merge_child(portal_model, "partner")
    register_merge_child(Registration, "customer")
    for model, path in (
        (Customer, "partner"),  # the customers it brought
        (Contact, "customer__partner"),
        (Lead, "partner"),  # the leads it brought
        (Order, "customer__partner"),  # the orders, contracts and deliveries of those customers
        (Contract, "customer__partner"),
        (Delivery, "customer__partner"),
        (Ticket, "customer__partner"),  # their service tickets
        (TicketStep, "ticket__customer__partner"),
        (Registration, "partner"),  # its own registrations and colleagues
        (PartnerMember, "partner"),
    ):
        scope.register_partner_path(model, path)
    # What the services the portal calls for a partner's person check: opening a ticket for their customers.
    permissions.register_partner_codes("service.create")


def partner_id_of(user: Any) -> int | None:
    """The partner the user belongs to: one indexed lookup, once per request (``core.scope.partner_of``). A
    partner's people have no department and never get one (``org.services.user_update`` refuses it), so the
    company's own people, who have one, cost no query."""
    if getattr(user, "department_id", None) is not None:
        return None
    return PartnerMember.objects.filter(user_id=user.pk).values_list("partner_id", flat=True).first()
