"""Templates' variables, rendered by Jinja2's sandbox: a template reaches only the plain values it is given
(no database, no attributes beyond the dictionaries' keys). The variables a template may use are listed
here; any other is refused when the template is saved, named in the message.

E-mail bodies are HTML cleaned by ``nh3`` (formatting and links only); the plain-text part is made from the
rendered HTML. SMS bodies are plain text counted in segments as the networks do: 70 characters in one
message (160 when every character is in the GSM alphabet), 67 (153) per part once it is split."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import nh3
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jinja2 import Template, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

# name → its attributes (None: a plain value)
VARIABLES: dict[str, dict[str, Any] | None] = {
    "customer": {"name": gettext_lazy("the customer's name")},
    "contact": {"name": gettext_lazy("the contact's name"), "salutation": gettext_lazy("Mr / Ms")},
    "lead": {"name": gettext_lazy("the lead's name"), "company": gettext_lazy("the lead's company")},
    "recipient": {"name": gettext_lazy("the recipient's name"), "company": gettext_lazy("the recipient's company")},
    "owner": {
        "name": gettext_lazy("the account owner's name"),
        "mobile": gettext_lazy("the account owner's mobile"),
        "email": gettext_lazy("the account owner's e-mail"),
    },
    "campaign": {"name": gettext_lazy("the campaign's name")},
    "unsubscribe_url": None,
}
MAX_SEGMENTS = 10
SMS_OPT_OUT = "拒收请回复TD"  # the opt-out hint the networks require at the end of a marketing SMS
ALLOWED_TAGS = {
    "a", "b", "br", "blockquote", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "img", "li", "ol", "p", "span",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan"}}
GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)

_html = ImmutableSandboxedEnvironment(autoescape=True)
_text = ImmutableSandboxedEnvironment(autoescape=False)


class TemplateRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _names(tree: nodes.Node) -> list[str]:
    """Every variable the template reads, as written (``customer.name``)."""
    found: list[str] = []

    def visit(node: nodes.Node) -> None:
        if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
            found.append(f"{node.node.name}.{node.attr}")
            return
        if isinstance(node, nodes.Getitem) and isinstance(node.node, nodes.Name):
            found.append(f"{node.node.name}[…]")
            return
        if isinstance(node, nodes.Name) and node.ctx == "load":
            found.append(node.name)
            return
        for child in node.iter_child_nodes():
            visit(child)

    visit(tree)
    return found


def check(source: str) -> None:
    """Refuse a template that does not parse or reads a variable that is not offered."""
    try:
        tree = _text.parse(source)
    except TemplateSyntaxError as error:
        raise TemplateRefused(_("The template has an error on line %(line)d: %(error)s") % {
            "line": error.lineno, "error": error.message or ""}) from error  # fmt: skip
    for name in _names(tree):
        top, _dot, attribute = name.partition(".")
        attributes = VARIABLES.get(top)
        if (
            top not in VARIABLES
            or (bool(attribute) != bool(attributes))
            or (attributes and attribute not in attributes)
        ):
            raise TemplateRefused(_("Unknown variable: {{ %(name)s }}.") % {"name": name})


def sanitise(body: str) -> str:
    return nh3.clean(body, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"})


def render(source: str, context: Mapping[str, Any], *, as_html: bool = False) -> str:
    return _compiled(source, as_html).render(**context)


@lru_cache(maxsize=64)
def _compiled(source: str, as_html: bool) -> Template:
    """A template is compiled once per process, not once per recipient (a send renders it thousands of times)."""
    return (_html if as_html else _text).from_string(source)


def text_of(rendered_html: str) -> str:
    """The plain-text part: the HTML's text with its line structure, each link's address after its text."""
    body = re.sub(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', r"\2 (\1)", rendered_html, flags=re.S | re.I)
    body = re.sub(r"<br\s*/?>|</p>|</div>|</h[1-4]>|</li>|</tr>", "\n", body, flags=re.I)
    body = nh3.clean(body, tags=set())
    lines = [" ".join(line.split()) for line in html.unescape(body).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@dataclass(frozen=True)
class Segments:
    length: int
    parts: int
    unicode: bool


def segments(text: str) -> Segments:
    unicode = any(ch not in GSM for ch in text)
    single, multi = (70, 67) if unicode else (160, 153)
    length = len(text)
    parts = 1 if length <= single else -(-length // multi)
    return Segments(length, parts, unicode)


def sms_text(body: str, signature: str) -> str:
    """What the phone shows: the signature first (【…】), the text, the opt-out hint."""
    head = f"【{signature}】" if signature else ""
    return f"{head}{body.strip()} {SMS_OPT_OUT}"


SAMPLE = {
    "customer": {"name": "上海华信科技有限公司"},
    "contact": {"name": "张伟", "salutation": "先生"},
    "lead": {"name": "张伟", "company": "上海华信科技有限公司"},
    "recipient": {"name": "张伟", "company": "上海华信科技有限公司"},
    "owner": {"name": "李爱丽", "mobile": "13812345678", "email": "alice@example.cn"},
    "campaign": {"name": "2026 上海工业博览会"},
    "unsubscribe_url": "https://crm.example.cn/m/u/0123456789abcdef0123456789/",
}
