"""What every opportunity write shares: the fields, who may edit, the row locks and the validation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.config.dictionary import dictionary_validate
from guanxi.core.errors import DomainError, FieldErrors, NotPermitted
from guanxi.core.permissions import grants_of, has_perm, require_perm
from guanxi.core.scope import Scope
from guanxi.customers.models import Contact, Customer
from guanxi.org.models import User

from ..models import (
    Opportunity,
    OpportunityCollaborator,
    OpportunityLine,
    Stage,
)

OPPORTUNITY_FIELDS = ["name", "contact", "source", "amount", "expected_close_date", "probability", "need", "next_step"]


AUDITED_FIELDS = [*OPPORTUNITY_FIELDS, "owner", "stage", "status", "pipeline", "custom"]


# What a stage may require before an opportunity enters it, with the name the refusal uses.
REQUIRABLE_FIELDS: dict[str, Any] = {
    "contact": gettext_lazy("contact"),
    "amount": gettext_lazy("amount"),
    "expected_close_date": gettext_lazy("expected close date"),
    "source": gettext_lazy("source"),
    "need": gettext_lazy("need description"),
    "next_step": gettext_lazy("next step"),
    "lines": gettext_lazy("product lines"),
    "competitors": gettext_lazy("competitors"),
}


class StageRequirementsMissing(DomainError):
    """The opportunity lacks what the stage requires; ``fields`` lists the missing ones."""

    code = "stage_requirements"

    def __init__(self, stage: Stage, fields: list[str]):
        names = ", ".join(str(REQUIRABLE_FIELDS[field]) for field in fields)
        super().__init__(
            _("To enter the stage “%(stage)s” first fill in: %(fields)s.")
            % {"stage": stage.shown_name, "fields": names},
            field=fields[0],
        )
        self.fields = fields


# --- rights on one opportunity ------------------------------------------------------------------------


def can_edit(actor: User, opportunity: Opportunity) -> bool:
    """The owner, a collaborator allowed to edit, or anyone whose scope is wider than their own records
    (a manager over their team) — each with ``opportunities.edit``."""
    if not has_perm(actor, "opportunities.edit"):
        return False
    if opportunity.owner_id == actor.pk or grants_of(actor).scope("opportunities") not in (None, Scope.OWN):
        return True
    return OpportunityCollaborator.objects.filter(opportunity=opportunity, user=actor, can_edit=True).exists()


def _require_edit(actor: User, opportunity: Opportunity) -> None:
    require_perm(actor, "opportunities.edit")
    if not Opportunity.objects.visible_to(actor).filter(pk=opportunity.pk).exists():
        raise NotPermitted(_("This opportunity is outside your data scope."))
    if not can_edit(actor, opportunity):
        raise NotPermitted(_("This opportunity is shared with you read-only."))


def _locked(opportunity: Opportunity) -> Opportunity:
    """The row, locked for this transaction: two moves of one opportunity happen one after the other."""
    Opportunity.objects.select_for_update().filter(pk=opportunity.pk).values_list("pk", flat=True).get()
    return _fresh(opportunity.pk)


def _locked_for_edit(actor: User, opportunity: Opportunity) -> Opportunity:
    """``_require_edit`` and ``_locked`` together: the row is found through the actor's scope and locked."""
    require_perm(actor, "opportunities.edit")
    rows = Opportunity.objects.visible_to(actor).select_for_update().filter(pk=opportunity.pk)
    if rows.values_list("pk", flat=True).first() is None:
        raise NotPermitted(_("This opportunity is outside your data scope."))
    row = _fresh(opportunity.pk)
    if not can_edit(actor, row):
        raise NotPermitted(_("This opportunity is shared with you read-only."))
    return row


def _fresh(pk: int) -> Opportunity:
    """The row as it is now, read after taking its lock. (Locking with a join to the stage would lose the row
    when a concurrent move changed the stage: PostgreSQL rechecks the join against the old stage.)"""
    return Opportunity.objects.select_related("stage", "pipeline").get(pk=pk)


# --- validation ---------------------------------------------------------------------------------------


def _missing_for(
    stage: Stage, opportunity: Opportunity, *, lines: int | None = None, competitors: int | None = None
) -> list[str]:
    """The fields ``stage`` requires that the opportunity lacks. Lines and competitors are counted (when not
    given) only for a stage that requires them."""
    missing = []
    for field in stage.required_fields or []:
        if field == "lines":
            empty = (lines if lines is not None else opportunity.lines.count()) == 0
        elif field == "competitors":
            empty = (competitors if competitors is not None else opportunity.competitor_links.count()) == 0
        elif field == "amount":
            empty = not opportunity.amount
        elif field == "contact":
            empty = opportunity.contact_id is None
        elif field in REQUIRABLE_FIELDS:
            empty = not getattr(opportunity, field)
        else:
            continue
        if empty:
            missing.append(field)
    return missing


