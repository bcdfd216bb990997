"""Serve one OpenTRM node with a plain WSGI server: ``python serve.py PORT``.

The two-node tests and the exchange benchmark start each node with this, as a separate
process configured by its environment (OPENTRM_HOME, DATABASE_URL, OPENTRM_NODE_ID, ...).
Requests are handled by a fixed pool of threads, so each thread keeps its database connection
between requests (``DB_CONN_MAX_AGE``), as a production WSGI server's workers do.

With ``OPENTRM_PROFILE_FILE`` set (the exchange benchmark's ``--profile``), every request is
run under cProfile and the merged statistics are written to that file when the server is
stopped (SIGTERM).
"""

import cProfile
import os
import pstats
import signal
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

THREADS = 8
PROFILE_FILE = os.environ.get("OPENTRM_PROFILE_FILE", "")
_profiles: list[cProfile.Profile] = []
_local = threading.local()


def _profile() -> cProfile.Profile:
    """This thread's profiler (one per pool thread, merged when the server stops)."""
    profile = getattr(_local, "profile", None)
    if profile is None:
        profile = _local.profile = cProfile.Profile(time.thread_time)
        _profiles.append(profile)
    return profile


def _dump_profiles(signum: int, frame: Any) -> None:
    if _profiles:
        stats = pstats.Stats(_profiles[0])
        for profile in _profiles[1:]:
            stats.add(profile)
        stats.dump_stats(PROFILE_FILE)
    sys.exit(0)


class PooledWSGIServer(WSGIServer):
    request_queue_size = 64
    pool = ThreadPoolExecutor(max_workers=THREADS)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.pool.submit(self._handle, request, client_address)

    def _handle(self, request: socket.socket, client_address: Any) -> None:
        profile = _profile() if PROFILE_FILE else None
        try:
            if profile is not None:
                profile.enable()
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            if profile is not None:
                profile.disable()
            self.shutdown_request(request)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    port = int(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opentrm.config.settings")
    from opentrm.config.wsgi import application

    if PROFILE_FILE:
        signal.signal(signal.SIGTERM, _dump_profiles)

    server = make_server(
        "127.0.0.1", port, application, server_class=PooledWSGIServer, handler_class=QuietHandler
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
