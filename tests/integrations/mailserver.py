"""Real local mail servers for the mailbox tests: Dovecot (IMAP, from Debian's ``dovecot-imapd``; ``make setup``
installs it) started with a throw-away configuration on a free port, and ``aiosmtpd`` (SMTP) in a thread.
Also a TCP relay that breaks the connection after so many bytes, to play a server closing mid-fetch."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "mail-Secret-9"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on port {port}")


@dataclass
class Imap:
    port: int
    users: list[str]
    root: Path

    def client(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(user, PASSWORD)
        return client

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message in a folder as a mail client would (IMAP APPEND)."""
        client = self.client(user)
        try:
            client.create(folder)  # an error when it exists already: ignored
            answer = client.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert answer[0] == "OK", answer
        finally:
            client.logout()

    def recreate(self, user: str, folder: str) -> None:
        """Delete and create the folder again: the server gives it a new UIDVALIDITY."""
        client = self.client(user)
        try:
            client.delete(folder)
            client.create(folder)
        finally:
            client.logout()

    def messages(self, user: str, folder: str) -> list[bytes]:
        client = self.client(user)
        try:
            client.select(folder, readonly=True)
            _, data = client.uid("SEARCH", "ALL")
            found = []
            for uid in data[0].split():
                _, parts = client.uid("FETCH", uid, "(RFC822)")
                found.append(parts[0][1])
            return found
        finally:
            client.logout()


def mail_ids() -> tuple[int, int]:
    """Dovecot never reads mail as root: as root, the mail belongs to Debian's ``dovecot`` user."""
    if os.getuid() != 0:
        return os.getuid(), os.getgid()
    user = pwd.getpwnam("dovecot")
    return user.pw_uid, user.pw_gid


def _config(root: Path, port: int) -> str:
    me = pwd.getpwuid(os.getuid())
    mail_uid, mail_gid = mail_ids()
    group = grp.getgrgid(os.getgid()).gr_name
    login_user = "dovenull" if os.getuid() == 0 else me.pw_name
    internal_user = "dovecot" if os.getuid() == 0 else me.pw_name
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 0
first_valid_gid = 0
default_internal_user = {internal_user}
default_internal_group = {group if os.getuid() != 0 else "dovecot"}
default_login_user = {login_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service auth {{
  user = {"root" if os.getuid() == 0 else me.pw_name}
}}
service auth-worker {{
  user = {"root" if os.getuid() == 0 else me.pw_name}
}}
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
}}
"""


@contextmanager
def dovecot(tmp: Path, users: list[str]) -> Iterator[Imap]:
    if not Path(DOVECOT).exists():
        raise RuntimeError("Dovecot is missing: run `make setup` (it installs dovecot-imapd)")
    # Its own directory, readable on the way down by the unprivileged mail user (a test's tmp_path is not).
    root = Path(tempfile.mkdtemp(prefix="gx-dovecot-", dir=tmp if os.getuid() != 0 else None))
    root.chmod(0o755)
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir(parents=True, exist_ok=True)
    mail_uid, mail_gid = mail_ids()
    for name in ("mail", "home"):
        os.chown(root / name, mail_uid, mail_gid)
    (root / "users").write_text("".join(f"{user}:{{PLAIN}}{PASSWORD}\n" for user in users))
    port = free_port()
    (root / "dovecot.conf").write_text(_config(root, port))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        try:
            _wait_for(port)
        except RuntimeError:
            process.kill()
            output = process.communicate()[0].decode(errors="replace")
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"Dovecot did not start: {output}\n{log}") from None
        yield Imap(port, users, root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Smtp:
    port: int
    received: list[Any] = field(default_factory=list)  # aiosmtpd Envelopes

    def messages(self) -> list[Any]:
        return [message_from_bytes(envelope.original_content) for envelope in self.received]


@contextmanager
def smtp_server(user: str) -> Iterator[Smtp]:
    """aiosmtpd with AUTH (PLAIN/LOGIN over the plain connection, as a local relay allows)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    port = free_port()
    box = Smtp(port)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.received.append(envelope)
            return "250 OK"

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == PASSWORD
        return AuthResult(success=ok, handled=False)

    controller = Controller(
        Handler(), hostname="127.0.0.1", port=port, authenticator=authenticate, auth_require_tls=False
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@contextmanager
def breaking_relay(target_port: int, after_bytes: int) -> Iterator[int]:
    """A TCP relay to ``target_port`` that closes both ends once the server has sent ``after_bytes``."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = int(listener.getsockname()[1])
    stop = threading.Event()

    def pipe(source: socket.socket, sink: socket.socket, budget: list[int] | None) -> None:
        try:
            while data := source.recv(65536):
                if budget is not None:
                    budget[0] -= len(data)
                    if budget[0] < 0:
                        sink.sendall(data[: len(data) + budget[0]])
                        break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            server = socket.create_connection(("127.0.0.1", target_port))
            threading.Thread(target=pipe, args=(client, server, None), daemon=True).start()
            threading.Thread(target=pipe, args=(server, client, [after_bytes]), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()
