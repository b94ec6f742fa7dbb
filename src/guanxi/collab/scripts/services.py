"""Every write on sales scripts: anyone with the module proposes, authors edit their own, managers
("approve") curate: recommend, edit and retire any script. Votes are one per person, counted by ``F()``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import NotPermitted
from guanxi.core.permissions import has_perm, require_perm
from guanxi.core.records import save_versioned
from guanxi.org.models import User

from .models import Scenario, Script, ScriptVote

FIELDS = ["title", "scenario", "product", "stage", "body", "tags"]


def _clean(actor: User, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = " ".join(str(data.get("title") or "").split())[:200]
    body = str(data.get("body") or "").strip()[:5000]
    if not title:
        errors["title"] = [_("Enter a title.")]
    if not body:
        errors["body"] = [_("Write the script.")]
    if data.get("scenario") not in Scenario.values:
        errors["scenario"] = [_("Choose a value from the list.")]
    product, stage = data.get("product"), data.get("stage")
    if product is not None and product.business_unit_id != actor.business_unit_id:
        errors["product"] = [_("Choose a product of your business unit.")]
    if stage is not None and stage.pipeline.business_unit_id not in (None, actor.business_unit_id):
        errors["stage"] = [_("Choose a stage of your business unit's pipelines.")]
    if errors:
        raise ValidationError(errors)
    tags = " ".join(dict.fromkeys(str(data.get("tags") or "").replace(",", " ").replace("，", " ").split()))[:200]
    return {
        "title": title,
        "body": body,
        "scenario": data["scenario"],
        "product": product,
        "stage": stage,
        "tags": tags,
    }


@transaction.atomic
def script_create(*, actor: User, data: Mapping[str, Any]) -> Script:
    require_perm(actor, "scripts.create")
    if actor.business_unit_id is None:
        raise NotPermitted(_("Only members of a business unit can write scripts."))
    clean = _clean(actor, data)
    featured = bool(data.get("featured")) and has_perm(actor, "scripts.approve")
    script = Script.objects.create(
        business_unit_id=actor.business_unit_id, author=actor, created_by=actor, featured=featured, **clean
    )
    audit_log(actor=actor, action=Action.CREATE, obj=script)
    return script


def may_edit(actor: User, script: Script) -> bool:
    return has_perm(actor, "scripts.approve") or (script.author_id == actor.pk and has_perm(actor, "scripts.edit"))


def _locked(actor: User, script: Script) -> Script:
    row = Script.objects.visible_to(actor).select_for_update().filter(pk=script.pk).first()
    if row is None or not may_edit(actor, row):
        raise NotPermitted(_("Only its author or a manager can change this script."))
    return row


@transaction.atomic
def script_update(*, actor: User, script: Script, version: int, data: Mapping[str, Any]) -> Script:
    row = _locked(actor, script)
    merged = {name: data.get(name, getattr(row, name)) for name in FIELDS}
    clean = _clean(actor, merged)
    before = {name: str(getattr(row, name)) for name in FIELDS}
    for name, value in clean.items():
        setattr(row, name, value)
    fields = list(FIELDS)
    if "featured" in data and has_perm(actor, "scripts.approve"):
        row.featured = bool(data["featured"])
        fields.append("featured")
    save_versioned(row, expected_version=version, fields=fields)
    changes = {
        name: [before[name], str(getattr(row, name))] for name in FIELDS if before[name] != str(getattr(row, name))
    }
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes=changes)
    return row


@transaction.atomic
def script_feature(*, actor: User, script: Script, featured: bool) -> Script:
    require_perm(actor, "scripts.approve")
    row = _locked(actor, script)
    Script.objects.filter(pk=row.pk).update(featured=featured, updated_at=timezone.now(), version=F("version") + 1)
    row.refresh_from_db()
    audit_log(actor=actor, action=Action.UPDATE, obj=row, changes={"featured": [not featured, featured]})
    return row


@transaction.atomic
def script_delete(*, actor: User, script: Script) -> None:
    row = _locked(actor, script)
    Script.objects.filter(pk=row.pk).update(deleted_at=timezone.now(), version=F("version") + 1)
    audit_log(actor=actor, action=Action.DELETE, obj=row)


@transaction.atomic
def script_vote(*, actor: User, script: Script, useful: bool) -> Script:
    """One vote per person (voting again changes it); the counts are recounted from the votes."""
    require_perm(actor, "scripts.view")
    row = Script.objects.visible_to(actor).select_for_update().filter(pk=script.pk).first()
    if row is None:
        raise NotPermitted(_("This script is outside your data scope."))
    ScriptVote.objects.update_or_create(script=row, user=actor, defaults={"useful": useful, "at": timezone.now()})
    counts = ScriptVote.objects.filter(script=row).aggregate(
        yes=Count("pk", filter=Q(useful=True)), no=Count("pk", filter=Q(useful=False))
    )
    Script.objects.filter(pk=row.pk).update(useful_count=counts["yes"], not_useful_count=counts["no"])
    row.refresh_from_db()
    return row
