"""Serve one OpenTRM node with a plain WSGI server: ``python serve.py PORT``.

The two-node tests and the exchange benchmark start each node with this, as a separate
process configured by its environment (OPENTRM_HOME, DATABASE_URL, OPENTRM_NODE_ID, ...).
Requests are handled by a fixed pool of threads, so each thread keeps its database connection
between requests (``DB_CONN_MAX_AGE``), as a production WSGI server's workers do.
"""

import os
import socket
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

THREADS = 8


class PooledWSGIServer(WSGIServer):
    request_queue_size = 64
    pool = ThreadPoolExecutor(max_workers=THREADS)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.pool.submit(self._handle, request, client_address)

    def _handle(self, request: socket.socket, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    port = int(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opentrm.config.settings")
    from opentrm.config.wsgi import application

    server = make_server(
        "127.0.0.1", port, application, server_class=PooledWSGIServer, handler_class=QuietHandler
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
