"""Which customers and contacts a message is about (SPEC §13.4): every address in From, To and Cc against
the contacts' e-mail (an index on ``lower(email)``) and the customers' own (``CustomerName.email``), within
the mailbox's business unit; and, when the unit's parameter allows, the company's domain."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db.models import BigIntegerField, Q, Value
from django.db.models.functions import Lower

from guanxi.core.config.parameters import parameter_value
from guanxi.customers.models import Contact, Customer, CustomerName

MATCH_DOMAIN = "integrations.mail_match_domain"
# Domains of public mail services: a shared domain says nothing about the company.
PUBLIC_DOMAINS = frozenset({
    "qq.com", "vip.qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "vip.163.com", "sina.com", "sina.cn",
    "sohu.com", "aliyun.com", "139.com", "189.cn", "wo.cn", "gmail.com", "outlook.com", "hotmail.com", "live.com",
    "yahoo.com", "icloud.com", "me.com", "msn.com", "proton.me", "protonmail.com",
})  # fmt: skip
MAX_DOMAIN_MATCHES = 20


def matches(addresses: Iterable[str], *, unit_id: int, own: Iterable[str] = ()) -> list[tuple[int, int | None]]:
    """(customer id, contact id or None) for each match, contacts first; ``own`` (the mailbox's addresses)
    never match."""
    return matches_many([addresses], unit_id=unit_id, own=own)[0]


def matches_many(
    messages: Sequence[Iterable[str]], *, unit_id: int, own: Iterable[str] = ()
) -> list[list[tuple[int, int | None]]]:
    """``matches`` for each of a batch of messages' addresses, in one round trip for the whole batch (and one
    query per company domain, when the unit matches domains)."""
    own_addresses = {address.lower() for address in own}
    wanted = [sorted({address.lower() for address in addresses} - own_addresses) for addresses in messages]
    every = sorted({address for addresses in wanted for address in addresses})
    if not every:
        return [[] for _ in wanted]
    contacts = (
        Contact.objects.annotate(address=Lower("email"))
        .filter(address__in=every, customer__business_unit_id=unit_id, customer__deleted_at__isnull=True)
        .order_by()  # a compound query takes no ORDER BY in its parts (SQLite refuses it)
        .values_list("address", "customer_id", "pk")
    )
    customers = (
        CustomerName.objects.filter(
            email__in=every, customer__business_unit_id=unit_id, customer__deleted_at__isnull=True
        )
        .annotate(contact=Value(None, output_field=BigIntegerField()))
        .order_by()
        .values_list("email", "customer_id", "contact")
    )
    # one round trip for both lookups: each answers from its index in well under a millisecond
    by_address: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    for address, customer, contact in contacts.union(customers, all=True):
        by_address[address.lower()].append((customer, contact))
    own_domains = {address.rsplit("@", 1)[1] for address in own_addresses if "@" in address}
    by_domain: dict[str, list[int]] = {}
    domains_matched: bool | None = None
    answers = []
    for addresses in wanted:
        both = [row for address in addresses for row in by_address.get(address, ())]
        found: dict[tuple[int, int | None], None] = {row: None for row in both if row[1] is not None}
        matched = {customer_id for customer_id, _ in found}
        for customer_id, contact_id in both:
            if contact_id is None and customer_id not in matched:
                found[(customer_id, None)] = None
                matched.add(customer_id)
        domains = {address.rsplit("@", 1)[1] for address in addresses if "@" in address} - PUBLIC_DOMAINS - own_domains
        if domains and domains_matched is None:
            domains_matched = bool(parameter_value(MATCH_DOMAIN, unit=unit_id))
        for domain in sorted(domains) if domains_matched else ():
            if domain not in by_domain:
                by_domain[domain] = list(
                    Customer.objects.filter(
                        Q(search__email__endswith=f"@{domain}") | Q(website__icontains=domain), business_unit_id=unit_id
                    ).values_list("pk", flat=True)[:MAX_DOMAIN_MATCHES]
                )
            for customer_id in by_domain[domain]:
                if customer_id not in matched:
                    found[(customer_id, None)] = None
                    matched.add(customer_id)
        answers.append(list(found))
    return answers
