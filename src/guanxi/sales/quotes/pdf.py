"""A quote as a PDF (WeasyPrint): the printable page's sheet with the Chinese fonts Debian ships
(``fonts-noto-cjk``), so the text stays text (selectable and searchable), not pictures of glyphs."""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language

from guanxi.org.company import letterhead_of

from .models import Quote


def sheet_context(quote: Quote) -> dict[str, Any]:
    """What the quote sheet prints (the page and the PDF alike): the quote, its lines, the unit's letterhead."""
    lines = quote.lines.select_related("product")
    return {"quote": quote, "lines": lines, "company": letterhead_of(quote.business_unit)}


def quote_pdf(quote: Quote) -> bytes:
    from weasyprint import CSS, HTML  # heavy: loaded on the first PDF, not at start-up

    html = render_to_string("sales/quotes/sheet.html", {**sheet_context(quote), "LANGUAGE_CODE": get_language()})
    stylesheet = finders.find("guanxi/quote.css")
    document = HTML(string=f"<!doctype html><html><body>{html}</body></html>")
    return bytes(document.write_pdf(stylesheets=[CSS(filename=str(stylesheet))]))


def quote_pdf_response(quote: Quote, request: Any = None) -> HttpResponse:
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote.number}.pdf"'
    return response
