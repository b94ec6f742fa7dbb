"""A real SMTP server (aiosmtpd) on a chosen port, started and stopped by the test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from typing import Any

from tests.integrations.mailserver import Smtp


@contextmanager
def smtp_on(port: int) -> Iterator[Smtp]:
    from aiosmtpd.controller import Controller

    box = Smtp(port)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.received.append(envelope)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def parsed(box: Smtp) -> list[Any]:
    return [message_from_bytes(envelope.original_content) for envelope in box.received]
