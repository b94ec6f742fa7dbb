"""The company's letterhead (公司信息) per business unit: what quotes, contracts and other documents sent to
customers print in their header. Kept as the unit's parameters, so a unit's administrator changes only their
own unit's and the parameters page, its API and its audit serve them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from guanxi.core.config.parameters import parameter_value, register_parameter, register_parameter_group
from guanxi.core.errors import DomainError

FIELDS: dict[str, tuple[str | Promise, str | Promise, int]] = {  # name: label, help, longest
    "legal_name": (_("Registered company name"), _("As on the business licence; empty: the unit's name."), 100),
    "address": (_("Company address"), "", 200),
    "phone": (_("Company telephone"), "", 40),
    "tax_number": (_("Unified social credit code"), _("The taxpayer number printed on invoices and quotes."), 18),
    "bank": (_("Bank and account"), _("For example 中国工商银行上海张江支行 1001 2345 6789 0123 456"), 120),
    "website": (_("Company website"), "", 100),
}


@dataclass(frozen=True)
class Letterhead:
    legal_name: str
    address: str
    phone: str
    tax_number: str
    bank: str
    website: str


def letterhead_of(unit: object) -> Letterhead:
    """The unit's letterhead, its name standing in for an empty registered name."""
    values = {name: parameter_value(f"company.{name}", unit=unit) for name in FIELDS}  # type: ignore[arg-type]
    values["legal_name"] = values["legal_name"] or str(getattr(unit, "name", ""))
    return Letterhead(**values)


def _credit_code(value: str) -> None:
    if value and not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", value):
        raise DomainError(_("A unified social credit code has 18 digits and capital letters."), code="invalid")


def register() -> None:
    register_parameter_group("company", _("Company letterhead"), 5)
    for name, (label, help_text, length) in FIELDS.items():
        register_parameter(
            f"company.{name}", label, "str", "", help=help_text, group="company", max_length=length,
            validator=_credit_code if name == "tax_number" else None,
        )  # fmt: skip


CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_valid(value: str) -> bool:
    """A unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters of its alphabet, the last
    the check character of the first 17 (weights 3^i mod 31)."""
    if not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", value or ""):
        return False
    total = sum(
        CREDIT_CODE_CHARS.index(char) * weight for char, weight in zip(value[:17], CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31] == value[17]
