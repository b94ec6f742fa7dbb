"""A caller's number as customers' phones are stored (``customers.keys.normalise_phone``): 13812345678 for a
mobile, 02162345678 for a landline, +44… for a foreign number, whatever the PBX or a person typed."""

from __future__ import annotations

import re
import unicodedata

from guanxi.customers.keys import BadPhone, normalise_phone

# Words that start an extension: 转 801, 分机 801, ext. 801, x801, #801, and a pause (,) a PBX dials before it.
_EXTENSION_WORD = re.compile(r"\s*(转|分机|ext\.?|extension|x|#|,|;|p)\s*\d*\s*$", re.IGNORECASE)
_GROUPS = re.compile(r"[\s\-./()]+")


def number_key(raw: str, *, area_code: str = "") -> str:
    """The normalised number, or "" when nothing in ``raw`` can be a phone number.

    Full-width digits and punctuation, +86 and 0086, spaces, dashes and brackets, an extension after 转, ext,
    x or # or as a short last group (021-6234-5678-801), the 0 an out-of-town PBX trunk puts before a mobile
    (013812345678) and, with the unit's ``area_code``, a local landline reported without it (62345678)."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = _EXTENSION_WORD.sub("", text)
    if not re.search(r"\d", text):
        return ""
    groups = [group for group in _GROUPS.split(text) if group]
    while groups:
        found = _parsed("".join(groups), area_code)
        if found:
            return found
        if len(groups) < 2 or not groups[-1].isdigit() or len(groups[-1]) > 5:
            break
        groups = groups[:-1]  # a short last group is an extension: 021-62345678-801
    return re.sub(r"[^\d+]", "", text)[:40]


def _parsed(text: str, area_code: str) -> str:
    digits = re.sub(r"[^\d+]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if re.fullmatch(r"01[3-9]\d{9}", digits):  # a trunk's 0 before a mobile
        digits = digits[1:]
    if area_code and re.fullmatch(r"[2-9]\d{6,7}", digits):  # a local number without its area code
        digits = area_code + digits
    try:
        return normalise_phone(digits)
    except BadPhone:
        return ""
