"""Small fakes for the delivery unit tests: a stand-in sealer and a loopback inbox.

The two-node tests (test_delivery.py) use the real crypto and real nodes; these let the
worker's own logic (claims, retries, dead letters, error codes) be tested alone and fast.
"""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeCrypto:
    """``seal`` returns a readable token; ``verify_receipt`` accepts ``receipt.<id>.<status>``."""

    def __init__(self) -> None:
        self.sealed: list[dict[str, Any]] = []
        self.fail_seal = False

    def seal(
        self,
        *,
        peer: Any,
        message_id: Any,
        type: str,
        body: Any,
        now: Any = None,
        validate: bool = True,
        order: Any = None,
        signing: Any = None,
    ) -> str:
        if self.fail_seal:
            raise ValueError("no usable key (the test's refusal)")
        self.sealed.append({"peer": peer.pk, "message_id": str(message_id), "now": now})
        return f"sealed.{message_id}"

    def signing_key(self, peer: Any, type: str) -> tuple[str, Any]:
        """The worker looks its key up once per pass and hands it to ``seal``."""
        return "fake-kid", None

    def verify_receipt(self, *, peer: Any, token: str, message_id: Any) -> dict[str, Any]:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != "receipt" or parts[1] != str(message_id):
            raise ValueError("bad receipt")
        return {"jti": str(message_id), "status": parts[2]}


@dataclass
class Reply:
    status: int = 200
    body: str | None = None  # None: a receipt for the posted token
    receipt_status: str = "stored"
    delay: float = 0.0
    content_type: str = "application/jose"


@dataclass
class FakeInbox:
    """A loopback HTTP server standing in for a peer's inbox; replies as scripted."""

    url: str = ""
    replies: list[Reply] = field(default_factory=list)
    default: Reply = field(default_factory=Reply)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def next_reply(self) -> Reply:
        return self.replies.pop(0) if self.replies else self.default


@contextmanager
def fake_inbox() -> Iterator[FakeInbox]:
    inbox = FakeInbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            token = self.rfile.read(length).decode()
            inbox.requests.append(
                {
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "token": token,
                }
            )
            reply = inbox.next_reply()
            if reply.delay:
                time.sleep(reply.delay)
            if reply.body is None:
                message_id = token.removeprefix("sealed.")
                body = f"receipt.{message_id}.{reply.receipt_status}"
            else:
                body = reply.body
            data = body.encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    inbox.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield inbox
    finally:
        server.shutdown()
        server.server_close()


def rejection(status: int, code: str) -> Reply:
    body = json.dumps({"code": code, "message": "Personal Name Fictiva said no"})
    return Reply(status=status, body=body, content_type="application/json")


def fictional_peer(
    base_url: str, *, node_id: str = "node-ro", country: str = "RO", name: str = "Fictional node B"
) -> Any:
    """A confirmed peer of fictional country ``country`` at ``base_url``."""
    from opentrm.exchange.models import Peer, PeerStatus

    return Peer.objects.create(
        node_id=node_id,
        country_code=country,
        name=name,
        base_url=base_url,
        fingerprint="AAAA / BBBB",
        status=PeerStatus.ACTIVE,
    )
