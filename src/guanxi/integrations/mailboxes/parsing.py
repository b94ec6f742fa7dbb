"""Reading a message as mail clients send it, including broken ones: RFC 2047 words in any charset, GB2312
labels on GBK or GB18030 text, undeclared 8-bit headers, missing Message-IDs, bodies in HTML only."""

from __future__ import annotations

import codecs
import email
import email.policy
import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

# What Chinese mail labels as GB2312 is often GBK or GB18030: read all of them as the superset.
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb_2312-80": "gb18030",
}
SNIPPET = 200


def _codec(charset: str | None) -> str:
    name = (charset or "utf-8").strip().lower().strip('"')
    return CHARSET_ALIASES.get(name, name)


def _bytes_text(raw: bytes, charset: str | None) -> str:
    for candidate in (_codec(charset), "utf-8", "gb18030"):
        try:
            return raw.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode(_codec(charset) if _known(charset) else "utf-8", "replace")


def _known(charset: str | None) -> bool:
    try:
        codecs.lookup(_codec(charset))
    except LookupError:
        return False
    return True


def header_text(value: object) -> str:
    """A header's text: each RFC 2047 word in its own charset, raw 8-bit bytes guessed (UTF-8, then GB18030)."""
    if value is None:
        return ""
    try:
        if isinstance(value, Header):  # the parser's wrapping of undeclared 8-bit bytes
            parts = decode_header(value)
        else:
            raw = str(value)
            if any("\udc80" <= ch <= "\udcff" for ch in raw):  # 8-bit bytes kept as surrogates
                raw = _bytes_text(raw.encode("ascii", "surrogateescape"), None)
            parts = decode_header(raw)
    except Exception:
        return " ".join(str(value).split())
    text = "".join(part if isinstance(part, str) else _bytes_text(part, charset) for part, charset in parts)
    return " ".join(text.split())


@dataclass
class Attachment:
    name: str
    content_type: str
    payload: bytes


@dataclass
class Parsed:
    message_id: str
    in_reply_to: str
    references: str
    subject: str
    from_name: str
    from_address: str
    to: list[str]
    cc: list[str]
    sent_at: datetime
    body: str
    size: int
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def addresses(self) -> set[str]:
        return {self.from_address, *self.to, *self.cc} - {""}

    @property
    def snippet(self) -> str:
        return " ".join(self.body.split())[:SNIPPET]


def _addresses(message: Message, name: str) -> list[str]:
    values = [header_text(value) for value in message.get_all(name, [])]
    return [address.lower() for _, address in getaddresses(values) if "@" in address][:100]


def _message_id(message: Message, raw: bytes | None) -> str:
    found = re.search(r"<[^<>\s]+>", header_text(message.get("Message-ID")))
    if found:
        return found.group(0)[:300]
    # none (some senders omit it): a stable stand-in from the message's own bytes
    data = raw if raw is not None else message.as_bytes()
    return f"<guanxi-{hashlib.sha256(data).hexdigest()[:40]}@no-message-id>"


def _date(message: Message) -> datetime:
    try:
        when = parsedate_to_datetime(header_text(message.get("Date")))
    except (TypeError, ValueError, IndexError):
        return datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when


def _strip_html(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style).*?</\1>", " ", markup)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return _bytes_text(payload, part.get_content_charset())


def _filename(part: Message) -> str:
    name = part.get_filename()
    if name:
        return header_text(name)[:200]
    return "attachment"


def parse(raw: bytes) -> Parsed:
    """Never raises on a message's content: what cannot be read is replaced, not refused."""
    return parse_message(email.message_from_bytes(raw, policy=email.policy.compat32), raw=raw, size=len(raw))


def parse_message(message: Message, *, raw: bytes | None = None, size: int = 0) -> Parsed:
    """A message the IMAP library parsed already (``raw`` only to name one without a Message-ID)."""
    plain: list[str] = []
    markup: list[str] = []
    attachments: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = (part.get("Content-Disposition") or "").lower()
        kind = part.get_content_type()
        if "attachment" in disposition or (part.get_filename() and kind not in ("text/plain", "text/html")):
            payload = part.get_payload(decode=True)
            attachments.append(Attachment(_filename(part), kind[:100], payload if isinstance(payload, bytes) else b""))
        elif kind == "text/plain":
            plain.append(_part_text(part))
        elif kind == "text/html":
            markup.append(_part_text(part))
    body = "\n".join(plain) if plain else _strip_html("\n".join(markup))
    from_name, from_address = parseaddr(header_text(message.get("From")))
    references = " ".join(re.findall(r"<[^<>\s]+>", header_text(message.get("References"))))
    reply = re.search(r"<[^<>\s]+>", header_text(message.get("In-Reply-To")))
    return Parsed(
        message_id=_message_id(message, raw),
        in_reply_to=reply.group(0)[:300] if reply else "",
        references=references[:5000],
        subject=header_text(message.get("Subject"))[:500],
        from_name=from_name[:200],
        from_address=from_address.lower()[:200],
        to=_addresses(message, "To"),
        cc=_addresses(message, "Cc"),
        sent_at=_date(message),
        body=body.replace("\x00", "")[:100_000],
        size=size or sum(len(a.payload) for a in attachments) + len(body.encode()),
        attachments=attachments,
    )
