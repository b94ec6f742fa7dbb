"""Every write of sales (SPEC §6): opportunities, pipelines and competitors; one transaction each, permission and
scope first, full validation, stage history, the customer's lifecycle events and the audit log."""

from .closing import (
    opportunity_lose,
    opportunity_reopen,
    opportunity_win,
)
from .common import (
    AUDITED_FIELDS,
    OPPORTUNITY_FIELDS,
    REQUIRABLE_FIELDS,
    StageRequirementsMissing,
    can_edit,
)
from .competitors import COMPETITOR_FIELDS, competitor_create, competitor_delete, competitor_update
from .opportunities import (
    opportunity_collaborators_set,
    opportunity_competitors_set,
    opportunity_create,
    opportunity_delete,
    opportunity_edit,
    opportunity_lines_replace,
    opportunity_transfer,
    opportunity_update,
)
from .pipelines import (
    PIPELINE_FIELDS,
    STAGE_FIELDS,
    closing_stage,
    default_pipeline,
    first_stage,
    pipeline_save,
    pipelines_for_unit,
)
from .stages import (
    opportunity_decide_move,
    opportunity_move,
    register,
)

__all__ = [
    "AUDITED_FIELDS",
    "COMPETITOR_FIELDS",
    "OPPORTUNITY_FIELDS",
    "PIPELINE_FIELDS",
    "REQUIRABLE_FIELDS",
    "STAGE_FIELDS",
    "StageRequirementsMissing",
    "can_edit",
    "closing_stage",
    "competitor_create",
    "competitor_delete",
    "competitor_update",
    "default_pipeline",
    "first_stage",
    "opportunity_collaborators_set",
    "opportunity_competitors_set",
    "opportunity_create",
    "opportunity_decide_move",
    "opportunity_delete",
    "opportunity_edit",
    "opportunity_lines_replace",
    "opportunity_lose",
    "opportunity_move",
    "opportunity_reopen",
    "opportunity_transfer",
    "opportunity_update",
    "opportunity_win",
    "pipeline_save",
    "pipelines_for_unit",
    "register",
]
