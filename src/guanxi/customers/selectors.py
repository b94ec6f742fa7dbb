"""Reads of customers and contacts, all starting from ``visible_to(actor)`` (SPEC §2.4, §2.5)."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Lookup, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast, Lower, Right
from django.db.models.lookups import Contains
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from guanxi.core.config.dictionary import shown_item_label
from guanxi.core.search import Hit
from guanxi.org.models import User

from . import hooks, keys
from .models import Contact, Customer, CustomerName
from .regions.services import region_path_label

# Scenes (场景): named, ready-made filters of the customer list.
SCENES = {
    "all": _("All I can see"),
    "mine": _("Mine"),
    "shared": _("Shared with me"),
    "key": _("My key customers"),
    "team": _("My subordinates'"),
    "today": _("Created today"),
    "week": _("Created this week"),
    "month": _("Created this month"),
    "recent": _("Updated in the last 30 days"),
    "followup_today": _("Following up today"),
    "overdue": _("Follow-up overdue"),
    "expiring": _("Returning to the pool within 7 days"),
}

# The filter bar's fields (besides the scene, the search box and custom fields).
FILTERS = [
    "status",
    "level",
    "industry",
    "source",
    "owner",
    "kind",
    "rating",
    "province",
    "tag",
    "created_from",
    "created_to",
]

ORDERINGS = {
    "updated": ("-updated_at", "-pk"),
    "created": ("-created_at", "-pk"),
    "name": ("name_pinyin", "pk"),
    "last_followup": ("-last_followup_at", "-pk"),
    "expiry": ("expires_at", "pk"),
}


def _day_start(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def scene_filter(actor: User, scene: str, now: datetime | None = None) -> Q:
    now = now or timezone.now()
    today = _day_start(now)
    match scene:
        case "mine":
            return Q(owner=actor)
        case "shared":
            return Q(shares__user=actor)
        case "key":
            return Q(stars__user=actor)
        case "team":
            return (Q(owner__manager=actor) | Q(owner__department__lead=actor)) & ~Q(owner=actor)
        case "today":
            return Q(created_at__gte=today)
        case "week":
            return Q(created_at__gte=today - timedelta(days=today.weekday()))
        case "month":
            return Q(created_at__gte=today.replace(day=1))
        case "recent":
            return Q(updated_at__gte=now - timedelta(days=30))
        case "followup_today":
            return Q(next_followup_at__gte=today, next_followup_at__lt=today + timedelta(days=1))
        case "overdue":
            return Q(next_followup_at__lt=now)
        case "expiring":
            return Q(expires_at__isnull=False, expires_at__lte=now + timedelta(days=7), owner__isnull=False)
    return Q()


def search_filter(query: str) -> Q:
    """One box (SPEC §2.5): a phone or its last four digits, an e-mail (the customer's or any contact's),
    pinyin or its initials ("zs" and "zhangsan" find 张三, and a contact's initials their customer), the
    number, a name fragment, or a contact's name."""
    text = query.strip()
    if not text:
        return Q()
    digits = re.sub(r"[\s\-+]", "", text)
    if digits.isdigit() and len(digits) >= 7:
        return Q(pk__in=_ids_with_phone(keys.normalise_phone_loose(text)))
    if re.fullmatch(r"[A-Za-z]{2}\d{6,}", text):
        return Q(number=text.upper())
    if "@" in text:
        address = text.lower()
        return named(_or_customers(Q(email=address), _customers_of_contacts(Q(email_lower=address))))
    key = keys.search_key(text)
    if re.fullmatch(r"[A-Za-z]+", text):
        # pinyin or its initials by prefix, or a Latin name fragment (trigram indexes); a contact's initials
        letters = text.lower()
        by_name = Q(name_initials__startswith=letters) | Q(name_pinyin__startswith=letters) | Q(name_key__contains=key)
        return named(_or_customers(by_name, _customers_of_contacts(Q(name_initials=letters))))
    by_name = name_fragment(key)
    by_contact = Q(name=text)
    if digits.isdigit() and len(digits) == 4:  # the last four digits of a phone, or digits in a name
        by_name |= Q(phone_tail=digits)
        by_contact |= Q(mobile_tail=digits) | Q(phone_tail=digits)
    return named(_or_customers(by_name, _customers_of_contacts(by_contact)))


def _customers_of_contacts(condition: Q) -> list[int]:
    """The customers of the contacts meeting the condition, each part answered by an index of the contacts
    (``Contact.Meta.indexes``), handed to the search keys' condition as ids."""
    contacts = Contact.objects.alias(
        email_lower=Lower("email"), mobile_tail=Right("mobile", 4), phone_tail=Right("phone", 4)
    )
    return list(contacts.filter(condition).values_list("customer_id", flat=True)[:MATCH_CAP])


def _or_customers(condition: Q, ids: list[int]) -> Q:
    return condition | Q(customer_id__in=ids) if ids else condition


def named(condition: Q) -> Q:
    """Customers whose search keys (``CustomerName``) meet the condition, as one ``id IN (…)``: the database
    answers it from the keys' indexes alone and joins the few matches to the customers (or, for a common
    fragment, stops at the first page of the customers in scope), where an OR across the two tables would
    test every customer in scope."""
    return Q(pk__in=CustomerName.objects.filter(condition).values("customer_id"))


def name_fragment(key: str) -> Q:
    """A condition on a customer's search keys: the name key contains this search key. Two Chinese characters
    are too few for the trigram index, so on PostgreSQL they are looked up among the name's bigrams in the
    full-text index — the same rows as ``contains``, as every two-character piece of the key is one of its
    bigrams."""
    if len(key) == 2 and not key.isascii() and connection.vendor == "postgresql":
        return Q(HasBigram(F("name_bigrams"), key))
    return Q(name_key__contains=key)


class HasBigram(Lookup):
    """``to_tsvector('simple', name_bigrams) @@ to_tsquery('simple', %s)``: exactly the index's expression, so
    the planner uses it. The bigram is a parameter, and ``search_key`` has removed every operator character."""

    lookup_name = "has_bigram"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"to_tsvector('simple', {lhs}) @@ to_tsquery('simple', {rhs})", [*lhs_params, *rhs_params]


MATCH_CAP = 1000


def _ids_with_phone(phone: str) -> list[int]:
    """Customers whose own phone or any contact's mobile or phone is this number, found with one indexed
    query each and handed to the list as ids (an OR across tables would scan every customer)."""
    ids = set(Customer.objects.filter(phone=phone).values_list("pk", flat=True)[:MATCH_CAP])
    for field in ("mobile", "phone"):
        ids |= set(Contact.objects.filter(**{field: phone}).values_list("customer_id", flat=True)[:MATCH_CAP])
    return sorted(ids)


def customer_list(
    *, actor: User, scene: str = "all", query: str = "", filters: dict[str, Any] | None = None, ordering: str = ""
) -> QuerySet[Customer]:
    customers = Customer.objects.visible_to(actor).select_related("owner")
    customers = customers.filter(scene_filter(actor, scene)) if scene in SCENES else customers
    if query:
        customers = customers.filter(search_filter(query))
    for name, value in (filters or {}).items():
        if value in (None, "", []):
            continue
        if name == "owner":
            customers = customers.filter(owner=value)
        elif name in {"status", "level", "industry", "source", "nature", "province", "city", "county", "kind"}:
            customers = customers.filter(**{name: value})
        elif name == "rating":
            customers = customers.filter(rating=value)
        elif name == "tag":
            if _json_contains_ok():
                customers = customers.filter(tags__contains=[value])
            else:  # SQLite: the quoted tag, encoded as the JSON column stores it
                customers = customers.filter(Contains(Cast("tags", TextField()), json.dumps(value)))
        elif name == "created_from":
            customers = customers.filter(created_at__date__gte=value)
        elif name == "created_to":
            customers = customers.filter(created_at__date__lte=value)
    from .facts import orderings  # what the apps above let the list sort by (retention's churn risk)

    chosen = ORDERINGS.get(ordering) or orderings().get(ordering) or ORDERINGS["updated"]
    return customers.order_by(*chosen)


def _json_contains_ok() -> bool:
    return bool(connection.features.supports_json_field_contains)


def pool_readable(actor: User, path: str = "pk") -> Q:
    """The scope rule's ``readable`` rows of customers (or, through ``path``, their contacts): a customer
    lying in a pool the actor sees opens to them, masked until claimed (SPEC §3.2). The pool app answers
    which (``hooks.Ownership.pooled``)."""
    return Q(**{f"{path}__in": hooks.ownership().pooled(actor).values("pk")})


def customer_for_detail(*, actor: User, pk: int) -> Customer:
    """A customer to open: within the actor's scope, or lying in a pool they see (its history shows, its
    contact details and the pool's hidden fields stay masked)."""
    from guanxi.core.scope import get_readable_or_404

    contacts = Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "name"))
    queryset = Customer.objects.select_related("owner", "referrer", "created_by", "pool", "locked_by")
    return get_readable_or_404(queryset.prefetch_related(contacts, "shares__user"), actor, pk=pk)