def _decimal(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        errors.setdefault(field, []).append(_("Enter a number."))
        return Decimal(0)
    if number < 0:
        errors.setdefault(field, []).append(_("Enter an amount of zero or more."))
    return number


def _clean_lines(lines: Iterable[Mapping[str, Any]], *, unit_id: int | None = None) -> list[OpportunityLine]:
    """Lines in free text, or referencing a product of the opportunity's unit (its name, unit of measure and
    list price fill what the line leaves empty)."""
    from ..products.models import Product

    rows: list[OpportunityLine] = []
    errors: dict[str, list[str]] = {}
    for position, given in enumerate(lines):
        data = dict(given)
        product = data.pop("product", data.pop("product_id", None))
        if product is not None and not isinstance(product, Product):
            product = Product.objects.filter(pk=product).first() if str(product).isdigit() else None
            if product is None:
                errors.setdefault("lines", []).append(
                    _("Line %(n)d: choose a product of your business unit.") % {"n": position + 1}
                )
                continue
        if product is not None:
            if product.business_unit_id != unit_id:
                errors.setdefault("lines", []).append(
                    _("Line %(n)d: choose a product of your business unit.") % {"n": position + 1}
                )
                continue
            data.setdefault("description", product.name)
            data["description"] = data["description"] or product.name
            data["unit"] = data.get("unit") or product.unit_of_measure
            if data.get("unit_price") in (None, ""):
                data["unit_price"] = product.list_price
        description = str(data.get("description") or "").strip()
        if not description:
            errors.setdefault("lines", []).append(_("Line %(n)d: name the product.") % {"n": position + 1})
            continue
        quantity = _decimal(data.get("quantity", 1), "lines", errors)
        price = _decimal(data.get("unit_price") or 0, "lines", errors)
        rows.append(
            OpportunityLine(
                position=position,
                product=product,
                description=description[:200],
                quantity=quantity,
                unit=str(data.get("unit") or "")[:20],
                unit_price=price,
                amount=(quantity * price).quantize(Decimal("0.01")),
            )
        )
    if errors:
        raise ValidationError(errors)
    return rows


def _clean(opportunity: Opportunity, errors: FieldErrors, *, current: Opportunity | None = None) -> None:
    opportunity.name = (opportunity.name or "").strip()
    if not opportunity.name:
        errors.add("name", _("This field is required."))
    if opportunity.source:
        try:
            dictionary_validate(
                "customer_source", opportunity.source, field="source", current=getattr(current, "source", None)
            )
        except DomainError as error:
            errors.add("source", str(error.message))
    if (
        opportunity.contact_id
        and not Contact.objects.filter(pk=opportunity.contact_id, customer_id=opportunity.customer_id).exists()
    ):
        errors.add("contact", _("Choose a contact of this customer."))
    with errors.check():
        opportunity.full_clean(
            exclude=["number", "business_unit", "customer", "contact", "pipeline", "stage", "owner", "custom"]
        )


def _ensure_plan(actor: User, opportunity: Opportunity) -> None:
    """SPEC §4.3: an open opportunity always has an open plan; a new one gets the follow-up due within the
    unit's setting (48 hours by default), for its owner."""
    from guanxi.activities.services import opportunity_followup_within, plan_ensure_open

    # The owner's plan; a collaborator who may not plan for colleagues (a salesperson) plans it for themself,
    # about the opportunity alone when the customer is outside their scope.
    owner = opportunity.owner if has_perm(actor, "activities.assign") else actor
    sees_customer = Customer.objects.visible_to(actor).filter(pk=opportunity.customer_id).exists()
    plan_ensure_open(
        actor=actor,
        customer=opportunity.customer if sees_customer else None,
        related=opportunity,
        within=opportunity_followup_within(unit_id=opportunity.business_unit_id),
        owner=owner,
        subject=_("Follow up on the opportunity %(name)s") % {"name": opportunity.name},
    )


def _save(row: Opportunity, fields: list[str]) -> None:
    from django.db.models import F

    values = {name: getattr(row, row._meta.get_field(name).attname) for name in fields}  # type: ignore[union-attr]
    row.updated_at = timezone.now()
    Opportunity.objects.filter(pk=row.pk).update(**values, updated_at=row.updated_at, version=F("version") + 1)
    row.version += 1
