"""Work run in several threads at once, each on its own database connection (PostgreSQL
tests of races)."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, transaction


def run_at_once(work: Callable[[], object], times: int) -> list[object]:
    """Run ``work`` in ``times`` threads together; what each returned or raised, in the order
    they finished."""
    outcomes: list[object] = []

    def one() -> None:
        try:
            outcomes.append(work())
        except BaseException as error:  # reported to the caller
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@contextmanager
def rival_write(write: Callable[[], object]) -> Iterator[None]:
    """Another user's ``write`` in its own transaction on its own connection, left open while
    the block runs and committed as soon as this thread's connection waits for one of its locks.
    So the code under test reads the world as it was (the rival's rows are not committed yet)
    and then meets them when it writes: the moment between a service's check and its write,
    made certain instead of left to timing. PostgreSQL only. Fails when nothing in the block
    ever waits on the rival (the race the test means to show did not happen)."""
    started = threading.Event()
    failures: list[BaseException] = []

    def rival() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                write()
                started.set()
                deadline = time.monotonic() + 30
                while True:
                    # pg_locks, not pg_stat_activity: the latter is read once per transaction,
                    # so a connection opened after the first look would never be seen waiting.
                    cursor.execute(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted "
                        "AND pg_backend_pid() = ANY(pg_blocking_pids(pid)))"
                    )
                    (waited_on,) = cursor.fetchone()
                    if waited_on:
                        break
                    if time.monotonic() > deadline:
                        raise AssertionError("nothing waited for the rival's write")
                    time.sleep(0.01)
        except BaseException as error:  # reported to the test
            failures.append(error)
        finally:
            started.set()
            connection.close()

    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: run with DATABASE_URL on PostgreSQL")
    thread = threading.Thread(target=rival)
    thread.start()
    started.wait(timeout=30)
    try:
        yield
    finally:
        thread.join(timeout=60)
    if failures:
        raise failures[0]
