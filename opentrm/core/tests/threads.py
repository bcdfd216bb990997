"""Work run in several threads at once, each on its own database connection (PostgreSQL
tests of races)."""

import threading
from collections.abc import Callable

from django.db import connection


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
