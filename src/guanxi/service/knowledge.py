"""The knowledge base's writes and search (知识库, SPEC §9.4): categories and articles of a business unit,
their formatted text cleaned by ``nh3`` before it is stored, and a search that finds a Chinese fragment of
two characters as well as longer words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import nh3
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from guanxi.core.audit import Action, audit_log
from guanxi.core.errors import DomainError
from guanxi.core.paginator import CappedPaginator
from guanxi.core.permissions import require_perm
from guanxi.core.records import save_versioned
from guanxi.customers.selectors import HasBigram
from guanxi.org.models import User

from .models import Article, ArticleCategory, ArticleVote

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "blockquote",
    "a",
    "code",
    "pre",
}
_SPACES = re.compile(r"\s+")
MAX_TERMS = 5


def clean_body(html: str) -> str:
    """Only harmless formatting survives: no scripts, styles, event handlers or foreign frames."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}}, link_rel="noopener noreferrer")


def search_text(title: str, body: str) -> str:
    text = unicodedata.normalize("NFKC", f"{title} {strip_tags(body)}").lower()
    return _SPACES.sub(" ", text).strip()


def bigrams(text: str) -> str:
    """The distinct two-character pieces of the Chinese runs, space-separated (indexed as words)."""
    pieces: dict[str, None] = {}
    for run in re.findall(r"[^\x00-\x7f\s]{2,}", text):
        for index in range(len(run) - 1):
            pieces[run[index : index + 2]] = None
    return " ".join(pieces)


def _terms(query: str) -> list[str]:
    text = unicodedata.normalize("NFKC", query).lower()
    return [term for term in re.split(r"[\s,，。;；、!?！？'\"&|:()<>\\]+", text) if term][:MAX_TERMS]


def term_filter(term: str) -> Q:
    """One search word: a two-character Chinese word among the bigrams (full-text index on PostgreSQL), any
    other as a fragment of the text (trigram index there; a plain scan on SQLite)."""
    if len(term) == 2 and not term.isascii() and connection.vendor == "postgresql":
        return Q(HasBigram(F("search_bigrams"), term))
    return Q(search_text__contains=term)


def search(articles: QuerySet[Article], query: str) -> QuerySet[Article]:
    for term in _terms(query):
        articles = articles.filter(term_filter(term))
    return articles


class SearchPaginator(CappedPaginator):
    """Search answers are read from the top: counting past two hundred matches of a common word costs more
    than the page and tells the reader nothing ("more than 200")."""

    cap = 200


def _unit(actor: User) -> int:
    if actor.business_unit_id is None:
        raise DomainError(_("You need a business unit to keep a knowledge base."), code="no_unit")
    return actor.business_unit_id


def _clean(actor: User, data: Mapping[str, Any]) -> dict[str, Any]:
    title = (data.get("title") or "").strip()
    if not title:
        raise DomainError(_("Give the article a title."), field="title", code="required")
    body = clean_body(data.get("body") or "")
    if not strip_tags(body).strip():
        raise DomainError(_("Write the article's text."), field="body", code="required")
    category = data.get("category")
    if (
        not isinstance(category, ArticleCategory)
        or not ArticleCategory.objects.visible_to(actor)
        .filter(pk=category.pk, business_unit_id=actor.business_unit_id)
        .exists()
    ):
        raise DomainError(_("Choose a category of your unit."), field="category", code="invalid_choice")
    return {
        "title": title[:200],
        "body": body,
        "category": category,
        "is_public": bool(data.get("is_public")),
        "search_text": search_text(title, body),
        "search_bigrams": bigrams(search_text(title, body)),
    }


@transaction.atomic
def article_create(*, actor: User, data: Mapping[str, Any]) -> Article:
    require_perm(actor, "knowledge.create")
    values = _clean(actor, data)
    article = Article.objects.create(business_unit_id=_unit(actor), created_by=actor, **values)
    audit_log(actor=actor, action=Action.CREATE, obj=article, changes={"title": [None, article.title]})
    return article


@transaction.atomic
def article_update(*, actor: User, article: Article, version: int, data: Mapping[str, Any]) -> Article:
    require_perm(actor, "knowledge.edit")
    values = _clean(actor, data)
    before = {"title": article.title, "is_public": article.is_public}
    for name, value in values.items():
        setattr(article, name, value)
    save_versioned(article, expected_version=version, fields=list(values))
    changes = {name: [before[name], values[name]] for name in before if before[name] != values[name]}
    audit_log(actor=actor, action=Action.UPDATE, obj=article, changes=changes)
    return article


@transaction.atomic
def article_delete(*, actor: User, article: Article) -> None:
    require_perm(actor, "knowledge.delete")
    from django.utils import timezone

    Article.objects.filter(pk=article.pk).update(deleted_at=timezone.now())
    audit_log(actor=actor, action=Action.DELETE, obj=article)


@transaction.atomic
def article_vote(*, actor: User, article: Article, helpful: bool) -> Article:
    """ "Was this helpful?": one answer a reader; changing it moves the count from one side to the other."""
    require_perm(actor, "knowledge.view")
    previous = ArticleVote.objects.select_for_update().filter(article=article, user=actor).first()
    if previous is not None and previous.helpful == helpful:
        return article
    counts: dict[str, Any] = {
        "helpful_yes" if helpful else "helpful_no": F("helpful_yes" if helpful else "helpful_no") + 1
    }
    if previous is not None:
        side = "helpful_yes" if previous.helpful else "helpful_no"
        counts[side] = F(side) - 1
        previous.helpful = helpful
        previous.save(update_fields=["helpful"])
    else:
        ArticleVote.objects.create(article=article, user=actor, helpful=helpful)
    Article.all_objects.filter(pk=article.pk).update(**counts)
    article.refresh_from_db(fields=["helpful_yes", "helpful_no"])
    return article


@transaction.atomic
def category_create(*, actor: User, name: str, sort_order: int = 100) -> ArticleCategory:
    require_perm(actor, "knowledge.configure")
    name = name.strip()
    if not name:
        raise DomainError(_("Name the category."), field="name", code="required")
    unit = _unit(actor)
    if ArticleCategory.objects.filter(business_unit_id=unit, name=name).exists():
        raise DomainError(_("Your unit has a category of this name."), field="name", code="duplicate")
    category = ArticleCategory.objects.create(business_unit_id=unit, name=name[:60], sort_order=sort_order)
    audit_log(actor=actor, action=Action.CREATE, obj=category, changes={"name": [None, category.name]})
    return category


@transaction.atomic
def category_update(*, actor: User, category: ArticleCategory, name: str, sort_order: int) -> ArticleCategory:
    require_perm(actor, "knowledge.configure")
    name = name.strip()
    if not name:
        raise DomainError(_("Name the category."), field="name", code="required")
    if (
        ArticleCategory.objects.filter(business_unit_id=category.business_unit_id, name=name)
        .exclude(pk=category.pk)
        .exists()
    ):
        raise DomainError(_("Your unit has a category of this name."), field="name", code="duplicate")
    before = category.name
    category.name, category.sort_order = name[:60], sort_order
    category.save(update_fields=["name", "sort_order"])
    audit_log(actor=actor, action=Action.UPDATE, obj=category, changes={"name": [before, category.name]})
    return category
