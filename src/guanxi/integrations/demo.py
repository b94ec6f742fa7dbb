"""The integrations in the demo company: sales1's mailbox with mail exchanged with two customers' contacts
(stored messages: no mail server is needed to show them), and the industrial unit's webhook to an ERP with a
delivery log, delivered for real to a receiver running only while the demo loads."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from guanxi.core.config.parameters import parameters_set
from guanxi.core.jobs import run_job
from guanxi.core.models import OutboxEvent
from guanxi.customers.models import Contact, Customer
from guanxi.customers.services import contact_save
from guanxi.org.models import BusinessUnit, User

from .mailboxes import secrets
from .mailboxes.models import Mailbox, MailboxState
from .mailboxes.parsing import parse
from .mailboxes.services import Account, _store, template_create
from .webhooks import services as webhooks
from .webhooks.addresses import ALLOW_PRIVATE
from .webhooks.models import Subscription

ADDRESS = "sales1@huaxin-group.com.cn"
# (days ago, hour, from the contact (True) or to them, subject, text, attachment name)
THREAD = [
    (
        40,
        10,
        True,
        "询价：数控车床 CK6150 三台",
        "王工您好：\n我司计划采购数控车床三台，请报价并注明交期。\n谢谢！",
        None,
    ),
    (
        39,
        15,
        False,
        "回复：询价：数控车床 CK6150 三台",
        "您好，附件为报价单，含税价及交期已注明。如有疑问随时联系。",
        "报价单-CK6150.txt",
    ),
    (33, 9, True, "回复：询价：数控车床 CK6150 三台", "报价收到。能否在单价上再优惠 3%？我们下周内部评审。", None),
    (31, 11, False, "回复：询价：数控车床 CK6150 三台", "经申请可优惠 2%，并赠送一年保养。请确认。", None),
]
OTHER = [
    (20, 14, True, "设备验收安排", "下周二上午可安排验收，请贵司工程师到场。", None),
    (19, 10, False, "回复：设备验收安排", "好的，周二上午九点到厂，带验收单两份。", None),
]


def _at(days: int, hour: int) -> datetime:
    day = timezone.localdate() - timedelta(days=days)
    while day.weekday() >= 5:  # working days
        day -= timedelta(days=1)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 17))


def _messages(contact: Contact, rows: list[Any], domain: str) -> list[bytes]:
    found: list[bytes] = []
    previous: list[str] = []
    for days, hour, incoming, subject, text, attachment in rows:
        message = EmailMessage()
        message["From"] = f"{contact.name} <{contact.email}>" if incoming else f"王磊 <{ADDRESS}>"
        message["To"] = ADDRESS if incoming else f"{contact.name} <{contact.email}>"
        message["Subject"] = subject
        message["Date"] = format_datetime(_at(days, hour))
        message["Message-ID"] = make_msgid(domain=domain if incoming else "huaxin-group.com.cn")
        if previous:
            message["In-Reply-To"] = previous[-1]
            message["References"] = " ".join(previous)
        message.set_content(text)
        if attachment:
            message.add_attachment(
                "型号 CK6150 × 3，单价 ¥268,000，含税，交期 45 天。".encode(),
                maintype="text", subtype="plain", filename=attachment,
            )  # fmt: skip
        previous.append(str(message["Message-ID"]))
        found.append(message.as_bytes())
    return found


def _mail(out: TextIO, person: User) -> None:
    customers = list(Customer.objects.filter(owner=person, deleted_at__isnull=True).order_by("pk")[:2])
    if len(customers) < 2:
        out.write("Demo mail: sales1 has too few customers, skipped.\n")
        return
    mailbox = Mailbox.objects.create(
        owner=person, business_unit_id=person.business_unit_id or 0, created_by=person, address=ADDRESS,
        display_name=str(person.display_name), username=ADDRESS, password_encrypted=secrets.encrypt("demo-only"),
        imap_host="imap.huaxin-group.com.cn", smtp_host="smtp.huaxin-group.com.cn", state=MailboxState.OK,
        last_sync_at=timezone.now() - timedelta(minutes=3), next_sync_at=None,
    )  # fmt: skip
    Mailbox.objects.filter(pk=mailbox.pk).update(created_at=_at(45, 9))
    mailbox.refresh_from_db()
    threads: list[list[Any]] = [THREAD, OTHER]
    for n, (customer, rows) in enumerate(zip(customers, threads, strict=True)):
        contact = customer.contacts.order_by("-is_primary", "pk").first()
        if contact is None:
            continue
        domain = f"client{customer.pk}.com.cn"
        if not contact.email:
            contact = contact_save(
                actor=person, customer=customer, contact=contact,
                data={"email": f"{'zhang' if n == 0 else 'li'}@{domain}"}, version=contact.version,
            )  # fmt: skip
        with transaction.atomic():
            parsed = [(None, parse(raw)) for raw in _messages(contact, rows, contact.email.rsplit("@", 1)[1])]
            _store(Account.of(mailbox), "INBOX", parsed, counts_from=mailbox.created_at)
    template_create(
        actor=person, name="报价跟进", subject="{customer} 报价跟进",
        body="{contact}您好：\n前几日发送的报价不知是否收到？如有任何问题请随时与我联系。\n\n{sender}",
    )  # fmt: skip
    out.write(f"Demo mail: {mailbox.emails.count()} messages of {ADDRESS} on {len(customers)} customers' timelines.\n")


class _Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _webhook(out: TextIO, unit: BusinessUnit, admin: User) -> None:
    run_job("webhooks_dispatch")  # the demo's earlier events: nobody listened yet
    parameters_set(actor=admin, unit=unit, values={ALLOW_PRIVATE: True})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        subscription = webhooks.webhook_create(
            actor=admin, unit=unit,
            data={"name": "ERP 订单同步", "url": f"http://127.0.0.1:{server.server_address[1]}/guanxi/events",
                  "events": ["customer.claimed", "opportunity.won", "contract.signed", "order.confirmed"]},
        )  # fmt: skip
        recent = list(
            OutboxEvent.objects.filter(business_unit=unit, event__in=subscription.events)
            .order_by("-pk")
            .values_list("pk", flat=True)[:6]
        )
        OutboxEvent.objects.filter(pk__in=recent).update(dispatched_at=None)
        webhooks.webhook_ping(actor=admin, subscription=subscription)
        run_job("webhooks_dispatch")
        run_job("webhooks_deliver")
    finally:
        server.shutdown()
        server.server_close()
    # Afterwards it points at an ERP receiver on this machine that is not running: new events retry there.
    subscription.refresh_from_db()
    webhooks.webhook_update(
        actor=admin, subscription=subscription, version=subscription.version,
        data={"url": "http://127.0.0.1:8765/guanxi/events"},
    )  # fmt: skip
    out.write(f"Demo webhook: {subscription.deliveries.count()} deliveries in its log.\n")


def load(out: TextIO) -> None:
    if Subscription.all_objects.exists() or Mailbox.all_objects.exists():
        out.write("Demo integrations: already there.\n")
        return
    person = User.objects.filter(username="sales1").first()
    admin = User.objects.filter(username="unitadmin").first() or User.objects.filter(username="admin").first()
    unit = BusinessUnit.objects.filter(code="industrial").first()
    if person is None or admin is None or unit is None:
        out.write("Demo integrations: the demo company is missing, skipped.\n")
        return
    _mail(out, person)
    _webhook(out, unit, admin)
