"""The import wizard's forms: they only parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.leads.models import LeadPool
from guanxi.leads.pools.rules import pools_visible
from guanxi.org.models import User
from guanxi.pool.models import Pool

from .kinds import KINDS
from .models import ImportJob, Strategy
from .services import may_import


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Record type"))
    file = forms.FileField(label=_("File (.xlsx, .xls or .csv)"))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (kind.code, kind.label) for kind in KINDS.values() if may_import(actor, kind)
        ]


class MappingForm(forms.Form):
    """One drop-down per column of the file, the duplicate strategy and where the records go."""

    strategy = forms.ChoiceField(label=_("A row that matches an existing record"))
    owner = forms.ModelChoiceField(User.objects.none(), label=_("Owner"), required=False, empty_label=_("Me"))
    pool = forms.ModelChoiceField(
        Pool.objects.none(), label=_("Into the public pool"), required=False, empty_label=_("No, give them an owner")
    )
    lead_pool = forms.ModelChoiceField(
        LeadPool.objects.none(), label=_("Into a lead pool"), required=False, empty_label=_("No, give them an owner")
    )

    def __init__(self, *args: Any, job: ImportJob, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = KINDS[job.kind]
        choices = [
            ("", _("— not imported —")),
            *((column.key, column.label) for column in kind.columns_of(job.business_unit_id)),
        ]
        self.columns = []
        for index, header in enumerate(job.headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(label=header or f"#{index + 1}", choices=choices, required=False)
            self.initial.setdefault(name, job.mapping.get(str(index), ""))
            self.columns.append(self[name])
        self.fields["strategy"].choices = [(code, Strategy(code).label) for code in kind.strategies]  # type: ignore[attr-defined]
        self.initial.setdefault("strategy", job.strategy)
        if kind.owned:
            self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
                status=User.Status.ACTIVE, department__business_unit_id=job.business_unit_id
            ).order_by("display_name")
        else:
            del self.fields["owner"]
        if kind.poolable:
            self.fields["pool"].queryset = Pool.objects.filter(business_unit_id=job.business_unit_id)  # type: ignore[attr-defined]
        else:
            del self.fields["pool"]
        if kind.lead_poolable:  # the pools the importer may put leads in (the service checks again)
            self.fields["lead_pool"].queryset = pools_visible(job.actor).filter(  # type: ignore[attr-defined]
                business_unit_id=job.business_unit_id
            )
        else:
            del self.fields["lead_pool"]

    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("column_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("column_")
        }
