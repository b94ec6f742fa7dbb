"""A fake PBX on a real local socket: it takes click-to-call requests as a PBX's HTTP interface would,
remembers them, and answers with its id of the call (or with the status a test sets)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakePbx:
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    answered: int = 0


@contextmanager
def fake_pbx() -> Iterator[FakePbx]:
    pbx = FakePbx()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            pbx.requests.append({"path": self.path, "authorization": self.headers.get("Authorization"), **body})
            pbx.answered += 1
            answer = json.dumps({"call_id": f"pbx-{pbx.answered}"}).encode()
            self.send_response(pbx.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    pbx.url = f"http://127.0.0.1:{server.server_address[1]}/api/dial"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield pbx
    finally:
        server.shutdown()
        server.server_close()
