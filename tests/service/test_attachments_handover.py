"""Files on tickets (checked by their content as well as their name, added by who handles the ticket, read
only by who may see it, none once it is archived), and a leaving agent's tickets."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guanxi.core.errors import DomainError, NotPermitted
from guanxi.service import services
from guanxi.service.models import TicketAttachment
from tests.conftest import client_for
from tests.service.conftest import Desk, open_ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
PDF = b"%PDF-1.4\n" + b"x" * 32


def photo(name: str = "现场照片.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def test_a_ticket_is_registered_with_its_photo_on_the_page(desk: Desk) -> None:
    client = client_for(desk.mei)
    response = client.post(
        reverse("service:create"),
        {"customer": desk.customer.pk, "type": "repair", "channel": "phone_in", "priority": "normal",
         "subject": "打印机卡纸", "attachments": [photo(), SimpleUploadedFile("报修单.pdf", PDF)]},
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    (first, second) = TicketAttachment.objects.order_by("pk")
    assert (first.name, first.content_type, second.content_type) == ("现场照片.png", "image/png", "application/pdf")
    page = client.get(response["Location"])
    assert "现场照片.png" in page.text and "报修单.pdf" in page.text
    shown = client.get(reverse("service:attachment", args=[first.pk]))
    content = b"".join(shown.streaming_content)  # type: ignore[attr-defined]
    assert shown["Content-Type"] == "image/png" and content == PNG
    assert "attachment" in client.get(reverse("service:attachment", args=[second.pk]))["Content-Disposition"]


def test_a_disguised_executable_is_refused_on_its_field_and_nothing_is_saved(desk: Desk) -> None:
    client = client_for(desk.mei)
    response = client.post(
        reverse("service:create"),
        {"customer": desk.customer.pk, "type": "repair", "channel": "phone_in", "priority": "normal",
         "subject": "打印机卡纸", "attachments": [SimpleUploadedFile("发票.pdf", b"MZ\x90\x00" + b"\0" * 60)]},
    )  # fmt: skip
    assert response.status_code == 200
    assert "文件内容与其类型不符" in str(response.context["form"].errors["attachments"])
    assert not desk.customer.tickets.exists() and not TicketAttachment.objects.exists()


def test_who_may_add_files_and_who_may_read_them(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam)
    (saved,) = services.ticket_attach(actor=desk.sam, ticket=ticket, files=[photo()])
    with pytest.raises(NotPermitted):  # another agent: not theirs to handle
        services.ticket_attach(actor=desk.tao, ticket=ticket, files=[photo()])
    with pytest.raises(DomainError) as empty:
        services.ticket_attach(actor=desk.sam, ticket=ticket, files=[photo(content=b"")])
    assert empty.value.code == "file_empty"
    url = reverse("service:attachment", args=[saved.pk])
    assert client_for(desk.sam).get(url).status_code == 200
    assert client_for(desk.tao).get(url).status_code == 404  # Beijing's agent does not see Shanghai's ticket
    assert client_for(desk.ben).get(url).status_code == 404  # another unit


def test_an_archived_ticket_takes_no_more_files(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=ticket, assignee=desk.sam)
    services.ticket_start(actor=desk.sam, ticket=ticket)
    services.ticket_resolve(actor=desk.sam, ticket=ticket, resolution="更换搓纸轮")
    services.ticket_archive(actor=desk.mei, ticket=ticket, note="客户未回访")
    with pytest.raises(DomainError) as refused:
        services.ticket_attach(actor=desk.mei, ticket=ticket, files=[photo()])
    assert refused.value.code == "ticket_archived"


def test_the_api_adds_files_by_multipart_and_lists_them_on_the_ticket(desk: Desk) -> None:
    ticket = open_ticket(desk.mei, desk.customer)
    client = client_for(desk.mei)
    answer = client.post(f"/api/v1/tickets/{ticket.pk}/attach/", {"files": [photo(), photo("二.png")]})
    assert answer.status_code == 201, answer.content
    assert [file["name"] for file in answer.json()["attachments"]] == ["现场照片.png", "二.png"]
    wrong = client.post(f"/api/v1/tickets/{ticket.pk}/attach/", {"files": [SimpleUploadedFile("a.exe", b"MZ")]})
    assert wrong.status_code == 400 and wrong.json()["code"] == "file_type"
    assert client_for(desk.ben).post(f"/api/v1/tickets/{ticket.pk}/attach/", {"files": [photo()]}).status_code == 404


def test_a_leaving_agents_tickets_in_work_go_to_the_successor_and_archived_ones_stay(desk: Desk) -> None:
    from guanxi.org.services import user_leave

    in_work = open_ticket(desk.mei, desk.customer)
    services.ticket_assign(actor=desk.mei, ticket=in_work, assignee=desk.sam)
    done = open_ticket(desk.mei, desk.customer, subject="已归档")
    services.ticket_assign(actor=desk.mei, ticket=done, assignee=desk.sam)
    services.ticket_start(actor=desk.sam, ticket=done)
    services.ticket_resolve(actor=desk.sam, ticket=done, resolution="已处理")
    services.ticket_archive(actor=desk.mei, ticket=done, note="客户联系不上")
    user_leave(actor=desk.root, user=desk.sam, successor=desk.tao)
    in_work.refresh_from_db()
    done.refresh_from_db()
    assert (in_work.assignee, done.assignee) == (desk.tao, desk.sam)