def search_customers(*, actor: User, query: str, limit: int) -> list[Hit]:
    rows = customer_list(actor=actor, query=query).only("pk", "name", "number", "owner__display_name")[:limit]
    return [
        Hit(row.name, f"{row.number} · {row.owner or _('Public pool')}", reverse("customers:detail", args=[row.pk]))
        for row in rows
    ]


OVERVIEW_FIELDS = [
    "industry", "product_line", "source", "nature", "revenue_band", "employee_band", "credit_rating", "satisfaction",
    "introducer", "website", "wechat", "qq", "weibo", "postcode", "fax", "licence_number",
    "legal_representative", "registered_capital", "bank", "bank_account", "tax_number",
]  # fmt: skip


def overview_rows(customer: Customer) -> list[tuple[str, Any]]:
    """(label, shown value) of the customer's fields for the 360 page; dictionary codes become their
    labels with one query for all of them."""
    from guanxi.core.models import DictionaryItem

    from .services import DICTIONARY_FIELDS

    wanted = Q()
    for field, type_code in DICTIONARY_FIELDS.items():
        if value := getattr(customer, field):
            wanted |= Q(type__code=type_code, code=value)
    labels = {}
    if wanted:
        labels = {
            (t, c): shown_item_label(t, c, label)
            for t, c, label in DictionaryItem.objects.filter(wanted).values_list("type__code", "code", "label")
        }
    hidden = hidden_fields(customer)  # a pool customer's fields the pool hides until claimed
    region = region_path_label(province=customer.province, city=customer.city, county=customer.county)
    rows: list[tuple[str, Any]] = [(str(_("Region")), "***" if hidden & {"province", "city", "county"} else region)]
    for name in OVERVIEW_FIELDS:
        value = getattr(customer, name)
        if name in DICTIONARY_FIELDS and value:
            value = labels.get((DICTIONARY_FIELDS[name], value), value)
        if name in hidden and value:
            value = "***"
        rows.append((str(Customer._meta.get_field(name).verbose_name), value))  # type: ignore[union-attr]
    if customer.referrer_id:
        rows.append((str(_("Referred by")), customer.referrer))
    return rows


