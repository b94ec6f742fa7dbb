"""A salesperson connects their mailbox (a real local Dovecot and SMTP server), finds a customer's mail on its
360 page and replies from the CRM; a unit administrator sets up a webhook. Both pages fit a phone."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from guanxi.integrations.mailboxes.models import Email
from tests.conftest import TwoUnits
from tests.e2e.test_shell import sign_in
from tests.integrations.conftest import ALICE_MAIL, allow_private, mail
from tests.integrations.mailserver import PASSWORD, dovecot, smtp_server
from tests.integrations.test_mailboxes import huaxin

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("GUANXI_SCREENSHOTS", "/tmp"))


def test_a_salesperson_connects_a_mailbox_sees_a_customers_mail_and_replies(
    live_server: object, page: Page, tmp_path: Path
) -> None:
    world = TwoUnits()
    customer = huaxin(world)
    base = str(live_server)
    with dovecot(tmp_path, [ALICE_MAIL]) as imap, smtp_server(ALICE_MAIL) as smtp:
        imap.deliver(ALICE_MAIL, mail("询价：数控车床三台", message_id="<ask@huaxin-tech.cn>"))
        sign_in(page, base, "alice")
        page.goto(f"{base}/integrations/mailbox/")
        page.get_by_label("邮箱地址").fill(ALICE_MAIL)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_label("IMAP 服务器").fill("127.0.0.1")
        page.get_by_label("IMAP 端口").fill(str(imap.port))
        page.get_by_label("IMAP 加密方式").select_option("none")
        page.get_by_label("SMTP 服务器").fill("127.0.0.1")
        page.get_by_label("SMTP 端口").fill(str(smtp.port))
        page.get_by_label("SMTP 加密方式").select_option("none")
        page.get_by_role("button", name="连接").click()
        expect(page.get_by_text("邮箱已保存，正在同步。")).to_be_visible()
        expect(page.get_by_test_id("mail-list")).to_contain_text("询价：数控车床三台")  # the first sync ran

        page.goto(f"{base}/customers/{customer.pk}/?tab=mail")
        expect(page.get_by_test_id("customer-mail")).to_contain_text("询价：数控车床三台")
        page.get_by_role("link", name="询价：数控车床三台").click()
        page.get_by_test_id("reply").click()
        expect(page.get_by_label("主题")).to_have_value("Re: 询价：数控车床三台")
        page.get_by_label("文本").fill("张总您好，报价下午发您。")
        page.get_by_test_id("send").click()
        expect(page.get_by_text("已发送。")).to_be_visible()
        [message] = smtp.messages()
        assert message["In-Reply-To"] == "<ask@huaxin-tech.cn>"
        assert len(imap.messages(ALICE_MAIL, "Sent")) == 1
    assert Email.objects.filter(direction="out", thread_key="<ask@huaxin-tech.cn>").count() == 1
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{base}/integrations/mailbox/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=SHOTS / "gx-integrations-mailbox-375.png", full_page=True)


def test_a_unit_admin_adds_a_webhook_on_a_phone(live_server: object, page: Page) -> None:
    world = TwoUnits()
    allow_private(world.unit)
    base = str(live_server)
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, base, "ada")
    page.goto(f"{base}/integrations/webhooks/new/")
    page.get_by_label("名称").fill("ERP 同步")
    page.get_by_label("URL").fill("http://10.0.0.8/hook")
    page.get_by_label("合同已签订").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("webhook-secret")).to_contain_text("whsec_")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=SHOTS / "gx-integrations-webhook-375.png", full_page=True)
