"""Integrations (SPEC §13.4, §13.5). Targets from the integrations issue: webhook delivery throughput ≥ 200 a
second to a local receiver with two workers (2,000 deliveries ≤ 10 s, dispatch included); matching one
message's addresses against the contacts (2 M at a million customers) ≤ 5 ms."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.db import connection
from django.utils import timezone

from guanxi.core.config.parameters import parameters_set
from guanxi.core.models import OutboxEvent
from guanxi.core.outbox import emit_many
from guanxi.customers.models import Contact, Customer
from guanxi.integrations.mailboxes.matching import matches
from guanxi.integrations.webhooks.addresses import ALLOW_PRIVATE
from guanxi.integrations.webhooks.delivery import deliver, dispatch
from guanxi.integrations.webhooks.models import Delivery, Subscription
from guanxi.integrations.webhooks.services import webhook_create
from guanxi.org.models import BusinessUnit

from .harness import NotBuilt, Picks, Probe, case

DELIVERIES = 2000
WORKERS = 2


class _Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    count = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with _Receiver.lock:
            _Receiver.count += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def _worker() -> None:
    try:
        deliver(timezone.now())
    finally:
        connection.close()


@case(
    f"{DELIVERIES:,} webhook deliveries to a local receiver ({WORKERS} workers)", target_ms=10_000, group="integrations"
)
def webhook_throughput(picks: Picks) -> Probe:
    admin = picks.admin
    unit = BusinessUnit.objects.get(pk=picks.salesperson.business_unit_id or 0)
    customers = list(Customer.objects.filter(business_unit=unit).order_by("pk")[:DELIVERIES])
    if len(customers) < DELIVERIES:
        raise NotBuilt(f"{DELIVERIES} customers in one unit")
    parameters_set(actor=admin, unit=unit, values={ALLOW_PRIVATE: True})

    def run(n: int) -> str | None:
        with receiver() as address:
            OutboxEvent.objects.filter(dispatched_at__isnull=True).update(dispatched_at=timezone.now())
            subscription = webhook_create(
                actor=admin, unit=unit, data={"name": f"bench {n}", "url": address, "events": ["customer.updated"]}
            )
            emit_many("customer.updated", customers, actor=admin, data={"fields": ["remarks"]})
            _Receiver.count = 0
            dispatch(timezone.now())
            threads = [threading.Thread(target=_worker) for _ in range(WORKERS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            delivered = Delivery.objects.filter(subscription=subscription, status="delivered").count()
            Subscription.all_objects.filter(pk=subscription.pk).delete()
            OutboxEvent.objects.filter(event="customer.updated", actor=admin).delete()
        if delivered != DELIVERIES or _Receiver.count != DELIVERIES:
            return f"{delivered} delivered, {_Receiver.count} received of {DELIVERIES}"
        return None

    return Probe(admin, "", run=run, repeat=3)


@cache
def _addresses() -> list[list[str]]:
    rows = list(
        Contact.objects.exclude(email="").order_by("pk").values_list("email", "customer__business_unit_id")[:200]
    )
    if not rows:
        raise NotBuilt("contacts with e-mail addresses")
    return [[email.upper(), "someone@elsewhere.example", "sales@huaxin.example.cn"] for email, _ in rows]


@case("match one message's addresses to contacts and customers", target_ms=5, group="integrations")
def mail_matching(picks: Picks) -> Probe:
    unit_id = picks.salesperson.business_unit_id or 0
    batches = _addresses()

    def run(n: int) -> str | None:
        found = matches(batches[n % len(batches)], unit_id=unit_id, own=["sales@huaxin.example.cn"])
        return None if isinstance(found, list) else "no answer"

    return Probe(picks.salesperson, "", run=run)
