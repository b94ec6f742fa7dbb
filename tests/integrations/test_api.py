"""The integrations' API with two business units: ``webhooks`` (+ test, deliveries, redeliver), ``mailboxes``
(+ test, sync) and ``emails`` (+ send), each answering every role as the UI does; outsiders get 404."""

from django.core import mail as django_mail
from django.test import Client

from guanxi.core.jobs import run_job
from guanxi.core.models import ParameterValue
from guanxi.integrations.mailboxes import services
from guanxi.integrations.mailboxes.models import Mailbox
from guanxi.integrations.mailboxes.sync import sync_one
from guanxi.integrations.webhooks.models import Delivery, Subscription
from tests.conftest import TwoUnits, client_for, grant

from .conftest import ALICE_MAIL, allow_private, connect, mail
from .mailserver import Imap, smtp_server
from .receiver import Receiver
from .test_mailboxes import huaxin


def post(client: Client, url: str, data: object = None) -> object:
    return client.post(url, data or {}, content_type="application/json")


def test_webhooks_answer_each_role_within_their_unit(two_units: TwoUnits, hook_receiver: Receiver) -> None:
    allow_private(two_units.unit)
    ada, ben, gina, alice = (client_for(u) for u in (two_units.ada, two_units.ben, two_units.gina, two_units.alice))
    made = post(ada, "/api/v1/webhooks/", {"name": "ERP", "url": hook_receiver.url, "events": ["customer.claimed"]})
    assert made.status_code == 201, made.content  # type: ignore[attr-defined]
    body = made.json()  # type: ignore[attr-defined]
    pk = body["id"]
    assert body["secret"].startswith("whsec_") and body["business_unit"] == two_units.unit.pk
    refused = post(ben, "/api/v1/webhooks/", {"name": "x", "url": "http://10.0.0.8/", "events": ["customer.created"]})
    assert refused.status_code == 400 and "url" in refused.json()  # type: ignore[attr-defined]
    assert ben.get(f"/api/v1/webhooks/{pk}/").status_code == 404
    assert ben.get("/api/v1/webhooks/").json()["count"] == 0
    assert post(ben, f"/api/v1/webhooks/{pk}/test/").status_code == 404  # type: ignore[attr-defined]
    assert gina.get("/api/v1/webhooks/").json()["count"] == 1
    assert alice.get("/api/v1/webhooks/").status_code == 403
    assert Client().get("/api/v1/webhooks/").status_code == 401
    stale = ada.patch(f"/api/v1/webhooks/{pk}/", {"active": False, "version": 99}, content_type="application/json")
    assert stale.status_code == 409
    assert post(ada, f"/api/v1/webhooks/{pk}/test/").status_code == 202  # type: ignore[attr-defined]
    run_job("webhooks_dispatch")
    run_job("webhooks_deliver")
    log = ada.get(f"/api/v1/webhooks/{pk}/deliveries/").json()
    assert log["count"] == 1 and log["results"][0]["event_code"] == "webhook.ping"
    assert log["results"][0]["tries"][0]["status_code"] == 200
    delivery = log["results"][0]["id"]
    again = post(ada, f"/api/v1/webhooks/{pk}/redeliver/", {"delivery": delivery})
    assert again.status_code == 200, again.content  # type: ignore[attr-defined]
    run_job("webhooks_deliver")
    assert Delivery.objects.get(pk=delivery).attempts == 2 and len(hook_receiver.requests) == 2
    assert post(ben, f"/api/v1/webhooks/{pk}/redeliver/", {"delivery": delivery}).status_code == 404  # type: ignore[attr-defined]
    assert ada.delete(f"/api/v1/webhooks/{pk}/").status_code == 204
    assert not Subscription.objects.filter(pk=pk).exists()


