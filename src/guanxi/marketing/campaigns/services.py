"""Every write on campaigns (SPEC §11.1): the campaign itself (type from the dictionary, dates, budget),
its itemised costs (the actual cost is their sum, kept by the same transaction), the filters of its
audience, the launch that takes a snapshot of the members they find, members added by hand, and the
responses (touches) that attribution reads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.audit import Action, audit_log
from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.config.numbering import number_next
from guanxi.core.errors import Conflict, DomainError, NotPermitted
from guanxi.core.permissions import require_perm
from guanxi.core.records import save_versioned
from guanxi.customers.models import Contact, Customer
from guanxi.leads.models import Lead, LeadForm
from guanxi.org.models import User

from . import audience, results
from .models import (
    TYPE_DICTIONARY,
    AudienceKind,
    AudienceSource,
    Campaign,
    CampaignCost,
    CampaignMember,
    CampaignResponse,
    CampaignStatus,
    MemberKind,
)

FEN = Decimal("0.01")
FIELDS = ["name", "kind", "starts_on", "ends_on", "budget", "description", "web_form"]
# Removes a hand-added member's suppressed addresses (opt-outs, do-not-contact): set by the messages area.
SUPPRESSED: list[Any] = []


def _money(value: Any, field: str, errors: dict[str, list[str]], *, zero_ok: bool) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else "0"))
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        errors.setdefault(field, []).append(_("Enter a number."))
        return Decimal(0)
    if number < 0 or (number == 0 and not zero_ok):
        errors.setdefault(field, []).append(_("Must be more than zero.") if not zero_ok else _("Cannot be negative."))
    elif number.as_tuple().exponent < -2:  # type: ignore[operator]
        errors.setdefault(field, []).append(_("At most two decimal places."))
    elif number >= Decimal("1000000000000"):
        errors.setdefault(field, []).append(_("Too large."))
    return number.quantize(FEN) if number.is_finite() and number >= 0 else Decimal(0)


def _clean(actor: User, data: Mapping[str, Any], unit: int, current: Campaign | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors["name"] = [_("Enter a name.")]
    elif len(name) > 100:
        errors["name"] = [_("At most %(count)d characters.") % {"count": 100}]
    kind = str(data.get("kind") or "")
    try:
        dictionary_validate(TYPE_DICTIONARY, kind, field="kind", current=current.kind if current else None)
    except DomainError as error:
        errors["kind"] = [str(error.message)]
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if not isinstance(starts, date):
        errors["starts_on"] = [_("Enter a valid date.")]
    if not isinstance(ends, date):
        errors["ends_on"] = [_("Enter a valid date.")]
    elif isinstance(starts, date) and ends < starts:
        errors["ends_on"] = [_("The end cannot be before the start.")]
    budget = _money(data.get("budget"), "budget", errors, zero_ok=True)
    form = data.get("web_form")
    if form is not None and not (isinstance(form, LeadForm) and form.business_unit_id == unit):
        errors["web_form"] = [_("Choose a web form of your business unit.")]
    if errors:
        raise ValidationError(errors)
    return {
        "name": name, "kind": kind, "starts_on": starts, "ends_on": ends, "budget": budget,
        "description": str(data.get("description") or "").strip()[:2000], "web_form": form,
    }  # fmt: skip


@transaction.atomic
def campaign_create(*, actor: User, data: Mapping[str, Any]) -> Campaign:
    require_perm(actor, "campaigns.create")
    unit = actor.business_unit_id
    if unit is None:
        raise NotPermitted(_("Only members of a business unit can plan campaigns."))
    values = _clean(actor, data, unit)
    campaign = Campaign(business_unit_id=unit, owner=actor, created_by=actor, **values)
    campaign.number = number_next(kind="campaign", prefix="HD", unit=unit)
    campaign.save()
    audit_log(actor=actor, action=Action.CREATE, obj=campaign, changes={"name": [None, campaign.name]})
    return campaign


def _locked(actor: User, campaign: Campaign, perm: str = "campaigns.edit") -> Campaign:
    require_perm(actor, perm)
    row = Campaign.objects.visible_to(actor).select_for_update().filter(pk=campaign.pk).first()
    if row is None:
        raise NotPermitted(_("This campaign is outside your data scope."))
    return row


@transaction.atomic
def campaign_update(*, actor: User, campaign: Campaign, version: int, data: Mapping[str, Any]) -> Campaign:
    row = _locked(actor, campaign)
    merged = {name: data.get(name, getattr(row, name)) for name in FIELDS}
    values = _clean(actor, merged, row.business_unit_id, current=row)
    before = {name: str(getattr(row, name)) for name in FIELDS}
    for name, value in values.items():
        setattr(row, name, value)
    save_versioned(row, expected_version=version, fields=FIELDS)
    changes = {
        name: [before[name], str(getattr(row, name))] for name in FIELDS if before[name] != str(getattr(row, name))
    }
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=changes)
    return row


@transaction.atomic
def campaign_set_status(*, actor: User, campaign: Campaign, status: str) -> Campaign:
    """Complete a running campaign or cancel an open one (a conditional UPDATE: two clicks, one change)."""
    row = _locked(actor, campaign)
    allowed = {
        str(CampaignStatus.COMPLETED): [CampaignStatus.ACTIVE],
        str(CampaignStatus.CANCELLED): [CampaignStatus.PLANNED, CampaignStatus.ACTIVE],
    }.get(status)
    if not allowed or row.status not in allowed:
        raise Conflict(_("This campaign cannot move to that status now."), code="wrong_status")
    moved = Campaign.objects.filter(pk=row.pk, status__in=allowed).update(
        status=status, updated_at=timezone.now(), version=F("version") + 1
    )
    if not moved:
        raise Conflict(_("This campaign's status has changed meanwhile: reload it."), code="wrong_status")
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"status": [row.status, status]})
    row.refresh_from_db()
    return row


@transaction.atomic
def campaign_delete(*, actor: User, campaign: Campaign) -> None:
    row = _locked(actor, campaign, "campaigns.delete")
    if row.status != CampaignStatus.PLANNED or row.responses.exists():
        raise DomainError(_("Only a planned campaign with no responses can be deleted."), code="in_use")
    Campaign.all_objects.filter(pk=row.pk).update(deleted_at=timezone.now(), version=F("version") + 1)
    audit_log(actor=actor, action=Action.DELETE, obj=row)


# --- costs -------------------------------------------------------------------------------------------


def _recount_cost(campaign: Campaign) -> Decimal:
    total = CampaignCost.objects.filter(campaign=campaign).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    Campaign.objects.filter(pk=campaign.pk).update(actual_cost=total, updated_at=timezone.now())
    campaign.actual_cost = total
    return total


@transaction.atomic
def campaign_cost_add(*, actor: User, campaign: Campaign, data: Mapping[str, Any]) -> CampaignCost:
    """One item of actual cost; the campaign's actual cost becomes the sum of its items."""
    row = _locked(actor, campaign)
    errors: dict[str, list[str]] = {}
    item = " ".join(str(data.get("item") or "").split())[:100]
    if not item:
        errors["item"] = [_("Name the item.")]
    spent_on: Any = data.get("spent_on")
    if not isinstance(spent_on, date):
        errors["spent_on"] = [_("Enter a valid date.")]
    elif spent_on > timezone.localdate():
        errors["spent_on"] = [_("The date cannot be in the future.")]
    amount = _money(data.get("amount"), "amount", errors, zero_ok=False)
    if errors:
        raise ValidationError(errors)
    cost = CampaignCost.objects.create(
        campaign=row, item=item, spent_on=spent_on, amount=amount, note=str(data.get("note") or "").strip()[:200]
    )
    before = str(row.actual_cost)
    _recount_cost(row)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"actual_cost": [before, str(row.actual_cost)]},
              note=item)  # fmt: skip
    return cost


