"""Start-up of a serving process: load once what every request needs, then take the objects
made so far out of the garbage collector's way.

CPython's full collection walks every tracked object. A loaded node holds a few hundred thousand
(the models, the URLconf and the views it imports, the template engine, the translation
catalogues) and a page allocates enough to trigger a full collection every request or two:
about 40 ms of a case list's time went there (profiled at 20,000 cases). ``gc.freeze()`` moves
the objects made at start-up to a permanent generation that collections skip; they live as long
as the process anyway. What requests make is collected as before.
"""

import gc

from django.conf import settings
from django.db import connections
from django.urls import get_resolver
from django.utils import translation


def warm_and_freeze() -> None:
    """Import every view (the URLconf), load each offered language's catalogue, collect what
    start-up left behind, and freeze the rest (docs/deployment.md, "Serving")."""
    get_resolver().url_patterns  # noqa: B018 - imports the view modules
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Cases")
    gc.collect()
    gc.freeze()


def serving_options() -> str:
    """The PostgreSQL ``options`` a serving process's connections carry: the limits of
    ``OPENTRM_DB_STATEMENT_TIMEOUT``, ``OPENTRM_DB_LOCK_TIMEOUT`` and
    ``OPENTRM_DB_IDLE_TIMEOUT`` (seconds, 0: none), so no request holds a worker for longer on
    a slow statement, a lock or a transaction its worker abandoned; and
    ``max_parallel_workers_per_gather`` from ``OPENTRM_DB_PARALLEL_WORKERS`` (0 by default): a
    page reads 51 rows, and starting parallel workers for it cost 20-25 ms where the plain plan
    takes 2 ms ("My cases" at 1,000,000 cases, bench/README.md). Commands (statistics fills,
    research exports) keep PostgreSQL's own setting."""
    limits = [
        f"-c {name}={1000 * seconds}"
        for name, seconds in (
            ("statement_timeout", settings.OPENTRM_DB_STATEMENT_TIMEOUT),
            ("lock_timeout", settings.OPENTRM_DB_LOCK_TIMEOUT),
            ("idle_in_transaction_session_timeout", settings.OPENTRM_DB_IDLE_TIMEOUT),
        )
    ]
    limits.append(f"-c max_parallel_workers_per_gather={settings.OPENTRM_DB_PARALLEL_WORKERS}")
    return " ".join(limits)


def bound_database_waits() -> None:
    """On PostgreSQL, the serving process's connections are made with ``serving_options()``."""
    database = connections["default"]
    if database.vendor != "postgresql":
        return
    database.close()  # the next connection is made with the limits
    options = database.settings_dict.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} {serving_options()}".strip()
