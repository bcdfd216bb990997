"""``opentrm serve``: the node behind its TLS reverse proxy, on gunicorn (docs/deployment.md).

- workers: ``2 x CPUs + 1`` sync workers by default (``--workers``), each with
  ``--threads`` threads; a worker is replaced after ``--max-requests`` requests (with jitter),
  so a slow leak never takes the node down;
- static files: collected into ``STATIC_ROOT`` at start and served by WhiteNoise (compressed,
  cached forever by file hash); ``--no-collectstatic`` skips the copy;
- graceful restart: ``kill -HUP <master pid>`` starts new workers with the new code and lets the
  old ones finish their requests; ``TERM`` stops after the requests under way (``--graceful``);
- logs: one JSON object a line on standard error; the access log holds the method, the path
  without its query string, the status, the duration, the size and the request id -- never the
  client's address, its user agent, a query string or a cookie;
- metrics: every worker's request figures are summed at ``/metrics``
  (``OPENTRM_METRICS_TOKEN``; opentrm.config.metrics).
"""

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

# gunicorn's access-log atoms: %(m)s method, %(U)s path without query, %(s)s status,
# %(M)s duration in ms, %(B)s bytes, %({x-request-id}o)s our response header.
ACCESS_FORMAT = json.dumps(
    {
        "time": "%(t)s",
        "log": "access",
        "method": "%(m)s",
        "path": "%(U)s",
        "status": "%(s)s",
        "ms": "%(M)s",
        "bytes": "%(B)s",
        "request_id": "%({x-request-id}o)s",
    }
)


def default_workers() -> int:
    """``2 x CPUs + 1``: the CPUs this process may run on, not all the machine's."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return 2 * cpus + 1


def make_cache_table(table: str) -> None:
    """``createcachetable`` for ``table``, as one of several serving processes starting at once:
    when another made the table between our look and our ``CREATE TABLE``, its table is ours."""
    try:
        call_command("createcachetable", table, verbosity=0)
    except CommandError:
        if table not in connection.introspection.table_names():
            raise


def _log_config() -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "opentrm.core.logging.JsonFormatter"},
            "access": {"format": "%(message)s"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json"},
            "error": {"class": "logging.StreamHandler", "formatter": "json"},
            "access": {"class": "logging.StreamHandler", "formatter": "access"},
        },
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }


def _child_exit(_server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


class Command(BaseCommand):
    help = "Serve the node with gunicorn (production). See docs/deployment.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address:port or unix:path")
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument("--threads", type=int, default=1, help="threads per worker")
        parser.add_argument("--timeout", type=int, default=60, help="seconds before a stuck "
                            "worker is replaced")  # fmt: skip
        parser.add_argument("--graceful", type=int, default=30, help="seconds to finish "
                            "requests under way on TERM or HUP")  # fmt: skip
        parser.add_argument("--max-requests", type=int, default=5000)
        parser.add_argument("--no-collectstatic", action="store_true")
        parser.add_argument("--pid", default="", help="write the master's pid to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        if settings.OPENTRM_CACHE == "database":
            make_cache_table(settings.CACHES["default"]["LOCATION"])  # shared by every process
        metrics_dir = Path(
            os.environ.get("PROMETHEUS_MULTIPROC_DIR")
            or tempfile.mkdtemp(prefix="metrics-", dir=settings.OPENTRM_HOME)
        )
        shutil.rmtree(metrics_dir, ignore_errors=True)  # figures of an earlier run
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)  # before a worker starts
        # The system checks imported prometheus_client before the directory was named: its
        # labelled metrics make their values when first used, from ``values.ValueClass``.
        from prometheus_client import values

        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
        config: dict[str, Any] = {
            "bind": options["bind"],
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread" if options["threads"] > 1 else "sync",
            "timeout": options["timeout"],
            "graceful_timeout": options["graceful"],
            "max_requests": options["max_requests"],
            "max_requests_jitter": max(options["max_requests"] // 10, 1),
            "accesslog": "-",
            "errorlog": "-",
            "access_log_format": ACCESS_FORMAT,
            "logconfig_dict": _log_config(),
            "forwarded_allow_ips": ",".join(settings.OPENTRM_TRUSTED_PROXIES) or "127.0.0.1",
            "child_exit": _child_exit,
            "proc_name": "opentrm",
            "control_socket_disable": True,  # two nodes on one machine must not share it
        }
        if options["pid"]:
            config["pidfile"] = options["pid"]

        class Node(BaseApplication):
            def load_config(self) -> None:
                assert self.cfg is not None
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                from django.core.wsgi import get_wsgi_application

                from opentrm.core.warmup import bound_database_waits, warm_and_freeze

                application = get_wsgi_application()
                bound_database_waits()
                warm_and_freeze()  # in each worker: what it loaded is never collected again
                return application

        Node().run()