def test_a_mailbox_is_its_owners_alone_and_a_customers_mail_follows_the_customers_scope(
    two_units: TwoUnits, imap_server: Imap
) -> None:
    grant(two_units.bob, "sales_manager")
    grant(two_units.charlie, "salesperson")
    grant(two_units.bella, "salesperson")
    customer = huaxin(two_units)
    imap_server.deliver(ALICE_MAIL, mail("询价：数控机床"))
    alice, bob, charlie, bella = (
        client_for(u) for u in (two_units.alice, two_units.bob, two_units.charlie, two_units.bella)
    )
    made = post(alice, "/api/v1/mailboxes/", {
        "address": ALICE_MAIL, "password": "mail-Secret-9", "imap_host": "127.0.0.1", "imap_port": imap_server.port,
        "imap_security": "none", "smtp_host": "127.0.0.1", "smtp_port": 1, "smtp_security": "none",
    })  # fmt: skip
    assert made.status_code == 201, made.content  # type: ignore[attr-defined]
    pk = made.json()["id"]  # type: ignore[attr-defined]
    assert "password" not in made.json()  # type: ignore[attr-defined]
    assert bob.get(f"/api/v1/mailboxes/{pk}/").status_code == 404  # personal: not even her manager
    assert bob.get("/api/v1/mailboxes/").json()["count"] == 0
    assert post(bob, f"/api/v1/mailboxes/{pk}/sync/").status_code == 404  # type: ignore[attr-defined]
    assert post(alice, f"/api/v1/mailboxes/{pk}/sync/").status_code == 202  # type: ignore[attr-defined]
    sync_one(pk)
    tested = post(alice, f"/api/v1/mailboxes/{pk}/test/").json()  # type: ignore[attr-defined]
    assert tested["ok"] is False and "SMTP" in tested["error"]  # no SMTP server on port 1
    [mine] = alice.get("/api/v1/emails/").json()["results"]
    assert mine["subject"] == "询价：数控机床" and mine["customers"] == [customer.pk]
    assert bob.get("/api/v1/emails/").json()["count"] == 0  # not his mailbox…
    assert bob.get(f"/api/v1/emails/?customer={customer.pk}").json()["count"] == 1  # …but his team's customer
    assert bob.get(f"/api/v1/emails/{mine['id']}/").status_code == 200
    for outsider in (charlie, bella):
        assert outsider.get(f"/api/v1/emails/?customer={customer.pk}").status_code == 404
        assert outsider.get(f"/api/v1/emails/{mine['id']}/").status_code == 404
        assert outsider.get(f"/api/v1/emails/?contact={customer.contacts.get().pk}").status_code == 404
    assert Mailbox.objects.count() == 1


def test_sending_through_the_api(two_units: TwoUnits, imap_server: Imap) -> None:
    customer = huaxin(two_units)
    alice = client_for(two_units.alice)
    with smtp_server(ALICE_MAIL) as smtp:
        connect(two_units.alice, imap_server, smtp_port=smtp.port)
        bad = post(alice, "/api/v1/emails/send/", {"to": ["nobody"], "subject": "", "body": "x"})
        assert bad.status_code == 400 and "subject" in bad.json()  # type: ignore[attr-defined]
        sent = post(alice, "/api/v1/emails/send/", {
            "to": ["zhang@huaxin-tech.cn"], "subject": "资料", "body": "请查收。", "customer": customer.pk,
        })  # fmt: skip
        assert sent.status_code == 201, sent.content  # type: ignore[attr-defined]
        assert len(smtp.received) == 1
    assert sent.json()["customers"] == [customer.pk] and sent.json()["direction"] == "out"  # type: ignore[attr-defined]
    # Bella has no mailbox: through the company's server (the site's mail settings), until her unit says no
    other = client_for(two_units.bella)
    company = post(other, "/api/v1/emails/send/", {"to": ["a@b.cn"], "subject": "x", "body": "y"})
    assert company.status_code == 201 and company.json()["owner"] == two_units.bella.pk  # type: ignore[attr-defined]
    assert [message.to for message in django_mail.outbox] == [["a@b.cn"]]
    ParameterValue.objects.create(business_unit=two_units.unit_b, code=services.COMPANY_MAIL, value=False)
    refused = post(other, "/api/v1/emails/send/", {"to": ["a@b.cn"], "subject": "x", "body": "y"})
    assert refused.status_code == 400 and refused.json()["code"] == "no_mailbox"  # type: ignore[attr-defined]