@transaction.atomic
def campaign_cost_delete(*, actor: User, cost: CampaignCost) -> None:
    row = _locked(actor, cost.campaign)
    before = str(row.actual_cost)
    CampaignCost.objects.filter(pk=cost.pk, campaign=row).delete()
    _recount_cost(row)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"actual_cost": [before, str(row.actual_cost)]},
              note=cost.item)  # fmt: skip


# --- audience ----------------------------------------------------------------------------------------


def _take(actor: User, campaign: Campaign, source: AudienceSource) -> int:
    """Insert the source's matches as members; a person already there (the same contact, lead or
    customer) is kept once by the unique constraints."""
    taken = 0
    for chunk in audience.members_of(actor, source.kind, source.query):
        for member in chunk:
            member.campaign_id, member.source_id = campaign.pk, source.pk
        before = CampaignMember.objects.filter(campaign=campaign).count()
        CampaignMember.objects.bulk_create(chunk, ignore_conflicts=True, batch_size=1000)
        taken += CampaignMember.objects.filter(campaign=campaign).count() - before
    AudienceSource.objects.filter(pk=source.pk).update(members_taken=taken)
    return taken


@transaction.atomic
def campaign_source_add(*, actor: User, campaign: Campaign, kind: str, label: str, query: str) -> AudienceSource:
    """Aim the campaign at the matches of a list's filter (the query of a saved filter or of a list URL).
    Before the launch the filter waits; on a running campaign its matches join at once."""
    row = _locked(actor, campaign)
    if not row.is_open:
        raise DomainError(_("The campaign is closed."), code="wrong_status")
    errors: dict[str, list[str]] = {}
    if kind not in AudienceKind.values:
        errors["kind"] = [_("Choose a list.")]
    label = " ".join(str(label or "").split())[:100]
    if not label:
        errors["label"] = [_("Enter a name.")]
    if errors:
        raise ValidationError(errors)
    source = AudienceSource.objects.create(campaign=row, kind=kind, label=label, query=audience.query_of(query)[:2000])
    if row.status == CampaignStatus.ACTIVE:
        _take(actor, row, source)
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"audience": [None, label]})
    return source


