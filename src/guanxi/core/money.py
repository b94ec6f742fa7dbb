"""Amounts of money as the reader writes them: ¥1,234.50 in Chinese, CN¥1,234.50 in English (Babel's pattern
for the reader's locale), for pages (the ``money`` filter) and for the messages that name an amount."""

import functools
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)
from django.conf import settings
from django.utils.translation import get_language, to_locale

from guanxi.core.context import amounts_in_wan

WAN = 10_000


def money_text(amount: Decimal | float | int, currency: str = "", *, wan: bool = False) -> str:
    """The amount in the reader's locale; with ``wan``, a reader of the Chinese interface who chose it sees
    ¥12.80万 for ¥128,000.00 (a message that names an amount to pay or refuse gives it in full)."""
    locale, currency = to_locale(get_language() or "en"), currency or settings.CURRENCY
    if wan and amounts_in_wan.get() and locale.startswith("zh"):
        in_wan = Decimal(amount) / WAN
        if abs(in_wan) >= 1:
            return _currency(in_wan, currency, locale) + "万"
    return _currency(amount, currency, locale)


@dataclass(frozen=True)
class _Pattern:
    """A locale's currency pattern of the plain ``¤#,##0.00`` shape, as Babel applies it."""

    prefixes: tuple[str, str]  # positive, negative
    suffixes: tuple[str, str]
    spec: str  # the format() spec of the digits: grouping by threes, the currency's decimals
    symbols: dict[int, str]  # the locale's group and decimal symbols where they are not "," and "."


@functools.cache
def _pattern(locale: str, currency: str) -> _Pattern | None:
    """Babel's pattern read once per locale and currency; None for a shape only Babel formats (other grouping,
    quoted text, significant digits…)."""
    pattern = Locale.parse(locale).currency_formats["standard"]
    affixes = "".join(pattern.prefix + pattern.suffix)
    plain = pattern.grouping == (3, 3) and pattern.int_prec[0] == 1 and pattern.scale == 0
    if not plain or pattern.exp_prec or "@" in pattern.pattern or "'" in affixes or "¤¤" in affixes:
        return None
    symbol = get_currency_symbol(currency, locale)
    digits = get_currency_precision(currency)
    group, point = get_group_symbol(locale), get_decimal_symbol(locale)
    return _Pattern(
        prefixes=(pattern.prefix[0].replace("¤", symbol), pattern.prefix[1].replace("¤", symbol)),
        suffixes=(pattern.suffix[0].replace("¤", symbol), pattern.suffix[1].replace("¤", symbol)),
        spec=f",.{digits}f",
        symbols=str.maketrans({",": group, ".": point}) if (group, point) != (",", ".") else {},
    )


def _currency(amount: Decimal | float | int, currency: str, locale: str) -> str:
    """What Babel's ``format_currency`` writes, without its work per call (a report page writes hundreds)."""
    pattern = _pattern(locale, currency)
    if pattern is None:
        return format_currency(amount, currency, locale=locale)
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    negative = int(value.is_signed())
    digits = format(abs(value), pattern.spec)  # rounded half to even, as Babel's quantize
    if pattern.symbols:
        digits = digits.translate(pattern.symbols)
    return pattern.prefixes[negative] + digits + pattern.suffixes[negative]
