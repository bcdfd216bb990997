"""``generate_data --jobs N`` (issue 18): a plan of chunks shared by N forked processes, each
with its own database connection, their progress reported back to the parent."""

import multiprocessing
import queue as queues
from collections.abc import Callable
from typing import Any

Work = Callable[[list[Any], Callable[[Any], None]], None]


def _job(work: Work, plan: list[Any], queue: Any) -> None:
    """One process: its share of the plan, each chunk's report (or the error) on ``queue``."""
    from django.db import connections

    try:
        work(plan, queue.put)
    except BaseException as error:  # reported to the parent, which stops the run
        queue.put(f"{type(error).__name__}: {error}")
        raise
    finally:
        connections.close_all()


def _next_report(queue: Any, workers: list[Any]) -> Any:
    """A job's next report (or error); an error too if a job died without a word (killed)."""
    while True:
        try:
            return queue.get(timeout=5)
        except queues.Empty:
            dead = [worker.exitcode for worker in workers if worker.exitcode not in (None, 0)]
            if dead:
                return f"a job ended with exit code {dead[0]}"


def in_processes(work: Work, plan: list[Any], jobs: int, report: Callable[[Any], None]) -> None:
    """``work(share, report)`` in ``jobs`` forked processes, job ``j`` taking ``plan[j::jobs]``;
    ``report`` called here once per item of the plan. Not for a caller inside a transaction."""
    from django.db import connections

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    connections.close_all()  # the children open their own
    workers = [
        context.Process(target=_job, args=(work, plan[job::jobs], queue)) for job in range(jobs)
    ]
    for worker in workers:
        worker.start()
    try:
        for _item in plan:
            item = _next_report(queue, workers)
            if isinstance(item, str):
                raise RuntimeError(f"generate_data: a job failed: {item}")
            report(item)
    except BaseException:
        for worker in workers:
            worker.terminate()
        raise
    finally:
        for worker in workers:
            worker.join()