@transaction.atomic
def campaign_source_remove(*, actor: User, source: AudienceSource) -> None:
    row = _locked(actor, source.campaign)
    if row.status != CampaignStatus.PLANNED:
        raise DomainError(_("The members of a launched campaign stay; remove them one by one."), code="wrong_status")
    AudienceSource.objects.filter(pk=source.pk, campaign=row).delete()


@transaction.atomic
def campaign_launch(*, actor: User, campaign: Campaign) -> dict[str, int]:
    """Start the campaign: each filter's matches (seen with the launcher's data scope) become members, a
    snapshot that later changes to the lists do not alter. Refused when the audience would be empty."""
    row = _locked(actor, campaign)
    if row.status != CampaignStatus.PLANNED:
        raise Conflict(_("This campaign was launched already."), code="already_launched")
    sources = list(row.sources.all())
    taken = {source.pk: _take(actor, row, source) for source in sources}
    total = CampaignMember.objects.filter(campaign=row).count()
    if total == 0:
        raise DomainError(
            _("The audience is empty: add a filter that finds customers, contacts or leads."), code="empty_audience"
        )
    now = timezone.now()
    moved = Campaign.objects.filter(pk=row.pk, status=CampaignStatus.PLANNED).update(
        status=CampaignStatus.ACTIVE, launched_at=now, updated_at=now, version=F("version") + 1
    )
    if not moved:
        raise Conflict(_("This campaign was launched already."), code="already_launched")
    audit_log(
        actor=actor, action=Action.UPDATE, obj=row, changes={"status": ["planned", "active"], "members": [0, total]}
    )
    return {"members": total, "sources": len(taken)}


@transaction.atomic
def campaign_members_add(*, actor: User, campaign: Campaign, kind: str, ids: list[int]) -> dict[str, int]:
    """Add people by hand (customers, contacts or leads the actor can see). Those who asked not to be
    contacted are skipped and counted; someone already a member is counted too."""
    row = _locked(actor, campaign)
    if not row.is_open:
        raise DomainError(_("The campaign is closed."), code="wrong_status")
    if kind not in MemberKind.values:
        raise DomainError(_("Choose customers, contacts or leads."), field="kind")
    ids = sorted({int(pk) for pk in ids})[:1000]
    if not ids:
        raise DomainError(_("Choose at least one person."), field="ids")
    members: list[CampaignMember] = []
    if kind == MemberKind.LEAD:
        for lead in Lead.objects.visible_to(actor).filter(pk__in=ids):
            members.append(
                CampaignMember(
                    kind=kind,
                    lead=lead,
                    name=lead.name,
                    company=lead.company,
                    email=lead.email,
                    mobile=audience._mobile(lead.mobile),
                )
            )
    elif kind == MemberKind.CONTACT:
        for contact in Contact.objects.visible_to(actor).filter(pk__in=ids).select_related("customer"):
            members.append(
                CampaignMember(
                    kind=kind,
                    contact=contact,
                    customer=contact.customer,
                    name=contact.name,
                    company=contact.customer.name,
                    email=contact.email,
                    mobile=audience._mobile(contact.mobile),
                )
            )
    else:
        customers = Customer.objects.visible_to(actor).filter(pk__in=ids)
        for chunk in audience._chunks(customers.values_list("pk", flat=True)):
            primary = {c.customer_id: c for c in Contact.objects.filter(customer_id__in=chunk, is_primary=True)}
            for customer in Customer.objects.filter(pk__in=chunk):
                chief = primary.get(customer.pk)
                members.append(
                    CampaignMember(
                        kind=kind,
                        customer=customer,
                        contact=chief,
                        name=chief.name if chief else customer.name,
                        company=customer.name,
                        email=(chief.email if chief else "") or customer.email,
                        mobile=audience._mobile(chief.mobile if chief else "") or audience._mobile(customer.phone),
                    )
                )
    found = len(members)
    suppressed = 0
    for rule in SUPPRESSED:
        kept = rule(unit=row.business_unit_id, members=members)
        suppressed += len(members) - len(kept)
        members = kept
    for member in members:
        member.campaign = row
    before = CampaignMember.objects.filter(campaign=row).count()
    CampaignMember.objects.bulk_create(members, ignore_conflicts=True)
    added = CampaignMember.objects.filter(campaign=row).count() - before
    if added:
        audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"members": [before, before + added]})
    return {"added": added, "already": len(members) - added, "opted_out": suppressed, "not_found": len(ids) - found}


