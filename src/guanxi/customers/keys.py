"""Search and duplicate keys of names and phones (SPEC §2.5, §2.6), computed when a record is saved."""

import functools
import os
import re
import sys
import unicodedata

import phonenumbers

# pypinyin's own switch: Guanxi never adds words to its dictionaries, so it need not keep a copy of each.
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT


def _share_phrase_readings() -> int:
    """pypinyin reads its 47,000 phrases' readings from JSON as new lists of new strings, about 290,000
    objects; shared, the 1,249 distinct readings make every web process about 19 MB smaller. It deep-copies a
    phrase's reading before using it, so sharing changes no result. Answers the number of distinct readings."""
    shared: dict[tuple[str, ...], list[str]] = {}
    for readings in PHRASES_DICT.values():
        for index, reading in enumerate(readings):
            found = shared.get(key := tuple(reading))
            if found is None:
                found = shared[key] = [sys.intern(syllable) for syllable in reading]
            readings[index] = found
    return len(shared)


_share_phrase_readings()  # at import: gunicorn's master does it once, before it forks the web processes

# Words that do not tell two companies apart: "上海华信科技有限公司" and "上海华信科技" are one customer.
_LEGAL_SUFFIXES = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|集团公司|集团|公司|分公司|总公司|co\.?,?\s*ltd\.?|limited|inc\.?|corp\.?)$"
)
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def name_key(name: str) -> str:
    """The normalised name two duplicates share: full-width folded, lower case, no punctuation or spaces,
    no legal-form suffix, no "(中国)"-style brackets."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = re.sub(r"[(（][^)）]*[)）]", "", text)
    text = _NOISE.sub("", text)
    previous = None
    while previous != text:
        previous, text = text, _LEGAL_SUFFIXES.sub("", text)
    return text or _NOISE.sub("", unicodedata.normalize("NFKC", name).lower())


def search_key(text: str) -> str:
    """What a search box fragment is compared with ``name_key``: normalised the same way, so a name typed in
    full with its legal suffix (太原浙大万朋机械有限公司) finds the key that dropped it (太原浙大万朋机械)."""
    return name_key(text)


def name_bigrams(key: str) -> str:
    """ "华信 信科 科技" for 华信科技: the distinct two-character pieces of a ``name_key``, space-separated, in
    order of first appearance. PostgreSQL indexes them as words, so a two-character fragment (too short for a
    trigram) is found by a full-text match instead of reading every name."""
    pieces = [key[index : index + 2] for index in range(len(key) - 1)]
    return " ".join(dict.fromkeys(pieces))


def name_pinyin(name: str) -> str:
    """ "zhangsan" for 张三: full pinyin without tones or spaces, for search."""
    return _readings(name)[0]


def name_initials(name: str) -> str:
    """ "zs" for 张三: the first letter of each syllable (letters and digits kept as they are)."""
    return _readings(name)[1]


_NO_PINYIN = "\x00"  # marks the pieces pypinyin has no reading for (letters, digits): kept whole in both


@functools.lru_cache(maxsize=4096)
def _readings(name: str) -> tuple[str, str]:
    """A name's pinyin and initials from one reading of it: the segmentation into words is most of
    pypinyin's work, and a customer's save needs both (an import asks for them of every row, and of a name
    again for its search keys). The initials are each syllable's first letter, as ``Style.FIRST_LETTER``."""
    pieces = lazy_pinyin(_NOISE.sub("", name.lower()), errors=lambda chars: _NO_PINYIN + chars)
    whole = [piece.removeprefix(_NO_PINYIN) for piece in pieces]
    firsts = [piece[1:] if piece.startswith(_NO_PINYIN) else piece[:1] for piece in pieces]
    return "".join(whole).lower(), "".join(firsts).lower()


class BadPhone(ValueError):
    pass


def normalise_phone(raw: str, *, mobile: bool = False) -> str:
    """A Chinese number as its national digits (13812345678, 02112345678), any other as E.164 (+44…).
    Raises BadPhone when it is not a real number (or, for ``mobile``, not a mobile number)."""
    text = raw.strip()
    if not text:
        return ""
    number, can_be_mobile = _parsed(text)
    if mobile and not can_be_mobile:
        raise BadPhone(text)
    return number


_MOBILE_KINDS = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


@functools.lru_cache(maxsize=4096)  # a save reads a number twice: checked, then matched against the others
def _parsed(text: str) -> tuple[str, bool]:
    """The normalised number and whether it may be a mobile one; BadPhone (never kept) when it is no number."""
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as error:
        raise BadPhone(str(error)) from error
    if not phonenumbers.is_valid_number(parsed):
        raise BadPhone(text)
    kind = phonenumbers.number_type(parsed)
    if parsed.country_code == 86:
        national = str(parsed.national_number)
        return (national if kind == phonenumbers.PhoneNumberType.MOBILE else "0" + national), kind in _MOBILE_KINDS
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), kind in _MOBILE_KINDS


def mask_phone(number: str) -> str:
    """138****1234: enough to recognise, not enough to call (SPEC §1.3)."""
    if len(number) < 7:
        return "*" * len(number)
    return f"{number[:3]}****{number[-4:]}"


def mask_email(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


def phone_tail(number: str) -> str:
    """ "5678" for 13812345678: the last four digits, as people remember a number."""
    return re.sub(r"\D", "", number)[-4:]


def normalise_phone_loose(raw: str) -> str:
    """For search: the normalised number when it parses, else the bare digits typed."""
    try:
        return normalise_phone(raw)
    except BadPhone:
        return re.sub(r"\D", "", raw)
