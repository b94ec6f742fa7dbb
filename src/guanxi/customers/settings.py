"""The customer module's parameters (SPEC §2.2: which fields are required is the company's choice)."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.config.parameters import register_parameter, register_parameter_group
from guanxi.core.errors import DomainError

# Fields a company may make required besides the name (the seed's red stars).
REQUIRABLE = [
    "industry", "source", "nature", "level", "province", "address", "phone", "email", "tax_number",
    "legal_representative", "contact_name", "contact_mobile",
]  # fmt: skip


def required_fields_of(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def _check_required_fields(value: Any) -> None:
    unknown = [name for name in required_fields_of(str(value)) if name not in REQUIRABLE]
    if unknown:
        raise DomainError(
            _("Unknown fields: %(fields)s. Choose from: %(allowed)s.")
            % {"fields": ", ".join(unknown), "allowed": ", ".join(REQUIRABLE)}
        )


def register() -> None:
    register_parameter_group("customers", gettext_lazy("Customers"), order=15)
    register_parameter(
        "customers.required_fields",
        gettext_lazy("Required customer fields besides the name (comma separated)"),
        "str",
        "",
        group="customers",
        help=gettext_lazy("For example: industry, source, contact_mobile. Province also requires city and county."),
        validator=_check_required_fields,
    )
