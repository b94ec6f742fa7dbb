"""Talking to the user's mail servers: IMAP through ``imap-tools``, SMTP through the standard library (the
company's server through Django's mail settings). Every failure of the server or the network becomes a
``TransportError`` with a message a person can act on."""

from __future__ import annotations

import imaplib
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _
from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags
from imap_tools.errors import ImapToolsError, MailboxLoginError

from .models import Mailbox, Security
from .secrets import UnreadablePassword, decrypt

TIMEOUT = 30


class TransportError(Exception):
    """The server is down, closed the connection, or answered with an error."""


class AuthenticationFailed(TransportError):
    """The server refused the user name or password."""


def _context() -> ssl.SSLContext:
    return ssl.create_default_context()


def _password(mailbox: Mailbox) -> str:
    try:
        return decrypt(mailbox.password_encrypted)
    except UnreadablePassword as error:
        raise AuthenticationFailed(
            _("The stored password cannot be read (the key changed); enter it again.")
        ) from error


@contextmanager
def imap(mailbox: Mailbox) -> Iterator[BaseMailBox]:
    """A logged-in IMAP session; always logged out, whatever happens inside."""
    client: BaseMailBox
    try:
        if mailbox.imap_security == Security.SSL:
            client = MailBox(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT, ssl_context=_context())
        elif mailbox.imap_security == Security.STARTTLS:
            client = MailBoxStartTls(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT, ssl_context=_context())
        else:
            client = MailBoxUnencrypted(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT)
    except (OSError, imaplib.IMAP4.error, ImapToolsError) as error:
        raise TransportError(
            _("Cannot reach %(host)s: %(error)s") % {"host": mailbox.imap_host, "error": error}
        ) from error
    try:
        try:
            client.login(mailbox.username, _password(mailbox), initial_folder=None)
        except MailboxLoginError as error:
            raise AuthenticationFailed(_("The IMAP server refused the user name or password.")) from error
        except (OSError, imaplib.IMAP4.error, ImapToolsError) as error:
            raise TransportError(_("IMAP error: %(error)s") % {"error": error}) from error
        try:
            yield client
        except (OSError, EOFError, imaplib.IMAP4.abort, imaplib.IMAP4.error, ImapToolsError) as error:
            raise TransportError(
                _("The IMAP server broke off: %(error)s") % {"error": error or type(error).__name__}
            ) from error
    finally:
        with suppress(Exception):
            client.logout()


def smtp_send(mailbox: Mailbox, raw: bytes, recipients: list[str]) -> None:
    try:
        server: smtplib.SMTP
        if mailbox.smtp_security == Security.SSL:
            server = smtplib.SMTP_SSL(mailbox.smtp_host, mailbox.smtp_port, timeout=TIMEOUT, context=_context())
        else:
            server = smtplib.SMTP(mailbox.smtp_host, mailbox.smtp_port, timeout=TIMEOUT)
        with server:
            server.ehlo()
            if mailbox.smtp_security == Security.STARTTLS:
                server.starttls(context=_context())
                server.ehlo()
            if server.has_extn("auth"):
                server.login(mailbox.username, _password(mailbox))
            server.sendmail(mailbox.address, recipients, raw)
    except smtplib.SMTPAuthenticationError as error:
        raise AuthenticationFailed(_("The SMTP server refused the user name or password.")) from error
    except (OSError, smtplib.SMTPException) as error:
        raise TransportError(_("SMTP error: %(error)s") % {"error": error}) from error


def company_send(message: EmailMessage) -> None:
    """Through the company's server: the site's mail settings (``EMAIL_HOST`` …), as notifications go."""
    try:
        get_connection(fail_silently=False).send_messages([message])
    except (OSError, smtplib.SMTPException) as error:
        raise TransportError(_("SMTP error: %(error)s") % {"error": error}) from error


def append_sent(mailbox: Mailbox, raw: bytes) -> None:
    """A copy in the sent folder, as mail clients do."""
    with imap(mailbox) as client:
        client.append(raw, mailbox.sent_folder, flag_set=[MailMessageFlags.SEEN])


def check(mailbox: Mailbox) -> None:
    """Log in to both servers (the mailbox page's test); raises TransportError saying what failed."""
    with imap(mailbox) as client:
        client.folder.status(mailbox.inbox_folder)
    try:
        if mailbox.smtp_security == Security.SSL:
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                mailbox.smtp_host, mailbox.smtp_port, timeout=TIMEOUT, context=_context()
            )
        else:
            server = smtplib.SMTP(mailbox.smtp_host, mailbox.smtp_port, timeout=TIMEOUT)
        with server:
            server.ehlo()
            if mailbox.smtp_security == Security.STARTTLS:
                server.starttls(context=_context())
                server.ehlo()
            if server.has_extn("auth"):
                server.login(mailbox.username, _password(mailbox))
    except smtplib.SMTPAuthenticationError as error:
        raise AuthenticationFailed(_("The SMTP server refused the user name or password.")) from error
    except (TimeoutError, OSError, smtplib.SMTPException) as error:
        raise TransportError(_("SMTP error: %(error)s") % {"error": error}) from error
