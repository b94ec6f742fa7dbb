"""Every write of the partner portal (SPEC §14.9): invitations and their acceptance, a partner's person's
password, registrations of leads and customers (报备) and their service tickets.

A registration goes through the same services as one made by the company's own people, made in the name of
the partner's account manager (the partner customer's owner), so the duplicate check and the conflict case
(撞单) are exactly those of an internal registration: an existing owner gets a case for the managers with the
account manager as claimant. The partner's person is told neutrally what happened, never who holds the
customer; the registration row and its audit entry name the person who made it. Tickets are opened by the
partner's person themself (``service.create``, their only code, on the customers of their partner only), and
followed there: they read its public replies and reply, never seeing the service desk's internal notes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    MinimumLengthValidator,
    NumericPasswordValidator,
    UserAttributeSimilarityValidator,
    validate_password,
)
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import Conflict, DomainError, FieldErrors, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.core.scope import forget_partner, partner_of
from guanxi.core.texts import Text
from guanxi.customers.models import Contact, Customer
from guanxi.customers.partners import PARTNER
from guanxi.customers.services import DuplicateCustomer, customer_create, customer_partner_attribute
from guanxi.leads import services as leads
from guanxi.leads.models import Lead
from guanxi.org.models import User
from guanxi.org.security import sessions_end_for_user
from guanxi.pool.conflicts import conflict_open
from guanxi.pool.models import ConflictCase
from guanxi.service.models import Ticket, TicketStep
from guanxi.service.services import ticket_create, ticket_reply

from .models import Invitation, Outcome, PartnerMember, Registration, RegistrationKind

INVITATION_DAYS = 7
SALT = "guanxi.portal.invitation"

# The history's words for the portal's own entries (stored as message ids, read in the reader's language).
INVITED = gettext_noop("Invited %(name)s <%(email)s> to the partner portal")
INVITATION_REVOKED = gettext_noop("Revoked the partner portal invitation of %(email)s")
JOINED = gettext_noop("Accepted the invitation to the partner portal of %(partner)s")
REGISTERED = gettext_noop("Registered %(name)s through the partner portal: %(outcome)s")
TICKET_OPENED = gettext_noop("Opened service ticket %(number)s through the partner portal")
PASSWORD_CHANGED = gettext_noop("Changed their partner portal password")
MEMBER_DEACTIVATED = gettext_noop("Deactivated the partner portal user %(name)s")
MEMBER_REACTIVATED = gettext_noop("Reactivated the partner portal user %(name)s")


# --- who is who ----------------------------------------------------------------------------------------------


def member_of(user: Any) -> PartnerMember:
    """The actor's membership of a partner; refused for anyone else (the company's own people)."""
    if partner_of(user) is None:
        raise NotPermitted(_("This is for the people of our channel partners."))
    return PartnerMember.objects.select_related("partner", "partner__owner").get(user_id=user.pk)


def _account_manager(partner: Customer) -> User:
    manager = partner.owner
    if manager is None or not manager.is_active:
        raise DomainError(
            _("Your account manager is not available at the moment; please contact us by phone."),
            code="no_account_manager",
        )
    return manager


# --- passwords: the partners' own rules ------------------------------------------------------------------------


class MixedCharactersValidator:
    """At least two kinds of characters among letters, digits and symbols."""

    def validate(self, password: str, user: Any = None) -> None:
        kinds = sum(
            (
                any(ch.isalpha() for ch in password),
                any(ch.isdigit() for ch in password),
                any(not ch.isalnum() for ch in password),
            )
        )
        if kinds < 2:
            raise ValidationError(_("Mix at least two of letters, digits and symbols."), code="password_too_plain")

    def get_help_text(self) -> str:
        return _("Mix at least two of letters, digits and symbols.")


PASSWORD_MIN_LENGTH = 10


def partner_password_validators() -> list[Any]:
    """Stricter than the staff's: longer, mixed, not like the user's name or address, not a common one."""
    return [
        UserAttributeSimilarityValidator(user_attributes=("username", "display_name", "email")),
        MinimumLengthValidator(min_length=PASSWORD_MIN_LENGTH),
        CommonPasswordValidator(),
        NumericPasswordValidator(),
        MixedCharactersValidator(),
    ]


def partner_password_check(password: str, user: User, *, field: str = "password") -> None:
    try:
        validate_password(password, user, password_validators=partner_password_validators())
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field=field, code="weak_password") from error


@transaction.atomic
def partner_password_change(*, user: User, old_password: str, new_password: str) -> None:
    """A partner's person changes their password (the old one first); their other sessions stay."""
    member_of(user)
    if not user.check_password(old_password):
        raise DomainError(_("Your current password is not right."), field="old_password", code="wrong_password")
    partner_password_check(new_password, user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_log(actor=user, action=Action.UPDATE, obj=user, changes={"password": ["***", "***"]},
              note=Text(PASSWORD_CHANGED))  # fmt: skip


# --- invitations --------------------------------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _partner_for_inviting(actor: User, partner: Customer, code: str) -> None:
    require_perm(actor, code)
    if partner_of(actor) is not None:
        raise NotPermitted(_("You are not allowed to do this."))
    if not Customer.objects.visible_to(actor).filter(pk=partner.pk, kind=PARTNER).exists():
        raise NotPermitted(_("This channel partner is outside your data scope."))


def invitation_send(
    *, actor: User, partner: Customer, name: str, email: str, contact: Contact | None = None
) -> tuple[Invitation, str]:
    """Invite one of a partner's contacts to the portal by e-mail: a signed link, valid for
    ``INVITATION_DAYS`` days and usable once. A newer invitation to the same address replaces the pending one.
    Returns the invitation and its link (sent by e-mail once the transaction commits)."""
    with transaction.atomic():
        _partner_for_inviting(actor, partner, "portal.create")
        errors = FieldErrors()
        name, email = (name or "").strip(), (email or "").strip().lower()
        if contact is not None:
            if contact.customer_id != partner.pk:
                errors.add("contact", _("Choose one of this partner's contacts."))
            name = name or contact.name
            email = email or (contact.email or "").lower()
        if not name:
            errors.add("name", _("This field is required."))
        try:
            validate_email(email)
        except ValidationError:
            errors.add("email", _("Enter a valid e-mail address."))
        if email and PartnerMember.objects.filter(partner=partner, user__email__iexact=email).exists():
            errors.add("email", _("Someone with this e-mail address already uses the portal for this partner."))
        errors.raise_any()
        now = timezone.now()
        Invitation.objects.filter(
            partner=partner, email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        secret = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            partner=partner,
            business_unit_id=partner.business_unit_id,
            contact=contact,
            name=name[:50],
            email=email,
            secret_digest=_digest(secret),
            invited_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        token = signing.dumps({"i": invitation.pk, "s": secret}, salt=SALT, compress=True)
        link = settings.SITE_URL + reverse("portal:accept", args=[token])
        audit_log(
            actor=actor,
            action=Action.CREATE,
            obj=partner,
            changes={"portal_invitation": [None, email]},
            note=Text(INVITED, name=name, email=email),
        )
        transaction.on_commit(lambda: _invitation_mail(invitation, link, actor))
    return invitation, link


def _invitation_mail(invitation: Invitation, link: str, actor: User) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {"invitation": invitation, "link": link, "inviter": actor, "days": INVITATION_DAYS}
        subject = _("Your invitation to the partner portal of %(company)s") % {"company": "Guanxi"}
        send_mail(subject, render_to_string("portal/invitation_email.txt", context), None, [invitation.email])


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    _partner_for_inviting(actor, invitation.partner, "portal.edit")
    revoked = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not revoked:
        raise Conflict(_("This invitation was already accepted or revoked."), code="invitation_used")
    audit_log(actor=actor, action=Action.UPDATE, obj=invitation.partner,
              changes={"portal_invitation": [invitation.email, None]},
              note=Text(INVITATION_REVOKED, email=invitation.email))  # fmt: skip


def invitation_open(token: str) -> Invitation:
    """The invitation behind a link, if it may still be accepted; a clear refusal otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=timedelta(days=INVITATION_DAYS))
        invitation = Invitation.objects.select_related("partner").get(pk=int(data["i"]))
        secret = str(data["s"])
    except signing.SignatureExpired:
        message = _("This invitation has expired; ask your contact for a new one.")
        raise DomainError(message, code="invitation_expired") from None
    except (signing.BadSignature, Invitation.DoesNotExist, KeyError, TypeError, ValueError):
        raise DomainError(_("This invitation link is not valid."), code="invitation_invalid") from None
    if not hmac.compare_digest(invitation.secret_digest, _digest(secret)):
        raise DomainError(_("This invitation link is not valid."), code="invitation_invalid")
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise DomainError(_("This invitation was already used or withdrawn."), code="invitation_used")
    if invitation.expires_at <= timezone.now():
        raise DomainError(_("This invitation has expired; ask your contact for a new one."), code="invitation_expired")
    return invitation


def invitation_accept(*, token: str, username: str, password: str) -> User:
    """Accept an invitation: the new user of the partner, with the password they chose (the partners'
    rules). The link works once: the acceptance is a conditional UPDATE, so of two at once one wins."""
    with transaction.atomic():
        invitation = invitation_open(token)
        username = (username or "").strip()
        probe = User(username=username, display_name=invitation.name, email=invitation.email)
        errors = FieldErrors()
        try:
            User._meta.get_field("username").clean(username, probe)
        except ValidationError as error:
            errors.add("username", " ".join(error.messages))
        if username and User.objects.filter(username__iexact=username).exists():
            errors.add("username", _("This username is taken; choose another."))
        try:
            partner_password_check(password, probe)
        except DomainError as error:
            errors.add("password", str(error.message))
        errors.raise_any()
        now = timezone.now()
        claimed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(accepted_at=now)
        if not claimed:
            raise Conflict(_("This invitation was already used or withdrawn."), code="invitation_used")
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username, password, display_name=invitation.name, email=invitation.email
                )
        except IntegrityError:
            raise DomainError(_("This username is taken; choose another."), field="username") from None
        PartnerMember.objects.create(
            user=user,
            partner_id=invitation.partner_id,
            business_unit_id=invitation.business_unit_id,
            contact_id=invitation.contact_id,
            invited_by_id=invitation.invited_by_id,
            created_at=now,
        )
        Invitation.objects.filter(pk=invitation.pk).update(user=user)
        forget_partner(user)
        audit_log(actor=user, action=Action.CREATE, obj=user, changes={"partner": [None, invitation.partner_id]},
                  note=Text(JOINED, partner=invitation.partner.name))  # fmt: skip
    return user


# --- the partner's users, managed by the company's own people -------------------------------------------------


def _member_for_managing(actor: User, member: PartnerMember) -> None:
    require_perm(actor, "portal.edit")
    if partner_of(actor) is not None:
        raise NotPermitted(_("You are not allowed to do this."))
    if not PartnerMember.objects.visible_to(actor).filter(pk=member.pk).exists():
        raise NotPermitted(_("This portal user is outside your data scope."))


def _member_status(actor: User, member: PartnerMember, *, before: str, after: str, note: str) -> PartnerMember:
    # Conditional update: of two people acting at once, one changes the status and the other is told.
    changed = User.objects.filter(pk=member.user_id, status=before).update(status=after)
    if not changed:
        message = (
            _("This portal user is already deactivated.")
            if after != User.Status.ACTIVE
            else _("This portal user is already active.")
        )
        raise Conflict(message, code="member_status")
    member.user.status = after
    member.user.__dict__.pop("_grants", None)
    audit_log(actor=actor, action=Action.UPDATE, obj=member.partner,
              changes={"portal_user_status": [before, after]},
              note=Text(note, name=f"{member.user} ({member.user.username})"))  # fmt: skip
    return member


@transaction.atomic
def partner_member_deactivate(*, actor: User, member: PartnerMember) -> PartnerMember:
    """A partner's person may no longer use the portal: they cannot sign in, their sessions end and their API
    tokens are revoked. Their registrations and tickets stay."""
    _member_for_managing(actor, member)
    _member_status(actor, member, before=User.Status.ACTIVE, after=User.Status.FROZEN, note=MEMBER_DEACTIVATED)
    sessions_end_for_user(user=member.user)
    return member


@transaction.atomic
def partner_member_reactivate(*, actor: User, member: PartnerMember) -> PartnerMember:
    """A deactivated partner's person may sign in again (with their password; a new API token if needed)."""
    _member_for_managing(actor, member)
    _member_status(actor, member, before=User.Status.FROZEN, after=User.Status.ACTIVE, note=MEMBER_REACTIVATED)
    return member


# --- registrations (报备) ---------------------------------------------------------------------------------------

CUSTOMER_INPUT = ("name", "phone", "province", "city", "county", "address", "industry", "remarks", "tax_number")
CONTACT_INPUT = ("name", "mobile", "email", "position")
LEAD_INPUT = ("name", "company", "position", "mobile", "phone", "email", "province", "city", "county", "need")


def registration_submit_customer(
    *, actor: User, data: Mapping[str, Any], contact: Mapping[str, Any] | None = None
) -> Registration:
    """A partner's person registers a customer they brought. Accepted: a new customer of the account
    manager, attributed to the partner. Already held by someone else (same name, phone or tax number): a
    conflict case opens, as for any registration, and the registration is under review. Known otherwise
    (in the pool, the account manager's own, or a similar name): refused as already registered."""
    member = member_of(actor)
    partner = member.partner
    manager = _account_manager(partner)
    values = {name: data[name] for name in CUSTOMER_INPUT if data.get(name) not in (None, "")}
    values["partner"] = partner
    person = {name: contact[name] for name in CONTACT_INPUT if contact and contact.get(name)}
    customer, case, outcome = None, None, Outcome.ACCEPTED
    try:
        customer = customer_create(actor=manager, data=values, contact=person or None)
    except DuplicateCustomer as refusal:
        case = refusal.case
        outcome = Outcome.IN_REVIEW if case is not None else Outcome.ALREADY_KNOWN
    except Conflict as refusal:
        if refusal.code != "duplicate_customer":  # registered a moment ago by someone else
            raise _as_partner_error(refusal) from None
        outcome = Outcome.ALREADY_KNOWN
    except DomainError as error:
        raise _as_partner_error(error) from None
    return _registration_record(
        actor=actor, member=member, kind=RegistrationKind.CUSTOMER, name=str(values.get("name") or ""),
        contact_name=str(person.get("name", "")), phone=str(values.get("phone") or person.get("mobile") or ""),
        outcome=outcome, customer=customer, case=case,
    )  # fmt: skip


def registration_submit_lead(*, actor: User, data: Mapping[str, Any]) -> Registration:
    """A partner's person registers a lead. Accepted: a new lead of the account manager, attributed to the
    partner. A customer someone else holds under the same company name or phone: a conflict case opens for
    it, as a customer's registration would. An open lead or any other match: refused as already registered."""
    member = member_of(actor)
    partner = member.partner
    manager = _account_manager(partner)
    values = {name: data[name] for name in LEAD_INPUT if data.get(name) not in (None, "")}
    values["partner"] = partner
    lead, case, outcome = None, None, Outcome.ACCEPTED
    try:
        lead = leads.lead_create(actor=manager, data=values)
    except Conflict as refusal:
        if refusal.code not in ("duplicate_lead", "duplicate_customer"):
            raise _as_partner_error(refusal) from None
        case = _lead_claim(manager, values, partner)
        outcome = Outcome.IN_REVIEW if case is not None else Outcome.ALREADY_KNOWN
    except DomainError as error:
        raise _as_partner_error(error) from None
    return _registration_record(
        actor=actor, member=member, kind=RegistrationKind.LEAD, name=str(values.get("company") or values["name"]),
        contact_name=str(values["name"]), phone=str(values.get("mobile") or values.get("phone") or ""),
        outcome=outcome, lead=lead, case=case,
    )  # fmt: skip


def _lead_claim(manager: User, values: Mapping[str, Any], partner: Customer) -> Any:
    """The conflict case a lead's registration opens when its first match is a customer someone else holds
    under the same company name or phone (not a mere similar name), as a customer's registration does."""
    probe = Lead(**{name: value for name, value in values.items() if name != "partner"})
    probe.business_unit_id = partner.business_unit_id
    probe.partner = partner
    leads.lead_clean(probe)
    matches = leads.lead_duplicates(unit_id=partner.business_unit_id, lead=probe)
    first = matches[0] if matches else None
    if first is None or first.customer is None or first.reason == "similar_name":
        return None
    held = first.customer
    if held.owner_id is None or held.owner_id == manager.pk:
        return None
    attempted = {"name": probe.company or probe.name, "contact_mobile": probe.mobile, "phone": probe.phone}
    return conflict_open(actor=manager, customer=held, match=first.reason, attempted=attempted)


def registration_case_decided(*, case: ConflictCase, customer: Customer, actor: User) -> None:
    """A conflict case a registration opened was decided (``pool.conflicts.register_decided``, inside the
    deciding transaction). Given to the account manager, the partner's side won: the customer is attributed to
    the partner of the first registration under review, as a clean registration is, and that partner's
    registrations of it name the customer. A customer another partner brought keeps that partner, and a
    partner deleted since attributes nothing; the decision stands either way."""
    if case.decision != ConflictCase.Decision.GIVE:
        return
    waiting = Registration.objects.filter(conflict=case, outcome=Outcome.IN_REVIEW).order_by("created_at", "pk")
    first = waiting.first()
    if first is None:
        return
    if customer.partner_id is None:
        try:
            customer_partner_attribute(actor=actor, customer=customer, partner_id=first.partner_id)
        except DomainError:  # no longer a partner of the customer's unit
            return
    if customer.partner_id is not None:
        waiting.filter(partner_id=customer.partner_id).update(customer=customer)


def _as_partner_error(error: DomainError) -> DomainError:
    """A refusal as the partner's person may read it: field problems stay; words about the company's own
    people and records (an owner, a pool, a permission) become a neutral message."""
    if error.field and not isinstance(error, (Conflict, NotPermitted)):
        return error
    if error.code == "no_account_manager":
        return error
    return DomainError(
        _("We could not take this registration now; please contact your account manager."), code="not_taken"
    )


@transaction.atomic
def _registration_record(
    *,
    actor: User,
    member: PartnerMember,
    kind: str,
    name: str,
    contact_name: str,
    phone: str,
    outcome: str,
    customer: Customer | None = None,
    lead: Lead | None = None,
    case: Any = None,
) -> Registration:
    registration = Registration.objects.create(
        partner=member.partner,
        business_unit_id=member.partner.business_unit_id,
        submitted_by=actor,
        kind=kind,
        name=name[:50],
        contact_name=contact_name[:50],
        phone=phone[:30],
        outcome=outcome,
        customer=customer,
        lead=lead,
        conflict=case,
    )
    audit_log(actor=actor, action=Action.CREATE, obj=customer or lead or member.partner,
              changes={"portal_registration": [None, registration.pk]},
              note=Text(REGISTERED, name=name, outcome=Outcome(outcome).label))  # fmt: skip
    return registration


# --- service tickets ------------------------------------------------------------------------------------------

TICKET_INPUT = ("type", "priority", "subject", "description")


def partner_ticket_open(*, actor: User, customer: Customer, data: Mapping[str, Any]) -> Ticket:
    """A partner's person opens a service ticket for one of the customers their partner brought, through the
    service module's own service (the gate shows them those customers only); it comes in by the web."""
    member_of(actor)
    values: dict[str, Any] = {name: data[name] for name in TICKET_INPUT if name in data}
    values["channel"] = "web"
    values.setdefault("priority", "normal")
    with transaction.atomic():
        ticket = ticket_create(actor=actor, customer=customer, data=values)
        audit_log(actor=actor, action=Action.CREATE, obj=customer, changes={"ticket": [None, ticket.pk]},
                  note=Text(TICKET_OPENED, number=ticket.number))  # fmt: skip
    return ticket


def partner_ticket_reply(*, actor: User, ticket: Ticket, text: str) -> TicketStep:
    """A partner's person replies on a ticket of their partner's customers, through the service module's own
    service: a public reply on the ticket's timeline, never an internal note."""
    member_of(actor)
    return ticket_reply(actor=actor, ticket=ticket, text=text)


def register() -> None:
    from guanxi.core.boundary import allow_partners
    from guanxi.pool.conflicts import register_decided

    allow_partners("/portal/", "/api/v1/portal/", home="/portal/")
    register_decided(registration_case_decided)  # a registration that wins its case attributes the customer