@transaction.atomic
def campaign_members_pick(*, actor: User, campaign: Campaign, picks: list[str]) -> dict[str, int]:
    """Add the people picked in the campaign page's search (``kind:id``), each kind as by hand
    (``campaign_members_add``: those not to be contacted are skipped and counted), in one transaction."""
    chosen: dict[str, list[int]] = {}
    for pick in picks[:200]:
        kind, _colon, pk = str(pick).partition(":")
        if kind in MemberKind.values and pk.isdigit():
            chosen.setdefault(kind, []).append(int(pk))
    if not chosen:
        raise DomainError(_("Choose at least one person."), field="pick")
    total = dict.fromkeys(("added", "already", "opted_out", "not_found"), 0)
    for kind, ids in chosen.items():
        done = campaign_members_add(actor=actor, campaign=campaign, kind=kind, ids=ids)
        total = {key: value + done[key] for key, value in total.items()}
    return total


@transaction.atomic
def campaign_member_remove(*, actor: User, member: CampaignMember) -> None:
    row = _locked(actor, member.campaign)
    CampaignMember.objects.filter(pk=member.pk, campaign=row).delete()


# --- responses (touches) ----------------------------------------------------------------------------


def response_record(
    *,
    campaign: Campaign | int,
    kind: str,
    at: datetime | None = None,
    member: CampaignMember | None = None,
    customer_id: int | None = None,
    contact_id: int | None = None,
    lead_id: int | None = None,
) -> bool:
    """Note that someone responded (opened, clicked, registered, attended, replied, sent the form). An open
    or a click counts once per member; returns whether the response is new."""
    campaign_id = campaign if isinstance(campaign, int) else campaign.pk
    if member is not None:
        customer_id = customer_id or member.customer_id
        contact_id = contact_id or member.contact_id
        lead_id = lead_id or member.lead_id
    if customer_id is None and contact_id is not None:
        customer_id = Contact.all_objects.filter(pk=contact_id).values_list("customer_id", flat=True).first()
    seen = (
        member is not None
        and CampaignResponse.objects.filter(campaign_id=campaign_id, kind=kind, member=member).exists()
    )
    CampaignResponse.objects.bulk_create(
        [
            CampaignResponse(
                campaign_id=campaign_id, kind=kind, at=at or timezone.now(), member=member, customer_id=customer_id,
                contact_id=contact_id, lead_id=lead_id,
            )
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    # a touch can move the first or last touch of this person's leads and deals from one campaign to another
    customers = [customer_id] if customer_id else []
    if lead_id is not None:
        customers += Lead.all_objects.filter(pk=lead_id, customer__isnull=False).values_list("customer_id", flat=True)
    leads = [lead_id] if lead_id else []
    results.mark_stale({campaign_id} | results.campaigns_touching(customers=customers, leads=leads))
    return not seen


def _lead_captured(*, lead: Lead, form: LeadForm | None) -> None:
    """A lead sent through a campaign's web form responds to every open campaign using that form."""
    if form is None:
        return
    campaigns = Campaign.objects.filter(web_form=form, status__in=[CampaignStatus.PLANNED, CampaignStatus.ACTIVE])
    for campaign_id in campaigns.values_list("pk", flat=True):
        response_record(campaign=campaign_id, kind="form", lead_id=lead.pk, at=lead.created_at)


def register() -> None:
    from guanxi.core.config.numbering import register_number_kind
    from guanxi.core.errors import STATUS_OF_CODE

    # marketing's lost races and closed doors answer 409 in the API, like the other apps'
    for code in ("already_launched", "already_sending", "already_checked_in", "full", "closed"):
        STATUS_OF_CODE.setdefault(code, 409)
    from guanxi.leads.hooks import register_captured

    register_number_kind("campaign", gettext_lazy("Campaign number"))
    register_captured(_lead_captured)
