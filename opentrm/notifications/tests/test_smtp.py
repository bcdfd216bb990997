"""The immediate-danger e-mail through a real SMTP server (aiosmtpd on a free local port)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.test import override_settings

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.referrals.tests.test_requests import NAME, adult_case, focal_point, sent_request


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """The SMTP server's handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.arrived = threading.Event()
        self.first_at = 0.0

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.envelopes.append(envelope)
        if not self.arrived.is_set():
            self.first_at = time.monotonic()
            self.arrived.set()
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(handler: Inbox) -> Iterator[None]:
    """A real SMTP server on a free local port, and the settings that send through it."""
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_TIMEOUT=5,
        ):
            yield
    finally:
        controller.stop()


def test_the_immediate_danger_email_arrives_within_seconds_of_the_step(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    inbox = Inbox()
    with smtp_server(inbox):
        focal_point(world)
        case = adult_case(world)
        with django_capture_on_commit_callbacks() as on_commit:
            sent_request(world, case, kind="immediate_danger")
        committed = time.monotonic()  # the step's transaction ends here
        for callback in on_commit:
            callback()
        assert inbox.arrived.wait(timeout=5), "no e-mail reached the SMTP server"
        elapsed = inbox.first_at - committed
    assert 0 < elapsed < 2  # seconds from the commit of the step to the SMTP server
    recipients = {address for envelope in inbox.envelopes for address in envelope.rcpt_tos}
    responders = (
        Role.CASE_MANAGER,
        Role.CASEWORKER,
        Role.POLICE_INVESTIGATOR,
        Role.PROSECUTOR,
        Role.GUARDIAN,
    )
    assert recipients == {world.user(role, org="b").email for role in responders}
    for envelope in inbox.envelopes:
        message = message_from_bytes(envelope.original_content or b"")
        payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        body = payload.decode()
        assert NAME not in body
        assert "/notifications/" in body
        assert "Immediate-danger alert" in message["Subject"]
