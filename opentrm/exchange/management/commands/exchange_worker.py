"""``opentrm exchange_worker``: send the outbox to the peers (see docs/exchange.md, Delivery),
and try again the received packages whose handler failed (``processing``)."""

import logging
import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections

from opentrm.exchange.services.delivery import deliver_due
from opentrm.exchange.services.directory_sync import publish_due
from opentrm.exchange.services.processing import process_due

logger = logging.getLogger("opentrm.exchange")


class Command(BaseCommand):
    help = (
        "Send the queued exchange packages to the peer nodes and record their receipts, and "
        "hand received packages whose handling failed to their handlers again. "
        "With --once, one pass (for cron); otherwise a loop every --interval seconds, as a "
        "service, that stops cleanly on SIGTERM or Ctrl+C after the pass in progress."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="Seconds between passes when nothing was due (default 5).",
        )
        parser.add_argument(
            "--limit", type=int, default=100, help="At most this many packages per pass."
        )
        parser.add_argument("--threads", type=int, default=None, help="Parallel posts (default 4).")

    def handle(self, *args: Any, **options: Any) -> None:
        limit, threads = options["limit"], options["threads"]
        if options["once"]:
            publish_due()
            summary = deliver_due(limit=limit, threads=threads)
            self.stdout.write(f"Exchange: {summary}.")
            received = process_due(limit=limit)
            if received.picked:
                self.stdout.write(f"Exchange: {received}.")
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.loop(stop, limit=limit, threads=threads, interval=options["interval"])

    def loop(
        self, stop: threading.Event, *, limit: int, threads: int | None, interval: float
    ) -> None:
        """Pass after pass until ``stop`` is set (by SIGTERM or SIGINT); a pass in progress
        finishes first, so no claimed package is left half recorded."""
        self.stdout.write(f"Exchange worker: a pass every {interval:g} s.")
        self.stdout.flush()
        while not stop.is_set():
            close_old_connections()
            try:
                publish_due()  # directory packages first: they go out in this same pass
                summary = deliver_due(limit=limit, threads=threads)
                received = process_due(limit=limit)
            except DatabaseError as error:  # the database is away: wait and try again
                logger.error("exchange worker: database error %s", type(error).__name__)
                stop.wait(interval)
                continue
            for line in (summary, received):
                if line.picked:
                    self.stdout.write(f"Exchange: {line}.")
                    self.stdout.flush()
            # a full pass means more may be due right away
            if summary.picked < limit and received.picked < limit:
                stop.wait(interval)
        self.stdout.write("Exchange worker stopped.")