# --- the owner fields, as the pool keeps them (pool.rules computes them) -------------------------------


def days_to_expiry(expires_at: datetime | None, now: datetime | None = None) -> int | None:
    """Whole days the owner has left (距到期天数): N on the day of the claim, 0 on the last day."""
    if expires_at is None:
        return None
    left = (expires_at - (now or timezone.now())) / timedelta(days=1)
    return max(math.ceil(left) - 1, 0)


def expiry_label(customer: Customer, now: datetime | None = None) -> str:
    """ "12 days", "locked", "exempt" or "" (in the pool): the days-to-expiry cell of lists and the 360 page."""
    if customer.owner_id is None:
        return ""
    if customer.locked_at is not None:
        return str(_("Locked"))
    days = days_to_expiry(customer.expires_at, now)
    if days is None:
        return str(_("Exempt"))
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


def hidden_fields(customer: Customer) -> set[str]:
    """The fields masked on this customer until it is claimed: contact details always, plus the pool's."""
    if customer.owner_id is not None or customer.pool_id is None:
        return set()
    assert customer.pool is not None
    return {"phone", "email", *customer.pool.hidden_fields}


def register() -> None:
    """The menu entry and the global search's provider."""
    from guanxi.core import navigation, search

    navigation.register(
        navigation.NavItem(_("Customers"), "customers:list", "building-store", 10, navigation.needs("customers.view"))
    )
    search.register(search.Provider(_("Customers"), search_customers))
